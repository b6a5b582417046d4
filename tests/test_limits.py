"""The request-body limit (config/limits.py): a body declared too large is refused before anything
reads it; an upload that grows past the limit while read is stopped there; ordinary sign-ins and
uploads are untouched."""

import pytest
from django.conf import settings as django_settings
from django.test import Client
from django.urls import reverse

from interviews.models import Attachment, Submission
from tests.factories import PASSWORD, make_writeup_assignment
from tests.interviews import samples
from tests.interviews import test_writeup_views as writeup
from tests.interviews.samples import upload

# The write-up pages' assignment (attachments on: PDF or PNG) and their frozen clock.
pytestmark = pytest.mark.assignment(
    build=make_writeup_assignment, instructions="Talk to **one** professional."
)
frozen = writeup.frozen
ENOUGH, draft_data, url = writeup.ENOUGH, writeup.draft_data, writeup.url

GIB = 1024**3
CHUNK = 64 * 1024  # the upload handlers' chunk size
BOUNDARY = "RapportLimitTest"


class SocketBody:
    """A request body as a server streams it: ``head``, then file bytes without end. Reading
    beyond ``allowed`` bytes fails the test, so a test shows how far the app read."""

    def __init__(self, head: bytes = b"", *, allowed: int = 0):
        self.head, self.allowed, self.given = head, allowed, 0

    def _take(self, size: int) -> bytes:
        if size is None or size < 0:
            raise AssertionError("the body was read to its end")
        if self.given + size > self.allowed:
            raise AssertionError(f"read {self.given + size:,} bytes; {self.allowed:,} allowed")
        start, self.given = self.given, self.given + size
        data = self.head[start : start + size]
        return data + b"x" * (size - len(data))

    def read(self, size=-1):
        return self._take(size)

    def readline(self, size=-1):
        return self._take(size)


def multipart_head(fields: dict[str, str], *, file_field: str, filename: str) -> bytes:
    parts = [
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
        for name, value in fields.items()
    ]
    parts.append(
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{file_field}"; '
        f'filename="{filename}"\r\nContent-Type: application/pdf\r\n\r\n%PDF-1.4\n'
    )
    return "".join(parts).encode()


def test_a_body_declared_over_the_limit_is_refused_before_anything_reads_it(
    settings, tmp_path, student
):
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path)
    anonymous = Client(enforce_csrf_checks=True)
    anonymous.get(reverse("account_login"))  # a CSRF cookie, as anyone can get; no token sent

    response = anonymous.post(
        reverse("account_login"),
        {"login": student.email, "password": PASSWORD},
        CONTENT_LENGTH=str(GIB),
        **{"wsgi.input": SocketBody(allowed=0)},  # any read at all fails the test
    )

    assert response.status_code == 413
    assert "This request is too large: at most 11 MB can be sent at once" in (
        response.content.decode()
    )
    assert list(tmp_path.iterdir()) == []  # no temporary file was started


def test_an_upload_to_the_attachment_endpoint_declared_over_the_limit_gets_413(
    as_user, student, assignment, frozen
):
    response = as_user(student).post(
        url("attachment_upload", assignment),
        CONTENT_TYPE=f"multipart/form-data; boundary={BOUNDARY}",
        CONTENT_LENGTH=str(GIB),
        **{"wsgi.input": SocketBody(allowed=0)},
    )

    assert response.status_code == 413
    assert not Submission.objects.exists()


def test_an_upload_that_grows_past_the_limit_while_read_is_stopped_there(
    as_user, student, assignment, frozen, settings, tmp_path
):
    # As when the body reaches the app past the header check: only the upload handler stands.
    settings.MIDDLEWARE = [
        m for m in django_settings.MIDDLEWARE if not m.startswith("config.limits")
    ]
    settings.REQUEST_MAX_BYTES = 512 * 1024
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path)
    head = multipart_head(
        {"revision": "0", "body": ENOUGH, "confirm_shortfall": "yes"},
        file_field="file",
        filename="huge.pdf",
    )
    body = SocketBody(head, allowed=len(head) + settings.REQUEST_MAX_BYTES + 3 * CHUNK)

    response = as_user(student).post(
        url("attachment_upload", assignment),
        CONTENT_TYPE=f"multipart/form-data; boundary={BOUNDARY}",
        CONTENT_LENGTH=str(GIB),
        **{"wsgi.input": body},
    )

    assert response.status_code == 400
    assert body.given <= len(head) + settings.REQUEST_MAX_BYTES + 3 * CHUNK
    assert not Submission.objects.exists()  # the view never ran on a form without its file
    assert not Attachment.objects.exists()


def test_a_chunked_upload_without_a_declared_length_is_not_read_past_the_limit(
    as_user, student, assignment, frozen
):
    head = multipart_head({"revision": "0", "body": ENOUGH}, file_field="file", filename="a.pdf")
    body = SocketBody(head, allowed=django_settings.REQUEST_MAX_BYTES + CHUNK)

    response = as_user(student).post(
        url("attachment_upload", assignment),
        CONTENT_TYPE=f"multipart/form-data; boundary={BOUNDARY}",
        CONTENT_LENGTH="",  # Transfer-Encoding: chunked
        **{"wsgi.input": body},
    )

    assert response.status_code == 400  # under WSGI, Django reads no undeclared body at all
    assert body.given == 0
    assert not Attachment.objects.exists()


def test_the_limit_sits_just_above_the_largest_upload():
    largest = max(django_settings.ATTACHMENT_MAX_BYTES, django_settings.ROSTER_IMPORT_MAX_BYTES)
    assert largest < django_settings.REQUEST_MAX_BYTES <= largest + 2 * 1024 * 1024
    assert django_settings.DATA_UPLOAD_MAX_MEMORY_SIZE <= 2_621_440
    assert django_settings.MIDDLEWARE[0] == "config.limits.RequestBodyLimitMiddleware"


def test_signing_in_still_works_under_the_limit(as_user, student):
    client = as_user(None)

    response = client.post(reverse("account_login"), {"login": student.email, "password": PASSWORD})

    assert response.status_code == 302
    assert int(client.session["_auth_user_id"]) == student.pk


def test_an_upload_at_the_attachment_limit_is_still_attached(
    as_user, student, assignment, frozen, settings
):
    pdf = samples.PDF + b"%" * (2 * 1024 * 1024)  # through the temporary-file handler
    settings.ATTACHMENT_MAX_BYTES = len(pdf)
    data = {**draft_data(0, ENOUGH), "file": upload("reflection.pdf", pdf)}

    response = as_user(student).post(url("attachment_upload", assignment), data)

    assert response.status_code == 302
    assert Submission.objects.get().attachments.get().size == len(pdf)
