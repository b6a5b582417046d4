"""Absolute addresses on the site as people reach it (``SITE_URL``), for what leaves a request
behind: emails, calendar feeds, printed logins."""

from django.conf import settings


def absolute_url(path: str = "") -> str:
    """``path`` (from ``/``) on the site: ``absolute_url("/courses/")`` is
    ``https://rapport.example.edu/courses/``; ``absolute_url()`` is the site itself, without a
    trailing slash."""
    return settings.SITE_URL.rstrip("/") + path
