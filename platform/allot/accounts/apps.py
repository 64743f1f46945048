from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "allot.accounts"
    label = "accounts"
    verbose_name = "Accounts"
