"""What an uploaded file really is, judged by its bytes and never by its name.

A ``.pdf`` that starts like a Windows program is refused as one, with a message that names the
file and says what it looks like, so the student knows what to fix.
"""

import codecs
import zipfile
from dataclasses import dataclass

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile

from .models import AttachmentType

CONTENT_TYPES = {
    AttachmentType.PDF: "application/pdf",
    AttachmentType.DOCX: (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    ),
    AttachmentType.ODT: "application/vnd.oasis.opendocument.text",
    AttachmentType.TXT: "text/plain; charset=utf-8",
    AttachmentType.PNG: "image/png",
    AttachmentType.JPEG: "image/jpeg",
}
ODT_MIMETYPE = b"application/vnd.oasis.opendocument.text"

# Leading bytes of things that must never pass as a document, with what to call them.
PROGRAMS = (
    (b"MZ", "a Windows program (.exe or .dll)"),
    (b"\x7fELF", "a Linux program"),
    (b"\xcf\xfa\xed\xfe", "a macOS program"),
    (b"\xce\xfa\xed\xfe", "a macOS program"),
    (b"\xca\xfe\xba\xbe", "a macOS or Java program"),
    (b"#!", "a script"),
)
OTHER_FORMATS = (
    (b"GIF8", "a GIF image"),
    (b"\xd0\xcf\x11\xe0", "an old Microsoft Office file (.doc); save it as .docx or PDF"),
    (b"{\\rtf", "a Rich Text file (.rtf); save it as .docx or PDF"),
    (b"Rar!", "a RAR archive"),
    (b"7z\xbc\xaf", "a 7-Zip archive"),
    (b"\x1f\x8b", "a compressed (.gz) archive"),
)


class UploadRefused(Exception):
    """The file cannot be attached; the message says why, for the student."""


@dataclass(frozen=True)
class Sniffed:
    kind: AttachmentType
    content_type: str


def human_size(size: int) -> str:
    """``10 MB``, ``512 KB`` or ``300 bytes``: how the limit and sizes are shown."""
    if size >= 1024 * 1024:
        megabytes = size / (1024 * 1024)
        return f"{megabytes:.0f} MB" if megabytes == int(megabytes) else f"{megabytes:.1f} MB"
    if size >= 1024:
        return f"{size // 1024} KB"
    return f"{size} byte{'s'[: size != 1]}"


def accepted(kinds) -> list[str]:
    """The types an assignment takes; an empty choice means every type Rapport recognises."""
    return list(kinds) or list(AttachmentType.values)


def types_text(kinds) -> str:
    """``PDF, Word (.docx) or PNG image`` for a list of AttachmentType values."""
    labels = [AttachmentType(kind).label for kind in kinds]
    if len(labels) <= 1:
        return "".join(labels)
    return f"{', '.join(labels[:-1])} or {labels[-1]}"


def _zip_kind(file) -> AttachmentType | str:
    """DOCX or ODT for a zip that is one, otherwise a description of what it is."""
    try:
        with zipfile.ZipFile(file) as archive:
            names = archive.namelist()
            if names and names[0] == "mimetype":
                with archive.open("mimetype") as entry:
                    # Read only a little: the entry's declared size is not to be trusted.
                    if entry.read(len(ODT_MIMETYPE) + 1).strip() == ODT_MIMETYPE:
                        return AttachmentType.ODT
            if "word/document.xml" in names and "[Content_Types].xml" in names:
                return AttachmentType.DOCX
    except (zipfile.BadZipFile, OSError, RuntimeError, NotImplementedError):
        return "a damaged ZIP archive"
    return "a ZIP archive, not a Word or OpenDocument document"


def _is_utf8_text(file) -> bool:
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        for chunk in file.chunks():
            if b"\x00" in chunk:
                return False
            decoder.decode(chunk)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def sniff(file: UploadedFile) -> AttachmentType | str:
    """The attachment type the content matches, or a description of what it looks like
    instead (``"a Windows program (.exe or .dll)"``)."""
    file.seek(0)
    head = file.read(16)
    file.seek(0)
    try:
        if not head:
            return "an empty file"
        for magic, what in PROGRAMS:
            if head.startswith(magic):
                return what
        if head.startswith(b"%PDF-"):
            return AttachmentType.PDF
        if head.startswith(b"\x89PNG\r\n\x1a\n"):
            return AttachmentType.PNG
        if head.startswith(b"\xff\xd8\xff"):
            return AttachmentType.JPEG
        if head.startswith(b"PK\x03\x04"):
            return _zip_kind(file)
        for magic, what in OTHER_FORMATS:
            if head.startswith(magic):
                return what
        if _is_utf8_text(file):
            return AttachmentType.TXT
        return "a file of a kind we do not recognise"
    finally:
        file.seek(0)


def check_upload(file: UploadedFile, *, allowed: list[str]) -> Sniffed:
    """What ``file`` is, when it may be attached; raises UploadRefused otherwise.

    ``allowed`` lists AttachmentType values; empty means every type Rapport recognises.
    """
    name = file.name or "The file"
    limit = settings.ATTACHMENT_MAX_BYTES
    if file.size > limit:
        raise UploadRefused(
            f"“{name}” is {human_size(file.size)}; files can be at most {human_size(limit)}. "
            "Make it smaller (for example, export a PDF with compressed images) and try again."
        )
    allowed = accepted(allowed)
    found = sniff(file)
    if not isinstance(found, AttachmentType):
        raise UploadRefused(
            f"“{name}” cannot be attached: it looks like {found}. "
            f"Accepted types: {types_text(allowed)}."
        )
    if found not in allowed:
        raise UploadRefused(
            f"“{name}” is of type {found.label}, which this assignment does not take. "
            f"Accepted types: {types_text(allowed)}."
        )
    return Sniffed(kind=found, content_type=CONTENT_TYPES[found])
