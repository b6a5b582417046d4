import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from accounts.models import validate_timezone
from accounts.validators import no_control_characters

JOIN_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I/L to misread
JOIN_CODE_LENGTH = 8


def new_join_code() -> str:
    return "".join(secrets.choice(JOIN_CODE_ALPHABET) for _ in range(JOIN_CODE_LENGTH))


def normalize_join_code(code: str) -> str:
    """Codes are typed by hand: ignore case, spaces and dashes."""
    return "".join(ch for ch in code.upper() if ch.isalnum())


class Role(models.TextChoices):
    INSTRUCTOR = "instructor", "Instructor"
    ASSISTANT = "assistant", "Assistant"
    STUDENT = "student", "Student"


STAFF_ROLES = (Role.INSTRUCTOR, Role.ASSISTANT)


class CourseQuerySet(models.QuerySet):
    def active(self):
        return self.filter(archived_at__isnull=True)

    def with_member(self, user):
        return self.filter(memberships__user=user, memberships__removed_at__isnull=True)


class Course(models.Model):
    title = models.CharField(max_length=200, validators=[no_control_characters])
    code = models.CharField(
        max_length=40, blank=True, help_text="e.g. CAR 101", validators=[no_control_characters]
    )
    term = models.CharField(
        max_length=60, blank=True, help_text="e.g. Spring 2027", validators=[no_control_characters]
    )
    description = models.TextField(blank=True)
    time_zone = models.CharField(
        max_length=64,
        default="UTC",
        validators=[validate_timezone],
        help_text="Deadlines are set in this zone; each person also sees them in their own.",
    )
    join_code = models.CharField(max_length=16, unique=True, default=new_join_code)
    join_enabled = models.BooleanField(
        "joining by code or link is on",
        default=True,
    )
    archived_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    objects = CourseQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.code} {self.title}".strip() if self.code else self.title

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None

    @property
    def accepts_new_members(self) -> bool:
        """True when codes, links and invitations may still bring people in."""
        return not self.is_archived

    def rotate_join_code(self) -> str:
        """Give the course a fresh join code; the old code and link stop working at once."""
        self.join_code = new_join_code()
        self.save(update_fields=["join_code"])
        return self.join_code

    def set_joining(self, *, enabled: bool) -> None:
        self.join_enabled = enabled
        self.save(update_fields=["join_enabled"])


class MembershipQuerySet(models.QuerySet):
    def active(self):
        return self.filter(removed_at__isnull=True)

    def staff(self):
        return self.active().filter(role__in=STAFF_ROLES)

    def instructors(self):
        return self.active().filter(role=Role.INSTRUCTOR)

    def students(self):
        return self.active().filter(role=Role.STUDENT)

    def search(self, query: str):
        query = query.strip()
        if not query:
            return self
        return self.filter(Q(user__full_name__icontains=query) | Q(user__email__icontains=query))


class Membership(models.Model):
    """A person's role in one course. Removal is soft so their past work stays attached."""

    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.STUDENT)
    joined_at = models.DateTimeField(default=timezone.now)
    removed_at = models.DateTimeField(null=True, blank=True)
    # Removed and left look alike to the course; only someone who left of their own accord may
    # come back with the join code, and staff never re-admit them without their consent.
    left_by_choice = models.BooleanField("left of their own accord", default=False)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        ordering = ["user__full_name", "user__email"]
        constraints = [
            models.UniqueConstraint(fields=["course", "user"], name="one_membership_per_person"),
        ]
        indexes = [models.Index(fields=["user", "removed_at"])]

    def __str__(self):
        return f"{self.user} — {self.get_role_display()} in {self.course}"

    @property
    def is_active(self) -> bool:
        return self.removed_at is None

    @property
    def is_staff(self) -> bool:
        return self.is_active and self.role in STAFF_ROLES

    @property
    def is_instructor(self) -> bool:
        return self.is_active and self.role == Role.INSTRUCTOR

    @property
    def was_removed_by_staff(self) -> bool:
        """True when staff took this person out (not when they left of their own accord)."""
        return not self.is_active and not self.left_by_choice


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def default_invitation_expiry():
    return timezone.now() + timedelta(days=settings.INVITATION_VALID_DAYS)


class InvitationQuerySet(models.QuerySet):
    def pending(self, *, now=None):
        now = now or timezone.now()
        return self.filter(accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=now)

    def for_email(self, email: str):
        return self.filter(email__iexact=email)


class Invitation(models.Model):
    """An emailed, one-time invitation into a course. Only a hash of its token is stored."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        ACCEPTED = "accepted", "Accepted"
        EXPIRED = "expired", "Expired"
        REVOKED = "revoked", "Revoked"

    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField()
    name = models.CharField(max_length=150, blank=True)
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.STUDENT)
    token_hash = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(default=default_invitation_expiry)
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = InvitationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["course", "email"])]

    def __str__(self):
        return f"Invitation of {self.email} to {self.course}"

    @staticmethod
    def new_token() -> tuple[str, str]:
        """Return a fresh (token, hash) pair; the token goes only into the email."""
        token = secrets.token_urlsafe(32)
        return token, hash_token(token)

    def status(self, *, now=None) -> str:
        now = now or timezone.now()
        if self.accepted_at:
            return self.Status.ACCEPTED
        if self.revoked_at:
            return self.Status.REVOKED
        if self.expires_at <= now:
            return self.Status.EXPIRED
        return self.Status.PENDING

    @property
    def current_status(self) -> str:
        return self.status()

    def get_current_status_display(self) -> str:
        return self.Status(self.status()).label


class RosterImport(models.Model):
    """A CSV roster upload: validated rows kept for the preview, then imported all at once."""

    class State(models.TextChoices):
        PREVIEW = "preview", "Waiting for confirmation"
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Importing"
        DONE = "done", "Imported"
        FAILED = "failed", "Failed"

    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="roster_imports")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    filename = models.CharField(max_length=255)
    # What the file was recognised as ("Canvas gradebook export", "Moodle participants export").
    source = models.CharField(max_length=60, blank=True)
    rows = models.JSONField(default=list)
    # Rows that are no person (Canvas's "Points Possible" row, its Test Student), each with
    # ``line``, ``text`` and ``reason``: shown on the preview, never imported.
    skipped = models.JSONField(default=list, blank=True)
    error_count = models.PositiveIntegerField(default=0)
    state = models.CharField(max_length=20, choices=State.choices, default=State.PREVIEW)
    processed = models.PositiveIntegerField(default=0)
    summary = models.JSONField(default=dict, blank=True)
    failure = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.filename} → {self.course}"

    @property
    def total(self) -> int:
        return len(self.rows)

    @property
    def can_commit(self) -> bool:
        return self.state == self.State.PREVIEW and self.error_count == 0 and self.total > 0

    @property
    def is_finished(self) -> bool:
        return self.state in (self.State.DONE, self.State.FAILED)
