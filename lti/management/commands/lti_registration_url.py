"""Print a one-time LTI Dynamic Registration URL to paste into the LMS (Moodle: "Tool URL")."""

from django.core.management.base import BaseCommand
from django.urls import reverse

from common.urls import absolute_url
from lti.registration import VALID_FOR, registration_token_new


class Command(BaseCommand):
    help = "Make a single-use Dynamic Registration URL, valid for a day."

    def handle(self, *args, **options):
        url = absolute_url(
            reverse("lti:dynamic_registration", kwargs={"signed": registration_token_new()})
        )
        hours = int(VALID_FOR.total_seconds() // 3600)
        self.stdout.write(f"{url}\nValid for {hours} hours, for one registration.")
