"""Secrecy marks (Circular 24/2020/TT-BCA forms 02, 03, 05–09) found in text with layout.

A literal is not a mark: "mật" is also honey, bile, password and density, and the law, training
slides and news all name the levels. A hit becomes a finding with a score built from cues that
raise it (alone on its line, in capitals, boxed, red, in a header or a stamp, next to the
document number) or lower it (inside a sentence, a list of the levels, a quotation, a blank
form), Presidio-style, and the explanation lists those cues in Vietnamese.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field
from itertools import accumulate

from bmnn.scan.model import Block, Finding
from bmnn.scan.normalize import fold, fold_aligned

SECRET_THRESHOLD = 0.5
REPORT_FLOOR = 0.2  # candidates below this are noise (a word in a sentence), not worth a line
INFO_SCORE = 0.3  # declassified / adjusted stamps: reported, never secret on their own

LEVEL_NAMES = {"tuyet_mat": "Tuyệt mật", "toi_mat": "Tối mật", "mat": "Mật"}
_LEVEL_CODES = {"tuyệt mật": "tuyet_mat", "tối mật": "toi_mat", "mật": "mat"}
LETTER_LEVELS = {"A": "tuyet_mat", "B": "toi_mat", "C": "mat"}


@dataclass(frozen=True)
class Key:
    kind: str  # level | declassified | adjusted | copy | copy_number | copy_bmnn | recall | named
    exact: str  # lower-case NFC, one tone placement
    level: str | None = None

    @property
    def folded(self) -> str:
        return fold(self.exact)

    @property
    def multi(self) -> bool:
        return " " in self.exact


_KEYS = (
    Key("level", "tuyệt mật", "tuyet_mat"),
    Key("level", "tối mật", "toi_mat"),
    Key("level", "mật", "mat"),
    Key("declassified", "giải mật"),
    Key("adjusted", "điều chỉnh độ mật"),
    Key("copy", "bản sao số"),
    Key("copy_number", "bản số"),
    Key("copy_bmnn", "sao bmnn"),
    Key("recall", "tài liệu thu hồi"),
    Key("named", "chỉ người có tên mới được bóc bì"),
)


def literals() -> list[tuple[str, Key]]:
    """Every literal the prefilter must look for, with the key it stands for: the exact form,
    and the folded form (for OCR text and text typed without diacritics)."""
    out = []
    for key in _KEYS:
        out.append((key.exact, key))
        if key.folded != key.exact:
            out.append((key.folded, key))
    return out


# --- the document as detectors see it --------------------------------------------------------


@dataclass
class DocText:
    """Normalised text of every block, and one joined text for the single prefilter pass.
    OCR blocks are scanned folded (diacritics lost in the scan must not hide a mark)."""

    blocks: list[Block]
    texts: list[str]
    scan: str = ""
    starts: list[int] = field(default_factory=list)
    _docnum: dict[int, bool] = field(default_factory=dict)
    _levels: dict[int, list[str]] | None = None

    def __post_init__(self) -> None:
        if len(self.blocks) != len(self.texts):
            raise ValueError("one text per block")
        self.starts = list(accumulate((len(t) + 1 for t in self.texts[:-1]), initial=0))
        ocr = [i for i, b in enumerate(self.blocks) if b.ocr]
        if ocr:
            parts = list(self.texts)
            for i in ocr:
                parts[i] = fold_aligned(parts[i])
            self.scan = "\n".join(parts)
        else:
            self.scan = "\n".join(self.texts)

    def locate(self, start: int) -> int:
        return bisect.bisect_right(self.starts, start) - 1

    def joined(self, i: int, end: int) -> tuple[str, bool]:
        """The text a hit starting in block i and ending at `end` (block i's offsets) lies in:
        block i's own text, or it joined with the next blocks as in `scan` when a catalogue
        phrase wraps onto them (PDF text and OCR give a block per line); and whether every
        block it covers is OCR."""
        text = self.texts[i]
        if end <= len(text):
            return text, self.blocks[i].ocr
        last = self.locate(self.starts[i] + end - 1)
        covered = range(i, last + 1)
        return "\n".join(self.texts[i : last + 1]), all(self.blocks[j].ocr for j in covered)

    def short_levels(self, i: int) -> list[str]:
        """Levels named in block i when it is a short block (a list item, a cell, a stamp)."""
        if self._levels is None:
            self._levels = {}
        if i not in self._levels:
            t = self.texts[i]
            short = len(t) <= 60 and len(t.split()) <= 6
            self._levels[i] = [_LEVEL_CODES[w] for w in _level_words(t)] if short else []
        return self._levels[i]

    def has_docnum(self, i: int) -> bool:
        if i not in self._docnum:
            self._docnum[i] = bool(_DOCNUM.search(self.texts[i]))
        return self._docnum[i]


@dataclass(frozen=True)
class Hit:
    key: object
    block: int
    start: int  # offsets in the block's normalised text
    end: int


_WORD = re.compile(r"[^\W_]+")
_DOCNUM = re.compile(r"(?im)^\s*số\s*[:.]?\s*[\d.…]*\s*/\s*[\wđ]")


def word_bounded(text: str, start: int, end: int) -> bool:
    return (start == 0 or not text[start - 1].isalnum()) and (
        end >= len(text) or not text[end].isalnum()
    )


def verify(hit: Hit, text: str, ocr: bool, exact: str, multi: bool) -> str | None:
    """ "exact" when the text has the phrase with its diacritics, "folded" when only without
    them (allowed for OCR, and for blocks typed with no diacritics at all), else None. A line
    break in the span stands for the space the prefilter let it match (matcher._forms)."""
    if not word_bounded(text, hit.start, hit.end):
        return None
    span = text[hit.start : hit.end]
    if "\n" in span:
        span = span.replace("\n", " ")
    if span.lower() == exact:
        return "exact"
    if fold_aligned(span) != fold(exact) or (not multi and not ocr):
        return None
    if ocr or text.isascii():
        return "folded"
    return None


# --- cues ------------------------------------------------------------------------------------

_URGENCY = {"khẩn", "hỏa", "tốc", "thượng", "hẹn", "giờ"}
_DOC_KINDS = {"tài", "liệu", "văn", "bản", "hồ", "sơ"}
# "mật" with these neighbours is another word: honey, bile, password, density, close, secret…
_OTHER_PREV = {
    "bí", "bảo", "thân", "cơ", "túi", "sỏi", "ống", "dịch", "đường", "trọng", "mật", "kín",
    "tuyệt", "tối", "giải", "độ", "nghiêm",
}  # fmt: skip
_OTHER_NEXT = {
    "khẩu", "độ", "ong", "thiết", "mã", "vụ", "báo", "thám", "danh", "hiệu", "lệnh", "ước",
    "đàm", "thư", "phục", "tấu", "sứ", "khu", "ngọt", "gấu", "mía", "rỉ", "ngữ", "nghị", "đạo",
    "viện", "tín", "hoa", "rắn", "cá", "heo", "bò", "ngựa", "tình", "kế",
}  # fmt: skip
_TALK_PREV = {"dấu", "chữ", "từ", "hiệu", "mẫu", "cụm", "loại", "cấp", "mức", "đóng", "ghi"}
_BULLET = re.compile(r"^\s*(?:[•·\-–+*▪►✓○●]|\d+[.)]|[a-zđ][.)])\s+")
_PLACEHOLDER = re.compile(r"\.{3,}|…|_{3,}|\[[^\]]*\]|<[^>]*>")
_LEVEL_IN_LINE = re.compile(r"(?<![\w])(tuyệt mật|tối mật|mật)(?![\w])")
_NOT_LEVEL = re.compile(r"(?<![\w])(?:độ|bí|bảo|giải|cơ|thân) mật|mật (?:khẩu|độ|ong|thiết|mã)")
_LABEL = re.compile(r"^\s*độ\s+mật\s*[:：]\s*$")
_QUOTES_OPEN = "\"'“‘«("
_QUOTES_CLOSE = "\"'”’»)"
_STAMPISH_SKIP = {"từ", "ngày", "tháng", "năm", "kể"}


_STRIP = "\"'()[]{}<>.,;:!?…“”‘’«»-–—/\\*•·"


def compound_neighbours(text: str, start: int, end: int) -> tuple[str, str]:
    """The words joined to text[start:end] by a single space (lower case): "bí" and "khẩu"
    around "mật" in "bí mật khẩu". Punctuation breaks the compound ("Độ mật: Mật")."""
    prev = nxt = ""
    if start >= 2 and text[start - 1] == " ":
        before = text[max(0, start - 12) : start - 1].rsplit(None, 1)
        if before and before[-1][-1:].isalnum():
            prev = before[-1].lstrip(_STRIP).lower()
    if end + 1 < len(text) and text[end] == " ":
        after = text[end + 1 : end + 13].split(None, 1)
        if after and after[0][:1].isalnum():
            nxt = after[0].rstrip(_STRIP).lower()
    return prev, nxt


def quick_reject(doc: DocText, i: int, start: int, end: int, key: Key) -> bool:
    """Cheap tests run on every prefilter hit before any rule work: not a whole word, another
    meaning of "mật", or deep inside running text of a block with no stamp layout. Dense
    texts (laws, training material) have thousands of such hits."""
    text = doc.texts[i]
    if (start and text[start - 1].isalnum()) or (end < len(text) and text[end].isalnum()):
        return True
    if key.kind == "level" and not key.multi:
        prev, nxt = compound_neighbours(text, start, end)
        if prev in _OTHER_PREV or nxt in _OTHER_NEXT:
            return True
    b = doc.blocks[i]
    if b.boxed or b.part in ("stamp", "header") or (b.color and is_red(b.color)):
        return False
    ls = text.rfind("\n", 0, start) + 1
    le = text.find("\n", end)
    le = len(text) if le < 0 else le
    return text.count(" ", ls, start) + text.count(" ", end, le) > 11


def is_red(color: str) -> bool:
    c = (color or "").strip().lower().lstrip("#")
    if c in ("red", "đỏ", "darkred"):
        return True
    if len(c) == 6:
        try:
            r, g, b = int(c[0:2], 16), int(c[2:4], 16), int(c[4:6], 16)
        except ValueError:
            return False
        return r >= 0xB0 and g <= 0x60 and b <= 0x60
    return False


def _level_words(line: str) -> list[str]:
    low = _NOT_LEVEL.sub(" ", line.lower())
    return _LEVEL_IN_LINE.findall(low)


class _Score:
    def __init__(self, base: float, what: str) -> None:
        self.value = base
        self.what = what
        self.cues: list[str] = []

    def add(self, delta: float, cue: str) -> None:
        self.value += delta
        self.cues.append(("+" if delta >= 0 else "−") + cue)

    def final(self) -> float:
        return round(min(1.0, max(0.0, self.value)), 3)

    def explain(self) -> str:
        cues = "; ".join(self.cues) if self.cues else "không có dấu hiệu bố cục"
        return f"{self.what}: {cues}. Điểm {self.final():.2f}."


@dataclass
class _Ctx:
    doc: DocText
    i: int
    block: Block
    text: str
    line: str
    before: str
    after: str
    span: str

    @property
    def prev_word(self) -> str:
        words = _WORD.findall(self.before[-40:])
        return words[-1].lower() if words else ""

    @property
    def next_word(self) -> str:
        words = _WORD.findall(self.after[:40])
        return words[0].lower() if words else ""

    def in_sentence(self) -> bool:
        """Deep inside running text, with nothing in the block's layout that a stamp has: such
        a hit cannot score as a mark, so it is dropped before the costlier cues."""
        b = self.block
        if b.boxed or b.part in ("stamp", "header") or is_red(b.color):
            return False
        return len(self.before.split()) + len(self.after.split()) > 10


def _context(doc: DocText, hit: Hit) -> _Ctx:
    text = doc.texts[hit.block]
    ls = text.rfind("\n", 0, hit.start) + 1
    le = text.find("\n", hit.end)
    le = len(text) if le < 0 else le
    return _Ctx(
        doc,
        hit.block,
        doc.blocks[hit.block],
        text,
        text[ls:le],
        text[ls : hit.start],
        text[hit.end : le],
        text[hit.start : hit.end],
    )


def _layout(sc: _Score, ctx: _Ctx, short: bool) -> None:
    """Cues of a stamp or a typed mark: capitals, frame, header, red ink, document number."""
    b = ctx.block
    if ctx.span.isupper():
        sc.add(0.15, "chữ in hoa")
    if b.alone and short:
        sc.add(0.05, "đoạn riêng")
    if b.boxed:
        sc.add(0.1, "trong khung")
    if b.part == "stamp":
        sc.add(0.2, "là con dấu")
    elif b.part == "header":
        sc.add(0.15, "ở đầu trang")
    if is_red(b.color):
        sc.add(0.2, "màu đỏ")
    if b.bold and short:
        sc.add(0.05, "chữ đậm")
    lo, hi = max(0, ctx.i - 2), min(len(ctx.doc.texts), ctx.i + 3)
    if any(ctx.doc.has_docnum(j) for j in range(lo, hi)):
        sc.add(0.15, "gần số văn bản")


def _talk(sc: _Score, ctx: _Ctx, mark_only: bool) -> None:
    """Cues of text that talks about a mark instead of bearing it."""
    if not mark_only:
        before = ctx.before.rstrip()
        after = ctx.after.lstrip()
        if before[-1:] in _QUOTES_OPEN and after[:1] in _QUOTES_CLOSE:
            sc.add(-0.3, "đặt trong ngoặc, được nhắc tới")
    if ctx.prev_word in _TALK_PREV:
        sc.add(-0.35, f"đứng sau «{ctx.prev_word}», nói về dấu")
    if _BULLET.match(ctx.line):
        sc.add(-0.2, "là một mục liệt kê")
    if _PLACEHOLDER.search(ctx.line):
        sc.add(-0.4, "dòng có chỗ trống để điền (mẫu)")


def _others(words: list[str], skip: set[str]) -> list[str]:
    return [w for w in words if w.lower() not in skip and not w.isdigit()]


def _shape(sc: _Score, others: int) -> tuple[bool, bool]:
    mark_only, short = others == 0, 0 < others <= 3
    if mark_only:
        sc.add(0.35, "đứng riêng một dòng")
    elif short:
        sc.add(0.15, "dòng ngắn")
    elif others >= 6:
        sc.add(-0.3, "nằm trong câu văn")
    return mark_only, mark_only or short


# --- rules -----------------------------------------------------------------------------------


def _level(doc: DocText, hit: Hit, how: str) -> tuple[Finding | None, bool]:
    key: Key = hit.key
    ctx = _context(doc, hit)
    prev, nxt = compound_neighbours(ctx.text, hit.start, hit.end)
    if how == "folded":
        prev, nxt = fold(prev), fold(nxt)
        other_prev, other_next = {fold(w) for w in _OTHER_PREV}, {fold(w) for w in _OTHER_NEXT}
    else:
        other_prev, other_next = _OTHER_PREV, _OTHER_NEXT
    if not key.multi and (prev in other_prev or nxt in other_next):
        return None, False  # another word: bí mật, mật khẩu, mật ong, độ mật, tuyệt mật…
    if ctx.in_sentence():
        return None, False
    name = LEVEL_NAMES[key.level]
    sc = _Score(0.3 if key.multi else 0.1, f"Dấu độ mật «{ctx.span}» ({name})")
    label = bool(_LABEL.match(ctx.before.lower()))
    before_words = [] if label else _WORD.findall(ctx.before)
    words = before_words + _WORD.findall(ctx.after)
    others = _others(words, _URGENCY)
    kind_prefix = (
        bool(others) and all(w.lower() in _DOC_KINDS for w in others) and not ctx.after.strip()
    )
    if label:
        sc.add(0.4, "ghi ở mục «Độ mật:»")
        mark_only, short = False, True
        if others:
            sc.add(-0.1 * len(others), "có chữ khác sau độ mật")
    elif kind_prefix:
        sc.add(0.25, "dòng chỉ ghi loại tài liệu và độ mật")
        mark_only, short = False, True
    else:
        mark_only, short = _shape(sc, len(others))
    if prev == "độ" or (prev == "do" and how == "folded"):
        sc.add(-0.45, "đứng sau «độ», nói về độ mật")
    _talk(sc, ctx, mark_only)
    if len(_level_words(ctx.line)) >= 2:
        sc.add(-0.45, "dòng liệt kê nhiều độ mật")
    if _neighbour_levels(doc, hit.block, key.level):
        sc.add(-0.4, "các dòng lân cận liệt kê độ mật khác")
    if how == "folded":
        if not key.multi and not (mark_only and (ctx.block.boxed or is_red(ctx.block.color))):
            return None, False  # folded "mat" is mất/mặt/mát unless it is a lone stamp
        if not ctx.block.ocr and not mark_only:
            return None, False
        sc.add(-0.05 if ctx.block.ocr else -0.1, "khớp khi bỏ dấu (OCR/không dấu)")
        if not ctx.span.isascii():
            sc.add(-0.15, "dấu thanh đọc được khác với dấu độ mật")
    _layout(sc, ctx, short)
    return _finding("mark.level", key.level, ctx, sc), mark_only or short


def _neighbour_levels(doc: DocText, i: int, level: str) -> bool:
    for j in range(max(0, i - 3), min(len(doc.texts), i + 4)):
        if j != i and any(lv != level for lv in doc.short_levels(j)):
            return True
    return False


def _simple(doc: DocText, hit: Hit, how: str) -> Finding | None:
    """Copy, recall and named-envelope marks: phrases nobody writes by chance, still scored by
    layout because the law and training texts quote them."""
    key: Key = hit.key
    ctx = _context(doc, hit)
    after = ctx.after
    rule, what, base = {
        "copy": ("mark.copy", "Dấu bản sao", 0.35),
        "copy_number": ("mark.copy", "Dấu số bản", 0.4),
        "copy_bmnn": ("mark.copy", "Dấu sao bí mật nhà nước", 0.3),
        "recall": ("mark.recall", "Dấu thu hồi tài liệu", 0.3),
        "named": ("mark.named_envelope", "Dấu bì đích danh", 0.4),
    }[key.kind]
    if ctx.in_sentence():
        return None
    sc = _Score(base, f"{what} «{ctx.span}»")
    skip = set(_URGENCY)
    if key.kind == "copy":
        if fold(ctx.next_word) == "hoa":
            return None  # bản sao số hóa: a digitised copy
        number = re.match(r"\s*[:.]?\s*(\d+)", after)
        if number:
            sc.add(0.2, "có số bản")
        elif re.match(r"\s*[:.]?\s*[.…_]{2,}", after):
            sc.add(-0.2, "số bản để trống")
    elif key.kind == "copy_number":
        if not re.match(r"\s*[:.]?\s*\d+\s*/\s*\d+", after):
            return None
        sc.add(0.2, "có dạng số bản/tổng số bản")
    elif key.kind == "copy_bmnn":
        skip |= {"số", "bản"}
    words = _WORD.findall(ctx.before) + _WORD.findall(after)
    mark_only, short = _shape(sc, len(_others(words, skip)))
    _talk(sc, ctx, mark_only)
    if how == "folded":
        if not mark_only and not short:
            return None
        sc.add(-0.05, "khớp khi bỏ dấu (OCR/không dấu)")
    _layout(sc, ctx, short)
    return _finding(rule, None, ctx, sc)


def _stamp_info(doc: DocText, hit: Hit) -> Finding | None:
    """GIẢI MẬT (form 05) and level adjustment (form 06) stamps: reported with a score below the
    threshold; a declassified stamp supersedes the level marks of the document."""
    key: Key = hit.key
    ctx = _context(doc, hit)
    words = _WORD.findall(ctx.before) + _WORD.findall(ctx.after)
    others = [w for w in _others(words, _STAMPISH_SKIP) if fold(w) not in ("tu", "ngay")]
    b = ctx.block
    stampish = ctx.span.isupper() or b.boxed or is_red(b.color) or b.part in ("stamp", "header")
    if len(others) > 2 or not (stampish or not others):
        return None  # "việc giải mật tài liệu…": a sentence about declassification
    if key.kind == "declassified":
        text = (
            f"Dấu «{ctx.span}»: tài liệu đã được giải mật; dấu độ mật trong tài liệu không còn "
            "làm tài liệu thành bí mật."
        )
        rule = "mark.declassified"
    else:
        text = f"Dấu điều chỉnh độ mật «{ctx.span}»: độ mật đã được điều chỉnh (chỉ để biết)."
        rule = "mark.adjusted"
    return Finding(rule, None, ctx.line, b.location, INFO_SCORE, text)


def _finding(rule: str, level: str | None, ctx: _Ctx, sc: _Score) -> Finding:
    return Finding(rule, level, ctx.span, ctx.block.location, sc.final(), sc.explain())


_LETTER = re.compile(r"^[(\[]?\s*([ABC])\s*[)\]]?$")
_CIRCLED = {"Ⓐ": "A", "Ⓑ": "B", "Ⓒ": "C"}
_ENVELOPE_CUE = re.compile(r"(?<![\w])(?:phong bì|bóc bì|bì thư|ngoài bì|trong bì|bì đựng)(?![\w])")


def _letter_of(text: str) -> str | None:
    t = text.strip()
    if t in _CIRCLED:
        return _CIRCLED[t]
    m = _LETTER.match(t)
    return m.group(1) if m else None


def envelope_letters(doc: DocText, findings: list[Finding]) -> list[Finding]:
    """Form 03 letters A/B/C: a block that is only the letter, with envelope layout around."""
    named = any(f.rule == "mark.named_envelope" and f.score >= SECRET_THRESHOLD for f in findings)
    out = []
    for i in [j for j, t in enumerate(doc.texts) if len(t) <= 5]:
        block, text = doc.blocks[i], doc.texts[i]
        letter = _letter_of(text)
        if letter is None:
            continue
        red, seal = is_red(block.color), block.part in ("stamp", "header")
        if not (block.boxed or red or seal):
            continue  # a bare letter in running text or a list is not an envelope mark
        level = LETTER_LEVELS[letter]
        sc = _Score(0.1, f"Chữ «{letter}» trên bì ({LEVEL_NAMES[level]})")
        if block.boxed:
            sc.add(0.15, "trong khung")
        if red:
            sc.add(0.2, "màu đỏ")
        if block.part == "stamp":
            sc.add(0.2, "là con dấu")
        elif block.part == "header":
            sc.add(0.15, "ở đầu trang")
        if block.bold:
            sc.add(0.05, "chữ đậm")
        if block.alone:
            sc.add(0.05, "đứng riêng")
        lo, hi = max(0, i - 3), min(len(doc.texts), i + 4)
        near = [doc.texts[j].lower() for j in range(lo, hi) if j != i]
        if named or any(_ENVELOPE_CUE.search(t) for t in near):
            sc.add(0.3, "có dấu hiệu phong bì gần đó")
        else:
            sc.add(-0.1, "không thấy dấu hiệu phong bì")
        if any(
            _letter_of(doc.texts[j])
            for j in range(max(0, i - 2), min(len(doc.texts), i + 3))
            if j != i
        ):
            sc.add(-0.4, "các ô lân cận cũng là chữ cái (danh sách, bảng)")
        if sc.final() >= REPORT_FLOOR:
            out.append(
                Finding(
                    "mark.envelope_letter",
                    level,
                    text.strip(),
                    block.location,
                    sc.final(),
                    sc.explain(),
                )
            )
    return out


def evaluate(doc: DocText, hits: list[Hit]) -> list[Finding]:
    findings: list[Finding] = []
    info: list[Finding] = []
    for hit in hits:
        key: Key = hit.key
        block = doc.blocks[hit.block]
        how = verify(hit, doc.texts[hit.block], block.ocr, key.exact, key.multi)
        if how is None:
            continue
        if key.kind == "level":
            found, _ = _level(doc, hit, how)
        elif key.kind in ("declassified", "adjusted"):
            if how == "folded" and not block.ocr:
                continue
            found = _stamp_info(doc, hit)
            if found is not None:
                info.append(found)
            continue
        else:
            found = _simple(doc, hit, how)
        if found is not None and found.score >= REPORT_FLOOR:
            findings.append(found)
    findings += envelope_letters(doc, findings)
    if any(f.rule == "mark.declassified" for f in info):
        findings = [_superseded(f) for f in findings]
    return _dedupe(findings + info)


def _superseded(f: Finding) -> Finding:
    if f.score < SECRET_THRESHOLD:
        return f
    capped = round(SECRET_THRESHOLD - 0.05, 3)
    head = f.explanation.rsplit(" Điểm ", 1)[0]
    note = (
        " Tài liệu có dấu GIẢI MẬT nên dấu này hết hiệu lực."
        f" Điểm {capped:.2f} (trước: {f.score:.2f})."
    )
    return Finding(f.rule, f.level, f.text, f.location, capped, head + note)


def _dedupe(findings: list[Finding]) -> list[Finding]:
    seen, out = set(), []
    for f in findings:
        k = (f.rule, f.level, f.text, f.location, f.score)
        if k not in seen:
            seen.add(k)
            out.append(f)
    return out
