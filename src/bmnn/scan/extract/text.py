"""Plain text, and the helpers every document extractor shares: decoding bytes of unknown
encoding, turning a paragraph's runs into Blocks with their layout hints, and a bounded sink.

A paragraph's runs are joined, so a word Word split across runs ("M" + "ẬT") comes back whole;
it is split again only where runs change between legacy fonts (.VnTime vs .VnTimeH vs VNI-*),
because the legacy decoder chooses its code table by the font name of the block.
"""

from __future__ import annotations

import codecs
import re
import unicodedata
from typing import NamedTuple

from bmnn.scan.extract import Context, register
from bmnn.scan.model import Block, Document, LimitExceeded

ALONE_MAX = 40  # a paragraph or line this short may be a mark standing on its own line


class Run(NamedTuple):
    text: str
    font: str = ""
    bold: bool = False
    color: str = ""


def is_legacy_font(name: str) -> bool:
    """TCVN3/ABC fonts are named .VnXxx (.VnTime, .VnTimeH, .VnArial); VNI fonts VNI-Xxx."""
    low = name.strip().lower()
    return low.startswith((".vn", "vni"))


_NAMED_COLORS = {
    "red": "red",
    "darkred": "red",
    "crimson": "red",
    "firebrick": "red",
    "maroon": "red",
    "orangered": "red",
}
_HEX = re.compile(r"^#?([0-9a-fA-F]{3}|[0-9a-fA-F]{6}|[0-9a-fA-F]{8})$")
_RGB_FUNC = re.compile(r"^rgba?\(\s*(\d{1,3})\s*,\s*(\d{1,3})\s*,\s*(\d{1,3})")


def color_hint(value: str | None) -> str:
    """ "red" for red or near-red ink (FF0000, C00000, #f00, rgb(200,0,0), "red"), else the
    colour as six lower-case hex digits, or "" for automatic / unknown colour."""
    if not value:
        return ""
    v = value.strip().lower()
    if v in _NAMED_COLORS:
        return "red"
    m = _RGB_FUNC.match(v)
    if m:
        r, g, b = (min(int(x), 255) for x in m.groups())
    else:
        m = _HEX.match(v)
        if not m:
            return ""
        h = m.group(1)
        if len(h) == 3:
            h = "".join(c * 2 for c in h)
        elif len(h) == 8:  # ARGB, as spreadsheets write it
            h = h[2:]
        r, g, b = int(h[0:2], 16), int(h[2:4], 16), int(h[4:6], 16)
    if r >= 0x80 and max(g, b) <= 0x50 and r - max(g, b) >= 0x60:
        return "red"
    return f"{r:02x}{g:02x}{b:02x}"


class Sink:
    """Collects the blocks of one file, within max_text_chars, checking the clock as it goes."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.blocks: list[Block] = []
        self.chars = 0
        self._max = ctx.limits.max_text_chars

    def add(self, block: Block) -> None:
        self.chars += len(block.text)
        if self.chars > self._max:
            raise LimitExceeded(
                f"Văn bản trích ra vượt giới hạn {self._max:,} ký tự (tệp {self.ctx.name})."
            )
        self.blocks.append(block)
        if len(self.blocks) % 256 == 0:
            self.ctx.check_time()

    def text(
        self, text: str, location: str, part: str = "body", boxed: bool = False, **hints
    ) -> None:
        """One block per non-empty line of `text`, all with the same hints."""
        for line in text.splitlines():
            line = line.strip()
            if line:
                self.add(
                    Block(
                        text=line,
                        location=location,
                        part=part,
                        boxed=boxed,
                        alone=len(line) <= ALONE_MAX,
                        **hints,
                    )
                )

    def runs(self, runs: list[Run], location: str, part: str = "body", boxed: bool = False):
        add_runs(self, runs, location, part, boxed)


def _dominant(pairs) -> object:
    counts: dict = {}
    for value, weight in pairs:
        counts[value] = counts.get(value, 0) + weight
    return max(counts, key=counts.__getitem__) if counts else ""


def _weight(text: str) -> int:
    return len(text) - text.count(" ")


def add_runs(sink: Sink, runs: list[Run], location: str, part: str, boxed: bool) -> None:
    """A paragraph's runs → blocks: one per line ("\\n" in a run is a line break), split into
    groups where the legacy font changes; hints are the groups' dominant font, bold, colour."""
    if not runs:
        return
    first = runs[0]
    hints = first[1:]
    if all(r[1:] == hints for r in runs):  # the common case: one look for the whole paragraph
        text = "".join(r.text for r in runs)
        for line in text.split("\n") if "\n" in text else (text,):
            line = line.strip()
            if line:
                sink.add(
                    Block(
                        text=line,
                        location=location,
                        part=part,
                        font=first.font,
                        bold=first.bold,
                        color=first.color,
                        boxed=boxed,
                        alone=len(line) <= ALONE_MAX,
                    )
                )
        return
    lines = [runs] if not any("\n" in r.text for r in runs) else _split_lines(runs)
    legacy = any(is_legacy_font(r.font) for r in runs)
    for line in lines:
        full = "".join(r.text for r in line).strip()
        if not full:
            continue
        alone = len(full) <= ALONE_MAX
        groups = _font_groups(line) if legacy else [line]
        for group in groups:
            text = full if len(groups) == 1 else "".join(r.text for r in group).strip()
            if not text:
                continue
            weights = [(r, _weight(r.text)) for r in group]
            font = _dominant((r.font, w) for r, w in weights)
            bold = _dominant((r.bold, w) for r, w in weights)
            color = _dominant((r.color, w) for r, w in weights)
            sink.add(
                Block(
                    text=text,
                    location=location,
                    part=part,
                    font=font or "",
                    bold=bool(bold),
                    color=color or "",
                    boxed=boxed,
                    alone=alone,
                )
            )


def _split_lines(runs: list[Run]) -> list[list[Run]]:
    lines: list[list[Run]] = [[]]
    for run in runs:
        if "\n" in run.text:
            pieces = run.text.split("\n")
            for i, piece in enumerate(pieces):
                if i:
                    lines.append([])
                if piece:
                    lines[-1].append(run._replace(text=piece))
        elif run.text:
            lines[-1].append(run)
    return lines


def _font_groups(line: list[Run]) -> list[list[Run]]:
    """Consecutive runs of one legacy font (or of Unicode fonts) together; spaces join the
    group they follow, so the decoder gets each piece with the font it was typed in."""
    groups: list[list[Run]] = []
    key: str | None = None  # None while the current group holds only spaces
    for run in line:
        run_key = run.font if is_legacy_font(run.font) else ""
        if groups and (not run.text.strip() or key is None or run_key == key):
            groups[-1].append(run)
            if run.text.strip():
                key = run_key
            continue
        groups.append([run])
        key = run_key if run.text.strip() else None
    return groups


def _latin1_for_undefined(err: UnicodeDecodeError):
    # cp1252 leaves five bytes undefined; TCVN3/VNI text may use them, keep them as Latin-1.
    return bytes(err.object[err.start : err.end]).decode("latin-1"), err.end


codecs.register_error("bmnn_latin1", _latin1_for_undefined)

_VN_BASES = set("ăâđêôơưĂÂĐÊÔƠƯ")
_TONES = {0x300, 0x301, 0x303, 0x309, 0x323}


def _vietnamese_score(text: str) -> tuple[int, int]:
    """(Vietnamese letters, signs of a wrong code page) in text decoded as cp1258."""
    vn = odd = 0
    for c in unicodedata.normalize("NFC", text):
        o = ord(c)
        if o < 0x80:
            continue
        if c in _VN_BASES:
            vn += 1
        elif o in _TONES:
            odd += 1  # a tone mark that found no letter to compose with
        else:
            d = unicodedata.decomposition(c).split()
            if len(d) >= 2 and int(d[-1], 16) in _TONES:
                vn += 1
            elif 0x80 <= o <= 0xBF or o == 0xD7 or o == 0xF7:
                odd += 1  # symbols TCVN3 uses for letters (¸ µ ¶ ·), not Vietnamese prose
    return vn, odd


def decode_text(data: bytes) -> str:
    """UTF-8 / UTF-16 by BOM, else UTF-8 if valid, else cp1258 when it reads as Vietnamese,
    else cp1252 (where TCVN3 and VNI text keep the characters the legacy decoder expects)."""
    if data.startswith(codecs.BOM_UTF8):
        return data[3:].decode("utf-8", "replace")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16", "replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    as1258 = data.decode("cp1258", "bmnn_latin1")
    vn, odd = _vietnamese_score(as1258)
    if vn and vn >= 2 * odd:
        return unicodedata.normalize("NFC", as1258)
    return data.decode("cp1252", "bmnn_latin1")


@register("text")
def extract(data: bytes, ctx: Context) -> Document:
    text = decode_text(data)
    if len(text) > ctx.limits.max_text_chars:
        raise LimitExceeded(
            f"Văn bản vượt giới hạn {ctx.limits.max_text_chars:,} ký tự (tệp {ctx.name})."
        )
    sink = Sink(ctx)
    for number, line in enumerate(text.splitlines(), 1):
        line = line.replace("\x00", "").strip()
        if line:
            sink.add(Block(text=line, location=f"dòng {number}", alone=len(line) <= ALONE_MAX))
    return Document(blocks=sink.blocks)
