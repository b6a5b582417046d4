"""Who may see the LTI setup pages. Launch, login and JWKS are open: the id_token is the proof."""

from django.core.exceptions import PermissionDenied


def require_operator(user) -> None:
    """Operators (admin-site staff) only; the view is already behind ``login_required``."""
    if not user.is_staff:
        raise PermissionDenied("Only operators can see the LMS setup values.")
