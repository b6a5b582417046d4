"""Forms for grading: the rubric form of one write-up, the queue's review setting and the
comment bank. Ranges and levels are checked by ``interviews.grading.grade_save`` (one place,
whichever way a grade arrives); these forms check the shape of what was typed."""

from decimal import Decimal

from django import forms

from accounts.converters import MAX_ID
from common.numbers import number

from ..grading import MAX_COMMENT, comment_field, criterion_field
from ..models import Criterion, Grade
from .text import unix_newlines

MAX_TEXT = 10_000
WRONG_LEVEL = "Choose one of the levels listed for this criterion."
FILTERS = {
    "all": "All",
    "ungraded": "Ungraded",
    "late": "Late",
    "mine": "Graded by me",
    "review": "Needs review",
}


def _text(label: str, *, rows: int = 3, max_length: int = MAX_TEXT, **kwargs) -> forms.CharField:
    return forms.CharField(
        label=label, required=False, max_length=max_length, strip=False,
        widget=forms.Textarea(attrs={"rows": rows}), **kwargs,
    )  # fmt: skip


def _points(label: str, *, maximum: Decimal | None = None, **kwargs) -> forms.DecimalField:
    attrs = {"min": "0", "step": "0.01", "inputmode": "decimal"}
    if maximum is not None:
        attrs["max"] = number(maximum)
    return forms.DecimalField(
        label=label, required=False, max_digits=7, decimal_places=2,
        widget=forms.NumberInput(attrs=attrs),
        error_messages={"invalid": "Enter a number, such as 4 or 4.5."}, **kwargs,
    )  # fmt: skip


class GradeForm(forms.Form):
    """The grade as the grader's form has it, written on top of ``revision``.

    One field per criterion (``criterion_<id>``: a level id, or points where the criterion has
    no levels) and one comment per criterion (``comment_<id>``); ``score`` only without a
    rubric.
    """

    revision = forms.IntegerField(min_value=0, max_value=MAX_ID, widget=forms.HiddenInput)
    # Sent by "Save mine over theirs" after a conflict: the revision the grader has now seen.
    overwrite_revision = forms.IntegerField(min_value=0, max_value=MAX_ID, required=False)

    def __init__(self, *args, criteria: list[Criterion], points_possible: Decimal, **kwargs):
        super().__init__(*args, **kwargs)
        self.criteria = list(criteria)
        self.fields["revision"].error_messages["required"] = (
            "The page was incomplete; reload it and try again."
        )
        for criterion in self.criteria:
            if list(criterion.levels.all()):
                field = forms.IntegerField(
                    label=criterion.title, required=False, max_value=MAX_ID,
                    error_messages={"invalid": WRONG_LEVEL, "max_value": WRONG_LEVEL},
                )  # fmt: skip
            else:
                field = _points(
                    f"Points for {criterion.title} (out of {number(criterion.points)})",
                    maximum=criterion.points,
                )
            self.fields[criterion_field(criterion)] = field
            self.fields[comment_field(criterion)] = _text(f"Comment on {criterion.title}", rows=2)
        if not self.criteria:
            self.fields["score"] = _points(
                f"Score (out of {number(points_possible)})", maximum=points_possible
            )
        self.fields["overall_comment"] = _text("Overall comment", rows=5)
        self.fields["private_note"] = _text(
            "Private note for staff", rows=2,
            help_text="Never shown to the student: only the course's staff read it.",
        )  # fmt: skip
        self.fields["penalty_override_percent"] = forms.DecimalField(
            label="Late penalty applied (%)", required=False, max_digits=5, decimal_places=2,
            widget=forms.NumberInput(attrs={"min": "0", "max": "100", "step": "0.01"}),
            error_messages={"invalid": "Enter a percentage from 0 to 100."},
        )  # fmt: skip
        self.fields["penalty_override_reason"] = forms.CharField(
            label="Reason for the change", required=False, max_length=300
        )
        self.fields["insert_saved"] = forms.IntegerField(
            label="Insert a saved comment", required=False, max_value=MAX_ID
        )
        self.fields["insert_into"] = forms.ChoiceField(
            label="Into", required=False, choices=self.comment_targets(),
            widget=forms.Select(attrs={"class": "form-select"}),
        )  # fmt: skip
        for name, field in self.fields.items():
            widget = field.widget
            if widget.is_hidden:
                continue
            if isinstance(widget, forms.Textarea | forms.NumberInput | forms.TextInput):
                widget.attrs.setdefault("class", "form-control")
            # Each field's message box is always on the page, so the script can fill it too.
            described = [f"id_{name}_error"] + ([f"id_{name}_helptext"] if field.help_text else [])
            widget.attrs["aria-describedby"] = " ".join(described)

    def comment_targets(self) -> list[tuple[str, str]]:
        """The comment boxes a saved comment can go into."""
        return [("overall_comment", "Overall comment")] + [
            (comment_field(c), f"Comment on {c.title}") for c in self.criteria
        ]

    @classmethod
    def initial_for(cls, grade: Grade | None, scores) -> dict:
        """The form as ``grade`` was saved (``scores``: its CriterionScore rows); an empty
        form at revision 0 without a grade."""
        if grade is None:
            return {"revision": 0}
        initial = {
            "revision": grade.revision,
            "score": grade.score,
            "overall_comment": grade.overall_comment,
            "private_note": grade.private_note,
            "penalty_override_percent": grade.penalty_override_percent,
            "penalty_override_reason": grade.penalty_override_reason,
        }
        for row in scores:
            if row.criterion_id is None:
                continue
            initial[comment_field(row.criterion_id)] = row.comment
            if row.level_id is not None:
                initial[criterion_field(row.criterion_id)] = row.level_id
            elif row.points is not None:
                initial[criterion_field(row.criterion_id)] = row.points
        return initial

    def clean(self):
        return unix_newlines(super().clean())

    @property
    def expected_revision(self) -> int:
        overwrite = self.cleaned_data.get("overwrite_revision")
        return self.cleaned_data["revision"] if overwrite is None else overwrite

    def levels(self) -> dict[int, int]:
        return {
            c.pk: self.cleaned_data[criterion_field(c)]
            for c in self.criteria
            if list(c.levels.all()) and self.cleaned_data.get(criterion_field(c)) is not None
        }

    def points(self) -> dict[int, Decimal]:
        return {
            c.pk: self.cleaned_data[criterion_field(c)]
            for c in self.criteria
            if not list(c.levels.all()) and self.cleaned_data.get(criterion_field(c)) is not None
        }

    def comments(self) -> dict[int, str]:
        return {c.pk: self.cleaned_data.get(comment_field(c), "") for c in self.criteria}

    def append_to(self, target: str, text: str) -> None:
        """Add ``text`` to the comment box ``target`` (a saved comment inserted without
        JavaScript)."""
        current = self.cleaned_data.get(target, "").rstrip()
        self.cleaned_data[target] = f"{current}\n\n{text}" if current else text


class ReviewSettingForm(forms.Form):
    require_review = forms.BooleanField(
        label="An instructor reviews assistants' grades before they are released",
        required=False,
    )


class ReleaseConfirmForm(forms.Form):
    """The confirmation of "Release feedback": carries the number of students the instructor
    was shown, so a release never reaches more students than they agreed to."""

    count = forms.IntegerField(min_value=1, max_value=MAX_ID, widget=forms.HiddenInput)


class SavedCommentForm(forms.Form):
    text = forms.CharField(
        label="Comment", max_length=MAX_COMMENT,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Write the comment first."},
    )  # fmt: skip
