"""Checks on uploaded artifact files: size, and a type allow-list judged on the bytes.

The extension must be allowed AND the content must be what the extension claims: a PDF must start
like a PDF, a .docx must be an Office zip, a .csv must be text. A renamed executable is refused.
"""

import hashlib
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
    digest = hashlib.sha256()
    stream.seek(0)
    for chunk in iter(lambda: stream.read(1024 * 1024), b""):
        digest.update(chunk)
    stream.seek(0)
    return CheckedUpload(original_filename=name[:255], content_type=content_type, size=size, sha256=digest.hexdigest())
