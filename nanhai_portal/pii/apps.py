from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PIIConfig(AppConfig):
    name = "nanhai_portal.pii"
    label = "pii"
    verbose_name = _("Personal data")
