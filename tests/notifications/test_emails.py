"""The reminder email: one message for everything due for one person, with working links."""

import re
from urllib.parse import urlsplit

import pytest
from django.test import Client

from interviews.notices import Kind
from notifications.emails import DigestRenderer, build_digest_message, unsubscribe_url
from notifications.models import Preference
from tests.notifications import notify

SITE = "https://rapport.example.edu"


@pytest.fixture(autouse=True)
def _site_url(settings):
    settings.SITE_URL = SITE


def html_of(message) -> str:
    [(html, mime)] = message.alternatives
    assert mime == "text/html"
    return html


def three_rows(student):
    return [
        notify(student, n=1, subject="Contact chosen by Fri", url="/courses/1/assignments/2/"),
        notify(
            student,
            n=2,
            kind=Kind.THANK_YOU,
            subject="Send your thank-you note to Priya",
            body="A short note the same day is remembered.",
            url="/courses/1/assignments/2/interviews/3/thank-you/",
        ),  # fmt: skip
        notify(student, n=3, kind=Kind.KEEP_IN_TOUCH, subject="Get back in touch", url=""),
    ]


def test_one_reminder_makes_an_email_with_its_subject_body_and_absolute_link(student):
    row = notify(
        student, subject="Write-up due tomorrow: Meet a professional",
        body="“Write-up” for Meet a professional is due Tue 14 Jan, 17:00 CET.",
        url="/courses/1/assignments/2/",
    )  # fmt: skip

    message = build_digest_message(recipient=student, rows=[row])

    assert message.to == [student.email]
    assert message.subject == "[Rapport] Write-up due tomorrow: Meet a professional"
    link = f"{SITE}/courses/1/assignments/2/"
    for body in (message.body, html_of(message)):
        assert "Hello Stella" in body
        assert "Write-up due tomorrow: Meet a professional" in body
        assert link in body
    assert "is due Tue 14 Jan, 17:00 CET." in message.body
    assert f'href="{link}"' in html_of(message)


def test_three_reminders_make_one_email_naming_each_with_its_link(student):
    rows = three_rows(student)

    message = build_digest_message(recipient=student, rows=rows)

    assert message.subject == "[Rapport] 3 reminders: Contact chosen by Fri"
    html = html_of(message)
    for row in rows:
        assert row.subject in message.body
        assert row.subject in html
        if row.url:
            assert f"{SITE}{row.url}" in message.body
            assert f'href="{SITE}{row.url}"' in html
    assert "A short note the same day is remembered." in html
    # The keep-in-touch row has no page: no link to the bare site is invented for it.
    assert html.count("Open in Rapport") == 2
    assert f"{SITE}/notifications/" in message.body  # the inbox
    assert f"{SITE}/notifications/settings/" in message.body


def test_html_body_escapes_what_people_typed(student):
    row = notify(student, subject="<script>alert(1)</script>", body="<img src=x onerror=alert(1)>")

    html = html_of(build_digest_message(recipient=student, rows=[row]))

    assert "<script>alert(1)</script>" not in html
    assert "<img src=x" not in html
    assert "&lt;script&gt;" in html


def test_message_id_is_the_same_for_the_same_reminders_and_differs_for_others(student):
    rows = three_rows(student)

    first = build_digest_message(recipient=student, rows=rows).extra_headers["Message-ID"]
    again = build_digest_message(recipient=student, rows=list(reversed(rows)))
    fewer = build_digest_message(recipient=student, rows=rows[:2])

    assert re.fullmatch(r"<[0-9a-f]{32}@[\w.-]+>", first)
    assert again.extra_headers["Message-ID"] == first
    assert fewer.extra_headers["Message-ID"] != first
    # The header really goes out with the message.
    assert again.message()["Message-ID"] == first


def test_list_unsubscribe_header_url_turns_email_off_with_one_click(student):
    message = build_digest_message(recipient=student, rows=three_rows(student))
    sent = message.message()

    assert sent["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    [url] = re.findall(r"<([^>]+)>", sent["List-Unsubscribe"])
    assert url.startswith(f"{SITE}/notifications/unsubscribe/")
    assert url in message.body  # the same link, for people, in the text

    # What a mail client does (RFC 8058): a bare POST, no cookies, no CSRF token.
    response = Client(enforce_csrf_checks=True).post(
        urlsplit(url).path,
        "List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )

    assert response.status_code == 200
    assert Preference.objects.get(user=student).email_enabled is False


def test_unsubscribe_links_of_two_people_differ_and_each_stops_only_its_own(student, classmate):
    def header_path(user):
        row = notify(user, n=user.pk)
        header = build_digest_message(recipient=user, rows=[row]).extra_headers
        return urlsplit(header["List-Unsubscribe"].strip("<>")).path

    mine, theirs = header_path(student), header_path(classmate)
    assert mine != theirs

    Client().post(theirs)

    assert Preference.objects.get(user=classmate).email_enabled is False
    assert not Preference.objects.filter(user=student).exists()


# Headers --------------------------------------------------------------------------------


def test_a_stored_subject_with_a_line_break_is_rendered_on_one_line(student):
    row = notify(student, subject="Get back in touch with Ann\r\nBcc: everyone@example.edu")

    message = DigestRenderer().render(recipient=student, rows=[row])

    assert message.subject.endswith("Get back in touch with Ann Bcc: everyone@example.edu")
    assert message.message()["Bcc"] is None


def test_the_email_says_it_was_sent_automatically(student, settings):
    settings.DEFAULT_FROM_EMAIL = "Rapport <rapport@example.edu>"

    message = build_digest_message(recipient=student, rows=[notify(student)])

    assert message.message()["Auto-Submitted"] == "auto-generated"
    assert message.message()["From"] == "Rapport <rapport@example.edu>"


def test_the_renderer_makes_the_same_unsubscribe_link_as_reverse(student, time_machine):
    time_machine.move_to("2027-03-02 11:00:00+00:00", tick=False)

    assert DigestRenderer().unsubscribe_url(student) == unsubscribe_url(student)
