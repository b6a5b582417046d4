"""The grading workflow (interviews/grading.py): saving against the rubric, conflicts between
graders, late penalties, review, release with notifications, the queue and the comment bank."""

from datetime import timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError

from common.refused import Refused
from courses.enrolment import member_enrol
from courses.models import Membership, Role
from interviews import grading
from interviews.grading import GradeConflict
from interviews.models import (
    BankQuestion,
    Contact,
    CriterionScore,
    Grade,
    Interview,
    PreparedQuestion,
    SavedComment,
    Submission,
)
from interviews.notices import Kind
from notifications.models import Notification
from tests.factories import NOW, enrol_many, hand_in_many, local, make_submission
from tests.interviews.grading_samples import criteria, level

D = Decimal


def save(submission, grader, rubric=None, *, strong=True, follow_up="8", revision=0, **kw):
    """Save a full grade: Strong/Fair and ``follow_up`` points unless told otherwise."""
    levels, points = {}, {}
    if rubric is not None:
        preparation, reflection, follow = criteria(rubric)
        levels = {
            preparation.pk: level(preparation, "Strong" if strong else "Weak").pk,
            reflection.pk: level(reflection, "Fair").pk,
        }
        if follow_up is not None:
            points = {follow.pk: D(follow_up)}
    values = {"levels": levels, "points": points, "now": NOW, **kw}
    return grading.grade_save(
        submission=submission, grader=grader, expected_revision=revision, **values
    )


# Saving


def test_a_full_rubric_grade_is_complete_with_snapshots_of_each_criterion(
    rubric, writeup, instructor
):
    preparation, _, follow = criteria(rubric)

    grade = save(
        writeup, instructor, rubric, criterion_comments={preparation.pk: "Great questions."},
        overall_comment="Well done.", private_note="Compare with last term.",
    )  # fmt: skip

    assert grade.state == Grade.State.COMPLETE
    assert (grade.score, grade.points_possible, grade.final_score) == (D(16), D(20), D(16))
    assert grade.revision == 1 and grade.graded_by == instructor
    rows = list(grade.scores.order_by("position"))
    assert [(r.title, r.level_title, r.points, r.max_points) for r in rows] == [
        ("Preparation", "Strong", D(5), D(5)),
        ("Reflection", "Fair", D(3), D(5)),
        ("Follow-up", "", D(8), D(10)),
    ]
    assert rows[0].comment == "Great questions."
    assert grade.private_note == "Compare with last term."
    assert not grade.is_released


def test_a_partial_grade_is_a_draft_with_the_points_so_far(rubric, writeup, assistant):
    grade = save(writeup, assistant, rubric, follow_up=None)

    assert grade.state == Grade.State.DRAFT
    assert grade.score == D(8)
    assert grade.scores.count() == 2


def test_saving_again_updates_the_same_rows_and_raises_the_revision(rubric, writeup, instructor):
    first = save(writeup, instructor, rubric)
    second = save(writeup, instructor, rubric, strong=False, follow_up="10", revision=1)

    assert second.pk == first.pk and second.revision == 2
    assert second.score == D(14)
    assert CriterionScore.objects.filter(grade=second).count() == 3


@pytest.mark.parametrize("points", ["-1", "10.01"])
def test_points_outside_the_criterion_range_are_refused_and_nothing_is_saved(
    rubric, writeup, instructor, points
):
    follow = criteria(rubric)[2]

    with pytest.raises(ValidationError) as refused:
        save(writeup, instructor, rubric, follow_up=points)

    assert refused.value.message_dict == {f"criterion_{follow.pk}": ["Give from 0 to 10 points."]}
    assert not Grade.objects.exists() and not CriterionScore.objects.exists()


def test_a_level_of_another_criterion_is_refused(rubric, writeup, instructor):
    preparation, reflection, _ = criteria(rubric)

    with pytest.raises(ValidationError) as refused:
        grading.grade_save(
            submission=writeup, grader=instructor,
            levels={preparation.pk: level(reflection, "Strong").pk},
            expected_revision=0, now=NOW,
        )  # fmt: skip

    assert refused.value.message_dict == {
        f"criterion_{preparation.pk}": ["Choose one of the levels listed for this criterion."]
    }
    assert not Grade.objects.exists()


def test_without_a_rubric_the_grader_gives_one_score_up_to_the_assignments_points(
    assignment, writeup, instructor
):
    grade = grading.grade_save(
        submission=writeup, grader=instructor, score=D("87.5"), expected_revision=0, now=NOW
    )
    assert (grade.state, grade.score, grade.points_possible) == ("complete", D("87.5"), D(100))

    with pytest.raises(ValidationError) as refused:
        grading.grade_save(
            submission=writeup, grader=instructor, score=D("101"), expected_revision=1, now=NOW
        )
    assert refused.value.message_dict == {"score": ["Give a score from 0 to 100."]}
    assert Grade.objects.get().score == D("87.5")


# Two graders at once


def test_the_second_grader_is_told_who_saved_first_and_nothing_is_overwritten(
    rubric, writeup, instructor, assistant
):
    save(writeup, instructor, rubric, overall_comment="Instructor's words")

    with pytest.raises(GradeConflict) as conflict:
        # The assistant opened the page before the instructor's save: revision 0.
        save(writeup, assistant, rubric, strong=False, overall_comment="Assistant's words")

    assert conflict.value.saved_by == instructor
    assert conflict.value.saved_at == NOW and conflict.value.revision == 1
    assert "Ines Instructor saved this grade" in str(conflict.value)
    grade = Grade.objects.get()
    assert grade.overall_comment == "Instructor's words" and grade.score == D(16)
    assert grade.revision == 1


# Late penalties


def test_the_late_policy_penalty_comes_off_the_final_score(rubric, late_writeup, instructor):
    grade = save(late_writeup, instructor, rubric)

    assert grade.late_penalty_percent == D(20)
    assert (grade.score, grade.final_score) == (D(16), D("12.80"))


def test_an_override_with_a_reason_replaces_the_policy_penalty(rubric, late_writeup, instructor):
    grade = save(
        late_writeup, instructor, rubric, penalty_override_percent=D(5),
        penalty_override_reason="Documented illness",
    )  # fmt: skip

    assert grade.penalty_percent == D(5) and grade.final_score == D("15.20")
    assert grade.penalty_override_reason == "Documented illness"


def test_an_override_without_a_reason_or_out_of_range_is_refused(rubric, late_writeup, instructor):
    with pytest.raises(ValidationError) as refused:
        save(late_writeup, instructor, rubric, penalty_override_percent=D(0))
    assert list(refused.value.message_dict) == ["penalty_override_reason"]

    with pytest.raises(ValidationError) as refused:
        save(
            late_writeup, instructor, rubric, penalty_override_percent=D(120),
            penalty_override_reason="Typo",
        )  # fmt: skip
    assert refused.value.message_dict == {
        "penalty_override_percent": ["Give a penalty from 0 to 100%."]
    }
    assert not Grade.objects.exists()


# Review and release


def test_an_assistants_grade_waits_for_review_when_review_is_required(
    rubric, writeup, assistant, instructor
):
    grading.assignment_require_review(assignment=writeup.assignment, required=True)
    grade = save(writeup, assistant, rubric)

    assert grade.needs_review and not grade.is_releasable
    with pytest.raises(Refused):
        grading.grade_release(grade=grade, by=instructor, now=NOW)
    assert grading.feedback_release(assignment=writeup.assignment, by=instructor, now=NOW) == 0

    grading.grade_review(grade=grade, reviewer=instructor, now=NOW)

    assert grading.feedback_release(assignment=writeup.assignment, by=instructor, now=NOW) == 1
    assert Grade.objects.get().released_by == instructor


def test_an_instructor_saving_clears_the_review(rubric, writeup, assistant, instructor):
    writeup.assignment.require_review = True
    writeup.assignment.save()
    save(writeup, assistant, rubric)

    grade = save(writeup, instructor, rubric, revision=1)

    assert not grade.needs_review and grade.reviewed_by == instructor
    assert save(writeup, instructor, rubric, revision=2).needs_review is False


def test_turning_review_on_puts_assistants_unreleased_grades_up_for_review(
    rubric, writeup, late_writeup, assistant, instructor
):
    save(writeup, assistant, rubric)
    save(late_writeup, instructor, rubric)

    grading.assignment_require_review(assignment=writeup.assignment, required=True)

    assert Grade.objects.get(submission=writeup).needs_review
    assert not Grade.objects.get(submission=late_writeup).needs_review
    grading.assignment_require_review(assignment=writeup.assignment, required=False)
    assert not Grade.objects.filter(needs_review=True).exists()


def test_releasing_one_grade_notifies_its_student(rubric, writeup, instructor, student):
    grade = save(writeup, instructor, rubric)

    assert grading.grade_release(grade=grade, by=instructor, now=NOW) is True

    grade.refresh_from_db()
    assert grade.released_at == NOW and grade.released_by == instructor
    note = Notification.objects.get()
    assert (note.recipient_id, note.kind) == (student.pk, Kind.FEEDBACK_RELEASED)
    assert note.dedupe_key == f"released:{grade.pk}:20270320T150000"
    assert note.url.endswith(f"/assignments/{writeup.assignment_id}/feedback/")
    assert grading.grade_release(grade=grade, by=instructor, now=NOW) is False
    assert Notification.objects.count() == 1


def test_an_incomplete_grade_is_not_released(rubric, writeup, instructor):
    grade = save(writeup, instructor, rubric, follow_up=None)

    with pytest.raises(Refused, match="not complete"):
        grading.grade_release(grade=grade, by=instructor, now=NOW)
    assert not Notification.objects.exists()


def test_releasing_the_assignment_releases_every_complete_reviewed_grade_once(
    rubric, writeup, late_writeup, instructor, student, classmate
):
    save(writeup, instructor, rubric)
    save(late_writeup, instructor, rubric, follow_up=None)  # a draft: stays hidden

    assert grading.feedback_release(assignment=writeup.assignment, by=instructor, now=NOW) == 1
    assert grading.feedback_release(assignment=writeup.assignment, by=instructor, now=NOW) == 0

    assert list(Grade.objects.released().values_list("submission", flat=True)) == [writeup.pk]
    assert list(Notification.objects.values_list("recipient", "kind")) == [
        (student.pk, Kind.FEEDBACK_RELEASED)
    ]


def test_a_released_grade_edited_stays_released(rubric, writeup, instructor):
    grade = save(writeup, instructor, rubric)
    grading.grade_release(grade=grade, by=instructor, now=NOW)

    edited = save(writeup, instructor, rubric, strong=False, revision=1)

    assert edited.is_released and edited.score == D(12)


def test_hiding_a_released_grade_again(rubric, writeup, instructor):
    grade = save(writeup, instructor, rubric)
    grading.grade_release(grade=grade, by=instructor, now=NOW)

    assert grading.grade_unrelease(grade=grade, by=instructor, now=NOW) is True
    assert not Grade.objects.released().exists()
    assert grading.grade_unrelease(grade=grade, by=instructor, now=NOW) is False


def test_a_withdrawn_students_writeup_is_graded_and_released_without_a_notification(
    rubric, writeup, course, student, instructor
):
    Membership.objects.filter(course=course, user=student).update(removed_at=NOW)

    grade = save(writeup, instructor, rubric)
    released = grading.feedback_release(assignment=writeup.assignment, by=instructor, now=NOW)

    assert grade.is_complete and released == 1
    assert Submission.objects.filter(pk=writeup.pk).exists()
    assert not Notification.objects.exists()


# The queue


def test_the_queue_lists_submitted_writeups_with_their_state(
    rubric, assignment, writeup, late_writeup, instructor, assistant, course, outsider
):
    member_enrol(course=course, user=outsider, role=Role.STUDENT)
    Submission.objects.create(assignment=assignment, student=outsider, body="draft only")
    save(writeup, assistant, rubric)

    queue = grading.grading_queue(assignment=assignment, viewer=assistant)

    assert [(row.student.full_name, row.status_label) for row in queue.rows] == [
        ("Carl Classmate", "Not started"),
        ("Stella Student", "Graded"),
    ]
    assert queue.counts == {
        "all": 2, "ungraded": 1, "late": 1, "mine": 1, "review": 0,
        "releasable": 1, "waiting_for_review": 0,
    }  # fmt: skip
    place = grading.queue_place(
        assignment=assignment, viewer=assistant, student_id=late_writeup.student_id,
        choice=grading.QueueChoice(),
    )  # fmt: skip
    assert place.previous is None and place.following.student.full_name == "Stella Student"
    ungraded = grading.queue_place(
        assignment=assignment, viewer=assistant, student_id=late_writeup.student_id,
        choice=grading.QueueChoice.of(filter_key="ungraded"),
    )  # fmt: skip
    assert (ungraded.previous, ungraded.following) == (None, None)


def test_the_queue_marks_removed_students_and_leaves_out_staff(
    assignment, writeup, course, student, assistant
):
    make_submission(assignment, assistant, at=local(2027, 3, 14, 9, 0), body="not a student")
    Membership.objects.filter(course=course, user=student).update(
        removed_at=NOW - timedelta(days=1)
    )

    rows = grading.grading_queue(assignment=assignment, viewer=assistant).rows

    assert [(row.student.full_name, row.is_removed) for row in rows] == [("Stella Student", True)]


def class_of_six(assignment, course, grader):
    """Zoe Pupil 001–006, handed in 0, 2, 1, 0, 2, 1 days late; 002 and 005 graded 8/20 and
    16/20 before the penalty (6.4 and 12.8 after), 003 in progress, 006 released 18/20."""
    users = enrol_many(course, 6)
    submissions = hand_in_many(assignment, users, late_days=(0, 2, 1))
    for index, score, state, released in (
        (1, "8", "complete", None), (4, "16", "complete", None), (2, None, "draft", None),
        (5, "18", "complete", NOW),
    ):  # fmt: skip
        submission = submissions[index]
        final = None if score is None else D(score) * (100 - submission.penalty_percent) / 100
        Grade.objects.create(
            submission=submission, state=state, score=score and D(score), final_score=final,
            points_possible=D(20), graded_by=grader, released_at=released,
        )  # fmt: skip
    return users


def names(queue) -> list[str]:
    return [row.student.full_name.removeprefix("Zoe Pupil ") for row in queue.rows]


@pytest.mark.parametrize(
    ("sort", "direction", "order"),
    [
        ("name", "desc", ["006", "005", "004", "003", "002", "001"]),
        ("late", "desc", ["002", "005", "003", "006", "001", "004"]),  # then by name, from A
        ("status", "asc", ["001", "004", "003", "002", "005", "006"]),
        ("score", "desc", ["006", "005", "002", "001", "003", "004"]),  # no score comes last
        ("score", "asc", ["001", "003", "004", "002", "005", "006"]),
        ("submitted", "asc", ["001", "002", "003", "004", "005", "006"]),
    ],
)
def test_the_queue_sorts_by_the_column_asked_for_then_by_name(
    assignment, course, instructor, sort, direction, order
):
    class_of_six(assignment, course, instructor)
    choice = grading.QueueChoice.of(sort=sort, direction=direction)

    queue = grading.grading_queue(assignment=assignment, viewer=instructor, choice=choice)

    assert names(queue) == order
    assert [c.key for c in queue.sorting.columns if c.aria_sort] == [sort]


def test_searching_by_name_or_email_keeps_the_counts_of_the_whole_class(
    assignment, course, instructor, writeup
):
    class_of_six(assignment, course, instructor)

    by_name = grading.grading_queue(
        assignment=assignment, viewer=instructor, choice=grading.QueueChoice.of(query=" pupil 00")
    )
    by_email = grading.grading_queue(
        assignment=assignment, viewer=instructor,
        choice=grading.QueueChoice.of(query="Z005@", filter_key="mine"),
    )  # fmt: skip

    assert names(by_name) == ["001", "002", "003", "004", "005", "006"]
    assert names(by_email) == ["005"] and by_email.paged.page.paginator.count == 1
    assert by_email.counts == {
        "all": 7, "ungraded": 4, "late": 4, "mine": 4, "review": 0,
        "releasable": 2, "waiting_for_review": 0,
    }  # fmt: skip


def test_an_unknown_filter_or_sort_lists_everyone_by_name():
    assert grading.QueueChoice.of(
        filter_key="everything", query="  ", sort="password", direction="sideways"
    ) == grading.QueueChoice(filter_key="all", query="", sort="name", direction="asc")


def walk(assignment, viewer, choice, student_id, step: str) -> list[str]:
    """The names met following Previous (``step="previous"``) or Next from ``student_id``."""
    met = []
    while True:
        place = grading.queue_place(
            assignment=assignment, viewer=viewer, student_id=student_id, choice=choice
        )
        row = getattr(place, step)
        if row is None:
            return met
        met.append(row.student.full_name.removeprefix("Zoe Pupil "))
        student_id = row.student.pk


def test_previous_and_next_walk_the_whole_listed_class_across_its_pages(
    assignment, course, instructor
):
    users = enrol_many(course, 130)
    submissions = hand_in_many(assignment, users, late_days=(0, 3, 1, 0, 2))
    Grade.objects.bulk_create(
        Grade(submission=s, state="complete", score=D(n % 7), final_score=D(n % 7),
              points_possible=D(20))
        for n, s in enumerate(submissions) if n % 4
    )  # fmt: skip
    choice = grading.QueueChoice.of(filter_key="late", sort="score", direction="desc")
    pages = [
        grading.grading_queue(
            assignment=assignment, viewer=instructor, choice=choice, per=50, page=n
        )
        for n in (1, 2)
    ]
    listed = names(pages[0]) + names(pages[1])
    assert len(listed) == 78 and pages[1].paged.page.paginator.num_pages == 2
    first, last = pages[0].rows[0].student, pages[1].rows[-1].student

    assert walk(assignment, instructor, choice, first.pk, "following") == listed[1:]
    assert walk(assignment, instructor, choice, last.pk, "previous") == listed[-2::-1]
    fiftieth = pages[0].rows[-1].student.pk
    place = grading.queue_place(
        assignment=assignment, viewer=instructor, student_id=fiftieth, choice=choice
    )
    assert place.following.student == pages[1].rows[0].student and place.before == 49


# The comment bank


def test_saved_comments_are_added_once_edited_used_and_deleted(instructor):
    comment = grading.saved_comment_add(owner=instructor, text="  Great questions.\r\n", now=NOW)
    again = grading.saved_comment_add(owner=instructor, text="Great questions.", now=NOW)
    assert again.pk == comment.pk and comment.text == "Great questions."

    grading.saved_comment_update(comment=comment, text="Great, open questions.")
    grading.saved_comment_use(comment=comment)
    grading.saved_comment_use(comment=comment)
    comment.refresh_from_db()
    assert (comment.text, comment.use_count) == ("Great, open questions.", 2)

    with pytest.raises(Refused):
        grading.saved_comment_update(comment=comment, text="   ")
    grading.saved_comment_delete(comment=comment)
    assert not SavedComment.objects.exists()


# The grading page's evidence

NEW_YORK = ZoneInfo("America/New_York")


def held(at, **fields) -> Interview:
    """An interview held at ``at`` (not saved: the judgements read only its fields)."""
    return Interview(status=Interview.Status.HELD, held_at=at, scheduled_at=at, **fields)


@pytest.mark.parametrize(
    ("after", "text", "kept"),
    [
        (timedelta(hours=3), "Within 24 h", True),
        (timedelta(hours=24), "Within 24 h", True),
        (timedelta(hours=30), "30 h after: later than 24 h", False),
        (timedelta(days=3, hours=2), "3 days after: later than 24 h", False),
    ],
)
def test_the_thank_you_is_judged_against_24_hours_after_the_held_time(after, text, kept):
    at = local(2027, 3, 5, 10, 0)
    judgement = grading.thank_you_judgement(
        held(at, thank_you_sent_at=at + after), now=NOW, zone=NEW_YORK
    )
    assert (judgement.text, judgement.kept) == (text, kept)


def test_a_missing_thank_you_is_flagged_once_the_day_is_over():
    at = local(2027, 3, 18, 10, 0)
    assert grading.thank_you_judgement(held(at), now=at + timedelta(hours=5)) == (
        grading.Judgement("Not sent yet; still within 24 h")
    )
    late = grading.thank_you_judgement(held(at), now=NOW, zone=NEW_YORK)
    assert (late.text, late.kept) == ("Not sent (2 days since the interview)", False)


def test_a_planned_interview_is_not_judged_yet():
    planned = Interview(status=Interview.Status.SCHEDULED, scheduled_at=local(2027, 3, 5, 10, 0))
    assert grading.thank_you_judgement(planned, now=NOW) is None
    assert grading.follow_up_judgement(planned, now=NOW) is None


@pytest.mark.parametrize(
    ("sent", "text", "kept"),
    [
        (local(2027, 3, 5, 16, 0), "The same day: sooner than 1–2 weeks", False),
        (local(2027, 3, 8, 9, 0), "After 3 days: sooner than 1–2 weeks", False),
        # Across the clock change (14 March): 8 days 23 hours, 9 days on the calendar.
        (local(2027, 3, 14, 10, 0), "After 9 days: within 1–2 weeks", True),
        (local(2027, 3, 19, 10, 0), "After 14 days: within 1–2 weeks", True),
        (local(2027, 3, 20, 10, 0), "After 15 days: later than 1–2 weeks", False),
    ],
)
def test_the_follow_up_is_judged_against_one_to_two_weeks(sent, text, kept):
    interview = held(local(2027, 3, 5, 10, 0), follow_up_sent_at=sent)
    judgement = grading.follow_up_judgement(interview, now=NOW, zone=NEW_YORK)
    assert (judgement.text, judgement.kept) == (text, kept)


def test_no_follow_up_is_fine_after_a_reply_and_flagged_after_a_week_of_silence():
    at = local(2027, 3, 5, 10, 0)
    replied = held(at, reply_received_at=at + timedelta(days=2))
    assert grading.follow_up_judgement(replied, now=NOW).kept is True
    soon = grading.follow_up_judgement(held(local(2027, 3, 16, 10, 0)), now=NOW, zone=NEW_YORK)
    assert (soon.text, soon.kept) == ("No reply yet, no follow-up; not due before 7 days", None)
    silent = grading.follow_up_judgement(held(at), now=NOW, zone=NEW_YORK)
    assert (silent.text, silent.kept) == (
        "No reply yet, no follow-up (15 days since the interview)",
        False,
    )


def test_the_evidence_splits_bank_and_own_questions_and_links_the_referral_chain(
    assignment, student
):
    referrer = Contact.objects.create(owner=student, name="Rita")
    contact = Contact.objects.create(owner=student, name="Priya", referred_by=referrer)
    first = Interview.objects.create(
        assignment=assignment, student=student, contact=referrer, scheduled_at=NOW
    )
    first.referrals.add(contact)
    second = Interview.objects.create(
        assignment=assignment, student=student, contact=contact, status="held", held_at=NOW,
        scheduled_at=NOW - timedelta(days=1), thank_you_sent_at=NOW + timedelta(hours=2),
    )  # fmt: skip
    star = BankQuestion.objects.create(assignment=assignment, text="A time…", is_behavioural=True)
    PreparedQuestion.objects.create(interview=second, text="A time…", bank_question=star)
    PreparedQuestion.objects.create(interview=second, text="Mine", position=1)

    by_id = {
        e.interview.pk: e
        for e in grading.interview_evidence(assignment=assignment, student=student, now=NOW)
    }

    evidence = by_id[second.pk]
    assert [q.text for q in evidence.bank_questions] == ["A time…"]
    assert [q.text for q in evidence.own_questions] == ["Mine"]
    assert evidence.thank_you == grading.Judgement("Within 24 h", kept=True)
    assert evidence.referred_by_anchor == first.pk
    assert by_id[first.pk].referral_links == [(contact, second.pk)]
    assert by_id[first.pk].thank_you is None  # not held yet
