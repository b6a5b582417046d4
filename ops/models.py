"""The last run of a periodic task, written by the worker that ran it (ops/heartbeat.py).

A row in the database rather than a key in Redis: /readyz/ checks Redis and the beat apart, so
a Redis restart must not also erase the evidence that beat was ticking, and the tick's last
duration survives for the metrics too.
"""

from django.db import models


class Heartbeat(models.Model):
    task = models.CharField(max_length=200, primary_key=True)
    finished_at = models.DateTimeField()
    duration_seconds = models.FloatField()

    def __str__(self):
        return f"{self.task} at {self.finished_at:%Y-%m-%d %H:%M:%S}"

    def age_seconds(self, now) -> float:
        """Seconds since the task last finished, at ``now``."""
        return (now - self.finished_at).total_seconds()
