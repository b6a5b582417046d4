"""Paging and sorting as every long list does it (common/paging.py)."""

from common.paging import paged, sorting

LABELS = {"name": "Name", "score": "Score"}


def test_a_page_holds_the_size_asked_for_and_links_around_it():
    result = paged(list(range(1, 1001)), per="100", page="5")

    assert (result.per, result.page.number, result.items[0], result.items[-1]) == (100, 5, 401, 500)
    assert result.links == [1, 2, 3, 4, 5, 6, 7, None, 10]


def test_junk_sizes_and_pages_fall_back_to_the_first_size_and_the_nearest_page():
    assert paged(list(range(120)), per="7", page="x").per == 50
    assert paged(list(range(120)), per="50", page="99").page.number == 3


def test_sorting_offers_only_its_columns_and_says_which_is_sorted_for_screen_readers():
    chosen = sorting(LABELS, "score", "desc", default="name")
    unknown = sorting(LABELS, "password", "sideways", default="name")

    assert (chosen.key, chosen.sign) == ("score", "-")
    assert [(c.key, c.aria_sort, c.next_dir) for c in chosen.columns] == [
        ("name", None, "asc"),
        ("score", "descending", "asc"),
    ]
    assert (unknown.key, unknown.direction, unknown.sign) == ("name", "asc", "")
