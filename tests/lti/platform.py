"""A real LTI 1.3 platform on loopback, built on ``lti1p3platform`` (PyPI), not on our code.

It has its own RSA key, serves its JWKS and an OAuth2 client-credentials token endpoint over
HTTP, starts launches (OIDC third-party login initiation) and answers the tool's authentication
request with an id_token signed by ``lti1p3platform`` and an auto-posting form, as an LMS does.
Tests that need a broken token build it from the same claims (``claims_for``) and sign it
themselves, as an attacker or a misconfigured LMS would.
"""

import functools
import html
import json
import threading
import time
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlsplit
from wsgiref.simple_server import WSGIRequestHandler, make_server

import jwt
from jwcrypto.jwk import JWK
from lti1p3platform.ltiplatform import LTI1P3PlatformConfAbstract
from lti1p3platform.message_launch import LTIAdvantageMessageLaunchAbstract
from lti1p3platform.oidc_login import OIDCLoginAbstract
from lti1p3platform.registration import Registration
from lti1p3platform.request import Request

INSTRUCTOR = "http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor"
LEARNER = "http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"
TEACHING_ASSISTANT = (
    "http://purl.imsglobal.org/vocab/lis/v2/membership/Instructor#TeachingAssistant"
)
NRPS_SCOPE = "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly"
NRPS_MEDIA_TYPE = "application/vnd.ims.lti-nrps.v2.membershipcontainer+json"
DEEP_LINK_HINT = "deep-link"  # lti_message_hint of a deep-linking launch
AGS_SCORE_SCOPE = "https://purl.imsglobal.org/spec/lti-ags/scope/score"
AGS_LINEITEM_MEDIA_TYPE = "application/vnd.ims.lis.v2.lineitem+json"
AGS_CONTAINER_MEDIA_TYPE = "application/vnd.ims.lis.v2.lineitemcontainer+json"


def rsa_pem() -> str:
    return (
        JWK.generate(kty="RSA", size=2048).export_to_pem(private_key=True, password=None).decode()
    )


@functools.cache
def platform_key() -> str:
    """The loopback platform's key: one per test run (RSA generation is the slow part)."""
    return rsa_pem()


def public_pem(private_pem: str) -> str:
    return JWK.from_pem(private_pem.encode()).export_to_pem().decode()


@dataclass
class Person:
    sub: str
    name: str
    email: str
    roles: list[str]
    status: str = "Active"  # in the NRPS roster: Active, Inactive or Deleted


class _Request(Request):
    def build_metadata(self, request):
        return request  # already the dict lti1p3platform reads


class _Config(LTI1P3PlatformConfAbstract):
    def init_platform_config(self, **kwargs):
        self.registration_obj = kwargs["registration"]

    def get_registration_by_params(self, **kwargs):
        return self.registration_obj


class _Login(OIDCLoginAbstract):
    def set_lti_message_hint(self, **kwargs):
        self._lti_message_hint = kwargs["hint"]

    def get_redirect(self, url):
        return url


class _Launch(LTIAdvantageMessageLaunchAbstract):
    def render_launch_form(self, launch_data, **kwargs):
        return launch_data


@dataclass
class LoopbackPlatform:
    tool_login_url: str = ""
    tool_launch_url: str = ""
    client_id: str = "rapport-client"
    deployment_id: str = "deployment-1"
    context: dict = field(
        default_factory=lambda: {"id": "ctx-42", "label": "CAR 101", "title": "Career Lab"}
    )
    resource_link_id: str = "rl-1"
    custom: dict = field(default_factory=dict)
    people: dict = field(default_factory=dict)
    registrations: list = field(default_factory=list)  # what tools asked to register (LTI-DR)
    registration_token: str = "reg-token-123"
    private_key: str = field(default_factory=platform_key)
    host: str = "127.0.0.1"  # "localhost" puts it on the live server's site, another origin
    nrps_page_size: int = 2  # small, so that a roster of three already has two pages
    nrps_requests: list = field(default_factory=list)  # the URLs the tool fetched
    deep_link_items: list = field(default_factory=list)  # content items the tool returned
    # The tool's JWKS, handed over when the tool is Django's test client (no server to fetch
    # it from); None: fetched from the tool's /lti/jwks/ as an LMS does.
    tool_key_set: dict | None = None
    # AGS: the course's gradebook columns, every score the tool posted ({"line_item", "score",
    # "content_type"}), every line items query; ``down`` answers 503 to token and AGS requests.
    line_items: list = field(default_factory=list)
    scores: list = field(default_factory=list)
    line_item_queries: list = field(default_factory=list)
    down: bool = False
    tokens_issued: int = 0  # access tokens given out by /token
    # A platform that lets the tool post scores to the launch's own line item and nothing else
    # (no line items service in the AGS claim: only the score scope).
    score_only: bool = False

    def start(self):
        self._server = make_server("127.0.0.1", 0, self._app, handler_class=_Quiet)
        self.base_url = f"http://{self.host}:{self._server.server_port}"
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self):
        self._server.shutdown()
        self._server.server_close()

    # URLs the operator registers in Rapport
    @property
    def issuer(self):
        return self.base_url

    @property
    def auth_url(self):
        return f"{self.base_url}/auth"

    @property
    def token_url(self):
        return f"{self.base_url}/token"

    @property
    def jwks_url(self):
        return f"{self.base_url}/jwks"

    @property
    def openid_configuration_url(self):
        return f"{self.base_url}/.well-known/openid-configuration"

    @property
    def memberships_url(self):
        return f"{self.base_url}/nrps/{self.context['id']}/memberships"

    @property
    def lineitems_url(self):
        return f"{self.base_url}/ags/{self.context['id']}/lineitems"

    def add_line_item(self, *, resource_link_id: str, **fields) -> dict:
        """A gradebook column, as the LMS makes one for a placed link (or the tool asks for)."""
        item = {
            **fields, "id": f"{self.lineitems_url}/{len(self.line_items) + 1}",
            "resourceLinkId": resource_link_id,
        }  # fmt: skip
        self.line_items.append(item)
        return item

    def scores_received(self) -> list[dict]:
        """The scores posted, in order, each as the tool sent it."""
        return [received["score"] for received in self.scores]

    @property
    def deep_link_return_url(self):
        return f"{self.base_url}/deep_link_return"

    def start_url(self, login_hint: str, *, deep_link: bool = False) -> str:
        """Where the LMS's "open Rapport" link points: it starts the OIDC login (with
        ``deep_link``: the instructor's "add content from Rapport" button)."""
        return f"{self.base_url}/start?user={login_hint}" + ("&deep_link=1" if deep_link else "")

    def registration(self) -> Registration:
        return (
            Registration()
            .set_iss(self.issuer)
            .set_client_id(self.client_id)
            .set_deployment_id(self.deployment_id)
            .set_oidc_login_url(self.tool_login_url)
            .set_launch_url(self.tool_launch_url)
            .set_deeplink_launch_url(self.tool_launch_url)
            .set_platform_private_key(self.private_key)
            .set_platform_public_key(public_pem(self.private_key))
        )

    def login_initiation_url(self, login_hint: str, *, deep_link: bool = False) -> str:
        login = _Login(None, _Config(registration=self.registration()))
        login.set_lti_message_hint(hint=DEEP_LINK_HINT if deep_link else self.resource_link_id)
        return login.initiate_login(login_hint)

    def _launch(self, auth_request: dict) -> _Launch:
        person = self.people[auth_request["login_hint"]]
        request = _Request({"method": "GET", "get_data": auth_request, "form_data": {}})
        launch = _Launch(request, _Config(registration=self.registration()))
        launch.set_user_data(person.sub, person.roles, person.name, person.email)
        launch.set_resource_link_claim(self.resource_link_id, title="Informational interviews")
        launch.set_launch_context_claim(
            self.context["id"], context_label=self.context["label"],
            context_title=self.context["title"],
        )  # fmt: skip
        if self.custom:
            launch.set_custom_parameters_claim(self.custom)
        launch.set_nrps(self.memberships_url)
        placed = [i for i in self.line_items if i["resourceLinkId"] == self.resource_link_id]
        launch.set_ags(
            "" if self.score_only else self.lineitems_url,
            lineitem_url=placed[0]["id"] if len(placed) == 1 else None,
            allow_creating_lineitems=True,
        )  # fmt: skip
        if auth_request.get("lti_message_hint") == DEEP_LINK_HINT:
            launch.set_dl(self.deep_link_return_url, title="Add from Rapport")
        return launch

    def answer(self, auth_request: dict) -> dict:
        """The platform's answer to the tool's OIDC authentication request: where to post,
        the id_token (signed by lti1p3platform) and the state."""
        return self._launch(auth_request).lti_launch()

    def claims_for(self, auth_request: dict) -> dict:
        """The claims a genuine id_token for this request carries, unsigned, with iat/exp."""
        launch = self._launch(auth_request)
        launch._registration = self.registration()
        claims, _state = launch.get_launch_data()
        now = int(time.time())
        return {**claims, "iat": now, "exp": now + 300}

    def sign(self, claims: dict, *, private_key: str | None = None, kid: str | None = None):
        key = private_key or self.private_key
        kid = kid or self.registration().get_kid()
        return jwt.encode(claims, key, algorithm="RS256", headers={"kid": kid})

    # The platform's HTTP side
    def _app(self, environ, start_response):
        path = environ["PATH_INFO"]
        query = {k: v[0] for k, v in parse_qs(environ.get("QUERY_STRING", "")).items()}
        config = _Config(registration=self.registration())
        config.get_registration()
        if path == "/jwks":
            return _json(start_response, config.get_jwks())
        if path == "/course":  # the LMS's course page, Rapport embedded in an iframe
            start = f"/start?user={query['user']}" + (
                "&deep_link=1" if "deep_link" in query else ""
            )
            page = _COURSE_PAGE.format(src=html.escape(start))
            start_response("200 OK", [("Content-Type", "text/html; charset=utf-8")])
            return [page.encode()]
        if path == "/start":
            location = self.login_initiation_url(query["user"], deep_link="deep_link" in query)
            start_response("302 Found", [("Location", location)])
            return [b""]
        if path == "/auth":
            data = self.answer(query)
            page = _AUTOPOST.format(
                action=html.escape(data["launch_url"]),
                id_token=html.escape(data["id_token"]),
                state=html.escape(data["state"]),
            )
            start_response("200 OK", [("Content-Type", "text/html; charset=utf-8")])
            return [page.encode()]
        if path == "/.well-known/openid-configuration":  # LTI-DR 1.0, 3.5.2 (its example)
            return _json(start_response, {
                "issuer": self.issuer,
                "authorization_endpoint": self.auth_url,
                "token_endpoint": self.token_url,
                "token_endpoint_auth_methods_supported": ["private_key_jwt"],
                "token_endpoint_auth_signing_alg_values_supported": ["RS256"],
                "jwks_uri": self.jwks_url,
                "registration_endpoint": f"{self.base_url}/register",
                "scopes_supported": ["openid"],
                "response_types_supported": ["id_token"],
                "subject_types_supported": ["public", "pairwise"],
                "id_token_signing_alg_values_supported": ["RS256"],
                "claims_supported": ["sub", "iss", "name", "email"],
                "https://purl.imsglobal.org/spec/lti-platform-configuration": {
                    "product_family_code": "moodle",
                    "version": "4.5",
                    "messages_supported": [{"type": "LtiResourceLinkRequest"}],
                },
            })  # fmt: skip
        if path == "/register":  # LTI-DR 1.0, 3.6: the client registration endpoint
            if environ.get("HTTP_AUTHORIZATION") != f"Bearer {self.registration_token}":
                start_response("401 Unauthorized", [("Content-Type", "application/json")])
                return [b'{"error": "invalid_token"}']
            length = int(environ.get("CONTENT_LENGTH") or 0)
            request = json.loads(environ["wsgi.input"].read(length))
            self.registrations.append(request)
            tool = request["https://purl.imsglobal.org/spec/lti-tool-configuration"]
            return _json(start_response, {
                **request, "client_id": self.client_id,
                "https://purl.imsglobal.org/spec/lti-tool-configuration": {
                    **tool, "deployment_id": self.deployment_id,
                },
            })  # fmt: skip
        if path == "/token":
            length = int(environ.get("CONTENT_LENGTH") or 0)
            form = {
                k: v[0] for k, v in parse_qs(environ["wsgi.input"].read(length).decode()).items()
            }
            if self.down:
                return _unavailable(start_response)
            self._know_tool_keys(config)
            token = config.get_access_token(form)
            self.tokens_issued += 1
            return _json(start_response, token)
        if path.startswith(self.lineitems_url.removeprefix(self.base_url)):
            return self._ags(environ, start_response, config, path)
        if path == self.memberships_url.removeprefix(self.base_url):
            return self._memberships(environ, start_response, config, query)
        if path == "/deep_link_return":
            return self._deep_link_return(environ, start_response, config)
        start_response("404 Not Found", [("Content-Type", "text/plain")])
        return [b"not found"]

    def _memberships(self, environ, start_response, config, query):
        """NRPS 2.0 context membership service: one page of the roster per request, the next
        page named in a ``Link: <...>; rel="next"`` header; a bearer token from /token."""
        token = environ.get("HTTP_AUTHORIZATION", "").removeprefix("Bearer ")
        try:
            allowed = config.validate_token(token, allowed_scopes=[NRPS_SCOPE])
        except Exception:
            allowed = False
        if not allowed:
            start_response("401 Unauthorized", [("Content-Type", "application/json")])
            return [b'{"error": "invalid_token"}']
        self.nrps_requests.append(self.memberships_url + "?" + environ.get("QUERY_STRING", ""))
        members = [
            {
                "user_id": person.sub, "name": person.name, "email": person.email,
                "roles": person.roles, "status": person.status,
            }
            for person in self.people.values()
        ]  # fmt: skip
        page = int(query.get("page", "1"))
        size = self.nrps_page_size
        body = {
            "id": self.memberships_url,
            "context": {"id": self.context["id"], "title": self.context["title"]},
            "members": members[(page - 1) * size : page * size],
        }
        headers = [("Content-Type", NRPS_MEDIA_TYPE)]
        if page * size < len(members):
            headers.append(("Link", f'<{self.memberships_url}?page={page + 1}>; rel="next"'))
        start_response("200 OK", headers)
        return [json.dumps(body).encode()]

    def _ags(self, environ, start_response, config, path):
        """AGS 2.0: the line items service (GET with ``resource_link_id``/``tag`` filters, POST
        to create) and each line item's score publish service (POST ``<line item>/scores``)."""
        if self.down:
            return _unavailable(start_response)
        token = environ.get("HTTP_AUTHORIZATION", "").removeprefix("Bearer ")
        try:
            allowed = config.validate_token(token, allowed_scopes=[AGS_SCORE_SCOPE])
        except Exception:
            allowed = False
        if not allowed:
            start_response("401 Unauthorized", [("Content-Type", "application/json")])
            return [b'{"error": "invalid_token"}']
        url = self.base_url + path
        method = environ["REQUEST_METHOD"]
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = json.loads(environ["wsgi.input"].read(length) or b"null")
        query = {k: v[0] for k, v in parse_qs(environ.get("QUERY_STRING", "")).items()}
        if url == self.lineitems_url and method == "GET":
            self.line_item_queries.append(query)
            filters = {"resourceLinkId": "resource_link_id", "tag": "tag"}
            found = [
                item for item in self.line_items
                if all(item.get(key) == query[arg] for key, arg in filters.items() if arg in query)
            ]  # fmt: skip
            start_response("200 OK", [("Content-Type", AGS_CONTAINER_MEDIA_TYPE)])
            return [json.dumps(found).encode()]
        if url == self.lineitems_url and method == "POST":
            fields = {k: v for k, v in body.items() if k != "resourceLinkId"}
            item = self.add_line_item(resource_link_id=body.get("resourceLinkId", ""), **fields)
            start_response("201 Created", [("Content-Type", AGS_LINEITEM_MEDIA_TYPE)])
            return [json.dumps(item).encode()]
        item = next((i for i in self.line_items if url in (i["id"], i["id"] + "/scores")), None)
        if item is None:
            start_response("404 Not Found", [("Content-Type", "text/plain")])
            return [b"no such line item"]
        if url == item["id"] + "/scores" and method == "POST":
            if body.get("userId") not in {person.sub for person in self.people.values()}:
                start_response("400 Bad Request", [("Content-Type", "text/plain")])
                return [b"unknown userId"]
            self.scores.append({
                "line_item": item["id"], "score": body, "content_type": environ.get("CONTENT_TYPE"),
            })  # fmt: skip
            start_response("200 OK", [("Content-Type", "text/plain")])
            return [b""]
        return _json(start_response, item)

    def _deep_link_return(self, environ, start_response, config):
        """The tool's LtiDeepLinkingResponse, checked against the tool's JWKS; the LMS places
        each content item as a new resource link whose launches carry its custom parameters."""
        length = int(environ.get("CONTENT_LENGTH") or 0)
        form = {k: v[0] for k, v in parse_qs(environ["wsgi.input"].read(length).decode()).items()}
        self._know_tool_keys(config)
        try:
            items = config.validate_deeplinking_resp(form)
            claims = jwt.decode(form["JWT"], options={"verify_signature": False})
            if claims.get("iss") != self.client_id or self.issuer not in claims.get("aud", []):
                raise ValueError("wrong iss or aud")
        except Exception as error:
            start_response("400 Bad Request", [("Content-Type", "text/plain")])
            return [f"deep linking response refused: {error}".encode()]
        self.deep_link_items.extend(items)
        for item in items:
            self.resource_link_id = f"rl-placed-{len(self.deep_link_items)}"
            self.custom = dict(item.get("custom") or {})
            if item.get("lineItem"):  # DL 2.0: the LMS makes the link's gradebook column
                self.add_line_item(resource_link_id=self.resource_link_id, **item["lineItem"])
        titles = "".join(f"<li>{html.escape(item.get('title') or '')}</li>" for item in items)
        start_response("200 OK", [("Content-Type", "text/html; charset=utf-8")])
        return [_PLACED.format(titles=titles).encode()]

    def _know_tool_keys(self, config):
        registration = config.get_registration()
        registration.set_tool_key_set_url(self.tool_jwks_url)
        if self.tool_key_set is not None:
            registration.set_tool_key_set(self.tool_key_set)

    @property
    def tool_jwks_url(self):
        parts = urlsplit(self.tool_launch_url)
        return f"{parts.scheme}://{parts.netloc}/lti/jwks/"


_COURSE_PAGE = """<!DOCTYPE html><html><head><title>LMS course</title></head><body>
<h1>LMS course page</h1>
<iframe id="tool" title="Rapport" src="{src}" width="1000" height="700"></iframe></body></html>"""

_PLACED = """<!DOCTYPE html><html><head><title>LMS</title></head><body>
<h1>Placed in the LMS course</h1><ul>{titles}</ul></body></html>"""

_AUTOPOST = """<!DOCTYPE html><html><head><title>LMS</title></head><body>
<form method="POST" action="{action}" id="f">
<input type="hidden" name="id_token" value="{id_token}">
<input type="hidden" name="state" value="{state}">
<button type="submit">Continue to Rapport</button></form>
<script>document.getElementById("f").submit();</script></body></html>"""


def _unavailable(start_response):
    start_response("503 Service Unavailable", [("Content-Type", "text/plain")])
    return [b"the LMS is down for maintenance"]


def _json(start_response, data):
    start_response("200 OK", [("Content-Type", "application/json")])
    return [json.dumps(data).encode()]


class _Quiet(WSGIRequestHandler):
    def log_message(self, *args):
        pass
