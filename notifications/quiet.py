"""Quiet hours: nobody gets a reminder in the middle of their night."""

import zoneinfo
from datetime import datetime, time, timedelta

from django.conf import settings

UTC = zoneinfo.ZoneInfo("UTC")


def in_quiet_hours(moment: datetime, zone: zoneinfo.ZoneInfo) -> bool:
    start, end = settings.NOTIFICATION_QUIET_HOURS
    hour = moment.astimezone(zone).hour
    return hour >= start or hour < end


def after_quiet_hours(moment: datetime, zone: zoneinfo.ZoneInfo) -> datetime:
    """``moment`` if it is outside the quiet hours, else their end (local morning), in UTC."""
    if not in_quiet_hours(moment, zone):
        return moment
    _, end = settings.NOTIFICATION_QUIET_HOURS
    local = moment.astimezone(zone)
    day = local.date() if local.hour < end else local.date() + timedelta(days=1)
    return datetime.combine(day, time(end), tzinfo=zone).astimezone(UTC)


def before_quiet_hours(moment: datetime, zone: zoneinfo.ZoneInfo, evening_hour: int) -> datetime:
    """``moment`` if it is outside the quiet hours, else ``evening_hour`` local on the evening
    before them, in UTC (for reminders that must come before a deadline)."""
    if not in_quiet_hours(moment, zone):
        return moment
    start, _ = settings.NOTIFICATION_QUIET_HOURS
    local = moment.astimezone(zone)
    day = local.date() if local.hour >= start else local.date() - timedelta(days=1)
    return datetime.combine(day, time(evening_hour), tzinfo=zone).astimezone(UTC)
