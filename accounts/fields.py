"""Form fields for moments typed in a given time zone (a course's, a professional's)."""

import zoneinfo
from datetime import date, datetime

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

# Every date a person can type lies in these years: far enough for any course, near enough that
# a moment moved by a time zone, a grace period or a shift still fits a datetime (year 1–9999)
# and every calendar app.
EARLIEST_YEAR = 1970
LATEST_YEAR = 2200
DATE_RANGE_MESSAGE = f"Enter a date between {EARLIEST_YEAR} and {LATEST_YEAR}."


def validate_date_in_range(value: date | datetime | None) -> None:
    """Refuses a date (or date-time) outside ``EARLIEST_YEAR``–``LATEST_YEAR``."""
    if value is not None and not EARLIEST_YEAR <= value.year <= LATEST_YEAR:
        raise ValidationError(DATE_RANGE_MESSAGE, code="date_out_of_range")


def aware_in_zone(naive: datetime, zone_name: str) -> datetime:
    """``naive`` read as wall-clock time in ``zone_name``, as an aware UTC datetime.

    Raises ValidationError for a time that does not exist there (the hour skipped when clocks
    go forward). A repeated hour (clocks go back) means its first occurrence.
    """
    zone = zoneinfo.ZoneInfo(zone_name)
    aware = naive.replace(tzinfo=zone)
    # A wall time that does not exist fails the round trip through UTC.
    round_trip = aware.astimezone(zoneinfo.ZoneInfo("UTC")).astimezone(zone)
    if round_trip.replace(tzinfo=None) != naive:
        raise ValidationError(
            f"{naive:%H:%M} on {naive:%-d %B %Y} does not exist in {zone_name}: the clocks "
            "jump forward then. Choose a time outside the skipped hour.",
            code="nonexistent",
        )
    return aware.astimezone(zoneinfo.ZoneInfo("UTC"))


class ZonedDateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs=None):
        attrs = {"min": f"{EARLIEST_YEAR}-01-01T00:00", "max": f"{LATEST_YEAR}-12-31T23:59"} | (
            attrs or {}
        )
        super().__init__(attrs=attrs, format="%Y-%m-%dT%H:%M")


class ZonedDateTimeField(forms.DateTimeField):
    """A ``datetime-local`` input whose value is wall time in ``zone_name``.

    Set ``zone_name`` (e.g. from the form's ``__init__``) before validation and rendering; the
    initial value is shown in that zone too.
    """

    widget = ZonedDateTimeInput
    input_formats = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"]

    def __init__(self, *args, zone_name: str = "UTC", **kwargs):
        self.zone_name = zone_name
        super().__init__(*args, **kwargs)

    def prepare_value(self, value):
        if isinstance(value, datetime) and timezone.is_aware(value):
            return value.astimezone(zoneinfo.ZoneInfo(self.zone_name)).replace(tzinfo=None)
        return value

    def to_python(self, value):
        if isinstance(value, datetime):
            naive = value.replace(tzinfo=None) if timezone.is_aware(value) else value
        else:
            if value in self.empty_values:
                return None
            naive = None
            for fmt in self.input_formats:
                try:
                    naive = datetime.strptime(str(value).strip(), fmt)  # noqa: DTZ007
                    break
                except ValueError:
                    continue
            if naive is None:
                raise ValidationError(
                    "Enter a date and time, e.g. 2027-03-14 17:00.", code="invalid"
                )
        validate_date_in_range(naive)  # before the zone moves it past year 9999
        return aware_in_zone(naive, self.zone_name)
