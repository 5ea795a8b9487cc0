"""Vietnamese text as detectors need it: legacy codes decoded, NFC, one tone placement, letters
spaced out joined again, whitespace tidy. And `fold`: lower case without diacritics.

Everything here keeps words intact; detectors decide what the words mean.
"""

from __future__ import annotations

import re
import unicodedata

from bmnn.scan import encodings
from bmnn.scan.model import Block

# --- folding ---------------------------------------------------------------------------------


def _fold_char(ch: str) -> str:
    if ch in "đĐ":
        return "d"
    base = "".join(
        c for c in unicodedata.normalize("NFD", ch.lower()) if not unicodedata.combining(c)
    )
    return base


_PUNCT = {
    "\u00a0": " ",
    "\u2007": " ",
    "\u202f": " ",
    "\u2018": "'",
    "\u2019": "'",
    "\u201c": '"',
    "\u201d": '"',
    "\u2013": "-",
    "\u2014": "-",
    "\u2026": ".",
}


def _build_fold(aligned: bool) -> dict[int, str | None]:
    table: dict[int, str | None] = {c: chr(c + 32) for c in range(0x41, 0x5B)}
    for cp in [*range(0xC0, 0x250), *range(0x1E00, 0x1F00)]:
        folded = _fold_char(chr(cp))
        if len(folded) == 1 and folded != chr(cp):
            table[cp] = folded
    for cp in range(0x300, 0x370):  # stray combining marks (no precomposed form exists)
        table[cp] = "\x00" if aligned else None
    table.update({ord(k): v for k, v in _PUNCT.items()})
    return table


_FOLD = _build_fold(aligned=False)
_FOLD_ALIGNED = _build_fold(aligned=True)


def fold(text: str) -> str:
    """Lower case, no diacritics, đ→d: "TUYỆT MẬT" → "tuyet mat". NFD input folds the same."""
    return text.translate(_FOLD)


def fold_aligned(text: str) -> str:
    """`fold`, but one character out for each character in, so offsets stay valid."""
    return text.translate(_FOLD_ALIGNED)


# --- syllables -------------------------------------------------------------------------------

_TONE_MARKS = "\u0300\u0301\u0303\u0309\u0323"
_VOWELS = "aăâeêioôơuưy"
_MODIFIED = "ăâêôơư"
_ONSETS = sorted(
    "ngh ng gh gi kh nh ph th tr ch qu b c d đ g h k l m n p r s t v x".split(),  # noqa: SIM905
    key=len,
    reverse=True,
)
_CODAS = {"", "c", "ch", "m", "n", "ng", "nh", "p", "t"}


def _split_tone(word: str) -> tuple[str, str, int] | None:
    """(base without tone, tone mark or "", number of tone marks) for a lower-case word."""
    nfd = unicodedata.normalize("NFD", word)
    tones = [c for c in nfd if c in _TONE_MARKS]
    if len(tones) > 1:
        return None
    base = unicodedata.normalize("NFC", "".join(c for c in nfd if c not in _TONE_MARKS))
    return base, (tones[0] if tones else ""), len(tones)


def _parse(base: str) -> tuple[str, str, str] | None:
    """Onset, vowel cluster and coda of a tone-less lower-case syllable, or None."""
    onset = ""
    for cand in _ONSETS:
        if base.startswith(cand):
            onset = cand
            break
    rest = base[len(onset) :]
    if onset == "gi" and (not rest or rest[0] not in _VOWELS):
        onset, rest = "g", base[1:]  # gì, gìn: the i is the vowel
    if onset == "qu" and not rest:
        return None
    i = 0
    while i < len(rest) and rest[i] in _VOWELS:
        i += 1
    vowels, coda = rest[:i], rest[i:]
    if not 1 <= len(vowels) <= 3 or coda not in _CODAS:
        return None
    return onset, vowels, coda


def is_syllable(word: str) -> bool:
    """Whether `word` reads as one Vietnamese syllable (loosely: onset, 1–3 vowels, coda)."""
    word = word.lower()
    if not word.isalpha():
        return False
    split = _split_tone(word)
    return split is not None and _parse(split[0]) is not None


def _tone_index(vowels: str, coda: str) -> int:
    """Where the tone goes in the vowel cluster, old style ("hòa", "thủy") — the placement the
    law and most documents use, so both spellings meet here."""
    if "ươ" in vowels:
        return vowels.index("ươ") + 1
    modified = [i for i, c in enumerate(vowels) if c in _MODIFIED]
    if modified:
        return modified[-1]
    if coda:
        return len(vowels) - 1
    return 1 if len(vowels) == 3 else 0


_tone_cache: dict[str, str] = {}


def _unify_word(word: str) -> str:
    cached = _tone_cache.get(word)
    if cached is not None:
        return cached
    out = word
    low = word.lower()
    split = _split_tone(low)
    if split is not None and split[2] == 1 and len(low) == len(word):
        base, tone, _n = split
        parsed = _parse(base)
        if parsed is not None and len(base) == len(low):
            onset, vowels, coda = parsed
            pos = len(onset) + _tone_index(vowels, coda)
            toned = unicodedata.normalize("NFC", base[pos] + tone)
            new = base[:pos] + toned + base[pos + 1 :]
            if len(new) == len(word):
                out = "".join(
                    n.upper() if o.isupper() else n for o, n in zip(word, new, strict=True)
                )
    if len(_tone_cache) < 100_000:
        _tone_cache[word] = out
    return out


def _letters(chars: str) -> str:
    return "".join(sorted(set(chars)))


_ALL_VOWELS = {unicodedata.normalize("NFC", v + t) for v in _VOWELS for t in ("", *_TONE_MARKS)}
_ALL_VOWELS |= {v.upper() for v in _ALL_VOWELS}
_TONED = {v for v in _ALL_VOWELS if any(m in unicodedata.normalize("NFD", v) for m in _TONE_MARKS)}
_V = re.escape(_letters("".join(_ALL_VOWELS)))
_T = re.escape(_letters("".join(_TONED)))
# Only words where a toned vowel touches another vowel can have their tone in two places.
_AMBIGUOUS_WORD = re.compile(
    rf"(?<![^\W\d_])[^\W\d_]*?(?:[{_T}][{_V}]|[{_V}][{_T}])[^\W\d_]*(?![^\W\d_])"
)


def unify_tones(text: str) -> str:
    """One tone placement for words that allow two: hoà → hòa, thuỷ → thủy, qúy → quý."""
    return _AMBIGUOUS_WORD.sub(lambda m: _unify_word(m.group()), text)


# --- spaced letters --------------------------------------------------------------------------

_SPACED_RUN = re.compile(r"(?<!\S)[^\W\d_](?: +[^\W\d_]){2,}(?!\S)")


def _segment(letters: str) -> list[str] | None:
    """Split "TUYỆTMẬT" into syllables ("TUYỆT", "MẬT"), fewest pieces; None if impossible."""
    n = len(letters)
    if n > 60:
        return None
    best: list[list[str] | None] = [None] * (n + 1)
    best[0] = []
    for i in range(n):
        if best[i] is None:
            continue
        for j in range(min(n, i + 7), i, -1):
            piece = letters[i:j]
            if is_syllable(piece) and (best[j] is None or len(best[j]) > len(best[i]) + 1):
                best[j] = [*best[i], piece]
    return best[n]


def _join_run(m: re.Match) -> str:
    run = m.group()
    groups = [g.replace(" ", "") for g in re.split(r" {2,}", run)]
    words: list[str] = []
    for group in groups:
        if is_syllable(group):
            words.append(group)
            continue
        pieces = _segment(group) if len(group) > 1 else None
        if pieces is None:
            return run  # not Vietnamese words spaced out ("A B C"): leave it alone
        words.extend(pieces)
    return " ".join(words)


def join_spaced(line: str) -> str:
    """ "M Ậ T" → "MẬT", "T U Y Ệ T   M Ậ T" → "TUYỆT MẬT": only runs where every piece is one
    letter, and only when the letters make Vietnamese syllables."""
    return _SPACED_RUN.sub(_join_run, line)


# --- whitespace and the whole pipeline -------------------------------------------------------

_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"), None)
_INVISIBLE.update(dict.fromkeys([*range(0, 9), *range(14, 32), 0x7F], None))
_INVISIBLE.update({0x0B: "\n", 0x0C: "\n", 0x0D: "\n", 0x2028: "\n", 0x2029: "\n", 0x85: "\n"})
_INVISIBLE.update(dict.fromkeys(map(ord, "\u00a0\u2007\u202f\u3000\u2002\u2003\u2009"), " "))
# A tab or a wide gap inside a line separates columns (a header table flattened): a line each.
_GAP = re.compile(r"\t+| {3,}")
_SPACES = re.compile(r" {2,}")


def normalize_text(text: str) -> str:
    """NFC, invisible characters out, spaced letters joined, one space between words, one line
    per layout line, one tone placement."""
    if not text:
        return ""
    if not text.isascii():
        if not unicodedata.is_normalized("NFC", text):
            text = unicodedata.normalize("NFC", text)
        text = text.translate(_INVISIBLE)
    elif not text.isprintable():
        text = text.translate(_INVISIBLE)
    lines = []
    for line in text.split("\n"):
        if " " in line:
            line = join_spaced(line)
        for part in _GAP.split(line):
            part = _SPACES.sub(" ", part).strip()
            if part:
                lines.append(part)
    out = "\n".join(lines)
    return out if out.isascii() else unify_tones(out)


def decode_legacy(text: str, font: str = "", encoding: str = "") -> str:
    """Legacy code → Unicode, by the extractor's word, else the font name, else the content."""
    enc, upper = encodings.font_encoding(font)
    if encoding in ("tcvn3", "vni"):
        enc = encoding
    elif enc == "unicode":
        enc = encodings.detect(text, font)
    if enc == "tcvn3":
        return encodings.tcvn3_to_unicode(text, upper=upper)
    if enc == "vni":
        return encodings.vni_to_unicode(text)
    return text


def text_of(block: Block) -> str:
    """The block's text, ready for detectors."""
    text = block.text or ""
    # ASCII needs decoding only in an upper-case legacy font: "mat" in .VnTimeH shows "MAT".
    if not text.isascii() or (block.font and encodings.font_encoding(block.font)[1]):
        text = decode_legacy(text, block.font, block.encoding)
    return normalize_text(text)


_EDGE_PUNCT = "\"'()[]{}<>.,;:!?…“”‘’«»-–—/\\*•·"


def vietnamese_score(text: str) -> float:
    """Share of the words with non-ASCII letters that read as Vietnamese syllables (0..1): how
    content-based legacy detection tells a decoded text from mojibake."""
    total = good = 0
    for raw in text.split():
        word = raw.strip(_EDGE_PUNCT)
        if not word or word.isascii():
            continue
        total += 1
        good += is_syllable(word)
    return good / total if total else 0.0
