"""Time-zone names: the current IANA names people choose from, and the legacy aliases
(``Asia/Calcutta``, ``Europe/Kiev``, ``US/Eastern``) that browsers and old rows still carry.

Both come from the tz database the zones are read from (the system's or the ``tzdata``
package's): ``zone.tab`` names every current zone, one per country and region (so
``Europe/Oslo`` stays even though it shares Berlin's rules), and ``tzdata.zi``'s ``L`` lines
map each other name to its target.
"""

import zoneinfo
from functools import cache
from importlib import resources
from pathlib import Path

UTC = "UTC"
UTC_ALIASES = {"Etc/UTC", "Etc/GMT", "Etc/UCT", "Etc/Universal", "Etc/Zulu"}


def _tz_file(name: str) -> str:
    """A file of the tz database zoneinfo reads, or "" when there is none."""
    for root in zoneinfo.TZPATH:
        path = Path(root) / name
        if path.is_file():
            return path.read_text(encoding="utf-8")
    try:
        return resources.files("tzdata").joinpath("zoneinfo", name).read_text(encoding="utf-8")
    except (ModuleNotFoundError, FileNotFoundError):
        return ""


@cache
def canonical_names() -> frozenset[str]:
    """The current zone names, UTC included."""
    names = {
        line.split("\t")[2]
        for line in _tz_file("zone.tab").splitlines()
        if line and not line.startswith("#")
    }
    if not names:  # no zone.tab: keep every region name, as before
        names = {
            name
            for name in zoneinfo.available_timezones()
            if "/" in name and not name.startswith(("Etc/", "SystemV/", "US/", "posix/", "right/"))
        }
    return frozenset(names | {UTC})


@cache
def legacy_aliases() -> dict[str, str]:
    """Every other name the database links to a current one, e.g. Asia/Calcutta → Asia/Kolkata."""
    current = canonical_names()
    aliases = dict.fromkeys(UTC_ALIASES, UTC)
    for line in _tz_file("tzdata.zi").splitlines():
        if line.startswith("L "):
            _, target, alias = line.split()
            target = UTC if target in UTC_ALIASES else target
            if alias not in current and target in current:
                aliases[alias] = target
    return aliases


def canonical_timezone(name: str) -> str:
    """``name``'s current IANA name: itself, or what a legacy alias now stands for."""
    return legacy_aliases().get(name, name)


@cache
def timezone_choices() -> list[tuple[str, str]]:
    """IANA zone names for select boxes, sorted, without the legacy aliases."""
    names = sorted(canonical_names() - {UTC})
    return [(UTC, UTC), *((name, name.replace("_", " ")) for name in names)]


def is_valid_timezone(name: str) -> bool:
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return False
    return True
