"""The public XSS corpus typed into what people write about themselves and their courses, then
rendered in a real browser: nothing may execute."""

import pytest

from courses.enrolment import course_create, invitation_create, member_enrol
from courses.models import Role
from tests.browser.conftest import sign_in
from tests.browser.support import INJECTED, payloads
from tests.factories import make_user

pytestmark = pytest.mark.browser


@pytest.mark.corpus
def test_xss_corpus_in_course_and_people_fields_never_executes(site_url, page, instructor):
    corpus = payloads()
    for index, payload in enumerate(corpus):
        course = course_create(
            creator=instructor, title=payload[:200], code=payload[:40], term=payload[:60],
            description=payload,
        )  # fmt: skip
        if index % 10 == 0:
            person = make_user(f"p{index}@example.edu", payload[:150])
            member_enrol(course=course, user=person, role=Role.STUDENT)
            invitation_create(
                course=course, email=f"i{index}@example.edu", name=payload[:150],
                role=Role.STUDENT, invited_by=instructor,
            )  # fmt: skip
    executed = []
    page.on("dialog", lambda dialog: (executed.append(dialog.message), dialog.dismiss()))
    page.add_init_script("window.__xss = []; window.alert = (m) => window.__xss.push(String(m));")

    sign_in(page, site_url, instructor.email)
    visited = ["/courses/"]
    for course in instructor.memberships.select_related("course")[:: len(corpus) // 12 or 1]:
        visited += [f"/courses/{course.course_id}/", f"/courses/{course.course_id}/roster/",
                    f"/courses/{course.course_id}/settings/"]  # fmt: skip
    for path in visited:
        page.goto(site_url + path)
        assert page.evaluate("window.__xss.length") == 0, path
        assert page.evaluate(INJECTED) == [], path

    assert executed == []
    page.goto(site_url + "/courses/")
    assert corpus[0] in page.inner_text("main")  # shown as the text that was typed
