from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.http import HttpResponse
from django.shortcuts import redirect
from django.templatetags.static import static
from django.urls import include, path
from django.views.decorators.http import require_GET


@require_GET
def healthz(request):
    """Liveness probe for the container orchestrator: the process answers."""
    return HttpResponse("ok", content_type="text/plain")


@require_GET
def favicon(request):
    """Browsers ask for /favicon.ico whatever the page links; send them to the SVG icon."""
    return redirect(static("favicon.svg"))


# Operators sign in through allauth (two-factor step, failed-login rate limit), never through the
# admin's own password form; signed-in non-staff get 403 (accounts/admin_mfa.py has the rest).
admin.site.login = secure_admin_login(admin.site.login)

urlpatterns = [
    path("favicon.ico", favicon, name="favicon"),
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("accounts/", include("accounts.urls")),
    path("healthz/", healthz, name="healthz"),
    path("", include("ops.urls")),  # readyz/ and metrics/ (ops/views.py)
    path("notifications/", include("notifications.urls")),
    path("", include("lti.urls")),
    path("", include("interviews.urls")),
    path("", include("courses.urls")),
]
