from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CountriesConfig(AppConfig):
    name = "tocsin.web.countries"
    label = "countries"
    verbose_name = _("Country risk and watch list")
    default_auto_field = "django.db.models.BigAutoField"
