"""How apps above accounts hear that a person changed something their plans depend on.

accounts depends on no other app of ours, so it cannot call them; they register here at start-up
(``AppConfig.ready``) instead. Each hook runs inside the change's transaction, so a hook that
enqueues work should enqueue it on commit.
"""

from collections.abc import Callable

_time_zone_changed: list[Callable] = []


def on_time_zone_changed(hook: Callable) -> Callable:
    """Register ``hook(user)``, called after ``user``'s time zone changed."""
    if hook not in _time_zone_changed:
        _time_zone_changed.append(hook)
    return hook


def time_zone_changed(user) -> None:
    for hook in _time_zone_changed:
        hook(user)
