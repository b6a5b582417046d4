"""Error pages: a styled page with the navigation, a plain explanation and a way back."""

import pytest
from django.test import Client


def test_unknown_url_shows_the_styled_not_found_page_with_a_link_home(db):
    response = Client().get("/no-such-page/", HTTP_REFERER="http://testserver/courses/")

    assert response.status_code == 404
    page = response.content.decode()
    assert "We couldn't find that page" in page
    assert 'href="/">Go to the home page' in page
    assert 'href="http://testserver/courses/">Back to the previous page' in page
    assert 'aria-label="Main"' in page  # the site navigation is there
    assert 'rel="icon"' in page


def test_signed_in_person_is_sent_back_to_their_courses_from_a_missing_page(as_user, student):
    response = as_user(student).get("/courses/999999/")

    assert response.status_code == 404
    page = response.content.decode()
    assert "We couldn't find that page" in page
    assert 'href="/courses/">Go to my courses' in page
    assert "Sign out" in page


def test_student_opening_the_roster_sees_the_styled_forbidden_page(as_user, course, student):
    response = as_user(student).get(f"/courses/{course.pk}/roster/")

    assert response.status_code == 403
    page = response.content.decode()
    assert "You don't have access to this page" in page
    assert "Only the course&#x27;s staff can do this." in page
    assert 'href="/courses/">Go to my courses' in page
    assert "My courses" in page  # navigation, not a bare error


@pytest.mark.urls("tests.error_urls")
def test_failing_view_shows_the_styled_server_error_page(db):
    client = Client(raise_request_exception=False)

    response = client.get("/boom/")

    assert response.status_code == 500
    page = response.content.decode()
    assert "Something went wrong on our side" in page
    assert "A bug the error page must hide." not in page
    assert 'href="/">Go to the home page' in page


def test_favicon_ico_leads_to_the_svg_icon(db):
    response = Client().get("/favicon.ico")

    assert response.status_code == 302
    assert response["Location"].endswith("favicon.svg")


def test_request_for_an_unknown_host_shows_the_styled_bad_request_page(db):
    response = Client(HTTP_HOST="not-our-host.example").get("/")

    assert response.status_code == 400
    page = response.content.decode()
    assert "Something in that request was not right" in page
    assert 'href="/">Go to the home page' in page


def test_form_sent_without_its_csrf_token_shows_the_styled_expired_form_page(student):
    client = Client(enforce_csrf_checks=True)

    response = client.post("/accounts/login/", {"login": student.email, "password": "x"})

    assert response.status_code == 403
    page = response.content.decode()
    assert "This form has expired" in page
    assert "reload the page and send the form again" in page


def test_too_many_attempts_is_a_styled_page(rf):
    from allauth.core.ratelimit import respond_429
    from django.contrib.auth.models import AnonymousUser

    request = rf.get("/join/")
    request.user = AnonymousUser()

    response = respond_429(request)

    assert response.status_code == 429
    page = response.content.decode()
    assert "Too many attempts" in page and "Wait a few minutes" in page
    assert 'href="/"' in page  # a way back
