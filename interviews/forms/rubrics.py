"""Forms for authoring rubrics: the title, a criterion, a level, moving one, and replacing the
whole rubric (with the ready-made one, a copy from another assignment, or a CSV file).

Points are 0 to ``MAX_POINTS`` with at most two decimals. Forms check only that shape; the rules
(how many criteria and levels, a rubric's total, one title per level) are those of
``interviews.rubrics``, whose refusals the views show on these forms.
"""

from decimal import Decimal

from django import forms

from accounts.validators import no_control_characters
from common.numbers import number

from ..models import Assignment, Criterion, Rubric
from ..rubrics import (
    IMPORT_MAX_BYTES,
    LEVEL_NAMES,
    MAX_POINTS,
    LevelInput,
    source_label,
)

FOUR_LEVELS = (Decimal("1"), Decimal("0.75"), Decimal("0.5"), Decimal("0.25"))


def points_field(label: str, help_text: str = "") -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        min_value=0,
        max_value=MAX_POINTS,
        max_digits=7,
        decimal_places=2,
        help_text=help_text,
        error_messages={
            "required": "Give the points.",
            "invalid": "Enter a number, such as 5 or 2.5.",
            "min_value": "Points cannot be negative.",
            "max_value": f"At most {number(MAX_POINTS)} points.",
            "max_decimal_places": "At most two decimal places.",
            "max_digits": f"At most {number(MAX_POINTS)} points.",
            "max_whole_digits": f"At most {number(MAX_POINTS)} points.",
        },
    )


def description_field(help_text: str) -> forms.CharField:
    return forms.CharField(
        label="Description",
        required=False,
        max_length=5000,
        help_text=help_text,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class RubricTitleForm(forms.Form):
    title = forms.CharField(
        label="Rubric title", max_length=200, validators=[no_control_characters]
    )


class CriterionForm(forms.Form):
    """A new criterion, or an existing one (``criterion``): its points are only typed when it
    has no levels; with levels it is worth its highest level."""

    LEVELS = (
        ("none", "No levels: the grader types points, up to the maximum"),
        (
            "four",
            f"Four levels to start from: {', '.join(LEVEL_NAMES)} (all, 75%, 50% and 25% of "
            "the points); rename and describe them afterwards",
        ),
    )

    title = forms.CharField(label="Criterion", max_length=200, validators=[no_control_characters])
    description = description_field("What the grader looks for. Students see it too.")
    points = points_field("Maximum points")
    levels = forms.ChoiceField(
        label="Levels", choices=LEVELS, initial="none", widget=forms.RadioSelect
    )

    def __init__(self, *args, criterion: Criterion | None = None, **kw):
        self.criterion = criterion
        super().__init__(*args, **kw)
        if criterion is not None:
            del self.fields["levels"]
            if criterion.levels.exists():
                del self.fields["points"]

    def level_inputs(self) -> tuple[LevelInput, ...]:
        """The levels a new criterion starts with."""
        if self.cleaned_data.get("levels") != "four":
            return ()
        top = self.cleaned_data["points"]
        return tuple(
            LevelInput(name, (top * share).quantize(Decimal("0.01")))
            for name, share in zip(LEVEL_NAMES, FOUR_LEVELS, strict=True)
        )


class LevelForm(forms.Form):
    """A new level of a criterion, or an existing one."""

    title = forms.CharField(
        label="Level",
        max_length=100,
        help_text="e.g. Proficient",
        validators=[no_control_characters],
    )
    points = points_field("Points", "The criterion is worth its highest level.")
    description = description_field("What work at this level looks like.")


class MoveForm(forms.Form):
    direction = forms.ChoiceField(choices=(("up", "Up"), ("down", "Down")))

    @property
    def up(self) -> bool:
        return self.cleaned_data["direction"] == "up"


class ReplaceForm(forms.Form):
    """Replacing the whole rubric: when it has criteria, the instructor ticks to confirm."""

    replace = forms.BooleanField(label="Replace the current rubric", required=False)

    def __init__(self, *args, current: Rubric | None, **kw):
        super().__init__(*args, **kw)
        self.current_count = current.criteria.count() if current else 0
        if self.current_count:
            self.fields["replace"].label = (
                f"Replace the current rubric “{current.title}” and its {self.current_count} "
                f"criteri{'on' if self.current_count == 1 else 'a'}"
            )
        else:
            del self.fields["replace"]

    def clean(self):
        data = super().clean()
        if self.current_count and not data.get("replace"):
            self.add_error(
                "replace", "Tick this box to confirm: the current criteria are replaced."
            )
        return data


class SourceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Assignment) -> str:
        return (
            f"{source_label(obj)}: “{obj.rubric.title}”, {obj.criterion_count} "
            f"criteri{'on' if obj.criterion_count == 1 else 'a'}, "
            f"{number(obj.rubric_total)} points"
        )


class CopyForm(ReplaceForm):
    source = SourceField(
        label="Copy the rubric of",
        queryset=Assignment.objects.none(),
        empty_label=None,
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": "Choose one of the assignments listed."},
    )

    def __init__(self, *args, sources, **kw):
        super().__init__(*args, **kw)
        self.fields["source"].queryset = sources
        self.order_fields(["source", "replace"])


class ImportForm(ReplaceForm):
    file = forms.FileField(
        label="Rubric file (CSV)",
        help_text="UTF-8 CSV, up to 1 MB, with the columns criterion, criterion_description, "
        "criterion_points, level, level_description, level_points: one row per level, one "
        "row with the level columns empty for a criterion without levels.",
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )

    def __init__(self, *args, **kw):
        super().__init__(*args, **kw)
        self.order_fields(["file", "replace"])

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > IMPORT_MAX_BYTES:
            raise forms.ValidationError("The file is larger than 1 MB.")
        return upload
