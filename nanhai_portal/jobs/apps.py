from django.apps import AppConfig


class JobsConfig(AppConfig):
    name = "nanhai_portal.jobs"
    label = "jobs"
