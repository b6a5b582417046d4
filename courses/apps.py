from django.apps import AppConfig


class CoursesConfig(AppConfig):
    name = "courses"

    def ready(self):
        from . import checks  # noqa: F401  (registers the settings checks)
