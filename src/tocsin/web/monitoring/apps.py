from django.apps import AppConfig


class MonitoringConfig(AppConfig):
    name = "tocsin.web.monitoring"
    label = "monitoring"
    verbose_name = "Monitoring"
