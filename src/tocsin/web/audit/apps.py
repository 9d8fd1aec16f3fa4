from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "tocsin.web.audit"
    label = "audit"
    verbose_name = "Audit log"

    def ready(self):
        from tocsin.web.audit import log

        log.connect()
