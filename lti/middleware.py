"""Pages reached through an LMS launch may be shown inside that LMS's iframe — and only there.

A session that began with a launch remembers the platform's origins. Its responses allow
exactly those as ``frame-ancestors`` (instead of ``'none'``, without X-Frame-Options) and, over
HTTPS, send the session and CSRF cookies with ``SameSite=None; Secure`` so the browser keeps
them inside a third-party iframe. Every other session keeps the site's defaults.
"""

from django.conf import settings

SESSION_KEY = "lti_frame_origins"


def mark_embedded(response, origins: list[str]) -> None:
    """Let this response (a login or launch step, before the session knows) be framed."""
    response._lti_frame_origins = list(origins)


class EmbeddedLaunchMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        origins = getattr(response, "_lti_frame_origins", None)
        if origins is None and settings.SESSION_COOKIE_NAME in request.COOKIES:
            session = getattr(request, "session", None)
            origins = session.get(SESSION_KEY) if session is not None else None
        if not origins:
            return response
        response._csp_replace = {"frame-ancestors": ["'self'", *origins]}
        if "X-Frame-Options" in response:
            del response["X-Frame-Options"]
        if request.is_secure():
            for name in (settings.SESSION_COOKIE_NAME, settings.CSRF_COOKIE_NAME):
                if name in response.cookies:
                    response.cookies[name]["samesite"] = "None"
                    response.cookies[name]["secure"] = True
        return response
