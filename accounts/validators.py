"""Validators shared by every app's names, titles and typed numbers."""

import unicodedata

from django.core.exceptions import ValidationError
from django.utils.deconstruct import deconstructible

# Line and paragraph separators a mail header or a calendar line would break on, besides the
# Cc (control) characters.
LINE_BREAKS = {"\u2028", "\u2029"}


def has_control_characters(value: str) -> bool:
    """Whether ``value`` holds a control character (a line break, a tab, NUL, U+0085 …) or a
    line or paragraph separator."""
    return any(unicodedata.category(ch) == "Cc" or ch in LINE_BREAKS for ch in value)


@deconstructible
class NoControlCharacters:
    """Refuses line breaks, tabs and other control characters in a one-line text (a name, a
    title): stored, they would break every email header and calendar line that names it."""

    message = (
        "Use letters, digits and punctuation only: no line breaks, tabs or control characters."
    )
    code = "control_characters"

    def __call__(self, value) -> None:
        if isinstance(value, str) and has_control_characters(value):
            raise ValidationError(self.message, code=self.code)

    def __eq__(self, other):
        return isinstance(other, NoControlCharacters)

    def __hash__(self):
        return hash(type(self))


no_control_characters = NoControlCharacters()
