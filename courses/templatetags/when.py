"""Show a moment in the viewer's zone and, where it differs, in the course's zone."""

import zoneinfo

from django import template
from django.utils import timezone
from django.utils.html import format_html

register = template.Library()

FORMAT = "%a %-d %b %Y, %H:%M"


def _zone(name):
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, TypeError):
        return zoneinfo.ZoneInfo("UTC")


@register.simple_tag
def when(moment, other_zone=None, other_label="course time"):
    """``Tue 3 Mar 2027, 17:00 CET`` (viewer's zone) plus ``(11:00 EST course time)`` when the
    other zone shows a different wall time. Renders "—" for no moment."""
    if moment is None:
        return "—"
    local = timezone.localtime(moment)
    text = long_moment(moment)
    if other_zone:
        other = moment.astimezone(_zone(other_zone))
        if (other.utcoffset(), other.tzname()) != (local.utcoffset(), local.tzname()):
            same_day = other.date() == local.date()
            shown = other.strftime("%H:%M" if same_day else FORMAT)
            return format_html(
                '<time datetime="{}">{}</time> <span class="text-body-secondary">({} {} {})</span>',
                moment.isoformat(), text, shown, other.tzname(), other_label,
            )  # fmt: skip
    return format_html('<time datetime="{}">{}</time>', moment.isoformat(), text)


@register.filter
def in_zone(moment, zone_name):
    """The moment as wall time in ``zone_name`` (for templates that format it themselves)."""
    if moment is None:
        return None
    return moment.astimezone(_zone(zone_name))


@register.filter
def short_moment(moment):
    """``3 Mar, 17:00`` in the viewer's zone: for the cells of long tables, where Django's
    ``date`` filter costs several times as much (it was a quarter of the progress grid)."""
    return "" if moment is None else timezone.localtime(moment).strftime("%-d %b, %H:%M")


@register.filter
def long_moment(moment):
    """``Tue 3 Mar 2027, 17:00 CET`` in the viewer's zone (as ``when``, as plain text)."""
    if moment is None:
        return ""
    local = timezone.localtime(moment)
    return f"{local.strftime(FORMAT)} {local.tzname()}"
