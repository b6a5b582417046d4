"""Start-up checks of the courses settings an operator sets."""

from django.conf import settings
from django.core.checks import Error, register

from .permissions import COURSE_CREATOR_MODES


@register()
def check_course_creators(app_configs=None, **kwargs):
    mode = getattr(settings, "COURSE_CREATORS", None)
    if mode not in COURSE_CREATOR_MODES:
        return [
            Error(
                f"COURSE_CREATORS is {mode!r}; use one of {', '.join(COURSE_CREATOR_MODES)}.",
                hint="Set the COURSE_CREATORS environment variable (README, Security).",
                id="courses.E001",
            )
        ]
    return []
