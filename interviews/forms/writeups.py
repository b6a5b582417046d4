"""Forms for the write-up: the draft (one answer per reflection prompt plus free text) and an
attachment upload. What a file really is gets checked by ``interviews.uploads``, not here."""

from django import forms
from django.conf import settings

from accounts.converters import MAX_ID

from ..models import AttachmentType, ReflectionPrompt, Submission
from ..uploads import accepted, human_size, types_text
from .text import unix_newlines

MAX_CHARS = 100_000
ACCEPT = {
    AttachmentType.PDF: ".pdf,application/pdf",
    AttachmentType.DOCX: ".docx",
    AttachmentType.ODT: ".odt",
    AttachmentType.TXT: ".txt,text/plain",
    AttachmentType.PNG: ".png,image/png",
    AttachmentType.JPEG: ".jpg,.jpeg,image/jpeg",
}


def _text(label: str) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=False,
        max_length=MAX_CHARS,
        widget=forms.Textarea(attrs={"rows": 6}),
    )


class WriteupForm(forms.Form):
    """The draft as typed. ``revision`` is the draft revision the text was written on."""

    revision = forms.IntegerField(min_value=0, max_value=MAX_ID, widget=forms.HiddenInput)

    def __init__(self, *args, prompts: list[ReflectionPrompt], **kwargs):
        super().__init__(*args, **kwargs)
        self.prompts = list(prompts)
        revision = self.fields.pop("revision")
        for prompt in self.prompts:
            self.fields[self.answer_field(prompt)] = _text(prompt.text)
        self.fields["body"] = _text("Anything else" if self.prompts else "Your reflection")
        self.fields["revision"] = revision
        self.fields["revision"].error_messages["required"] = (
            "The page was incomplete; reload it and try again."
        )

    @staticmethod
    def answer_field(prompt: ReflectionPrompt) -> str:
        return f"answer_{prompt.pk}"

    @classmethod
    def initial_for(cls, submission: Submission) -> dict:
        initial = {"body": submission.body, "revision": submission.revision}
        for key, text in submission.answers.items():
            initial[f"answer_{key}"] = text
        return initial

    def clean(self):
        return unix_newlines(super().clean())

    @property
    def answers(self) -> dict[str, str]:
        """Answers keyed by prompt id (as a string), empty ones left out."""
        return {
            str(prompt.pk): self.cleaned_data[self.answer_field(prompt)]
            for prompt in self.prompts
            if self.cleaned_data[self.answer_field(prompt)]
        }


class AttachmentForm(forms.Form):
    # Not "required": the field sits in the write-up form, where most buttons send no file.
    file = forms.FileField(label="Attach a file", required=False)

    def __init__(self, *args, allowed: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        allowed = accepted(allowed)
        field = self.fields["file"]
        field.help_text = (
            f"Accepted types: {types_text(allowed)}, up to "
            f"{human_size(settings.ATTACHMENT_MAX_BYTES)}; checked by their content, not "
            "their name. Your text is saved first."
        )
        field.widget.attrs["accept"] = ",".join(ACCEPT[AttachmentType(k)] for k in allowed)

    def clean_file(self):
        file = self.cleaned_data.get("file")
        if not file:
            raise forms.ValidationError("Choose a file to attach, then press “Upload file”.")
        return file
