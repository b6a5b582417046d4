"""The course Insights page for staff: what the class's held interviews led to (industries and
organisations explored, whether the path still fits, referrals, offers), how students thanked
and followed up, and interviews held per week over the term; and its CSV export, one row per
held interview.

What counts: held interviews on the course's published assignments (or one of them), by every
student who held one, including students since removed from the course (what they did
happened; the page says so). An interview happens at its held time, or its planned time when
the held time was not logged (``Interview.starts_at``).

Every count is an SQL aggregate: the page costs the same seven queries for 10 students as for
1,000.
"""

import zoneinfo
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.db.models import BooleanField, Count, ExpressionWrapper, F, Min, Q, QuerySet
from django.db.models.functions import Coalesce, Lower, Trim, TruncWeek
from django.urls import reverse

from accounts.models import display_name_sql
from common import numbers
from courses.models import Course

from .gradebook import Bar
from .models import THANK_YOU_WITHIN, Assignment, Interview

TOP = 8  # industries and organisations shown by name; the rest are one "Other" row
MIN_FOR_PERCENT = 5  # below this many, a share is shown as "2 of 3", never as a percentage
MAX_WEEKS = 52
OFFERS_SHOWN = 50
NOT_RECORDED = "Not recorded"


def _zone(name: str) -> zoneinfo.ZoneInfo:
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, TypeError):
        return zoneinfo.ZoneInfo("UTC")


@dataclass(frozen=True, slots=True)
class Share:
    """``part`` of ``whole``, shown as a count, with a percentage once ``whole`` is big enough
    for one to mean something."""

    part: int
    whole: int

    @property
    def percent(self) -> int | None:
        if self.whole < MIN_FOR_PERCENT:
            return None
        return int(numbers.percent(self.part, self.whole, step=Decimal(1)))

    def __str__(self) -> str:
        text = f"{self.part} of {self.whole}"
        return text if self.percent is None else f"{text} ({self.percent} %)"


@dataclass(frozen=True, slots=True)
class Group:
    """One industry, organisation or answer: its held interviews and the students who held
    them. ``ratio`` is the bar's length as a part of the longest bar (0 to 1)."""

    label: str
    interviews: int
    students: int | None  # None where not counted (path-fit answers, the "Other" row)
    ratio: float
    share: Share
    is_other: bool = False


@dataclass(frozen=True, slots=True)
class GroupChart:
    """Held interviews by industry, organisation or answer: a bar chart and its table."""

    title: str
    groups: list[Group]

    BAR_HEIGHT, ROW_HEIGHT = 16, 22
    BARS_FROM = 45  # percent of the chart's width: the labels come first

    @property
    def height(self) -> int:
        return max(len(self.groups), 1) * self.ROW_HEIGHT

    def rows(self) -> list[tuple[Group, int, int, str]]:
        """(group, bar y, text y, bar width) for each bar of the chart; the bars start at
        BARS_FROM percent of the width and the longest fills the rest."""
        room = 100 - self.BARS_FROM
        return [
            (
                group,
                index * self.ROW_HEIGHT + 2,
                index * self.ROW_HEIGHT + 15,
                f"{room * group.ratio:.2f}%",
            )
            for index, group in enumerate(self.groups)
        ]

    def summary(self) -> str:
        """The chart in words, for screen readers (the chart is one image to them)."""
        if not self.groups:
            return f"{self.title}: none yet."
        counts = ", ".join(f"{group.label}: {group.interviews}" for group in self.groups)
        return f"{self.title}, held interviews: {counts}."


@dataclass(frozen=True, slots=True)
class OfferLine:
    student: str
    email: str
    contact: str
    organisation: str
    kind: str
    assignment: str
    held_at: datetime | None
    url: str


@dataclass
class WeekChart:
    """Interviews held per week (weeks start on Monday in the course's time zone)."""

    weeks: list[tuple[date, int]]
    truncated: bool = False  # more than MAX_WEEKS: only the last ones are drawn

    BAR, GAP = 14, 2
    HEIGHT, PLOT_TOP, PLOT_HEIGHT = 90, 14, 60

    @property
    def width(self) -> int:
        # At least ten weeks wide, so a short term does not draw a few giant bars.
        return max(len(self.weeks), 10) * (self.BAR + self.GAP)

    @property
    def total(self) -> int:
        return sum(count for _, count in self.weeks)

    def bars(self) -> list[Bar]:
        """The weeks as SVG bars, the busiest week filling the plot."""
        tallest = max((count for _, count in self.weeks), default=0) or 1
        bars = []
        for index, (monday, count) in enumerate(self.weeks):
            height = Decimal(self.PLOT_HEIGHT * count) / tallest
            y = self.PLOT_TOP + self.PLOT_HEIGHT - height
            x = index * (self.BAR + self.GAP) + 1
            label = f"Week of {monday:%-d %b %Y}"
            bars.append(Bar(label, count, x, f"{y:.1f}", f"{height:.1f}", f"{y - 3:.1f}"))
        return bars

    def summary(self) -> str:
        """The chart in words, for screen readers (the chart is one image to them)."""
        if not self.weeks:
            return "Interviews held per week: none yet."
        first, last = self.weeks[0][0], self.weeks[-1][0]
        busiest = max(self.weeks, key=lambda week: week[1])
        return (
            f"Interviews held per week, {len(self.weeks)} weeks from {first:%-d %b %Y} to "
            f"{last:%-d %b %Y}: {self.total} in all, at most {busiest[1]} in the week of "
            f"{busiest[0]:%-d %b %Y}. The table beside the chart lists every week."
        )


@dataclass
class InsightsPage:
    course: Course
    assignments: list[Assignment]  # published, for the filter
    assignment: Assignment | None  # the one filtered on; None: the whole course
    unknown_assignment: bool  # a filter that names no published assignment of the course
    held: int
    students: int  # students who held at least one
    planned: int  # not held yet, not cancelled
    path_fit: GroupChart
    industries: GroupChart
    organisations: GroupChart
    referrals: int  # new contacts referred
    referring: Share  # held interviews that led to at least one referral
    internships: int
    jobs: int
    offers: list[OfferLine]  # the newest OFFERS_SHOWN

    @property
    def offers_not_shown(self) -> int:
        return self.internships + self.jobs - len(self.offers)

    thanked_in_time: Share
    thanked: Share
    followed_up: Share  # among interviews that had no reply before any follow-up
    replied: Share
    weeks: WeekChart = field(default_factory=lambda: WeekChart([]))


def interviews_in(*, course: Course, assignment_id: int | None = None) -> QuerySet:
    """Held interviews on ``course``'s published assignments (or the one given), with
    ``moment``: when each happened."""
    assignments = Assignment.objects.published().filter(course=course)
    if assignment_id is not None:
        assignments = assignments.filter(pk=assignment_id)
    return (
        Interview.objects.held()
        .filter(assignment__in=assignments)
        .annotate(moment=Coalesce("held_at", "scheduled_at"))
    )


def _thanked_in_time() -> Q:
    return Q(thank_you_sent_at__lte=F("moment") + THANK_YOU_WITHIN)


def _needed_follow_up() -> Q:
    # A reply that came before any follow-up made one unnecessary.
    return Q(reply_received_at__isnull=True) | Q(follow_up_sent_at__isnull=False)


def _bar(
    label: str,
    interviews: int,
    students: int | None,
    *,
    tallest: int,
    total: int,
    is_other: bool = False,
) -> Group:
    return Group(
        label=label,
        interviews=interviews,
        students=students,
        ratio=interviews / (tallest or 1),
        share=Share(interviews, total),
        is_other=is_other,
    )


def _groups(held: QuerySet, name: str, *, total: int) -> list[Group]:
    """Held interviews per distinct ``contact__<name>``, case and surrounding spaces ignored
    ("Tech" and "tech " are one, shown in the spelling that sorts first), the most frequent
    first; past TOP, one "Other" row."""
    rows = list(
        held.annotate(key=Lower(Trim(f"contact__{name}")))
        .values("key")
        .annotate(
            label=Min(Trim(f"contact__{name}")),
            interviews=Count("pk"),
            students=Count("student", distinct=True),
        )
        .order_by("-interviews", "key")
    )
    recorded = [row for row in rows if row["key"]]
    missing = next((row for row in rows if not row["key"]), None)
    shown, rest = recorded[:TOP], recorded[TOP:]
    tallest = max(
        [row["interviews"] for row in shown]
        + [sum(row["interviews"] for row in rest), missing["interviews"] if missing else 0]
    )
    groups = [
        _bar(row["label"], row["interviews"], row["students"], tallest=tallest, total=total)
        for row in shown
    ]
    if rest:
        # Students are not summed: one student may be in several of the rest.
        interviews = sum(row["interviews"] for row in rest)
        label = f"Other ({len(rest)} more)"
        groups.append(_bar(label, interviews, None, tallest=tallest, total=total, is_other=True))
    if missing:
        groups.append(
            _bar(
                NOT_RECORDED,
                missing["interviews"],
                missing["students"],
                tallest=tallest,
                total=total,
                is_other=True,
            )
        )
    return groups


def _week_chart(
    held: QuerySet, *, zone: zoneinfo.ZoneInfo, start: datetime | None, end: datetime
) -> WeekChart:
    counts = {
        row["week"].astimezone(zone).date(): row["n"]
        for row in held.filter(moment__isnull=False)
        .annotate(week=TruncWeek("moment", tzinfo=zone))
        .values("week")
        .annotate(n=Count("pk"))
        .order_by("week")
    }
    if start is None and not counts:
        return WeekChart([])
    days = [start.astimezone(zone).date()] if start else []
    days += list(counts)
    first = min(days)
    last = max([end.astimezone(zone).date(), *counts])
    first -= timedelta(days=first.weekday())
    last -= timedelta(days=last.weekday())
    mondays = []
    monday = first
    while monday <= last:
        mondays.append(monday)
        monday += timedelta(weeks=1)
    truncated = len(mondays) > MAX_WEEKS
    return WeekChart(
        [(monday, counts.get(monday, 0)) for monday in mondays[-MAX_WEEKS:]], truncated
    )


def _offers(held: QuerySet, *, course: Course) -> list[OfferLine]:
    """The newest OFFERS_SHOWN offers (the export has them all)."""
    rows = (
        held.exclude(offer="")
        .order_by(F("moment").desc(nulls_last=True), "-pk")
        .values(
            "assignment_id", "assignment__title", "student_id", "student__email",
            "contact__name", "contact__organisation", "offer", "moment",
            student_name=display_name_sql("student"),
        )
    )[:OFFERS_SHOWN]  # fmt: skip
    kinds = dict(Interview.Offer.choices)
    return [
        OfferLine(
            student=row["student_name"],
            email=row["student__email"],
            contact=row["contact__name"],
            organisation=row["contact__organisation"].strip(),
            kind=kinds.get(row["offer"], row["offer"]),
            assignment=row["assignment__title"],
            held_at=row["moment"],
            url=reverse(
                "interviews:student_record",
                args=[course.pk, row["assignment_id"], row["student_id"]],
            ),
        )
        for row in rows
    ]


def insights_page(
    *, course: Course, now: datetime, assignment_id: int | None = None
) -> InsightsPage:
    """What the course's held interviews (on one published assignment when ``assignment_id``
    names one of the course's, else on all of them) led to. Seven queries."""
    assignments = list(Assignment.objects.published().filter(course=course))
    assignment = next((a for a in assignments if a.pk == assignment_id), None)
    unknown = assignment_id is not None and assignment is None
    scope = [assignment] if assignment else assignments
    held = interviews_in(course=course, assignment_id=assignment.pk if assignment else None)
    if not assignments:
        held = held.none()

    totals = (
        Interview.objects.filter(assignment__in=[a.pk for a in scope])
        .annotate(moment=Coalesce("held_at", "scheduled_at"))
        .aggregate(
            held=Count("pk", filter=Q(status=Interview.Status.HELD)),
            planned=Count(
                "pk", filter=~Q(status__in=[Interview.Status.HELD, Interview.Status.CANCELLED])
            ),
            students=Count("student", distinct=True, filter=Q(status=Interview.Status.HELD)),
            **{
                name: Count("pk", filter=Q(status=Interview.Status.HELD) & condition)
                for name, condition in {
                    "fits": Q(path_fit=Interview.PathFit.YES),
                    "unsure": Q(path_fit=Interview.PathFit.UNSURE),
                    "no_fit": Q(path_fit=Interview.PathFit.NO),
                    "internships": Q(offer=Interview.Offer.INTERNSHIP),
                    "jobs": Q(offer=Interview.Offer.JOB),
                    "thanked": Q(thank_you_sent_at__isnull=False),
                    "thanked_in_time": _thanked_in_time(),
                    "needed_follow_up": _needed_follow_up(),
                    "followed_up": Q(follow_up_sent_at__isnull=False),
                    "replied": Q(reply_received_at__isnull=False),
                }.items()
            },
        )
    )
    total = totals["held"]
    referrals = Interview.referrals.through.objects.filter(interview__in=held).aggregate(
        links=Count("pk"), interviews=Count("interview", distinct=True)
    )
    fit_counts = [
        ("Fits", totals["fits"]),
        ("Unsure", totals["unsure"]),
        ("Does not fit", totals["no_fit"]),
    ]
    fit_counts.append((NOT_RECORDED, total - sum(count for _, count in fit_counts)))
    tallest = max(count for _, count in fit_counts)
    path_fit = [
        _bar(label, count, None, tallest=tallest, total=total, is_other=label == NOT_RECORDED)
        for label, count in fit_counts
    ]

    zone = _zone(course.time_zone)
    starts = [a.published_at or a.created_at for a in scope]
    dues = [a.writeup_due_at for a in scope]
    end = min(now, max(dues)) if dues else now
    return InsightsPage(
        course=course,
        assignments=assignments,
        assignment=assignment,
        unknown_assignment=unknown,
        held=total,
        students=totals["students"],
        planned=totals["planned"],
        path_fit=GroupChart("Does the path still fit", path_fit),
        industries=GroupChart("Industries explored", _groups(held, "industry", total=total)),
        organisations=GroupChart("Organisations", _groups(held, "organisation", total=total)),
        referrals=referrals["links"],
        referring=Share(referrals["interviews"], total),
        internships=totals["internships"],
        jobs=totals["jobs"],
        offers=_offers(held, course=course),
        thanked_in_time=Share(totals["thanked_in_time"], total),
        thanked=Share(totals["thanked"], total),
        followed_up=Share(totals["followed_up"], totals["needed_follow_up"]),
        replied=Share(totals["replied"], total),
        weeks=_week_chart(held, zone=zone, start=min(starts) if starts else None, end=end),
    )


# The CSV export -----------------------------------------------------------------------------

CSV_HEADER = [
    "Student", "Email", "Assignment", "Contact", "Organisation", "Industry",
    "Held on (course time)", "Path fit", "Referrals", "Offer", "Thank-you within 24 h",
    "Follow-up sent",
]  # fmt: skip


def outcome_rows(*, course: Course, assignment_id: int | None = None) -> Iterator[list]:
    """The header, then one row per held interview (oldest first): who held it, with whom,
    when (the date in the course's time zone) and what came of it. One query, read in
    chunks."""
    zone = _zone(course.time_zone)
    fits = dict(Interview.PathFit.choices)
    offers = dict(Interview.Offer.choices)
    rows = (
        interviews_in(course=course, assignment_id=assignment_id)
        .annotate(
            referral_count=Count("referrals"),
            thanked_in_time=ExpressionWrapper(_thanked_in_time(), output_field=BooleanField()),
        )
        .order_by(F("moment").asc(nulls_last=True), "pk")
        .values_list(
            display_name_sql("student"), "student__email", "assignment__title", "contact__name",
            "contact__organisation", "contact__industry", "moment", "path_fit",
            "referral_count", "offer", "thanked_in_time", "follow_up_sent_at",
        )
    )  # fmt: skip
    yield CSV_HEADER
    for (name, email, title, contact, organisation, industry, moment, fit, referrals, offer,
         thanked, followed) in rows.iterator(chunk_size=500):  # fmt: skip
        yield [
            name, email, title, contact, organisation.strip(), industry.strip(),
            moment.astimezone(zone).date().isoformat() if moment else "",
            fits.get(fit, "") if fit else "", referrals,
            offers.get(offer, offer) if offer else "",
            "yes" if thanked else "no",
            "yes" if followed else "no",
        ]  # fmt: skip
