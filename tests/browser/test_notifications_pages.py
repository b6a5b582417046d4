"""The notification pages in a real browser: no serious accessibility violation (axe) on the
inbox, the settings and the unsubscribe pages, and marking read in place with HTMX."""

import json

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from notifications.emails import unsubscribe_token
from notifications.models import Notification, Preference
from tests.browser.conftest import sign_in
from tests.browser.support import serious_violations
from tests.notifications import notify

pytestmark = pytest.mark.browser
axe = pytest.mark.browser_context_args(bypass_csp=True)  # axe is injected as an inline script


def three_reminders(student):
    notify(student, n=1, subject="Contact chosen by Fri 17 Jan", url="/courses/")
    notify(student, n=2, subject="Send your thank-you note to Priya", url="/courses/")
    read = notify(student, n=3, subject="Get back in touch with Sam", url="")
    Notification.objects.filter(pk=read.pk).update(read_at=read.sent_at)


@pytest.mark.corpus  # a sweep of the pages' accessibility, run by `make corpus`
@axe
def test_notification_pages_have_no_serious_accessibility_violations(
    site_url, page, student, instructor, course
):
    three_reminders(student)
    found = {}
    unsubscribe = site_url + reverse("notifications:unsubscribe", args=[unsubscribe_token(student)])
    page.goto(unsubscribe)
    found["unsubscribe"] = serious_violations(page)
    page.get_by_role("button", name="Stop all reminder emails").click()
    expect(page.get_by_role("heading", name="Reminder emails are off")).to_be_visible()
    found["unsubscribed"] = serious_violations(page)

    sign_in(page, site_url, student.email)
    for name, path in {
        "inbox": reverse("notifications:inbox"),
        "settings": reverse("notifications:preferences"),
    }.items():
        page.goto(site_url + path)
        found[name] = serious_violations(page)

    Preference.objects.filter(user=student).get().muted_courses.set([course])
    page.context.clear_cookies()
    sign_in(page, site_url, instructor.email)
    page.goto(site_url + reverse("courses:roster", args=[course.pk]))
    expect(page.get_by_text("Reminders muted", exact=True)).to_be_visible()
    found["roster"] = serious_violations(page)

    problems = {name: v for name, v in found.items() if v}
    assert not problems, json.dumps(problems, indent=2)


def test_student_marks_a_reminder_read_in_place_and_the_badge_follows(site_url, page, student):
    three_reminders(student)
    sign_in(page, site_url, student.email)
    expect(page.get_by_role("link", name="Inbox, 2 unread")).to_be_visible()

    page.get_by_role("link", name="Inbox, 2 unread").click()
    expect(page.get_by_role("heading", name="Inbox", exact=True)).to_be_visible()
    mark_read = page.get_by_role("button", name="Mark read “Send your thank-you note to Priya”")
    mark_read.click()

    expect(page.get_by_role("link", name="Inbox, 1 unread")).to_be_visible()
    expect(mark_read).to_have_count(0)
    assert page.url.endswith(reverse("notifications:inbox"))  # swapped in place, no reload
    assert Notification.objects.filter(read_at__isnull=True).count() == 1

    page.get_by_role("button", name="Mark all as read").click()
    expect(page.get_by_text("Marked 1 notification read.")).to_be_visible()
    expect(page.get_by_role("link", name="Inbox", exact=True)).to_be_visible()


def test_settings_are_saved_from_the_page_with_labels(site_url, page, student, course):
    sign_in(page, site_url, student.email)
    page.goto(site_url + reverse("notifications:preferences"))

    page.get_by_label("No reply yet: one polite follow-up").uncheck()
    page.get_by_label("Mute CAR 101 Career Exploration").check()
    page.get_by_label("Also send reminders by email").uncheck()
    page.get_by_role("button", name="Save settings").click()

    expect(page.get_by_text("Notification settings saved.")).to_be_visible()
    expect(page.get_by_label("Mute CAR 101 Career Exploration")).to_be_checked()
    expect(page.get_by_label("No reply yet: one polite follow-up")).not_to_be_checked()
    preference = Preference.objects.get(user=student)
    assert preference.email_enabled is False
    assert list(preference.muted_courses.all()) == [course]
