from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "tocsin.web.accounts"
    label = "accounts"
    verbose_name = "People, roles and invitations"
