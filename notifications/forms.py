"""The notification settings page: which kinds, which courses, and whether to email."""

from django import forms
from django.conf import settings

from courses.models import Course

from .kinds import Audience, registered
from .models import Preference


def _kind_choices(audience: Audience):
    return lambda: [(kind.value, kind.label) for kind in registered(audience)]


class PreferenceForm(forms.Form):
    student_kinds = forms.MultipleChoiceField(
        label="Reminders about your own work",
        choices=_kind_choices(Audience.STUDENT),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    staff_kinds = forms.MultipleChoiceField(
        label="For course staff",
        choices=_kind_choices(Audience.STAFF),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    email_enabled = forms.BooleanField(
        label="Also send reminders by email",
        required=False,
        help_text="Reminders always appear in your inbox here, whatever you choose.",
    )
    muted_courses = forms.ModelMultipleChoiceField(
        label="Mute a course",
        queryset=Course.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Muting a course stops every reminder about it, in your inbox and by email.",
    )

    def __init__(
        self,
        *args,
        user,
        preference: Preference,
        show_staff_kinds: bool = True,
        **kwargs,
    ):
        self.preference = preference
        self.user = user
        enabled = [k.value for k in registered() if k.value not in preference.disabled_kinds]
        muted = [c.pk for c in preference.muted_courses.all()] if preference.pk else []
        kwargs.setdefault(
            "initial",
            {
                "student_kinds": enabled,
                "staff_kinds": enabled,
                "email_enabled": preference.email_enabled,
                "muted_courses": muted,
            },
        )
        super().__init__(*args, **kwargs)
        if not show_staff_kinds:
            # Someone who teaches nothing is not asked about staff kinds; they keep their choice.
            del self.fields["staff_kinds"]
        start, end = settings.NOTIFICATION_QUIET_HOURS
        self.fields["email_enabled"].help_text = (
            "Reminders appear in your inbox here as soon as they are due, whatever you choose. "
            f"Emails wait until {end:02d}:00 if they fall in your quiet hours "
            f"({start:02d}:00–{end:02d}:00 in your time zone)."
        )
        self.fields["muted_courses"].queryset = (
            Course.objects.active().with_member(user).distinct().order_by("title", "pk")
        )

    @property
    def offered_courses(self):
        return self.fields["muted_courses"].queryset

    @property
    def kind_groups(self) -> list[dict]:
        """The kind checkboxes in two groups, each with its one-sentence explanation."""
        groups = []
        kinds = {kind.value: kind for kind in registered()}
        for name, legend, hint in (
            ("student_kinds", "Reminders about your own work", "Assignments and interviews."),
            ("staff_kinds", "For course staff", "Only sent if you teach or assist a course."),
        ):
            if name not in self.fields:
                continue
            field = self[name]
            groups.append(
                {
                    "field": field,
                    "legend": legend,
                    "hint": hint,
                    "options": [
                        {
                            "widget": option,
                            "help": kinds[option.data["value"]].help,
                            "details": _details(kinds[option.data["value"]], self.user),
                        }
                        for option in field
                    ],
                }
            )
        return groups

    def enabled_kinds(self) -> list[str]:
        if "staff_kinds" in self.fields:
            staff = self.cleaned_data["staff_kinds"]
        else:
            staff = [
                k.value for k in registered(Audience.STAFF)
                if k.value not in self.preference.disabled_kinds
            ]  # fmt: skip
        return [*self.cleaned_data["student_kinds"], *staff]


def _details(kind, user) -> list[str]:
    return kind.details(user) if kind.details else []
