"""Forms for authoring assignments: the assignment with its prompts and question bank,
duplication into another course, and per-student extensions.

Dates are typed in the course's time zone. Milestones out of order are allowed but produce
``form.warnings`` for the view to show; a hard cut-off before the due date is refused.
"""

from datetime import timedelta

from django import forms
from django.core.exceptions import ValidationError
from django.utils.html import format_html

from accounts.converters import MAX_ID
from accounts.fields import (
    EARLIEST_YEAR,
    LATEST_YEAR,
    ZonedDateTimeField,
)
from accounts.models import User
from accounts.validators import no_control_characters
from courses.models import Course, Role

from ..authoring import (
    MILESTONE_ORDER,
    PromptInput,
    QuestionInput,
    date_order_warnings,
    format_in_zone,
    shift_moment,
    shift_to_due,
)
from ..models import DATE_FIELDS, Assignment, AttachmentType, BankQuestion, Criterion
from ..notices import REMINDER_KINDS, Kind
from ..reminders import Schedule, schedule_for

DATE_LABELS = {**dict(MILESTONE_ORDER), "cutoff_at": "Hard cut-off"}
MAX_PROMPTS = 30
MAX_QUESTIONS = 100


def _zoned(field: str, *, required: bool = False) -> ZonedDateTimeField:
    return ZonedDateTimeField(label=DATE_LABELS[field], required=required)


def _set_zone(form: forms.Form, zone_name: str, extra_help: dict[str, str] | None = None):
    for field in DATE_FIELDS:
        if field in form.fields:
            form.fields[field].zone_name = zone_name
            help_text = f"In the course time zone, {zone_name}."
            if extra_help and field in extra_help:
                help_text = f"{extra_help[field]} {help_text}"
            form.fields[field].help_text = help_text


def cutoff_error(dates: dict, *, zone_name: str) -> str | None:
    """Why these dates cannot stand: a cut-off before the write-up is due (None: fine)."""
    cutoff, due = dates.get("cutoff_at"), dates.get("writeup_due_at")
    if cutoff and due and cutoff < due:
        return (
            "The hard cut-off must be at or after the write-up due date: otherwise students "
            "could never hand in on time. Move it later, or leave it empty."
        )
    return None


class AssignmentForm(forms.ModelForm):
    contact_due_at = _zoned("contact_due_at")
    questions_due_at = _zoned("questions_due_at")
    interview_due_at = _zoned("interview_due_at")
    writeup_due_at = _zoned("writeup_due_at", required=True)
    cutoff_at = _zoned("cutoff_at")
    attachment_types = forms.MultipleChoiceField(
        label="Allowed file types",
        choices=AttachmentType.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Files are checked by their content, not their name.",
    )

    reminder_days = forms.CharField(
        label="Remind students this many days before each milestone",
        required=False,
        initial="3, 1",
        help_text="Days, separated by commas (e.g. 3, 1). Empty: no reminders before "
        "milestones. Reminders go out at a decent hour of each student's own day.",
    )
    reminder_kinds = forms.MultipleChoiceField(
        label="Reminders students get",
        choices=[(k.value, k.label) for k in REMINDER_KINDS if k != Kind.KEEP_IN_TOUCH],
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Only students who have not done the step are reminded; each student can "
        "still turn reminders off for themselves.",
    )

    FIELDSETS = (
        ("The assignment", None, ("title", "instructions", "points", "required_interviews")),
        (
            "Milestones",
            "Only the write-up due date is required. Students see each date in their own "
            "time zone and in the course's.",
            (
                "contact_due_at",
                "questions_due_at",
                "interview_due_at",
                "writeup_due_at",
                "cutoff_at",
            ),
        ),
        (
            "Late work",
            None,
            ("late_percent_per_day", "late_max_percent", "late_grace_minutes"),
        ),
        (
            "The write-up",
            None,
            ("min_words", "allow_resubmission", "allow_attachments", "attachment_types"),
        ),
        ("Reminders", None, ("reminder_days", "reminder_kinds")),
    )

    class Meta:
        model = Assignment
        fields = [
            "title",
            "instructions",
            "points",
            "required_interviews",
            "contact_due_at",
            "questions_due_at",
            "interview_due_at",
            "writeup_due_at",
            "cutoff_at",
            "late_percent_per_day",
            "late_max_percent",
            "late_grace_minutes",
            "min_words",
            "allow_resubmission",
            "allow_attachments",
            "attachment_types",
        ]
        labels = {
            "title": "Title",
            "points": "Points",
            "required_interviews": "Interviews required per student",
            "late_percent_per_day": "Penalty per day late (%)",
            "late_max_percent": "Maximum late penalty (%)",
            "late_grace_minutes": "Grace period (minutes)",
            "min_words": "Minimum words in the reflection",
            "allow_resubmission": "Students may resubmit until the due date",
            "allow_attachments": "Students may attach files",
        }
        help_texts = {
            "instructions": "Markdown: **bold**, *italic*, lists, [links](https://example.org). "
            "Most HTML tags are removed (their text stays, scripts go); use Markdown to format.",
            "min_words": "0 for no minimum. Students see a live word count.",
            "late_percent_per_day": "Every started day after the due time (and grace period) "
            "costs this much. 0 for no penalty.",
        }
        widgets = {"instructions": forms.Textarea(attrs={"rows": 8})}

    def __init__(self, *args, course: Course, **kwargs):
        super().__init__(*args, **kwargs)
        self.course = course
        self.warnings: list[str] = []
        schedule = schedule_for(self.instance) if self.instance.pk else Schedule()
        self.initial.setdefault("reminder_days", ", ".join(str(d) for d in schedule.before_days))
        self.initial.setdefault(
            "reminder_kinds",
            [value for value, _ in self.fields["reminder_kinds"].choices if schedule.allows(value)],
        )
        _set_zone(
            self,
            course.time_zone,
            {"cutoff_at": "Nothing is accepted after this moment. Empty: late work is accepted."},
        )
        if self.instance.pk and Criterion.objects.filter(rubric__assignment=self.instance).exists():
            # With a rubric, the points are its total (kept in step by interviews/rubrics.py).
            self.fields["points"].disabled = True
            self.fields["points"].help_text = "The rubric's total: change the rubric to change it."

    def fieldsets(self):
        """(legend, description, bound fields) for each group of fields, in page order."""
        return [
            (legend, description, [self[name] for name in names])
            for legend, description, names in self.FIELDSETS
        ]

    def clean_reminder_days(self) -> list[int]:
        text = self.cleaned_data["reminder_days"].strip()
        parts = [p for p in text.replace(";", ",").replace(" ", ",").split(",") if p]
        try:
            days = sorted({int(p) for p in parts}, reverse=True)
        except ValueError as exc:
            raise forms.ValidationError(
                "Write whole numbers of days separated by commas, e.g. 3, 1."
            ) from exc
        if any(d < 1 or d > 30 for d in days) or len(days) > 5:
            raise forms.ValidationError("Use up to five numbers of days between 1 and 30.")
        return days

    def reminder_schedule(self) -> Schedule:
        """The reminder choices typed into the form (call after validation)."""
        on = set(self.cleaned_data.get("reminder_kinds") or [])
        off = {value for value, _ in self.fields["reminder_kinds"].choices if value not in on}
        return Schedule(
            before_days=tuple(self.cleaned_data.get("reminder_days") or ()),
            disabled_kinds=frozenset(off),
        )

    def clean(self):
        cleaned = super().clean()
        problem = cutoff_error(cleaned, zone_name=self.course.time_zone)
        if problem:
            self.add_error("cutoff_at", problem)
        if cleaned.get("allow_attachments") and not cleaned.get("attachment_types"):
            self.add_error(
                "attachment_types", "Choose at least one file type, or turn attachments off."
            )
        if not self.errors and cleaned.get("writeup_due_at"):
            self.warnings = date_order_warnings(
                {field: cleaned.get(field) for field, _ in MILESTONE_ORDER},
                zone_name=self.course.time_zone,
            )
        return cleaned


class RowFormSet(forms.BaseFormSet):
    """Ordered rows the instructor can add, remove and renumber, with or without JavaScript.

    Rows keep the hidden id of the prompt or question they edit; a row whose text is emptied
    is removed like a row marked "Remove".
    """

    noun = "row"
    # Fields of a row besides its text: {field: (visible label, words naming the row)}.
    row_labels = {"ORDER": ("Position", "of {row}"), "DELETE": ("Remove", "{row}")}

    def add_fields(self, form, index):
        super().add_fields(form, index)
        # "(new)" in the empty form's labels becomes the row number when a row is added.
        row = f"{self.noun} (new)" if index is None else f"{self.noun} {index + 1}"
        form.fields["text"].label = row.capitalize()
        # Screen readers hear which row each box belongs to; the eye sees it from the layout.
        for name, (visible, hidden) in self.row_labels.items():
            if name in form.fields:
                form.fields[name].label = format_html(
                    '{}<span class="visually-hidden"> {}</span>', visible, hidden.format(row=row)
                )
        form.fields["ORDER"].widget.attrs.update({"min": 1})

    def kept_forms(self):
        """The forms to save, in the order the instructor numbered them."""
        return [form for form in self.ordered_forms if form.cleaned_data.get("text", "").strip()]


class PromptForm(forms.Form):
    id = forms.IntegerField(widget=forms.HiddenInput, required=False, max_value=MAX_ID)
    text = forms.CharField(
        label="Prompt",
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class BasePromptFormSet(RowFormSet):
    noun = "prompt"

    def inputs(self) -> list[PromptInput]:
        return [
            PromptInput(text=form.cleaned_data["text"].strip(), id=form.cleaned_data.get("id"))
            for form in self.kept_forms()
        ]


BEHAVIOURAL_LABEL = "Behavioural: show STAR guidance (Situation, Task, Action, Result)"


class QuestionForm(forms.Form):
    id = forms.IntegerField(widget=forms.HiddenInput, required=False, max_value=MAX_ID)
    group = forms.ChoiceField(
        label="Group", choices=BankQuestion.Group.choices, initial=BankQuestion.Group.ROLE
    )
    text = forms.CharField(
        label="Question",
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    is_behavioural = forms.BooleanField(label=BEHAVIOURAL_LABEL, required=False)


class BaseQuestionFormSet(RowFormSet):
    noun = "question"
    row_labels = {
        **RowFormSet.row_labels,
        "group": ("Group", "of {row}"),
        "is_behavioural": (BEHAVIOURAL_LABEL, "for {row}"),
    }

    def inputs(self) -> list[QuestionInput]:
        return [
            QuestionInput(
                text=form.cleaned_data["text"].strip(),
                group=form.cleaned_data["group"],
                is_behavioural=form.cleaned_data["is_behavioural"],
                id=form.cleaned_data.get("id"),
            )
            for form in self.kept_forms()
        ]


PromptFormSet = forms.formset_factory(
    PromptForm,
    formset=BasePromptFormSet,
    extra=2,
    can_order=True,
    can_delete=True,
    can_delete_extra=False,
    max_num=MAX_PROMPTS,
    validate_max=True,
)
QuestionFormSet = forms.formset_factory(
    QuestionForm,
    formset=BaseQuestionFormSet,
    extra=3,
    can_order=True,
    can_delete=True,
    can_delete_extra=False,
    max_num=MAX_QUESTIONS,
    validate_max=True,
)


def _row_id(row) -> int | None:
    """The id of a saved prompt or question; None for a default not yet saved."""
    return row.pk if hasattr(row, "pk") else row.id


def prompt_formset(data=None, *, prompts) -> BasePromptFormSet:
    """The prompts formset, showing ``prompts`` (PromptInput or ReflectionPrompt rows)."""
    initial = [{"id": _row_id(p), "text": p.text} for p in prompts]
    return PromptFormSet(data, initial=initial, prefix="prompts")


def question_formset(data=None, *, questions) -> BaseQuestionFormSet:
    """The question bank formset, showing ``questions`` (QuestionInput or BankQuestion rows)."""
    initial = [
        {
            "id": _row_id(q),
            "group": q.group,
            "text": q.text,
            "is_behavioural": q.is_behavioural,
        }
        for q in questions
    ]
    return QuestionFormSet(data, initial=initial, prefix="questions")


class StudentChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.full_name} ({obj.email})" if obj.full_name else obj.email


class ExtensionForm(forms.Form):
    students = StudentChoiceField(
        label="Students",
        queryset=User.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        help_text="Tick one or several. A student who already has an extension gets it "
        "replaced by this one.",
        error_messages={"required": "Choose at least one student."},
    )
    contact_due_at = _zoned("contact_due_at")
    questions_due_at = _zoned("questions_due_at")
    interview_due_at = _zoned("interview_due_at")
    writeup_due_at = _zoned("writeup_due_at")
    cutoff_at = _zoned("cutoff_at")
    reason = forms.CharField(
        label="Reason",
        max_length=300,
        help_text="The students see this next to their new dates.",
    )

    def __init__(self, *args, assignment, **kwargs):
        super().__init__(*args, **kwargs)
        self.assignment = assignment
        self.warnings: list[str] = []
        zone = assignment.course.time_zone
        _set_zone(self, zone)
        for field in DATE_FIELDS:
            current = getattr(assignment, field)
            keeps = f"the assignment's {format_in_zone(current, zone)}" if current else "none"
            self.fields[field].help_text = f"Empty: {keeps}. In the course time zone, {zone}."
        self.fields["students"].queryset = User.objects.filter(
            memberships__course=assignment.course,
            memberships__role=Role.STUDENT,
            memberships__removed_at__isnull=True,
        ).order_by("full_name", "email")

    def dates(self) -> dict:
        return {field: self.cleaned_data.get(field) for field in DATE_FIELDS}

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        given = self.dates()
        if not any(given.values()):
            raise ValidationError("Give at least one new date; empty dates keep the assignment's.")
        effective = {
            field: given[field] or getattr(self.assignment, field) for field in DATE_FIELDS
        }
        problem = cutoff_error(effective, zone_name=self.assignment.course.time_zone)
        if problem:
            if given["cutoff_at"]:
                self.add_error("cutoff_at", problem)
            else:
                self.add_error(
                    "writeup_due_at",
                    "This is after the assignment's hard cut-off, so nothing could be handed "
                    "in by then. Give a later hard cut-off as well.",
                )
        else:
            self.warnings = date_order_warnings(
                effective, zone_name=self.assignment.course.time_zone
            )
        return cleaned


class CourseChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        term = f" · {obj.term}" if obj.term else ""
        return f"{obj}{term} ({obj.time_zone})"


class DuplicateForm(forms.Form):
    target_course = CourseChoiceField(
        label="Copy into course",
        queryset=Course.objects.none(),
        empty_label=None,
        help_text="Any active course you teach.",
    )
    title = forms.CharField(
        label="Title of the copy", max_length=200, validators=[no_control_characters]
    )
    shift_days = forms.IntegerField(
        label="Move every date by (days)",
        required=False,
        min_value=-3650,
        max_value=3650,
        help_text="e.g. 182 for the same weekdays half a year later. Times of day are kept.",
    )
    new_writeup_due_at = ZonedDateTimeField(
        label="…or give the new write-up due date",
        required=False,
        help_text="All other dates move by the same amount. In the target course's time zone.",
    )

    def __init__(self, *args, assignment: Assignment, user, **kwargs):
        kwargs.setdefault(
            "initial", {"target_course": assignment.course.pk, "title": assignment.title}
        )
        super().__init__(*args, **kwargs)
        self.assignment = assignment
        courses = Course.objects.active().filter(
            memberships__user=user,
            memberships__role=Role.INSTRUCTOR,
            memberships__removed_at__isnull=True,
        )
        self.fields["target_course"].queryset = courses
        # The new due date is typed in the target course's zone, known only from the choice.
        target = courses.filter(pk=self._raw_target()).first() if self.is_bound else None
        self.fields["new_writeup_due_at"].zone_name = (target or assignment.course).time_zone
        self.fields["new_writeup_due_at"].help_text = (
            f"Now due {format_in_zone(assignment.writeup_due_at, assignment.course.time_zone)}. "
            "All other dates move by the same amount. In the target course's time zone."
        )

    def _raw_target(self) -> int | None:
        try:
            return int(self.data.get("target_course", ""))
        except (TypeError, ValueError):
            return None

    def clean(self):
        cleaned = super().clean()
        days, new_due = cleaned.get("shift_days"), cleaned.get("new_writeup_due_at")
        if days is not None and new_due is not None:
            self.add_error(
                "new_writeup_due_at", "Give either a number of days or a new due date, not both."
            )
        elif not self.errors and not self._copy_dates_in_range():
            self.add_error(
                "new_writeup_due_at" if new_due is not None else "shift_days",
                f"The copy's dates would then fall outside {EARLIEST_YEAR}–{LATEST_YEAR}: "
                "move them by less.",
            )
        return cleaned

    def _copy_dates_in_range(self) -> bool:
        """Whether every date of the copy, moved by ``shift()``, is a date one could type."""
        try:
            by = self.shift()
            moved = [
                shift_moment(
                    moment, by=by, from_zone=self.assignment.course.time_zone,
                    to_zone=self.cleaned_data["target_course"].time_zone,
                )
                for field in DATE_FIELDS
                if (moment := getattr(self.assignment, field)) is not None
            ]  # fmt: skip
        except OverflowError:  # a date stored before dates were bounded, moved past year 9999
            return False
        return all(EARLIEST_YEAR <= moment.year <= LATEST_YEAR for moment in moved)

    def shift(self) -> timedelta:
        """The wall-clock shift for every date (zero when neither was given)."""
        new_due = self.cleaned_data.get("new_writeup_due_at")
        if new_due is not None:
            return shift_to_due(
                self.assignment,
                new_due=new_due,
                to_zone=self.cleaned_data["target_course"].time_zone,
            )
        return timedelta(days=self.cleaned_data.get("shift_days") or 0)
