"""The background-save protocol, written once for every page that saves as you type: the
write-up (views/writeups.py) and the grading page (views/grading.py). The browser's side is
static/js/autosave-engine.js.

The script posts the page's own form, the fields a plain submit sends (no file), with
``Accept: application/json``; ``revision`` names the revision the input was typed on. Without
that header the same view answers as a plain form post does (a redirect, or the page again),
so every page works without JavaScript. The answers:

- 200 ``{"status": "saved", "revision", "saved_at", "message"}``: saved. ``revision`` is the
  one to type on next, ``saved_at`` ISO 8601 (null while there is nothing to save),
  ``message`` the status line ("Saved at 10:02").
- 400 ``{"status": "invalid", "message", "errors": {field: [text, ...]}}``: nothing saved.
- 409 ``{"status": "conflict", "message", "revision", "saved_at"}``: someone (another tab,
  another grader) saved first and nothing was overwritten; ``revision`` and ``saved_at`` are
  the server's. Posting again with that revision saves over it.

A page adds its own keys to these (the grading page its score and release panel). A browser
that has been signed out gets the login redirect, or 403 from the CSRF check, as any post does.
"""

from datetime import datetime

from django.http import JsonResponse
from django.utils import timezone


def wants_json(request) -> bool:
    """True for the script's background save; a plain form post gets a page."""
    return "application/json" in request.headers.get("Accept", "")


def clock(moment: datetime) -> str:
    """The time of day in the viewer's zone, as status lines show it: "10:02"."""
    return timezone.localtime(moment).strftime("%H:%M")


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def form_errors(form) -> dict[str, list[str]]:
    return {name: [str(error) for error in errors] for name, errors in form.errors.items()}


def saved(*, revision: int, saved_at: datetime | None, message: str, **extra) -> JsonResponse:
    return JsonResponse(
        {
            "status": "saved",
            "revision": revision,
            "saved_at": _iso(saved_at),
            "message": message,
            **extra,
        }
    )


def invalid(form, *, message: str) -> JsonResponse:
    return JsonResponse(
        {"status": "invalid", "message": message, "errors": form_errors(form)}, status=400
    )


def conflict(*, revision: int, saved_at: datetime | None, message: str, **extra) -> JsonResponse:
    return JsonResponse(
        {
            "status": "conflict",
            "revision": revision,
            "saved_at": _iso(saved_at),
            "message": message,
            **extra,
        },
        status=409,
    )
