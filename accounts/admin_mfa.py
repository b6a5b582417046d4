"""The admin is for operators signed in through allauth, with two-factor authentication.

``secure_admin_login`` (wired in ``config/urls.py``) sends ``/admin/login/`` to allauth's sign-in,
so the TOTP step and the failed-login rate limit apply to operators as to everyone. With
``STAFF_REQUIRE_MFA`` on (production), the middleware below keeps staff without an authenticator
out of the admin and sends them to set one up.
"""

from allauth.mfa.models import Authenticator
from allauth.mfa.utils import is_mfa_enabled
from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse

# Recovery codes only back up one of these; alone they are not a second factor.
SECOND_FACTORS = [Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN]

SET_UP_MESSAGE = (
    "The admin site needs two-factor authentication. Set up an authenticator app below, "
    "then open the admin again."
)


def staff_lacks_second_factor(user) -> bool:
    """True when ``user`` may use the admin but has no authenticator app or security key."""
    return (
        user.is_authenticated
        and (user.is_staff or user.is_superuser)
        and not is_mfa_enabled(user, SECOND_FACTORS)
    )


class StaffMFARequiredMiddleware:
    """Sends staff without two-factor authentication from the admin to allauth's TOTP setup.

    Signing out of the admin stays open to them.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if (
            settings.STAFF_REQUIRE_MFA
            and request.path_info.startswith(reverse("admin:index"))
            and request.path_info != reverse("admin:logout")
            and staff_lacks_second_factor(request.user)
        ):
            messages.warning(request, SET_UP_MESSAGE)
            return redirect("mfa_activate_totp")
        return self.get_response(request)
