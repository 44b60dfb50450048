"""check_upload: size limit and a type allow-list judged on the bytes, not only the name."""

import hashlib
import io
import zipfile

import pytest

from lifecycle.uploads import SNIFF_BYTES, check_upload
from portal.exceptions import ValidationFailed
from tests.lifecycle.files import ELF, EXE, JPEG, PDF, PNG


def office_zip(main_part: str = "word/document.xml") -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr(main_part, "<document/>")
    return buffer.getvalue()


def check(name: str, content: bytes):
    return check_upload(io.BytesIO(content), name, len(content))


class TestAccepted:
    @pytest.mark.parametrize(
        ("name", "content", "content_type"),
        [
            ("charter.pdf", PDF, "application/pdf"),
            ("CHARTER.PDF", PDF, "application/pdf"),
            ("chart.png", PNG, "image/png"),
            ("photo.jpg", JPEG, "image/jpeg"),
            ("photo.jpeg", JPEG, "image/jpeg"),
            ("notes.txt", b"plain notes\n", "text/plain"),
            ("README.md", "# Données\n".encode(), "text/markdown"),
            ("data.csv", b"id,score\n1,0.5\n", "text/csv"),
            ("config.json", b'{"a": 1}', "application/json"),
            ("pipeline.yaml", b"steps: []\n", "application/yaml"),
            ("pipeline.yml", b"steps: []\n", "application/yaml"),
            ("eda.ipynb", b'{"cells": []}', "application/x-ipynb+json"),
            (
                "report.docx",
                office_zip(),
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            ),
            ("bundle.zip", office_zip("data/readme.txt"), "application/zip"),
        ],
    )
    def test_allowed_types_with_matching_content(self, name, content, content_type):
        checked = check(name, content)
        assert checked.content_type == content_type
        assert checked.original_filename == name
        assert checked.size == len(content)
        assert checked.sha256 == hashlib.sha256(content).hexdigest()

    def test_the_stream_is_rewound_for_storage(self):
        stream = io.BytesIO(PDF)
        check_upload(stream, "a.pdf", len(PDF))
        assert stream.tell() == 0

    def test_only_the_base_name_is_kept(self):
        assert check("../../etc/passwd.txt", b"root").original_filename == "passwd.txt"

    def test_a_multibyte_character_cut_by_the_sniff_window_is_still_text(self):
        content = b"a" * (SNIFF_BYTES - 1) + "é".encode() + b"tail"
        assert check("long.csv", content).content_type == "text/csv"

    def test_the_size_limit_itself_is_allowed(self, settings):
        settings.ARTIFACT_MAX_UPLOAD_BYTES = 16
        assert check("a.txt", b"x" * 16).size == 16


class TestRefused:
    @pytest.mark.parametrize(
        ("name", "content"),
        [
            ("image.pdf", PNG),  # a PNG renamed .pdf
            ("program.csv", ELF),  # an ELF executable renamed .csv
            ("setup.csv", EXE),  # a Windows executable renamed .csv
            ("setup.txt", EXE),
            ("binary.txt", b"\x00\x01\x02\x03 not text"),
            ("latin1.csv", "café;1\n".encode("latin-1")),
            ("archive.docx", PDF),
            ("scan.png", JPEG),
            ("evil.exe.pdf", EXE),
            ("doc.pdf", b"just some text pretending"),
            ("bundle.zip", PDF),
            ("short.txt", b"ab\xff\xfe"),  # invalid bytes at the end of a short file
            ("cut.txt", b"a" * (SNIFF_BYTES - 1) + "é".encode()[:1]),  # the file itself ends mid-character
        ],
    )
    def test_content_must_match_the_extension(self, name, content):
        with pytest.raises(ValidationFailed) as caught:
            check(name, content)
        assert caught.value.details == {"file": "Content does not match the extension."}

    @pytest.mark.parametrize("name", ["tool.exe", "page.html", "image.svg", "script.sh", "Makefile", "report.pdf.exe"])
    def test_extensions_outside_the_allow_list_are_refused(self, name):
        with pytest.raises(ValidationFailed) as caught:
            check(name, b"hello")
        assert caught.value.details == {"file": "Type not allowed."}

    def test_a_file_over_the_limit_is_refused(self, settings):
        settings.ARTIFACT_MAX_UPLOAD_BYTES = 16
        with pytest.raises(ValidationFailed) as caught:
            check("a.txt", b"x" * 17)
        assert caught.value.details == {"file": "Too large."}

    def test_the_default_limit_is_25_megabytes(self, settings):
        assert settings.ARTIFACT_MAX_UPLOAD_BYTES == 25 * 1024 * 1024
        with pytest.raises(ValidationFailed) as caught:
            check_upload(io.BytesIO(b"x"), "a.txt", 25 * 1024 * 1024 + 1)
        assert caught.value.details == {"file": "Too large."}

    def test_an_empty_file_is_refused(self):
        with pytest.raises(ValidationFailed) as caught:
            check("empty.txt", b"")
        assert caught.value.details == {"file": "Empty file."}
