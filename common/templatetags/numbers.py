"""``{{ value|points }}``: a score, points or a percentage as ``common.numbers.number`` writes it
(``14.40`` → ``14.4``, ``20.00`` → ``20``); "—" for no value."""

from decimal import Decimal, InvalidOperation

from django import template

from common.numbers import number

register = template.Library()


@register.filter
def points(value) -> str:
    if value is None or value == "":
        return "—"
    try:
        return number(Decimal(value))
    except (InvalidOperation, TypeError, ValueError):
        return str(value)
