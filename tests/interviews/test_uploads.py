"""What an uploaded file really is, judged by its bytes: accepted documents, disguised programs,
types the assignment does not take, and the size limit."""

import pytest

from interviews.models import AttachmentType
from interviews.uploads import UploadRefused, check_upload, human_size, sniff
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
    with pytest.raises(UploadRefused) as refused:
        check_upload(upload(name, data), allowed=EVERYTHING)

    message = str(refused.value)
    assert f"“{name}” cannot be attached" in message
    assert really in message


def test_a_type_the_assignment_does_not_take_is_refused_with_the_accepted_types():
    with pytest.raises(UploadRefused) as refused:
        check_upload(upload("notes.txt", b"just text"), allowed=["pdf", "docx"])

    assert str(refused.value) == (
        "“notes.txt” is of type Plain text (.txt), which this assignment does not take. "
        "Accepted types: PDF or Word (.docx)."
    )


def test_no_chosen_types_means_every_recognised_type_is_accepted():
    assert check_upload(upload("notes.txt", b"just text"), allowed=[]).kind == "txt"


def test_a_file_over_the_limit_is_refused_saying_the_limit(settings):
    settings.ATTACHMENT_MAX_BYTES = 1024

    with pytest.raises(UploadRefused) as refused:
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
