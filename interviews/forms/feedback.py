"""Forms: a message in the conversation about a write-up, a regrade request and its answer.

The rules live in ``interviews.feedback`` (which enforces them again); the forms only show them
next to the field, keeping what was typed.
"""

from django import forms

from common.refused import Refused

from .. import feedback
from ..models import RegradeRequest

# Ids of the staff panel's fields, kept apart from the grading form's on the same page.
STAFF_MESSAGE_ID = "id_staff_message_%s"
REGRADE_RESOLVE_ID = "id_regrade_resolve_%s"


def _apply(clean, value: str) -> str:
    try:
        return clean(value)
    except Refused as refused:
        raise forms.ValidationError(refused.message) from refused


class MessageForm(forms.Form):
    body = forms.CharField(
        label="Your message",
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": feedback.MESSAGE_MAX_CHARS}),
        required=False,  # clean_body says what is missing, in words
        strip=False,
        help_text="Plain text; line breaks are kept.",
    )

    def clean_body(self) -> str:
        return _apply(feedback.clean_message_body, self.cleaned_data["body"])


class RegradeRequestForm(forms.Form):
    reason = forms.CharField(
        label="Why should your grade be looked at again?",
        widget=forms.Textarea(attrs={"rows": 4, "maxlength": feedback.REASON_MAX_CHARS}),
        required=False,
        strip=False,
        help_text=(
            "At least a sentence: which criterion or comment you disagree with, and why. "
            "Your teacher answers here and you are notified."
        ),
    )

    def clean_reason(self) -> str:
        return _apply(feedback.clean_regrade_reason, self.cleaned_data["reason"])


class RegradeResolveForm(forms.Form):
    outcome = forms.ChoiceField(
        label="Outcome",
        choices=RegradeRequest.Outcome.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose whether the grade changed."},
        help_text="Change the grade on the grading page first; this only answers the request.",
    )
    response = forms.CharField(
        label="Response to the student",
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": feedback.RESPONSE_MAX_CHARS}),
        required=False,
        strip=False,
    )

    def clean_response(self) -> str:
        return _apply(feedback.clean_regrade_response, self.cleaned_data["response"])
