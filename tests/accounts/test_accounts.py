"""Sign-in protections and the profile page."""

from django.core import mail
from django.urls import reverse

from tests.factories import PASSWORD


def test_repeated_wrong_passwords_are_rate_limited(as_user, student):
    client = as_user(None)
    login = reverse("account_login")
    for _ in range(5):
        client.post(login, {"login": student.email, "password": "wrong-password"})

    response = client.post(login, {"login": student.email, "password": PASSWORD})

    assert response.status_code in (200, 429)
    assert "Too many failed login attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_correct_password_signs_in(as_user, student):
    client = as_user(None)

    response = client.post(reverse("account_login"), {"login": student.email, "password": PASSWORD})

    assert response.status_code == 302
    assert response.url == reverse("courses:mine")
    assert int(client.session["_auth_user_id"]) == student.pk


def test_password_reset_sends_a_link_to_the_account_address(as_user, student):
    response = as_user(None).post(reverse("account_reset_password"), {"email": student.email})

    assert response.status_code == 302
    assert [m.to for m in mail.outbox] == [[student.email]]
    assert "/accounts/password/reset/key/" in mail.outbox[0].body


def test_profile_changes_name_and_time_zone(as_user, student):
    client = as_user(student)

    response = client.post(
        reverse("accounts:profile"), {"full_name": "Stella S. Student", "time_zone": "Asia/Tokyo"}
    )

    student.refresh_from_db()
    assert response.status_code == 302
    assert (student.full_name, student.time_zone) == ("Stella S. Student", "Asia/Tokyo")
    assert "Times are shown in Asia/Tokyo" in client.get(reverse("courses:mine")).content.decode()


def test_profile_refuses_an_unknown_time_zone_and_keeps_the_typed_name(as_user, student):
    response = as_user(student).post(
        reverse("accounts:profile"), {"full_name": "Typed Name", "time_zone": "Mars/Olympus"}
    )

    page = response.content.decode()
    assert response.status_code == 200
    assert "Select a valid choice" in page
    assert 'value="Typed Name"' in page
    student.refresh_from_db()
    assert student.time_zone == "Europe/Berlin"


def test_a_rejected_profile_save_keeps_the_saved_name_and_zone_in_the_header(as_user, student):
    response = as_user(student).post(
        reverse("accounts:profile"), {"full_name": "", "time_zone": "Asia/Tokyo"}
    )

    page = response.content.decode()
    assert response.status_code == 200
    assert "This field is required" in page
    assert "Stella Student</button>" in page  # the account menu
    assert "Times are shown in Europe/Berlin." in page
