"""Text on its way into and out of spreadsheets, shared by every app that reads or writes CSV:
the formula guard for cells we write (``spreadsheet_text``, ``csv_cells``, ``csv_bytes``) and
the decoding of files people upload (``csv_text``)."""

import csv
import io
from collections.abc import Iterable
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from .numbers import number

# A cell whose text starts with one of these (after any leading spaces) is run as a formula by
# some spreadsheet: Excel and LibreOffice read the full-width and small forms as the ASCII ones.
FORMULA_STARTS = frozenset("=+-@\t\r\n＝＋－＠﹦﹢﹣﹫")
# Legal first characters of an email address's local part (RFC 5322 dot-atom) that also start
# a formula: an address such as +plus@example.edu is exported as it is (Moodle and Canvas
# match students by it), as a spreadsheet shows it as text (#NAME? at worst, never a call).
ADDRESS_STARTS = frozenset("+-")
# A NUL this early is a binary file (a workbook, an image), not a damaged CSV.
BINARY_SNIFF = 4096


# Writing -------------------------------------------------------------------------------------


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


def csv_cells(row: Iterable) -> list[str]:
    """A row's cells as a CSV file of ours writes them: numbers as numbers (``number``), text
    through ``spreadsheet_text``, None as empty."""
    return [
        ""
        if value is None
        else number(value)
        if isinstance(value, Decimal | int) and not isinstance(value, bool)
        else spreadsheet_text(str(value))
        for value in row
    ]


def csv_bytes(rows: Iterable[Iterable]) -> bytes:
    """UTF-8 CSV with a byte-order mark (so Excel reads accents right; Canvas and Moodle accept
    it), each row through ``csv_cells``."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    for row in rows:
        writer.writerow(csv_cells(row))
    return ("\ufeff" + out.getvalue()).encode("utf-8")


# Reading -------------------------------------------------------------------------------------


class NotCsvText(ValueError):
    """The uploaded bytes are not a CSV text file. ``line`` (from 1) is where that shows, or None
    for the file as a whole. Each importer words the message for its own file."""

    def __init__(self, line: int | None = None):
        self.line = line
        super().__init__(f"not CSV text (line {line})" if line else "not CSV text")


class BinaryFile(NotCsvText):
    """A NUL byte near the start: a binary file (a workbook saved as .xlsx, an image)."""


class NulCharacter(NotCsvText):
    """A NUL byte further in, on ``line``: text never holds one (the file may be damaged), and
    PostgreSQL refuses to store it."""


class NotUtf8(NotCsvText):
    """Bytes that are not UTF-8, the first of them on ``line``."""


def first_nul_line(data: bytes) -> int | None:
    """The line (from 1) of the first NUL byte in ``data``, or None: text never holds one, and
    PostgreSQL refuses to store it."""
    at = data.find(b"\x00")
    return None if at < 0 else data[:at].count(b"\n") + 1


def csv_text(data: bytes) -> str:
    """An uploaded CSV file's text: UTF-8, a byte-order mark (Excel's "CSV UTF-8") dropped.
    Raises ``BinaryFile``, ``NulCharacter`` or ``NotUtf8`` (all ``NotCsvText``)."""
    if b"\x00" in data[:BINARY_SNIFF]:
        raise BinaryFile()
    if (line := first_nul_line(data)) is not None:
        raise NulCharacter(line)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise NotUtf8(data[: exc.start].count(b"\n") + 1) from exc
