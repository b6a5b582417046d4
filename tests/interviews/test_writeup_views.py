"""The write-up pages through the test client: the draft form and its autosave, conflicts,
submitting, attachments and their downloads, older versions, and who may see what."""

import html
import re
import zoneinfo
from datetime import datetime

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from interviews.authoring import assignment_publish, assignment_unpublish
from interviews.models import Assignment, Attachment, Extension, ReflectionPrompt, Submission
from interviews.writeups import CONFLICT_MESSAGE, attachment_add, writeup_save, writeup_submit
from tests.factories import make_contact, make_interview, make_writeup_assignment
from tests.html_forms import form_action, form_data
from tests.interviews import samples
from tests.interviews.samples import upload
from tests.pages import messages_of, text_of

NEW_YORK = zoneinfo.ZoneInfo("America/New_York")


def local(*args):
    return datetime(*args, tzinfo=NEW_YORK)


DUE = local(2027, 3, 15, 9, 0)
CUTOFF = local(2027, 3, 22, 9, 0)
BEFORE_DUE = local(2027, 3, 10, 12, 0)  # 18:00 in Berlin, where the student lives
ENOUGH = "I learned how product managers spend their week."
# How static/js/autosave-engine.js posts (interviews/views/autosave.py).
BACKGROUND = {"headers": {"Accept": "application/json"}}

pytestmark = pytest.mark.assignment(
    build=make_writeup_assignment, instructions="Talk to **one** professional."
)


@pytest.fixture
def prompts(assignment):
    return [
        ReflectionPrompt.objects.create(
            assignment=assignment, position=1, text="What surprised you?"
        ),
        ReflectionPrompt.objects.create(assignment=assignment, position=2, text="Does it fit?"),
    ]


@pytest.fixture
def frozen(time_machine):
    time_machine.move_to(BEFORE_DUE, tick=False)
    return time_machine


def url(name, assignment, *extra):
    return reverse(f"interviews:{name}", args=[assignment.course_id, assignment.pk, *extra])


def page_url(assignment):
    return url("writeup", assignment)


def draft_data(revision, body="", **answers):
    # The student holds no interview here: the submits below are the confirmed ones ("Submit
    # anyway"); the question itself is tested on its own.
    return {"revision": revision, "body": body, "confirm_shortfall": "yes", **answers}


def textarea(response, name) -> str:
    match = re.search(
        rf'<textarea name="{name}"[^>]*>(.*?)</textarea>', response.content.decode(), re.S
    )
    assert match, f"no textarea {name}"
    return match.group(1).strip()


def revision_on(response) -> int:
    match = re.search(r'name="revision" value="(\d+)"', response.content.decode())
    assert match
    return int(match.group(1))


def saved(assignment, student, body=ENOUGH, revision=0, now=BEFORE_DUE):
    return writeup_save(
        assignment=assignment, student=student, answers={}, body=body, revision=revision, now=now
    )


def submitted(assignment, student, now=BEFORE_DUE):
    draft = saved(assignment, student, now=now)
    writeup_submit(assignment=assignment, student=student, revision=draft.revision, now=now)
    return Submission.objects.get(pk=draft.pk)


# The page


def test_student_sees_each_prompt_with_a_labelled_box_the_dates_and_the_buttons(
    as_user, student, assignment, prompts, frozen
):
    response = as_user(student).get(page_url(assignment))

    assert response.status_code == 200
    content = response.content.decode()
    for prompt in prompts:
        field = f"answer_{prompt.pk}"
        assert re.search(rf'<label\s+for="id_{field}"[^>]*>\s*{re.escape(prompt.text)}', content)
        assert f'name="{field}"' in content
    assert re.search(r'<label\s+for="id_body"[^>]*>\s*Anything else', content)
    assert 'type="hidden" name="revision" value="0"' in content
    assert content.count("<h1") == 1
    text = text_of(response)
    assert "0 words of at least 5 — 5 more needed" in text
    assert "Write-up due Mon 15 Mar 2027, 14:00 CET (09:00 EDT course time)" in text
    assert "Hard cut-off Mon 22 Mar 2027, 14:00 CET" in text
    assert "Accepted types: PDF or PNG image" in text
    assert "Save draft" in text and "Submit" in text
    assert "Nothing submitted yet." in text


def test_the_page_loads_its_script_deferred_and_has_no_inline_script(
    as_user, student, assignment, frozen
):
    content = as_user(student).get(page_url(assignment)).content.decode()

    for script in ("autosave-engine", "writeup"):
        assert re.search(rf'<script src="[^"]*js/{script}\.js" defer></script>', content)
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", content)
    assert " style=" not in content and " onclick=" not in content


def test_answers_to_prompts_removed_since_are_shown_so_they_can_be_copied(
    as_user, student, assignment, prompts, frozen
):
    writeup_save(
        assignment=assignment, student=student, answers={str(prompts[1].pk): "Kept <i>text</i>"},
        body="", revision=0, now=BEFORE_DUE,
    )  # fmt: skip
    prompts[1].delete()

    response = as_user(student).get(page_url(assignment))

    text = text_of(response)
    assert "Your answers to prompts that have since been removed" in text
    assert "Kept <i>text</i>" in text
    assert "Does it fit?" not in text


def test_the_instructions_are_rendered_from_markdown(as_user, student, assignment, frozen):
    response = as_user(student).get(page_url(assignment))

    assert "Talk to <strong>one</strong> professional." in response.content.decode()


def test_an_extension_is_shown_with_its_new_date_and_reason(
    as_user, student, instructor, assignment, frozen
):
    Extension.objects.create(
        assignment=assignment, student=student, writeup_due_at=local(2027, 3, 18, 9, 0),
        reason="Family emergency", granted_by=instructor,
    )  # fmt: skip

    text = text_of(as_user(student).get(page_url(assignment)))

    assert "Write-up due Thu 18 Mar 2027, 14:00 CET" in text
    assert "Originally Mon 15 Mar 2027, 14:00 CET" in text
    assert "You have an extension. The dates above include it. Reason: Family emergency" in text


def test_past_the_due_date_the_page_warns_with_the_penalty_it_would_get(
    as_user, student, assignment, time_machine
):
    time_machine.move_to(local(2027, 3, 16, 9, 30), tick=False)

    text = text_of(as_user(student).get(page_url(assignment)))

    assert "Submitted now, it would be 2 days late: a penalty of 20%." in text


def test_after_the_cut_off_there_is_no_submit_button_but_the_draft_is_shown(
    as_user, student, assignment, time_machine
):
    saved(assignment, student)
    time_machine.move_to(local(2027, 3, 22, 10, 0), tick=False)

    response = as_user(student).get(page_url(assignment))

    assert "The hard cut-off has passed" in text_of(response)
    assert url("writeup_submit", assignment) not in response.content.decode()
    assert textarea(response, "body") == ENOUGH


def test_the_page_costs_the_same_queries_with_many_versions_and_files(
    as_user, student, assignment, frozen, django_assert_max_num_queries
):
    client = as_user(student)
    submitted(assignment, student)
    with django_assert_max_num_queries(11) as few:
        client.get(page_url(assignment))
    for n in range(5):
        draft = saved(
            assignment, student, body=f"{ENOUGH} {n}", revision=Submission.objects.get().revision
        )
        attachment_add(
            assignment=assignment, student=student, upload=upload(f"{n}.pdf", samples.PDF),
            now=BEFORE_DUE,
        )  # fmt: skip
        draft.refresh_from_db()
        writeup_submit(assignment=assignment, student=student, revision=draft.revision, now=DUE)

    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(page_url(assignment))


# Saving the draft


def test_save_draft_by_form_post_stores_the_text_and_comes_back_with_a_message(
    as_user, student, assignment, prompts, frozen
):
    client = as_user(student)
    data = draft_data(
        0, "Anything else here.", **{f"answer_{prompts[0].pk}": "Line one\r\nline two"}
    )

    response = client.post(page_url(assignment), data)

    assert response.status_code == 302
    assert response.url == page_url(assignment)
    draft = Submission.objects.get(student=student)
    assert draft.answers == {str(prompts[0].pk): "Line one\nline two"}
    assert draft.word_count == 7
    page = client.get(response.url)
    assert messages_of(page) == ["Draft saved (7 words)."]
    assert textarea(page, f"answer_{prompts[0].pk}") == "Line one\nline two"
    assert revision_on(page) == 1
    assert "7 words of at least 5" in text_of(page)


def test_a_background_save_answers_with_the_new_revision_and_the_time(
    as_user, student, assignment, frozen
):
    response = as_user(student).post(page_url(assignment), draft_data(0, ENOUGH), **BACKGROUND)

    assert response.status_code == 200
    assert response.json() == {
        "status": "saved",
        "revision": 1,
        "saved_at": "2027-03-10T17:00:00+00:00",
        "message": "Saved at 18:00.",  # the student's own time (Berlin)
        "words": 8,
    }
    assert Submission.objects.get().body == ENOUGH


def test_a_background_save_on_a_stale_revision_gets_409_and_overwrites_nothing(
    as_user, student, assignment, frozen
):
    draft = saved(assignment, student, "typed in the other tab")
    saved(assignment, student, "typed in the other tab, more", revision=draft.revision)

    response = as_user(student).post(
        page_url(assignment), draft_data(draft.revision, "typed here"), **BACKGROUND
    )

    assert response.status_code == 409
    assert response.json() == {
        "status": "conflict",
        "revision": draft.revision + 1,  # the server's: posting on it saves over the other tab
        "saved_at": "2027-03-10T17:00:00+00:00",
        "message": CONFLICT_MESSAGE,
    }
    assert Submission.objects.get().body == "typed in the other tab, more"


def test_save_draft_on_a_stale_revision_shows_the_typed_text_back_with_the_conflict_message(
    as_user, student, assignment, prompts, frozen
):
    draft = saved(assignment, student, "first")
    saved(assignment, student, "changed in another window", revision=draft.revision)
    answer = f"answer_{prompts[1].pk}"

    response = as_user(student).post(
        page_url(assignment), draft_data(draft.revision, "typed here", **{answer: "my answer"})
    )

    assert response.status_code == 409
    assert CONFLICT_MESSAGE in text_of(response)
    assert textarea(response, "body") == "typed here"
    assert textarea(response, answer) == "my answer"
    assert revision_on(response) == draft.revision  # a second press conflicts again
    assert "data-autosave-conflict" in response.content.decode()
    assert Submission.objects.get().body == "changed in another window"


def test_a_post_without_the_revision_is_refused_and_saves_nothing(
    as_user, student, assignment, frozen
):
    client = as_user(student)

    page = client.post(page_url(assignment), {"body": "text"})
    background = client.post(page_url(assignment), {"body": "text"}, **BACKGROUND)

    assert page.status_code == background.status_code == 400
    assert "reload it and try again" in text_of(page)
    assert textarea(page, "body") == "text"
    assert background.json() == {
        "status": "invalid",
        "message": "Not saved: The page was incomplete; reload it and try again.",
        "errors": {"revision": ["The page was incomplete; reload it and try again."]},
    }
    assert not Submission.objects.exists()


def test_text_over_the_length_limit_is_refused_and_kept_on_the_page(
    as_user, student, assignment, frozen
):
    response = as_user(student).post(page_url(assignment), draft_data(0, "word " * 20_001))

    assert response.status_code == 400
    assert "at most 100000 characters" in text_of(response)
    assert not Submission.objects.exists()


# Submitting


def test_submit_saves_what_was_typed_and_submits_it(as_user, student, assignment, frozen):
    client = as_user(student)

    response = client.post(url("writeup_submit", assignment), draft_data(0, ENOUGH))

    assert response.status_code == 302
    draft = Submission.objects.get()
    assert draft.body == ENOUGH and draft.is_submitted
    page = client.get(response.url)
    assert messages_of(page) == ["Submitted: version 1 of your write-up is in."]
    assert "Version 1" in text_of(page)


def test_a_double_click_on_submit_makes_one_version(as_user, student, assignment, frozen):
    client = as_user(student)
    data = draft_data(0, ENOUGH)

    client.post(url("writeup_submit", assignment), data)
    second = client.post(url("writeup_submit", assignment), data)

    assert Submission.objects.get().versions.count() == 1
    assert messages_of(client.get(second.url))[-1].startswith(
        "Already submitted: version 1 holds exactly this text"
    )


def test_an_under_length_submission_is_refused_saying_how_many_words_are_missing(
    as_user, student, assignment, frozen
):
    client = as_user(student)

    response = client.post(url("writeup_submit", assignment), draft_data(0, "Too short"))

    page = client.get(response.url)
    assert "Write 3 more words, then submit. Your draft is saved." in messages_of(page)[0]
    assert textarea(page, "body") == "Too short"
    assert not Submission.objects.get().is_submitted


def test_submitting_after_the_cut_off_is_refused_and_the_draft_is_kept(
    as_user, student, assignment, time_machine
):
    time_machine.move_to(local(2027, 3, 23, 9, 0), tick=False)
    client = as_user(student)

    response = client.post(url("writeup_submit", assignment), draft_data(0, ENOUGH))

    page = client.get(response.url)
    assert "Not submitted. The hard cut-off has passed" in messages_of(page)[0]
    assert textarea(page, "body") == ENOUGH
    assert not Submission.objects.get().versions.exists()


def test_a_late_submission_says_how_late_and_the_penalty(
    as_user, student, assignment, time_machine
):
    time_machine.move_to(local(2027, 3, 16, 9, 30), tick=False)
    client = as_user(student)

    response = client.post(url("writeup_submit", assignment), draft_data(0, ENOUGH))

    page = client.get(response.url)
    assert messages_of(page) == [
        "Submitted: version 1 of your write-up is in. It is 2 days late: a penalty of 20%."
    ]
    assert "2 days late, penalty 20%" in text_of(page)


def test_changes_after_submitting_are_flagged_until_submitted_again(
    as_user, student, assignment, frozen
):
    client = as_user(student)
    draft = submitted(assignment, student)
    client.post(page_url(assignment), draft_data(draft.revision, ENOUGH + " More."))

    page = client.get(page_url(assignment))
    assert "You have changes not yet submitted." in text_of(page)
    assert "Submit again (version 2)" in text_of(page)

    client.post(
        url("writeup_submit", assignment), draft_data(draft.revision + 1, ENOUGH + " More.")
    )

    page = client.get(page_url(assignment))
    assert "You have changes not yet submitted." not in text_of(page)
    assert [v.number for v in Submission.objects.get().versions.all()] == [2, 1]


def test_submit_on_a_stale_revision_shows_the_conflict_and_submits_nothing(
    as_user, student, assignment, frozen
):
    draft = saved(assignment, student)
    saved(assignment, student, ENOUGH + " From the other tab.", revision=draft.revision)

    response = as_user(student).post(
        url("writeup_submit", assignment), draft_data(draft.revision, ENOUGH + " From this tab.")
    )

    assert response.status_code == 409
    assert CONFLICT_MESSAGE in text_of(response)
    assert textarea(response, "body") == ENOUGH + " From this tab."
    assert not Submission.objects.get().is_submitted


def test_an_older_version_stays_readable_after_resubmitting(
    as_user, student, assignment, prompts, frozen
):
    client = as_user(student)
    answer = f"answer_{prompts[0].pk}"
    client.post(
        url("writeup_submit", assignment), draft_data(0, ENOUGH, **{answer: "First <b>take</b>"})
    )
    client.post(url("writeup_submit", assignment), draft_data(1, ENOUGH, **{answer: "Second take"}))

    response = client.get(url("writeup_version", assignment, 1))

    assert response.status_code == 200
    text = text_of(response)
    assert "Version 1 of your write-up" in text
    assert "What surprised you? First <b>take</b>" in text  # shown as text, never as markup
    assert "&lt;b&gt;take&lt;/b&gt;" in response.content.decode()
    assert "Replaced by a later version" in text
    assert "Second take" not in text
    assert as_user(student).get(url("writeup_version", assignment, 3)).status_code == 404


# Attachments


def test_uploading_a_real_pdf_saves_the_typed_text_first_and_lists_the_file(
    as_user, student, assignment, frozen
):
    client = as_user(student)
    data = {**draft_data(0, ENOUGH), "file": upload("reflection.pdf", samples.PDF)}

    response = client.post(url("attachment_upload", assignment), data)

    assert response.status_code == 302
    draft = Submission.objects.get()
    assert draft.body == ENOUGH
    assert draft.attachments.get().original_name == "reflection.pdf"
    page = client.get(response.url)
    assert messages_of(page) == ["“reflection.pdf” is attached."]
    assert "reflection.pdf (PDF, " in text_of(page)
    assert revision_on(page) == draft.revision == 2


def test_a_png_is_accepted_too(as_user, student, assignment, frozen):
    data = {**draft_data(0, ENOUGH), "file": upload("card.png", samples.png())}

    as_user(student).post(url("attachment_upload", assignment), data)

    assert Submission.objects.get().attachments.get().kind == "png"


def test_a_pdf_that_is_really_a_program_is_refused_and_the_typed_text_stays(
    as_user, student, assignment, frozen
):
    data = {**draft_data(0, ENOUGH), "file": upload("report.pdf", samples.WINDOWS_PROGRAM)}

    response = as_user(student).post(url("attachment_upload", assignment), data)

    assert response.status_code == 400
    error = re.search(r'id="error_1_id_file"[^>]*>(.*?)</', response.content.decode(), re.S)
    assert error and "“report.pdf” cannot be attached: it looks like a Windows program" in (
        text_of(error.group(1))
    )
    assert textarea(response, "body") == ENOUGH
    assert revision_on(response) == 1  # the text was saved; the page continues from there
    assert not Attachment.objects.exists()


def test_a_file_over_the_limit_is_refused_saying_the_limit(
    as_user, student, assignment, frozen, settings
):
    settings.ATTACHMENT_MAX_BYTES = 100
    data = {**draft_data(0, ENOUGH), "file": upload("big.pdf", samples.PDF + b" " * 200)}

    response = as_user(student).post(url("attachment_upload", assignment), data)

    assert response.status_code == 400
    assert "files can be at most 100 bytes" in text_of(response)
    assert not Attachment.objects.exists()


def test_a_type_the_assignment_does_not_take_is_refused(as_user, student, assignment, frozen):
    data = {**draft_data(0, ENOUGH), "file": upload("essay.docx", samples.docx())}

    response = as_user(student).post(url("attachment_upload", assignment), data)

    assert response.status_code == 400
    assert "which this assignment does not take. Accepted types: PDF or PNG image." in (
        text_of(response)
    )


def test_upload_without_a_file_asks_for_one(as_user, student, assignment, frozen):
    response = as_user(student).post(url("attachment_upload", assignment), draft_data(0, ENOUGH))

    assert response.status_code == 400
    assert "Choose a file to attach" in text_of(response)
    assert Submission.objects.get().body == ENOUGH


def test_upload_on_a_stale_revision_keeps_the_text_and_stores_no_file(
    as_user, student, assignment, frozen
):
    draft = saved(assignment, student)
    saved(assignment, student, ENOUGH + " Other tab.", revision=draft.revision)
    data = {**draft_data(draft.revision, "typed here"), "file": upload("r.pdf", samples.PDF)}

    response = as_user(student).post(url("attachment_upload", assignment), data)

    assert response.status_code == 409
    assert textarea(response, "body") == "typed here"
    assert not Attachment.objects.exists()


def test_removing_an_attachment_saves_the_text_and_takes_the_file_off_the_draft(
    as_user, student, assignment, frozen
):
    client = as_user(student)
    saved(assignment, student)
    attachment = attachment_add(
        assignment=assignment, student=student, upload=upload("r.pdf", samples.PDF), now=BEFORE_DUE
    )
    revision = Submission.objects.get().revision

    response = client.post(
        url("attachment_remove", assignment, attachment.pk),
        draft_data(revision, ENOUGH + " Edited."),
    )

    assert response.status_code == 302
    assert messages_of(client.get(response.url)) == ["“r.pdf” was removed from your draft."]
    assert not Attachment.objects.exists()
    assert Submission.objects.get().body == ENOUGH + " Edited."


@pytest.fixture
def attachment(assignment, student, frozen):
    saved(assignment, student)
    return attachment_add(
        assignment=assignment, student=student, upload=upload("my notes.pdf", samples.PDF),
        now=BEFORE_DUE,
    )  # fmt: skip


@pytest.mark.parametrize("viewer", ["student", "instructor", "assistant"])
def test_a_download_is_served_as_an_attachment_that_is_never_sniffed_or_run(
    request, as_user, assignment, student, attachment, viewer
):
    submitted(assignment, student)
    response = as_user(request.getfixturevalue(viewer)).get(
        reverse("interviews:attachment_download", args=[attachment.pk])
    )

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == samples.PDF
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="my notes.pdf"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"


@pytest.mark.parametrize(
    ("stored_as", "kind", "data", "served_as"),
    [
        ("report.exe", "pdf", samples.PDF, "report.pdf"),
        ("notes.bat", "txt", b"@echo off", "notes.txt"),
        ("page.html", "txt", b"<script>alert(1)</script>", "page.txt"),
        ("scan", "png", samples.png(), "scan.png"),
    ],
)
def test_a_file_stored_under_a_runnable_name_is_downloaded_under_its_types_extension(
    as_user, assignment, student, instructor, stored_as, kind, data, served_as
):
    # A row stored before names had to agree with the content.
    draft, _ = Submission.objects.get_or_create(assignment=assignment, student=student)
    attachment = Attachment(
        submission=draft, original_name=stored_as, kind=kind, content_type="text/html",
        size=len(data),
    )  # fmt: skip
    attachment.file.save("x", ContentFile(data), save=True)
    submitted(assignment, student)

    response = as_user(instructor).get(
        reverse("interviews:attachment_download", args=[attachment.pk])
    )

    assert response.status_code == 200
    assert response["Content-Disposition"] == f'attachment; filename="{served_as}"'
    assert not response["Content-Type"].startswith("text/html")


def test_a_pdf_named_like_a_program_is_refused_on_the_writeup_page(
    as_user, student, assignment, frozen
):
    data = {**draft_data(0, ENOUGH), "file": upload("report.exe", samples.PDF)}

    response = as_user(student).post(url("attachment_upload", assignment), data)

    assert response.status_code == 400
    error = re.search(r'id="error_1_id_file"[^>]*>(.*?)</', response.content.decode(), re.S)
    assert error and html.unescape(re.sub(r"<[^>]+>", "", error.group(1))).strip() == (
        "“report.exe” cannot be attached: this file's content is a PDF, but its name ends in "
        ".exe. Rename it to end in .pdf and try again."
    )
    assert not Attachment.objects.exists()


@pytest.mark.parametrize("viewer", ["instructor", "assistant"])
def test_staff_cannot_download_a_file_on_a_draft_not_yet_submitted(
    request, as_user, attachment, viewer
):
    response = as_user(request.getfixturevalue(viewer)).get(
        reverse("interviews:attachment_download", args=[attachment.pk])
    )

    assert response.status_code == 404


@pytest.mark.parametrize("viewer", ["classmate", "outsider", "other_instructor", "other_student"])
def test_nobody_else_can_download_a_students_file(request, as_user, attachment, viewer):
    response = as_user(request.getfixturevalue(viewer)).get(
        reverse("interviews:attachment_download", args=[attachment.pk])
    )

    assert response.status_code == 404


def test_a_classmate_cannot_remove_a_students_file_through_their_own_writeup(
    as_user, classmate, assignment, attachment
):
    response = as_user(classmate).post(
        url("attachment_remove", assignment, attachment.pk), draft_data(0, "")
    )

    assert response.status_code == 404
    assert Attachment.objects.filter(pk=attachment.pk, removed_at__isnull=True).exists()


def test_a_classmate_has_their_own_empty_writeup_and_never_sees_the_students(
    as_user, classmate, assignment, attachment
):
    response = as_user(classmate).get(page_url(assignment))

    assert textarea(response, "body") == ""
    assert "my notes.pdf" not in response.content.decode()
    assert as_user(classmate).get(url("writeup_version", assignment, 1)).status_code == 404


def test_staff_do_not_write_students_writeups(as_user, instructor, assistant, assignment, frozen):
    for person in (instructor, assistant):
        assert as_user(person).get(page_url(assignment)).status_code == 403
        assert as_user(person).post(page_url(assignment), draft_data(0, ENOUGH)).status_code == 403
    assert not Submission.objects.exists()


def test_an_assignment_of_another_course_is_not_found_through_ones_own_course(
    as_user, student, course, other_course, other_instructor, frozen
):
    foreign = Assignment.objects.create(
        course=other_course, title="Theirs", writeup_due_at=DUE, created_by=other_instructor
    )
    assignment_publish(assignment=foreign, by=foreign.created_by, now=BEFORE_DUE)

    for name in ("writeup", "writeup_submit", "attachment_upload"):
        target = reverse(f"interviews:{name}", args=[course.pk, foreign.pk])
        assert as_user(student).post(target, draft_data(0, ENOUGH)).status_code == 404
    assert (
        as_user(student)
        .get(reverse("interviews:writeup", args=[course.pk, foreign.pk]))
        .status_code
        == 404
    )
    assert not Submission.objects.exists()


def test_a_draft_assignment_is_not_found_by_students(as_user, student, assignment, frozen):
    assignment_unpublish(assignment=assignment, by=assignment.created_by)

    assert as_user(student).get(page_url(assignment)).status_code == 404


# The interview notes beside the prompts, and submitting with fewer interviews held


def section(response, heading_id: str) -> str:
    match = re.search(
        rf'<section[^>]*aria-labelledby="{heading_id}".*?</section>',
        response.content.decode(),
        re.S,
    )
    assert match, f"no section labelled {heading_id}"
    return text_of(match.group(0))


def held_interview(assignment, student, name="Dana Director", **fields):
    values = {"status": "held", "held_at": local(2027, 3, 5, 10, 0), **fields}
    return make_interview(assignment, student, make_contact(student, name), **values)


def test_the_page_shows_the_students_own_interview_notes_beside_the_prompts(
    as_user, student, classmate, assignment, prompts, frozen
):
    held_interview(
        assignment, student, notes="Her week: <b>meetings</b> and data.",
        insights="- Networking beats applying cold",
        went_poorly="Why data? Better: I like patterns that help people.",
    )  # fmt: skip
    held_interview(assignment, classmate, name="Carl's Contact", notes="Classmate's private notes")

    response = as_user(student).get(page_url(assignment))

    notes = section(response, "notes-heading")
    assert "Interview with Dana Director, 5 Mar 2027" in notes
    assert "Notes Her week: <b>meetings</b> and data." in notes
    assert "&lt;b&gt;meetings&lt;/b&gt;" in response.content.decode()
    assert "What you learned - Networking beats applying cold" in notes
    assert "better answer Why data? Better: I like patterns that help people." in notes
    assert "Classmate's private notes" not in text_of(response)
    assert "Carl's Contact" not in text_of(response)


def test_submitting_with_fewer_interviews_held_asks_first_and_says_what_is_missing(
    as_user, student, assignment, frozen
):
    assignment.required_interviews = 2
    assignment.save()
    held_interview(assignment, student)
    client = as_user(student)
    page = client.get(page_url(assignment))

    data = form_data(page, containing="body", button="Submit")
    data["body"] = ENOUGH
    asked = client.post(form_action(page, containing="body", button="Submit"), data, follow=True)

    draft = Submission.objects.get()
    assert draft.body == ENOUGH and not draft.is_submitted
    confirm = re.search(
        r'<div[^>]*id="submit-confirm".*?</div>\s*</div>', asked.content.decode(), re.S
    )
    assert confirm, "no confirmation"
    assert text_of(confirm.group(0)).startswith(
        "You have held 1 of the 2 interviews this assignment requires. Submit anyway?"
    )

    data = form_data(asked, containing="body", button="Submit anyway")
    done = client.post(form_action(asked, containing="body", button="Submit anyway"), data)

    assert Submission.objects.get().is_submitted
    assert messages_of(client.get(done.url)) == ["Submitted: version 1 of your write-up is in."]


def test_with_the_interviews_held_the_write_up_is_submitted_without_a_question(
    as_user, student, assignment, frozen
):
    held_interview(assignment, student)
    client = as_user(student)
    page = client.get(page_url(assignment))
    assert "interviews this assignment requires" not in text_of(page)

    data = form_data(page, containing="body", button="Submit")
    data["body"] = ENOUGH
    client.post(form_action(page, containing="body", button="Submit"), data)

    assert Submission.objects.get().is_submitted


def test_a_short_write_up_is_refused_for_its_length_before_any_question_about_interviews(
    as_user, student, assignment, frozen
):
    client = as_user(student)
    page = client.get(page_url(assignment))

    data = form_data(page, containing="body", button="Submit")
    data["body"] = "Too short"
    response = client.post(form_action(page, containing="body", button="Submit"), data)

    assert "?confirm" not in response.url
    assert messages_of(client.get(response.url))[0].startswith("Not submitted: the reflection")
