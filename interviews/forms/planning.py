"""Forms of the student's interview workflow: contacts, the plan, questions, log, follow-up and
outcome. They validate only; interviews/planning.py makes the changes."""

import re
from datetime import date, datetime
from urllib.parse import urlsplit

from django import forms
from django.core.exceptions import ValidationError

from accounts.fields import (
    EARLIEST_YEAR,
    LATEST_YEAR,
    ZonedDateTimeField,
    validate_date_in_range,
)
from accounts.forms import timezone_field
from accounts.timezones import is_valid_timezone

from ..models import Contact, Interview
from ..planning import NO_CONTACT_CHOSEN, day_to_moment

LINKEDIN_HOST = re.compile(r"^(?:www\.|[a-z]{2}\.)?linkedin\.com$")
LINKEDIN_PATH = re.compile(r"^/(in|pub)/([^/\s?#]{2,100})/?(?:[^\s?#]*)$")
LINKEDIN_MESSAGE = (
    "Enter the address of a LinkedIn profile, such as https://www.linkedin.com/in/jane-doe "
    "(open their profile and copy the address from the browser)."
)
PHONE = re.compile(r"^\+?[\d\s().\-/]+(?:\s*(?:ext\.?|x)\s*\d{1,6})?$", re.I)


def normalise_linkedin(value: str) -> str:
    """A LinkedIn profile address as https://www.linkedin.com/in/<slug>; ValidationError for
    anything else (other sites, company pages, javascript: and the like)."""
    text = value.strip()
    if not re.match(r"^[a-z][a-z0-9+.-]*://", text, re.I):
        if ":" in text.split("/", 1)[0]:  # "javascript:…", "mailto:…"
            raise ValidationError(LINKEDIN_MESSAGE, code="linkedin")
        text = "https://" + text
    parts = urlsplit(text)
    host = (parts.hostname or "").lower()
    path = LINKEDIN_PATH.match(parts.path)
    if (
        parts.scheme.lower() not in ("http", "https")
        or parts.username
        or parts.password
        or parts.port
        or not LINKEDIN_HOST.match(host)
        or not path
    ):
        raise ValidationError(LINKEDIN_MESSAGE, code="linkedin")
    return f"https://www.linkedin.com/{path.group(1)}/{path.group(2)}"


class DayInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        attrs = {"min": f"{EARLIEST_YEAR}-01-01", "max": f"{LATEST_YEAR}-12-31"} | (attrs or {})
        super().__init__(attrs=attrs, format="%Y-%m-%d")


def day_field(label: str, help_text: str = "") -> forms.DateField:
    return forms.DateField(
        label=label,
        required=False,
        help_text=help_text,
        widget=DayInput,
        validators=[validate_date_in_range],
        error_messages={"invalid": "Enter a date, e.g. 2027-03-14."},
    )


def own_contacts(owner, *, exclude: Contact | None = None):
    contacts = Contact.objects.owned_by(owner).order_by("name", "pk")
    return contacts.exclude(pk=exclude.pk) if exclude is not None else contacts


# Contacts -----------------------------------------------------------------------------------


class ContactDetailsForm(forms.ModelForm):
    """Who a contact is. The contact form builds on it, and the plan and outcome forms embed it
    to add a contact on the spot, so a contact is validated the same way wherever it is typed."""

    linkedin_url = forms.CharField(
        label="LinkedIn profile",
        required=False,
        max_length=200,
        help_text="The address of their profile, e.g. https://www.linkedin.com/in/jane-doe.",
        widget=forms.URLInput(attrs={"autocomplete": "off"}),
    )

    class Meta:
        model = Contact
        fields = ["name", "job_title", "organisation", "industry", "email", "linkedin_url"]
        labels = {
            "name": "Name",
            "job_title": "Job title",
            "organisation": "Organisation",
            "industry": "Industry",
            "email": "Email address",
        }
        widgets = {"email": forms.EmailInput(attrs={"autocomplete": "off"})}
        error_messages = {
            "email": {"invalid": "Enter an email address such as jane.doe@example.com."}
        }

    def clean_linkedin_url(self):
        value = self.cleaned_data["linkedin_url"]
        return normalise_linkedin(value) if value.strip() else ""


class ContactForm(ContactDetailsForm):
    last_contacted_on = day_field("Last contacted", "The last day you were in touch, if any.")

    class Meta(ContactDetailsForm.Meta):
        fields = [
            "name", "job_title", "organisation", "industry", "email", "phone", "linkedin_url",
            "how_met", "referred_by", "notes", "keep_in_touch_weeks",
        ]  # fmt: skip
        labels = {
            **ContactDetailsForm.Meta.labels,
            "phone": "Phone",
            "how_met": "How we met",
            "referred_by": "Referred by",
            "notes": "Notes",
            "keep_in_touch_weeks": "Keep in touch every … weeks",
        }
        help_texts = {
            "how_met": "A class visit, a career fair, a friend of the family…",
            "referred_by": "Another of your contacts who put you in touch.",
            "keep_in_touch_weeks": "Leave empty if you do not plan to keep in touch regularly.",
        }
        widgets = {
            **ContactDetailsForm.Meta.widgets,
            "notes": forms.Textarea(attrs={"rows": 3}),
            "phone": forms.TextInput(attrs={"autocomplete": "off", "inputmode": "tel"}),
        }
        error_messages = {
            **ContactDetailsForm.Meta.error_messages,
            "referred_by": {"invalid_choice": "Choose one of your own contacts."},
        }

    def __init__(self, *args, owner, now: datetime, **kwargs):
        super().__init__(*args, **kwargs)
        self.owner = owner
        self.now = now
        self.instance.owner = owner
        referrers = self.fields["referred_by"]
        referrers.queryset = own_contacts(
            owner, exclude=self.instance if self.instance.pk else None
        )
        referrers.empty_label = "Nobody"
        referrers.error_messages["invalid_choice"] = "Choose one of your own contacts."
        if self.instance.last_contacted_at:
            self.initial["last_contacted_on"] = self.instance.last_contacted_at.astimezone(
                owner.zoneinfo
            ).date()

    def clean_phone(self):
        value = " ".join(self.cleaned_data["phone"].split())
        if value and (not PHONE.match(value) or sum(c.isdigit() for c in value) < 5):
            raise ValidationError(
                "Enter a phone number with digits, spaces and + - ( ) only, e.g. +1 617 555 0100."
            )
        return value

    def clean_last_contacted_on(self):
        day = self.cleaned_data["last_contacted_on"]
        if day and day > self.now.astimezone(self.owner.zoneinfo).date():
            raise ValidationError("That day has not come yet.")
        return day

    def contact_fields(self) -> dict:
        """The cleaned values as Contact fields, for ``planning.contact_create/update``."""
        fields = {name: self.cleaned_data[name] for name in self.Meta.fields}
        fields["last_contacted_at"] = day_to_moment(
            self.cleaned_data["last_contacted_on"],
            zone_name=self.owner.time_zone,
            now=self.now,
            keep=self.instance.last_contacted_at,
        )
        return fields


class NewContactForm(ContactDetailsForm):
    """A contact typed straight into another form ("…or add a new contact"), so the student
    never leaves what they were writing. Left empty it adds nobody; once anything is typed, the
    name is needed."""

    prefix = "new_contact"
    name_missing = "Type the new contact’s name, or clear these fields."

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.required = False

    @property
    def is_filled(self) -> bool:
        """True when the student typed anything into it."""
        return self.is_bound and self.has_changed()

    def clean(self):
        data = super().clean()
        if self.is_filled and not data.get("name") and "name" not in self.errors:
            self.add_error("name", self.name_missing)
        return data

    def contact_fields(self) -> dict | None:
        """The typed details as Contact fields, for ``planning``; None when nothing was typed."""
        if not self.is_filled:
            return None
        return {name: self.cleaned_data[name] for name in self.Meta.fields}


class NewReferralForm(NewContactForm):
    """Someone the interviewed contact referred the student to, typed into the outcome."""

    prefix = "new_referral"
    name_missing = "Type the name of the person they referred you to, or clear these fields."
    linkedin_url = None

    class Meta(NewContactForm.Meta):
        fields = ["name", "job_title", "organisation"]


class ContactSearchForm(forms.Form):
    q = forms.CharField(label="Search by name, organisation or industry", required=False)


# The plan -----------------------------------------------------------------------------------

EDITABLE_STATUSES = [
    (Interview.Status.PLANNING.value, "Planning — still arranging it"),
    (Interview.Status.SCHEDULED.value, "Scheduled — the date is agreed"),
    (Interview.Status.CANCELLED.value, "Cancelled"),
]


class PlanForm(forms.Form):
    """The interview plan. The date and time are typed in the professional's zone, chosen in
    the same form: the submitted zone is read first, then the time is read in it.

    The contact is one of the student's contacts, or a new one typed into ``new_contact``. The
    rules of a plan (one contact, not both; a date when scheduled; a new plan in the future) are
    ``planning.interview_plan``'s, which the view shows on this form.
    """

    contact = forms.ModelChoiceField(
        queryset=Contact.objects.none(),
        label="Who you will interview",
        required=False,  # or a new contact (planning refuses neither or both)
        empty_label=NO_CONTACT_CHOSEN,
        error_messages={"invalid_choice": "Choose one of your own contacts."},
    )
    time_zone = timezone_field(
        "Their time zone",
        "Where the professional is. Defaults to yours.",
        browser_default=False,
    )
    scheduled_at = ZonedDateTimeField(
        label="Date and time, in their time zone",
        required=False,
        help_text="As you agreed it with them. Leave empty while you are still arranging it.",
    )
    duration_minutes = forms.IntegerField(
        label="Length (minutes)", min_value=5, max_value=480, initial=30
    )
    mode = forms.ChoiceField(
        label="How you will meet",
        choices=Interview.Mode.choices,
        initial=Interview.Mode.VIDEO,
        widget=forms.RadioSelect,
    )
    location = forms.CharField(
        label="Place or link",
        required=False,
        max_length=500,
        help_text="An address, a phone number or a video-call link.",
    )
    status = forms.ChoiceField(
        label="Status", choices=EDITABLE_STATUSES, initial=Interview.Status.PLANNING
    )

    def __init__(self, *args, student, interview: Interview | None = None, **kw):
        self.student = student
        self.interview = interview
        if interview is not None and "initial" not in kw:
            kw["initial"] = {
                "contact": interview.contact_id,
                "time_zone": interview.time_zone,
                "scheduled_at": interview.scheduled_at,
                "duration_minutes": interview.duration_minutes,
                "mode": interview.mode,
                "location": interview.location,
                "status": interview.status,
            }
        super().__init__(*args, **kw)
        self.new_contact = NewContactForm(self.data if self.is_bound else None)
        self.fields["contact"].queryset = own_contacts(student)
        if interview is None:
            self.fields["time_zone"].initial = student.time_zone
            self.fields["status"].choices = EDITABLE_STATUSES[:2]
        elif interview.status == Interview.Status.HELD:
            del self.fields["status"]  # held is set and taken back on the log page
        self.fields["scheduled_at"].zone_name = self._zone()

    def _zone(self) -> str:
        if self.is_bound:
            submitted = self.data.get(self.add_prefix("time_zone"), "")
            if is_valid_timezone(submitted):
                return submitted
        if self.interview is not None:
            return self.interview.time_zone
        return self.initial.get("time_zone") or self.student.time_zone

    def is_valid(self) -> bool:
        """The plan is valid, and so is the new contact typed into it, if any."""
        return super().is_valid() and self.new_contact.is_valid()

    def plan_fields(self) -> dict:
        """The cleaned plan, for ``planning.interview_plan/interview_update_plan``."""
        data = self.cleaned_data
        return {
            "contact": data["contact"],
            "new_contact": self.new_contact.contact_fields(),
            "scheduled_at": data["scheduled_at"],
            "time_zone": data["time_zone"],
            "duration_minutes": data["duration_minutes"],
            "mode": data["mode"],
            "location": data["location"].strip(),
            "status": data.get("status"),
        }


# Prepared questions -------------------------------------------------------------------------


class BankPickForm(forms.Form):
    bank_questions = forms.ModelMultipleChoiceField(
        queryset=None,
        label="Questions from the bank",
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": "Tick at least one question to add.",
            "invalid_choice": "Pick questions from this assignment's list.",
        },
    )

    def __init__(self, *args, assignment, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["bank_questions"].queryset = assignment.bank_questions.all()


class OwnQuestionForm(forms.Form):
    text = forms.CharField(
        label="Your own question",
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": "Type your question first."},
    )


class QuestionActionForm(forms.Form):
    """Move a prepared question up or down, or remove it."""

    question = forms.ModelChoiceField(
        queryset=None, error_messages={"invalid_choice": "That question is no longer on the list."}
    )

    def __init__(self, *args, interview, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["question"].queryset = interview.questions.all()


# The log, follow-up and outcome -------------------------------------------------------------


class LogForm(forms.Form):
    held = forms.BooleanField(label="The interview took place", required=False)
    held_at = ZonedDateTimeField(
        label="When it took place, in your time zone",
        required=False,
        help_text="Leave empty to use the planned time (or now, if that is still ahead).",
    )
    notes = forms.CharField(
        label="Notes during and after",
        required=False,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text="What they said, names and resources they mentioned, what surprised you.",
    )
    went_poorly = forms.CharField(
        label="Questions that went poorly, with a better answer",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Write the better answer as you would say it to them: your follow-up note "
        "carries it.",
    )

    def __init__(self, *args, interview: Interview, student, now: datetime, **kwargs):
        kwargs.setdefault(
            "initial",
            {
                "held": interview.status == Interview.Status.HELD,
                "held_at": interview.held_at,
                "notes": interview.notes,
                "went_poorly": interview.went_poorly,
            },
        )
        super().__init__(*args, **kwargs)
        self.interview = interview
        self.now = now
        self.fields["held_at"].zone_name = student.time_zone

    def clean(self):
        data = super().clean()
        held_at = data.get("held_at")
        if not data.get("held"):
            if held_at is not None and self.interview.status != Interview.Status.HELD:
                self.add_error("held", "Tick this box to log the interview as held then.")
            data["held_at"] = None
            return data
        if held_at is None and "held_at" not in self.errors:
            planned = self.interview.scheduled_at
            data["held_at"] = planned if planned and planned <= self.now else self.now
        elif held_at is not None and held_at > self.now:
            self.add_error("held_at", "That time is still ahead. Log the interview once held.")
        return data


FOLLOW_UP_FIELDS = {
    "thank_you_sent_on": "thank_you_sent_at",
    "follow_up_sent_on": "follow_up_sent_at",
    "reply_received_on": "reply_received_at",
}


class FollowUpForm(forms.Form):
    """Days typed in the student's own zone."""

    thank_you_sent_on = day_field(
        "Thank-you note sent", "Send it the same day or within 24 hours of the interview."
    )
    follow_up_sent_on = day_field(
        "Follow-up sent", "If you have not heard back in one or two weeks, one polite follow-up."
    )
    reply_received_on = day_field("Reply received")
    # Shown once the form questions a follow-up day (see clean); re-rendered ticked.
    follow_up_confirmed = forms.BooleanField(
        label="Yes, I sent the follow-up that day", required=False
    )

    def __init__(self, *args, interview: Interview, student, now: datetime, **kwargs):
        zone = student.zoneinfo
        kwargs.setdefault("initial", self.recorded_days(interview=interview, student=student))
        super().__init__(*args, **kwargs)
        self.interview = interview
        self.student = student
        self.now = now
        self.today = now.astimezone(zone).date()
        self.held_on = interview.held_at.astimezone(zone).date() if interview.held_at else None
        self.asks_confirmation = False

    @property
    def shows_confirmation(self) -> bool:
        """The confirm box is on the page: asked now, or ticked on the submit being shown."""
        return self.asks_confirmation or (
            self.is_bound and self["follow_up_confirmed"].value() is True
        )

    @staticmethod
    def recorded_days(*, interview: Interview, student) -> dict[str, date]:
        """The days already recorded, in the student's zone, by form field name."""
        return {
            form_name: moment.astimezone(student.zoneinfo).date()
            for form_name, field in FOLLOW_UP_FIELDS.items()
            if (moment := getattr(interview, field)) is not None
        }

    def clean(self):
        data = super().clean()
        for form_name in FOLLOW_UP_FIELDS:
            day = data.get(form_name)
            if day is None:
                continue
            if day > self.today:
                self.add_error(form_name, "That day has not come yet.")
            elif self.held_on and day < self.held_on:
                self.add_error(
                    form_name,
                    f"The interview was held on {self.held_on:%-d %B %Y}; choose that day or a "
                    "later one.",
                )
        self._question_follow_up(data)
        return data

    def _question_follow_up(self, data) -> None:
        """A follow-up is for silence after a week or two: one recorded on the interview's
        own day, or before the thank-you, is most likely a slip, so it is asked about rather
        than saved as typed. A day already recorded is not asked about again."""
        day = data.get("follow_up_sent_on")
        if day is None or "follow_up_sent_on" in self.errors or data.get("follow_up_confirmed"):
            return
        if day == self.initial.get("follow_up_sent_on"):
            return
        thanked = data.get("thank_you_sent_on")
        if self.held_on and day == self.held_on:
            question = (
                f"That is the day of the interview ({day:%-d %B %Y}). A follow-up usually goes "
                "one or two weeks later, if you have not heard back; did you mean your "
                "thank-you note? If you really sent a follow-up that day, tick the box below."
            )
        elif thanked and day < thanked:
            question = (
                f"That is before your thank-you note ({thanked:%-d %B %Y}). If you really "
                "followed up first, tick the box below."
            )
        else:
            return
        self.asks_confirmation = True
        self.add_error("follow_up_sent_on", question)

    def moments(self) -> dict[str, datetime | None]:
        """The cleaned days as the interview's moments (``thank_you_sent_at`` …)."""
        return {
            field: day_to_moment(
                self.cleaned_data[form_name],
                zone_name=self.student.time_zone,
                now=self.now,
                keep=getattr(self.interview, field),
            )
            for form_name, field in FOLLOW_UP_FIELDS.items()
        }


class NoteForm(forms.Form):
    """The student's edit of a thank-you or follow-up note (saved with the interview)."""

    text = forms.CharField(
        required=False, max_length=10_000, strip=False, widget=forms.Textarea(attrs={"rows": 16})
    )

    def __init__(self, *args, label: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["text"].label = label


class OutcomeForm(forms.Form):
    insights = forms.CharField(
        label="What I learned",
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text="One point per line (start lines with “- ”) works best for your thank-you note.",
    )
    path_fit = forms.ChoiceField(
        label="Does the path still fit?",
        required=False,
        choices=[("", "Not answered yet"), *Interview.PathFit.choices],
        widget=forms.RadioSelect,
    )
    referrals = forms.ModelMultipleChoiceField(
        queryset=None,
        label="They referred me to",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": "Choose among your own contacts."},
    )
    offer = forms.ChoiceField(
        label="Internship or job offer",
        required=False,
        choices=Interview.Offer.choices,
        widget=forms.RadioSelect,
    )

    def __init__(self, *args, interview: Interview, **kwargs):
        super().__init__(*args, **kwargs)
        self.new_referral = NewReferralForm(self.data if self.is_bound else None)
        self.fields["referrals"].queryset = own_contacts(
            interview.student_id, exclude=interview.contact
        )

    def is_valid(self) -> bool:
        """The outcome is valid, and so is the new referral typed into it, if any."""
        return super().is_valid() and self.new_referral.is_valid()

    def outcome_fields(self) -> dict:
        """The cleaned outcome, for ``planning.interview_save_outcome``."""
        data = self.cleaned_data
        return {
            "insights": data["insights"],
            "path_fit": data["path_fit"],
            "referrals": list(data["referrals"]),
            "offer": data["offer"],
            "new_referral": self.new_referral.contact_fields(),
        }
