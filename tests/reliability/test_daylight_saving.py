"""(5) Daylight saving: a "1 day before" reminder fires once, at the right instant, across both
clock changes of the year in New York, Berlin and Sydney; a deadline at a local time that does
not exist is handled.

The clock is simulated (time_machine) and the tick is called every simulated minute around the
expected moment and every 30 minutes from 3 hours before it until after the deadline, so the
ticks cross the clock change. Delivery runs in the test process through real SMTP to the sink.
"""

import zoneinfo
from datetime import UTC, date, datetime, time, timedelta

import pytest

from courses.enrolment import course_create, member_enrol
from courses.models import Role
from interviews.models import Assignment, AssignmentReminderSettings
from interviews.notices import Kind
from interviews.reminders import replan_assignment
from notifications.models import Notification
from notifications.tasks import tick
from tests.factories import make_user

from .support import report

pytestmark = pytest.mark.reliability

# (zone, the day the clocks change, which way)
CHANGES = [
    ("America/New_York", date(2027, 3, 14), "spring forward"),
    ("America/New_York", date(2027, 11, 7), "fall back"),
    ("Europe/Berlin", date(2027, 3, 28), "spring forward"),
    ("Europe/Berlin", date(2027, 10, 31), "fall back"),
    ("Australia/Sydney", date(2027, 4, 4), "fall back"),
    ("Australia/Sydney", date(2027, 10, 3), "spring forward"),
]


def offset_changes_on(zone: zoneinfo.ZoneInfo, day: date) -> bool:
    midnight = datetime.combine(day, time(0), tzinfo=zone)
    return midnight.utcoffset() != (midnight + timedelta(days=1)).utcoffset()


def tick_moments(expected: datetime, deadline: datetime) -> list[datetime]:
    # In UTC: Python adds a timedelta to an aware datetime in wall-clock time of its zone.
    expected, deadline = expected.astimezone(UTC), deadline.astimezone(UTC)
    coarse_start = expected - timedelta(hours=3)
    moments = [coarse_start + timedelta(minutes=30 * i) for i in range(6)]
    moments += [expected + timedelta(minutes=m) for m in range(-30, 31)]
    moment = expected + timedelta(minutes=60)
    while moment <= deadline + timedelta(minutes=30):
        moments.append(moment)
        moment += timedelta(minutes=30)
    return sorted(set(moments))


def run(*, zone_name: str, deadline: datetime, expected: datetime, sink, time_machine) -> dict:
    """Plan the reminder of ``deadline`` for a student in ``zone_name``, tick through simulated
    time and return what happened."""
    planned_at = expected.astimezone(UTC) - timedelta(days=2)
    time_machine.move_to(planned_at, tick=False)
    instructor = make_user("dst.instructor@example.edu", "Dana Instructor", zone_name)
    student = make_user("dst.student@example.edu", "Sam Student", zone_name)
    course = course_create(creator=instructor, title="Careers", time_zone=zone_name)
    member_enrol(course=course, user=student, role=Role.STUDENT)
    assignment = Assignment.objects.create(
        course=course, title="Interview", writeup_due_at=deadline,
        state=Assignment.State.PUBLISHED, published_at=planned_at,
    )  # fmt: skip
    AssignmentReminderSettings.objects.create(
        assignment=assignment, before_days=[1], disabled_kinds=[Kind.MILESTONE_OVERDUE]
    )
    replan_assignment(assignment, now=planned_at)
    [row] = Notification.objects.filter(recipient=student)

    arrivals = []
    for moment in tick_moments(expected, deadline):
        time_machine.move_to(moment, tick=False)
        before = len(sink.snapshot())
        tick()
        arrivals += [moment] * (len(sink.snapshot()) - before)
    row.refresh_from_db()
    return {"row": row, "arrivals": arrivals, "student": student}


def local(moment: datetime, zone: zoneinfo.ZoneInfo) -> str:
    # Through UTC, so a wall time that does not exist shows as the instant it stands for.
    return f"{moment.astimezone(UTC).astimezone(zone):%Y-%m-%d %H:%M %Z}"


@pytest.fixture
def smtp_to_sink(settings, sink):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", sink.port
    return sink


@pytest.mark.parametrize(("zone_name", "day", "change"), CHANGES)
def test_one_day_before_fires_once_at_the_same_local_time_across_a_clock_change(
    zone_name, day, change, db, postgresql, smtp_to_sink, time_machine
):
    zone = zoneinfo.ZoneInfo(zone_name)
    assert offset_changes_on(zone, day)
    deadline = datetime.combine(day, time(9), tzinfo=zone)  # just after the change
    expected = datetime.combine(day - timedelta(days=1), time(9), tzinfo=zone)
    naive = deadline.astimezone(UTC) - timedelta(hours=24)

    result = run(
        zone_name=zone_name, deadline=deadline, expected=expected, sink=smtp_to_sink,
        time_machine=time_machine,
    )  # fmt: skip

    row = result["row"]
    report(f"5_dst {zone_name} {change}", {
        "deadline": local(deadline, zone),
        "expected": f"{local(expected, zone)} = {expected.astimezone(UTC):%H:%M} UTC",
        "24_hours_earlier_would_be": local(naive, zone),
        "planned": local(row.send_at, zone),
        "sent_at_simulated": [local(a, zone) for a in result["arrivals"]],
        "emails": len(result["arrivals"]),
    })  # fmt: skip
    assert expected != naive
    assert row.send_at == expected
    assert result["arrivals"] == [expected]
    assert (row.state, row.sent_at) == (Notification.State.SENT, expected)
    [message] = smtp_to_sink.snapshot()
    assert message.recipients == (result["student"].email,)


@pytest.mark.parametrize(
    ("zone_name", "day"), [(z, d) for z, d, change in CHANGES if change == "spring forward"]
)
def test_a_deadline_at_a_local_time_that_does_not_exist_is_reminded_once(
    zone_name, day, db, postgresql, smtp_to_sink, time_machine
):
    zone = zoneinfo.ZoneInfo(zone_name)
    deadline = datetime.combine(day, time(2, 30), tzinfo=zone)  # skipped by the clocks
    assert deadline.astimezone(UTC).astimezone(zone).time() != time(2, 30)
    # 02:30 the day before is in the night: the reminder comes the evening before that.
    expected = datetime.combine(day - timedelta(days=2), time(18), tzinfo=zone)

    result = run(
        zone_name=zone_name, deadline=deadline, expected=expected, sink=smtp_to_sink,
        time_machine=time_machine,
    )  # fmt: skip

    row = result["row"]
    report(f"5_dst {zone_name} deadline at a missing local time", {
        "deadline_entered": f"{day} 02:30 (does not exist)",
        "deadline_stored": local(deadline, zone),
        "planned": local(row.send_at, zone),
        "sent_at_simulated": [local(a, zone) for a in result["arrivals"]],
        "emails": len(result["arrivals"]),
    })  # fmt: skip
    assert row.send_at == expected < deadline
    assert result["arrivals"] == [expected]
    assert row.state == Notification.State.SENT
