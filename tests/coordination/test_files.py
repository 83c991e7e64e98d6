"""Attachment checks: size, real type against declared type and name; storage by checksum."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from dcc.coordination.errors import AttachmentError
from dcc.coordination.files import check_file, clean_filename, read_file, store_file

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def _docx() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


def test_real_types_are_accepted() -> None:
    assert check_file("laporan.pdf", "application/pdf", PDF, max_bytes=10_000).media_type == (
        "application/pdf"
    )
    assert check_file("peta.png", None, PNG, max_bytes=10_000).media_type == "image/png"
    assert check_file("data.csv", "text/csv", b"a,b\n1,2\n", max_bytes=10_000).media_type == (
        "text/csv"
    )
    assert check_file("x.json", None, b'{"a": 1}', max_bytes=100).media_type == "application/json"
    docx = check_file("nota.docx", None, _docx(), max_bytes=100_000)
    assert docx.media_type.endswith("wordprocessingml.document")
    assert len(docx.sha256) == 64 and docx.size_bytes == len(_docx())


@pytest.mark.parametrize(
    ("name", "declared", "content", "message"),
    [
        ("laporan.pdf", "application/pdf", b"MZ\x90\x00 not a pdf \x00", "not a type DCC accepts"),
        (
            "foto.png",
            "image/png",
            PDF,
            "lies about its type: it says image/png but is application/pdf",
        ),
        ("laporan.pdf", None, PNG, "lies about its type: it is image/png"),
        ("script.exe", None, b"MZ\x90\x00\x03\x00", "not a type DCC accepts"),
        ("notes.txt", None, b"", "empty"),
        ("big.txt", None, b"x" * 2000, "at most 1,024 bytes"),
        ("x.json", None, b"{not json", "does not parse"),
    ],
)
def test_bad_files_are_refused_with_the_reason(
    name: str, declared: str | None, content: bytes, message: str
) -> None:
    with pytest.raises(AttachmentError, match=message):
        check_file(name, declared, content, max_bytes=1024)


def test_file_names_lose_their_directories() -> None:
    assert clean_filename("../../etc/passwd.txt") == "passwd.txt"
    assert clean_filename("C:\\Users\\x\\laporan akhir.pdf") == "laporan akhir.pdf"
    with pytest.raises(AttachmentError):
        clean_filename("../")


def test_stored_files_are_checked_on_every_read(tmp_path: Path) -> None:
    checked = check_file("laporan.pdf", None, PDF, max_bytes=10_000)
    path = store_file(tmp_path, PDF, checked.sha256)
    assert read_file(tmp_path, checked.sha256) == PDF
    path.write_bytes(PDF + b"tampered")
    with pytest.raises(AttachmentError, match="changed on disk"):
        read_file(tmp_path, checked.sha256)
    path.unlink()
    with pytest.raises(AttachmentError, match="missing"):
        read_file(tmp_path, checked.sha256)
