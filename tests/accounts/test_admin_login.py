"""Operators reach the admin only through allauth's sign-in: the two-factor step and the
failed-login rate limit apply to them, and with STAFF_REQUIRE_MFA (production) staff without an
authenticator app are sent to set one up first."""

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from allauth.mfa import app_settings as mfa_settings
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, generate_totp_secret, hotp_value
from django.urls import reverse

from accounts.admin_mfa import SET_UP_MESSAGE
from tests.factories import PASSWORD, make_user
from tests.html_forms import form_data

ADMIN = reverse("admin:index")
LOGIN = reverse("account_login")
ROOT = Path(__file__).resolve().parents[2]


def totp_code(secret: str) -> str:
    """What the operator's authenticator app shows now."""
    return format_hotp_value(hotp_value(secret, int(time.time()) // mfa_settings.TOTP_PERIOD))


@pytest.fixture
def operator(db):
    user = make_user("opal.operator@example.edu", "Opal Operator")
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    return user


@pytest.fixture
def operator_secret(operator):
    """The operator has turned on an authenticator app; this is its secret."""
    secret = generate_totp_secret()
    TOTP.activate(operator, secret)
    return secret


def sign_in_with_password(client, email: str, password: str = PASSWORD, next_url: str = ADMIN):
    """Fill in allauth's sign-in form as rendered, having been sent there by the admin."""
    page = client.get(LOGIN, {"next": next_url})
    data = form_data(page, containing="password")
    data.update(login=email, password=password)
    return client.post(f"{LOGIN}?next={next_url}", data)


def throttled(response) -> bool:
    return response.status_code == 429 or (
        response.status_code == 200
        and "Too many failed login attempts" in response.content.decode()
    )


def signed_in_user_id(client):
    return client.session.get("_auth_user_id")


def test_admin_sends_anonymous_visitors_to_allauths_sign_in(client):
    response = client.get(ADMIN, follow=True)

    first, *_, last = [url for url, _ in response.redirect_chain]
    assert urlsplit(first).path == reverse("admin:login")
    target = urlsplit(last)
    assert target.path == LOGIN
    assert parse_qs(target.query)["next"] == [ADMIN]
    assert response.status_code == 200


def test_admin_password_form_no_longer_signs_anyone_in(client, operator):
    response = client.post(
        reverse("admin:login") + f"?next={ADMIN}",
        {"username": operator.email, "password": PASSWORD, "next": ADMIN},
    )

    assert response.status_code == 302
    assert urlsplit(response.url).path == LOGIN
    assert signed_in_user_id(client) is None
    assert client.get(ADMIN).status_code == 302


@pytest.mark.parametrize("staff_require_mfa", [False, True])
def test_operator_with_totp_needs_the_code_as_well_as_the_password(
    client, settings, operator, operator_secret, staff_require_mfa
):
    settings.STAFF_REQUIRE_MFA = staff_require_mfa

    response = sign_in_with_password(client, operator.email)

    # The password alone leads to the code step, not into the admin.
    assert response.status_code == 302
    assert response.url == reverse("mfa_authenticate")
    assert signed_in_user_id(client) is None
    refused = client.get(ADMIN)
    assert refused.status_code == 302
    assert urlsplit(refused.url).path == reverse("admin:login")

    code_page = client.get(reverse("mfa_authenticate"))
    assert code_page.status_code == 200
    wrong = form_data(code_page, containing="code")
    wrong["code"] = f"{(int(totp_code(operator_secret)) + 1) % 1_000_000:06d}"
    assert client.post(reverse("mfa_authenticate"), wrong).status_code == 200
    assert signed_in_user_id(client) is None

    data = form_data(client.get(reverse("mfa_authenticate")), containing="code")
    data["code"] = totp_code(operator_secret)
    response = client.post(reverse("mfa_authenticate"), data)

    assert response.status_code == 302
    assert response.url == ADMIN
    assert int(signed_in_user_id(client)) == operator.pk
    admin = client.get(ADMIN)
    assert admin.status_code == 200
    assert "Site administration" in admin.content.decode()


def test_forty_wrong_passwords_are_throttled_and_the_right_one_then_fails_too(
    client, operator, operator_secret
):
    answers = [
        sign_in_with_password(client, operator.email, password=f"wrong-{n}") for n in range(40)
    ]

    response = sign_in_with_password(client, operator.email)

    # allauth refuses with its form error (per address) or a 429 page (per IP) from then on.
    assert all(throttled(answer) for answer in answers[10:])
    assert throttled(response)
    assert signed_in_user_id(client) is None
    assert client.get(reverse("mfa_authenticate")).status_code == 302  # no code step begun
    assert client.get(ADMIN).status_code == 302


def test_signed_in_person_who_is_not_staff_is_refused_the_admin(as_user, student):
    response = as_user(student).get(ADMIN, follow=True)

    assert response.status_code == 403


# STAFF_REQUIRE_MFA ---------------------------------------------------------------------------


def test_operator_without_an_authenticator_is_sent_to_set_one_up(client, settings, operator):
    settings.STAFF_REQUIRE_MFA = True
    assert sign_in_with_password(client, operator.email).url == ADMIN

    response = client.get(ADMIN)

    assert response.status_code == 302
    assert response.url == reverse("mfa_activate_totp")
    # allauth asks for the password again before a second factor is added.
    confirm = client.get(response.url, follow=True)
    assert confirm.redirect_chain[-1][0].startswith(reverse("account_reauthenticate"))
    assert SET_UP_MESSAGE in confirm.content.decode()
    assert client.get(reverse("admin:notifications_notification_changelist")).status_code == 302
    data = form_data(confirm, containing="password")
    data["password"] = PASSWORD
    setup = client.post(confirm.redirect_chain[-1][0], data, follow=True)
    assert setup.redirect_chain[-1][0] == reverse("mfa_activate_totp")
    page = setup.content.decode()
    assert "Activate" in page

    # The operator scans the secret shown into their app and types the code it shows.
    secret = re.search(r'id="authenticator_secret"[^>]*value="([A-Z2-7=]+)"', page) or re.search(
        r'value="([A-Z2-7=]{16,})"[^>]*id="authenticator_secret"', page
    )
    assert secret, "the setup page shows the secret"
    data = form_data(setup, containing="code")
    data["code"] = totp_code(secret.group(1))
    activated = client.post(reverse("mfa_activate_totp"), data)

    assert activated.status_code == 302
    assert Authenticator.objects.filter(user=operator, type=Authenticator.Type.TOTP).exists()
    admin = client.get(ADMIN)
    assert admin.status_code == 200
    assert "Site administration" in admin.content.decode()


def test_superuser_without_an_authenticator_is_sent_to_set_one_up_but_may_sign_out(
    db, as_user, settings
):
    settings.STAFF_REQUIRE_MFA = True
    superuser = make_user("sam.super@example.edu", "Sam Super")
    superuser.is_staff = superuser.is_superuser = True
    superuser.save()
    client = as_user(superuser)

    opened = client.get(reverse("admin:accounts_user_changelist"))
    signed_out = client.post(reverse("admin:logout"))

    assert opened.status_code == 302
    assert opened.url == reverse("mfa_activate_totp")
    assert signed_out.status_code == 200
    assert signed_in_user_id(client) is None


def test_operator_without_an_authenticator_still_uses_the_rest_of_the_site(
    as_user, settings, operator
):
    settings.STAFF_REQUIRE_MFA = True

    assert as_user(operator).get(reverse("courses:mine")).status_code == 200


def test_without_staff_require_mfa_the_admin_opens_to_a_password_signed_in_operator(
    client, settings, operator
):
    settings.STAFF_REQUIRE_MFA = False
    sign_in_with_password(client, operator.email)

    response = client.get(ADMIN)

    assert response.status_code == 200
    assert "Site administration" in response.content.decode()


def test_production_requires_staff_to_have_two_factor_authentication(tmp_path):
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "SECRET_KEY": "x" * 50,
        "ALLOWED_HOSTS": "rapport.example.edu",
        "REDIS_URL": "redis://127.0.0.1:6379/0",
        "RAPPORT_VAR_DIR": str(tmp_path / "var"),
        "STAFF_REQUIRE_MFA": "false",  # an environment cannot turn it off
    }
    script = (
        "import json, django; django.setup(); from django.conf import settings; "
        "print(json.dumps([settings.STAFF_REQUIRE_MFA, "
        "'accounts.admin_mfa.StaffMFARequiredMiddleware' in settings.MIDDLEWARE]))"
    )

    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True,
        timeout=60,
    )  # fmt: skip

    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1]) == [True, True]
