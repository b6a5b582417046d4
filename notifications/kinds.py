"""The kinds of notification, registered by the apps that send them.

The engine knows no kind of its own: an app registers each kind it plans or sends (its label,
the sentence under its checkbox on the settings page, and whether it is for people doing the
work or for course staff) from its ``AppConfig.ready``. Rows store the kind's value; a value no
app registers any more still shows, under its value.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import StrEnum


class Audience(StrEnum):
    STUDENT = "student"  # about one's own work
    STAFF = "staff"  # for people who teach or assist a course


@dataclass(frozen=True)
class NotificationKind:
    value: str
    label: str
    help: str
    audience: Audience = Audience.STUDENT
    # Lines shown under the kind's checkbox for one person (e.g. when the reminders come in each
    # of their courses); called with the user when the settings page is drawn.
    details: Callable[..., list[str]] | None = None


_registry: dict[str, NotificationKind] = {}


def register(kinds: Iterable[NotificationKind]) -> None:
    """Add ``kinds`` (again: a kind registered twice is replaced, in its first place)."""
    for kind in kinds:
        _registry[kind.value] = kind


def registered(audience: Audience | None = None) -> list[NotificationKind]:
    """The registered kinds in the order registered, optionally only one audience's."""
    return [k for k in _registry.values() if audience is None or k.audience == audience]


def kind_label(value: str) -> str:
    kind = _registry.get(value)
    return kind.label if kind else value
