"""What an uploaded file really is, judged by its bytes: accepted documents, disguised programs,
types the assignment does not take, and the size limit."""

import pytest

from common.refused import Refused
from interviews.models import AttachmentType
from interviews.uploads import check_upload, download_name, human_size, sniff
from tests.interviews import samples
from tests.interviews.samples import upload

EVERYTHING = list(AttachmentType.values)


@pytest.mark.parametrize(
    ("name", "data", "kind", "content_type"),
    [
        ("reflection.pdf", samples.PDF, AttachmentType.PDF, "application/pdf"),
        ("photo.png", samples.png(), AttachmentType.PNG, "image/png"),
        ("card.jpg", samples.JPEG, AttachmentType.JPEG, "image/jpeg"),
        (
            "essay.docx",
            samples.docx(),
            AttachmentType.DOCX,
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
        ("essay.odt", samples.odt(), AttachmentType.ODT, "application/vnd.oasis.opendocument.text"),
        ("notes.txt", "Notizen über das Gespräch\n".encode(), AttachmentType.TXT, "text/plain"),
    ],
)
def test_real_documents_are_recognised_by_their_content(name, data, kind, content_type):
    sniffed = check_upload(upload(name, data), allowed=EVERYTHING)

    assert sniffed.kind == kind
    assert sniffed.content_type.startswith(content_type)


def test_the_name_does_not_decide_the_type():
    assert sniff(upload("looks-like-text.txt", samples.PDF)) == AttachmentType.PDF
    assert sniff(upload("no-extension", samples.png())) == AttachmentType.PNG


@pytest.mark.parametrize(
    ("name", "data", "really"),
    [
        ("report.pdf", samples.WINDOWS_PROGRAM, "a Windows program"),
        ("report.pdf", samples.LINUX_PROGRAM, "a Linux program"),
        ("notes.txt", b"#!/bin/sh\nrm -rf ~\n", "a script"),
        ("essay.docx", samples.plain_zip(), "a ZIP archive, not a Word or OpenDocument"),
        ("essay.docx", b"PK\x03\x04 this is not really a zip", "a damaged ZIP archive"),
        ("notes.txt", b"plain\x00text with a NUL", "a file of a kind we do not recognise"),
        ("notes.txt", b"caf\xe9 in Latin-1", "a file of a kind we do not recognise"),
        ("essay.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 32, "an old Microsoft"),
        ("empty.pdf", b"", "an empty file"),
    ],
)
def test_disguised_or_unknown_files_are_refused_naming_the_file_and_what_it_is(name, data, really):
    with pytest.raises(Refused) as refused:
        check_upload(upload(name, data), allowed=EVERYTHING)

    message = str(refused.value)
    assert f"“{name}” cannot be attached" in message
    assert really in message


def test_a_type_the_assignment_does_not_take_is_refused_with_the_accepted_types():
    with pytest.raises(Refused) as refused:
        check_upload(upload("notes.txt", b"just text"), allowed=["pdf", "docx"])

    assert str(refused.value) == (
        "“notes.txt” is of type Plain text (.txt), which this assignment does not take. "
        "Accepted types: PDF or Word (.docx)."
    )


def test_no_chosen_types_means_every_recognised_type_is_accepted():
    assert check_upload(upload("notes.txt", b"just text"), allowed=[]).kind == "txt"


def test_a_file_over_the_limit_is_refused_saying_the_limit(settings):
    settings.ATTACHMENT_MAX_BYTES = 1024

    with pytest.raises(Refused) as refused:
        check_upload(upload("big.pdf", samples.PDF + b"%" * 2000), allowed=EVERYTHING)

    assert "“big.pdf” is 2 KB; files can be at most 1 KB." in str(refused.value)


def test_a_file_exactly_at_the_limit_is_accepted(settings):
    settings.ATTACHMENT_MAX_BYTES = len(samples.PDF)

    assert check_upload(upload("fits.pdf", samples.PDF), allowed=EVERYTHING).kind == "pdf"


def test_sizes_are_shown_the_way_people_read_them():
    assert human_size(10 * 1024 * 1024) == "10 MB"
    assert human_size(int(2.5 * 1024 * 1024)) == "2.5 MB"
    assert human_size(3000) == "2 KB"
    assert human_size(1) == "1 byte"


def test_sniffing_leaves_the_file_ready_to_be_stored_from_the_start():
    file = upload("reflection.pdf", samples.PDF)

    check_upload(file, allowed=EVERYTHING)

    assert file.read() == samples.PDF


# The name must agree with the content


@pytest.mark.parametrize("extension", list(samples.SCRIPTS))
def test_a_script_or_markup_file_is_refused_under_its_runnable_name(extension):
    name = f"notes{extension}"

    with pytest.raises(Refused) as refused:
        check_upload(upload(name, samples.SCRIPTS[extension]), allowed=EVERYTHING)

    assert str(refused.value) == (
        f"“{name}” cannot be attached: this file's content is plain text, but its name ends in "
        f"{extension}. Rename it to end in .txt and try again."
    )


def test_a_pdf_named_like_a_program_is_refused_saying_what_to_rename_it_to():
    with pytest.raises(Refused) as refused:
        check_upload(upload("report.exe", samples.PDF), allowed=EVERYTHING)

    assert str(refused.value) == (
        "“report.exe” cannot be attached: this file's content is a PDF, but its name ends in "
        ".exe. Rename it to end in .pdf and try again."
    )


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("report.pdf.exe", samples.PDF),
        ("run.bat.", samples.SCRIPTS[".bat"]),  # Windows drops the trailing dot
        ("run.bat ", samples.SCRIPTS[".bat"]),
        ("card.png.svg", samples.png()),
        ("notes.txt", samples.PDF),
        ("essay.docm", samples.docx()),
        ("photo.jpg", samples.png()),
    ],
)
def test_a_name_whose_extension_is_another_types_is_refused(name, data):
    with pytest.raises(Refused) as refused:
        check_upload(upload(name, data), allowed=EVERYTHING)

    assert "but its name ends in" in str(refused.value)


@pytest.mark.parametrize(
    ("name", "data", "stored"),
    [
        ("reflection.pdf", samples.PDF, "reflection.pdf"),
        ("Reflection.PDF", samples.PDF, "Reflection.PDF"),
        ("card.jpeg", samples.JPEG, "card.jpeg"),
        ("scan", samples.png(), "scan.png"),
        ("notes", b"just text", "notes.txt"),
        ("my\u202etxt.exe notes.txt", b"just text", "mytxt.exe notes.txt"),  # no RTL override
    ],
)
def test_the_stored_name_ends_in_the_extension_of_what_the_file_is(name, data, stored):
    assert check_upload(upload(name, data), allowed=EVERYTHING).name == stored


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("essay.docx", samples.docm()),
        ("essay.docx", samples.docx_with(("word/vbaProject.bin", b"VBA"))),
        ("essay.docx", samples.docx_with(content_types=samples.MACRO_CONTENT_TYPES)),
        ("essay.docx", samples.docx_with(("word/embeddings/oleObject1.bin", b"\xd0\xcf\x11\xe0"))),
        ("essay.docx", samples.docx_with(("word/media/setup.exe", samples.WINDOWS_PROGRAM))),
        ("essay.docx", samples.docx_with(("word/activeX/activeX1.xml", b"<ax/>"))),
        ("essay.docx", samples.docx_with(("customXml/run.js", b"alert(1)"))),
        ("essay.odt", samples.odt_with(("Basic/Standard/Module1.xml", b"<script:module/>"))),
        ("essay.odt", samples.odt_with(("Object 1", b"\xd0\xcf\x11\xe0 OLE"))),
    ],
)
def test_office_files_with_macros_or_embedded_programs_are_refused(name, data):
    with pytest.raises(Refused) as refused:
        check_upload(upload(name, data), allowed=EVERYTHING)

    assert str(refused.value).startswith(
        f"“{name}” cannot be attached: it looks like a Word or OpenDocument file with macros, "
        "ActiveX controls or embedded objects"
    )


def test_a_macro_enabled_document_is_never_accepted_under_any_name():
    for name in ("essay.docm", "essay.docx", "essay"):
        with pytest.raises(Refused):
            check_upload(upload(name, samples.docm()), allowed=EVERYTHING)


@pytest.mark.parametrize(
    ("original", "kind", "served"),
    [
        ("report.exe", "pdf", "report.pdf"),
        ("run.bat", "txt", "run.txt"),
        ("page.html", "txt", "page.txt"),
        ("drawing.svg", "txt", "drawing.txt"),
        ("photo", "png", "photo.png"),
        ("photo.JPG", "jpeg", "photo.JPG"),
        ("essay.docx", "docx", "essay.docx"),
        ("run.bat.", "txt", "run.txt"),
    ],
)
def test_a_download_name_always_ends_in_the_detected_types_extension(original, kind, served):
    assert download_name(original, kind) == served
