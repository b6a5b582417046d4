from django.apps import AppConfig


class CommonConfig(AppConfig):
    """An app only so that its template filters (``{% load numbers %}``) can be loaded."""

    name = "common"
    verbose_name = "Common"
