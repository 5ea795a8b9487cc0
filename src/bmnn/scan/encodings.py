"""Legacy Vietnamese code pages → Unicode: TCVN3 (ABC, `.Vn*` fonts) and VNI (`VNI-*` fonts).

Extractors hand us legacy text as the Latin-1 characters the bytes stand for ("mËt", "maät"),
so conversion is character (TCVN3) or short-sequence (VNI) substitution. The tables below are
written from the code pages themselves; the inverse encoders exist so tests (and fixture makers)
can round-trip every Vietnamese letter.
"""

from __future__ import annotations

import re
import unicodedata

# --- TCVN3 (TCVN 5712:1993, VN3) -------------------------------------------------------------
# One byte per letter. No upper-case toned letters exist: headings use `.VnTimeH`-style fonts
# whose glyphs at the lower-case codes are capitals, so the caller says `upper=True` for them.
_TCVN3_ROWS = (
    # base, then the byte for: no tone, grave, hook, tilde, acute, dot below
    ("a", "a\xb5\xb6\xb7\xb8\xb9"),
    ("ă", "\xa8\xbb\xbc\xbd\xbe\xc6"),
    ("â", "\xa9\xc7\xc8\xc9\xca\xcb"),
    ("e", "e\xcc\xce\xcf\xd0\xd1"),
    ("ê", "\xaa\xd2\xd3\xd4\xd5\xd6"),
    ("i", "i\xd7\xd8\xdc\xdd\xde"),
    ("o", "o\xdf\xe1\xe2\xe3\xe4"),
    ("ô", "\xab\xe5\xe6\xe7\xe8\xe9"),
    ("ơ", "\xac\xea\xeb\xec\xed\xee"),
    ("u", "u\xef\xf1\xf2\xf3\xf4"),
    ("ư", "\xad\xf5\xf6\xf7\xf8\xf9"),
    ("y", "y\xfa\xfb\xfc\xfd\xfe"),
)
_TONES = ("", "\u0300", "\u0309", "\u0303", "\u0301", "\u0323")  # none, huyền, hỏi, ngã, sắc, nặng
# The few upper-case letters TCVN3 does have (the un-toned modified vowels and Đ).
_TCVN3_UPPER = {"\xa1": "Ă", "\xa2": "Â", "\xa3": "Ê", "\xa4": "Ô", "\xa5": "Ơ", "\xa6": "Ư"}
_TCVN3_UPPER["\xa7"] = "Đ"

_TCVN3_DECODE: dict[str, str] = {"\xae": "đ", **_TCVN3_UPPER}
for _base, _codes in _TCVN3_ROWS:
    for _tone, _code in zip(_TONES, _codes, strict=True):
        if _code.isascii():
            continue  # plain a/e/i/o/u/y are themselves
        _TCVN3_DECODE[_code] = unicodedata.normalize("NFC", _base + _tone)

_TCVN3_LOWER_TABLE = str.maketrans(_TCVN3_DECODE)
# For upper-case fonts every letter code shows a capital, ASCII letters included.
_TCVN3_UPPER_TABLE = str.maketrans(
    {
        **{k: v.upper() for k, v in _TCVN3_DECODE.items()},
        **{chr(c): chr(c - 32) for c in range(97, 123)},
    }
)
_TCVN3_ENCODE = {v: k for k, v in _TCVN3_DECODE.items()}


def tcvn3_to_unicode(text: str, upper: bool = False) -> str:
    """TCVN3 text (as Latin-1 characters) → Unicode NFC. `upper` for `.Vn…H` fonts."""
    return text.translate(_TCVN3_UPPER_TABLE if upper else _TCVN3_LOWER_TABLE)


def unicode_to_tcvn3(text: str, upper_font: bool = False) -> str:
    """Unicode → TCVN3 characters. With `upper_font`, upper-case letters are written with the
    lower-case codes, as a `.VnTimeH` document stores them."""
    out = []
    for ch in unicodedata.normalize("NFC", text):
        if upper_font and ch.isalpha():
            ch = ch.lower()
        if ch in _TCVN3_ENCODE:
            out.append(_TCVN3_ENCODE[ch])
        elif ch.lower() in _TCVN3_ENCODE and ch.lower() != ch:
            raise ValueError(f"TCVN3 has no upper-case {ch!r}; use an upper-case font")
        else:
            out.append(ch)
    return "".join(out)


# --- VNI (VNI-Windows) ----------------------------------------------------------------------
# A base letter followed by one mark character; five letters are single characters.
_VNI_MARKS = {
    # tone marks on a plain vowel
    "ù": "\u0301",
    "ø": "\u0300",
    "û": "\u0309",
    "õ": "\u0303",
    "ï": "\u0323",
}
_VNI_HAT = {"â": "", "á": "\u0301", "à": "\u0300", "å": "\u0309", "ã": "\u0303", "ä": "\u0323"}
_VNI_BREVE = {"ê": "", "é": "\u0301", "è": "\u0300", "ú": "\u0309", "ü": "\u0303", "ë": "\u0323"}
_VNI_SINGLE = {"ñ": "đ", "ò": "ị", "æ": "ỉ", "ó": "ĩ", "î": "ỵ", "ô": "ơ", "ö": "ư"}


def _build_vni() -> dict[str, str]:
    table: dict[str, str] = {}
    for lower_single, uni in _VNI_SINGLE.items():
        table[lower_single] = uni
        table[lower_single.upper()] = uni.upper()
    for base in "aeiouy":
        for mark, tone in _VNI_MARKS.items():
            if base == "i":
                continue  # í ì are themselves; ỉ ĩ ị are single characters
            # "yï" is not canonical (ỵ is the single î) but old files have it; decode it too.
            table[base + mark] = unicodedata.normalize("NFC", base + tone)
    for mark, tone in _VNI_HAT.items():
        for base in "aeo":
            table[base + mark] = unicodedata.normalize("NFC", base + "\u0302" + tone)
    for mark, tone in _VNI_BREVE.items():
        table["a" + mark] = unicodedata.normalize("NFC", "a\u0306" + tone)
    for base_code, base_uni in (("ô", "ơ"), ("ö", "ư")):
        for mark, tone in _VNI_MARKS.items():
            table[base_code + mark] = unicodedata.normalize("NFC", base_uni + tone)
    # Upper case: the same sequences in capitals (and mixed, which old documents have).
    for seq, uni in list(table.items()):
        if len(seq) == 2:
            b, m = seq
            table[b.upper() + m.upper()] = uni.upper()
            table[b.upper() + m] = uni.upper()
            table.setdefault(b + m.upper(), uni)
    return table


_VNI_DECODE = _build_vni()
_VNI_RE = re.compile("|".join(re.escape(k) for k in sorted(_VNI_DECODE, key=len, reverse=True)))
_VNI_ENCODE: dict[str, str] = {}
for _seq, _uni in _VNI_DECODE.items():
    # Prefer the canonical spelling: both characters in the letter's own case.
    canonical = _seq == (_seq.upper() if _uni.isupper() else _seq.lower())
    if canonical and (_uni not in _VNI_ENCODE or len(_seq) < len(_VNI_ENCODE[_uni])):
        _VNI_ENCODE[_uni] = _seq


def vni_to_unicode(text: str) -> str:
    """VNI text (as Latin-1 characters) → Unicode NFC; longest sequence first, one pass."""
    return _VNI_RE.sub(lambda m: _VNI_DECODE[m.group()], text)


def unicode_to_vni(text: str) -> str:
    """Unicode → VNI characters (for tests and fixtures)."""
    return "".join(_VNI_ENCODE.get(ch, ch) for ch in unicodedata.normalize("NFC", text))


# --- choosing the code -----------------------------------------------------------------------


def font_encoding(font: str) -> tuple[str, bool]:
    """(encoding, upper) that a font name implies: `.VnTime` → tcvn3, `.VnTimeH` → tcvn3 upper,
    `VNI-Times` → vni; anything else → unicode."""
    name = (font or "").strip().strip('"').strip()
    low = name.lower()
    if low.startswith(".vn") or low.startswith("vn3"):
        return "tcvn3", name.endswith("H")
    if low.startswith("vni-") or low.startswith("vni "):
        return "vni", False
    return "unicode", False


# Unicode fonts that documents name: text in them is what it says, whatever it looks like.
_UNICODE_FONTS = (
    "times new roman", "arial", "calibri", "cambria", "tahoma", "verdana", "tinos", "arimo",
    "cousine", "liberation", "dejavu", "segoe ui", "courier new", "noto", "roboto", "helvetica",
)  # fmt: skip


def known_unicode_font(font: str) -> bool:
    low = (font or "").strip().strip('"').lower()
    return bool(low) and low.startswith(_UNICODE_FONTS)


_LEGACY_CHARS = set(_TCVN3_DECODE) | {k[-1] for k in _VNI_DECODE}


def detect(text: str, font: str = "") -> str:
    """Return "tcvn3", "vni" or "unicode". The font decides when it names a legacy family or a
    known Unicode font. Otherwise content decides, conservatively: only Latin-1 text, with
    several legacy-looking letters, that reads as clearly better Vietnamese once converted (so
    French or German stays put)."""
    enc, _upper = font_encoding(font)
    if enc != "unicode" or known_unicode_font(font):
        return enc
    if not text or text.isascii() or any(ord(c) > 0xFF for c in text):
        return "unicode"
    if sum(1 for c in text if c in _LEGACY_CHARS) < 3:
        return "unicode"
    from bmnn.scan.normalize import vietnamese_score  # normalize imports us at module level

    before = vietnamese_score(text)
    best, best_score = "unicode", before
    for name, conv in (("tcvn3", tcvn3_to_unicode(text)), ("vni", vni_to_unicode(text))):
        score = vietnamese_score(conv)
        if score > best_score:
            best, best_score = name, score
    if best != "unicode" and best_score >= 0.85 and best_score - before >= 0.3:
        return best
    return "unicode"
