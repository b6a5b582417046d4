"""Deep linking round trip with a real platform (lti1p3platform on loopback): the instructor's
deep-linking launch, the picker as rendered, the signed LtiDeepLinkingResponse the platform
checks against Rapport's JWKS, and the placed link opening the assignment."""

import html
import re
from urllib.parse import parse_qsl, urlsplit

import pytest
import requests
from django.urls import reverse
from lti_tool.models import Key

from lti.config import tool_urls
from lti.models import AssignmentLink, CourseLink
from tests.factories import make_assignment
from tests.lti.conftest import launch
from tests.lti.platform import LEARNER, Person

REFUSAL = "This launch could not be verified"


@pytest.fixture
def lms(platform):
    platform.tool_key_set = Key.objects.as_jwks()  # the test client has no JWKS URL to fetch
    return platform


@pytest.fixture
def course(client, lms):
    """Ines opened Rapport from the LMS once; the course has a published and a draft
    assignment."""
    launch(client, lms, "ines")
    course = CourseLink.objects.get().course
    make_assignment(course, title="Alumni interview", points=20)
    make_assignment(course, title="Draft idea", state="draft")
    return course


def deep_link_launch(client, platform, person: str):
    url = urlsplit(platform.login_initiation_url(person, deep_link=True))
    params = {**dict(parse_qsl(url.query)), "lti1p3_new_window": "1"}
    auth = dict(parse_qsl(urlsplit(client.get(url.path, params).url).query))
    answer = platform.answer(auth)
    return client.post(urlsplit(answer["launch_url"]).path, {
        "id_token": answer["id_token"], "state": answer["state"],
    })  # fmt: skip


def choices_of(page: str) -> dict[str, str]:
    """The picker's radio buttons as rendered: label text → value."""
    found = {}
    for tag in re.findall(r'<input[^>]*name="assignment"[^>]*>', page):
        value, input_id = re.search(r'value="(\d+)"', tag)[1], re.search(r'id="([^"]+)"', tag)[1]
        label = re.search(rf'<label[^>]*for="{input_id}"[^>]*>\s*(.*?)\s*</label>', page, re.S)
        found[html.unescape(label[1])] = value
    return found


def test_instructor_places_an_assignment_and_a_student_launch_opens_it(client, lms, course):
    response = deep_link_launch(client, lms, "ines")
    assert response.status_code == 302
    assert response.url == reverse("lti:deep_link")

    page = client.get(response.url).content.decode()
    assert "Assignment to place in the LMS" in page
    choices = choices_of(page)
    assert list(choices) == ["Alumni interview (20 points)"]  # drafts are not offered
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)[1]
    answer = client.post(response.url, {
        "csrfmiddlewaretoken": token, "assignment": choices["Alumni interview (20 points)"],
    })  # fmt: skip
    assert answer.status_code == 200
    body = answer.content.decode()
    form = re.search(r'<form method="post" action="([^"]+)" id="lti-deep-link-return">\s*'
                     r'<input type="hidden" name="JWT" value="([^"]+)">', body)  # fmt: skip
    assert form[1] == lms.deep_link_return_url
    assert lms.base_url in answer["Content-Security-Policy"].split("form-action")[1]

    placed = requests.post(form[1], data={"JWT": form[2]}, timeout=5)  # the browser's post

    assert placed.status_code == 200, placed.text
    assert "Alumni interview" in placed.text
    [item] = lms.deep_link_items
    assignment = course.assignments.get(title="Alumni interview")
    assert item["type"] == "ltiResourceLink"
    assert item["title"] == "Alumni interview"
    assert item["url"] == tool_urls().tool
    assert item["custom"] == {"rapport_assignment": str(assignment.pk)}
    assert item["lineItem"] == {
        "scoreMaximum": 20.0, "label": "Alumni interview", "resourceId": str(assignment.pk),
        "tag": "rapport",
    }  # fmt: skip

    opened = launch(client, lms, "sam")

    assert opened.url == reverse(
        "interviews:assignment_detail",
        kwargs={"course_id": course.pk, "assignment_id": assignment.pk},
    )
    assert "Alumni interview" in client.get(opened.url).content.decode()
    link = AssignmentLink.objects.get()
    assert (link.resource_link.id_on_platform, link.assignment) == ("rl-placed-1", assignment)
    lms.custom = {}  # the LMS stops sending the parameter: the link row still opens it
    assert launch(client, lms, "sam").url == opened.url


def test_picking_nothing_shows_the_error_next_to_the_choices(client, lms, course):
    picker = deep_link_launch(client, lms, "ines").url
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', client.get(picker).content
                      .decode())[1]  # fmt: skip

    response = client.post(picker, {"csrfmiddlewaretoken": token})

    assert response.status_code == 200
    assert "Choose the assignment to place in the LMS." in response.content.decode()
    assert lms.deep_link_items == []


def test_a_student_deep_linking_request_is_refused(client, lms, course):
    response = deep_link_launch(client, lms, "sam")

    assert response.status_code == 403
    assert REFUSAL in response.content.decode()
    assert client.get(reverse("lti:deep_link")).status_code == 404  # no picker for them


def test_the_picker_needs_a_deep_linking_request(client, lms, course):
    launch(client, lms, "ines")  # an ordinary launch

    assert client.get(reverse("lti:deep_link")).status_code == 404


def test_a_forged_response_is_refused_by_the_platform(lms, course):
    lms.people["mallory"] = Person("m", "Mallory", "m@example.com", [LEARNER])
    response = requests.post(lms.deep_link_return_url, data={"JWT": "a.b.c"}, timeout=5)

    assert response.status_code == 400
    assert lms.deep_link_items == []
