"""The scanner's vocabulary: what an extractor gives (blocks of text with layout hints, and
embedded files), what a detector finds, and what a scan reports per file.

No Django here: the scanner runs on an Internet-facing portal as well as on a secret LAN.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

LEVEL_RANK = {"mat": 1, "toi_mat": 2, "tuyet_mat": 3}
VERDICTS = ("secret", "clean", "error")


class ScanError(Exception):
    """A file the scanner cannot read. Its verdict is `error`, never `clean` (fail closed).
    `reason` is Vietnamese, for the user."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class LimitExceeded(ScanError):
    """A file that breaks a limit (size, pages, pixels, depth, unpacked bytes, time)."""


@dataclass(frozen=True)
class Block:
    """A piece of text as the document lays it out: a paragraph, a cell, a header line, a text
    box, an OCR line. The layout hints are what tell a stamped mark from text about marks."""

    text: str
    location: str  # where a person finds it: "trang 3", "word/header1.xml đoạn 2", "Sheet1!B4"
    part: str = "body"  # body|header|footer|textbox|table|comment|note|title|metadata|stamp
    font: str = ""  # the run's font name, when known (".VnTimeH" tells TCVN3 upper case)
    bold: bool = False
    color: str = ""  # "red" when the extractor saw red ink or red text; else "" or a hex value
    boxed: bool = False  # drawn in a frame, a box or a cell of its own
    alone: bool = False  # the text is alone on its line (a paragraph or line of its own)
    ocr: bool = False  # read by OCR: matching must tolerate lost diacritics
    encoding: str = ""  # "tcvn3" | "vni" when the extractor knows the text is in that code


@dataclass(frozen=True)
class Member:
    """A file inside a file: an archive member, a mail attachment, an embedded object.
    `name` is its path inside the container ("dir/file.docx"); `data` is its bytes, already
    bounded by the extractor's limits."""

    name: str
    data: bytes


@dataclass
class Document:
    """What an extractor read from one file."""

    blocks: list[Block] = field(default_factory=list)
    members: list[Member] = field(default_factory=list)
    pages: int = 0


@dataclass(frozen=True)
class Finding:
    rule: str  # e.g. "mark.level", "mark.copy", "mark.recall", "mark.named_envelope",
    # "mark.envelope_letter", "catalogue", "fingerprint"
    level: str | None  # tuyet_mat | toi_mat | mat | None
    text: str  # the text that matched, as read
    location: str
    score: float  # 0..1
    explanation: str  # Vietnamese: why this is (or is scored as) a mark

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass
class FileResult:
    """One line of `--format jsonl`: a file or an archive member."""

    path: str
    verdict: str  # secret | clean | error
    level: str | None = None
    score: float = 0.0
    findings: list[Finding] = field(default_factory=list)
    error: str | None = None
    seconds: float = 0.0

    def as_dict(self) -> dict:
        return {
            "path": self.path,
            "verdict": self.verdict,
            "level": self.level,
            "score": round(self.score, 4),
            "findings": [f.as_dict() for f in self.findings],
            "error": self.error,
            "seconds": round(self.seconds, 4),
        }


def highest_level(levels) -> str | None:
    found = [lv for lv in levels if lv]
    return max(found, key=LEVEL_RANK.__getitem__) if found else None
