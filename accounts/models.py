import secrets
import zoneinfo

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Value
from django.db.models.functions import Coalesce, NullIf
from django.utils import timezone

from .timezones import is_valid_timezone
from .validators import no_control_characters


def validate_timezone(value: str) -> None:
    if not is_valid_timezone(value):
        raise ValidationError(f"“{value}” is not a time zone name such as Europe/Berlin.")


def new_calendar_token() -> str:
    return secrets.token_urlsafe(24)


def display_name_sql(user: str = "") -> Coalesce:
    """``User.display_name`` as an SQL expression, for a query that fetches values rather than
    users: ``.values(name=display_name_sql("student"))``. ``user`` is the path to the user
    (``"student"``, ``"user"``), empty on a query of users."""
    prefix = f"{user}__" if user else ""
    return Coalesce(
        NullIf(F(f"{prefix}full_name"), Value("")),
        F(f"{prefix}email"),
        output_field=models.CharField(),
    )


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email, password, **extra_fields):
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email, password=None, **extra_fields):
        extra_fields["is_staff"] = True
        extra_fields["is_superuser"] = True
        return self._create_user(email, password, **extra_fields)


class User(AbstractBaseUser, PermissionsMixin):
    """A person. Roles are per course (see ``courses.Membership``), never on the user."""

    email = models.EmailField("email address", unique=True)
    full_name = models.CharField(max_length=150, validators=[no_control_characters])
    time_zone = models.CharField(max_length=64, default="UTC", validators=[validate_timezone])
    is_staff = models.BooleanField(
        default=False, help_text="Can log into the admin site (operators only)."
    )
    is_active = models.BooleanField(default=True)
    date_joined = models.DateTimeField(default=timezone.now)
    calendar_token = models.CharField(
        max_length=64, unique=True, default=new_calendar_token,
        help_text="Secret part of the personal calendar feed address; rotate to revoke it.",
    )  # fmt: skip

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["full_name"]

    class Meta:
        ordering = ["full_name", "email"]
        # Lists of thousands of students sorted by name (roster, progress grid, grading queue)
        # read their page from this index instead of sorting the whole class.
        indexes = [models.Index(fields=["full_name", "email", "id"], name="user_name_order")]

    def __str__(self):
        return self.display_name

    @property
    def can_receive_email(self) -> bool:
        """False for an address that is never delivered: RFC 2606's ``.invalid``, which
        accounts made without one (an LMS launch with no address of its own) carry."""
        return not self.email.lower().endswith(".invalid")

    @property
    def display_name(self) -> str:
        """How the person is named to others: their full name, or their email address when they
        gave none (``display_name_sql`` is the same in a query)."""
        return self.full_name or self.email

    def get_full_name(self):
        return self.full_name

    def get_short_name(self):
        return self.full_name.split(" ")[0] if self.full_name else self.email

    def rotate_calendar_token(self) -> str:
        """Give the calendar feed a new secret address; the old one stops working at once."""
        self.calendar_token = new_calendar_token()
        self.save(update_fields=["calendar_token"])
        return self.calendar_token

    @property
    def zoneinfo(self) -> zoneinfo.ZoneInfo:
        """The user's zone; UTC if the stored name is no longer known to the system."""
        try:
            return zoneinfo.ZoneInfo(self.time_zone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            return zoneinfo.ZoneInfo("UTC")
