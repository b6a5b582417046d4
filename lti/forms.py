"""The one form of the LMS integration: which assignment a deep link places in the LMS."""

from django import forms

from common.numbers import number


class DeepLinkForm(forms.Form):
    assignment = forms.ModelChoiceField(
        queryset=None,
        label="Assignment to place in the LMS",
        widget=forms.RadioSelect,
        empty_label=None,
        error_messages={"required": "Choose the assignment to place in the LMS."},
    )

    def __init__(self, *args, assignments, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["assignment"]
        field.queryset = assignments
        field.label_from_instance = lambda a: f"{a.title} ({number(a.points)} points)"
