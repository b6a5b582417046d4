"""What the calendar feed last said about each event, so a moved event keeps its UID and gets a
higher ``SEQUENCE`` and a new ``LAST-MODIFIED`` (RFC 5545 §3.8.7.4), whatever moved it: the
interview held on another day, an extension, an edited due date."""

from django.conf import settings
from django.db import models


class CalendarEventStamp(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_stamps"
    )
    uid = models.CharField(max_length=200)
    start = models.DateTimeField()
    end = models.DateTimeField()
    sequence = models.PositiveIntegerField(default=0)
    modified_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "uid"], name="one_stamp_per_feed_event")
        ]

    def __str__(self):
        return f"{self.uid} (sequence {self.sequence})"
