import re

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from accounts.forms import timezone_field

from .models import Course, Role

MAX_INVITES_AT_ONCE = 200


class CourseForm(forms.ModelForm):
    time_zone = timezone_field(
        "Course time zone",
        "Deadlines are entered in this zone. Everyone also sees them in their own zone.",
        browser_default=True,
    )

    class Meta:
        model = Course
        fields = ["title", "code", "term", "description", "time_zone"]
        labels = {"title": "Course title", "code": "Course code", "term": "Term"}
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            # Only the attribute changes: a new widget would have no choices to render.
            self.fields["time_zone"].widget.attrs["data-browser-timezone"] = "set"


class JoinForm(forms.Form):
    code = forms.CharField(
        label="Join code",
        max_length=32,
        help_text="The 8-character code your instructor gave you, e.g. K7MP4QRX.",
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters"}),
    )


def split_addresses(text: str) -> list[str]:
    return [part for part in re.split(r"[\s,;]+", text.strip()) if part]


class InviteForm(forms.Form):
    emails = forms.CharField(
        label="Email addresses",
        help_text="One or more addresses, separated by commas or new lines.",
        widget=forms.Textarea(attrs={"rows": 4, "autocomplete": "off"}),
    )
    role = forms.ChoiceField(choices=Role.choices, initial=Role.STUDENT, label="Invite as")

    def clean_emails(self):
        addresses = split_addresses(self.cleaned_data["emails"])
        invalid = []
        for address in addresses:
            address = address.strip("<>\"'")
            try:
                validate_email(address)
            except ValidationError:
                invalid.append(address)
        if invalid:
            shown = ", ".join(f"“{a[:80]}”" for a in invalid[:10])
            raise ValidationError(f"Not valid email addresses: {shown}. Nothing was sent.")
        if len(addresses) > MAX_INVITES_AT_ONCE:
            raise ValidationError(
                f"At most {MAX_INVITES_AT_ONCE} addresses at once; for more, import a CSV roster."
            )
        unique = list(dict.fromkeys(a.strip("<>\"'").lower() for a in addresses))
        return unique


class RosterUploadForm(forms.Form):
    file = forms.FileField(
        label="Roster file (CSV)",
        help_text="Your own CSV with name and email columns (role optional), a Canvas gradebook "
        "export or a Moodle participants export, as downloaded. Up to 10 MB, UTF-8.",
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )


class RoleForm(forms.Form):
    role = forms.ChoiceField(choices=Role.choices, label="Role")
