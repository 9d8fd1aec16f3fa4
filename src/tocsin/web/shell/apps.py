from django.apps import AppConfig


class ShellConfig(AppConfig):
    name = "tocsin.web.shell"
    label = "shell"
    verbose_name = "Site shell"
