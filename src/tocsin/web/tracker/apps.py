from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TrackerConfig(AppConfig):
    name = "tocsin.web.tracker"
    label = "tracker"
    verbose_name = _("Recommendations tracker")
    default_auto_field = "django.db.models.BigAutoField"
