"""The request-body limit: oversized bodies are refused before anything reads them.

``RequestBodyLimitMiddleware`` sits first in MIDDLEWARE, before sessions and CSRF (which reads
the POST body for its token), and answers 413 to a request whose ``Content-Length`` is over
``REQUEST_MAX_BYTES``, without reading a byte of it. ``BodyLimitUploadHandler`` comes first in
FILE_UPLOAD_HANDLERS and counts the bytes of uploaded files as the multipart parser streams them,
so a body that gets past the header check (a stack without the middleware, an entry point that
fills in the length itself) is still stopped at the limit, not written to a temporary file in
full; the request is then refused as a bad request (RequestDataTooBig: 400, logged by
``django.security``). A body sent without a Content-Length (chunked) is not read at all under WSGI:
Django reads no more than the declared length. The reverse proxy should refuse oversized bodies
first (``client_max_body_size``, see README.md), so they never reach a worker.
"""

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.core.files.uploadhandler import FileUploadHandler
from django.http import HttpResponse


def limit_bytes() -> int:
    return settings.REQUEST_MAX_BYTES


def too_large_response() -> HttpResponse:
    """The 413 answer: short, plain, and built without sessions, users or templates (the
    request has not been through their middleware yet)."""
    megabytes = limit_bytes() / (1024 * 1024)
    shown = f"{megabytes:.0f} MB" if megabytes == int(megabytes) else f"{megabytes:.1f} MB"
    return HttpResponse(
        f"This request is too large: at most {shown} can be sent at once, files included. "
        "Make the file smaller (for example, export a PDF with compressed images) and try again.\n",
        status=413,
        content_type="text/plain; charset=utf-8",
    )


def declared_length(request) -> int | None:
    """The body length the client declared, or None when it declared none (or nonsense, which
    Django then reads as no body at all)."""
    try:
        return int(request.META.get("CONTENT_LENGTH") or "")
    except ValueError:
        return None


class BodyTooLarge(RequestDataTooBig):
    """The uploaded files passed REQUEST_MAX_BYTES while being read."""


class RequestBodyLimitMiddleware:
    """Answer 413 to a body declared larger than REQUEST_MAX_BYTES, before anything reads it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        length = declared_length(request)
        if length is not None and length > limit_bytes():
            return too_large_response()
        return self.get_response(request)


class BodyLimitUploadHandler(FileUploadHandler):
    """Counts the bytes of every uploaded file in the request and stops the parser once they
    pass REQUEST_MAX_BYTES. It stores nothing itself: each chunk is handed on to the next
    handler (memory or temporary file), so at most the limit plus one chunk is ever kept."""

    def __init__(self, request=None):
        super().__init__(request)
        self.received = 0

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        if self.received > limit_bytes():
            # Not StopUpload: that would let the view run on a form without its file.
            raise BodyTooLarge(f"The uploaded files are larger than {limit_bytes()} bytes.")
        return raw_data

    def file_complete(self, file_size):
        return None  # the next handler builds the file
