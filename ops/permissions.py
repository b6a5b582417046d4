"""Who may read the operator's endpoints. /healthz/ and /readyz/ are open (probes carry no
credentials and they reveal only which part is down); /metrics/ needs the scraper's token."""

import hmac

from django.conf import settings


def metrics_reader(request) -> bool:
    """Whether the request carries ``Authorization: Bearer <METRICS_TOKEN>``. Without a token
    configured nobody may read; a signed-in session counts for nothing."""
    expected = settings.METRICS_TOKEN
    scheme, _, offered = request.headers.get("Authorization", "").partition(" ")
    return bool(expected) and scheme == "Bearer" and hmac.compare_digest(offered, expected)
