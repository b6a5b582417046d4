from urllib.parse import parse_qsl, urlsplit

import pytest
from django.core.management import call_command

from tests.lti.platform import INSTRUCTOR, LEARNER, TEACHING_ASSISTANT, LoopbackPlatform, Person

PEOPLE = {
    "ines": Person("lms-ines", "Ines Instructor", "ines@lms.example.edu", [INSTRUCTOR]),
    "tara": Person("lms-tara", "Tara Assistant", "tara@lms.example.edu", [TEACHING_ASSISTANT]),
    "sam": Person("lms-sam", "Sam Student", "sam@lms.example.edu", [LEARNER]),
}


def register(platform: LoopbackPlatform) -> None:
    call_command(
        "lti_register", name="Loopback LMS", issuer=platform.issuer,
        client_id=platform.client_id, deployment_ids=[platform.deployment_id],
        auth_url=platform.auth_url, token_url=platform.token_url, jwks_url=platform.jwks_url,
    )  # fmt: skip


@pytest.fixture
def platform(db):
    """A platform on loopback, registered in Rapport, whose tool is the test client's server."""
    lms = LoopbackPlatform(
        tool_login_url="http://testserver/lti/login/",
        tool_launch_url="http://testserver/lti/launch/",
        people=dict(PEOPLE),
    ).start()
    register(lms)
    yield lms
    lms.stop()


def login_step(client, platform, person: str, *, secure: bool = False) -> dict:
    """The LMS starts a launch; Rapport answers with the OIDC authentication request, whose
    parameters (state, nonce, redirect_uri...) are returned. ``lti1p3_new_window`` is what the
    cookie check page adds once it has seen that cookies work."""
    url = urlsplit(platform.login_initiation_url(person))
    params = {**dict(parse_qsl(url.query)), "lti1p3_new_window": "1"}
    response = client.get(url.path, params, secure=secure)
    assert response.status_code == 302, response.content[:500]
    target = urlsplit(response.url)
    assert f"{target.scheme}://{target.netloc}{target.path}" == platform.auth_url
    return dict(parse_qsl(target.query))


def launch(client, platform, person: str, *, secure: bool = False):
    """A whole launch through the test client: login initiation, then the platform's post."""
    auth = login_step(client, platform, person, secure=secure)
    answer = platform.answer(auth)
    return client.post(urlsplit(answer["launch_url"]).path, {
        "id_token": answer["id_token"], "state": answer["state"],
    }, secure=secure)  # fmt: skip
