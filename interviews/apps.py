from django.apps import AppConfig


class InterviewsConfig(AppConfig):
    name = "interviews"

    def ready(self):
        from accounts.hooks import time_zone_changed
        from courses.hooks import (
            course_reminders_changed,
            course_time_zone_changed,
            membership_changed,
        )

        from .reminders import replan_course_later, replan_member_later, replan_person_later

        # A person's zone sets the hour and the wording of every reminder they get; a course's
        # zone is named in its reminders beside theirs.
        time_zone_changed.register(replan_person_later)
        course_time_zone_changed.register(replan_course_later)
        # An archived course sends nothing; a member's reminders follow their role and presence.
        course_reminders_changed.register(replan_course_later)
        membership_changed.register(replan_member_later)
