from django.apps import AppConfig


class CoursesConfig(AppConfig):
    name = "courses"

    def ready(self):
        from django.db.models.signals import post_delete, post_save

        from common.summaries import summaries_changed

        from . import checks  # noqa: F401  (registers the settings checks)
        from .models import Invitation, Membership

        def class_changed(sender, instance, raw=False, **kwargs):
            # Who is in the class (or invited to it) is what every whole-class summary counts.
            if not raw:
                summaries_changed(instance.course_id)

        for model in (Membership, Invitation):
            for signal in (post_save, post_delete):
                signal.connect(class_changed, sender=model, weak=False)
