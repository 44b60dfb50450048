"""Zip-based uploads (.zip and the Office formats) are unpacked-size checked before they are stored:
too many members, too much unpacked data, an absurd compression ratio or a damaged archive is refused
with a clear message, through the service, the page and the API."""

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from rest_framework.test import APIClient

from lifecycle.models import ArtifactVersion
from lifecycle.uploads import RATIO_CHECK_MIN_BYTES, check_upload
from portal.exceptions import ValidationFailed
from tests.factories import artifact_type

MB = 1024 * 1024


def archive(members: dict[str, bytes], compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=compression) as zipped:
        for name, content in members.items():
            zipped.writestr(name, content)
    return buffer.getvalue()


def office(main_part: str = "word/document.xml", extra: dict[str, bytes] | None = None) -> bytes:
    """An Office Open XML file: the part named second is what tells .docx, .xlsx and .pptx apart."""
    return archive({"[Content_Types].xml": b"<Types/>", main_part: b"<document/>", **(extra or {})})


def open_document() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zipped:
        zipped.writestr("mimetype", b"application/vnd.oasis.opendocument.text", compress_type=zipfile.ZIP_STORED)
        zipped.writestr("content.xml", b"<office:document-content/>" * 100)
    return buffer.getvalue()


def refusal(name: str, content: bytes) -> ValidationFailed:
    with pytest.raises(ValidationFailed) as caught:
        check_upload(io.BytesIO(content), name, len(content))
    assert caught.value.details == {"file": "Archive refused."}
    return caught.value


@pytest.fixture(autouse=True)
def _limits(settings):
    """The defaults, stated: the tests below are about these numbers."""
    settings.ARTIFACT_ARCHIVE_MAX_UNPACKED_BYTES = 50 * MB
    settings.ARTIFACT_ARCHIVE_MAX_MEMBERS = 1000
    settings.ARTIFACT_ARCHIVE_MAX_RATIO = 100


def test_the_defaults_are_50_mb_1000_members_and_100_to_1():
    from portal.settings import base

    assert base.ARTIFACT_ARCHIVE_MAX_UNPACKED_BYTES == 50 * MB
    assert base.ARTIFACT_ARCHIVE_MAX_MEMBERS == 1000
    assert base.ARTIFACT_ARCHIVE_MAX_RATIO == 100


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("report.docx", office("word/document.xml", {"word/table.xml": b"<row>1</row>" * 1000})),
        ("model.xlsx", office("xl/workbook.xml", {"xl/worksheets/sheet1.xml": b"<row>1</row>" * 1000})),
        ("deck.pptx", office("ppt/presentation.xml")),
        ("notes.odt", open_document()),
        ("bundle.zip", archive({"data/readme.txt": b"read me\n" * 1000})),
    ],
)
def test_a_normal_archive_is_accepted(name, content):
    assert check_upload(io.BytesIO(content), name, len(content)).size == len(content)


def test_a_zip_bomb_of_100_mb_packed_to_100_kb_is_refused():
    bomb = archive({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"\0" * (100 * MB)})
    assert len(bomb) < 200 * 1024

    error = refusal("report.docx", bomb)

    assert str(error) == "'report.docx' unpacks to 100.0 MB; the limit is 50 MB unpacked."


def test_too_many_members_are_refused():
    error = refusal("bundle.zip", archive({f"part-{n}.txt": b"x" for n in range(1001)}))
    assert str(error) == "'bundle.zip' holds 1,001 files; archives may hold at most 1,000."


def test_exactly_the_limits_are_accepted(settings):
    settings.ARTIFACT_ARCHIVE_MAX_UNPACKED_BYTES = 1000
    content = archive({f"part-{n}.txt": b"x" * 1 for n in range(1000)}, compression=zipfile.ZIP_STORED)
    assert check_upload(io.BytesIO(content), "bundle.zip", len(content)).size == len(content)


def test_an_absurd_compression_ratio_is_refused_even_under_the_size_limit():
    content = office("xl/workbook.xml", {"xl/worksheets/sheet1.xml": b"A" * (2 * MB)})  # about 1000 to 1

    error = refusal("model.xlsx", content)

    assert "more than 100 to 1 is the mark of a zip bomb" in str(error)
    assert "'xl/worksheets/sheet1.xml'" in str(error)


def test_a_small_member_may_compress_well():
    content = office("xl/workbook.xml", {"xl/styles.xml": b" " * (RATIO_CHECK_MIN_BYTES - 1)})
    assert check_upload(io.BytesIO(content), "model.xlsx", len(content)).content_type.endswith(".sheet")


def test_declared_sizes_that_lie_are_caught_by_unpacking():
    content = bytearray(archive({"data.txt": b"y" * 5000}))
    # Shrink the declared size in the central directory: unpacking then fails its CRC check.
    central = content.rfind(b"PK\x01\x02")
    content[central + 24 : central + 28] = (10).to_bytes(4, "little")

    error = refusal("bundle.zip", bytes(content))

    assert "'bundle.zip' is damaged" in str(error) or "is not a readable archive" in str(error)


def test_a_password_protected_member_is_refused():
    content = bytearray(archive({"secret.txt": b"hidden"}, compression=zipfile.ZIP_STORED))
    for signature, flag_offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        start = content.find(signature)
        content[start + flag_offset] |= 0x1

    error = refusal("bundle.zip", bytes(content))

    assert str(error) == "'bundle.zip' is password-protected, so its content cannot be checked."


def test_the_stream_is_rewound_after_the_check():
    content = office()
    stream = io.BytesIO(content)
    check_upload(stream, "report.docx", len(content))
    assert stream.tell() == 0


# --- through the page and the API: refused, nothing stored ------------------------------------------------

BOMB = archive({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"\0" * (60 * MB)})


@pytest.mark.django_db
def test_the_page_shows_the_refusal_and_stores_nothing(client, people, project, settings):
    client.force_login(people["pm"])
    response = client.post(
        reverse("project-artifacts", args=[project.pk]),
        {"artifact_type": str(artifact_type("project-charter").pk), "note": "", "url": "", "file": _file()},
    )

    assert response.status_code == 200
    assert "unpacks to 60.0 MB; the limit is 50 MB unpacked." in response.content.decode()
    assert ArtifactVersion.objects.count() == 0
    assert not settings.MEDIA_ROOT.exists() or not any(path.is_file() for path in settings.MEDIA_ROOT.rglob("*"))


@pytest.mark.django_db
def test_the_api_answers_400_json_and_stores_nothing(people, project):
    api = APIClient()
    api.force_authenticate(people["pm"])
    response = api.post(
        f"/api/v1/projects/{project.pk}/artifacts/",
        {"artifact_type": "data-sources", "file": _file()},
        format="multipart",
    )

    assert response.status_code == 400
    body = response.json()
    assert body["errors"] == {"file": "Archive refused."}
    assert body["detail"] == "'report.docx' unpacks to 60.0 MB; the limit is 50 MB unpacked."
    assert ArtifactVersion.objects.count() == 0


def _file() -> SimpleUploadedFile:
    return SimpleUploadedFile("report.docx", BOMB)
