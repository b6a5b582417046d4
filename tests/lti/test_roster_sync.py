"""Roster sync (NRPS) from a real platform (lti1p3platform on loopback, paged roster, OAuth2
client-credentials token) through the Celery tasks: who is added, removed, re-roled, and what
the roster page says."""

import re

import pytest
from celery.exceptions import Retry
from django.conf import settings
from django.core.cache import cache
from django.urls import reverse
from lti_tool.models import Key

from accounts.models import User
from courses.enrolment import member_enrol, member_remove
from courses.models import Membership, Role
from lti.models import CourseLink
from lti.roster_sync import RosterUnavailable
from lti.tasks import sync_all_rosters, sync_roster
from tests.lti.conftest import launch
from tests.lti.platform import INSTRUCTOR, LEARNER, Person


@pytest.fixture
def lms(platform):
    """The platform, able to check Rapport's client assertion (the test client has no JWKS
    URL it could fetch)."""
    platform.tool_key_set = Key.objects.as_jwks()
    return platform


@pytest.fixture
def linked(client, lms):
    """Ines opened Rapport from the LMS course once: the course exists and is linked."""
    launch(client, lms, "ines")
    return CourseLink.objects.select_related("course").get()


def roles_in(course) -> dict[str, str]:
    rows = Membership.objects.filter(course=course).active()
    return dict(rows.values_list("user__full_name", "role"))


def roster_text(client, course) -> str:
    page = client.get(reverse("courses:roster", kwargs={"course_id": course.pk}))
    assert page.status_code == 200
    return re.sub(r"\s+", " ", page.content.decode())


def test_sync_enrols_every_lms_member_with_their_role_across_pages(client, lms, linked):
    assert linked.context.memberships_url == lms.memberships_url

    sync_roster.delay(linked.pk)

    assert roles_in(linked.course) == {
        "Ines Instructor": Role.INSTRUCTOR, "Sam Student": Role.STUDENT,
        "Tara Assistant": Role.ASSISTANT,
    }  # fmt: skip
    assert len(lms.nrps_requests) == 2 and lms.nrps_requests[1].endswith("page=2")
    sam = User.objects.get(full_name="Sam Student")
    assert sam.lti_users.get().sub == "lms-sam"
    assert "Synced from Loopback LMS at " in roster_text(client, linked.course)
    assert ": 2 added, 0 removed, 0 roles changed." in roster_text(client, linked.course)
    cache.clear()  # kept with the course's link, not in the cache (a Redis restart forgets)
    assert ": 2 added, 0 removed, 0 roles changed." in roster_text(client, linked.course)


def test_a_member_whose_address_has_an_account_waits_to_link_it_at_their_launch(
    client, lms, linked
):
    owner = User.objects.create_user(email="sam@lms.example.edu", full_name="Sam's own account")

    sync_roster.delay(linked.pk)

    assert roles_in(linked.course) == {
        "Ines Instructor": Role.INSTRUCTOR, "Tara Assistant": Role.ASSISTANT,
    }  # fmt: skip
    assert not owner.lti_users.exists()
    assert User.objects.filter(email__iexact="sam@lms.example.edu").count() == 1


def test_a_synced_member_launching_later_is_the_same_person(client, lms, linked):
    sync_roster.delay(linked.pk)

    launch(client, lms, "sam")

    assert User.objects.filter(full_name="Sam Student").count() == 1
    assert roles_in(linked.course)["Sam Student"] == Role.STUDENT


def test_members_the_lms_drops_are_removed_and_keep_their_membership_row(client, lms, linked):
    sync_roster.delay(linked.pk)
    del lms.people["sam"]
    lms.people["tara"] = Person("lms-tara", "Tara Assistant", "tara@lms.example.edu", [LEARNER],
                                status="Inactive")  # fmt: skip

    sync_roster.delay(linked.pk)

    assert roles_in(linked.course) == {"Ines Instructor": Role.INSTRUCTOR}
    removed = Membership.objects.filter(course=linked.course, removed_at__isnull=False)
    assert set(removed.values_list("user__full_name", flat=True)) == {
        "Sam Student", "Tara Assistant"
    }  # fmt: skip
    text = roster_text(client, linked.course)
    assert ": 0 added, 2 removed, 0 roles changed." in text
    assert "Sam Student" in text  # listed among the removed, work kept


def test_a_role_changed_in_the_lms_changes_in_rapport(client, lms, linked):
    sync_roster.delay(linked.pk)
    lms.people["tara"] = Person("lms-tara", "Tara Assistant", "tara@lms.example.edu", [INSTRUCTOR])

    sync_roster.delay(linked.pk)

    assert roles_in(linked.course)["Tara Assistant"] == Role.INSTRUCTOR
    assert ": 0 added, 0 removed, 1 role changed." in roster_text(client, linked.course)


def test_sync_never_removes_people_added_in_rapport_or_the_last_instructor(
    client, lms, linked, outsider
):
    member_enrol(course=linked.course, user=outsider, role=Role.STUDENT)  # added by hand
    lms.people.clear()  # the LMS lists nobody, not even Ines

    sync_roster.delay(linked.pk)

    assert roles_in(linked.course) == {
        "Ines Instructor": Role.INSTRUCTOR, outsider.full_name: Role.STUDENT,
    }  # fmt: skip


def test_staff_removal_is_not_undone_but_an_lms_drop_is_when_the_lms_adds_them_back(
    client, lms, linked
):
    sync_roster.delay(linked.pk)
    sam = Membership.objects.get(course=linked.course, user__full_name="Sam Student")
    tara = Membership.objects.get(course=linked.course, user__full_name="Tara Assistant")
    member_remove(membership=sam)  # by Rapport's staff
    tara_person = lms.people.pop("tara")
    sync_roster.delay(linked.pk)  # the LMS dropped Tara
    lms.people["tara"] = tara_person

    sync_roster.delay(linked.pk)

    sam.refresh_from_db()
    tara.refresh_from_db()
    assert not sam.is_active
    assert tara.is_active and tara.role == Role.ASSISTANT
    assert ": 1 added, 0 removed, 0 roles changed." in roster_text(client, linked.course)


def test_an_lms_that_is_down_changes_nothing_and_the_task_fails_for_a_retry(client, lms, linked):
    lms.stop()

    with pytest.raises(Retry) as retry:
        sync_roster.delay(linked.pk)

    assert isinstance(retry.value.exc, RosterUnavailable)

    assert roles_in(linked.course) == {"Ines Instructor": Role.INSTRUCTOR}
    assert "it has not been synced yet" in roster_text(client, linked.course)
    lms.start()  # for the fixture's stop()


def test_beat_syncs_every_linked_course(client, lms, linked):
    entry = next(e for e in settings.CELERY_BEAT_SCHEDULE.values()
                 if e["task"] == "lti.tasks.sync_all_rosters")  # fmt: skip
    assert entry["schedule"] <= 24 * 3600

    assert sync_all_rosters.delay().get() == 1

    assert "Sam Student" in roles_in(linked.course)


def test_sync_now_on_the_roster_page(client, lms, linked, django_capture_on_commit_callbacks):
    text = roster_text(client, linked.course)
    assert "it has not been synced yet" in text
    form = re.search(r'<form method="post" action="([^"]+)">\s*<input type="hidden" '
                     r'name="csrfmiddlewaretoken" value="([^"]+)">\s*<button[^>]*>Sync now<',
                     client.get(reverse("courses:roster", args=[linked.course.pk]))
                     .content.decode())  # fmt: skip
    assert form, "no Sync now form"

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(form[1], {"csrfmiddlewaretoken": form[2]}, follow=True)

    text = re.sub(r"\s+", " ", response.content.decode())
    assert "Roster sync started." in text
    assert ": 2 added, 0 removed, 0 roles changed." in roster_text(client, linked.course)


def test_assistants_see_the_sync_line_without_the_button(client, lms, linked):
    sync_roster.delay(linked.pk)
    launch(client, lms, "tara")

    text = roster_text(client, linked.course)
    assert "Synced from Loopback LMS" in text
    assert "Sync now" not in text
    response = client.post(reverse("lti:roster_sync", args=[linked.course.pk]))
    assert response.status_code == 403


def test_a_launch_syncs_the_roster_once_it_commits_and_not_again_right_away(
    client, lms, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        launch(client, lms, "ines")
    course = CourseLink.objects.get().course
    assert set(roles_in(course)) == {"Ines Instructor", "Sam Student", "Tara Assistant"}
    fetched = len(lms.nrps_requests)

    with django_capture_on_commit_callbacks(execute=True):
        launch(client, lms, "sam")

    assert len(lms.nrps_requests) == fetched  # one sync per course per 5 minutes of launches


def test_a_failing_sync_never_fails_the_launch(client, lms, django_capture_on_commit_callbacks):
    lms.tool_key_set = {"keys": []}  # the LMS cannot check Rapport's token request

    with django_capture_on_commit_callbacks(execute=True):
        response = launch(client, lms, "ines")

    assert response.status_code == 302
    course = CourseLink.objects.get().course
    assert roles_in(course) == {"Ines Instructor": Role.INSTRUCTOR}
    assert lms.nrps_requests == []
