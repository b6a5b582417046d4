"""What an uploaded file really is, judged by its bytes and never by its name.

A ``.pdf`` that starts like a Windows program is refused as one, with a message that names the
file and says what it looks like, so the student knows what to fix.

The name must then agree with the content: a PDF named ``report.exe`` or a text file named
``run.bat`` is refused (the grader's computer opens a download by its extension, not its bytes),
a name without an extension gets the type's, and Word or OpenDocument files carrying macros,
ActiveX controls or embedded objects are refused. Files stored before this rule are served under
the detected type's extension (``download_name``).
"""

import codecs
import os
import unicodedata
import zipfile
from dataclasses import dataclass

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile

from common.refused import Refused

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

# The extensions a file of each type may be named with; the first is the one it is given.
EXTENSIONS = {
    AttachmentType.PDF: (".pdf",),
    AttachmentType.DOCX: (".docx",),
    AttachmentType.ODT: (".odt",),
    AttachmentType.TXT: (".txt",),
    AttachmentType.PNG: (".png",),
    AttachmentType.JPEG: (".jpg", ".jpeg"),
}
CONTENT_WORDS = {
    AttachmentType.PDF: "a PDF",
    AttachmentType.DOCX: "a Word document (.docx)",
    AttachmentType.ODT: "an OpenDocument text (.odt)",
    AttachmentType.TXT: "plain text",
    AttachmentType.PNG: "a PNG image",
    AttachmentType.JPEG: "a JPEG image",
}
# Inside a Word or OpenDocument zip: members that are programs a viewer may run.
RUNNABLE_MEMBERS = {
    ".exe", ".dll", ".com", ".scr", ".pif", ".cpl", ".msi", ".msp", ".bat", ".cmd", ".ps1",
    ".psm1", ".vbs", ".vbe", ".js", ".jse", ".wsf", ".wsh", ".hta", ".jar", ".lnk", ".reg",
    ".sh", ".app", ".docm", ".dotm", ".xlsm", ".pptm",
}  # fmt: skip
OFFICE_ACTIVE_CONTENT = (
    "a Word or OpenDocument file with macros, ActiveX controls or embedded objects; save it "
    "again as a plain .docx or .odt (or export a PDF)"
)

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


# The upload form's field, which a refusal of the file is shown beside.
FILE = "file"


@dataclass(frozen=True)
class Sniffed:
    kind: AttachmentType
    content_type: str
    name: str  # the name to store: the student's, ending in the type's extension


def _clean_name(name: str) -> str:
    """``name`` without control or invisible formatting characters (a right-to-left override
    makes ``txt.exe`` read as ``exe.txt``), path separators, or the trailing dots and spaces
    Windows drops (``run.bat.`` is saved as ``run.bat``)."""
    kept = "".join(
        char
        for char in name or ""
        if not unicodedata.category(char).startswith("C") and char not in '/\\:*?"<>|'
    )
    return kept.strip().rstrip(". ") or "attachment"


def download_name(name: str, kind: str) -> str:
    """The name a file of type ``kind`` is handed out under: ``name`` when it ends in one of
    the type's extensions, else with that extension in place of its own (``report.exe`` →
    ``report.pdf``), so a download is never a runnable or markup file by name."""
    name = _clean_name(name)
    stem, extension = os.path.splitext(name)
    extensions = EXTENSIONS[AttachmentType(kind)]
    if extension.lower() in extensions:
        return name
    return (stem if extension else name) + extensions[0]


def _stored_name(name: str, kind: AttachmentType) -> str:
    """The name to store for a file whose content is ``kind``; raises Refused when the
    name's extension says another type (a PDF named ``.exe``, plain text named ``.bat``)."""
    clean = _clean_name(name)
    extension = os.path.splitext(clean)[1]
    if extension and extension.lower() not in EXTENSIONS[kind]:
        raise Refused(
            f"“{name}” cannot be attached: this file's content is {CONTENT_WORDS[kind]}, but "
            f"its name ends in {extension}. Rename it to end in {EXTENSIONS[kind][0]} and "
            "try again.",
            field=FILE,
        )
    return download_name(clean, kind)


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


def _has_active_content(archive: zipfile.ZipFile, names: list[str]) -> bool:
    """Whether a Word or OpenDocument zip carries macros (``vbaProject.bin``, an ODF ``Basic/``
    or ``Scripts/`` library, a macro-enabled content type), ActiveX controls, embedded OLE
    objects or a member that is a program."""
    for name in names:
        lowered = name.lower()
        base = lowered.rsplit("/", 1)[-1]
        if (
            base in ("vbaproject.bin", "vbadata.xml")
            or base.startswith("oleobject")
            or lowered.startswith(("word/embeddings/", "word/activex/", "basic/", "scripts/"))
            or (base.startswith("object ") and "." not in base)  # an ODF embedded OLE object
            or os.path.splitext(base)[1] in RUNNABLE_MEMBERS
        ):
            return True
    if "[Content_Types].xml" in names:
        with archive.open("[Content_Types].xml") as entry:
            types = entry.read(256 * 1024).lower()  # bounded: declared sizes are not trusted
        if b"macroenabled" in types or b"vbaproject" in types:
            return True
    return False


def _zip_kind(file) -> AttachmentType | str:
    """DOCX or ODT for a zip that is one, otherwise a description of what it is."""
    try:
        with zipfile.ZipFile(file) as archive:
            names = archive.namelist()
            kind = None
            if names and names[0] == "mimetype":
                with archive.open("mimetype") as entry:
                    # Read only a little: the entry's declared size is not to be trusted.
                    if entry.read(len(ODT_MIMETYPE) + 1).strip() == ODT_MIMETYPE:
                        kind = AttachmentType.ODT
            if kind is None and "word/document.xml" in names and "[Content_Types].xml" in names:
                kind = AttachmentType.DOCX
            if kind is not None:
                return OFFICE_ACTIVE_CONTENT if _has_active_content(archive, names) else kind
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
    """What ``file`` is, when it may be attached; raises Refused otherwise.

    ``allowed`` lists AttachmentType values; empty means every type Rapport recognises.
    """
    name = file.name or "The file"
    limit = settings.ATTACHMENT_MAX_BYTES
    if file.size > limit:
        raise Refused(
            f"“{name}” is {human_size(file.size)}; files can be at most {human_size(limit)}. "
            "Make it smaller (for example, export a PDF with compressed images) and try again.",
            field=FILE,
        )
    allowed = accepted(allowed)
    found = sniff(file)
    if not isinstance(found, AttachmentType):
        raise Refused(
            f"“{name}” cannot be attached: it looks like {found}. "
            f"Accepted types: {types_text(allowed)}.",
            field=FILE,
        )
    if found not in allowed:
        raise Refused(
            f"“{name}” is of type {found.label}, which this assignment does not take. "
            f"Accepted types: {types_text(allowed)}.",
            field=FILE,
        )
    return Sniffed(
        kind=found,
        content_type=CONTENT_TYPES[found],
        name=_stored_name(file.name or "attachment", found),
    )
