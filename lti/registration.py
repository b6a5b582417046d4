"""LTI Dynamic Registration (IMS LTI-DR 1.0), as Moodle offers it: the platform opens our
registration URL with ``openid_configuration`` (and usually ``registration_token``); we read
its configuration, register ourselves at its registration endpoint and record the platform.

Only an operator may start one: the URL carries a signed, short-lived, single-use token made
by ``manage.py lti_registration_url`` (or shown on the setup page). Without it anyone could
register a "platform" of their own and launch into Rapport.

The JSON is built here rather than with django-lti-dynamic-registration 0.1.2: that add-on's
generic ``LtiMessage.to_dict`` iterates a dict as pairs (it raises), it insists on a
registration token the spec makes optional, sets no timeouts and drops the deployment id the
platform returns.
"""

import logging
import secrets
from datetime import timedelta
from urllib.parse import urlsplit

import requests
from django.core import signing
from django.core.cache import cache
from django.db import transaction
from lti_tool.models import Key, LtiDeployment, LtiRegistration

from common.refused import Refused

from .config import DESCRIPTION, SCOPES, TITLE, tool_urls

log = logging.getLogger(__name__)

SALT = "lti.dynamic-registration"
VALID_FOR = timedelta(days=1)
TIMEOUT_SECONDS = 10
PLATFORM_CONFIGURATION = "https://purl.imsglobal.org/spec/lti-platform-configuration"
TOOL_CONFIGURATION = "https://purl.imsglobal.org/spec/lti-tool-configuration"
CLAIMS = ["iss", "sub", "name", "given_name", "family_name", "email"]


def registration_token_new() -> str:
    """A token for one dynamic registration, valid for a day."""
    return signing.TimestampSigner(salt=SALT).sign(secrets.token_urlsafe(16))


def _token_nonce(token: str) -> str:
    try:
        return signing.TimestampSigner(salt=SALT).unsign(token, max_age=VALID_FOR.total_seconds())
    except signing.BadSignature as error:  # SignatureExpired is one
        raise Refused("This registration link is not valid (expired or mistyped).") from error


def check_token(token: str) -> None:
    """Raises ``Refused`` unless ``token`` is one of ours, unexpired and unused."""
    nonce = _token_nonce(token)
    if cache.get(f"lti-dr-used-{nonce}"):
        raise Refused("This registration link has been used already; make a new one.")


def _same_origin(a: str, b: str) -> bool:
    one, two = urlsplit(a), urlsplit(b)
    return (one.scheme, one.netloc) == (two.scheme, two.netloc)


def platform_configuration(url: str) -> dict:
    """The platform's OpenID configuration, checked as LTI-DR 3.5 asks."""
    try:
        response = requests.get(url, timeout=TIMEOUT_SECONDS)
        response.raise_for_status()
        conf = response.json()
    except (requests.RequestException, ValueError) as error:
        raise Refused(f"Could not read the platform's configuration: {error}") from error
    needed = ("issuer", "authorization_endpoint", "token_endpoint", "jwks_uri",
              "registration_endpoint")  # fmt: skip
    missing = [name for name in needed if not conf.get(name)]
    if missing:
        raise Refused(f"The platform's configuration lacks {', '.join(missing)}.")
    if not url.startswith(conf["issuer"].rstrip("/")) or not _same_origin(url, conf["issuer"]):
        raise Refused("The platform's configuration was not served from its issuer.")
    if not _same_origin(conf["registration_endpoint"], conf["issuer"]):
        raise Refused("The platform's registration endpoint is not at its issuer.")
    return conf


def tool_registration_request() -> dict:
    """What we ask the platform to register (LTI-DR 3.4 client registration request)."""
    urls = tool_urls()
    return {
        "application_type": "web",
        "response_types": ["id_token"],
        "grant_types": ["implicit", "client_credentials"],
        "initiate_login_uri": urls.login,
        "redirect_uris": [urls.tool],
        "client_name": TITLE,
        "jwks_uri": urls.jwks,
        "token_endpoint_auth_method": "private_key_jwt",
        "scope": " ".join(SCOPES),
        TOOL_CONFIGURATION: {
            "domain": urls.domain,
            "description": DESCRIPTION,
            "target_link_uri": urls.tool,
            "claims": CLAIMS,
            "messages": [
                {"type": "LtiResourceLinkRequest", "target_link_uri": urls.tool},
                {"type": "LtiDeepLinkingRequest", "target_link_uri": urls.tool},
            ],
        },
    }


def dynamic_register(
    *, token: str, openid_configuration: str, registration_token: str = ""
) -> LtiRegistration:
    """Register with the platform and record it (active, with the deployment it returns).

    Raises ``Refused`` for a bad link or a platform answer we cannot use; nothing is recorded
    then."""
    nonce = _token_nonce(token)
    conf = platform_configuration(openid_configuration)
    used = f"lti-dr-used-{nonce}"
    # Claimed before we register with the platform, so two tabs cannot both register; given
    # back if the platform refuses, so the operator may try the same link again.
    if not cache.add(used, True, timeout=int(VALID_FOR.total_seconds())):
        raise Refused("This registration link has been used already; make a new one.")
    try:
        return _register(conf, registration_token)
    except Exception:
        cache.delete(used)
        raise


def _register(conf: dict, registration_token: str) -> LtiRegistration:
    headers = {"Authorization": f"Bearer {registration_token}"} if registration_token else {}
    try:
        response = requests.post(
            conf["registration_endpoint"], json=tool_registration_request(), headers=headers,
            timeout=TIMEOUT_SECONDS,
        )  # fmt: skip
        response.raise_for_status()
        answer = response.json()
    except (requests.RequestException, ValueError) as error:
        raise Refused(f"The platform refused the registration: {error}") from error
    client_id = str(answer.get("client_id") or "")
    deployment_id = str((answer.get(TOOL_CONFIGURATION) or {}).get("deployment_id") or "")
    if not client_id:
        raise Refused("The platform's answer has no client_id.")
    product = (conf.get(PLATFORM_CONFIGURATION) or {}).get("product_family_code", "")
    with transaction.atomic():
        registration, _created = LtiRegistration.objects.update_or_create(
            issuer=conf["issuer"],
            client_id=client_id,
            defaults={
                "name": f"{product or 'LMS'} at {urlsplit(conf['issuer']).netloc}"[:255],
                "auth_url": conf["authorization_endpoint"],
                "token_url": conf["token_endpoint"],
                "keyset_url": conf["jwks_uri"],
                "is_active": True,
            },
        )
        if deployment_id:
            LtiDeployment.objects.update_or_create(
                registration=registration, deployment_id=deployment_id,
                defaults={"is_active": True},
            )  # fmt: skip
        if not Key.objects.active().exists():
            Key.objects.generate()
    log.info(
        "LTI dynamic registration: %s client %s deployment %s",
        registration.issuer, client_id, deployment_id or "(none yet)",
    )  # fmt: skip
    return registration
