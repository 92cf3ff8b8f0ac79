"""The Celery app. Configuration comes from Django settings (``CELERY_*``)."""

import logging
import os
from typing import Any

from celery import Celery
from celery.signals import after_setup_logger, after_setup_task_logger

from nanhai_portal.pii.logs import ScrubPIIFilter

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "nanhai_portal.settings")

app = Celery("nanhai_portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@after_setup_logger.connect
@after_setup_task_logger.connect
def scrub_personal_data_in_worker_logs(logger: logging.Logger, **kwargs: Any) -> None:
    """Worker and beat replace the root logger's handlers (and give the task logger its own):
    put the personal-data filter on each, as the settings' LOGGING does for the web."""
    for handler in logger.handlers:
        if not any(isinstance(existing, ScrubPIIFilter) for existing in handler.filters):
            handler.addFilter(ScrubPIIFilter())
