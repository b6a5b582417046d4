from django.apps import AppConfig


class LtiConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "lti"
    verbose_name = "LTI 1.3"

    def ready(self):
        from courses.hooks import roster_panels
        from interviews.hooks import grade_destinations, grades_changed

        from .passback import passback_plan
        from .passback_status import passback_states
        from .roster_sync import roster_sync_panel

        # A linked course's roster page says when it last synced from the LMS.
        roster_panels.register(roster_sync_panel)
        # A released, hidden or edited grade owes the LMS gradebook a score (or a withdrawal).
        grades_changed.register(passback_plan)
        # The grading page says whether that score reached the LMS.
        grade_destinations.register(passback_states)
