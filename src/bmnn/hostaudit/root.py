"""ArtefactRoot: read-only access to a folder laid out like the audited disk.

An evidence bundle, a folder of artefacts and a mounted image all look the same here: paths are
relative to the root and matched case-insensitively, as Windows does. Files are never written,
and every file's SHA-256 is computed once and cached for the evidence of each finding.
"""

from __future__ import annotations

import fnmatch
import hashlib
import os
from collections.abc import Iterator
from pathlib import Path

BUNDLE_DIR = "bmnn"  # the bundle's own files: manifest.json, collector.log, events/, live/


class ArtefactRoot:
    def __init__(self, path: str | os.PathLike[str]):
        self.path = Path(path).resolve()
        if not self.path.is_dir():
            raise NotADirectoryError(f"Không phải thư mục: {self.path}")
        self._hashes: dict[str, str] = {}
        self._index: dict[str, str] | None = None

    # -- lookup -------------------------------------------------------------------------------
    def _files(self) -> dict[str, str]:
        """lower-case relative path -> real relative path, built once (the root never changes)."""
        if self._index is None:
            index: dict[str, str] = {}
            for dirpath, dirnames, filenames in os.walk(self.path, followlinks=False):
                dirnames.sort()
                rel_dir = os.path.relpath(dirpath, self.path)
                for name in sorted(filenames):
                    rel = name if rel_dir == "." else f"{rel_dir}/{name}".replace(os.sep, "/")
                    index.setdefault(rel.lower(), rel)
            self._index = index
        return self._index

    def find(self, rel: str) -> str | None:
        """The real relative path of `rel` (any case, "/" or "\\"), or None."""
        return self._files().get(rel.replace("\\", "/").strip("/").lower())

    def has_dir(self, rel: str) -> bool:
        """Whether any file lies under folder `rel` (any case); the index holds only files."""
        prefix = rel.replace("\\", "/").strip("/").lower() + "/"
        return any(low.startswith(prefix) for low in self._files())

    def glob(self, pattern: str) -> list[str]:
        """Relative paths matching a case-insensitive glob; `*` does not cross "/"."""
        pat = pattern.replace("\\", "/").strip("/").lower()
        depth = pat.count("/")
        return sorted(
            real
            for low, real in self._files().items()
            if low.count("/") == depth and fnmatch.fnmatchcase(low, pat)
        )

    def walk(self, suffix: str = "") -> Iterator[str]:
        """Every relative path (optionally ending with `suffix`, any case)."""
        suffix = suffix.lower()
        for low, real in self._files().items():
            if low.endswith(suffix):
                yield real

    def abspath(self, rel: str) -> Path:
        return self.path / rel

    # -- reading ------------------------------------------------------------------------------
    def read_bytes(self, rel: str, limit: int | None = None) -> bytes:
        with open(self.abspath(rel), "rb") as f:
            return f.read() if limit is None else f.read(limit)

    def read_text(self, rel: str) -> str:
        data = self.read_bytes(rel)
        for bom, enc in ((b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be")):
            if data.startswith(bom):
                return data[2:].decode(enc, errors="replace")
        return data.decode("utf-8-sig", errors="replace")

    def sha256(self, rel: str) -> str:
        if rel not in self._hashes:
            h = hashlib.sha256()
            with open(self.abspath(rel), "rb") as f:
                for block in iter(lambda: f.read(1 << 20), b""):
                    h.update(block)
            self._hashes[rel] = h.hexdigest()
        return self._hashes[rel]

    def is_bundle(self) -> bool:
        return self.find(f"{BUNDLE_DIR}/manifest.json") is not None
