"""The write-up workflows: saving without silent overwrites, submitting once per revision, late
penalties across a daylight-saving change, extensions, and attachments kept by versions."""

import zoneinfo
from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from django.core.files.storage import default_storage

from common.refused import Refused
from interviews.models import Attachment, Extension, ReflectionPrompt, Submission
from interviews.writeups import (
    CONFLICT_MESSAGE,
    StaleRevision,
    attachment_add,
    attachment_remove,
    count_words,
    writeup_save,
    writeup_submit,
)
from tests.factories import make_writeup_assignment
from tests.interviews import samples
from tests.interviews.samples import upload

NEW_YORK = zoneinfo.ZoneInfo("America/New_York")


def local(*args):
    return datetime(*args, tzinfo=NEW_YORK)


DUE = local(2027, 3, 15, 9, 0)  # the Monday after clocks go forward (14 March 2027)
BEFORE_DUE = local(2027, 3, 10, 12, 0)

pytestmark = pytest.mark.assignment(build=make_writeup_assignment)


@pytest.fixture
def prompt(assignment):
    return ReflectionPrompt.objects.create(assignment=assignment, text="What did you learn?")


def save(assignment, student, body, revision, *, answers=None, now=BEFORE_DUE):
    return writeup_save(
        assignment=assignment, student=student, answers=answers or {}, body=body,
        revision=revision, now=now,
    )  # fmt: skip


def submit(assignment, student, revision, now=BEFORE_DUE):
    return writeup_submit(assignment=assignment, student=student, revision=revision, now=now)


ENOUGH = "I learned how product managers spend their week."


# Saving


def test_first_save_creates_the_draft_at_revision_one_with_its_word_count(
    assignment, prompt, student
):
    saved = save(assignment, student, "And one more thing.", 0, answers={str(prompt.pk): ENOUGH})

    stored = Submission.objects.get(assignment=assignment, student=student)
    assert stored.revision == saved.revision == 1
    assert stored.answers == {str(prompt.pk): ENOUGH}
    assert stored.body == "And one more thing."
    assert stored.word_count == 8 + 4
    assert stored.saved_at == BEFORE_DUE
    assert stored.is_submitted is False


def test_each_save_raises_the_revision_by_one(assignment, student):
    first = save(assignment, student, "one", 0)
    second = save(assignment, student, "one two", first.revision)

    assert second.revision == 2
    assert Submission.objects.get(pk=first.pk).body == "one two"


def test_two_saves_based_on_the_same_revision_the_second_is_refused_and_overwrites_nothing(
    assignment, student
):
    draft = save(assignment, student, "start", 0)
    save(assignment, student, "typed in tab one", draft.revision)

    with pytest.raises(StaleRevision) as conflict:
        save(assignment, student, "typed in tab two", draft.revision)

    assert str(conflict.value) == CONFLICT_MESSAGE
    stored = Submission.objects.get(pk=draft.pk)
    assert stored.body == "typed in tab one"
    assert stored.revision == 2


def test_saving_exactly_the_stored_text_is_never_a_conflict_and_changes_nothing(
    assignment, student
):
    draft = save(assignment, student, "same text", 0)
    save(assignment, student, "same text", draft.revision)

    again = save(assignment, student, "same text", 0)  # an old tab that typed nothing new

    assert again.revision == 1
    assert Submission.objects.get(pk=draft.pk).revision == 1


def test_a_save_from_a_page_that_knew_a_draft_before_it_existed_is_refused(assignment, student):
    with pytest.raises(StaleRevision):
        save(assignment, student, "text", 3)

    assert not Submission.objects.exists()


def test_an_empty_first_save_stores_nothing(assignment, student):
    draft = save(assignment, student, "", 0)

    assert draft.pk is None
    assert not Submission.objects.exists()


def test_empty_answers_are_left_out(assignment, prompt, student):
    draft = save(assignment, student, "body", 0, answers={str(prompt.pk): "   "})

    assert draft.answers == {}


def test_an_answer_to_a_prompt_removed_since_is_kept_but_not_counted(assignment, prompt, student):
    other = ReflectionPrompt.objects.create(assignment=assignment, text="Removed later")
    removed = str(other.pk)
    draft = save(assignment, student, "", 0, answers={str(prompt.pk): "one", removed: "two"})
    other.delete()

    again = save(assignment, student, "body", draft.revision, answers={str(prompt.pk): "one"})

    assert again.answers == {str(prompt.pk): "one", removed: "two"}
    assert again.word_count == 2


def test_words_are_counted_across_answers_and_free_text():
    assert count_words({"1": "one two\nthree", "2": "  four  "}, "five six") == 6
    assert count_words({}, "") == 0


# Submitting


def test_submit_creates_version_one_and_marks_the_writeup_submitted(assignment, student):
    draft = save(assignment, student, ENOUGH, 0)

    version, created = submit(assignment, student, draft.revision)

    assert created is True
    assert version.number == 1
    assert version.body == ENOUGH
    assert version.word_count == 8
    assert version.is_late is False
    draft.refresh_from_db()
    assert draft.submitted_at == BEFORE_DUE
    assert draft.submitted_revision == draft.revision
    assert draft.has_unsubmitted_changes is False


def test_submitting_the_same_revision_twice_makes_one_version(assignment, student):
    draft = save(assignment, student, ENOUGH, 0)
    first, _ = submit(assignment, student, draft.revision)

    again, created = submit(assignment, student, draft.revision, now=BEFORE_DUE + timedelta(1))

    assert created is False
    assert again == first
    assert draft.versions.count() == 1
    assert Submission.objects.get(pk=draft.pk).submitted_at == BEFORE_DUE


def test_submitting_a_stale_revision_is_refused(assignment, student):
    draft = save(assignment, student, ENOUGH, 0)
    save(assignment, student, ENOUGH + " More.", draft.revision)

    with pytest.raises(StaleRevision):
        submit(assignment, student, draft.revision)

    assert not draft.versions.exists()


def test_an_empty_writeup_cannot_be_submitted(assignment, student):
    with pytest.raises(Refused, match="nothing to submit yet"):
        submit(assignment, student, 0)


def test_an_under_length_writeup_is_refused_saying_how_many_words_are_missing(assignment, student):
    draft = save(assignment, student, "Only three words", 0)

    with pytest.raises(Refused) as refused:
        submit(assignment, student, draft.revision)

    assert "needs at least 5 words and has 3. Write 2 more words" in str(refused.value)
    assert not draft.versions.exists()
    assert Submission.objects.get(pk=draft.pk).body == "Only three words"


def test_after_the_cut_off_nothing_is_submitted_and_the_draft_is_kept(assignment, student):
    draft = save(assignment, student, ENOUGH, 0)

    with pytest.raises(Refused, match="hard cut-off has passed"):
        submit(assignment, student, draft.revision, now=local(2027, 3, 22, 9, 1))

    stored = Submission.objects.get(pk=draft.pk)
    assert stored.body == ENOUGH
    assert stored.is_submitted is False
    assert not stored.versions.exists()


def test_at_the_cut_off_itself_work_is_still_accepted(assignment, student):
    draft = save(assignment, student, ENOUGH, 0)

    version, created = submit(assignment, student, draft.revision, now=local(2027, 3, 22, 9, 0))

    assert created and version.late_days == 7


def test_editing_after_submitting_changes_the_draft_and_keeps_the_submitted_version(
    assignment, student
):
    draft = save(assignment, student, ENOUGH, 0)
    submit(assignment, student, draft.revision)

    edited = save(assignment, student, ENOUGH + " And a new thought.", draft.revision)

    assert edited.has_unsubmitted_changes is True
    assert edited.versions.get().body == ENOUGH


def test_resubmitting_before_the_due_date_adds_version_two_and_keeps_version_one(
    assignment, student
):
    draft = save(assignment, student, ENOUGH, 0)
    submit(assignment, student, draft.revision)
    edited = save(assignment, student, ENOUGH + " Revised.", draft.revision)

    version, created = submit(assignment, student, edited.revision, now=DUE)

    assert created and version.number == 2
    assert [v.body for v in edited.versions.order_by("number")] == [ENOUGH, ENOUGH + " Revised."]
    edited.refresh_from_db()
    assert edited.submitted_at == DUE
    assert edited.has_unsubmitted_changes is False


def test_resubmitting_after_the_due_date_is_refused(assignment, student):
    draft = save(assignment, student, ENOUGH, 0)
    submit(assignment, student, draft.revision)
    edited = save(assignment, student, ENOUGH + " Revised.", draft.revision)

    with pytest.raises(Refused, match="Resubmissions closed at the due date"):
        submit(assignment, student, edited.revision, now=DUE + timedelta(minutes=1))

    assert edited.versions.count() == 1


def test_resubmitting_is_refused_when_the_assignment_takes_one_submission(assignment, student):
    assignment.allow_resubmission = False
    assignment.save()
    draft = save(assignment, student, ENOUGH, 0)
    submit(assignment, student, draft.revision)
    edited = save(assignment, student, ENOUGH + " Revised.", draft.revision)

    with pytest.raises(Refused, match="takes one submission"):
        submit(assignment, student, edited.revision)

    assert edited.versions.count() == 1


# Late work


@pytest.mark.parametrize(
    ("submitted_at", "grace_minutes", "days", "penalty"),
    [
        (local(2027, 3, 15, 9, 0), 0, 0, "0"),
        (local(2027, 3, 15, 9, 1), 0, 1, "10"),
        (local(2027, 3, 15, 9, 10), 15, 0, "0"),
        (local(2027, 3, 15, 9, 20), 15, 1, "10"),
        (local(2027, 3, 16, 9, 30), 0, 2, "20"),  # 1 day and 30 minutes late
        (local(2027, 3, 16, 9, 30), 30, 1, "10"),
        (local(2027, 3, 21, 12, 0), 0, 7, "50"),  # capped at the maximum
    ],
)
def test_late_flag_and_penalty_follow_the_policy_with_its_grace_period(
    assignment, student, submitted_at, grace_minutes, days, penalty
):
    assignment.late_grace_minutes = grace_minutes
    assignment.save()
    draft = save(assignment, student, ENOUGH, 0)

    version, _ = submit(assignment, student, draft.revision, now=submitted_at)

    draft.refresh_from_db()
    for row in (version, draft):
        assert row.is_late is (days > 0)
        assert row.late_days == days
        assert row.penalty_percent == Decimal(penalty)


def test_a_day_late_across_the_spring_forward_change_is_counted_in_real_hours(assignment, student):
    # Due Saturday 09:00 EST; Sunday 09:30 EDT is only 23½ hours later: one started day.
    assignment.writeup_due_at = local(2027, 3, 13, 9, 0)
    assignment.save()
    draft = save(assignment, student, ENOUGH, 0)

    version, _ = submit(assignment, student, draft.revision, now=local(2027, 3, 14, 9, 30))

    assert version.late_days == 1
    assert version.penalty_percent == Decimal("10")


def test_an_extension_moves_the_due_date_for_that_student_only(
    assignment, student, classmate, instructor
):
    Extension.objects.create(
        assignment=assignment, student=student, writeup_due_at=local(2027, 3, 18, 9, 0),
        reason="Family emergency", granted_by=instructor,
    )  # fmt: skip
    mine = save(assignment, student, ENOUGH, 0)
    theirs = save(assignment, classmate, ENOUGH, 0)

    on_time, _ = submit(assignment, student, mine.revision, now=local(2027, 3, 17, 9, 0))
    late, _ = submit(assignment, classmate, theirs.revision, now=local(2027, 3, 17, 9, 0))

    assert on_time.is_late is False
    assert late.late_days == 2


def test_an_extension_moves_the_cut_off_too(assignment, student, instructor):
    Extension.objects.create(
        assignment=assignment, student=student, writeup_due_at=local(2027, 3, 25, 9, 0),
        cutoff_at=local(2027, 3, 29, 9, 0), reason="Hospital stay", granted_by=instructor,
    )  # fmt: skip
    draft = save(assignment, student, ENOUGH, 0)

    version, created = submit(assignment, student, draft.revision, now=local(2027, 3, 26, 9, 0))

    assert created and version.late_days == 1


# Attachments


def attach(assignment, student, name="reflection.pdf", data=samples.PDF, now=BEFORE_DUE):
    return attachment_add(
        assignment=assignment, student=student, upload=upload(name, data), now=now
    )


def test_an_attachment_is_stored_under_a_random_name_and_changes_the_draft(assignment, student):
    draft = save(assignment, student, ENOUGH, 0)

    attachment = attach(assignment, student)

    assert attachment.original_name == "reflection.pdf"
    assert attachment.kind == "pdf"
    assert attachment.content_type == "application/pdf"
    assert attachment.size == len(samples.PDF)
    assert "reflection" not in attachment.file.name
    assert default_storage.open(attachment.file.name).read() == samples.PDF
    assert Submission.objects.get(pk=draft.pk).revision == draft.revision + 1


def test_a_refused_file_stores_nothing_and_leaves_the_draft_alone(assignment, student):
    draft = save(assignment, student, ENOUGH, 0)

    with pytest.raises(Refused, match="Windows program"):
        attach(assignment, student, "report.pdf", samples.WINDOWS_PROGRAM)

    assert not Attachment.objects.exists()
    stored = Submission.objects.get(pk=draft.pk)
    assert (stored.body, stored.revision) == (ENOUGH, draft.revision)


def test_attachments_are_refused_when_the_assignment_takes_none(assignment, student):
    assignment.allow_attachments = False
    assignment.save()

    with pytest.raises(Refused, match="does not take attachments"):
        attach(assignment, student)


def test_a_submitted_version_holds_the_attachments_of_its_moment(assignment, student):
    draft = save(assignment, student, ENOUGH, 0)
    kept = attach(assignment, student)
    draft.refresh_from_db()

    version, _ = submit(assignment, student, draft.revision)

    assert list(version.attachments.all()) == [kept]


def test_removing_a_file_a_version_holds_keeps_it_for_that_version(assignment, student):
    draft = save(assignment, student, ENOUGH, 0)
    attachment = attach(assignment, student)
    draft.refresh_from_db()
    version, _ = submit(assignment, student, draft.revision)

    attachment_remove(attachment=attachment, now=DUE)

    attachment.refresh_from_db()
    assert attachment.removed_at == DUE
    assert default_storage.exists(attachment.file.name)
    assert list(version.attachments.all()) == [attachment]
    assert Submission.objects.get(pk=draft.pk).has_unsubmitted_changes is True


def test_removing_a_file_no_version_holds_deletes_it(
    assignment, student, django_capture_on_commit_callbacks
):
    save(assignment, student, ENOUGH, 0)
    attachment = attach(assignment, student)
    name = attachment.file.name

    with django_capture_on_commit_callbacks(execute=True):
        attachment_remove(attachment=attachment, now=DUE)

    assert not Attachment.objects.exists()
    assert not default_storage.exists(name)


def test_a_writeup_of_only_attachments_can_be_submitted_when_no_minimum_is_set(assignment, student):
    assignment.min_words = 0
    assignment.save()
    attach(assignment, student)
    draft = Submission.objects.get()

    version, created = submit(assignment, student, draft.revision)

    assert created and version.attachments.count() == 1


# Real concurrency: two requests at the same instant, each on its own database connection.


def _race(*calls):
    from concurrent.futures import ThreadPoolExecutor
    from threading import Barrier

    from django.db import connection

    barrier = Barrier(len(calls))

    def run(call):
        barrier.wait()
        try:
            return call()
        except Exception as exc:  # noqa: BLE001 - the outcome is what the test compares
            return exc
        finally:
            connection.close()

    with ThreadPoolExecutor(len(calls)) as pool:
        return list(pool.map(run, calls))


@pytest.mark.django_db(transaction=True)
def test_two_tabs_saving_at_the_same_instant_one_wins_the_other_is_told(assignment, student):
    draft = save(assignment, student, "start", 0)

    outcomes = _race(
        lambda: save(assignment, student, "tab one", draft.revision),
        lambda: save(assignment, student, "tab two", draft.revision),
    )

    assert sorted(type(o).__name__ for o in outcomes) == ["StaleRevision", "Submission"]
    winner = next(o for o in outcomes if isinstance(o, Submission))
    assert Submission.objects.get(pk=draft.pk).body == winner.body
    assert Submission.objects.get(pk=draft.pk).revision == 2


@pytest.mark.django_db(transaction=True)
def test_a_double_click_on_submit_at_the_same_instant_makes_one_version(assignment, student):
    draft = save(assignment, student, ENOUGH, 0)

    outcomes = _race(*[lambda: submit(assignment, student, draft.revision)] * 2)

    assert sorted(created for _, created in outcomes) == [False, True]
    assert draft.versions.count() == 1
