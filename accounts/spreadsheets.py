"""Text on its way into and out of spreadsheets, shared by every app that reads or writes CSV:
the formula guard for cells we write, and the NUL check for files people upload."""

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

# A cell whose text starts with one of these (after any leading spaces) is run as a formula by
# some spreadsheet: Excel and LibreOffice read the full-width and small forms as the ASCII ones.
FORMULA_STARTS = frozenset("=+-@\t\r\n＝＋－＠﹦﹢﹣﹫")
# Legal first characters of an email address's local part (RFC 5322 dot-atom) that also start
# a formula: an address such as +plus@example.edu is exported as it is (Moodle and Canvas
# match students by it), as a spreadsheet shows it as text (#NAME? at worst, never a call).
ADDRESS_STARTS = frozenset("+-")


def _is_address(value: str) -> bool:
    try:
        validate_email(value)
    except ValidationError:
        return False
    return True


def spreadsheet_text(value: str) -> str:
    """Text a spreadsheet shows as text: one that would start a formula (``= + - @``, a tab or a
    line break, their full-width forms, also after leading spaces) gets a ``'`` in front; an
    email address starting with ``+`` or ``-`` is kept as it is."""
    first = value.lstrip(" \u00a0\u3000")[:1]
    if first not in FORMULA_STARTS or not value:
        return value
    if first in ADDRESS_STARTS and value[0] == first and _is_address(value):
        return value
    return "'" + value


def unguarded(cell: str) -> str:
    """``cell`` as it was before ``spreadsheet_text`` (for a file we wrote, read back)."""
    if cell.startswith("'") and spreadsheet_text(cell[1:]) == cell:
        return cell[1:]
    return cell


def first_nul_line(data: bytes) -> int | None:
    """The line (from 1) of the first NUL byte in ``data``, or None: text never holds one, and
    PostgreSQL refuses to store it."""
    at = data.find(b"\x00")
    return None if at < 0 else data[:at].count(b"\n") + 1
