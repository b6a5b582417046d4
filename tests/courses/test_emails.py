"""The invitation email of ``courses/emails.py``: whatever a course is called, the email carries
no link but its own, and it says who sent it."""

import html
import re

import pytest
from django.conf import settings
from django.core import mail
from django.urls import reverse

from courses.emails import unlinked
from courses.enrolment import course_create, member_enrol
from courses.models import Role
from tests.html_forms import form_action, form_data

PHISHING_TITLE = (
    "IT notice: your password expires today, reset it at https://evil.example.com/reset "
    "or www.evil-login.net (helpdesk@evil.example.com)"
)
# What a mail client makes a link of: a scheme, "www.", a host name with a top-level domain,
# an address. (GitHub's autolink extension and Gmail agree on these.)
LINKABLE = re.compile(
    r"(?:[a-z][a-z0-9+.-]*://|www\.)[^\s<>\"]+"
    r"|[\w.+-]+@[\w-]+(?:\.[\w-]+)+"
    r"|(?<![\w.])[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,}\b",
    re.IGNORECASE,
)


def linkable(text: str) -> set[str]:
    return set(LINKABLE.findall(text))


def html_text(content: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", " ", content))


@pytest.fixture
def phishing_course(outsider, student):
    course = course_create(creator=outsider, title=PHISHING_TITLE, term="www.evil.example.com")
    member_enrol(course=course, user=student, role=Role.STUDENT)
    return course


def invite_by_page(client, course, address, django_capture_on_commit_callbacks):
    url = reverse("courses:invite", args=[course.pk])
    page = client.get(url)
    data = form_data(page, containing="emails", button="Send invitations")
    data["emails"] = address
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(form_action(page, containing="emails", page_url=url), data)
    assert response.status_code == 302
    (message,) = mail.outbox
    return message


def test_link_in_a_course_title_is_no_link_in_the_invitation_email(
    as_user, phishing_course, outsider, django_capture_on_commit_callbacks
):
    message = invite_by_page(
        as_user(outsider), phishing_course, "victim@example.edu", django_capture_on_commit_callbacks
    )
    body_html = message.alternatives[0][0]
    accept_url = re.search(re.escape(settings.SITE_URL.rstrip("/")) + r"/\S+", message.body)[0]
    own = {accept_url, outsider.email, settings.SITE_URL.split("://")[1]}

    assert re.findall(r'href="([^"]*)"', body_html) == [accept_url]
    for part in (message.subject, message.body, html_text(body_html)):
        assert "evil" in part  # the title is still there, in words
        assert not {found for found in linkable(part) if "evil" in found}, part
        assert linkable(part) <= own | {found for o in own for found in linkable(o)}
    assert "https://evil.example.com/reset" not in body_html + message.body + message.subject


def test_invitation_names_the_inviters_verified_address(
    as_user, phishing_course, outsider, django_capture_on_commit_callbacks
):
    message = invite_by_page(
        as_user(outsider), phishing_course, "victim@example.edu", django_capture_on_commit_callbacks
    )

    said = "Otto Outsider <otto.outsider@example.edu> has invited you to join the course"
    assert said in message.body
    assert said in " ".join(html_text(message.alternatives[0][0]).split())


def test_link_in_the_inviters_name_is_no_link_either(
    as_user, phishing_course, outsider, django_capture_on_commit_callbacks
):
    outsider.full_name = "Helpdesk at evil.example.com"
    outsider.save()

    message = invite_by_page(
        as_user(outsider), phishing_course, "victim@example.edu", django_capture_on_commit_callbacks
    )

    assert "evil.example.com" not in message.body + message.alternatives[0][0]
    assert "Helpdesk at evil\u200b.example\u200b.com <otto.outsider@example.edu>" in message.body


@pytest.mark.parametrize(
    "typed",
    ["https://evil.example/x", "WWW.EVIL.COM", "a@b.example", "evil\uff0eexample\u3002com"],
)
def test_unlinked_text_reads_the_same_once_the_invisible_spaces_are_dropped(typed):
    shown = unlinked(typed)

    assert shown.replace("\u200b", "") == typed
    assert not linkable(shown)
