"""Deployment checks (``manage.py check --deploy``): what production cannot run without.

Emails carry absolute links built on ``SITE_URL`` (common/urls.py), including the
List-Unsubscribe address, a From address and a Message-ID under Rapport's own domain; left at
their development defaults they point at localhost, over plain HTTP, from a made-up domain.
Registered by ``ops.apps.OpsConfig``.
"""

from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import Error, Tags, register
from django.core.mail.message import sanitize_address

LOCAL_NAMES = {"localhost", "127.0.0.1", "::1", "rapport.local", "example.com"}


def _local(host: str) -> bool:
    host = (host or "").lower()
    return not host or host in LOCAL_NAMES or host.endswith((".localhost", ".local"))


@register(Tags.security, deploy=True)
def check_public_addresses(app_configs=None, **kwargs):
    errors = []
    site = urlsplit(settings.SITE_URL or "")
    if not settings.SITE_URL:
        errors.append(
            Error(
                "SITE_URL is not set.",
                hint="Set SITE_URL to the address people open, e.g. https://rapport.example.edu: "
                "links in emails and the List-Unsubscribe header are built on it.",
                id="rapport.E001",
            )
        )
    elif site.scheme != "https" or _local(site.hostname):
        errors.append(
            Error(
                f"SITE_URL is {settings.SITE_URL!r}; it must be a public https:// address.",
                hint="Links in emails and the List-Unsubscribe header are built on SITE_URL.",
                id="rapport.E002",
            )
        )
    sender = settings.DEFAULT_FROM_EMAIL or ""
    try:
        domain = sanitize_address(sender, "utf-8").rpartition("@")[2].rstrip(">") if sender else ""
    except ValueError:
        domain = ""
    if _local(domain):
        errors.append(
            Error(
                f"DEFAULT_FROM_EMAIL is {sender!r}; it must be an address on your own domain.",
                hint='Set DEFAULT_FROM_EMAIL, e.g. "Rapport <rapport@example.edu>", on a domain '
                "whose SPF and DKIM records name your email service.",
                id="rapport.E003",
            )
        )
    if _local(settings.NOTIFICATION_MESSAGE_ID_DOMAIN):
        errors.append(
            Error(
                "NOTIFICATION_MESSAGE_ID_DOMAIN is "
                f"{settings.NOTIFICATION_MESSAGE_ID_DOMAIN!r}; it must be a domain you own.",
                hint="It defaults to SITE_URL's host name in production; set SITE_URL, or set "
                "NOTIFICATION_MESSAGE_ID_DOMAIN to e.g. rapport.example.edu.",
                id="rapport.E004",
            )
        )
    return errors
