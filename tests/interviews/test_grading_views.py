"""The grading pages: the queue, one write-up's grading page (plain form and background save),
review and release, and the comment bank."""

import html
import re
from decimal import Decimal

import pytest
from django.core.files.base import ContentFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import User
from courses.models import Membership, Role
from interviews import grading
from interviews.models import (
    Attachment,
    BankQuestion,
    Contact,
    Grade,
    Interview,
    PreparedQuestion,
    ReflectionPrompt,
    SavedComment,
    Submission,
)
from interviews.notices import Kind
from notifications.models import Notification
from tests.factories import NOW, local, make_submission
from tests.forms_as_rendered import Page, as_post_data
from tests.interviews import samples
from tests.interviews.grading_samples import criteria, level
from tests.pages import section, text_of

D = Decimal
# How static/js/autosave-engine.js posts (interviews/views/autosave.py).
JSON = {"HTTP_ACCEPT": "application/json"}


pytestmark = [
    pytest.mark.usefixtures("frozen"),
    pytest.mark.assignment(late_percent_per_day=D(10), late_max_percent=D(50)),
]


def queue_url(assignment, **query) -> str:
    url = reverse("interviews:grading", args=[assignment.course_id, assignment.pk])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def grade_url(assignment, student, name="grade", **query) -> str:
    url = reverse(f"interviews:{name}", args=[assignment.course_id, assignment.pk, student.pk])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def form_data(rubric, *, revision=0, prep="Strong", refl="Fair", follow="8", **fields) -> dict:
    """The grading form as the page posts it."""
    preparation, reflection, follow_up = criteria(rubric)
    data = {
        "revision": revision,
        f"criterion_{preparation.pk}": level(preparation, prep).pk if prep else "",
        f"criterion_{reflection.pk}": level(reflection, refl).pk if refl else "",
        f"criterion_{follow_up.pk}": follow,
        f"comment_{preparation.pk}": "",
        f"comment_{reflection.pk}": "",
        f"comment_{follow_up.pk}": "",
        "overall_comment": "",
        "private_note": "",
        "penalty_override_percent": "",
        "penalty_override_reason": "",
        "insert_saved": "",
        "insert_into": "overall_comment",
        "action": "save",
    }
    data.update(fields)
    return data


def queue_rows(response) -> list[str]:
    content = response.content.decode()
    table = re.search(
        r'<table class="table align-middle" id="grading-queue">.*?</table>', content, re.S
    )
    if not table:
        return []
    return [
        text_of(row)
        for row in re.findall(r"<tr>\s*<th scope=\"row\">.*?</tr>", table.group(0), re.S)
    ]


def error_next_to(response, name: str) -> str:
    match = re.search(
        rf'<div class="invalid-feedback d-block" id="id_{name}_error"[^>]*>(.*?)</div>',
        response.content.decode(),
        re.S,
    )
    assert match, f"no message box for {name}"
    return text_of(match.group(1))


def checked_levels(response) -> list[str]:
    return re.findall(
        r'<input class="form-check-input" type="radio"[^>]*value="(\d*)"[^>]*checked',
        response.content.decode(),
    )


# The queue


def test_queue_lists_every_submitted_writeup_with_state_lateness_score_and_grader(
    as_user, instructor, assistant, rubric, writeup, late_writeup
):
    as_user(assistant).post(grade_url(rubric.assignment, writeup.student), form_data(rubric))

    response = as_user(instructor).get(queue_url(rubric.assignment))

    assert response.status_code == 200
    rows = queue_rows(response)
    assert len(rows) == 2
    assert rows[0].startswith("Carl Classmate")
    assert "Late 2 days · −20%" in rows[0] and "Not started" in rows[0]
    assert rows[1].startswith("Stella Student")
    assert "On time" in rows[1] and "Graded" in rows[1] and "16 / 20" in rows[1]
    assert "Aaron Assistant" in rows[1] and "Grade Stella Student" in rows[1]
    assert "Sun 14 Mar 2027" in rows[1]  # the submitted time


def test_queue_filters_show_their_counts(
    as_user, instructor, assistant, rubric, writeup, late_writeup
):
    as_user(assistant).post(grade_url(rubric.assignment, writeup.student), form_data(rubric))
    client = as_user(assistant)

    nav = text_of(
        re.search(
            r'<nav aria-label="Filter write-ups".*?</nav>',
            client.get(queue_url(rubric.assignment)).content.decode(),
            re.S,
        ).group(0)
    )
    assert nav == "All 2 Ungraded 1 Late 1 Graded by me 1 Needs review 0"
    assert [
        r.split(" ")[0]
        for r in queue_rows(client.get(queue_url(rubric.assignment, filter="ungraded")))
    ] == ["Carl"]
    assert [
        r.split(" ")[0] for r in queue_rows(client.get(queue_url(rubric.assignment, filter="late")))
    ] == ["Carl"]
    assert [
        r.split(" ")[0] for r in queue_rows(client.get(queue_url(rubric.assignment, filter="mine")))
    ] == ["Stella"]
    assert queue_rows(as_user(instructor).get(queue_url(rubric.assignment, filter="mine"))) == []
    assert "Nothing matches this filter" in text_of(
        client.get(queue_url(rubric.assignment, filter="review"))
    )


def test_queue_shows_withdrawn_students_marked(
    as_user, instructor, rubric, writeup, course, student
):
    Membership.objects.filter(course=course, user=student).update(removed_at=NOW)

    rows = queue_rows(as_user(instructor).get(queue_url(rubric.assignment)))

    assert rows == [next(r for r in rows if r.startswith("Stella Student Removed"))]


def test_release_button_counts_graded_work_and_explains_review(
    as_user, instructor, assistant, rubric, writeup, late_writeup
):
    assignment = rubric.assignment
    grading.assignment_require_review(assignment=assignment, required=True)
    as_user(assistant).post(grade_url(assignment, writeup.student), form_data(rubric))
    as_user(instructor).post(grade_url(assignment, late_writeup.student), form_data(rubric))

    release = section(as_user(instructor).get(queue_url(assignment)), "release-heading")

    assert "Release feedback (1 graded)" in release
    assert (
        "1 grade by assistants waits for an instructor's review and will not be released yet"
        in release
    )
    assistant_page = as_user(assistant).get(queue_url(assignment)).content.decode()
    assert "Release feedback (" not in assistant_page and "release-heading" not in assistant_page


def test_instructor_turns_review_on_from_the_queue_and_assistants_cannot(
    as_user, instructor, assistant, assignment
):
    url = reverse("interviews:grading_review_setting", args=[assignment.course_id, assignment.pk])

    assert as_user(assistant).post(url, {"require_review": "on"}).status_code == 403
    response = as_user(instructor).post(url, {"require_review": "on"})

    assert response.status_code == 302
    assignment.refresh_from_db()
    assert assignment.require_review
    as_user(instructor).post(url, {})
    assignment.refresh_from_db()
    assert not assignment.require_review


def test_queue_queries_stay_the_same_from_10_to_500_students(as_user, instructor, rubric):
    client = as_user(instructor)
    _class_of(rubric.assignment, 10)
    with CaptureQueriesContext(connection) as small:
        response = client.get(queue_url(rubric.assignment))
    assert len(queue_rows(response)) == 10

    _class_of(rubric.assignment, 490, start=10)
    with CaptureQueriesContext(connection) as large:
        response = client.get(queue_url(rubric.assignment, filter="ungraded", page=3))

    assert queue_heading(response) == "Write-ups 101–150 of 250: ungraded"
    assert len(queue_rows(response)) == 50
    # Sign-in (session, user), the assignment and membership, the header's unread notices, the
    # counts of the whole class, and this page's rows with their number.
    assert len(small.captured_queries) <= 10
    assert len(large.captured_queries) == len(small.captured_queries)


def queue_heading(response) -> str:
    match = re.search(r'<h2 id="queue-heading"[^>]*>(.*?)</h2>', response.content.decode(), re.S)
    assert match, "no queue heading"
    return text_of(match.group(1))


def nav_links(response, label: str) -> dict[str, str]:
    """The links of the navigation labelled ``label``, as ``{visible text: href}``."""
    nav = re.search(rf'<nav aria-label="{label}".*?</nav>', response.content.decode(), re.S)
    found = re.findall(r'<a [^>]*href="([^"]*)"[^>]*>(.*?)</a>', nav.group(0), re.S)
    return {text_of(text): html.unescape(href) for href, text in found}


def test_queue_pages_sorts_searches_and_filters_keeping_each_other_in_the_url(
    as_user, instructor, rubric
):
    _class_of(rubric.assignment, 130)
    client = as_user(instructor)
    url = queue_url(rubric.assignment)

    page = client.get(url, {"q": "student", "sort": "late", "dir": "desc", "per": "100"})

    assert queue_heading(page) == "Write-ups 1–100 of 130 matching “student”"
    assert queue_rows(page)[0].startswith("Student 000")  # late, and first by name
    assert (
        nav_links(page, "Write-up pages")["Next"] == "?q=student&sort=late&dir=desc&per=100&page=2"
    )
    # The filters keep the search, the sort and the page size, and go back to page 1.
    second = client.get(url + nav_links(page, "Write-up pages")["Next"])
    assert queue_heading(second) == "Write-ups 101–130 of 130 matching “student”"
    assert nav_links(second, "Filter write-ups")["Late 44"] == (
        "?q=student&sort=late&dir=desc&per=100&filter=late"
    )
    late = client.get(url + nav_links(second, "Filter write-ups")["Late 44"])
    assert queue_heading(late) == "Write-ups 1–44 of 44: late matching “student”"
    # The search form carries the filter, the sort and the page size to a new search.
    form = next(f for f in Page(late.content.decode()).forms if f.control("q"))
    assert form.method == "get"
    assert {k: v for k, v in form.submission().items() if k != "q"} == {
        "filter": ["late"], "per": ["100"], "sort": ["late"], "dir": ["desc"]
    }  # fmt: skip
    assert 'aria-sort="descending"' in late.content.decode()


@pytest.mark.parametrize(
    ("query", "heading"),
    [
        ({"page": "99", "per": "7", "sort": "password"}, "Write-ups 51–60 of 60"),
        ({"page": "abc", "filter": "everything", "dir": "up"}, "Write-ups 1–50 of 60"),
    ],
)
def test_queue_junk_in_the_url_shows_a_real_page(as_user, instructor, rubric, query, heading):
    _class_of(rubric.assignment, 60)

    response = as_user(instructor).get(queue_url(rubric.assignment), query)

    assert response.status_code == 200 and queue_heading(response) == heading


def test_a_search_that_finds_nobody_says_so(as_user, instructor, rubric, writeup):
    response = as_user(instructor).get(queue_url(rubric.assignment), {"q": "nobody"})

    assert "Nobody matches “nobody”. Clear the search." in text_of(response)
    assert "All 1" in text_of(response)  # the whole class's counts


def test_next_and_previous_walk_the_queue_as_filtered_and_sorted_across_its_pages(
    as_user, instructor, rubric
):
    _class_of(rubric.assignment, 130)
    client = as_user(instructor)
    listing = {"filter": "ungraded", "sort": "late", "dir": "desc"}
    first_page = client.get(queue_url(rubric.assignment, **listing))
    assert queue_heading(first_page) == "Write-ups 1–50 of 65: ungraded"
    last_grade_link = re.findall(r'href="([^"]*)">Grade<span', first_page.content.decode())[-1]

    grading_page = client.get(html.unescape(last_grade_link))

    # The odd-numbered students (ungraded), late first (3, 9, 15 … 129), then the others by
    # name: 1, 5, 7, 11 …; the 50th is Student 083, the 51st (on page 2) Student 085.
    assert "Grading Student 083" in text_of(grading_page)
    links = nav_links(grading_page, "Students")
    after = User.objects.get(full_name="Student 085")
    assert links["Next student: Student 085 →"] == grade_url(rubric.assignment, after, **listing)
    assert links["← Previous student: Student 079"].endswith("?filter=ungraded&sort=late&dir=desc")
    assert links["← Grading queue (ungraded)"] == queue_url(rubric.assignment, **listing)
    on_page_two = client.get(links["Next student: Student 085 →"])
    assert nav_links(on_page_two, "Students")["← Grading queue (ungraded)"] == queue_url(
        rubric.assignment, **listing, page=2
    )
    assert "← Previous student: Student 083" in nav_links(on_page_two, "Students")


# The grading page


def test_grading_page_shows_the_writeup_interview_record_and_rubric(
    as_user, assistant, rubric, assignment, student, classmate
):
    prompt = ReflectionPrompt.objects.create(assignment=assignment, text="What surprised you?")
    writeup = make_submission(
        assignment, student, at=local(2027, 3, 17, 9, 0), late_days=2, penalty="20",
        answers={str(prompt.pk): "How much they read."}, body="More thoughts here",
    )  # fmt: skip
    attachment = Attachment(
        submission=writeup, original_name="notes.pdf", kind="pdf",
        content_type="application/pdf", size=len(samples.PDF),
    )  # fmt: skip
    attachment.file.save("notes.pdf", ContentFile(samples.PDF), save=True)
    writeup.versions.get().attachments.add(attachment)
    referrer = Contact.objects.create(owner=student, name="Rita Referrer")
    contact = Contact.objects.create(
        owner=student, name="Priya Patel", job_title="Nurse manager", organisation="Acme Health",
        industry="Healthcare", how_met="Alumni night", referred_by=referrer,
    )  # fmt: skip
    interview = Interview.objects.create(
        assignment=assignment, student=student, contact=contact, status="held",
        scheduled_at=local(2027, 3, 5, 10, 0), held_at=local(2027, 3, 5, 10, 0),
        thank_you_sent_at=local(2027, 3, 6, 9, 0), insights="Night shifts are hard.",
        path_fit="yes", offer="internship",
    )  # fmt: skip
    interview.referrals.add(Contact.objects.create(owner=student, name="Nia New"))

    response = as_user(assistant).get(grade_url(assignment, student))

    assert response.status_code == 200
    writeup_text = section(response, "writeup-heading")
    assert "What surprised you? How much they read." in writeup_text
    assert "More thoughts here" in writeup_text and "7 words" in writeup_text
    assert "2 days late: the late policy gives a penalty of 20%" in writeup_text
    assert (
        reverse("interviews:attachment_download", args=[attachment.pk]) in response.content.decode()
    )
    record = section(response, "interviews-heading")
    for text in (
        "Priya Patel", "Nurse manager", "Acme Health", "Healthcare", "Alumni night",
        "Rita Referrer", "Fri 5 Mar 2027", "Thank-you note sent Sat 6 Mar 2027",
        "Night shifts are hard.", "Yes, the path still fits", "Nia New", "Internship offer",
    ):  # fmt: skip
        assert text in record, text
    content = response.content.decode()
    legend = re.search(r"<legend[^>]*>(.*?)</legend>", content, re.S).group(1)
    assert text_of(legend) == "Preparation (5 points)"
    assert "How good the preparation is." in content
    assert re.search(
        r'for="level-\d+"><span class="fw-semibold">Strong</span> · 5 points',
        content,
    )
    assert "Points for Follow-up (out of 10)" in content
    assert "Never shown to the student" in content
    assert 'autocomplete="off"' in content and 'name="revision" value="0"' in content
    grade_box = section(response, "grade-heading")
    assert "The late policy (10% a day, at most 50%) gives 20%." in grade_box
    for label in (
        "Save",
        "Save and next",
        "Keyboard shortcuts",
        "Insert a saved comment",
        "Save this comment to my bank",
    ):
        assert label in grade_box
    main = content.split("<main", 1)[1].split("</main>", 1)[0]
    assert "style=" not in main and "<script" not in main and "onclick" not in main


def evidence_of(assignment, student):
    """Two held interviews: Rita referred Priya; Priya's was moved, thanked within 24 h and
    followed up after 9 days; Rita's was thanked late and never followed up."""
    rita = Contact.objects.create(owner=student, name="Rita Referrer", organisation="Clinic")
    priya = Contact.objects.create(
        owner=student, name="Priya <b>Patel</b>", job_title="Nurse manager",
        organisation="Acme Health", industry="Healthcare", referred_by=rita,
    )  # fmt: skip
    first = Interview.objects.create(
        assignment=assignment, student=student, contact=rita, status="held",
        scheduled_at=local(2027, 3, 1, 10, 0), held_at=local(2027, 3, 1, 10, 0),
        thank_you_sent_at=local(2027, 3, 4, 12, 0),
    )  # fmt: skip
    first.referrals.add(priya)
    second = Interview.objects.create(
        assignment=assignment, student=student, contact=priya, status="held",
        scheduled_at=local(2027, 3, 3, 10, 0), held_at=local(2027, 3, 5, 10, 0),
        thank_you_sent_at=local(2027, 3, 5, 18, 0), follow_up_sent_at=local(2027, 3, 14, 10, 0),
        reply_received_at=local(2027, 3, 16, 9, 0), notes="Asked about <script>shifts</script>",
        went_poorly="Salary question. Better answer: ask how people grow in the role.",
        path_fit="unsure",
    )  # fmt: skip
    star = BankQuestion.objects.create(
        assignment=assignment, text="Tell me about a time a shift went wrong.", is_behavioural=True
    )
    plain = BankQuestion.objects.create(assignment=assignment, text="What does a day look like?")
    for position, (text, bank) in enumerate(
        ((star.text, star), (plain.text, plain), ("What surprised you most?", None))
    ):
        PreparedQuestion.objects.create(
            interview=second, position=position, text=text, bank_question=bank
        )
    return first, second


def test_grading_page_shows_the_evidence_the_rubric_grades(
    as_user, instructor, rubric, assignment, student
):
    make_submission(assignment, student, at=local(2027, 3, 14, 9, 0), body="My reflection")
    first, second = evidence_of(assignment, student)

    response = as_user(instructor).get(grade_url(assignment, student))

    html = response.content.decode()
    cards = {
        card.group(1): text_of(card.group(0))
        for card in re.finditer(r'<article[^>]*id="interview-(\d+)".*?</article>', html, re.S)
    }
    priya, rita = cards[str(second.pk)], cards[str(first.pk)]
    for text in (
        "Interview with Priya <b>Patel</b>", "Nurse manager", "Acme Health", "Healthcare",
        "Referred by Rita Referrer",
        "Held Fri 5 Mar 2027, 10:00 EST (planned Wed 3 Mar 2027, 10:00 EST",
        "Prepared questions (3)",
        "From the bank (2) Tell me about a time a shift went wrong. Behavioural (STAR) "
        "What does a day look like?",
        "Their own (1) What surprised you most?",
        "Interview notes Asked about <script>shifts</script>",
        "Went poorly, with a better answer Salary question. Better answer: ask how people grow",
        "Thank-you note sent Fri 5 Mar 2027, 18:00 EST Within 24 h",
        "Follow-up sent Sun 14 Mar 2027, 10:00 EDT After 9 days: within 1–2 weeks",
        "Reply received Tue 16 Mar 2027, 09:00 EDT",
        "Does the path still fit? Unsure",
    ):  # fmt: skip
        assert text in priya, text
    assert "Thank-you note sent Thu 4 Mar 2027, 12:00 EST 3 days after: later than 24 h" in rita
    assert (
        "Follow-up sent Not sent No reply yet, no follow-up (19 days since the interview)" in rita
    )
    assert "Held Mon 1 Mar 2027, 10:00 EST · Video call" in rita and "planned" not in rita
    # The referral chain: Rita's referral and Priya's referrer link to each other's interview.
    assert (
        f'<a href="#interview-{second.pk}">Priya &lt;b&gt;Patel&lt;/b&gt;, Nurse manager</a>'
        in html
    )
    assert f'<a href="#interview-{first.pk}">Rita Referrer</a>' in html
    assert "<script>shifts" not in html and "&lt;script&gt;shifts&lt;/script&gt;" in html
    # The write-up and its evidence first, in their own pane; the rubric in the other.
    assert html.index('aria-label="Student\'s work"') < html.index("My reflection")
    assert html.index("Salary question") < html.index('aria-label="Scoring"')
    assert html.index('aria-label="Scoring"') < html.index('id="grade-heading"')


@pytest.mark.parametrize("pairs", [1, 5])
def test_grading_page_queries_do_not_grow_with_the_interviews(
    as_user, instructor, rubric, assignment, student, pairs, django_assert_max_num_queries
):
    make_submission(assignment, student, at=local(2027, 3, 14, 9, 0), body="My reflection")
    for _ in range(pairs):
        evidence_of(assignment, student)
    client = as_user(instructor)

    # The place in the queue is two of these: the neighbours' ids, then the rows.
    with django_assert_max_num_queries(20):
        response = client.get(grade_url(assignment, student))

    assert response.content.decode().count('class="card mb-3 evidence"') == 2 * pairs


def test_saving_without_javascript_stores_the_grade_and_comes_back(
    as_user, assistant, rubric, writeup
):
    preparation = criteria(rubric)[0]
    url = grade_url(rubric.assignment, writeup.student)
    client = as_user(assistant)

    response = client.post(
        url, form_data(rubric, overall_comment="Well done.", private_note="Staff only",
                       **{f"comment_{preparation.pk}": "Great questions."}),
    )  # fmt: skip

    assert response.status_code == 302 and response.url == url
    grade = Grade.objects.get()
    assert (grade.score, grade.state, grade.revision) == (D(16), "complete", 1)
    assert grade.scores.get(criterion=preparation).comment == "Great questions."
    page = client.get(url)
    assert "Saved at 10:00." in text_of(page)  # in the grader's zone (Chicago)
    assert sorted(checked_levels(page)) == sorted(
        [str(level(criteria(rubric)[0], "Strong").pk), str(level(criteria(rubric)[1], "Fair").pk)]
    )
    assert 'name="revision" value="1"' in page.content.decode()


def test_save_and_next_goes_to_the_next_student_of_the_same_filter(
    as_user, instructor, rubric, writeup, late_writeup, course, outsider
):
    from courses.enrolment import member_enrol

    member_enrol(course=course, user=outsider, role=Role.STUDENT)
    outsider.full_name = "Ada Early"
    outsider.save()
    make_submission(rubric.assignment, outsider, at=local(2027, 3, 14, 8, 0), body="First")
    client = as_user(instructor)
    client.post(grade_url(rubric.assignment, late_writeup.student), form_data(rubric))

    # Ada, then Carl (already graded: not "ungraded"), then Stella.
    response = client.post(
        grade_url(rubric.assignment, outsider, filter="ungraded"),
        form_data(rubric, action="next"),
    )

    assert response.status_code == 302
    assert response.url == grade_url(rubric.assignment, writeup.student, filter="ungraded")
    page = client.get(response.url)
    assert "Previous student" not in text_of(page)  # Ada and Carl are graded now
    last = client.post(response.url, form_data(rubric, action="next"))
    assert last.url == queue_url(rubric.assignment, filter="ungraded")


def test_next_and_previous_links_carry_the_filter(
    as_user, instructor, rubric, writeup, late_writeup
):
    content = (
        as_user(instructor)
        .get(grade_url(rubric.assignment, late_writeup.student, filter="late"))
        .content.decode()
    )
    assert "Next student" not in content  # Stella is on time

    content = (
        as_user(instructor).get(grade_url(rubric.assignment, late_writeup.student)).content.decode()
    )
    link = f'href="{grade_url(rubric.assignment, writeup.student)}" rel="next" data-nav="next">'
    assert f"{link}Next student: Stella Student" in content


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("follow", "11", "Give from 0 to 10 points."),
        ("follow", "-2", "Give from 0 to 10 points."),
        ("prep", "wrong", "Choose one of the levels listed for this criterion."),
    ],
)
def test_bad_scores_are_refused_next_to_the_field_and_nothing_is_saved(
    as_user, instructor, rubric, writeup, field, value, message
):
    preparation, reflection, follow_up = criteria(rubric)
    name = {"follow": f"criterion_{follow_up.pk}", "prep": f"criterion_{preparation.pk}"}[field]
    data = form_data(rubric, overall_comment="Typed and kept")
    data[name] = level(reflection, "Strong").pk if value == "wrong" else value

    response = as_user(instructor).post(grade_url(rubric.assignment, writeup.student), data)

    assert response.status_code == 400
    assert error_next_to(response, name) == message
    assert "Typed and kept" in response.content.decode()
    assert not Grade.objects.exists()


def test_background_save_answers_with_json(as_user, assistant, rubric, writeup):
    url = grade_url(rubric.assignment, writeup.student)
    client = as_user(assistant)
    follow_up = criteria(rubric)[2]

    saved = client.post(url, form_data(rubric, follow=""), **JSON)
    assert saved.status_code == 200
    body = saved.json()
    # The assistant's review-and-release panel, sent again so the page follows the grade.
    assert "An instructor releases feedback" in body.pop("release_html")
    assert body == {
        "status": "saved", "revision": 1, "saved_at": "2027-03-20T15:00:00+00:00",
        "message": "Saved at 10:00", "state": "In progress",
        "score": "8", "final_score": "8", "points_possible": "20", "penalty_percent": "0",
    }  # fmt: skip

    refused = client.post(url, form_data(rubric, revision=1, follow="12"), **JSON)
    assert refused.status_code == 400
    body = refused.json()
    assert body["errors"] == {f"criterion_{follow_up.pk}": ["Give from 0 to 10 points."]}
    assert body["message"] == "Not saved: Give from 0 to 10 points. — your input is kept."

    again = client.post(url, form_data(rubric, revision=1), **JSON)
    assert again.json()["revision"] == 2 and again.json()["state"] == "Graded"


def test_two_graders_at_once_the_second_gets_409_and_the_first_grade_stands(
    as_user, instructor, assistant, rubric, writeup
):
    url = grade_url(rubric.assignment, writeup.student)
    # Both opened the page at revision 0; the instructor saves first.
    as_user(instructor).post(url, form_data(rubric, overall_comment="Instructor's words"))

    background = as_user(assistant).post(
        url, form_data(rubric, prep="Weak", overall_comment="Mine"), **JSON
    )
    plain = as_user(assistant).post(url, form_data(rubric, prep="Weak", overall_comment="Mine"))

    assert background.status_code == 409
    assert background.json() == {
        "status": "conflict", "revision": 1, "saved_at": "2027-03-20T15:00:00+00:00",
        "message": "Not saved: Ines Instructor saved this grade at 10:00 while you were "
        "working — your input is kept.",
        "saved_by": "Ines Instructor", "saved_clock": "10:00",
    }  # fmt: skip
    assert plain.status_code == 409
    alert = text_of(
        re.search(r'<div id="conflict".*?</div>', plain.content.decode(), re.S).group(0)
    )
    assert "Ines Instructor saved this grade Sat 20 Mar 2027, 10:00 CDT" in alert
    assert "Load their version" in alert and "Save mine over theirs" in alert
    assert re.search(r">\s*Mine</textarea>", plain.content.decode())  # the input is kept
    assert 'name="revision" value="0"' in plain.content.decode()
    grade = Grade.objects.get()
    assert grade.overall_comment == "Instructor's words" and grade.graded_by == instructor


def test_save_mine_over_theirs_after_being_told(as_user, instructor, assistant, rubric, writeup):
    url = grade_url(rubric.assignment, writeup.student)
    as_user(instructor).post(url, form_data(rubric, overall_comment="Instructor's words"))

    response = as_user(assistant).post(
        url, form_data(rubric, overall_comment="Mine", overwrite_revision="1")
    )

    assert response.status_code == 302
    assert Grade.objects.get().overall_comment == "Mine"


def test_late_penalty_is_applied_and_an_override_needs_a_reason(
    as_user, instructor, rubric, late_writeup
):
    url = grade_url(rubric.assignment, late_writeup.student)
    client = as_user(instructor)

    refused = client.post(url, form_data(rubric, penalty_override_percent="5"))
    assert refused.status_code == 400
    assert error_next_to(refused, "penalty_override_reason").startswith("Say why the late penalty")
    assert not Grade.objects.exists()

    client.post(url, form_data(rubric))
    assert Grade.objects.get().final_score == D("12.80")
    client.post(
        url,
        form_data(
            rubric, revision=1, penalty_override_percent="5", penalty_override_reason="Illness"
        ),
    )
    grade = Grade.objects.get()
    assert (grade.penalty_percent, grade.final_score) == (D(5), D("15.20"))
    assert "after the 5% late penalty: 15.2" in text_of(client.get(url))


def test_an_assistants_grade_is_released_only_after_an_instructor_reviews_it(
    as_user, instructor, assistant, rubric, writeup, student
):
    assignment = rubric.assignment
    grading.assignment_require_review(assignment=assignment, required=True)
    as_user(assistant).post(grade_url(assignment, writeup.student), form_data(rubric))
    release_all = reverse("interviews:grading_release", args=[assignment.course_id, assignment.pk])

    assert "No graded write-up is waiting to be released" in text_of(
        as_user(instructor).get(release_all)
    )
    as_user(instructor).post(release_all, {"count": 1})
    assert not Grade.objects.released().exists()
    page = as_user(instructor).get(grade_url(assignment, student))
    assert "Mark as reviewed" in text_of(
        page
    ) and "Release feedback to this student" not in text_of(page)
    assert (
        as_user(assistant).post(grade_url(assignment, student, "grade_review")).status_code == 403
    )

    as_user(instructor).post(grade_url(assignment, student, "grade_review"))
    response = confirm_release(as_user(instructor), release_all)

    assert response.status_code == 302
    assert Grade.objects.released().count() == 1
    assert Notification.objects.filter(recipient=student, kind=Kind.FEEDBACK_RELEASED).count() == 1


def queue_filter_counts(client, assignment) -> str:
    return text_of(
        re.search(
            r'<nav aria-label="Filter write-ups".*?</nav>',
            client.get(queue_url(assignment)).content.decode(),
            re.S,
        ).group(0)
    )


def test_an_assistants_edit_of_a_released_grade_is_held_back_until_an_instructor_reviews_it(
    as_user, instructor, assistant, rubric, writeup, student
):
    assignment = rubric.assignment
    feedback_url = reverse("interviews:feedback", args=[assignment.course_id, assignment.pk])
    grading.assignment_require_review(assignment=assignment, required=True)
    as_user(assistant).post(
        grade_url(assignment, student), form_data(rubric, overall_comment="First version.")
    )
    as_user(instructor).post(grade_url(assignment, student, "grade_review"))
    as_user(instructor).post(grade_url(assignment, student, "grade_release"))
    assert "First version." in text_of(as_user(student).get(feedback_url))
    released = Notification.objects.filter(recipient=student, kind=Kind.FEEDBACK_RELEASED)
    assert released.count() == 1

    # The assistant re-saves the released grade through the grading page as rendered.
    page_url = grade_url(assignment, student)
    page = as_user(assistant).get(page_url)
    assert "held back from them until an instructor reviews it" in text_of(page)
    form = Page(page.content.decode()).form("revision", "overall_comment")
    data = as_post_data(form.submission())
    data["overall_comment"] = "Second version, not reviewed."
    assert as_user(assistant).post(form.action(page_url), data).status_code == 302

    seen = text_of(as_user(student).get(feedback_url))
    assert "your teacher has not released feedback yet" in seen
    assert "Second version" not in seen and "First version." not in seen
    assert queue_filter_counts(as_user(instructor), assignment).endswith("Needs review 1")
    assert released.count() == 1  # nothing new to read yet

    reviewer = as_user(instructor)
    page = reviewer.get(page_url)
    review = next(f for f in Page(page.content.decode()).forms if "review/" in f.action(page_url))
    response = reviewer.post(review.action(page_url), as_post_data(review.submission()))

    assert response.status_code == 302
    assert "Reviewed and released again" in text_of(reviewer.get(response.url))
    assert "Second version, not reviewed." in text_of(as_user(student).get(feedback_url))
    assert queue_filter_counts(as_user(instructor), assignment).endswith("Needs review 0")
    assert [n.subject for n in released.order_by("pk")] == [
        f"Your grade and feedback are ready: {assignment.title}",
        f"Your grade and feedback were updated: {assignment.title}",
    ]


def test_an_instructors_edit_of_a_released_grade_shows_at_once(
    as_user, instructor, rubric, writeup, student
):
    assignment = rubric.assignment
    grading.assignment_require_review(assignment=assignment, required=True)
    client = as_user(instructor)
    client.post(grade_url(assignment, student), form_data(rubric))
    client.post(grade_url(assignment, student, "grade_release"))

    client.post(
        grade_url(assignment, student),
        form_data(rubric, revision=1, overall_comment="Changed by the instructor."),
    )

    feedback_url = reverse("interviews:feedback", args=[assignment.course_id, assignment.pk])
    assert "Changed by the instructor." in text_of(as_user(student).get(feedback_url))
    assert queue_filter_counts(client, assignment).endswith("Needs review 0")


def test_turning_review_off_gives_held_back_grades_back_to_their_students(
    as_user, instructor, assistant, rubric, writeup, student
):
    assignment = rubric.assignment
    grading.assignment_require_review(assignment=assignment, required=True)
    as_user(instructor).post(grade_url(assignment, student), form_data(rubric))
    as_user(instructor).post(grade_url(assignment, student, "grade_release"))
    as_user(assistant).post(
        grade_url(assignment, student), form_data(rubric, revision=1, overall_comment="Edited.")
    )
    assert not Grade.objects.released().exists()

    as_user(instructor).post(
        reverse("interviews:grading_review_setting", args=[assignment.course_id, assignment.pk]),
        {},
    )

    feedback_url = reverse("interviews:feedback", args=[assignment.course_id, assignment.pk])
    assert "Edited." in text_of(as_user(student).get(feedback_url))


def confirm_release(client, url):
    """Release the whole class as the instructor does: the confirmation page, then its form as
    rendered."""
    form = Page(client.get(url).content.decode()).form("count")
    return client.post(form.action(url), as_post_data(form.submission()))


def test_releasing_to_the_class_asks_first_naming_how_many_students(
    as_user, instructor, rubric, writeup, late_writeup
):
    assignment = rubric.assignment
    client = as_user(instructor)
    for submission in (writeup, late_writeup):
        client.post(grade_url(assignment, submission.student), form_data(rubric))
    queue = Page(client.get(queue_url(assignment)).content.decode())
    release = next(f for f in queue.forms if f.method == "get")  # "Release feedback (2 graded)…"
    url = release.action(queue_url(assignment))

    confirmation = client.get(url)

    assert confirmation.status_code == 200 and not Grade.objects.released().exists()
    assert "Feedback will be released to 2 students" in text_of(confirmation)
    assert "Release feedback to 2 students" in text_of(confirmation)
    unconfirmed = client.post(url)  # no confirmation: the page asks again, nothing is released
    assert unconfirmed.status_code == 200 and not Grade.objects.released().exists()
    assert "Release feedback to 2 students" in text_of(unconfirmed)

    response = confirm_release(client, url)

    assert response.status_code == 302
    assert Grade.objects.released().count() == 2
    assert "Feedback released to 2 students. They are notified." in text_of(
        client.get(response.url)
    )


def test_a_release_confirmed_for_fewer_students_than_are_ready_asks_again(
    as_user, instructor, rubric, writeup, late_writeup
):
    assignment = rubric.assignment
    client = as_user(instructor)
    client.post(grade_url(assignment, writeup.student), form_data(rubric))
    url = reverse("interviews:grading_release", args=[assignment.course_id, assignment.pk])
    form = Page(client.get(url).content.decode()).form("count")
    client.post(grade_url(assignment, late_writeup.student), form_data(rubric))  # meanwhile

    response = client.post(form.action(url), as_post_data(form.submission()))

    assert response.status_code == 409 and not Grade.objects.released().exists()
    assert "changed while you were deciding" in text_of(response)
    assert "Release feedback to 2 students" in text_of(response)


def test_instructor_releases_one_student_and_can_hide_it_again(
    as_user, instructor, assistant, rubric, writeup, late_writeup, student
):
    assignment = rubric.assignment
    for submission in (writeup, late_writeup):
        as_user(assistant).post(grade_url(assignment, submission.student), form_data(rubric))

    assert (
        as_user(assistant).post(grade_url(assignment, student, "grade_release")).status_code == 403
    )
    response = as_user(instructor).post(grade_url(assignment, student, "grade_release"))

    assert response.status_code == 302
    assert list(Grade.objects.released().values_list("submission", flat=True)) == [writeup.pk]
    note = Notification.objects.get()
    assert (note.recipient, note.kind) == (student, Kind.FEEDBACK_RELEASED)
    assert "Hide feedback again" in text_of(as_user(instructor).get(grade_url(assignment, student)))
    as_user(instructor).post(grade_url(assignment, student, "grade_unrelease"))
    assert not Grade.objects.released().exists()


def test_a_withdrawn_students_writeup_can_still_be_graded(
    as_user, instructor, rubric, writeup, course, student
):
    Membership.objects.filter(course=course, user=student).update(removed_at=NOW)
    url = grade_url(rubric.assignment, student)

    page = as_user(instructor).get(url)
    response = as_user(instructor).post(url, form_data(rubric))

    assert "Removed from the course" in text_of(page)
    assert response.status_code == 302 and Grade.objects.get().score == D(16)


def test_scores_never_carry_over_to_the_next_students_form(
    as_user, instructor, rubric, writeup, late_writeup, student, classmate
):
    client = as_user(instructor)
    client.post(
        grade_url(rubric.assignment, student),
        form_data(rubric, overall_comment="Only for Stella", private_note="Stella's note"),
    )

    page = client.get(grade_url(rubric.assignment, classmate))
    content = page.content.decode()

    assert checked_levels(page) == ["", ""]  # "Not scored yet" on both level criteria
    assert "Only for Stella" not in content and "Stella's note" not in content
    assert 'name="revision" value="0"' in content
    follow_up = criteria(rubric)[2]
    assert re.search(
        rf'<input type="number" name="criterion_{follow_up.pk}"(?![^>]*value=)', content
    )


def test_students_are_refused_every_grading_page(as_user, student, classmate, rubric, writeup):
    assignment = rubric.assignment
    urls = [
        queue_url(assignment),
        grade_url(assignment, student),
        grade_url(assignment, classmate),
    ]
    for url in urls:
        assert as_user(student).get(url).status_code == 403
    assert (
        as_user(student).post(grade_url(assignment, student), form_data(rubric)).status_code == 403
    )
    assert as_user(student).get(reverse("interviews:comment_bank")).status_code == 403
    assert not Grade.objects.exists()


def test_nothing_submitted_yet_is_not_found(as_user, instructor, rubric, classmate):
    Submission.objects.create(assignment=rubric.assignment, student=classmate, body="draft")

    assert as_user(instructor).get(grade_url(rubric.assignment, classmate)).status_code == 404


def test_without_a_rubric_the_page_asks_for_one_score(as_user, instructor, assignment, writeup):
    url = grade_url(assignment, writeup.student)

    assert "Score (out of 100)" in text_of(as_user(instructor).get(url))
    as_user(instructor).post(url, {"revision": 0, "score": "72.5", "overall_comment": "Good"})

    assert Grade.objects.get().score == D("72.5")


def test_grading_page_queries_stay_the_same_from_10_to_500_students(as_user, instructor, rubric):
    client = as_user(instructor)
    students = _class_of(rubric.assignment, 10)
    with CaptureQueriesContext(connection) as small:
        response = client.get(grade_url(rubric.assignment, students[5], sort="score"))
    assert "Next student" in text_of(response) and "Previous student" in text_of(response)

    students += _class_of(rubric.assignment, 490, start=10)
    with CaptureQueriesContext(connection) as large:
        response = client.get(grade_url(rubric.assignment, students[251], sort="score"))

    assert response.status_code == 200
    assert "Next student" in text_of(response) and "Previous student" in text_of(response)
    assert len(small.captured_queries) <= 25
    assert len(large.captured_queries) == len(small.captured_queries)


def _class_of(assignment, size, *, start=0) -> list[User]:
    """Students "Student 000"…, every third handed in late, every second graded 10/20."""
    users = User.objects.bulk_create(
        User(email=f"s{i}@example.edu", full_name=f"Student {i:03}", password="!")
        for i in range(start, start + size)
    )
    Membership.objects.bulk_create(
        Membership(course_id=assignment.course_id, user=u, role=Role.STUDENT) for u in users
    )
    submissions = Submission.objects.bulk_create(
        Submission(
            assignment=assignment,
            student=u,
            body="Words",
            word_count=1,
            revision=1,
            submitted_revision=1,
            submitted_at=NOW,
            is_late=i % 3 == 0,
            late_days=1 if i % 3 == 0 else 0,
        )  # fmt: skip
        for i, u in enumerate(users, start=start)
    )
    Grade.objects.bulk_create(
        Grade(submission=s, state="complete", score=D(10), final_score=D(10), points_possible=D(20))
        for s in submissions[::2]
    )
    return users


# The comment bank


def test_graders_keep_a_comment_bank_of_their_own(as_user, instructor, assistant, course):
    client = as_user(instructor)
    bank = reverse("interviews:comment_bank")

    assert client.post(bank, {"text": "   "}).status_code == 400
    client.post(bank, {"text": "Great open questions."})
    comment = SavedComment.objects.get()
    assert comment.owner == instructor and "Great open questions." in text_of(client.get(bank))

    edit = reverse("interviews:saved_comment_edit", args=[comment.pk])
    assert as_user(assistant).get(edit).status_code == 404
    assert client.post(edit, {"text": "Great, open questions."}).status_code == 302
    used = client.post(reverse("interviews:saved_comment_use", args=[comment.pk]))
    assert used.json()["use_count"] == 1
    assert "Used 1 time" in text_of(client.get(bank))
    assert "Great, open questions." not in text_of(as_user(assistant).get(bank))

    delete = reverse("interviews:saved_comment_delete", args=[comment.pk])
    assert as_user(assistant).post(delete).status_code == 404
    client.post(delete)
    assert not SavedComment.objects.exists()


def test_comment_bank_answers_the_grading_page_script_with_json(as_user, instructor, course):
    response = as_user(instructor).post(
        reverse("interviews:comment_bank"), {"text": "Cite the interview."}, **JSON
    )

    assert response.status_code == 201
    comment = SavedComment.objects.get()
    assert response.json() == {
        "id": comment.pk, "text": "Cite the interview.", "use_count": 0,
        "use_url": reverse("interviews:saved_comment_use", args=[comment.pk]),
    }  # fmt: skip


def test_without_javascript_a_saved_comment_is_inserted_and_a_comment_banked(
    as_user, instructor, rubric, writeup
):
    comment = SavedComment.objects.create(owner=instructor, text="Cite the interview.")
    reflection = criteria(rubric)[1]
    url = grade_url(rubric.assignment, writeup.student)
    client = as_user(instructor)

    client.post(url, form_data(
        rubric, action="insert", insert_saved=comment.pk, insert_into=f"comment_{reflection.pk}",
        **{f"comment_{reflection.pk}": "Thoughtful."},
    ))  # fmt: skip

    grade = Grade.objects.get()
    assert grade.scores.get(criterion=reflection).comment == "Thoughtful.\n\nCite the interview."
    comment.refresh_from_db()
    assert comment.use_count == 1
    assert "Cite the interview." in client.get(url).content.decode()

    client.post(url, form_data(
        rubric, revision=1, action="bank:overall_comment", overall_comment="Keep interviewing.",
    ))  # fmt: skip
    assert SavedComment.objects.filter(owner=instructor, text="Keep interviewing.").exists()


def test_the_comment_bank_is_for_staff(as_user, student, outsider, course):
    assert as_user(student).get(reverse("interviews:comment_bank")).status_code == 403
    assert (
        as_user(outsider).post(reverse("interviews:comment_bank"), {"text": "x"}).status_code == 403
    )
    assert not SavedComment.objects.exists()


def test_a_background_save_that_completes_the_grade_offers_the_instructor_the_release(
    as_user, instructor, rubric, writeup
):
    url = grade_url(rubric.assignment, writeup.student)
    client = as_user(instructor)

    partial = client.post(url, form_data(rubric, follow=""), **JSON).json()
    complete = client.post(url, form_data(rubric, revision=1), **JSON).json()

    assert "Score every criterion and save before releasing" in partial["release_html"]
    assert "Release feedback to this student" not in partial["release_html"]
    assert "Release feedback to this student" in complete["release_html"]
    assert 'name="csrfmiddlewaretoken"' in complete["release_html"]
