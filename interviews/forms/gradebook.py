"""The gradebook export's choices: which LMS the file is for, and which grades go in it."""

from django import forms

from ..gradebook import ExportFormat


class ExportForm(forms.Form):
    ALL, RELEASED = "all", "only"

    format = forms.ChoiceField(
        label="File for",
        choices=[(ExportFormat.CANVAS, "Canvas"), (ExportFormat.MOODLE, "Moodle")],
        initial=ExportFormat.CANVAS,
        required=False,
        widget=forms.RadioSelect,
    )
    released = forms.ChoiceField(
        label="Grades to include",
        choices=[
            (ALL, "Every graded write-up, released or not"),
            (RELEASED, "Only grades already released to students"),
        ],
        initial=ALL,
        required=False,
        widget=forms.RadioSelect,
    )

    def clean_format(self) -> ExportFormat:
        return ExportFormat(self.cleaned_data["format"] or ExportFormat.CANVAS)

    def clean_released(self) -> bool:
        """True when only released grades go in the file."""
        return self.cleaned_data["released"] == self.RELEASED
