from django.http import HttpResponse, JsonResponse
from django.views.decorators.http import require_GET
from prometheus_client import CONTENT_TYPE_LATEST

from .metrics import exposition
from .permissions import metrics_reader
from .readiness import CHECKS, readiness


@require_GET
def readyz(request):
    """Readiness probe: 200 when every part works, 503 naming the parts that do not.
    ``?part=database&part=redis`` checks only those (a load balancer need not drop a web
    server because beat stopped)."""
    names = [name for name in request.GET.getlist("part") if name in CHECKS]
    parts = readiness(names)
    failed = [part.name for part in parts if not part.ok]
    return JsonResponse(
        {
            "status": "failing" if failed else "ok",
            "failed": failed,
            "parts": {part.name: part.detail for part in parts},
        },
        status=503 if failed else 200,
    )


@require_GET
def metrics(request):
    """Prometheus' scrape, for the holder of ``METRICS_TOKEN`` only (ops/permissions.py)."""
    if not metrics_reader(request):
        response = HttpResponse(
            "A bearer token is required.", status=401, content_type="text/plain"
        )
        response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    return HttpResponse(exposition(), content_type=CONTENT_TYPE_LATEST)
