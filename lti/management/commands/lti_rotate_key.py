"""Rotate Rapport's LTI signing key without breaking launches in flight.

Platforms cache our JWKS, so a new key is published beside the old ones first; the old keys
are retired (taken out of the JWKS) only when asked, once platforms have had time to refetch.
"""

from datetime import timedelta

from django.core.management.base import BaseCommand
from django.utils import timezone
from lti_tool.models import Key


class Command(BaseCommand):
    help = "Add a new LTI signing key (signing uses the newest); optionally retire old ones."

    def add_arguments(self, parser):
        parser.add_argument(
            "--retire-older-than-days", type=int, default=None,
            help="take keys older than this out of the JWKS (the newest key always stays)",
        )  # fmt: skip
        parser.add_argument(
            "--retire-only", action="store_true", help="retire without adding a new key"
        )

    def handle(self, *args, **options):
        if not options["retire_only"]:
            key = Key.objects.generate()
            self.stdout.write(f"New signing key {key}; it is in the JWKS and signs from now on.")
        days = options["retire_older_than_days"]
        if days is not None:
            newest = Key.objects.active().latest()
            cutoff = timezone.now() - timedelta(days=days)
            retired = (
                Key.objects.active()
                .filter(datetime_created__lt=cutoff)
                .exclude(pk=newest.pk)
                .update(is_active=False)
            )
            self.stdout.write(f"Retired {retired} key(s) older than {days} days.")
        self.stdout.write(f"Keys in the JWKS: {Key.objects.active().count()}.")
