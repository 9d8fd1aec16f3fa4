from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InboxConfig(AppConfig):
    name = "tocsin.web.inbox"
    label = "inbox"
    verbose_name = _("Alerts inbox")
    default_auto_field = "django.db.models.BigAutoField"
