from django.apps import AppConfig


class WorkspaceConfig(AppConfig):
    name = "tocsin.web.workspace"
    label = "workspace"
    verbose_name = "Assessment workspace"
