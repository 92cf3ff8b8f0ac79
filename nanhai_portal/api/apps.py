from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "nanhai_portal.api"
    label = "api"
    verbose_name = "API"
