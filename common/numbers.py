"""Numbers as people read them, in pages, messages and CSV files alike: ``8.5``, ``10``,
``0.25`` (points, scores and percentages are stored to two decimals)."""

import functools
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
HUNDRED = Decimal("100")


@functools.lru_cache(maxsize=4096)  # scores repeat: 10,000 gradebook cells hold a few hundred
def number(value: Decimal | int) -> str:
    """``8.5``, ``10``, ``0.25``: at most two decimals (rounded half up), no trailing zeros, never
    an exponent or a thousands separator."""
    text = f"{Decimal(value).quantize(CENT, ROUND_HALF_UP):f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def percent(
    part: Decimal | int | None, whole: Decimal | int, *, step: Decimal = CENT
) -> Decimal | None:
    """``part`` as a percentage of ``whole``, rounded half up to ``step`` (``Decimal("0.1")``,
    ``Decimal(1)``); None when there is no ``part`` or ``whole`` is zero."""
    if part is None or not whole:
        return None
    return (part * HUNDRED / whole).quantize(step, ROUND_HALF_UP)
