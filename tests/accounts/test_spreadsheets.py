"""The formula guard and the NUL check of ``accounts/spreadsheets.py``, shared by every CSV we
write and every CSV people upload."""

import pytest

from accounts.spreadsheets import first_nul_line, spreadsheet_text, unguarded


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


def test_the_first_nul_byte_is_found_on_its_line_wherever_it_is():
    assert first_nul_line(b"a\nb\n" + b"x" * 5000 + b"\x00") == 3
    assert first_nul_line(b"name,email\nno nul here\n") is None
