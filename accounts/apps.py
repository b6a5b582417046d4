from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"

    def ready(self):
        from . import converters

        converters.register()  # before any URLconf uses <id:…>
