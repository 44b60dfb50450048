"""Checks on uploaded artifact files: size, and a type allow-list judged on the bytes.

The extension must be allowed AND the content must be what the extension claims: a PDF must start
like a PDF, a .docx must be an Office zip, a .csv must be text. A renamed executable is refused.
Zip-based files (.zip and the Office formats) must also unpack to a sane size: a zip bomb is refused
before it is stored, so nobody who downloads and opens it fills their disk.
"""

import hashlib
import zipfile
from dataclasses import dataclass
from pathlib import PurePath
from typing import IO

import filetype
from django.conf import settings

from portal.exceptions import ValidationFailed

SNIFF_BYTES = 64 * 1024

# extension -> the types `filetype` may report for it (None: plain UTF-8 text, no magic number)
ALLOWED_TYPES: dict[str, tuple[str, ...] | None] = {
    ".pdf": ("application/pdf",),
    ".png": ("image/png",),
    ".jpg": ("image/jpeg",),
    ".jpeg": ("image/jpeg",),
    ".docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", "application/zip"),
    ".xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "application/zip"),
    ".pptx": ("application/vnd.openxmlformats-officedocument.presentationml.presentation", "application/zip"),
    ".odt": ("application/vnd.oasis.opendocument.text", "application/zip"),
    ".zip": ("application/zip",),
    ".txt": None,
    ".md": None,
    ".csv": None,
    ".json": None,
    ".yaml": None,
    ".yml": None,
    ".ipynb": None,
}
TEXT_CONTENT_TYPES = {
    ".txt": "text/plain",
    ".md": "text/markdown",
    ".csv": "text/csv",
    ".json": "application/json",
    ".yaml": "application/yaml",
    ".yml": "application/yaml",
    ".ipynb": "application/x-ipynb+json",
}


# A member smaller than this cannot hurt whatever its ratio: tiny repetitive XML parts compress absurdly well.
RATIO_CHECK_MIN_BYTES = 1024 * 1024
# Zip flag bit 0: the member is encrypted, so its content (and its real size) cannot be checked.
ENCRYPTED_FLAG = 0x1


@dataclass(frozen=True)
class CheckedUpload:
    original_filename: str
    content_type: str
    size: int
    sha256: str


def _looks_like_text(head: bytes, truncated: bool) -> bool:
    if b"\x00" in head:
        return False
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        # A multi-byte character cut at the end of the sniff window is still text; an invalid
        # byte (or a cut character at the real end of the file) is not.
        return truncated and exc.reason == "unexpected end of data" and exc.start >= len(head) - 3
    return True


def check_upload(stream: IO[bytes], filename: str, size: int) -> CheckedUpload:
    """Validate an upload and return its metadata; raise ValidationFailed with a clear message."""
    name = PurePath(filename or "").name
    extension = PurePath(name).suffix.lower()
    limit = settings.ARTIFACT_MAX_UPLOAD_BYTES
    if size <= 0:
        raise ValidationFailed("The file is empty.", details={"file": "Empty file."})
    if size > limit:
        raise ValidationFailed(
            f"The file is {size / 1048576:.1f} MB; the limit is {limit / 1048576:.0f} MB.",
            details={"file": "Too large."},
        )
    if extension not in ALLOWED_TYPES:
        allowed = ", ".join(sorted(ALLOWED_TYPES))
        raise ValidationFailed(
            f"Files of type '{extension or 'none'}' are not accepted. Allowed: {allowed}.",
            details={"file": "Type not allowed."},
        )
    stream.seek(0)
    head = stream.read(SNIFF_BYTES)
    expected = ALLOWED_TYPES[extension]
    if expected is None:
        if not _looks_like_text(head, truncated=len(head) == SNIFF_BYTES and size > SNIFF_BYTES):
            raise ValidationFailed(
                f"'{name}' does not contain text, so it is not a real {extension} file.",
                details={"file": "Content does not match the extension."},
            )
        content_type = TEXT_CONTENT_TYPES[extension]
    else:
        kind = filetype.guess(head)
        if kind is None or kind.mime not in expected:
            raise ValidationFailed(
                f"The content of '{name}' is not a {extension} file"
                + (f" (it looks like {kind.mime})." if kind else "."),
                details={"file": "Content does not match the extension."},
            )
        content_type = expected[0]
        if "application/zip" in expected:
            _check_archive(stream, name)
    digest = hashlib.sha256()
    stream.seek(0)
    for chunk in iter(lambda: stream.read(1024 * 1024), b""):
        digest.update(chunk)
    stream.seek(0)
    return CheckedUpload(original_filename=name[:255], content_type=content_type, size=size, sha256=digest.hexdigest())


def _archive_refused(message: str) -> ValidationFailed:
    return ValidationFailed(message, details={"file": "Archive refused."})


def _check_archive(stream: IO[bytes], name: str) -> None:
    """Refuse a zip (or Office file) that unpacks to too much, holds too many members, compresses
    absurdly well or cannot be read. The declared sizes are checked first; reading every member
    then proves them (zipfile stops at the declared size, and the CRC fails if the data goes on)."""
    max_unpacked = settings.ARTIFACT_ARCHIVE_MAX_UNPACKED_BYTES
    max_members = settings.ARTIFACT_ARCHIVE_MAX_MEMBERS
    max_ratio = settings.ARTIFACT_ARCHIVE_MAX_RATIO
    stream.seek(0)
    try:
        with zipfile.ZipFile(stream) as archive:
            members = archive.infolist()
            if len(members) > max_members:
                raise _archive_refused(
                    f"'{name}' holds {len(members):,} files; archives may hold at most {max_members:,}."
                )
            unpacked = sum(member.file_size for member in members)
            if unpacked > max_unpacked:
                raise _archive_refused(
                    f"'{name}' unpacks to {unpacked / 1048576:,.1f} MB; the limit is "
                    f"{max_unpacked / 1048576:,.0f} MB unpacked."
                )
            for member in members:
                if member.flag_bits & ENCRYPTED_FLAG:
                    raise _archive_refused(f"'{name}' is password-protected, so its content cannot be checked.")
                ratio = member.file_size / max(member.compress_size, 1)
                if member.file_size >= RATIO_CHECK_MIN_BYTES and ratio > max_ratio:
                    raise _archive_refused(
                        f"'{name}' is compressed {ratio:,.0f} to 1 ('{member.filename}'); more than "
                        f"{max_ratio:,} to 1 is the mark of a zip bomb."
                    )
            broken = archive.testzip()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, EOFError, OSError) as exc:
        raise _archive_refused(f"'{name}' is not a readable archive ({exc}).") from exc
    finally:
        stream.seek(0)
    if broken is not None:
        raise _archive_refused(f"'{name}' is damaged: '{broken}' does not unpack to what it declares.")
