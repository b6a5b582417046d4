"""``common/spreadsheets.py``: the formula guard of every CSV we write and the decoding of every
CSV people upload."""

import csv
import io
from decimal import Decimal

import pytest

from common.spreadsheets import (
    BinaryFile,
    NotUtf8,
    NulCharacter,
    csv_bytes,
    csv_text,
    first_nul_line,
    spreadsheet_text,
    unguarded,
)

# Writing -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "written"),
    [
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ("+1 555", "'+1 555"),
        ("-2", "'-2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tcmd", "'\tcmd"),
        ("\rcmd", "'\rcmd"),
        ("Zoë O'Neil", "Zoë O'Neil"),
    ],
)
def test_text_that_a_spreadsheet_would_run_is_kept_as_text(text, written):
    assert spreadsheet_text(text) == written


@pytest.mark.parametrize(
    "text",
    [
        '＝HYPERLINK("http://evil.example","Click")',  # U+FF1D FULLWIDTH EQUALS SIGN
        "＋1+1",  # U+FF0B
        "－2+3",  # U+FF0D
        "＠SUM(A1)",  # U+FF20
        "﹦1+1",  # U+FE66 SMALL EQUALS SIGN
        '  =HYPERLINK("http://evil.example")',  # leading spaces
        '\u3000＝cmd|" /C calc"!A0',  # an ideographic space first
        "\n=1+1",
    ],
)
def test_a_fullwidth_or_indented_formula_is_kept_as_text(text):
    assert spreadsheet_text(text) == "'" + text


@pytest.mark.parametrize(
    "address", ["+plus@example.edu", "-dash@example.edu", "ada.lovelace@example.edu"]
)
def test_an_email_address_starting_with_plus_or_minus_is_exported_as_it_is(address):
    assert spreadsheet_text(address) == address


@pytest.mark.parametrize("text", ["+1 555 0100", "-2", "=1+1@example.edu x", "@handle"])
def test_a_formula_start_that_is_no_email_address_is_still_guarded(text):
    assert spreadsheet_text(text) == "'" + text


@pytest.mark.parametrize("text", ["＝HYPERLINK(1)", "  -2", "'quoted", "Zoë", "+plus@example.edu"])
def test_a_guarded_cell_reads_back_as_it_was_written(text):
    assert unguarded(spreadsheet_text(text)) == text


def test_a_csv_file_keeps_numbers_as_numbers_and_guards_text():
    content = csv_bytes(
        [["Name", "Score"], ["-Minus", Decimal("8.50")], ["Z", 10], ["N", None], ["=1+1", True]]
    )

    assert content.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"), newline="")))
    assert rows == [
        ["Name", "Score"],
        ["'-Minus", "8.5"],
        ["Z", "10"],
        ["N", ""],
        ["'=1+1", "True"],
    ]
    assert b"\r\n" in content


# Reading -------------------------------------------------------------------------------------


def test_an_excel_csv_utf8_file_reads_without_its_byte_order_mark():
    assert csv_text("\ufeffname,email\nZoë,zoe@example.edu\n".encode()) == (
        "name,email\nZoë,zoe@example.edu\n"
    )


def test_a_nul_near_the_start_is_a_binary_file():
    with pytest.raises(BinaryFile) as caught:
        csv_text(b"PK\x03\x04\x00\x00workbook")
    assert caught.value.line is None


def test_a_nul_further_in_is_named_by_its_line():
    with pytest.raises(NulCharacter) as caught:
        csv_text(b"name,email\n" + b"x" * 5000 + b"\nA\x00,a@example.edu\n")
    assert caught.value.line == 3


def test_a_file_that_is_not_utf8_is_named_by_the_line_of_its_first_bad_byte():
    with pytest.raises(NotUtf8) as caught:
        csv_text("name,email\nAda,a@example.edu\nZoë,z@example.edu\n".encode("latin-1"))
    assert caught.value.line == 3


def test_the_first_nul_byte_is_found_on_its_line_wherever_it_is():
    assert first_nul_line(b"a\nb\n" + b"x" * 5000 + b"\x00") == 3
    assert first_nul_line(b"name,email\nno nul here\n") is None
