from django.apps import AppConfig


class InterviewsConfig(AppConfig):
    name = "interviews"

    def ready(self):
        from accounts.hooks import on_time_zone_changed

        from .reminders import replan_person_later

        # A person's zone sets the hour and the wording of every reminder they get.
        on_time_zone_changed(replan_person_later)
