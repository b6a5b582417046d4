from django.apps import AppConfig


class InterviewsConfig(AppConfig):
    name = "interviews"

    def ready(self):
        from accounts.hooks import time_zone_changed
        from courses.hooks import (
            course_home_context,
            course_reminders_changed,
            course_time_zone_changed,
            membership_changed,
            my_courses_context,
        )

        from . import summaries
        from .authoring import course_home_context as assignments_context
        from .notices import register_kinds
        from .progress import home_context
        from .reminders import replan_course_later, replan_member_later, replan_person_later

        register_kinds()
        # The whole-class counts and statistics of a course follow every change of its work.
        summaries.connect()

        # A person's zone sets the hour and the wording of every reminder they get; a course's
        # zone is named in its reminders beside theirs.
        time_zone_changed.register(replan_person_later)
        course_time_zone_changed.register(replan_course_later)
        # An archived course sends nothing; a member's reminders follow their role and presence.
        course_reminders_changed.register(replan_course_later)
        membership_changed.register(replan_member_later)
        # "My courses" shows what is coming up in them.
        my_courses_context.register(home_context)
        # A course's home lists its assignments as the member sees them.
        course_home_context.register(assignments_context)
