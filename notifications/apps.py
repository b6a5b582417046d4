from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "notifications"

    def ready(self):
        from courses.hooks import member_reminder_states

        from .preferences import quiet_members

        # The members page says whose reminders about the course are muted or inbox-only.
        member_reminder_states.register(quiet_members)
