"""Registering a platform, Rapport's keys and JWKS, the values each LMS's form asks for, and
what makes launched pages work inside the LMS's iframe."""

from io import StringIO
from urllib.parse import parse_qsl, urlsplit

import pytest
from django.core.management import call_command
from django.urls import reverse
from lti_tool.models import Key, LtiDeployment, LtiRegistration

from tests.factories import make_user
from tests.lti.conftest import launch


def test_register_command_records_the_platform_and_its_deployments(db):
    out = StringIO()
    call_command(
        "lti_register", name="Canvas", issuer="https://canvas.instructure.com",
        client_id="10000000000001", deployment_ids=["1:abc", "2:def"],
        auth_url="https://sso.canvaslms.com/api/lti/authorize_redirect",
        token_url="https://sso.canvaslms.com/login/oauth2/token",
        jwks_url="https://sso.canvaslms.com/api/lti/security/jwks", stdout=out,
    )  # fmt: skip

    registration = LtiRegistration.objects.get()
    assert registration.client_id == "10000000000001"
    assert registration.keyset_url == "https://sso.canvaslms.com/api/lti/security/jwks"
    deployments = LtiDeployment.objects.filter(registration=registration, is_active=True)
    assert sorted(deployments.values_list("deployment_id", flat=True)) == ["1:abc", "2:def"]
    assert "Registered Canvas" in out.getvalue()
    assert "Login URL: http://localhost:8000/lti/login/" in out.getvalue()
    assert Key.objects.active().count() == 1


def test_rotating_the_key_keeps_the_old_one_published_until_retired(client, db):
    call_command("lti_rotate_key", stdout=StringIO())
    first = Key.objects.get()
    call_command("lti_rotate_key", stdout=StringIO())

    kids = [key["kid"] for key in client.get(reverse("lti:jwks")).json()["keys"]]
    assert len(kids) == 2 and str(first) in kids
    newest = Key.objects.active().latest()
    assert newest != first  # signing uses the newest

    Key.objects.filter(pk=first.pk).update(
        datetime_created=first.datetime_created.replace(year=2020)
    )
    out = StringIO()
    call_command("lti_rotate_key", retire_only=True, retire_older_than_days=30, stdout=out)

    assert "Retired 1 key(s)" in out.getvalue()
    kids = [key["kid"] for key in client.get(reverse("lti:jwks")).json()["keys"]]
    assert kids == [str(newest)]
    assert all(key["alg"] == "RS256" and key["use"] == "sig" for key in client.get(
        reverse("lti:jwks")).json()["keys"])  # fmt: skip


def test_canvas_configuration_json_names_rapports_urls(client, db):
    data = client.get(reverse("lti:canvas_config")).json()

    assert data["title"] == "Rapport"
    assert data["oidc_initiation_url"] == "http://localhost:8000/lti/login/"
    assert data["target_link_uri"] == "http://localhost:8000/lti/launch/"
    assert data["public_jwk_url"] == "http://localhost:8000/lti/jwks/"
    canvas = data["extensions"][0]
    assert canvas["platform"] == "canvas.instructure.com"
    assert canvas["domain"] == "localhost:8000"
    placements = {p["placement"]: p["message_type"] for p in canvas["settings"]["placements"]}
    # The course's menu launches; placing Rapport in a module or an assignment deep-links.
    assert placements == {
        "course_navigation": "LtiResourceLinkRequest",
        "link_selection": "LtiDeepLinkingRequest",
        "assignment_selection": "LtiDeepLinkingRequest",
    }


def test_operator_sees_the_moodle_form_values(client, db):
    operator = make_user("op@example.edu", "Olga Operator")
    operator.is_staff = True
    operator.save()
    client.force_login(operator)

    page = client.get(reverse("lti:setup")).content.decode()

    for value in ("Tool URL", "http://localhost:8000/lti/launch/", "Initiate login URL",
                  "http://localhost:8000/lti/login/", "Public keyset",
                  "http://localhost:8000/lti/jwks/", "Redirection URI(s)",
                  "http://localhost:8000/lti/canvas.json"):  # fmt: skip
        assert value in page


def test_cookie_check_page_runs_under_the_sites_csp(client, platform):
    """Without ``lti1p3_new_window`` Rapport first answers pylti1p3's cookie check page (it
    offers a new window when cookies are blocked); its inline script is allowed by hash only."""
    url = urlsplit(platform.login_initiation_url("ines"))
    response = client.get(url.path, dict(parse_qsl(url.query)))

    assert response.status_code == 200
    assert "Open Rapport in a new window" in response.content.decode()
    csp = response["Content-Security-Policy"]
    script_src = next(d for d in csp.split(";") if d.strip().startswith("script-src"))
    assert "'sha256-" in script_src and "unsafe-inline" not in script_src
    assert f"frame-ancestors 'self' {platform.base_url}" in csp


@pytest.mark.parametrize("secure", [True, False], ids=["https", "http"])
def test_launched_session_may_be_framed_by_its_platform_only(client, platform, secure):
    response = launch(client, platform, "ines", secure=secure)

    session_cookie = response.cookies["sessionid"]
    if secure:
        assert session_cookie["samesite"] == "None" and session_cookie["secure"]
    else:
        assert session_cookie["samesite"] == "Lax"
    page = client.get(response.url, secure=secure)
    assert f"frame-ancestors 'self' {platform.base_url}" in page["Content-Security-Policy"]
    assert "X-Frame-Options" not in page


def test_ordinary_session_keeps_the_sites_cookie_and_frame_rules(client, instructor):
    client.force_login(instructor)
    page = client.get(reverse("courses:mine"), secure=True)

    assert "frame-ancestors 'none'" in page["Content-Security-Policy"]
    assert page["X-Frame-Options"] == "DENY"
