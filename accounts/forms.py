from django import forms

from .models import User
from .timezones import canonical_timezone, timezone_choices
from .validators import no_control_characters


class TimezoneSelect(forms.Select):
    """A zone select that the browser's zone pre-selects until the user picks one."""

    def __init__(self, *, browser_default: bool):
        super().__init__(attrs={"data-browser-timezone": "default" if browser_default else "set"})


class TimezoneField(forms.ChoiceField):
    """A zone select where a legacy alias (from a browser, an old row) means its current name:
    it is shown selected as that name and stored as it."""

    def to_python(self, value):
        return canonical_timezone(super().to_python(value))

    def prepare_value(self, value):
        return canonical_timezone(value) if isinstance(value, str) else value


def timezone_field(label: str, help_text: str, *, browser_default: bool) -> TimezoneField:
    return TimezoneField(
        choices=timezone_choices,
        initial="UTC",
        label=label,
        help_text=help_text,
        widget=TimezoneSelect(browser_default=browser_default),
    )


class SignupProfileForm(forms.Form):
    """Extra fields allauth adds to its sign-up form."""

    full_name = forms.CharField(
        max_length=150,
        label="Full name",
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
        validators=[no_control_characters],
    )
    time_zone = timezone_field(
        "Your time zone",
        "Deadlines and reminders are shown in this zone. We pre-select your browser's.",
        browser_default=True,
    )

    def signup(self, request, user):
        user.full_name = self.cleaned_data["full_name"].strip()
        user.time_zone = self.cleaned_data["time_zone"]
        user.save(update_fields=["full_name", "time_zone"])


class ProfileForm(forms.ModelForm):
    time_zone = timezone_field(
        "Your time zone", "Deadlines and reminders are shown in this zone.", browser_default=False
    )

    class Meta:
        model = User
        fields = ["full_name", "time_zone"]
        labels = {"full_name": "Full name"}
