"""``common/numbers.py`` and its template filter: points, scores and percentages as people read
them, the same on every page, message and CSV file."""

from decimal import Decimal

import pytest
from django.template import Context, Template

from common.numbers import number, percent


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (Decimal("8.50"), "8.5"),
        (Decimal("20.00"), "20"),
        (Decimal("0.25"), "0.25"),
        (Decimal("0.00"), "0"),
        (Decimal("1000"), "1000"),
        (Decimal("1E+2"), "100"),  # never an exponent
        (Decimal("9999.99"), "9999.99"),  # never a thousands separator
        (Decimal("12.345"), "12.35"),  # two decimals at most, rounded half up
        (Decimal("61.665"), "61.67"),
        (10, "10"),
    ],
)
def test_a_number_shows_without_trailing_zeros(value, shown):
    assert number(value) == shown


def test_a_percentage_is_rounded_half_up_to_its_step():
    assert percent(Decimal("18.5"), Decimal("30")) == Decimal("61.67")
    assert percent(Decimal("18.5"), Decimal("30"), step=Decimal("0.1")) == Decimal("61.7")
    assert percent(1, 8, step=Decimal(1)) == Decimal("13")  # 12.5 → 13


def test_there_is_no_percentage_of_nothing():
    assert percent(Decimal("5"), Decimal("0")) is None
    assert percent(None, Decimal("20")) is None


@pytest.mark.parametrize(
    ("value", "shown"),
    [(Decimal("14.40"), "14.4"), ("20.00", "20"), (None, "—"), ("", "—"), ("n/a", "n/a")],
)
def test_the_points_filter_shows_a_score_as_number_does(value, shown):
    template = Template("{% load numbers %}{{ value|points }}")
    assert template.render(Context({"value": value})) == shown
