"""LTI Dynamic Registration against the loopback platform (its endpoints follow the IMS LTI-DR
1.0 examples; lti1p3platform has none): what the operator's link does and what it refuses."""

from io import StringIO
from urllib.parse import urlsplit

import pytest
from django.core.management import call_command
from django.urls import reverse
from lti_tool.models import LtiDeployment, LtiRegistration

from lti.registration import registration_token_new
from tests.lti.conftest import PEOPLE, launch
from tests.lti.platform import LoopbackPlatform


@pytest.fixture
def moodle(db):
    """A platform Rapport does not know yet."""
    lms = LoopbackPlatform(
        tool_login_url="http://testserver/lti/login/",
        tool_launch_url="http://testserver/lti/launch/",
        people=dict(PEOPLE),
        client_id="moodle-given-id",
        deployment_id="7",
    ).start()
    yield lms
    lms.stop()


def open_link(client, moodle, signed, **params):
    query = {
        "openid_configuration": moodle.openid_configuration_url,
        "registration_token": moodle.registration_token,
        **params,
    }
    return client.get(reverse("lti:dynamic_registration", kwargs={"signed": signed}), query)


def test_operators_link_registers_rapport_and_the_platform(client, moodle):
    out = StringIO()
    call_command("lti_registration_url", stdout=out)
    signed = urlsplit(out.getvalue().split()[0]).path.rstrip("/").rsplit("/", 1)[1]

    response = open_link(client, moodle, signed)

    assert response.status_code == 200
    assert "Rapport is registered with" in response.content.decode()
    assert f"frame-ancestors 'self' {moodle.base_url}" in response["Content-Security-Policy"]
    registration = LtiRegistration.objects.get(issuer=moodle.issuer)
    assert registration.client_id == "moodle-given-id"
    assert registration.keyset_url == moodle.jwks_url
    assert LtiDeployment.objects.get(registration=registration, is_active=True).deployment_id == "7"
    asked = moodle.registrations[-1]
    assert asked["initiate_login_uri"] == "http://localhost:8000/lti/login/"
    assert asked["redirect_uris"] == ["http://localhost:8000/lti/launch/"]
    assert asked["jwks_uri"] == "http://localhost:8000/lti/jwks/"
    offered = asked["https://purl.imsglobal.org/spec/lti-tool-configuration"]["messages"]
    assert {m["type"] for m in offered} == {"LtiResourceLinkRequest", "LtiDeepLinkingRequest"}
    # and a launch from the newly registered platform works
    assert launch(client, moodle, "ines").status_code == 302


def test_link_works_once(client, moodle):
    signed = registration_token_new()
    assert open_link(client, moodle, signed).status_code == 200

    again = open_link(client, moodle, signed)

    assert again.status_code == 403
    assert "used already" in again.content.decode()
    assert len(moodle.registrations) == 1


@pytest.mark.parametrize(
    ("signed", "params", "reason"),
    [
        ("forged:token", {}, "not valid"),
        (None, {"openid_configuration": ""}, "Open this link from your LMS"),
        (None, {"registration_token": "wrong"}, "refused the registration"),
        (None, {"openid_configuration": "http://127.0.0.1:9/nothing"}, "Could not read"),
    ],
    ids=["forged-link", "no-configuration", "platform-refuses", "unreachable"],
)
def test_bad_registrations_are_refused_and_record_nothing(client, moodle, signed, params, reason):
    response = open_link(client, moodle, signed or registration_token_new(), **params)

    assert response.status_code == 403
    assert reason in response.content.decode()
    assert not LtiRegistration.objects.exists()


def test_configuration_not_served_by_its_issuer_is_refused(client, moodle):
    served_at = moodle.openid_configuration_url  # http://127.0.0.1:<port>/...
    moodle.base_url = moodle.base_url.replace("127.0.0.1", "localhost")  # issuer says localhost

    response = open_link(client, moodle, registration_token_new(), openid_configuration=served_at)

    assert response.status_code == 403
    assert "not served from its issuer" in response.content.decode()
    assert moodle.registrations == []
