"""How apps above accounts hear that a person changed something their plans depend on.

accounts depends on no other app of ours, so it cannot call them; they register here at start-up
(``AppConfig.ready``) instead. Each hook runs inside the change's transaction, so a hook that
enqueues work should enqueue it on commit.
"""

from collections.abc import Callable


class Hook:
    """Callbacks a higher app registers and a lower one calls, in the order registered."""

    def __init__(self, name: str):
        self.name = name
        self._callbacks: list[Callable] = []

    def register(self, callback: Callable) -> Callable:
        if callback not in self._callbacks:
            self._callbacks.append(callback)
        return callback

    def __call__(self, *args, **kwargs) -> None:
        for callback in self._callbacks:
            callback(*args, **kwargs)


# hook(user): the user's time zone changed.
time_zone_changed = Hook("time zone changed")


class Query(Hook):
    """A hook whose callbacks answer: calling it returns their answers, in the order
    registered. A lower app asks what higher apps add to one of its pages this way."""

    def __call__(self, *args, **kwargs) -> list:
        return [callback(*args, **kwargs) for callback in self._callbacks]
