from django.apps import AppConfig


class AlertsConfig(AppConfig):
    name = "tocsin.web.alerts"
    label = "alerts"
    verbose_name = "Early-warning alerts"
    default_auto_field = "django.db.models.BigAutoField"
