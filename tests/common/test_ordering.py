"""``common/ordering.py``: Move up / Move down among rows numbered by ``position``. The rubric
and question tests (tests/interviews/test_rubrics.py, test_planning.py) move real rows; here a
stand-in table shows what is saved."""

from dataclasses import dataclass

from common.ordering import renumber, swap_with_neighbour


class Table:
    """A stand-in for a model's manager: the saved positions by pk, and each bulk update."""

    def __init__(self):
        self.positions: dict[int, int] = {}
        self.updates: list[list[int]] = []

    def bulk_update(self, rows, fields):
        assert fields == ["position"]
        self.updates.append([row.pk for row in rows])
        self.positions.update({row.pk: row.position for row in rows})


@dataclass
class Item:
    pk: int
    position: int
    _default_manager = Table()


def items(count: int) -> list[Item]:
    Item._default_manager = Table()
    rows = [Item(pk=pk, position=pk - 1) for pk in range(1, count + 1)]
    Item._default_manager.positions = {row.pk: row.position for row in rows}
    return rows


def saved_order() -> list[int]:
    positions = Item._default_manager.positions
    return sorted(positions, key=positions.get)


def test_moving_up_swaps_with_the_one_before_and_keeps_the_others():
    rows = items(4)

    assert swap_with_neighbour(rows, rows[2], up=True)

    assert saved_order() == [1, 3, 2, 4]
    assert Item._default_manager.updates == [[3, 2]]  # only the two that moved are saved


def test_moving_down_swaps_with_the_one_after():
    rows = items(3)

    assert swap_with_neighbour(rows, Item(pk=1, position=0), up=False)

    assert saved_order() == [2, 1, 3]


def test_the_first_does_not_move_up_nor_the_last_down():
    rows = items(3)

    assert not swap_with_neighbour(rows, rows[0], up=True)
    assert not swap_with_neighbour(rows, rows[-1], up=False)

    assert saved_order() == [1, 2, 3]
    assert Item._default_manager.updates == []


def test_renumbering_closes_the_gap_a_deleted_row_left():
    rows = items(4)
    del rows[1]

    renumber(rows)

    assert [row.position for row in rows] == [0, 1, 2]
    assert Item._default_manager.updates == [[3, 4]]
