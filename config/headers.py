from django.conf import settings
from django.utils.cache import patch_cache_control


class PrivacyHeadersMiddleware:
    """Keeps signed-in pages out of caches, names no server and turns off browser features.

    - Every response to a signed-in request (pages, redirects, downloads, exports) gets
      ``Cache-Control: private, no-store`` (ASVS V14.3.2), unless the view set its own
      ``Cache-Control`` (``never_cache`` and the attachment download already say no-store).
      Anonymous pages and the static files whitenoise serves keep their caching: this
      middleware sits outside whitenoise, whose responses carry no ``request.user``.
    - ``Permissions-Policy`` (``settings.PERMISSIONS_POLICY``) on every response.
    - No ``Server`` header from the app. gunicorn's own is blanked in ``gunicorn.conf.py``.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and "Cache-Control" not in response:
            patch_cache_control(response, private=True, no_store=True)
        response.headers.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        if "Server" in response:
            del response["Server"]
        return response
