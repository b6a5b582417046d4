"""The inbox, the notification settings, the unsubscribe link, and what the roster shows staff."""

import re
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser

import pytest
from django.core import mail, signing
from django.db import connection
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from courses.editing import course_archive
from courses.enrolment import course_create, member_enrol
from courses.models import Role
from interviews.digest import plan_grading_digests
from interviews.models import Assignment, AssignmentReminderSettings, Submission
from interviews.notices import STAFF_KINDS, STUDENT_KINDS, Kind
from notifications.context_processors import unread_notifications
from notifications.delivery import deliver
from notifications.emails import unsubscribe_token
from notifications.models import Notification, Preference
from tests.factories import make_user
from tests.notifications import notify

INBOX = reverse("notifications:inbox")
SETTINGS = reverse("notifications:preferences")
State = Notification.State
# Noon in Berlin, where the student lives: outside quiet hours.
NOON_BERLIN = datetime(2030, 1, 15, 11, 0, tzinfo=UTC)


def text_of(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def inbox_link_name(html: str) -> str:
    """The accessible name of the navbar's inbox link: its aria-label, else its text."""
    match = re.search(r'<a id="inbox-link"([^>]*)>(.*?)</a>', html, re.S)
    assert match, "no inbox link in the navbar"
    label = re.search(r'aria-label="([^"]*)"', match.group(1))
    return label.group(1) if label else text_of(match.group(2))


# The inbox ---------------------------------------------------------------------------------


def test_inbox_lists_only_the_users_sent_notifications_newest_first(as_user, student, classmate):
    now = datetime(2030, 1, 10, 12, tzinfo=UTC)
    notify(student, n=1, subject="Older reminder", now=now - timedelta(days=2))
    notify(student, n=2, subject="Newer reminder", now=now)
    notify(student, n=3, subject="Planned, not yet sent", state=State.PENDING)
    notify(student, n=4, subject="Cancelled one", state=State.CANCELLED)
    notify(student, n=5, subject="Failed one", state=State.FAILED)
    notify(classmate, n=6, subject="The classmate's reminder")

    page = as_user(student).get(INBOX).content.decode()

    assert page.index("Newer reminder") < page.index("Older reminder")
    for hidden in ("Planned, not yet sent", "Cancelled one", "Failed one", "classmate's"):
        assert hidden not in page
    assert "Body of reminder 2." in page
    newer = Notification.objects.get(subject="Newer reminder")
    assert reverse("notifications:open", args=[newer.pk]) in page


def test_inbox_marks_unread_items_and_offers_mark_read_only_for_them(as_user, student):
    read = notify(student, n=1, subject="Already read")
    Notification.objects.filter(pk=read.pk).update(read_at=read.sent_at)
    unread = notify(student, n=2, subject="Not read yet")

    page = as_user(student).get(INBOX).content.decode()

    assert "Unread</span>Not read yet" in page
    assert "Unread</span>Already read" not in page
    assert reverse("notifications:mark_read", args=[unread.pk]) in page
    assert reverse("notifications:mark_read", args=[read.pk]) not in page
    assert "Mark all as read" in page


def test_inbox_pages_by_25_newest_first(as_user, student):
    start = datetime(2030, 1, 1, tzinfo=UTC)
    for n in range(30):
        notify(student, n=n, subject=f"Reminder number {n:02d}", now=start + timedelta(hours=n))
    client = as_user(student)

    first = client.get(INBOX).content.decode()
    second = client.get(INBOX, {"page": 2}).content.decode()

    assert first.count('class="list-group-item') == 25
    assert "Reminder number 29" in first and "Reminder number 04" not in first
    assert second.count('class="list-group-item') == 5
    assert "Reminder number 04" in second and "Reminder number 05" not in second
    assert "Page 2 of 2" in second


def test_empty_inbox_says_so_and_offers_no_mark_all(as_user, student):
    page = as_user(student).get(INBOX).content.decode()
    assert "Nothing here yet" in page
    assert "Mark all as read" not in page


def test_mark_read_without_javascript_returns_to_the_same_page(as_user, student):
    item = notify(student, n=1)
    other = notify(student, n=2)

    response = as_user(student).post(
        reverse("notifications:mark_read", args=[item.pk]), {"page": "2"}
    )

    assert response.status_code == 302
    assert response.url == f"{INBOX}?page=2"
    item.refresh_from_db()
    other.refresh_from_db()
    assert item.read_at is not None
    assert other.read_at is None


def test_mark_read_with_htmx_swaps_the_item_and_updates_the_badge(as_user, student):
    item = notify(student, n=1, subject="Swap me")
    notify(student, n=2)
    notify(student, n=3)

    response = as_user(student).post(
        reverse("notifications:mark_read", args=[item.pk]), HTTP_HX_REQUEST="true"
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert f'id="notification-{item.pk}"' in html
    assert "Swap me" in html
    assert "Mark read" not in html and "Unread" not in html
    assert 'hx-swap-oob="true"' in html
    assert inbox_link_name(html) == "Inbox, 2 unread"
    item.refresh_from_db()
    assert item.read_at is not None


def test_marking_read_twice_keeps_the_first_time(as_user, student):
    item = notify(student)
    client = as_user(student)
    client.post(reverse("notifications:mark_read", args=[item.pk]))
    first = Notification.objects.get(pk=item.pk).read_at

    client.post(reverse("notifications:mark_read", args=[item.pk]))

    assert Notification.objects.get(pk=item.pk).read_at == first


def test_mark_all_read_marks_only_the_users_sent_notifications(as_user, student, classmate):
    mine = [notify(student, n=n) for n in range(3)]
    planned = notify(student, n=9, state=State.PENDING)
    theirs = notify(classmate, n=1)

    response = as_user(student).post(reverse("notifications:mark_all_read"), follow=True)

    assert "Marked 3 notifications read." in response.content.decode()
    assert all(Notification.objects.get(pk=n.pk).read_at for n in mine)
    assert Notification.objects.get(pk=planned.pk).read_at is None
    assert Notification.objects.get(pk=theirs.pk).read_at is None


def test_opening_a_notification_marks_it_read_and_goes_to_its_page(as_user, student):
    item = notify(student, url="/courses/7/assignments/3/")

    response = as_user(student).get(reverse("notifications:open", args=[item.pk]))

    assert response.status_code == 302
    assert response.url == "/courses/7/assignments/3/"
    item.refresh_from_db()
    assert item.read_at is not None


@pytest.mark.parametrize(
    "url",
    [
        "https://evil.example/phish",
        "//evil.example/phish",
        "/\\evil.example/phish",
        "\\\\evil.example",
        "javascript:alert(1)",
        " //evil.example",
        "",
    ],
)
def test_opening_never_redirects_off_site(as_user, student, url):
    item = notify(student, url=url)

    response = as_user(student).get(reverse("notifications:open", args=[item.pk]))

    assert response.status_code == 302
    assert response.url == INBOX
    item.refresh_from_db()
    assert item.read_at is not None


@pytest.mark.parametrize("action", ["open", "mark_read"])
def test_someone_elses_or_an_unsent_notification_is_not_found(as_user, student, classmate, action):
    theirs = notify(classmate, n=1)
    planned = notify(student, n=2, state=State.PENDING)
    client = as_user(student)
    method = client.get if action == "open" else client.post

    for target in (theirs, planned):
        response = method(reverse(f"notifications:{action}", args=[target.pk]))
        assert response.status_code == 404
    assert not Notification.objects.filter(read_at__isnull=False).exists()


def test_navbar_shows_the_unread_count_with_an_accessible_label(as_user, student):
    for n in range(3):
        notify(student, n=n)
    read = notify(student, n=4)
    Notification.objects.filter(pk=read.pk).update(read_at=read.sent_at)
    notify(student, n=5, state=State.PENDING)

    page = as_user(student).get(reverse("courses:mine")).content.decode()

    assert inbox_link_name(page) == "Inbox, 3 unread"
    assert re.search(r'<span class="badge[^"]*">3</span>', page)  # what sighted people see


def test_navbar_shows_no_badge_when_everything_is_read(as_user, student):
    page = as_user(student).get(reverse("courses:mine")).content.decode()
    assert inbox_link_name(page) == "Inbox"


def test_unread_count_costs_one_query_and_none_for_anonymous_visitors(student):
    from django.contrib.auth.models import AnonymousUser

    notify(student, n=1)
    notify(student, n=2)
    request = RequestFactory().get("/")
    request.user = AnonymousUser()
    with CaptureQueriesContext(connection) as anonymous:
        assert unread_notifications(request) == {}
    request.user = student
    with CaptureQueriesContext(connection) as signed_in:
        count = unread_notifications(request)["unread_notification_count"]
        assert (count(), count()) == (2, 2)
    assert len(anonymous) == 0
    assert len(signed_in) == 1


def test_anonymous_pages_run_no_unread_query(client, student):
    notify(student)
    with CaptureQueriesContext(connection) as queries:
        client.get(reverse("account_login"))
    assert not [q for q in queries if "notifications_notification" in q["sql"]]


def _inbox_queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(INBOX).status_code == 200
    return len(queries)


def test_inbox_queries_do_not_grow_with_the_number_of_notifications(as_user, student):
    client = as_user(student)
    for n in range(5):
        notify(student, n=n)
    few = _inbox_queries(client)
    for n in range(5, 60):
        notify(student, n=n)
    many = _inbox_queries(client)

    assert few == many
    assert many <= 5  # session, user, the paginator's count, the page's rows, the unread count


# Settings ----------------------------------------------------------------------------------


class FormAudit(HTMLParser):
    """Collects checkboxes, labels, fieldsets with legends and h1s of a page."""

    def __init__(self):
        super().__init__()
        self.checkboxes, self.label_for, self.h1 = [], set(), 0
        self.fieldsets, self.legends, self._open = 0, 0, []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "input" and attrs.get("type") == "checkbox":
            self.checkboxes.append(attrs)
        elif tag == "label" and "for" in attrs:
            self.label_for.add(attrs["for"])
        elif tag == "h1":
            self.h1 += 1
        elif tag == "fieldset":
            self.fieldsets += 1
        elif tag == "legend":
            self.legends += 1


def test_settings_page_lists_every_kind_grouped_with_a_sentence_each(as_user, assistant, course):
    response = as_user(assistant).get(SETTINGS)
    html = response.content.decode()
    audit = FormAudit()
    audit.feed(html)

    assert response.status_code == 200
    assert audit.h1 == 1
    assert audit.fieldsets == audit.legends == 4  # own work, staff, email, courses
    assert "<legend" in html and "Reminders about your own work" in html
    assert "For course staff" in html
    for kind in Kind:
        assert kind.label in html
    assert "A week after an interview with no reply logged" in html
    unlabelled = [c for c in audit.checkboxes if c.get("id") not in audit.label_for]
    assert not unlabelled
    # Every kind on, email on, nothing muted: the defaults.
    assert len(audit.checkboxes) == len(Kind) + 1 + 1
    assert all("checked" in c for c in audit.checkboxes if c["name"] != "muted_courses")
    assert "Mute CAR 101 Career Exploration" in html
    assert "Reminders appear in your inbox here as soon as they are due" in html
    assert "Emails wait until 08:00 if they fall in your quiet hours (21:00–08:00" in html


def test_student_is_not_offered_the_staff_kinds(as_user, student, course):
    html = as_user(student).get(SETTINGS).content.decode()

    assert "Reminders about your own work" in html
    assert "For course staff" not in html
    for kind in STAFF_KINDS:
        assert kind.label not in html


def test_settings_show_each_courses_real_reminder_days(as_user, instructor, student, course):
    second = course_create(creator=instructor, title="Second course", time_zone="UTC")
    member_enrol(course=second, user=student, role=Role.STUDENT)
    due = datetime(2030, 3, 1, tzinfo=UTC)
    published = Assignment.State.PUBLISHED
    common = {"state": published, "writeup_due_at": due, "created_by": instructor}
    Assignment.objects.create(course=course, title="Informational interview", **common)
    custom = Assignment.objects.create(course=second, title="Second interview", **common)
    AssignmentReminderSettings.objects.create(assignment=custom, before_days=[1, 7])
    other = Assignment.objects.create(course=second, title="Quiet one", **common)
    AssignmentReminderSettings.objects.create(assignment=other, before_days=[])
    Assignment.objects.create(course=second, title="Draft", **{**common, "state": "draft"})

    text = text_of(as_user(student).get(SETTINGS).content.decode())

    assert "Three days and one day" not in text
    assert "CAR 101 Career Exploration: 3 days and 1 day before" in text
    assert "Second course: 7 days and 1 day before (Second interview)" in text
    assert "Second course: no reminders before due dates (Quiet one)" in text
    assert "Draft" not in text


def test_settings_page_query_count_does_not_grow_with_courses(
    as_user, instructor, student, course, django_assert_max_num_queries
):
    client = as_user(student)
    client.get(SETTINGS)
    with CaptureQueriesContext(connection) as one_course:
        client.get(SETTINGS)
    due = datetime(2030, 3, 1, tzinfo=UTC)
    for n in range(6):
        extra = course_create(creator=instructor, title=f"Course {n}", time_zone="UTC")
        member_enrol(course=extra, user=student, role=Role.STUDENT)
        assignment = Assignment.objects.create(
            course=extra, title=f"Interview {n}", state=Assignment.State.PUBLISHED,
            writeup_due_at=due, created_by=instructor,
        )  # fmt: skip
        AssignmentReminderSettings.objects.create(assignment=assignment, before_days=[n + 1])

    with django_assert_max_num_queries(len(one_course.captured_queries)):
        response = client.get(SETTINGS)

    assert "Course 5: 6 days before" in text_of(response.content.decode())


def test_saving_settings_turns_kinds_off_mutes_a_course_and_stops_email(as_user, student, course):
    enabled = [k.value for k in STUDENT_KINDS if k != Kind.FOLLOW_UP]

    response = as_user(student).post(
        SETTINGS, {"student_kinds": enabled, "muted_courses": [course.pk]}, follow=True
    )

    assert "Notification settings saved." in response.content.decode()
    preference = Preference.objects.get(user=student)
    # A student is not asked about the staff kinds: they keep what they were (on).
    assert preference.disabled_kinds == [Kind.FOLLOW_UP]
    assert list(preference.muted_courses.all()) == [course]
    assert preference.email_enabled is False
    audit = FormAudit()
    audit.feed(response.content.decode())
    checked = {c["value"] for c in audit.checkboxes if "checked" in c}
    assert Kind.FOLLOW_UP.value not in checked and Kind.THANK_YOU.value in checked
    assert str(course.pk) in checked


def test_unticking_every_box_turns_everything_off(as_user, assistant, course):
    response = as_user(assistant).post(SETTINGS, {})

    assert response.status_code == 302
    preference = Preference.objects.get(user=assistant)
    assert sorted(preference.disabled_kinds) == sorted(k.value for k in Kind)
    assert preference.email_enabled is False


def test_unmuting_keeps_the_mute_of_a_course_no_longer_shown(as_user, student, course, instructor):
    archived = course_create(creator=instructor, title="Last term", time_zone="UTC")
    member_enrol(course=archived, user=student, role=Role.STUDENT)
    preference = Preference.objects.create(user=student)
    preference.muted_courses.set([course, archived])
    course_archive(course=archived, by=archived.created_by, now=timezone.now())

    as_user(student).post(SETTINGS, {"student_kinds": [Kind.THANK_YOU], "email_enabled": "on"})

    assert set(Preference.objects.get(user=student).muted_courses.all()) == {archived}


def test_a_course_the_user_is_not_in_cannot_be_muted(as_user, student, course, other_course):
    response = as_user(student).post(SETTINGS, {"muted_courses": [other_course.pk]})

    assert response.status_code == 200
    assert "Please correct the choices marked below." in response.content.decode()
    assert not Preference.objects.exists()


def _due_row(user, n, **fields):
    return notify(user, n=n, state=State.PENDING, now=NOON_BERLIN - timedelta(minutes=5), **fields)


def test_delivery_cancels_reminders_of_a_muted_course_or_a_kind_turned_off(
    as_user, student, course
):
    as_user(student).post(
        SETTINGS,
        {
            "student_kinds": [k.value for k in STUDENT_KINDS if k != Kind.KEEP_IN_TOUCH],
            "muted_courses": [course.pk],
            "email_enabled": "on",
        },
    )
    muted = _due_row(student, 1, course=course, kind=Kind.MILESTONE_SOON)
    turned_off = _due_row(student, 2, kind=Kind.KEEP_IN_TOUCH)

    counts = deliver([muted.pk, turned_off.pk], now=NOON_BERLIN)

    assert counts["cancelled"] == 2
    assert {n.state for n in Notification.objects.filter(pk__in=[muted.pk, turned_off.pk])} == {
        State.CANCELLED
    }
    assert mail.outbox == []
    assert "Nothing here yet" in as_user(student).get(INBOX).content.decode()


def test_with_email_off_reminders_reach_the_inbox_but_not_the_mailbox(as_user, student, course):
    as_user(student).post(SETTINGS, {"student_kinds": [k.value for k in STUDENT_KINDS]})
    row = _due_row(student, 1, course=course, subject="Inbox only")

    deliver([row.pk], now=NOON_BERLIN)

    row.refresh_from_db()
    assert row.state == State.SENT
    assert mail.outbox == []
    assert "Inbox only" in as_user(student).get(INBOX).content.decode()


def test_reminders_of_other_courses_still_go_out_when_one_is_muted(
    as_user, student, course, instructor
):
    second = course_create(creator=instructor, title="Second course", time_zone="UTC")
    member_enrol(course=second, user=student, role=Role.STUDENT)
    everything = {"student_kinds": [k.value for k in STUDENT_KINDS], "email_enabled": "on"}
    as_user(student).post(SETTINGS, {**everything, "muted_courses": [course.pk]})
    muted = _due_row(student, 1, course=course, subject="About the muted course")
    wanted = _due_row(student, 2, course=second, subject="About the second course")

    deliver([muted.pk, wanted.pk], now=NOON_BERLIN)

    assert Notification.objects.get(pk=muted.pk).state == State.CANCELLED
    assert Notification.objects.get(pk=wanted.pk).state == State.SENT
    assert [m.subject for m in mail.outbox] == ["[Rapport] About the second course"]


# Unsubscribe -------------------------------------------------------------------------------


def unsubscribe_url(user) -> str:
    return reverse("notifications:unsubscribe", args=[unsubscribe_token(user)])


def test_unsubscribe_page_names_the_account_masked_and_changes_nothing(client, student):
    response = client.get(unsubscribe_url(student))
    html = response.content.decode()

    assert response.status_code == 200
    assert "st•••@example.edu" in html
    assert student.email not in html
    assert "Stop all reminder emails" in html
    assert not Preference.objects.exists()


def test_unsubscribe_button_stops_reminder_emails(client, student):
    url = unsubscribe_url(student)
    response = client.post(url)
    html = response.content.decode()

    assert response.status_code == 200
    assert "Reminder emails are off" in html
    assert SETTINGS in html
    assert Preference.objects.get(user=student).email_enabled is False


def test_one_click_unsubscribe_works_without_cookies_or_csrf_token(student):
    Preference.objects.create(user=student, disabled_kinds=[Kind.FOLLOW_UP])
    mail_client = Client(enforce_csrf_checks=True)

    response = mail_client.post(
        unsubscribe_url(student),
        "List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )

    assert response.status_code == 200
    preference = Preference.objects.get(user=student)
    assert preference.email_enabled is False
    assert preference.disabled_kinds == [Kind.FOLLOW_UP]  # the rest of the choices are kept


def test_signed_in_form_posts_still_need_their_csrf_token(student):
    client = Client(enforce_csrf_checks=True)
    client.force_login(student)
    assert client.post(SETTINGS, {"email_enabled": ""}).status_code == 403


def forged_token(kind: str, user) -> str:
    if kind == "garbage":
        return "not-a-token"
    if kind == "signed-for-another-purpose":
        return signing.dumps({"u": user.pk}, salt="some.other.purpose", compress=True)
    real = unsubscribe_token(user)  # "tampered": the signature no longer matches
    return real[:-2] + ("BB" if real.endswith("AA") else "AA")


@pytest.mark.parametrize("kind", ["garbage", "signed-for-another-purpose", "tampered"])
@pytest.mark.parametrize("method", ["get", "post"])
def test_a_forged_unsubscribe_link_is_not_found(client, student, kind, method):
    token = forged_token(kind, student)

    response = getattr(client, method)(reverse("notifications:unsubscribe", args=[token]))

    assert response.status_code == 404
    assert not Preference.objects.exists()


def test_the_link_of_a_deactivated_account_is_not_found(client, student):
    url = unsubscribe_url(student)
    student.is_active = False
    student.save()
    assert client.post(url).status_code == 404


# The roster --------------------------------------------------------------------------------


def _roster(client, course):
    return client.get(reverse("courses:roster", args=[course.pk])).content.decode()


def _row_of(html: str, name: str) -> str:
    match = re.search(rf"<tr>\s*<td>{name}.*?</tr>", html, re.S)
    assert match, f"no roster row for {name}"
    return match.group(0)


def test_roster_shows_staff_who_muted_the_course_or_turned_email_off(
    as_user, instructor, assistant, student, classmate, course, other_course
):
    Preference.objects.create(user=student).muted_courses.set([course])
    Preference.objects.create(user=classmate, email_enabled=False)
    # Muting another course says nothing about this one.
    Preference.objects.create(user=assistant).muted_courses.set([other_course])

    for viewer in (instructor, assistant):
        html = _roster(as_user(viewer), course)
        assert "Reminders muted" in _row_of(html, "Stella Student")
        assert "Reminder emails off" not in _row_of(html, "Stella Student")
        assert "Reminder emails off" in _row_of(html, "Carl Classmate")
        assert "Reminders muted" not in _row_of(html, "Carl Classmate")
        assert "Reminders muted" not in _row_of(html, "Aaron Assistant")


def test_roster_queries_do_not_grow_with_quiet_members(as_user, instructor, course):
    client = as_user(instructor)

    def roster_queries():
        with CaptureQueriesContext(connection) as queries:
            _roster(client, course)
        return len(queries)

    def add_quiet_students(start, count):
        for n in range(start, start + count):
            person = make_user(f"quiet{n}@example.edu", f"Quiet Person {n}")
            member_enrol(course=course, user=person, role=Role.STUDENT)
            Preference.objects.create(user=person, email_enabled=n % 2 == 0).muted_courses.set(
                [course]
            )

    add_quiet_students(0, 2)
    few = roster_queries()
    add_quiet_students(2, 12)
    many = roster_queries()

    assert few == many
    html = _roster(client, course)
    assert html.count(">Reminders muted</span>") == 14
    assert html.count(">Reminder emails off</span>") == 7


# The staff digest --------------------------------------------------------------------------


def _submitted(course, student, *, at):
    assignment = Assignment.objects.create(
        course=course, title=f"Assignment of {course.title}", state=Assignment.State.PUBLISHED,
        writeup_due_at=at + timedelta(days=5), created_by=course.created_by,
    )  # fmt: skip
    Submission.objects.create(
        assignment=assignment, student=student, body="Done", word_count=1, revision=1,
        submitted_revision=1, submitted_at=at,
    )  # fmt: skip


def test_a_muted_course_is_left_out_of_the_staff_digest(
    as_user, instructor, student, classmate, course
):
    # 09:30 in New York, where the instructor lives: their digest hour has come.
    now = datetime(2030, 1, 15, 14, 30, tzinfo=UTC)
    second = course_create(creator=instructor, title="Second course", time_zone="UTC")
    member_enrol(course=second, user=classmate, role=Role.STUDENT)
    _submitted(course, student, at=now - timedelta(hours=3))
    _submitted(second, classmate, at=now - timedelta(hours=2))
    everything = {"student_kinds": [k.value for k in STUDENT_KINDS], "email_enabled": "on"}
    as_user(instructor).post(
        SETTINGS, {**everything, "staff_kinds": [Kind.GRADING_DIGEST], "muted_courses": [course.pk]}
    )

    plan_grading_digests(now=now)

    digest = Notification.objects.get(recipient=instructor, kind=Kind.GRADING_DIGEST)
    assert digest.body == "Second course: 1 new submission"


def test_no_digest_when_only_a_muted_course_has_new_work(instructor, assistant, student, course):
    now = datetime(2030, 1, 15, 14, 30, tzinfo=UTC)
    _submitted(course, student, at=now - timedelta(hours=3))
    Preference.objects.create(user=instructor).muted_courses.set([course])

    plan_grading_digests(now=now)

    assert not Notification.objects.filter(recipient=instructor).exists()
    # The assistant did not mute it and still learns about the new work.
    assert Notification.objects.get(recipient=assistant).body == (
        "Career Exploration: 1 new submission"
    )
