"""The ``<id:…>`` path converter: a row id, as ``<id:…>`` but never beyond 64 bits.

Django's ``int`` converter hands any run of digits to the view, and a lookup with a number no
database column can hold answers 500 (OverflowError on SQLite). Overriding ``int`` itself is
deprecated in Django 5.1 (an error in 6.0), so the project's patterns say ``<id:…>``.
Registered when the accounts app is ready, before any URLconf is read.
"""

from django.urls import register_converter
from django.urls.converters import get_converters

MAX_ID = 2**63 - 1  # the largest BigAutoField value (PostgreSQL bigint, SQLite INTEGER)


class IdConverter:
    regex = "[0-9]{1,19}"

    def to_python(self, value: str) -> int:
        number = int(value)
        if number > MAX_ID:
            raise ValueError("beyond 64 bits")  # no match: 404
        return number

    def to_url(self, value) -> str:
        return str(value)


def register() -> None:
    if "id" not in get_converters():  # registering a name twice is deprecated
        register_converter(IdConverter, "id")
