"""allauth's emails and pages speak as Rapport: its name (never the host), in sentence case."""

import gettext
import re
from pathlib import Path

from django.conf import settings
from django.core import mail
from django.test import Client
from django.urls import reverse

from tests.factories import PASSWORD

HOSTS = ("example.com", "testserver", "localhost")


def text_of(response) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", response.content.decode()).split())


def heading_and_title(response) -> tuple[str, str]:
    """The text of the page's h1 and of its <title>, spaces collapsed."""
    html = response.content.decode()
    h1 = re.search(r"<h1[^>]*>(.*?)</h1>", html, re.S).group(1)
    title = re.search(r"<title>(.*?)</title>", html, re.S).group(1)
    return " ".join(re.sub(r"<[^>]+>", " ", h1).split()), " ".join(title.split())


def assert_says_rapport(message):
    assert message.subject.startswith("[Rapport] ")
    assert "Hello from Rapport," in message.body
    for host in HOSTS:
        assert f"[{host}]" not in message.subject
        assert f"Hello from {host}" not in message.body
        assert f"on {host}" not in message.body


def test_sign_up_sends_a_verification_email_from_rapport_in_sentence_case(db):
    client = Client()
    client.get(reverse("account_signup"))

    response = client.post(
        reverse("account_signup"),
        {
            "email": "new.person@example.edu",
            "password1": PASSWORD,
            "password2": PASSWORD,
            "full_name": "New Person",
            "time_zone": "Europe/Paris",
        },
    )

    assert response.status_code == 302
    [message] = mail.outbox
    assert message.subject == "[Rapport] Confirm your email address to finish signing up"
    assert_says_rapport(message)
    assert "sign up for Rapport" in message.body
    assert "/accounts/confirm-email/" in message.body
    sent = client.get(response.url)
    assert heading_and_title(sent)[0] == "Verify your email address"


def test_password_reset_email_says_rapport_in_sentence_case(student):
    Client().post(reverse("account_reset_password"), {"email": student.email})

    [message] = mail.outbox
    assert message.subject == "[Rapport] Reset your password"
    assert_says_rapport(message)
    assert "reset the password of your Rapport account" in message.body
    assert "/accounts/password/reset/key/" in message.body


def test_sign_in_sign_up_and_reset_pages_use_sentence_case(db):
    client = Client()
    pages = {
        "account_login": "Sign in",
        "account_signup": "Sign up",
        "account_reset_password": "Password reset",
    }
    for name, heading in pages.items():
        response = client.get(reverse(name))
        text = text_of(response)

        assert heading_and_title(response) == (heading, f"{heading} · Rapport"), name
        for title_case in ("Sign In", "Sign Up", "Password Reset", "Remember Me"):
            assert title_case not in text, (name, title_case)


def test_account_pages_of_a_signed_in_person_use_sentence_case(as_user, student):
    client = as_user(student)
    pages = {
        "account_email": "Email address",
        "account_change_password": "Change password",
        "mfa_index": "Two-factor authentication",
    }
    for name, heading in pages.items():
        response = client.get(reverse(name))

        assert response.status_code == 200, name
        assert heading_and_title(response) == (heading, f"{heading} · Rapport"), name


def test_compiled_wording_matches_the_po_file():
    """The .mo is committed (the image does not run compilemessages): it must be rebuilt from
    the .po whenever the .po changes (msgfmt -o django.mo django.po)."""
    folder = Path(settings.BASE_DIR) / "locale" / "en" / "LC_MESSAGES"
    po = (folder / "django.po").read_text(encoding="utf-8")
    entries = dict(re.findall(r'^msgid "(.+)"\nmsgstr "(.*)"$', po, re.M))
    with open(folder / "django.mo", "rb") as mo:
        compiled = gettext.GNUTranslations(mo)

    assert entries
    assert {msgid: compiled.gettext(msgid) for msgid in entries} == entries
