"""Rows kept in an order the people who own them choose (criteria, levels, prepared questions):
a ``position`` field numbered 0, 1, 2… and a Move up / Move down button on each row."""

from collections.abc import Sequence


def renumber(rows: Sequence) -> None:
    """Number ``rows`` (model instances with a ``position``, in their order) 0, 1, 2…, saving the
    ones whose position changed in one query."""
    changed = []
    for position, row in enumerate(rows):
        if row.position != position:
            row.position = position
            changed.append(row)
    if changed:
        type(rows[0])._default_manager.bulk_update(changed, ["position"])


def swap_with_neighbour(rows: list, row, *, up: bool) -> bool:
    """Swap ``row`` with the one before it (``up``) or after it in ``rows`` (ordered, ``row``
    among them, by primary key) and save the new positions; False when it is already first
    (last) and nothing changes."""
    index = next(i for i, r in enumerate(rows) if r.pk == row.pk)
    other = index - 1 if up else index + 1
    if not 0 <= other < len(rows):
        return False
    rows[index], rows[other] = rows[other], rows[index]
    renumber(rows)
    return True
