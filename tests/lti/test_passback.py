"""Grade passback (AGS) to a real platform (lti1p3platform on loopback: OAuth2 token, line items
and score services) through the Celery task: what the LMS gradebook receives, exactly once, and
what it never receives."""

import html
import re
import threading
from collections import Counter
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.urls import reverse
from lti_tool.models import Key, LtiLineItem, LtiResourceLink, LtiUser

from accounts.models import User
from common.refused import Refused
from courses.enrolment import member_enrol
from courses.models import Role
from interviews import grading
from interviews.models import Grade
from lti.models import AssignmentLink, CourseLink, ScorePassback
from lti.passback import send_due, send_one, take_due
from lti.tasks import plan_scores, send_scores
from tests.factories import make_assignment, make_submission
from tests.lti.conftest import launch
from tests.lti.platform import LEARNER, Person

START = datetime(2026, 12, 2, 14, 0, tzinfo=UTC)
SCORE_MEDIA_TYPE = "application/vnd.ims.lis.v1.score+json"


@pytest.fixture
def clock(time_machine):
    """Simulated time, still: retries and backoff are read off it."""
    time_machine.move_to(START, tick=False)
    return time_machine


@pytest.fixture
def lms(platform, clock):
    """The platform, able to check Rapport's client assertion (the test client has no JWKS URL
    it could fetch)."""
    platform.tool_key_set = Key.objects.as_jwks()
    return platform


@pytest.fixture
def placed(client, lms):
    """Ines opened Rapport from the LMS and placed the assignment (10 points) as link rl-1; the
    LMS made its gradebook column, out of 10. Sam and Tara opened it from the LMS too."""
    launch(client, lms, "ines")
    link = CourseLink.objects.select_related("course").get()
    assignment = make_assignment(link.course, title="Interview a nurse", points=Decimal("10"))
    lms.add_line_item(resource_link_id="rl-1", scoreMaximum=10, label="Interview a nurse")
    launch(client, lms, "sam")  # the launch carries the line item in its AGS claim
    launch(client, lms, "tara")
    resource_link = LtiResourceLink.objects.get(id_on_platform="rl-1")
    AssignmentLink.objects.create(resource_link=resource_link, assignment=assignment)
    # Recorded from the launch's claim, which names no maximum; known once the LMS is asked.
    LtiLineItem.objects.filter(url=lms.line_items[0]["id"]).update(maximum_score=10)
    return assignment


def person(name: str) -> User:
    return User.objects.get(full_name=name)


def graded(assignment, *, by="Ines Instructor", score="8", comment="Well prepared.", now=None):
    """Sam's write-up, graded (not released)."""
    submission = make_submission(assignment, person("Sam Student"), at=START)
    grade = Grade.objects.filter(submission=submission).first()
    return grading.grade_save(
        submission=submission, grader=person(by), score=Decimal(score), overall_comment=comment,
        expected_revision=grade.revision if grade else 0, now=now or START,
    )  # fmt: skip


def release(grade, capture, *, now=None):
    """Released as the grading page does: the send is kicked once the release commits."""
    with capture(execute=True):
        assert grading.grade_release(grade=grade, by=person("Ines Instructor"), now=now or START)


def stamp(moment: datetime) -> str:
    return moment.isoformat(timespec="milliseconds")


def test_a_released_grade_arrives_once_with_score_maximum_user_and_comment(
    placed, lms, django_capture_on_commit_callbacks
):
    grade = graded(placed)
    release(grade, django_capture_on_commit_callbacks)

    assert lms.scores_received() == [{
        "userId": "lms-sam", "scoreGiven": 8.0, "scoreMaximum": 10.0,
        "comment": "Well prepared.", "activityProgress": "Completed",
        "gradingProgress": "FullyGraded", "timestamp": stamp(START),
    }]  # fmt: skip
    assert lms.scores[0]["content_type"] == SCORE_MEDIA_TYPE
    assert lms.scores[0]["line_item"] == lms.line_items[0]["id"]

    send_scores()  # the next beat ticks
    send_scores(now=START + timedelta(hours=2))
    assert len(lms.scores) == 1
    row = ScorePassback.objects.get()
    assert (row.state, row.attempts, row.sent_at) == (ScorePassback.State.SENT, 1, START)


def test_unreleased_grades_never_leave_rapport(placed, lms, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        graded(placed)
        graded(placed, score="9", comment="Better.")

    send_scores()
    assert lms.scores == []
    assert not ScorePassback.objects.exists()


def test_while_the_lms_is_down_nothing_is_lost_and_it_is_sent_once_when_back(
    placed, lms, clock, django_capture_on_commit_callbacks
):
    lms.down = True
    release(graded(placed), django_capture_on_commit_callbacks)

    row = ScorePassback.objects.get()
    assert row.state == ScorePassback.State.PENDING
    assert (row.attempts, row.next_attempt_at) == (1, START + timedelta(minutes=1))
    assert "503" in row.last_error
    clock.shift(timedelta(minutes=1))
    send_scores()  # still down: the next try waits 2 minutes
    row.refresh_from_db()
    assert (row.attempts, row.next_attempt_at) == (2, START + timedelta(minutes=3))
    assert lms.scores == []

    lms.down = False
    clock.shift(timedelta(minutes=1))
    send_scores()  # back, but the row is not due yet
    assert lms.scores == []
    clock.shift(timedelta(minutes=1))
    send_scores()
    send_scores()
    clock.shift(timedelta(minutes=5))
    send_scores()

    assert [(s["userId"], s["scoreGiven"]) for s in lms.scores_received()] == [("lms-sam", 8.0)]
    row.refresh_from_db()
    assert (row.state, row.last_error) == (ScorePassback.State.SENT, "")


def test_hiding_a_released_grade_withdraws_the_score(
    placed, lms, clock, django_capture_on_commit_callbacks
):
    grade = graded(placed)
    release(grade, django_capture_on_commit_callbacks)
    hidden_at = START + timedelta(minutes=10)
    clock.move_to(hidden_at, tick=False)

    with django_capture_on_commit_callbacks(execute=True):
        assert grading.grade_unrelease(grade=grade, by=person("Ines Instructor"), now=hidden_at)

    withdrawal = lms.scores_received()[1]
    assert withdrawal == {
        "userId": "lms-sam", "activityProgress": "Initialized", "gradingProgress": "NotReady",
        "timestamp": stamp(hidden_at),
    }  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):  # hidden twice: withdrawn once
        grading.grade_unrelease(grade=grade, by=person("Ines Instructor"), now=hidden_at)
    send_scores()
    assert len(lms.scores) == 2

    clock.shift(timedelta(minutes=1))
    release(grade, django_capture_on_commit_callbacks, now=hidden_at + timedelta(minutes=1))
    assert lms.scores_received()[2]["scoreGiven"] == 8.0
    assert len(lms.scores) == 3


def test_a_grade_hidden_before_its_score_left_sends_nothing_at_all(
    placed, lms, clock, django_capture_on_commit_callbacks
):
    lms.down = True
    grade = graded(placed)
    release(grade, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        grading.grade_unrelease(grade=grade, by=person("Ines Instructor"), now=START)
    lms.down = False
    clock.shift(timedelta(hours=1))
    send_scores()

    assert lms.scores == []
    assert not ScorePassback.objects.exists()


def test_a_grade_changed_while_released_is_sent_again_and_only_then(
    placed, lms, clock, django_capture_on_commit_callbacks
):
    grade = graded(placed)
    release(grade, django_capture_on_commit_callbacks)
    later = START + timedelta(minutes=5)
    clock.move_to(later, tick=False)

    with django_capture_on_commit_callbacks(execute=True):
        graded(placed, score="9", comment="Even better after the regrade.", now=later)
    with django_capture_on_commit_callbacks(execute=True):  # saved again, nothing changed
        graded(placed, score="9", comment="Even better after the regrade.", now=later)
    send_scores()

    sent = lms.scores_received()
    assert [(s["scoreGiven"], s["comment"]) for s in sent] == [
        (8.0, "Well prepared."), (9.0, "Even better after the regrade."),
    ]  # fmt: skip
    assert sent[1]["timestamp"] == stamp(later)
    assert lms.tokens_issued == 1  # the access token is kept until it expires


def test_a_grade_waiting_for_review_is_sent_only_once_reviewed_and_released(
    placed, lms, django_capture_on_commit_callbacks
):
    placed.require_review = True
    placed.save(update_fields=["require_review"])
    with django_capture_on_commit_callbacks(execute=True):
        grade = graded(placed, by="Tara Assistant")
    assert grade.needs_review
    with pytest.raises(Refused):
        grading.grade_release(grade=grade, by=person("Ines Instructor"), now=START)
    with django_capture_on_commit_callbacks(execute=True):
        grading.grade_review(grade=grade, reviewer=person("Ines Instructor"), now=START)
    send_scores()
    assert lms.scores == []

    release(grade, django_capture_on_commit_callbacks)
    assert [s["scoreGiven"] for s in lms.scores_received()] == [8.0]


def test_an_assistants_edit_held_for_review_withdraws_then_the_review_sends_it(
    placed, lms, clock, django_capture_on_commit_callbacks
):
    grade = graded(placed)
    release(grade, django_capture_on_commit_callbacks)
    placed.require_review = True
    placed.save(update_fields=["require_review"])
    edited_at = START + timedelta(minutes=5)
    clock.move_to(edited_at, tick=False)

    with django_capture_on_commit_callbacks(execute=True):
        grade = graded(placed, by="Tara Assistant", score="6", now=edited_at)
    assert not grade.is_released  # held back from Sam, so from the LMS too
    assert "scoreGiven" not in lms.scores_received()[1]
    clock.shift(timedelta(minutes=1))
    with django_capture_on_commit_callbacks(execute=True):
        grading.grade_review(
            grade=grade, reviewer=person("Ines Instructor"), now=edited_at + timedelta(minutes=1)
        )

    assert [s.get("scoreGiven") for s in lms.scores_received()] == [8.0, None, 6.0]


def test_the_line_item_is_found_or_created_through_the_line_items_service(
    client, lms, django_capture_on_commit_callbacks
):
    """No column recorded for the placement: Rapport asks the LMS for the link's line item,
    creates it (out of the assignment's points) when there is none, and sends to it."""
    launch(client, lms, "ines")
    course = CourseLink.objects.get().course
    assignment = make_assignment(course, title="Interview a nurse", points=Decimal("20"))
    launch(client, lms, "sam")
    AssignmentLink.objects.create(
        resource_link=LtiResourceLink.objects.get(id_on_platform="rl-1"), assignment=assignment
    )
    release(graded(assignment, score="15"), django_capture_on_commit_callbacks)

    assert lms.line_item_queries == [{"resource_link_id": "rl-1"}]
    (created,) = lms.line_items
    assert created["scoreMaximum"] == 20.0
    assert created["label"] == "Interview a nurse"
    assert created["resourceId"] == str(assignment.pk)
    assert created["tag"] == "rapport"
    assert lms.scores == [{
        "line_item": created["id"], "content_type": SCORE_MEDIA_TYPE,
        "score": {
            "userId": "lms-sam", "scoreGiven": 15.0, "scoreMaximum": 20.0,
            "comment": "Well prepared.", "activityProgress": "Completed",
            "gradingProgress": "FullyGraded", "timestamp": stamp(START),
        },
    }]  # fmt: skip
    assert LtiLineItem.objects.get().url == created["id"]


def test_a_line_item_with_another_maximum_gets_the_score_on_its_scale(
    placed, lms, django_capture_on_commit_callbacks
):
    LtiLineItem.objects.update(maximum_score=100)
    release(graded(placed, score="7.5"), django_capture_on_commit_callbacks)

    (score,) = lms.scores_received()
    assert (score["scoreGiven"], score["scoreMaximum"]) == (75.0, 100.0)


def test_a_score_the_lms_refuses_fails_for_good_and_operators_see_why(
    placed, lms, admin_client, django_capture_on_commit_callbacks
):
    del lms.people["sam"]  # the LMS no longer knows Sam
    release(graded(placed), django_capture_on_commit_callbacks)

    row = ScorePassback.objects.get()
    assert row.state == ScorePassback.State.FAILED
    assert "400" in row.last_error and "unknown userId" in row.last_error
    send_scores(now=START + timedelta(days=1))
    assert ScorePassback.objects.get().attempts == 1  # not retried

    page = admin_client.get(reverse("admin:lti_scorepassback_changelist"))
    assert page.status_code == 200
    assert "unknown userId" in page.content.decode()


def test_a_student_who_never_came_from_the_lms_gets_nothing_sent(
    placed, lms, django_capture_on_commit_callbacks
):
    walk_in = User.objects.create_user(email="walk@example.edu", full_name="Walk In")
    member_enrol(course=placed.course, user=walk_in, role=Role.STUDENT)
    submission = make_submission(placed, walk_in, at=START)
    grade = grading.grade_save(
        submission=submission, grader=person("Ines Instructor"), score=Decimal("9"),
        expected_revision=0, now=START,
    )  # fmt: skip
    release(grade, django_capture_on_commit_callbacks)

    assert lms.scores == []
    assert not ScorePassback.objects.exists()


def test_a_grade_released_before_the_placement_is_caught_up_by_the_hourly_plan(
    placed, lms, django_capture_on_commit_callbacks
):
    link = AssignmentLink.objects.get()
    resource_link = link.resource_link
    link.delete()  # not placed yet
    release(graded(placed), django_capture_on_commit_callbacks)
    assert lms.scores == [] and not ScorePassback.objects.exists()

    AssignmentLink.objects.create(resource_link=resource_link, assignment=placed)
    with django_capture_on_commit_callbacks(execute=True):
        assert plan_scores() == 1
    with django_capture_on_commit_callbacks(execute=True):
        assert plan_scores() == 0  # the next hour: nothing new

    assert [(s["userId"], s["scoreGiven"]) for s in lms.scores_received()] == [("lms-sam", 8.0)]


def test_a_claimed_row_is_taken_by_one_runner_and_an_edit_meanwhile_is_sent_next(
    placed, lms, django_capture_on_commit_callbacks
):
    lms.down = True
    release(graded(placed), django_capture_on_commit_callbacks)
    lms.down = False
    due = START + timedelta(minutes=1)

    first, second = take_due(now=due), take_due(now=due)
    assert len(first) == 1 and second == []
    # Edited while the first runner holds it: that runner's send must not mark it sent.
    graded(placed, score="9", now=due)
    assert send_one(first[0], now=due) == "retry"
    send_scores(now=due)
    assert [s["scoreGiven"] for s in lms.scores_received()] == [9.0]


CLASS_SIZE = 12


@pytest.mark.django_db(transaction=True)
def test_two_workers_sending_at_once_send_each_score_exactly_once(placed, lms):
    """Two runners tick at the same moment against committed rows, each on its own database
    connection: ``SKIP LOCKED`` and the claim give every row to one of them."""
    registration = LtiResourceLink.objects.get().context.deployment.registration
    students = []
    for n in range(CLASS_SIZE):
        user = User.objects.create_user(email=f"s{n}@lms.example.edu", full_name=f"Student {n}")
        LtiUser.objects.create(registration=registration, sub=f"lms-s{n}", auth_user=user)
        lms.people[f"s{n}"] = Person(f"lms-s{n}", f"Student {n}", user.email, [LEARNER])
        students.append(user)
    for user in students:
        grading.grade_save(
            submission=make_submission(placed, user, at=START), grader=person("Ines Instructor"),
            score=Decimal("7"), expected_revision=0, now=START,
        )  # fmt: skip
    lms.down = True  # the send kicked by the release (on commit, for real here) fails
    assert grading.feedback_release(assignment=placed, by=person("Ines Instructor"), now=START)
    assert ScorePassback.objects.filter(state=ScorePassback.State.PENDING).count() == CLASS_SIZE
    lms.down = False
    retry_at = START + timedelta(minutes=1)

    barrier = threading.Barrier(2)
    outcomes = []

    def worker():
        try:
            barrier.wait()
            outcomes.append(send_due(now=retry_at))
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    received = Counter(score["userId"] for score in lms.scores_received())
    assert received == Counter({f"lms-s{n}": 1 for n in range(CLASS_SIZE)})
    assert sum(outcome["sent"] for outcome in outcomes) == CLASS_SIZE
    assert ScorePassback.objects.filter(state=ScorePassback.State.SENT).count() == CLASS_SIZE


def test_turning_review_off_sends_the_grades_it_releases_again(
    placed, lms, clock, django_capture_on_commit_callbacks
):
    release(graded(placed), django_capture_on_commit_callbacks)
    placed.require_review = True
    placed.save(update_fields=["require_review"])
    clock.shift(timedelta(minutes=5))
    with django_capture_on_commit_callbacks(execute=True):
        graded(placed, by="Tara Assistant", score="6", now=START + timedelta(minutes=5))
    clock.shift(timedelta(minutes=1))

    with django_capture_on_commit_callbacks(execute=True):
        grading.assignment_require_review(
            assignment=placed, required=False, by=person("Ines Instructor"),
            now=START + timedelta(minutes=6),
        )  # fmt: skip

    assert [s.get("scoreGiven") for s in lms.scores_received()] == [8.0, None, 6.0]


def test_a_platform_that_allows_only_scores_gets_them_on_the_launchs_line_item(
    client, lms, django_capture_on_commit_callbacks
):
    """No line items service: only the score scope and the placement's own column, named by
    each launch. Rapport records the column from the launch and scores it on the grade's
    scale (the platform rescales to its column)."""
    lms.score_only = True
    launch(client, lms, "ines")
    assignment = make_assignment(CourseLink.objects.get().course, points=Decimal("20"))
    lms.add_line_item(resource_link_id="rl-1", scoreMaximum=100, label="Interview a nurse")
    launch(client, lms, "sam")
    AssignmentLink.objects.create(
        resource_link=LtiResourceLink.objects.get(id_on_platform="rl-1"), assignment=assignment
    )

    release(graded(assignment, score="15"), django_capture_on_commit_callbacks)

    assert lms.line_item_queries == []  # nothing to query: the launch named the column
    (score,) = lms.scores_received()
    assert (score["userId"], score["scoreGiven"], score["scoreMaximum"]) == ("lms-sam", 15.0, 20.0)
    assert lms.scores[0]["line_item"] == lms.line_items[0]["id"]


def test_the_grading_page_says_whether_the_score_reached_the_lms(
    placed, lms, clock, as_user, django_capture_on_commit_callbacks
):
    sam, ines = person("Sam Student"), person("Ines Instructor")
    page_url = reverse("interviews:grade", args=[placed.course_id, placed.pk, sam.pk])
    lms.down = True
    release(graded(placed), django_capture_on_commit_callbacks)

    def said() -> list[str]:
        page = as_user(ines).get(page_url).content.decode()
        return [html.unescape(line) for line in re.findall(r'elsewhere">([^<]*)<', page)]

    (waiting,) = said()
    assert "This score is waiting for Loopback LMS, which did not take it (1 try so far)" in waiting
    assert "Rapport tries again at Wed 2 Dec 2026, 14:01" in waiting

    lms.down = False
    clock.shift(timedelta(minutes=1))
    send_scores()
    assert said() == ["Score sent to Loopback LMS's gradebook on Wed 2 Dec 2026, 14:01 UTC."]
