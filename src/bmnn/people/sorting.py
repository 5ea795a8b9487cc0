"""Vietnamese alphabetical order in pure Python.

SQLite has no Vietnamese collation and Python's default order puts "Đ", "Ă", "Ơ"... after "Z";
this key follows the Vietnamese alphabet (a ă â b c d đ e ê g h i k l m n o ô ơ p q r s t u ư v x y)
with tones as a secondary weight, which is enough to list units and people the way users expect.
"""

from __future__ import annotations

import unicodedata

# f j w z are not Vietnamese letters but occur in names and loanwords; they keep their Latin place.
_ALPHABET = "aăâbcdđeêfghijklmnoôơpqrstuưvwxyz"
_RANK = {letter: i for i, letter in enumerate(_ALPHABET)}
# Combining marks: the five tones (secondary weight), after the letter-forming marks are recomposed.
_TONES = {"\u0300": 1, "\u0309": 2, "\u0303": 3, "\u0301": 4, "\u0323": 5}
# Marks that make a separate letter (ă â ê ô ơ ư); they are recomposed with their base letter.
_LETTER_MARKS = {"\u0306", "\u0302", "\u031b"}


def _letters(text: str) -> list[tuple[str, int]]:
    """Split into (base letter with its letter-forming mark, tone) pairs."""
    out: list[tuple[str, int]] = []
    for ch in unicodedata.normalize("NFD", text.lower()):
        if ch in _TONES and out:
            base, _ = out[-1]
            out[-1] = (base, _TONES[ch])
        elif ch in _LETTER_MARKS and out:
            base, tone = out[-1]
            out[-1] = (unicodedata.normalize("NFC", base + ch), tone)
        else:
            out.append((ch, 0))
    return out


def vi_sort_key(text: str) -> tuple:
    letters = _letters(text)
    # Spaces, digits and punctuation sort before letters, so "An Bình" comes before "Anh".
    primary = tuple((1, _RANK[base]) if base in _RANK else (0, ord(base[0])) for base, _ in letters)
    secondary = tuple(tone for _, tone in letters)
    return (primary, secondary, text)
