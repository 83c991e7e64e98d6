"""Attachment files: what a file really is (by its bytes, not its name or claimed type), and
keeping it outside the database under its SHA-256 (issue 6).

Accepted types are the ones an incident desk exchanges: PDF, PNG, JPEG, GIF, WebP, plain
text, CSV, JSON, and Office Open XML documents (docx, xlsx, pptx). A file whose bytes are not
what its declared type or its extension says is refused: it "lies about its type".
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

from dcc.coordination.errors import AttachmentError

# media type -> the extensions it may carry
ACCEPTED: dict[str, tuple[str, ...]] = {
    "application/pdf": (".pdf",),
    "image/png": (".png",),
    "image/jpeg": (".jpg", ".jpeg"),
    "image/gif": (".gif",),
    "image/webp": (".webp",),
    "text/plain": (".txt", ".log", ".md"),
    "text/csv": (".csv",),
    "application/json": (".json",),
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": (".docx",),
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": (".xlsx",),
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": (".pptx",),
}
_OOXML_PART = {
    "word/": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xl/": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "ppt/": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
}
_TEXT_TYPES = ("text/plain", "text/csv", "application/json")
_FILENAME_UNSAFE = re.compile(r"[^\w .()+,-]", re.UNICODE)
MAX_FILENAME = 255


@dataclass(frozen=True, slots=True)
class CheckedFile:
    filename: str
    media_type: str
    size_bytes: int
    sha256: str


def clean_filename(name: str) -> str:
    """A display name without directories or control characters ("../x.pdf" -> "x.pdf")."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1].strip()
    base = _FILENAME_UNSAFE.sub("_", base)[:MAX_FILENAME].strip(" .")
    if not base:
        raise AttachmentError("the attachment has no file name")
    return base


def sniff(content: bytes) -> str | None:
    """The accepted media type `content` really is, or None."""
    if content.startswith(b"%PDF-"):
        return "application/pdf"
    if content.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if content.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if content[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif"
    if content[:4] == b"RIFF" and content[8:12] == b"WEBP":
        return "image/webp"
    if content.startswith(b"PK\x03\x04"):
        return _sniff_ooxml(content)
    return "text/plain" if _is_text(content) else None


def _sniff_ooxml(content: bytes) -> str | None:
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            names = archive.namelist()
    except (zipfile.BadZipFile, ValueError):
        return None
    if "[Content_Types].xml" not in names:
        return None
    for prefix, media_type in _OOXML_PART.items():
        if any(name.startswith(prefix) for name in names):
            return media_type
    return None


def _is_text(content: bytes) -> bool:
    if b"\x00" in content:
        return False
    try:
        content.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def check_file(
    filename: str, declared_type: str | None, content: bytes, *, max_bytes: int
) -> CheckedFile:
    """The file's clean name, real type, size and checksum; AttachmentError when it is empty,
    too big, of a type not accepted, or lies about its type (declared type or extension)."""
    name = clean_filename(filename)
    if not content:
        raise AttachmentError(f"{name} is empty")
    if len(content) > max_bytes:
        raise AttachmentError(
            f"{name} is {len(content):,} bytes; attachments may be at most {max_bytes:,} bytes"
        )
    real = sniff(content)
    declared = (declared_type or "").split(";", 1)[0].strip().lower() or None
    if declared == "application/octet-stream":
        declared = None
    extension = os.path.splitext(name)[1].lower()
    if real == "text/plain" and declared in _TEXT_TYPES:
        real = declared
    if real == "text/plain" and declared is None:
        real = _text_type_by_extension(extension)
    if real == "application/json":
        try:
            json.loads(content)
        except ValueError as exc:
            raise AttachmentError(f"{name} says it is JSON but does not parse: {exc}") from exc
    if real is None:
        raise AttachmentError(f"{name} is not a type DCC accepts ({_accepted_words()})")
    if declared is not None and declared != real:
        raise AttachmentError(f"{name} lies about its type: it says {declared} but is {real}")
    if extension not in ACCEPTED[real]:
        raise AttachmentError(
            f"{name} lies about its type: it is {real}, which is not a {extension or 'no'} file"
        )
    return CheckedFile(
        filename=name,
        media_type=real,
        size_bytes=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
    )


def _text_type_by_extension(extension: str) -> str:
    for media_type in _TEXT_TYPES:
        if extension in ACCEPTED[media_type]:
            return media_type
    return "text/plain"


def _accepted_words() -> str:
    return ", ".join(sorted({ext for exts in ACCEPTED.values() for ext in exts}))


def stored_path(root: Path, sha256: str) -> Path:
    if not re.fullmatch(r"[0-9a-f]{64}", sha256):
        raise AttachmentError(f"{sha256!r} is not a SHA-256 checksum")
    return root / sha256[:2] / sha256


def store_file(root: Path, content: bytes, sha256: str) -> Path:
    """Write `content` under its checksum (atomically; the same bytes are kept once)."""
    path = stored_path(root, sha256)
    if path.exists():
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=path.parent, delete=False) as handle:
        handle.write(content)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(handle.name, path)
    return path


def read_file(root: Path, sha256: str) -> bytes:
    """The stored bytes, checked against their checksum (AttachmentError when the file is
    missing or was changed on disk)."""
    path = stored_path(root, sha256)
    try:
        content = path.read_bytes()
    except FileNotFoundError as exc:
        raise AttachmentError(f"the stored file {sha256[:12]}… is missing") from exc
    if hashlib.sha256(content).hexdigest() != sha256:
        raise AttachmentError(f"the stored file {sha256[:12]}… was changed on disk")
    return content
