"""The bytes of one document, as the readers of ``scan/documents.py`` and ``scan/formats.py`` see
them: a file on disk, read as little as its format needs, or bytes (an e-mail's attachment)."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

from supplyscreen.scan.model import DocumentError

#: The largest file read: a bigger one is refused rather than read into memory.
MAX_BYTES = 512 * 1024 * 1024
#: How much of a file its format is told from.
HEAD_BYTES = 8192


class Source:
    """The bytes of one document: a file on disk (read as little as each format needs) or bytes."""

    def __init__(self, path: Path, display: str, data: bytes | None) -> None:
        self.path = path
        self.display = display
        self.data = data
        if data is None:
            if not path.exists():
                raise DocumentError(display, "no such file")
            if path.is_dir():
                raise DocumentError(display, "is a folder, not a document file")
            try:
                self.size = path.stat().st_size
                with open(path, "rb") as handle:
                    self.head = handle.read(HEAD_BYTES)
            except OSError as exc:
                raise DocumentError(display, f"cannot read the file: {exc.strerror or exc}") from exc
        else:
            self.size = len(data)
            self.head = data[:HEAD_BYTES]
        if self.size == 0:
            raise DocumentError(display, "is empty")
        if self.size > MAX_BYTES:
            raise DocumentError(
                display,
                f"is larger than {MAX_BYTES // (1024 * 1024)} MB, too large to scan; split it into "
                "smaller files (or extract its text) and scan those",
            )
        self._sha256: str | None = None

    @property
    def extension(self) -> str:
        return self.path.suffix.lower()

    def opened(self) -> Path | bytes:
        """What a library opens: the file's path (it reads the file itself) or the bytes."""
        return self.path if self.data is None else self.data

    def handle(self) -> str | io.BytesIO:
        """The file's path as text, or the bytes as a file object (python-docx, zipfile)."""
        return str(self.path) if self.data is None else io.BytesIO(self.data)

    def read(self) -> bytes:
        """All the bytes, read once (a textual format decodes them; the hash is taken of them)."""
        if self.data is None:
            try:
                self.data = self.path.read_bytes()
            except OSError as exc:
                raise DocumentError(self.display, f"cannot read the file: {exc.strerror or exc}") from exc
        return self.data

    def sha256(self) -> str:
        """The hash of the bytes: of those in memory, else of the file read in blocks."""
        if self._sha256 is None:
            if self.data is not None:
                self._sha256 = hashlib.sha256(self.data).hexdigest()
            else:
                try:
                    with open(self.path, "rb") as handle:
                        self._sha256 = hashlib.file_digest(handle, "sha256").hexdigest()
                except OSError as exc:
                    raise DocumentError(self.display, f"cannot read the file: {exc.strerror or exc}") from exc
        return self._sha256
