"""Files the views hand out for download."""

import csv
import io
from collections.abc import Iterable, Iterator

from django.http import FileResponse, HttpResponse, StreamingHttpResponse

from common.spreadsheets import csv_cells

from .uploads import CONTENT_TYPES, download_name

STREAM_BATCH = 200  # rows per chunk sent


def csv_download(content: bytes, filename: str) -> HttpResponse:
    """``content`` (UTF-8 CSV) as an attachment named ``filename``."""
    response = HttpResponse(content, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def csv_stream_download(rows: Iterable[list], filename: str) -> StreamingHttpResponse:
    """``rows`` written as the CSV files of ``csv_bytes`` are (UTF-8 with a byte-order mark,
    cells through ``csv_cells``), streamed a batch of rows at a time, as an attachment."""

    def chunks() -> Iterator[bytes]:
        out = io.StringIO()
        out.write("\ufeff")
        writer = csv.writer(out, lineterminator="\r\n")
        for count, row in enumerate(rows, start=1):
            writer.writerow(csv_cells(row))
            if count % STREAM_BATCH == 0:
                yield out.getvalue().encode("utf-8")
                out.seek(0)
                out.truncate()
        yield out.getvalue().encode("utf-8")

    response = StreamingHttpResponse(chunks(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def attachment_download(attachment, handle) -> FileResponse:
    """``attachment``'s file as a download named with the extension of what its bytes are
    (rows stored before names had to agree may say ``report.exe`` for a PDF), typed by the
    same detection, and marked so the browser neither second-guesses nor runs it."""
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=download_name(attachment.original_name, attachment.kind),
        content_type=CONTENT_TYPES.get(attachment.kind, "application/octet-stream"),
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response
