"""A request id that follows a request into its log lines and the Celery tasks it queues.

The proxy's ``X-Request-ID`` is kept when it looks like one (letters, digits, ``-_.``, at most 64),
otherwise a new one is made. It is sent back on the response, put on every log record by
``RequestIdFilter`` (``%(request_id)s``) and carried in the headers of each task published while
the request runs; the worker restores it for the task's own log lines.
"""

import contextvars
import logging
import re
import uuid

from celery.signals import before_task_publish, task_postrun, task_prerun

HEADER = "X-Request-ID"
TASK_HEADER = "rapport_request_id"
_VALID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")

request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")


class RequestIdMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        offered = request.headers.get(HEADER, "")
        value = offered if _VALID.match(offered) else uuid.uuid4().hex
        request.request_id = value
        token = request_id.set(value)
        try:
            response = self.get_response(request)
        finally:
            request_id.reset(token)
        response[HEADER] = value
        return response


class RequestIdFilter(logging.Filter):
    """Adds ``request_id`` to every record ("-" outside a request or task)."""

    def filter(self, record):
        record.request_id = request_id.get()
        return True


def task_published(headers=None, **kwargs):
    current = request_id.get()
    if headers is not None and current != "-":
        headers[TASK_HEADER] = current


_tokens: dict[str, contextvars.Token] = {}


def task_started(task_id=None, task=None, **kwargs):
    carried = getattr(task.request, TASK_HEADER, None) if task is not None else None
    if carried is None and task is not None and task.request.is_eager:
        return  # run in the request's own thread: the request's id is already current
    _tokens[task_id] = request_id.set(carried or "-")


def task_finished(task_id=None, **kwargs):
    token = _tokens.pop(task_id, None)
    if token is not None:
        request_id.reset(token)


def connect() -> None:
    before_task_publish.connect(task_published, weak=False, dispatch_uid="ops.requestid.publish")
    task_prerun.connect(task_started, weak=False, dispatch_uid="ops.requestid.started")
    task_postrun.connect(task_finished, weak=False, dispatch_uid="ops.requestid.finished")
