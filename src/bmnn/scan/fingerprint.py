"""Fingerprints of registered secrets: finds unmarked copies (a secret pasted into a news item,
a report that quotes a secret without its mark).

A pack holds, for every run of `shingle_words` (50) consecutive words of a registered secret,
an HMAC-SHA256 of the run truncated to 8 bytes, keyed with a random key made for that pack.
Words are taken from folded text (NFKD, combining marks dropped, đ→d, lower case), so spacing,
NFC/NFD, tone placement, case and lost diacritics do not break a match. A file "shares 50 or
more consecutive words" with a registered secret when any of its 50-word runs is in the pack.

What the pack holds: the key, the hashes, and per registered document an opaque number, its
level and an optional label the operator chose. No text, no file name, no document number.

What it still gives away, and why it must not be published: whoever holds the pack (key
included) can test whether a passage of 50 words they already have is in a registered secret,
and, knowing 49 consecutive words of one, guess the next word by trying a vocabulary. So the
pack may sit on an Internet-facing server that scans uploads, but is not itself a public file.

Binary format (little-endian), version 1:
    magic "BMNNFP\\0" (7 bytes) | version u8 | shingle_words u16 | key length u16 | key
    | documents u32 | hashes u64
    | per document: level u8 (0 none, 1 mat, 2 toi_mat, 3 tuyet_mat) | label length u16 | label
    | hashes: u64 × n, sorted | document index: u32 × n (parallel to the hashes)
    | SHA-256 of everything above (32 bytes)
The word tokenisation (_fold, _WORD) is part of the format: changing it needs a new version,
since old packs would silently stop matching.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import secrets
import struct
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bmnn.scan.model import LEVEL_RANK, Block, Finding

MAGIC = b"BMNNFP\x00"
VERSION = 1
SHINGLE_WORDS = 50
KEY_BYTES = 32
_HEADER = struct.Struct("<7sBHH")  # magic, version, shingle_words, key length
_COUNTS = struct.Struct("<IQ")  # documents, hashes
_DOC = struct.Struct("<BH")  # level code, label length
_LEVEL_CODE = {None: 0, "mat": 1, "toi_mat": 2, "tuyet_mat": 3}
_CODE_LEVEL = {v: k for k, v in _LEVEL_CODE.items()}
LEVEL_NAMES = {"mat": "Mật", "toi_mat": "Tối mật", "tuyet_mat": "Tuyệt mật"}
_MAX_LABEL = 200
_EXCERPT_WORDS = 12

# Combining marks left by NFKD (Vietnamese tones and vowel marks are all in the first range).
_COMBINING = re.compile("[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]+")
_LETTERS = str.maketrans({"đ": "d", "Đ": "d", "ð": "d", "Ð": "d"})
_WORD = re.compile(r"[^\W_]+")


class PackError(ValueError):
    """A pack file that is not a valid fingerprint pack (corrupt, truncated, other version).
    The message is Vietnamese, for the operator."""


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFKD", text.translate(_LETTERS))
    return _COMBINING.sub("", text).lower()


def words_of(text: str) -> list[str]:
    """The words of `text` as the pack sees them: folded, without punctuation or spacing."""
    return _WORD.findall(_fold(text))


def document_text(blocks: Iterable[Block]) -> str:
    """The text of a document as fingerprints see it, the same when a pack is built and when a
    file is matched: legacy encodings decoded (TCVN3/VNI), one line per block."""
    from bmnn.scan.normalize import text_of

    return "\n".join(text_of(block) for block in blocks)


def _shingle_hashes(words: list[str], key: bytes, size: int) -> list[int]:
    """The keyed hash of every run of `size` consecutive words, in order of position."""
    if len(words) < size:
        return []
    # One encoded string and byte offsets, so each run is a slice, not a join of 50 words.
    encoded = [w.encode() for w in words]
    starts = [0] * (len(encoded) + 1)
    pos = 0
    for i, w in enumerate(encoded):
        starts[i] = pos
        pos += len(w) + 1
    starts[len(encoded)] = pos
    blob = b" ".join(encoded) + b" "
    digest = hmac.digest
    from_bytes = int.from_bytes
    return [
        from_bytes(digest(key, blob[starts[i] : starts[i + size] - 1], "sha256")[:8], "little")
        for i in range(len(encoded) - size + 1)
    ]


@dataclass(frozen=True)
class RegisteredDoc:
    index: int  # the opaque number shown in findings (#1, #2, …)
    level: str | None
    label: str = ""  # chosen by the operator; empty by default (names can be secret too)


class FingerprintPack:
    """Sorted hashes with the registered document each came from. Matching is a vectorised
    search in a numpy array: 12 bytes per hash, not the ~70 of a Python set of ints."""

    def __init__(
        self,
        key: bytes,
        docs: list[RegisteredDoc],
        hashes: np.ndarray,
        doc_of: np.ndarray,
        shingle_words: int = SHINGLE_WORDS,
    ) -> None:
        self.key = key
        self.docs = docs
        self.hashes = hashes  # uint64, sorted
        self.doc_of = doc_of  # uint32, parallel to hashes
        self.shingle_words = shingle_words
        # Registered documents too short to fingerprint (set by build_pack; not in the file).
        self.too_short: list[str] = []

    def __len__(self) -> int:
        return int(self.hashes.size)

    # ---- matching -------------------------------------------------------------------------

    def match(self, text: str, location: str = "") -> list[Finding]:
        """One finding per registered document that shares `shingle_words` or more
        consecutive words with `text`, giving the longest shared run."""
        words = words_of(text)
        found = self._hits(words)
        findings = []
        for doc_index, (start, length) in sorted(found.items()):
            doc = self.docs[doc_index]
            excerpt = " ".join(words[start : start + min(length, _EXCERPT_WORDS)])
            if length > _EXCERPT_WORDS:
                excerpt += " …"
            label = f" «{doc.label}»" if doc.label else ""
            level = f", độ {LEVEL_NAMES[doc.level]}" if doc.level else ""
            findings.append(
                Finding(
                    rule="fingerprint",
                    level=doc.level,
                    text=excerpt,
                    location=location or f"từ thứ {start + 1}",
                    score=0.95,
                    explanation=(
                        f"trùng ≥{self.shingle_words} từ liên tiếp với tài liệu mật đã đăng ký "
                        f"#{doc.index}{label}{level} ({length} từ liên tiếp trùng, bắt đầu từ "
                        f"từ thứ {start + 1})"
                    ),
                )
            )
        findings.sort(key=lambda f: -LEVEL_RANK.get(f.level or "", 0))
        return findings

    def match_blocks(self, blocks: Iterable[Block], location: str = "") -> list[Finding]:
        return self.match(document_text(blocks), location)

    def _hits(self, words: list[str]) -> dict[int, tuple[int, int]]:
        """registered document → (first word, length) of its longest shared run of words."""
        size = self.shingle_words
        if not len(self) or len(words) < size:
            return {}
        query = np.fromiter(_shingle_hashes(words, self.key, size), dtype=np.uint64)
        where = np.searchsorted(self.hashes, query)
        where[where >= self.hashes.size] = 0
        hit = np.flatnonzero(self.hashes[where] == query)
        if not hit.size:
            return {}
        # A hash can belong to several documents: its entries sit next to each other.
        positions, doc_indexes = [hit], [self.doc_of[where[hit]]]
        step, n = 1, self.hashes.size
        while True:
            nxt = where[hit] + step
            ok = nxt < n
            ok[ok] = self.hashes[nxt[ok]] == query[hit[ok]]
            if not ok.any():
                break
            positions.append(hit[ok])
            doc_indexes.append(self.doc_of[nxt[ok]])
            step += 1
        pos = np.concatenate(positions).astype(np.int64)
        doc = np.concatenate(doc_indexes).astype(np.int64)
        order = np.lexsort((pos, doc))
        pos, doc = pos[order], doc[order]
        # Runs: consecutive positions of the same document; a run of r hashes is r+size-1 words.
        new_run = np.ones(pos.size, dtype=bool)
        new_run[1:] = (doc[1:] != doc[:-1]) | (pos[1:] != pos[:-1] + 1)
        run_id = np.cumsum(new_run) - 1
        starts = pos[new_run]
        run_docs = doc[new_run]
        lengths = np.bincount(run_id) + size - 1
        best: dict[int, tuple[int, int]] = {}
        for d, start, length in zip(
            run_docs.tolist(), starts.tolist(), lengths.tolist(), strict=True
        ):
            if length > best.get(d, (0, 0))[1]:
                best[d] = (start, length)
        return best

    # ---- file -----------------------------------------------------------------------------

    def to_bytes(self) -> bytes:
        parts = [
            _HEADER.pack(MAGIC, VERSION, self.shingle_words, len(self.key)),
            self.key,
            _COUNTS.pack(len(self.docs), len(self)),
        ]
        for doc in self.docs:
            label = doc.label.encode()
            parts.append(_DOC.pack(_LEVEL_CODE[doc.level], len(label)))
            parts.append(label)
        parts.append(self.hashes.astype("<u8").tobytes())
        parts.append(self.doc_of.astype("<u4").tobytes())
        body = b"".join(parts)
        return body + hashlib.sha256(body).digest()

    def save(self, path: str | os.PathLike) -> None:
        """Written to a private temporary file first, then renamed: a reader never sees half
        a pack, and the pack is readable by its owner only."""
        path = Path(path)
        tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(self.to_bytes())
            os.replace(tmp, path)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise

    @classmethod
    def load(cls, path: str | os.PathLike) -> FingerprintPack:
        try:
            data = Path(path).read_bytes()
        except OSError as exc:
            raise PackError(f"Không đọc được gói dấu vân tay {path}: {exc.strerror}.") from exc
        return cls.from_bytes(data, str(path))

    @classmethod
    def from_bytes(cls, data: bytes, name: str = "gói") -> FingerprintPack:
        bad = f"Gói dấu vân tay {name} bị hỏng hoặc không phải gói của BMNN"
        if len(data) < _HEADER.size + 32 or not data.startswith(MAGIC):
            raise PackError(f"{bad}: thiếu phần đầu nhận dạng.")
        body, checksum = data[:-32], data[-32:]
        if not hmac.compare_digest(hashlib.sha256(body).digest(), checksum):
            raise PackError(f"{bad}: mã kiểm tra (SHA-256) không khớp, tệp bị cắt hoặc sửa.")
        _, version, shingle_words, key_len = _HEADER.unpack_from(body, 0)
        if version != VERSION:
            raise PackError(
                f"Gói dấu vân tay {name} có phiên bản {version}; phiên bản này chỉ đọc được "
                f"phiên bản {VERSION}. Hãy tạo lại gói bằng `bmnn scan fingerprint`."
            )
        try:
            offset = _HEADER.size
            key = body[offset : offset + key_len]
            offset += key_len
            if len(key) != key_len or key_len < 16 or shingle_words < 1:
                raise PackError(f"{bad}: khóa hoặc độ dài chuỗi từ không hợp lệ.")
            n_docs, n_hashes = _COUNTS.unpack_from(body, offset)
            offset += _COUNTS.size
            docs = []
            for i in range(n_docs):
                code, label_len = _DOC.unpack_from(body, offset)
                offset += _DOC.size
                label = body[offset : offset + label_len].decode()
                offset += label_len
                if code not in _CODE_LEVEL or len(label.encode()) != label_len:
                    raise PackError(f"{bad}: mục tài liệu #{i + 1} không hợp lệ.")
                docs.append(RegisteredDoc(i + 1, _CODE_LEVEL[code], label))
            if len(body) - offset != n_hashes * 12:
                raise PackError(f"{bad}: số mã băm không khớp với độ dài tệp.")
            hashes = np.frombuffer(body, dtype="<u8", count=n_hashes, offset=offset)
            doc_of = np.frombuffer(body, dtype="<u4", count=n_hashes, offset=offset + 8 * n_hashes)
        except (struct.error, UnicodeDecodeError, ValueError) as exc:
            if isinstance(exc, PackError):
                raise
            raise PackError(f"{bad}: cấu trúc không hợp lệ.") from exc
        hashes = hashes.astype(np.uint64)
        doc_of = doc_of.astype(np.uint32)
        if n_hashes and (np.any(hashes[1:] < hashes[:-1]) or int(doc_of.max()) >= n_docs):
            raise PackError(f"{bad}: các mã băm không theo thứ tự hoặc chỉ tới tài liệu lạ.")
        return cls(key, docs, hashes, doc_of, shingle_words)


def build_pack(
    texts: Iterable[tuple[str, str | None, str]],
    *,
    key: bytes | None = None,
    shingle_words: int = SHINGLE_WORDS,
    labels: bool = False,
) -> FingerprintPack:
    """A pack from (doc_id, level, text) triples. Documents are numbered #1, #2, … in the
    order given; `doc_id` becomes the label only with labels=True (an operator who wants
    readable names in findings, knowing they travel with the pack). A document shorter than
    `shingle_words` words adds no hash: it can never match (see `too_short`)."""
    if shingle_words < 1:
        raise ValueError("shingle_words must be positive")
    key = key if key is not None else secrets.token_bytes(KEY_BYTES)
    if len(key) < 16:
        raise ValueError("the key must have at least 16 bytes")
    docs: list[RegisteredDoc] = []
    hash_parts: list[np.ndarray] = []
    doc_parts: list[np.ndarray] = []
    too_short: list[str] = []
    for doc_id, level, text in texts:
        if level not in _LEVEL_CODE:
            raise ValueError(f"unknown level {level!r}")
        label = doc_id[:_MAX_LABEL] if labels else ""
        docs.append(RegisteredDoc(len(docs) + 1, level, label))
        hashes = np.unique(
            np.fromiter(_shingle_hashes(words_of(text), key, shingle_words), dtype=np.uint64)
        )
        if not hashes.size:
            too_short.append(doc_id)
        hash_parts.append(hashes)
        doc_parts.append(np.full(hashes.size, len(docs) - 1, dtype=np.uint32))
    all_hashes = np.concatenate(hash_parts) if hash_parts else np.empty(0, np.uint64)
    all_docs = np.concatenate(doc_parts) if doc_parts else np.empty(0, np.uint32)
    order = np.lexsort((all_docs, all_hashes))
    pack = FingerprintPack(key, docs, all_hashes[order], all_docs[order], shingle_words)
    pack.too_short = too_short
    return pack
