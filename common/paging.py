"""Long lists a page at a time: the page size the person chose, the sort they asked for (from a
whitelist), and the page numbers to link to. Every list page uses these, so paging, sorting and
their links look and behave the same everywhere (``templates/common/_pager.html`` and
``_sort_headers.html``)."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from django.core.paginator import Page, Paginator

PAGE_SIZES = (50, 100)


@dataclass(frozen=True)
class SortColumn:
    key: str
    label: str
    aria_sort: str | None  # "ascending"/"descending" on the sorted column only
    next_dir: str  # the direction its header link asks for


@dataclass(frozen=True)
class Sorting:
    key: str
    direction: str  # "asc" or "desc"
    columns: list[SortColumn]

    @property
    def sign(self) -> str:
        """The prefix of ``order_by`` fields for this direction."""
        return "-" if self.direction == "desc" else ""


def sorting(labels: Mapping[str, str], key: str, direction: str, *, default: str) -> Sorting:
    """The sort asked for, if ``labels`` offers it (else ``default``, ascending), with the
    column headers that link to the other sorts."""
    key = key if key in labels else default
    direction = "desc" if direction == "desc" else "asc"
    columns = [
        SortColumn(
            key=column,
            label=label,
            aria_sort=(
                ("descending" if direction == "desc" else "ascending") if column == key else None
            ),
            next_dir="desc" if column == key and direction == "asc" else "asc",
        )
        for column, label in labels.items()
    ]
    return Sorting(key=key, direction=direction, columns=columns)


@dataclass(frozen=True)
class Paged:
    page: Page  # this page's items; ``page.paginator.count`` is the whole (filtered) list
    per: int
    links: list[int | None]  # page numbers around this one; None: a gap

    @property
    def items(self) -> list:
        return list(self.page.object_list)


def page_size(per, sizes: Sequence[int] = PAGE_SIZES) -> int:
    """The page size asked for if it is offered, else the first offered."""
    return int(per) if str(per) in {str(size) for size in sizes} else sizes[0]


def paged(
    items, *, per, page, sizes: Sequence[int] = PAGE_SIZES, count: int | None = None
) -> Paged:
    """Page ``page`` of ``items`` (a queryset: only that page is fetched, plus one COUNT unless
    ``count`` says how many there are, counted beside the page's other counts); junk or
    out-of-range ``page``/``per`` fall back to the first or last page and the first size."""
    size = page_size(per, sizes)
    paginator = Paginator(items, size)
    if count is not None:
        paginator.count = count  # a cached_property: set, it is not counted again
    current = paginator.get_page(page)
    links = paginator.get_elided_page_range(current.number, on_each_side=2, on_ends=1)
    return Paged(
        page=current, per=size, links=[None if n == paginator.ELLIPSIS else n for n in links]
    )


def listing_params(request) -> dict[str, str]:
    """What a list page reads from its URL (``?sort=&dir=&per=&page=``), as the keyword arguments
    of its read function, which checks them against what it offers."""
    get = request.GET.get
    return {
        "sort": get("sort", ""),
        "direction": get("dir", ""),
        "per": get("per", ""),
        "page": get("page", ""),
    }
