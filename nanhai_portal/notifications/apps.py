from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "nanhai_portal.notifications"
    label = "notifications"
