"""RTF: a small tokenizer of our own (groups, control words, \\'hh with the font's code page or
\\ansicpg, \\uN with \\ucN skipping). Non-text destinations (font and colour tables, style
sheets, pictures, object data, field instructions) are skipped, never run; headers, footers,
footnotes, annotations, shape text and WordArt text are read with their part. Font names from
\\fonttbl follow the text runs, so .VnTime/.VnTimeH and VNI-* text reaches the decoder with its
font; \\cfN gives the colour from \\colortbl.
"""

from __future__ import annotations

import re

from bmnn.scan.extract import Context, register
from bmnn.scan.extract.text import Run, Sink, color_hint
from bmnn.scan.model import Document, ScanError

_TOKEN = re.compile(
    rb"\\([a-zA-Z]{1,32})(-?\d{1,10})? ?"  # control word
    rb"|\\'([0-9a-fA-F]{2})"  # \'hh
    rb"|\\([^a-zA-Z'])"  # control symbol
    rb"|([{}])"
    rb"|([^\\{}\r\n]+)"
    rb"|[\r\n]+"
    rb"|\\",
    re.S,
)
_MAX_DEPTH = 512

_FCHARSET_CP = {
    0: None,  # ANSI: \ansicpg
    1: None,
    2: "cp1252",  # symbol
    77: "mac_roman",
    128: "cp932",
    129: "cp949",
    134: "gbk",
    136: "cp950",
    161: "cp1253",
    162: "cp1254",
    163: "cp1258",
    177: "cp1255",
    178: "cp1256",
    186: "cp1257",
    204: "cp1251",
    222: "cp874",
    238: "cp1250",
}
# destinations whose text is not document text
_SKIP = {
    "stylesheet", "pict", "objdata", "objclass", "objname", "themedata",
    "colorschememapping", "datastore", "latentstyles", "listtable", "listoverridetable",
    "rsidtbl", "revtbl", "generator", "xmlnstbl", "fldinst", "bkmkstart", "bkmkend",
    "nonshppict", "pgdsctbl", "filetbl", "private", "userprops", "xe", "tc", "author",
    "operator", "atnid", "atnauthor", "atndate", "atnref", "panose", "falt", "fname",
    "mmathPr", "listtext", "pntext", "pntxta", "pntxtb", "template", "docvar", "wgrffmtfilter",
    "passwordhash", "factoidname", "blipuid", "shppict", "ftnsep", "ftnsepc", "aftnsep",
    "aftnsepc", "sn", "comment", "creatim", "revtim", "printim", "buptim", "hlinkbase",
}  # fmt: skip
_PARTS = {
    "header": "header", "headerl": "header", "headerr": "header", "headerf": "header",
    "footer": "footer", "footerl": "footer", "footerr": "footer", "footerf": "footer",
    "footnote": "note", "annotation": "comment", "shptxt": "textbox",
}  # fmt: skip
_META = {"title": "tiêu đề", "subject": "chủ đề", "keywords": "từ khoá", "doccomm": "mô tả"}
_SYMBOLS = {
    "tab": "\t", "line": "\n", "emdash": "—", "endash": "–", "bullet": "•", "lquote": "‘",
    "rquote": "’", "ldblquote": "“", "rdblquote": "”", "emspace": " ", "enspace": " ",
    "qmspace": " ", "~": " ", "_": "-", "-": "", "\\": "\\", "{": "{", "}": "}",
}  # fmt: skip
_BREAKS = {"par", "sect", "page", "cell", "row", "nestcell", "nestrow", "\n", "\r"}


class _State:
    __slots__ = ("bold", "boxed", "color", "dest", "first", "font", "intbl", "uc")

    def __init__(self) -> None:
        self.dest = "body"
        self.font = -1
        self.bold = False
        self.color = 0
        self.uc = 1
        self.intbl = False
        self.boxed = False
        self.first = True  # no control word seen yet in this group: a destination may follow

    def copy(self) -> _State:
        new = _State()
        for slot in self.__slots__:
            setattr(new, slot, getattr(self, slot))
        new.first = True
        return new


class _Reader:
    def __init__(self, data: bytes, ctx: Context) -> None:
        self.data = data
        self.ctx = ctx
        self.sink = Sink(ctx)
        self.high_surrogate: int | None = None
        self.ansi = "cp1252"
        self.default_font = 0
        self.fonts: dict[int, list] = {}  # number → [name, code page]
        self.font_entry = -1
        self.colors: list[str] = []
        self.rgb = [0, 0, 0]
        self.paragraphs: dict[str, list[Run]] = {}
        self.counts: dict[str, int] = {}
        self.meta: dict[str, str] = {}
        self.shape_name = ""
        self.shape_value: list[str] = []
        self.pending = bytearray()  # consecutive \'hh bytes (DBCS needs them together)
        self.pending_state: _State | None = None

    # ---- text
    def _codepage(self, st: _State) -> str:
        font = self.fonts.get(st.font if st.font >= 0 else self.default_font)
        return (font[1] if font and font[1] else None) or self.ansi

    def _decode(self, raw: bytes, st: _State) -> str:
        cp = self._codepage(st)
        try:
            return raw.decode(cp, "bmnn_latin1" if cp == "cp1252" else "replace")
        except LookupError:
            return raw.decode("cp1252", "bmnn_latin1")

    def _flush_pending(self) -> None:
        if self.pending and self.pending_state is not None:
            self._text(self._decode(bytes(self.pending), self.pending_state), self.pending_state)
        self.pending.clear()
        self.pending_state = None

    def _text(self, text: str, st: _State) -> None:
        dest = st.dest
        if dest == "fonttbl":
            if self.font_entry >= 0:
                entry = self.fonts.setdefault(self.font_entry, ["", None])
                entry[0] += text
            return
        if dest == "colortbl":
            for _ in range(text.count(";")):
                self.colors.append(color_hint("{:02x}{:02x}{:02x}".format(*self.rgb)))
                self.rgb = [0, 0, 0]
            return
        if dest.startswith("meta:"):
            self.meta[dest[5:]] = self.meta.get(dest[5:], "") + text
            return
        if dest == "sv":
            self.shape_value.append(text)
            return
        if dest == "snname":
            self.shape_name += text
            return
        if dest in ("skip", "info", "shpinst", "star", "sp"):
            return
        part = _PARTS.get(dest, "body")
        if part == "body" and st.intbl:
            part = "table"
        font = self.fonts.get(st.font if st.font >= 0 else self.default_font)
        name = font[0].strip().rstrip(";").strip() if font else ""
        color = self.colors[st.color] if 0 < st.color < len(self.colors) else ""
        key = f"{part}|{int(st.boxed)}"
        self.paragraphs.setdefault(key, []).append(Run(text, name, st.bold, color))

    def _unicode(self, n: int) -> str:
        """\\uN as text. RTF writes characters beyond the BMP (emoji) as two UTF-16 halves;
        they are paired here, and a lone half is dropped: left in, it would shift every offset
        the matcher maps back from UTF-8."""
        if not -32768 <= n <= 65535:
            return ""
        cp = n + 65536 if n < 0 else n
        if 0xD800 <= cp < 0xDC00:
            self.high_surrogate = cp
            return ""
        high, self.high_surrogate = self.high_surrogate, None
        if 0xDC00 <= cp < 0xE000:
            return chr(0x10000 + ((high - 0xD800) << 10) + (cp - 0xDC00)) if high else ""
        return chr(cp)

    def _end_paragraph(self, key: str | None = None) -> None:
        keys = [key] if key else list(self.paragraphs)
        for k in keys:
            runs = self.paragraphs.pop(k, None)
            if not runs:
                continue
            part, boxed = k.split("|")
            n = self.counts[part] = self.counts.get(part, 0) + 1
            label = {"body": "đoạn", "table": "bảng, ô", "header": "đầu trang, đoạn",
                     "footer": "chân trang, đoạn", "note": "chú thích, đoạn",
                     "comment": "nhận xét", "textbox": "hộp văn bản, đoạn"}[part]  # fmt: skip
            self.sink.runs(runs, f"{label} {n}", part, boxed == "1" or part == "textbox")

    # ---- tokens
    def read(self) -> Document:
        data = self.data
        if not data.lstrip()[:5] == b"{\\rtf":
            raise ScanError("Tệp không phải RTF hợp lệ (thiếu phần mở đầu {\\rtf).")
        stack: list[_State] = []
        st = _State()
        skip_chars = 0
        pos = data.index(b"{")
        end = len(data)
        count = 0
        match = _TOKEN.match
        while pos < end:
            m = match(data, pos)
            if m is None:  # cannot happen: the last alternative matches any backslash
                break
            pos = m.end()
            count += 1
            if count % 4096 == 0:
                self.ctx.check_time()
            word, param, hexbyte, symbol, brace, text = m.groups()
            if hexbyte is None:
                self._flush_pending()
            if brace == b"{":
                skip_chars = 0
                if len(stack) >= _MAX_DEPTH:
                    raise ScanError(f"Tệp RTF lồng nhóm quá sâu (hơn {_MAX_DEPTH} mức).")
                stack.append(st)
                st = st.copy()
                continue
            if brace == b"}":
                skip_chars = 0
                self._close_group(st, stack[-1] if stack else None)
                if not stack:
                    break
                st = stack.pop()
                continue
            if skip_chars and (word or hexbyte or symbol):
                skip_chars -= 1
                continue
            if text is not None:
                if skip_chars:
                    n = min(skip_chars, len(text))
                    text = text[n:]
                    skip_chars -= n
                if text:
                    st.first = False
                    self._text(self._decode(text, st), st)
                continue
            if hexbyte is not None:
                st.first = False
                if self.pending_state is not st:
                    self._flush_pending()
                    self.pending_state = st
                self.pending.append(int(hexbyte, 16))
                continue
            if symbol is not None:
                sym = symbol.decode("latin-1")
                if sym == "*":
                    if st.first:
                        st.dest = "star"
                    continue
                st.first = False
                if sym in ("\n", "\r"):
                    self._end_paragraph()
                elif sym in _SYMBOLS:
                    self._text(_SYMBOLS[sym], st)
                continue
            if word is None:
                continue
            w = word.decode("ascii")
            n = int(param) if param is not None else None
            skip_chars = self._control(w, n, st)
            if w == "bin" and n:
                pos = min(end, pos + max(n, 0))  # raw binary data: skipped, never read
        self._flush_pending()
        if stack:
            raise ScanError("Tệp RTF bị cắt cụt (các nhóm không được đóng đủ).")
        self._end_paragraph()
        for field, label in _META.items():
            if self.meta.get(field, "").strip():
                self.sink.text(self.meta[field], f"thuộc tính tài liệu: {label}", "metadata")
        return Document(blocks=self.sink.blocks)

    def _close_group(self, st: _State, parent: _State | None) -> None:
        if st.dest in _PARTS and (parent is None or parent.dest != st.dest):
            self._end_paragraph(f"{_PARTS[st.dest]}|{int(st.boxed)}")
            for key in [k for k in self.paragraphs if k.startswith(_PARTS[st.dest] + "|")]:
                self._end_paragraph(key)
        if st.dest == "sp" and (parent is None or parent.dest != "sp"):
            # WordArt (watermarks): {\sp{\sn gtextUNICODE}{\sv MẬT}}
            if self.shape_name.strip() == "gtextUNICODE":
                self.sink.text("".join(self.shape_value), "chữ nghệ thuật (WordArt)", "textbox",
                               boxed=True)  # fmt: skip
            self.shape_name = ""
            self.shape_value = []
        if st.dest == "fonttbl" and parent is not None and parent.dest == "fonttbl":
            self.font_entry = -1

    def _control(self, w: str, n: int | None, st: _State) -> int:
        """Apply one control word; returns how many characters a \\uN asks to skip."""
        first, st.first = st.first, False
        star = st.dest == "star"
        if first or star:
            if w in ("fonttbl", "colortbl"):
                st.dest = w
                return 0
            if w == "info":
                st.dest = "info"
                return 0
            if st.dest == "info" and w in _META:
                st.dest = "meta:" + w
                return 0
            if w in _PARTS:
                st.dest = w
                return 0
            if w in ("shpinst", "shp"):
                st.dest = "shpinst"
                return 0
            if w == "sp":
                st.dest = "sp"
                return 0
            if w == "sn" and st.dest == "sp":
                st.dest = "snname"
                return 0
            if w == "sv" and st.dest == "sp":
                st.dest = "sv"
                return 0
            if w in _SKIP:
                st.dest = "skip"
                return 0
            if star:
                st.dest = "skip"  # an unknown ignorable destination: not text
                return 0
        if st.dest == "fonttbl" and w == "f":
            self.font_entry = n or 0
            self.fonts.setdefault(self.font_entry, ["", None])
            return 0
        if st.dest == "fonttbl" and w == "fcharset" and self.font_entry >= 0:
            self.fonts[self.font_entry][1] = _FCHARSET_CP.get(n or 0)
            return 0
        if st.dest == "colortbl" and w in ("red", "green", "blue"):
            self.rgb[("red", "green", "blue").index(w)] = max(0, min(n or 0, 255))
            return 0
        if w == "u" and n is not None:
            self._text(self._unicode(n), st)
            return st.uc
        if w == "uc":
            st.uc = max(0, min(n or 0, 16))
        elif w == "ansicpg" and n:
            self.ansi = f"cp{n}"
        elif w == "deff":
            self.default_font = n or 0
        elif w == "f":
            st.font = n or 0
        elif w == "b":
            st.bold = n != 0
        elif w == "cf":
            st.color = n or 0
        elif w == "plain":
            st.font, st.bold, st.color = -1, False, 0
        elif w == "pard":
            st.intbl = st.boxed = False
        elif w == "intbl":
            st.intbl = True
        elif w in ("box", "brdrt", "brdrb", "brdrl", "brdrr"):
            st.boxed = True
        elif w in _BREAKS:
            self._end_paragraph()
        elif w in _SYMBOLS:
            self._text(_SYMBOLS[w], st)
        return 0


@register("rtf")
def extract(data: bytes, ctx: Context) -> Document:
    return _Reader(data, ctx).read()
