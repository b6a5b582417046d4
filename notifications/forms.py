"""The notification settings page: which kinds, which courses, and whether to email."""

from django import forms
from django.conf import settings

from courses.models import Course

from .models import STAFF_KINDS, STUDENT_KINDS, Kind, Preference

# One sentence per kind, shown under its checkbox.
KIND_HELP = {
    Kind.MILESTONE_SOON: "Before each step of an assignment is due, if you have not done it yet, "
    "as each course's instructor set it.",
    Kind.MILESTONE_OVERDUE: "Once, the morning after a step you missed, while the work is still "
    "accepted.",
    Kind.INTERVIEW_TOMORROW: "The day before an interview, a nudge to review your questions.",
    Kind.THANK_YOU: "A few hours after an interview, if you have not marked your thank-you note "
    "as sent.",
    Kind.REFLECTION: "The morning after an interview, if you have not started your reflection.",
    Kind.FOLLOW_UP: "A week after an interview with no reply logged, a suggestion to send one "
    "polite follow-up.",
    Kind.KEEP_IN_TOUCH: "A nudge to get back in touch with a contact, at the pace you chose for "
    "them.",
    Kind.GRADING_DIGEST: "For teachers and assistants: each morning, how much new work waits for "
    "grading, only when there is some.",
    Kind.FEEDBACK_RELEASED: "When your teacher releases the grade and feedback on your work.",
    Kind.FEEDBACK_MESSAGE: "When your teacher writes to you about your write-up.",
    Kind.REGRADE_ANSWERED: "When your teacher answers a regrade request you made.",
    Kind.STUDENT_MESSAGE: "For teachers and assistants: when a student writes about their "
    "graded work.",
    Kind.REGRADE_REQUESTED: "For teachers and assistants: when a student asks for a regrade.",
}


def _kind_choices(kinds):
    return [(kind.value, kind.label) for kind in kinds]


class PreferenceForm(forms.Form):
    student_kinds = forms.MultipleChoiceField(
        label="Reminders about your own work",
        choices=_kind_choices(STUDENT_KINDS),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    staff_kinds = forms.MultipleChoiceField(
        label="For course staff",
        choices=_kind_choices(STAFF_KINDS),
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
        reminder_days=(),
        show_staff_kinds: bool = True,
        **kwargs,
    ):
        self.preference = preference
        self.reminder_days = list(reminder_days)
        enabled = [kind.value for kind in Kind if kind.value not in preference.disabled_kinds]
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
                            "help": KIND_HELP[Kind(option.data["value"])],
                            "reminder_days": self.reminder_days
                            if option.data["value"] == Kind.MILESTONE_SOON
                            else [],
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
            staff = [k.value for k in STAFF_KINDS if k not in self.preference.disabled_kinds]
        return [*self.cleaned_data["student_kinds"], *staff]
