from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AreasConfig(AppConfig):
    name = "nanhai_portal.areas"
    label = "areas"
    verbose_name = _("Towns, communities and grids")
