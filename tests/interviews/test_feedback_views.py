"""The feedback pages through the test client: the student's feedback page and conversation,
regrade requests, and the staff panel's message and resolve forms — and that nothing of an
unreleased grade or of the private note ever reaches a student."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.urls import reverse

from interviews.feedback import ALREADY_OPEN, NOT_RELEASED, REASON_TOO_SHORT, message_post
from interviews.models import FeedbackMessage, Grade, RegradeRequest
from interviews.notices import Kind
from interviews.permissions import get_submission_for_grader
from interviews.views.feedback import staff_panel
from notifications.models import Notification
from tests.factories import NOW
from tests.interviews.grading_samples import (
    PRIVATE,
    REASON,
    feedback_assignment,
    feedback_submission,
    make_grade,
)
from tests.pages import messages_of, text_of

pytestmark = pytest.mark.assignment(build=feedback_assignment)

HTMX = {"HTTP_HX_REQUEST": "true"}
# What an unreleased grade holds; none of it may reach the student.
GRADE_TEXT = ("14.4", "16 out of", "thoughtful", "About preparation", "Strong", "Selected",
              "Ines Instructor", "Rubric", "Regrade", PRIVATE)  # fmt: skip


def url(name, assignment, *extra):
    return reverse(f"interviews:{name}", args=[assignment.course_id, assignment.pk, *extra])


def assert_nothing_of_the_grade(response):
    text = text_of(response)
    for secret in GRADE_TEXT:
        assert secret not in text, f"{secret!r} leaked"
    assert PRIVATE not in response.content.decode()


# The student's page before release


def test_before_release_the_student_sees_only_that_feedback_is_not_released(
    as_user, student, submission, instructor
):
    make_grade(submission, instructor)  # complete, with comments and a private note

    response = as_user(student).get(url("feedback", submission.assignment))

    assert response.status_code == 200
    assert "your teacher has not released feedback yet" in text_of(response)
    assert "Submitted on" in text_of(response)
    assert_nothing_of_the_grade(response)


def test_a_draft_grade_and_no_grade_look_the_same_to_the_student(
    as_user, student, submission, instructor
):
    client = as_user(student)
    before = text_of(client.get(url("feedback", submission.assignment)))
    make_grade(submission, instructor, state=Grade.State.DRAFT)

    assert text_of(client.get(url("feedback", submission.assignment))) == before


def test_no_response_to_the_student_reveals_an_unreleased_grade(
    as_user, student, submission, instructor
):
    make_grade(submission, instructor)
    assignment = submission.assignment
    client = as_user(student)

    responses = [
        client.get(url("feedback", assignment)),
        client.post(url("feedback_message", assignment), {"body": "Is it graded?"}, **HTMX),
        client.post(url("feedback_message", assignment), {"body": ""}, **HTMX),
        client.post(url("feedback_message", assignment), {"body": ""}),
        client.post(url("feedback_message", assignment), {"body": "Hi"}, follow=True),
        client.post(url("regrade_request", assignment), {"reason": REASON}),
        client.get(url("assignment_detail", assignment)),
    ]

    for response in responses:
        assert response.status_code in (200, 400)
        assert_nothing_of_the_grade(response)
    assert not RegradeRequest.objects.exists()


def test_asking_for_a_regrade_before_release_is_refused_in_the_same_words_as_without_a_grade(
    as_user, student, submission, instructor
):
    client = as_user(student)
    without = client.post(url("regrade_request", submission.assignment), {"reason": REASON})
    make_grade(submission, instructor)
    with_grade = client.post(url("regrade_request", submission.assignment), {"reason": REASON})

    for response in (without, with_grade):
        assert response.status_code == 400
        assert messages_of(response) == [NOT_RELEASED]
    assert text_of(without) == text_of(with_grade)
    assert not RegradeRequest.objects.exists()


# The student's page once released


def test_released_feedback_shows_score_penalty_rubric_levels_and_comments(
    as_user, student, submission, instructor
):
    make_grade(submission, instructor, released=True)

    response = as_user(student).get(url("feedback", submission.assignment))

    text = text_of(response)
    assert "14.4 out of 20 (72%)" in text
    assert "Score before the late penalty 16 out of 20" in text
    assert "Late penalty applied 10% (−1.6 points)" in text
    assert "Graded by Ines Instructor on" in text
    html = response.content.decode()
    assert "A <strong>thoughtful</strong> reflection." in html  # the overall comment
    assert "About preparation: see the notes." in text
    assert "About reflection: see the notes." in text
    rows = re.findall(r"<tr>\s*<th scope=\"row\">(.*?)</tr>", html, re.S)
    assert len(rows) == 2
    preparation, reflection = (text_of(row) for row in rows)
    # Every level is listed; the one given is marked in words, not by colour alone.
    assert "✓ Strong (10 points) Selected" in preparation
    assert "Fair (6 points) Fair preparation." in preparation
    assert "Weak (2 points)" in preparation
    assert "✓ Fair (6 points) Selected" in reflection
    assert "6 / 10" in reflection
    assert PRIVATE not in html


def test_the_overall_score_and_comment_come_before_the_criteria(
    as_user, student, submission, instructor
):
    make_grade(submission, instructor, released=True)

    html = as_user(student).get(url("feedback", submission.assignment)).content.decode()

    score = html.index("14.4</strong> out of 20")
    comment = html.index("A <strong>thoughtful</strong> reflection.")
    criteria = html.index('id="rubric-heading"')
    assert score < comment < criteria
    assert html.index('id="comment-heading"') < html.index("About preparation: see the notes.")


def test_the_private_note_never_shows_to_the_student(as_user, student, submission, instructor):
    grade = make_grade(submission, instructor, released=True)
    grade.overall_comment = ""
    grade.save()

    client = as_user(student)
    for response in (
        client.get(url("feedback", submission.assignment)),
        client.get(url("assignment_detail", submission.assignment)),
        client.post(url("feedback_message", submission.assignment), {"body": "x"}, **HTMX),
    ):
        assert PRIVATE not in response.content.decode()


def test_a_changed_late_penalty_shows_with_the_graders_reason(
    as_user, student, submission, instructor
):
    make_grade(
        submission, instructor, released=True, penalty_override_percent=Decimal("5"),
        penalty_override_reason="The library was closed that day.", final_score=Decimal("15.2"),
    )  # fmt: skip

    text = text_of(as_user(student).get(url("feedback", submission.assignment)))

    assert "15.2 out of 20" in text
    assert "Late penalty applied 5% (−0.8 points)" in text
    assert "The late policy gave 10%. Reason: The library was closed that day." in text


def test_a_waived_penalty_and_an_on_time_write_up_say_none(
    as_user, student, classmate, submission, instructor
):
    make_grade(
        submission, instructor, released=True, penalty_override_percent=Decimal("0"),
        penalty_override_reason="Extension granted late.", final_score=Decimal("16"),
    )  # fmt: skip
    on_time = feedback_submission(submission.assignment, classmate)
    make_grade(
        on_time, instructor, released=True, late_penalty_percent=Decimal("0"),
        final_score=Decimal("16"),
    )  # fmt: skip

    waived = text_of(as_user(student).get(url("feedback", submission.assignment)))
    clean = text_of(as_user(classmate).get(url("feedback", submission.assignment)))

    assert "16 out of 20 (80%)" in waived
    assert "Late penalty applied None Changed by your teacher The late policy gave 10%." in waived
    assert "Reason: Extension granted late." in waived
    assert "Late penalty applied None Graded by" in clean


def test_staff_do_not_use_the_students_feedback_page(as_user, instructor, assistant, submission):
    for person in (instructor, assistant):
        assert as_user(person).get(url("feedback", submission.assignment)).status_code == 403


def test_a_student_who_has_not_submitted_has_no_feedback_page(as_user, classmate, submission):
    assert as_user(classmate).get(url("feedback", submission.assignment)).status_code == 404


def test_the_feedback_page_costs_the_same_queries_for_a_long_thread(
    as_user, student, submission, instructor, django_assert_max_num_queries
):
    make_grade(submission, instructor, released=True)
    for index in range(15):
        author = student if index % 2 else instructor
        message_post(submission=submission, author=author, body=f"Message {index}", now=NOW)
    RegradeRequest.objects.create(grade=submission.grade, student=student, reason=REASON)
    client = as_user(student)

    with django_assert_max_num_queries(12):
        response = client.get(url("feedback", submission.assignment))
    assert "Message 14" in text_of(response)


# The conversation, student side


def test_the_student_replies_without_javascript_and_staff_are_notified(
    as_user, student, submission, instructor, assistant
):
    response = as_user(student).post(
        url("feedback_message", submission.assignment), {"body": "Could you explain Fair?"}
    )

    assert response.status_code == 302
    assert response.url == url("feedback", submission.assignment) + "#conversation"
    message = FeedbackMessage.objects.get()
    assert (message.author, message.body, message.submission) == (
        student,
        "Could you explain Fair?",
        submission,
    )
    assert set(
        Notification.objects.filter(kind=Kind.STUDENT_MESSAGE).values_list("recipient", flat=True)
    ) == {instructor.pk, assistant.pk}


def test_the_thread_shows_authors_and_times_newest_last(as_user, student, submission, instructor):
    message_post(submission=submission, author=student, body="First question", now=NOW)
    message_post(
        submission=submission, author=instructor, body="An answer", now=NOW + timedelta(hours=1)
    )

    response = as_user(student).get(url("feedback", submission.assignment))

    text = text_of(response)
    assert re.search(r"You Student .*First question.*Ines Instructor Staff .*An answer", text)
    assert "<time" in response.content.decode()


def test_an_htmx_reply_returns_the_updated_thread_alone(as_user, student, submission):
    response = as_user(student).post(
        url("feedback_message", submission.assignment), {"body": "Thanks!"}, **HTMX
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert html.startswith('<section id="conversation"')
    assert "<html" not in html
    assert "Message sent." in text_of(response)
    assert "Thanks!" in text_of(response)
    assert 'name="csrfmiddlewaretoken"' in html


def test_an_empty_reply_says_so_next_to_the_field_and_saves_nothing(as_user, student, submission):
    client = as_user(student)
    page = client.post(url("feedback_message", submission.assignment), {"body": "   "})
    fragment = client.post(url("feedback_message", submission.assignment), {"body": ""}, **HTMX)

    assert page.status_code == 400
    assert "Write a message before sending." in text_of(page)
    assert fragment.status_code == 200  # HTMX swaps only successful responses
    assert "Write a message before sending." in text_of(fragment)
    assert not FeedbackMessage.objects.exists()
    assert not Notification.objects.exists()


def test_a_too_long_reply_keeps_what_was_typed(as_user, student, submission):
    typed = "Long " * 1001

    response = as_user(student).post(
        url("feedback_message", submission.assignment), {"body": typed}
    )

    assert response.status_code == 400
    assert "Keep your message to 5,000 characters or fewer." in text_of(response)
    assert typed.strip() in response.content.decode()
    assert not FeedbackMessage.objects.exists()


def test_html_in_a_message_is_shown_as_text_with_its_line_breaks(
    as_user, student, submission, instructor
):
    body = '<script>alert("x")</script>\n<img src=x onerror=alert(1)>Second line'
    message_post(submission=submission, author=student, body=body, now=NOW)

    for response in (
        as_user(student).get(url("feedback", submission.assignment)),
        as_user(instructor).post(
            url("grade_message", submission.assignment, submission.student_id), {"body": "Ok"},
            **HTMX,
        ),
    ):  # fmt: skip
        html = response.content.decode()
        assert "<script>alert" not in html
        assert "<img src=x" not in html
        assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;<br>&lt;img" in html


def test_a_classmate_never_sees_or_posts_on_the_students_thread(
    as_user, student, classmate, submission, instructor
):
    make_grade(submission, instructor, released=True)
    message_post(submission=submission, author=student, body="Stella's question", now=NOW)
    classmates = feedback_submission(submission.assignment, classmate)
    client = as_user(classmate)

    page = client.get(url("feedback", submission.assignment))
    client.post(url("feedback_message", submission.assignment), {"body": "Carl's question"})
    staff_route = client.post(
        url("grade_message", submission.assignment, student.pk), {"body": "Sneaky"}
    )

    assert "Stella's question" not in text_of(page)
    assert "14.4" not in text_of(page)  # the student's score
    assert staff_route.status_code == 403
    assert list(submission.messages.values_list("body", flat=True)) == ["Stella's question"]
    assert list(classmates.messages.values_list("body", flat=True)) == ["Carl's question"]


# Regrade requests, student side


def test_the_student_asks_for_a_regrade_and_sees_it_waiting(as_user, student, released):
    client = as_user(student)
    assignment = released.submission.assignment

    response = client.post(url("regrade_request", assignment), {"reason": REASON})

    assert response.status_code == 302
    assert response.url == url("feedback", assignment) + "#regrade"
    request = RegradeRequest.objects.get()
    assert (request.grade, request.student, request.reason) == (released, student, REASON)
    page = client.get(response.url)
    text = text_of(page)
    assert "Waiting for an answer" in text
    assert REASON in text
    assert "You can ask again once your open request is answered." in text
    assert 'action="' + url("regrade_request", assignment) not in page.content.decode()


def test_a_regrade_without_a_real_reason_is_refused_next_to_the_field(as_user, student, released):
    response = as_user(student).post(
        url("regrade_request", released.submission.assignment), {"reason": "Unfair"}
    )

    assert response.status_code == 400
    assert REASON_TOO_SHORT in text_of(response)
    assert ">\nUnfair</textarea>" in response.content.decode()
    assert not RegradeRequest.objects.exists()


def test_a_second_open_regrade_request_is_refused_keeping_what_was_typed(
    as_user, student, released
):
    RegradeRequest.objects.create(grade=released, student=student, reason=REASON)

    response = as_user(student).post(
        url("regrade_request", released.submission.assignment),
        {"reason": "And another thing I noticed about the reflection."},
    )

    assert response.status_code == 400
    assert ALREADY_OPEN in text_of(response)
    assert "And another thing I noticed" in response.content.decode()
    assert RegradeRequest.objects.count() == 1


def test_the_student_reads_the_answer_to_their_request(as_user, student, assistant, released):
    RegradeRequest.objects.create(
        grade=released, student=student, reason=REASON, resolved_at=NOW, resolved_by=assistant,
        outcome="changed", response="Preparation is now Strong.",
    )  # fmt: skip

    text = text_of(as_user(student).get(url("feedback", released.submission.assignment)))

    assert "Answered: Grade changed" in text
    assert "Answer from Aaron Assistant" in text
    assert "Preparation is now Strong." in text
    assert "Ask for a regrade" in text  # a new one may be asked for


# Staff: messages and resolving, from the panel on the grading page


def test_staff_reply_goes_back_to_the_grading_page_and_notifies_the_student(
    as_user, assistant, student, submission
):
    assignment = submission.assignment

    response = as_user(assistant).post(
        url("grade_message", assignment, student.pk), {"body": "See the rubric."}
    )

    assert response.status_code == 302
    assert response.url == url("grade", assignment, student.pk) + "#conversation"
    assert FeedbackMessage.objects.get().author == assistant
    assert list(Notification.objects.values_list("recipient", "kind")) == [
        (student.pk, Kind.FEEDBACK_MESSAGE)
    ]


def test_staff_htmx_reply_returns_the_thread_with_a_fresh_form(
    as_user, instructor, student, submission
):
    response = as_user(instructor).post(
        url("grade_message", submission.assignment, student.pk), {"body": "Well done"}, **HTMX
    )

    assert response.status_code == 200
    assert response.content.decode().startswith('<section id="conversation"')
    assert "Well done" in text_of(response)
    assert 'id="id_staff_message_body"' in response.content.decode()


def test_an_empty_staff_reply_without_javascript_keeps_the_page_with_the_error(
    as_user, instructor, student, submission
):
    response = as_user(instructor).post(
        url("grade_message", submission.assignment, student.pk), {"body": " "}
    )

    assert response.status_code == 400
    text = text_of(response)
    assert "Write a message before sending." in text
    assert "back to the grading page" in text
    assert not FeedbackMessage.objects.exists()


def test_people_outside_the_course_staff_cannot_post_staff_messages(
    as_user, student, outsider, other_instructor, submission
):
    target = url("grade_message", submission.assignment, student.pk)
    assert as_user(student).post(target, {"body": "x"}).status_code == 403
    assert as_user(outsider).post(target, {"body": "x"}).status_code == 404
    assert as_user(other_instructor).post(target, {"body": "x"}).status_code == 404
    assert not FeedbackMessage.objects.exists()


@pytest.fixture
def open_request(released, student):
    return RegradeRequest.objects.create(grade=released, student=student, reason=REASON)


def test_staff_resolve_a_request_and_the_student_is_notified(
    as_user, instructor, student, open_request
):
    assignment = open_request.grade.submission.assignment

    response = as_user(instructor).post(
        url("regrade_resolve", assignment, student.pk, open_request.pk),
        {"outcome": "unchanged", "response": "Fair is right: the questions came late."},
    )

    assert response.status_code == 302
    assert response.url == url("grade", assignment, student.pk) + "#regrade-requests"
    open_request.refresh_from_db()
    assert (open_request.outcome, open_request.resolved_by) == ("unchanged", instructor)
    assert list(Notification.objects.values_list("recipient", "kind")) == [
        (student.pk, Kind.REGRADE_ANSWERED)
    ]


def test_a_resolution_without_a_response_keeps_the_choice_and_says_what_is_missing(
    as_user, instructor, student, open_request
):
    assignment = open_request.grade.submission.assignment

    response = as_user(instructor).post(
        url("regrade_resolve", assignment, student.pk, open_request.pk), {"outcome": "changed"}
    )

    assert response.status_code == 400
    assert "Write a response: the student reads it with the outcome." in text_of(response)
    assert re.search(r'value="changed"[^>]*checked', response.content.decode())
    open_request.refresh_from_db()
    assert open_request.is_open


def test_an_answered_request_cannot_be_answered_again(
    as_user, instructor, assistant, student, open_request
):
    target = url(
        "regrade_resolve", open_request.grade.submission.assignment, student.pk, open_request.pk
    )
    as_user(assistant).post(target, {"outcome": "changed", "response": "Fixed."})

    response = as_user(instructor).post(target, {"outcome": "unchanged", "response": "No."})

    assert response.status_code == 400
    assert "This regrade request has already been answered." in text_of(response)
    open_request.refresh_from_db()
    assert (open_request.outcome, open_request.resolved_by) == ("changed", assistant)


def test_a_request_is_only_reached_through_its_own_students_grading_url(
    as_user, instructor, student, classmate, open_request
):
    assignment = open_request.grade.submission.assignment
    feedback_submission(assignment, classmate)

    response = as_user(instructor).post(
        url("regrade_resolve", assignment, classmate.pk, open_request.pk),
        {"outcome": "changed", "response": "x"},
    )

    assert response.status_code == 404
    assert RegradeRequest.objects.get().is_open


# The staff panel include


def render_panel(user, submission, **extra) -> str:
    request = RequestFactory().get("/")
    request.user = user
    submission, _ = get_submission_for_grader(
        user, submission.assignment.course_id, submission.assignment_id, submission.student_id
    )
    grade = getattr(submission, "grade", None)
    context = {
        "submission": submission,
        "grade": grade,
        "course": submission.assignment.course,
        "assignment": submission.assignment,
        "panel": staff_panel(submission, grade),
        **extra,
    }
    return render_to_string("interviews/feedback/_staff_panel.html", context, request=request)


def test_the_staff_panel_shows_the_thread_and_answers_the_open_request(
    instructor, student, assistant, open_request
):
    submission = open_request.grade.submission
    message_post(submission=submission, author=student, body="Any news?", now=NOW)
    RegradeRequest.objects.filter(pk=open_request.pk).update(
        resolved_at=NOW, resolved_by=assistant, outcome="unchanged", response="It stands."
    )
    newer = RegradeRequest.objects.create(
        grade=open_request.grade, student=student, reason="The reflection deserves Strong."
    )
    assignment = submission.assignment

    html = render_panel(instructor, submission)

    text = text_of(html)
    assert "Stella Student Student" in text and "Any news?" in text
    assert f'action="{url("grade_message", assignment, student.pk)}"' in html
    assert f'action="{url("regrade_resolve", assignment, student.pk, newer.pk)}"' in html
    assert "Open: waiting for your answer" in text
    assert "Answered: Grade kept" in text and "It stands." in text
    assert "Grade changed" in text  # the outcome choice


def test_the_staff_panel_works_before_grading_and_costs_few_queries(
    instructor, student, submission, django_assert_max_num_queries
):
    html = render_panel(instructor, submission)
    assert "No messages yet." in text_of(html)
    assert "No regrade requests." in text_of(html)

    make_grade(submission, instructor)
    for index in range(12):
        message_post(submission=submission, author=instructor, body=f"Note {index}", now=NOW)
    on_page, _ = get_submission_for_grader(
        instructor, submission.assignment.course_id, submission.assignment_id, student.pk
    )
    context = {
        "submission": on_page,
        "grade": on_page.grade,
        "course": on_page.assignment.course,
        "assignment": on_page.assignment,
    }
    with django_assert_max_num_queries(2):  # the thread and the regrade requests
        context["panel"] = staff_panel(on_page, on_page.grade)
        html = render_to_string("interviews/feedback/_staff_panel.html", context)
    assert "Note 11" in text_of(html)


# The assignment page's feedback section


def test_the_assignment_page_links_to_released_feedback_with_the_score(
    as_user, student, released, django_assert_max_num_queries
):
    assignment = released.submission.assignment
    client = as_user(student)

    with django_assert_max_num_queries(12):  # one more than without the feedback section
        response = client.get(url("assignment_detail", assignment))

    text = text_of(response)
    assert "Feedback released: 14.4/20 — read it." in text
    html = response.content.decode()
    assert f'<a href="{url("feedback", assignment)}">read it</a>' in html
    assert f'href="{url("feedback", assignment)}#conversation"' in html


def test_the_assignment_page_says_feedback_is_not_released_yet(
    as_user, student, submission, instructor
):
    make_grade(submission, instructor)

    response = as_user(student).get(url("assignment_detail", submission.assignment))

    assert "Submitted; feedback not released yet." in text_of(response)
    assert_nothing_of_the_grade(response)


def test_the_assignment_page_has_no_feedback_section_before_submitting(
    as_user, student, assignment
):
    response = as_user(student).get(url("assignment_detail", assignment))

    assert 'id="feedback-heading"' not in response.content.decode()


def test_the_grading_page_carries_the_conversation_and_the_open_request(
    as_user, instructor, student, open_request
):
    submission = open_request.grade.submission
    message_post(submission=submission, author=student, body="Did you see page 2?", now=NOW)
    assignment = submission.assignment

    response = as_user(instructor).get(url("grade", assignment, student.pk))

    assert response.status_code == 200
    text = text_of(response)
    assert "Did you see page 2?" in text
    assert "Open: waiting for your answer" in text
    html = response.content.decode()
    assert f'action="{url("grade_message", assignment, student.pk)}"' in html
    assert f'action="{url("regrade_resolve", assignment, student.pk, open_request.pk)}"' in html
