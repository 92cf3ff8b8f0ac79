"""The Nanhai new-resident portal (南海区新市民服务平台)."""

from nanhai_portal.celery import app as celery_app

__all__ = ["celery_app"]
