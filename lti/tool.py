"""django-lti / pylti1p3 wired for Rapport, with the checks pylti1p3 leaves out.

pylti1p3 2.0 validates the state (cookie), the registration (iss + aud), the signature against
the platform's JWKS (exp and iat through PyJWT), the deployment and the message type/version.
It does not: use a nonce only once (it keeps nonces for a reload of the same launch), check
``azp``, refuse every algorithm but RS256 up front, or refuse an unknown deployment (django-lti
creates it, inactive). ``RapportMessageLaunch.validate`` adds those, in the order of the spec.
"""

import hashlib

import requests
from django.core.cache import cache
from lti_tool.models import LtiDeployment
from lti_tool.utils import DjangoToolConfig, _prepare_deployment
from pylti1p3.contrib.django import DjangoCacheDataStorage, DjangoMessageLaunch
from pylti1p3.exception import LtiException

ALGORITHMS = ("RS256",)  # LTI 1.3 (IMS Security Framework 5.1.2): RS256 is the one required
PLATFORM_KEYS_CACHE_SECONDS = 600
PLATFORM_KEYS_TIMEOUT_SECONDS = 5


class PlatformSession(requests.Session):
    """pylti1p3 calls platforms (JWKS, tokens, services) with no timeout; a hung LMS must not
    hang a web process or a worker."""

    def __init__(self, timeout: float = PLATFORM_KEYS_TIMEOUT_SECONDS):
        super().__init__()
        self.timeout = timeout

    def request(self, *args, **kwargs):
        kwargs.setdefault("timeout", self.timeout)
        return super().request(*args, **kwargs)


class LaunchRefused(Exception):
    """A launch or login we will not honour; ``reason`` goes to the log, ``status`` to the page."""

    def __init__(self, reason: str, *, status: int = 403):
        super().__init__(reason)
        self.reason = reason
        self.status = status


class RapportToolConfig(DjangoToolConfig):
    """Deployments are registered by an operator; a launch never creates one."""

    def find_deployment_by_params(self, iss, deployment_id, client_id, *args, **kwargs):
        lookups = {
            "registration__issuer": iss,
            "registration__client_id": client_id,
            "registration__is_active": True,
            "deployment_id": deployment_id,
            "is_active": True,
        }
        if self.registration_uuid is not None:
            lookups["registration__uuid"] = self.registration_uuid
        self.deployment = LtiDeployment.objects.filter(**lookups).first()
        return None if self.deployment is None else _prepare_deployment(self.deployment)

    def find_deployment(self, iss, deployment_id):
        return None  # check_iss_has_one_client() is False: never reached


class RapportMessageLaunch(DjangoMessageLaunch):
    def validate(self):
        if self._restored:
            raise LtiException("Can't validate restored launch")
        self._validated = True
        try:
            self.validate_state().validate_jwt_format()
            self.validate_algorithm()
            self.validate_registration().validate_jwt_signature()
            self.validate_audience()
            self.validate_deployment().validate_message()
            self.use_nonce()
            return self.save_launch_data()
        except Exception:
            self._validated = False
            raise

    def get_public_key(self):
        """The platform's key for this token's ``kid``, from its JWKS (cached); a ``kid`` we have
        not seen fetches the JWKS again once, so a platform's key rotation breaks no launch."""
        try:
            return super().get_public_key()
        except LtiException as error:
            if "Unable to find public key" not in str(error):
                raise
        url = self._registration.get_key_set_url()
        storage = self._public_key_cache_data_storage
        storage.set_value(_key_set_cache_key(url), None, 1)
        self._registration.set_key_set(None)
        return super().get_public_key()

    def validate_algorithm(self):
        alg = self._jwt.get("header", {}).get("alg")
        if alg not in ALGORITHMS:
            raise LtiException(f"id_token algorithm {alg!r} is not accepted (RS256 only)")
        return self

    def validate_audience(self):
        """The client id is the audience; with several audiences ``azp`` must name it."""
        body = self._get_jwt_body()
        client_id = self._registration.get_client_id()
        aud = body.get("aud")
        audiences = aud if isinstance(aud, list) else [aud]
        if client_id not in audiences:
            raise LtiException("id_token audience does not include our client id")
        azp = body.get("azp")
        if (len(audiences) > 1 or azp is not None) and azp != client_id:
            raise LtiException("id_token azp is not our client id")
        return self

    def use_nonce(self):
        """A nonce is good for one launch: deleting it is atomic in the cache, so a replayed
        id_token (or two racing posts of one) finds it gone."""
        nonce = self._get_jwt_body().get("nonce")
        if not nonce:
            raise LtiException('"nonce" is empty')
        storage = self._session_service.data_storage
        key = storage._prepare_key(self._session_service._get_key("nonce", nonce))
        if not cache.delete(key):
            raise LtiException("nonce already used or never issued (replayed id_token?)")
        return self


def _key_set_cache_key(url: str) -> str:
    # pylti1p3's own key for a cached JWKS (MessageLaunch.fetch_public_key)
    return "key-set-url-" + hashlib.md5(url.encode("utf-8")).hexdigest()


def message_launch(request) -> RapportMessageLaunch:
    """The launch in ``request`` (the platform's POST), validated; raises LtiException."""
    launch = RapportMessageLaunch(
        request,
        RapportToolConfig(),
        launch_data_storage=DjangoCacheDataStorage(),
        requests_session=PlatformSession(),
    )
    launch.set_public_key_caching(
        DjangoCacheDataStorage(), cache_lifetime=PLATFORM_KEYS_CACHE_SECONDS
    )
    launch.validate()
    return launch


def restored_launch(request, launch_data: dict) -> RapportMessageLaunch:
    """A launch validated earlier (its id_token's claims, kept in the server-side session while
    the person chose how to sign in), to finish: not validated again, its nonce is spent."""
    launch = RapportMessageLaunch(
        request,
        RapportToolConfig(),
        launch_data_storage=DjangoCacheDataStorage(),
        requests_session=PlatformSession(),
    )
    return (
        launch.set_auto_validation(enable=False)
        .set_jwt({"body": launch_data})
        .set_restored()
        .validate_registration()
    )
