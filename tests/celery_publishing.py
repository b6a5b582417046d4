"""The test process's Celery app publishing somewhere real for one test, then as before.

The app remembers what it first published with: its connection and producer pools (kombu keeps
one per broker URL) and its default queue, queues and router. Forgetting them on the way in and
out makes each publish use the configuration of the moment, so one test's broker or queue never
leaks into the next test's (tests/integration, tests/ops, tests/reliability).
"""

from contextlib import contextmanager

from config.celery_app import app as celery_app

_REMEMBERED = ("default_queue", "queues", "router")


def _forget() -> None:
    celery_app._pool = None
    celery_app.amqp._producer_pool = None
    for name in _REMEMBERED:
        celery_app.amqp.__dict__.pop(name, None)


@contextmanager
def celery_publishing(**conf):
    """``celery_app.conf`` updated with ``conf`` (e.g. ``task_always_eager=False``,
    ``broker_url=...``, ``task_default_queue=...``) for the ``with`` block."""
    saved = {key: celery_app.conf[key] for key in conf}
    celery_app.conf.update(conf)
    _forget()
    try:
        yield celery_app
    finally:
        celery_app.conf.update(saved)
        _forget()
