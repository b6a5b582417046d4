"""Informational-interview assignments, the student's interviews and contacts, and write-ups.

Dates are stored aware in UTC. Everything that depends on "when is this due for this student"
goes through ``Assignment.dates_for(extension)`` so extensions apply everywhere.
"""

import math
import secrets
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from accounts.models import validate_timezone
from accounts.validators import no_control_characters
from courses.models import Course


class Milestone(models.TextChoices):
    CONTACT = "contact", "Contact chosen"
    QUESTIONS = "questions", "Questions prepared"
    INTERVIEW = "interview", "Interview held"
    WRITEUP = "writeup", "Write-up submitted"


MILESTONE_FIELDS = {
    Milestone.CONTACT: "contact_due_at",
    Milestone.QUESTIONS: "questions_due_at",
    Milestone.INTERVIEW: "interview_due_at",
    Milestone.WRITEUP: "writeup_due_at",
}
DATE_FIELDS = (*MILESTONE_FIELDS.values(), "cutoff_at")
MAX_GRACE_MINUTES = 7 * 24 * 60  # a week
MAX_MIN_WORDS = 20_000


class AttachmentType(models.TextChoices):
    PDF = "pdf", "PDF"
    DOCX = "docx", "Word (.docx)"
    ODT = "odt", "OpenDocument text (.odt)"
    TXT = "txt", "Plain text (.txt)"
    PNG = "png", "PNG image"
    JPEG = "jpeg", "JPEG image"


@dataclass(frozen=True)
class DueDates:
    """The dates that apply to one student: the assignment's, with any extension applied."""

    contact_due_at: datetime | None
    questions_due_at: datetime | None
    interview_due_at: datetime | None
    writeup_due_at: datetime
    cutoff_at: datetime | None
    extended: bool = False

    def due(self, milestone: str) -> datetime | None:
        return getattr(self, MILESTONE_FIELDS[Milestone(milestone)])

    def milestones(self) -> list[tuple[str, str, datetime]]:
        """(key, label, due) for each milestone that has a date, in workflow order."""
        return [(m.value, m.label, self.due(m)) for m in Milestone if self.due(m) is not None]

    def accepts_work(self, now: datetime) -> bool:
        """False once the hard cut-off has passed; nothing is accepted after it."""
        return self.cutoff_at is None or now <= self.cutoff_at


class AssignmentQuerySet(models.QuerySet):
    def published(self):
        return self.filter(state=Assignment.State.PUBLISHED)

    def in_courses_of(self, user):
        return self.filter(
            course__memberships__user=user, course__memberships__removed_at__isnull=True
        )

    def due_between(self, start, end):
        return self.filter(writeup_due_at__gte=start, writeup_due_at__lt=end)


class Assignment(models.Model):
    class State(models.TextChoices):
        DRAFT = "draft", "Draft"
        PUBLISHED = "published", "Published"

    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="assignments")
    title = models.CharField(max_length=200, validators=[no_control_characters])
    instructions = models.TextField(blank=True, help_text="Markdown: **bold**, lists, links.")
    points = models.DecimalField(
        max_digits=6, decimal_places=2, default=Decimal("100"),
        validators=[MinValueValidator(Decimal("0"))],
    )  # fmt: skip
    contact_due_at = models.DateTimeField("contact chosen by", null=True, blank=True)
    questions_due_at = models.DateTimeField("questions prepared by", null=True, blank=True)
    interview_due_at = models.DateTimeField("interview held by", null=True, blank=True)
    writeup_due_at = models.DateTimeField("write-up due")
    cutoff_at = models.DateTimeField(
        "hard cut-off", null=True, blank=True,
        help_text="Nothing is accepted after this moment. Leave empty to accept late work "
        "at any time.",
    )  # fmt: skip
    late_percent_per_day = models.DecimalField(
        "late penalty per day (%)", max_digits=5, decimal_places=2, default=Decimal("10"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
    )  # fmt: skip
    late_max_percent = models.DecimalField(
        "maximum late penalty (%)", max_digits=5, decimal_places=2, default=Decimal("50"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
    )  # fmt: skip
    late_grace_minutes = models.PositiveIntegerField(
        "grace period (minutes)", default=0,
        help_text="Work submitted this long after the due time is not late (at most a week).",
        validators=[MaxValueValidator(MAX_GRACE_MINUTES)],
    )  # fmt: skip
    required_interviews = models.PositiveSmallIntegerField(
        "interviews required", default=1, validators=[MinValueValidator(1), MaxValueValidator(10)]
    )
    min_words = models.PositiveIntegerField(
        "minimum words in the reflection", default=0, validators=[MaxValueValidator(MAX_MIN_WORDS)]
    )
    allow_resubmission = models.BooleanField(
        "students may resubmit until the due date", default=True
    )
    allow_attachments = models.BooleanField("students may attach files", default=False)
    attachment_types = models.JSONField(
        "allowed file types", default=list, blank=True,
        help_text="Checked by the file's content, not its name.",
    )  # fmt: skip
    require_review = models.BooleanField(
        "an instructor reviews assistants' grades before they are released", default=False
    )
    state = models.CharField(max_length=20, choices=State.choices, default=State.DRAFT)
    published_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    objects = AssignmentQuerySet.as_manager()

    class Meta:
        ordering = ["writeup_due_at", "pk"]
        indexes = [models.Index(fields=["course", "state", "writeup_due_at"])]
        # What the forms allow, kept by the database too: a number written another way (a
        # script, the shell) could otherwise break every student's page of the assignment.
        constraints = [
            models.CheckConstraint(
                condition=Q(late_grace_minutes__lte=MAX_GRACE_MINUTES),
                name="assignment_grace_at_most_a_week",
            ),
            models.CheckConstraint(
                condition=Q(min_words__lte=MAX_MIN_WORDS), name="assignment_min_words_bounded"
            ),
            models.CheckConstraint(
                condition=Q(required_interviews__gte=1, required_interviews__lte=10),
                name="assignment_required_interviews_bounded",
            ),
            models.CheckConstraint(
                condition=Q(points__gte=0, points__lte=10000), name="assignment_points_bounded"
            ),
            models.CheckConstraint(
                condition=Q(late_percent_per_day__gte=0, late_percent_per_day__lte=100)
                & Q(late_max_percent__gte=0, late_max_percent__lte=100),
                name="assignment_late_percents_bounded",
            ),
        ]

    def __str__(self):
        return self.title

    @property
    def is_published(self) -> bool:
        return self.state == self.State.PUBLISHED

    def dates_for(self, extension: "Extension | None" = None) -> DueDates:
        """The due dates for a student holding ``extension`` (None: the assignment's own)."""
        dates = DueDates(**{field: getattr(self, field) for field in DATE_FIELDS})
        if extension is None:
            return dates
        changes = {f: getattr(extension, f) for f in DATE_FIELDS if getattr(extension, f)}
        return replace(dates, **changes, extended=bool(changes))

    def extension_for(self, student) -> "Extension | None":
        """``student``'s extension on this assignment, or None (one query)."""
        return self.extensions.filter(student=student).first()

    def dates_for_student(self, student) -> DueDates:
        """The dates that apply to ``student``: their extension applied (one query)."""
        return self.dates_for(self.extension_for(student))

    def late_penalty(self, *, submitted_at: datetime, due: datetime) -> tuple[int, Decimal]:
        """(days late, penalty percent) for work submitted at ``submitted_at``.

        A day late starts once the grace period is over; every started day counts.
        """
        # In UTC: Python subtracts datetimes sharing a tzinfo by wall time, which would make a
        # day across a clock change 23 or 25 hours.
        overdue = (
            submitted_at.astimezone(UTC) - due.astimezone(UTC)
            - timedelta(minutes=self.late_grace_minutes)
        )  # fmt: skip
        if overdue <= timedelta(0):
            return 0, Decimal("0")
        days = math.ceil(overdue / timedelta(days=1))
        return days, min(self.late_percent_per_day * days, self.late_max_percent)


class ReflectionPrompt(models.Model):
    assignment = models.ForeignKey(Assignment, on_delete=models.CASCADE, related_name="prompts")
    position = models.PositiveSmallIntegerField(default=0)
    text = models.TextField()

    class Meta:
        ordering = ["position", "pk"]

    def __str__(self):
        return self.text[:60]


class BankQuestion(models.Model):
    """A suggested question students can pick for their interview."""

    class Group(models.TextChoices):
        ROLE = "role", "The role"
        PATH = "path", "The path"
        INDUSTRY = "industry", "The industry"
        ADVICE = "advice", "Advice"
        OTHER = "other", "Other"

    assignment = models.ForeignKey(
        Assignment, on_delete=models.CASCADE, related_name="bank_questions"
    )
    group = models.CharField(max_length=20, choices=Group.choices, default=Group.ROLE)
    text = models.TextField()
    is_behavioural = models.BooleanField(
        "behavioural (answer with STAR)", default=False,
        help_text="Shows STAR guidance: Situation, Task, Action, Result.",
    )  # fmt: skip
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["group", "position", "pk"]

    def __str__(self):
        return self.text[:60]


class Extension(models.Model):
    """New dates for one student; empty fields keep the assignment's date."""

    assignment = models.ForeignKey(Assignment, on_delete=models.CASCADE, related_name="extensions")
    student = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="extensions"
    )
    contact_due_at = models.DateTimeField("contact chosen by", null=True, blank=True)
    questions_due_at = models.DateTimeField("questions prepared by", null=True, blank=True)
    interview_due_at = models.DateTimeField("interview held by", null=True, blank=True)
    writeup_due_at = models.DateTimeField("write-up due", null=True, blank=True)
    cutoff_at = models.DateTimeField("hard cut-off", null=True, blank=True)
    reason = models.CharField(max_length=300)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["assignment", "student"], name="one_extension_each")
        ]

    def __str__(self):
        return f"Extension for {self.student} on {self.assignment}"


class ContactQuerySet(models.QuerySet):
    def owned_by(self, user):
        return self.filter(owner=user)

    def search(self, query: str):
        """Contacts whose name, organisation or industry contains ``query`` (any case)."""
        if not query:
            return self
        return self.filter(
            models.Q(name__icontains=query)
            | models.Q(organisation__icontains=query)
            | models.Q(industry__icontains=query)
        )


class Contact(models.Model):
    """A professional the student knows. Belongs to the student and outlives any course."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="contacts"
    )
    name = models.CharField(max_length=150, validators=[no_control_characters])
    job_title = models.CharField(max_length=150, blank=True, validators=[no_control_characters])
    organisation = models.CharField(max_length=150, blank=True, validators=[no_control_characters])
    industry = models.CharField(max_length=100, blank=True)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=40, blank=True)
    linkedin_url = models.URLField("LinkedIn profile", blank=True)
    how_met = models.CharField("how we met", max_length=300, blank=True)
    referred_by = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="referrals",
        verbose_name="referred by",
    )  # fmt: skip
    notes = models.TextField(blank=True)
    keep_in_touch_weeks = models.PositiveSmallIntegerField(
        "keep in touch every … weeks", null=True, blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(104)],
    )  # fmt: skip
    last_contacted_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ContactQuerySet.as_manager()

    class Meta:
        ordering = ["name", "pk"]
        indexes = [models.Index(fields=["owner", "name"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(keep_in_touch_weeks__isnull=True)
                | Q(keep_in_touch_weeks__gte=1, keep_in_touch_weeks__lte=104),
                name="contact_keep_in_touch_bounded",
            )
        ]

    def __str__(self):
        return f"{self.name}, {self.job_title}" if self.job_title else self.name

    @property
    def keep_in_touch_due_at(self) -> datetime | None:
        """When the student should next get in touch: the chosen number of weeks after the last
        contact (or after adding the contact). None when no rhythm is set."""
        if not self.keep_in_touch_weeks:
            return None
        since = self.last_contacted_at or self.created_at
        return since + timedelta(weeks=self.keep_in_touch_weeks)

    def is_keep_in_touch_due(self, now: datetime) -> bool:
        due = self.keep_in_touch_due_at
        return due is not None and due <= now


# The practice Rapport coaches and judges against, written once: a thank-you note within a day
# of the interview, and one polite follow-up when nothing is heard after one to two weeks.
THANK_YOU_WITHIN = timedelta(hours=24)
FOLLOW_UP_AFTER = timedelta(weeks=1)
FOLLOW_UP_UNTIL = timedelta(weeks=2)


class InterviewQuerySet(models.QuerySet):
    def active(self):
        return self.exclude(status=Interview.Status.CANCELLED)

    def held(self):
        return self.filter(status=Interview.Status.HELD)

    def of_student(self, user):
        return self.filter(student=user)


class Interview(models.Model):
    """One informational interview a student plans, holds and follows up for an assignment."""

    class Status(models.TextChoices):
        PLANNING = "planning", "Planning"
        SCHEDULED = "scheduled", "Scheduled"
        HELD = "held", "Held"
        CANCELLED = "cancelled", "Cancelled"

    class Mode(models.TextChoices):
        IN_PERSON = "in_person", "In person"
        PHONE = "phone", "Phone"
        VIDEO = "video", "Video call"

    class PathFit(models.TextChoices):
        YES = "yes", "Yes, the path still fits"
        UNSURE = "unsure", "Unsure"
        NO = "no", "No"

    class Offer(models.TextChoices):
        NONE = "", "None"
        INTERNSHIP = "internship", "Internship offer"
        JOB = "job", "Job offer"

    class NextStep(models.TextChoices):
        """What the student should do next (``next_step``); the label says it to them."""

        CANCELLED = "cancelled", "Cancelled"
        AGREE_TIME = "agree_time", "Agree a date and time with your contact"
        PREPARE_QUESTIONS = "prepare_questions", "Prepare your questions"
        HOLD = "hold", "Hold the interview, then log your notes"
        THANK = "thank", "Send your thank-you note"
        RECORD_OUTCOME = "record_outcome", "Record what you learned"
        FOLLOW_UP = "follow_up", "Follow up if you have not heard back"
        KEEP_IN_TOUCH = "keep_in_touch", "Keep in touch"

    assignment = models.ForeignKey(Assignment, on_delete=models.CASCADE, related_name="interviews")
    student = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="interviews"
    )
    contact = models.ForeignKey(Contact, on_delete=models.PROTECT, related_name="interviews")
    scheduled_at = models.DateTimeField("date and time", null=True, blank=True)
    time_zone = models.CharField(
        "the professional's time zone", max_length=64, default="UTC",
        validators=[validate_timezone],
    )  # fmt: skip
    duration_minutes = models.PositiveSmallIntegerField(
        "length (minutes)", default=30, validators=[MinValueValidator(5), MaxValueValidator(480)]
    )
    mode = models.CharField(max_length=20, choices=Mode.choices, default=Mode.VIDEO)
    location = models.CharField("place or link", max_length=500, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PLANNING)
    questions_ready_at = models.DateTimeField(null=True, blank=True)
    held_at = models.DateTimeField(null=True, blank=True)
    notes = models.TextField("notes during and after", blank=True)
    went_poorly = models.TextField(
        "questions that went poorly, with a better answer", blank=True,
        help_text="Worth carrying into your follow-up.",
    )  # fmt: skip
    thank_you_sent_at = models.DateTimeField("thank-you note sent", null=True, blank=True)
    follow_up_sent_at = models.DateTimeField("follow-up sent", null=True, blank=True)
    reply_received_at = models.DateTimeField("reply received", null=True, blank=True)
    insights = models.TextField("what I learned", blank=True)
    path_fit = models.CharField(
        "does the path still fit?", max_length=10, choices=PathFit.choices, blank=True
    )
    referrals = models.ManyToManyField(
        Contact, blank=True, related_name="referred_in", verbose_name="referrals to new contacts"
    )
    offer = models.CharField(max_length=20, choices=Offer.choices, blank=True, default="")
    thank_you_draft = models.TextField("thank-you note", blank=True)
    follow_up_draft = models.TextField("follow-up note", blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    objects = InterviewQuerySet.as_manager()

    class Meta:
        ordering = ["scheduled_at", "created_at"]
        indexes = [models.Index(fields=["assignment", "student"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(duration_minutes__gte=5, duration_minutes__lte=480),
                name="interview_duration_bounded",
            )
        ]

    def __str__(self):
        return f"Interview with {self.contact.name}"

    @property
    def happened_at(self) -> datetime | None:
        """When it was held; None until it is logged held."""
        return self.held_at if self.status == self.Status.HELD else None

    @property
    def starts_at(self) -> datetime | None:
        """When the interview happens: when it was held once it is logged held (what happened
        is the truth), else the planned date and time; None when neither is known."""
        return self.happened_at or self.scheduled_at

    @property
    def ends_at(self) -> datetime | None:
        start = self.starts_at
        if start is None:
            return None
        return start + timedelta(minutes=self.duration_minutes)

    @property
    def was_moved(self) -> bool:
        """True when it was held at another time than planned (both are known)."""
        return (
            self.status == self.Status.HELD
            and self.held_at is not None
            and self.scheduled_at is not None
            and self.held_at != self.scheduled_at
        )

    @property
    def is_active(self) -> bool:
        return self.status != self.Status.CANCELLED

    def next_step(self) -> "Interview.NextStep":
        """The one thing the student should do next for this interview (its ``label`` in
        words); pages decide where each step is done."""
        step = self.NextStep
        if self.status == self.Status.CANCELLED:
            return step.CANCELLED
        if self.status == self.Status.PLANNING and not self.scheduled_at:
            return step.AGREE_TIME
        if self.questions_ready_at is None and self.status != self.Status.HELD:
            return step.PREPARE_QUESTIONS
        if self.status != self.Status.HELD:
            return step.HOLD
        if self.thank_you_sent_at is None:
            return step.THANK
        if not self.insights:
            return step.RECORD_OUTCOME
        if self.follow_up_sent_at is None and self.reply_received_at is None:
            return step.FOLLOW_UP
        return step.KEEP_IN_TOUCH


class PreparedQuestion(models.Model):
    interview = models.ForeignKey(Interview, on_delete=models.CASCADE, related_name="questions")
    position = models.PositiveSmallIntegerField(default=0)
    text = models.TextField()
    bank_question = models.ForeignKey(
        BankQuestion, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["position", "pk"]

    def __str__(self):
        return self.text[:60]


class Submission(models.Model):
    """A student's write-up for an assignment: the working draft plus its submitted versions.

    ``revision`` goes up on every save, so two tabs cannot silently overwrite each other.
    """

    assignment = models.ForeignKey(Assignment, on_delete=models.CASCADE, related_name="submissions")
    student = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="submissions"
    )
    answers = models.JSONField(default=dict, blank=True)
    body = models.TextField("anything else", blank=True)
    word_count = models.PositiveIntegerField(default=0)
    revision = models.PositiveIntegerField(default=0)
    saved_at = models.DateTimeField(null=True, blank=True)
    submitted_revision = models.PositiveIntegerField(null=True, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    is_late = models.BooleanField(default=False)
    late_days = models.PositiveIntegerField(default=0)
    penalty_percent = models.DecimalField(max_digits=5, decimal_places=2, default=Decimal("0"))

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["assignment", "student"], name="one_writeup_each")
        ]
        indexes = [models.Index(fields=["assignment", "submitted_at"])]

    def __str__(self):
        return f"Write-up of {self.student} for {self.assignment}"

    @property
    def is_submitted(self) -> bool:
        return self.submitted_at is not None

    @property
    def has_unsubmitted_changes(self) -> bool:
        return self.submitted_revision != self.revision


class SubmissionVersion(models.Model):
    """A submitted state of a write-up; earlier versions are kept when the student resubmits."""

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    answers = models.JSONField(default=dict)
    body = models.TextField(blank=True)
    word_count = models.PositiveIntegerField(default=0)
    submitted_at = models.DateTimeField()
    is_late = models.BooleanField(default=False)
    late_days = models.PositiveIntegerField(default=0)
    penalty_percent = models.DecimalField(max_digits=5, decimal_places=2, default=Decimal("0"))
    attachments = models.ManyToManyField("Attachment", blank=True, related_name="versions")

    class Meta:
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(fields=["submission", "number"], name="unique_version_number")
        ]

    def __str__(self):
        return f"Version {self.number} of {self.submission}"


def attachment_path(instance, filename):
    # Random names: the stored path never carries the student's file name or guessable ids.
    return f"attachments/{instance.submission.assignment_id}/{secrets.token_hex(16)}"


class Attachment(models.Model):
    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to=attachment_path, max_length=255)
    original_name = models.CharField(max_length=255)
    kind = models.CharField(max_length=10, choices=AttachmentType.choices)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    uploaded_at = models.DateTimeField(default=timezone.now)
    removed_at = models.DateTimeField(
        null=True, blank=True, help_text="Removed from the draft; kept if a version holds it."
    )

    class Meta:
        ordering = ["uploaded_at", "pk"]

    def __str__(self):
        return self.original_name
