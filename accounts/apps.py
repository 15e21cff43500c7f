"""App configuration for sign-up, log-in and the rest of a person's account."""

from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts"
