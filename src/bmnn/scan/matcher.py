"""One pass over a text for many literals at once, case-insensitively (Vietnamese case too).

The prefilter of the detectors (the gitleaks/ripgrep shape): every mark literal and catalogue
phrase goes in one automaton; detectors then look only at small windows around the hits.
Hyperscan (Vectorscan) when installed, pyahocorasick otherwise; both give the same answer:
every occurrence of every key, overlapping ones included, as character offsets. Hyperscan
scans a byte-folded copy of the text with plain byte patterns (see _fold_table): they compile
in a fraction of a second where per-letter case alternations took seconds per 1,000 phrases.

Two kinds of keys:
- plain keys (catalogue phrases) are reported wherever they occur, and a space in them also
  matches a line break: PDF text layers and OCR give a line per block, so a phrase wrapped
  over two lines ("kế hoạch phòng thủ" / "biên giới") is still the phrase;
- line keys (secrecy marks) only where their line is short around them: at most `reach`
  UTF-8 bytes either side, and never across a line break ("TUYỆT" over "MẬT" is two lines,
  not a "TUYỆT MẬT" mark). A mark is a line of its own or a short header line; "mật" inside
  running text (bí mật, bảo mật, mật khẩu… in a law) is by far the commonest hit and is never
  a mark, so such hits are dropped in one vectorised step instead of one by one in Python.

Case: a text character matches a key character (keys are lower case) when it is that
character or its one-character upper case that lowers back to it (see _forms). Both backends
apply exactly this rule: each re-checks with `_same` the candidates its search can get wrong.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable

try:  # Vectorscan through the `hyperscan` wheel: SIMD, several times pyahocorasick
    import hyperscan as _hs
except ImportError:  # pragma: no cover - depends on the installation
    _hs = None

import ahocorasick
import numpy as np

LINE_REACH = 160  # UTF-8 bytes either side of a mark: about 80 Vietnamese characters


def _lower1(c: str) -> str:
    low = c.lower()
    return low if len(low) == 1 else c


def _lower_aligned(text: str) -> str:
    """Lower case, one character out for each character in, each lowered on its own."""
    low = text.lower()
    # "İ".lower() is two characters, and str.lower() makes a word-final "Σ" "ς" by its
    # context: lowering such texts character by character keeps offsets and the rule of _forms.
    if len(low) != len(text) or "Σ" in text:
        low = "".join(map(_lower1, text))
    return low


@functools.cache
def _forms(c: str) -> frozenset[str]:
    """The characters that match key character `c` (lower case): itself, and its one-character
    upper case when that lowers back to `c`. So "I" is not a form of "ı" (it lowers to "i"),
    "ß" (upper case "SS") matches only itself, and "ẍ" is never a form of "ậ". A space also
    matches a line break (see the module's docstring); line keys refuse spans that hold one."""
    forms = {c}
    up = c.upper()
    if len(up) == 1 and up.lower() == c:
        forms.add(up)
    if c == " ":
        forms.add("\n")
    return frozenset(forms)


@functools.cache
def _lowered_from_afar() -> frozenset[str]:
    """The letters that some character other than their own upper case lowers to: "k" (the
    Kelvin sign), "å" (the Ångström sign), "ß" ("ẞ"), "ω" (the Ohm sign), "ǆ" ("ǅ")… Only an
    Aho-Corasick hit of a key holding one can be a false candidate (`_find_ac` matches the
    text lowered by str.lower). All of Unicode is looked at once per process (~0.15 s), and
    only by that fallback backend."""
    out = set()
    for cp in range(0x110000):
        if 0xD800 <= cp < 0xE000:
            continue
        x = chr(cp)
        low = x.lower()
        if low != x and len(low) == 1 and low.upper() != x:
            out.add(low)
    return frozenset(out)


def _byte_kind(b: int) -> int:
    """ASCII, continuation byte, or the lead byte of a 2-, 3- or 4-byte UTF-8 sequence."""
    if b < 0x80:
        return 0
    if b < 0xC0:
        return 1
    return 2 if b < 0xE0 else 3 if b < 0xF0 else 4


def _fold_table(keys: Iterable[str]) -> tuple[bytes, set[str]]:
    """A byte → byte map under which every key character's forms have the same UTF-8 bytes:
    A-Z onto a-z, the bytes in which a Vietnamese letter's two cases differ (the last byte:
    "Ậ" E1 BA AC, "ậ" E1 BA AD) onto one, and a line break onto a space when a key has one.
    The scanned text goes through the same map, so the patterns are plain byte strings: 2,000
    catalogue keys compile in well under a second instead of seconds as per-letter case
    alternations. Merging bytes can only add candidates (another letter whose bytes fall in
    the same classes as a key letter's); `Matcher._find_hs` checks every hit against the key,
    so the answer is exact. Also returns the characters whose forms cannot be merged this way
    (different byte lengths or kinds, "ɐ"/"Ɐ"): their patterns alternate."""
    parent = list(range(256))

    def root(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for c in range(26):
        parent[0x41 + c] = 0x61 + c
    odd: set[str] = set()
    for c in {ch for key in keys for ch in key}:
        forms = [f.encode("utf-8", "surrogatepass") for f in sorted(_forms(c))]
        for other in forms[1:]:
            pairs = list(zip(forms[0], other, strict=False))
            if len(other) != len(forms[0]) or any(_byte_kind(a) != _byte_kind(b) for a, b in pairs):
                odd.add(c)
                continue
            for a, b in pairs:
                ra, rb = root(a), root(b)
                if ra != rb:
                    parent[max(ra, rb)] = min(ra, rb)
    return bytes(root(x) for x in range(256)), odd


_HEX = [f"\\x{b:02x}" for b in range(256)]


def _byte_patterns(keys: list[str], table: bytes, odd: set[str]) -> list[bytes]:
    """Hyperscan byte-mode patterns for keys over text mapped by `table`: each key's own bytes
    through the table, and an alternation only for the rare characters in `odd`. Each distinct
    character is escaped once (2,000 keys share a few dozen letters)."""

    def esc(v: str) -> str:
        return "".join(_HEX[b] for b in v.encode("utf-8", "surrogatepass").translate(table))

    memo: dict[str, str] = {}
    for c in {ch for key in keys for ch in key}:
        if c in odd:
            alts = sorted({esc(v) for v in _forms(c)})
            memo[c] = alts[0] if len(alts) == 1 else "(?:" + "|".join(alts) + ")"
        else:
            memo[c] = esc(c)
    return ["".join(memo[c] for c in key).encode("ascii") for key in keys]


def _same(span: str, key: str) -> bool:
    """Whether `span` is `key` letter by letter up to case and line breaks (`_forms`)."""
    return span == key or (
        len(span) == len(key)
        and all(a == b or a in _forms(b) for a, b in zip(span, key, strict=True))
    )


def _nbytes(text: str) -> int:
    return len(text) if text.isascii() else len(text.encode("utf-8", "surrogatepass"))


class Matcher:
    """`find(text)` → [(key index, start, end)], character offsets, ordered by end. Key indices
    number the plain keys first, then the line keys. A plain key's span may hold line breaks
    where the key has spaces; a line key's never does."""

    def __init__(
        self,
        keys: Iterable[str] = (),
        line_keys: Iterable[str] = (),
        *,
        reach: int = LINE_REACH,
        backend: str | None = None,
    ) -> None:
        plain = [_lower_aligned(k) for k in keys]
        lines = [_lower_aligned(k) for k in line_keys]
        if any(not k or "\n" in k for k in plain + lines):
            raise ValueError("a key must be non-empty and on one line")
        self.keys = plain + lines
        self.n_plain = len(plain)
        self.reach = reach
        self.backend = backend or ("hyperscan" if _hs is not None else "ahocorasick")
        if self.backend not in ("hyperscan", "ahocorasick"):
            raise ValueError(f"unknown backend {self.backend!r}")
        if self.backend == "hyperscan" and _hs is None:
            raise RuntimeError("hyperscan is not installed")
        self._build()

    # Workers receive a compiled matcher: the Hyperscan database travels serialised.
    def __getstate__(self) -> dict:
        state = {k: v for k, v in self.__dict__.items() if k not in ("_db", "_automaton")}
        if self._db is not None:
            state["_db_bytes"] = _hs.dumpb(self._db)
        return state

    def __setstate__(self, state: dict) -> None:
        db_bytes = state.pop("_db_bytes", None)
        self.__dict__.update(state)
        self._db = self._automaton = None
        if db_bytes is not None:
            self._db = _hs.loadb(db_bytes, _hs.HS_MODE_BLOCK)
            self._db.scratch = _hs.Scratch(self._db)
        else:
            self._build()

    def _build(self) -> None:
        self._db = self._automaton = None
        # One pattern per distinct key; a key may stand for several indices (a catalogue
        # phrase that is also a mark literal).
        groups: dict[str, list[int]] = {}
        for i, k in enumerate(self.keys):
            groups.setdefault(k, []).append(i)
        self._groups = [(k, len(k), ids) for k, ids in groups.items()]
        self._group_has_line = np.array(
            [any(i >= self.n_plain for i in ids) for _k, _n, ids in self._groups], dtype=bool
        )
        self._group_has_plain = np.array(
            [any(i < self.n_plain for i in ids) for _k, _n, ids in self._groups], dtype=bool
        )
        self._group_nbytes = np.array([_nbytes(k) for k, _n, _ids in self._groups], dtype=np.int64)
        if not self.keys:
            return
        if self.backend == "hyperscan":
            keys = [k for k, _n, _ids in self._groups]
            self._fold, odd = _fold_table(keys)
            exprs = _byte_patterns(keys, self._fold, odd)
            self._db = _hs.Database(mode=_hs.HS_MODE_BLOCK)
            self._db.compile(
                expressions=exprs,
                ids=list(range(len(exprs))),
                elements=len(exprs),
                flags=[0] * len(exprs),
            )
        else:
            self._automaton = ahocorasick.Automaton()
            for g, (k, _n, _ids) in enumerate(self._groups):
                self._automaton.add_word(k, g)
            self._automaton.make_automaton()
            # Per key: whether its hits need the letter-by-letter check, and whether it has a
            # space (the only way a span can hold a line break): "mật", by far the commonest
            # hit, needs neither.
            far = _lowered_from_afar()
            self._recheck = [any(c in far for c in k) for k, _n, _ids in self._groups]
            self._spaced = [" " in k for k, _n, _ids in self._groups]

    def find(self, text: str) -> list[tuple[int, int, int]]:
        if not self.keys or not text:
            return []
        if self._db is not None:
            return self._find_hs(text)
        return self._find_ac(text)

    def _short_line(self, text: str, start: int, end: int) -> bool:
        """At most `reach` UTF-8 bytes between the line's edges and the key (on one line): the
        rule _find_hs applies. A character is at least a byte, so no newline within `reach`
        characters already means too long."""
        r = self.reach
        lo = max(0, start - r - 1)
        ls = text.rfind("\n", lo, start)
        if ls < 0 and lo > 0:
            return False
        hi = end + r + 1
        le = text.find("\n", end, hi)
        if le < 0 and len(text) > hi:
            return False
        before = text[ls + 1 : start]
        after = text[end : le if le >= 0 else len(text)]
        return _nbytes(before) <= r and _nbytes(after) <= r

    def _emit(self, out: list, text: str, g: int, end: int) -> None:
        key, n, ids = self._groups[g]
        start = end - n
        if self._recheck[g] and not _same(text[start:end], key):
            return  # lowered as a whole text, "K" (Kelvin) became "k": not a form of "k"
        short = None
        for i in ids:
            if i >= self.n_plain:
                if short is None:  # a mark split over two lines is not that mark
                    short = not (self._spaced[g] and "\n" in text[start:end]) and (
                        self._short_line(text, start, end)
                    )
                if not short:
                    continue
            out.append((i, start, end))

    def _find_ac(self, text: str) -> list[tuple[int, int, int]]:
        out: list = []
        # The line break that a key's space also matches (_forms), as Hyperscan's byte map does.
        for end, g in self._automaton.iter(_lower_aligned(text).replace("\n", " ")):
            self._emit(out, text, g, end + 1)
        return out

    def _find_hs(self, text: str) -> list[tuple[int, int, int]]:
        data = text.encode("utf-8", "surrogatepass")
        ends: list[int] = []
        gids: list[int] = []

        def on_match(g: int, _start: int, end: int, _flags: int, _ctx: object) -> None:
            ends.append(end)
            gids.append(g)

        self._db.scan(data.translate(self._fold), match_event_handler=on_match)
        if not ends:
            return []
        # The line rule, vectorised over all hits in bytes: dense texts have tens of
        # thousands of "mật" hits in long lines, and none of them should cost Python time.
        end_b = np.asarray(ends, dtype=np.int64)
        g_arr = np.asarray(gids, dtype=np.int64)
        order = np.argsort(end_b, kind="stable")
        end_b, g_arr = end_b[order], g_arr[order]
        has_line = self._group_has_line[g_arr]
        short = np.ones(len(end_b), dtype=bool)
        if has_line.any():
            start_b = end_b - self._group_nbytes[g_arr]
            nl = np.flatnonzero(np.frombuffer(data, dtype=np.uint8) == 10)
            # Sentinels: a newline "before" the text and one after it.
            nl = np.concatenate(([-1], nl, [len(data)]))
            idx = np.searchsorted(nl, start_b)  # the first newline at or after the key
            line_end = nl[idx]
            line_start = nl[idx - 1] + 1
            # A newline inside the key's span (its space matched it): two lines, no mark.
            short = (
                (line_end >= end_b)
                & (start_b - line_start <= self.reach)
                & (line_end - end_b <= self.reach)
            )
        keep = short | self._group_has_plain[g_arr]
        out: list = []
        ascii_text = len(data) == len(text)
        last_b = last_c = 0
        for e, g, ok in zip(
            end_b[keep].tolist(), g_arr[keep].tolist(), short[keep].tolist(), strict=True
        ):
            if ascii_text:
                end_c = e
            else:  # byte → character offset, walking forward once over the kept hits
                # surrogatepass: the text was encoded that way, so a lone surrogate (from any
                # extractor) counts as the one character it is, not as three replacements.
                last_c += len(data[last_b:e].decode("utf-8", "surrogatepass"))
                last_b = e
                end_c = last_c
            key, n, ids = self._groups[g]
            if not _same(text[end_c - n : end_c], key):
                continue  # another letter of a merged byte class (see _fold_table)
            for i in ids:
                if ok or i < self.n_plain:
                    out.append((i, end_c - n, end_c))
        return out
