"""Files the views hand out for download."""

from django.http import HttpResponse


def csv_download(content: bytes, filename: str) -> HttpResponse:
    """``content`` (UTF-8 CSV) as an attachment named ``filename``."""
    response = HttpResponse(content, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
