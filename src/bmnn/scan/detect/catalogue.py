"""An agency's own catalogue of secrets (danh mục bí mật nhà nước) as phrases with levels, and
proximity rules: every phrase of a rule within N characters of each other.

File forms (`--catalogue FILE`):

YAML — a list, or a mapping with `items:`::

    - phrase: "phương án bảo vệ mục tiêu"
      level: toi_mat
    - all: ["kế hoạch", "diễn tập A2"]
      within: 200          # characters; default 200
      level: mat
      score: 0.8           # optional, default 0.85

CSV — header `phrase,level[,within][,score]`; several phrases of one rule in one cell are
separated by "|". Levels: tuyet_mat / toi_mat / mat, or "Tuyệt mật" / "Tối mật" / "Mật".

Multi-syllable phrases also match without diacritics (folded); one-syllable phrases only as
written, because a folded syllable has too many meanings.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from bmnn.scan.model import Finding
from bmnn.scan.normalize import fold, normalize_text

DEFAULT_WITHIN = 200
EXACT_SCORE = 0.85
FOLDED_SCORE = 0.75
_LEVELS = {"tuyet_mat": "tuyet_mat", "toi_mat": "toi_mat", "mat": "mat"}
_LEVELS.update({"tuyet mat": "tuyet_mat", "toi mat": "toi_mat"})
LEVEL_NAMES = {"tuyet_mat": "Tuyệt mật", "toi_mat": "Tối mật", "mat": "Mật"}


def parse_level(value: object) -> str:
    key = fold(str(value or "")).strip().replace("-", " ")
    key = " ".join(key.split())
    if key in _LEVELS:
        return _LEVELS[key]
    if key.replace(" ", "_") in _LEVELS:
        return _LEVELS[key.replace(" ", "_")]
    raise ValueError(f"độ mật không hợp lệ: {value!r} (dùng tuyet_mat, toi_mat hoặc mat)")


def _phrase(text: object) -> str:
    norm = " ".join(normalize_text(str(text or "")).lower().split())
    if not norm:
        raise ValueError("cụm từ trống trong danh mục")
    return norm


@dataclass(frozen=True)
class Item:
    phrases: tuple[str, ...]  # normalised lower-case; one phrase, or all of a proximity rule
    level: str
    within: int | None = None  # characters; None for a single phrase
    score: float | None = None

    @property
    def label(self) -> str:
        return " + ".join(f"«{p}»" for p in self.phrases)


@dataclass(frozen=True)
class CatKey:
    item: int
    phrase: int
    exact: str

    @property
    def folded(self) -> str:
        return fold(self.exact)

    @property
    def multi(self) -> bool:
        return " " in self.exact


class Catalogue:
    def __init__(self, items: Iterable[Item]) -> None:
        self.items: list[Item] = list(items)
        self._compiled = None  # the matcher of marks + these phrases, built once per process

    @classmethod
    def from_items(cls, pairs: Iterable[tuple[str, str]]) -> Catalogue:
        return cls(Item((_phrase(p),), parse_level(lv)) for p, lv in pairs)

    @classmethod
    def load(cls, path: str | Path) -> Catalogue:
        path = Path(path)
        raw = path.read_bytes().decode("utf-8-sig")
        if path.suffix.lower() in (".yaml", ".yml"):
            return cls(_from_yaml(raw))
        if path.suffix.lower() in (".csv", ".tsv", ".txt"):
            return cls(_from_csv(raw))
        raise ValueError(f"không đọc được danh mục {path.name}: cần tệp .yaml hoặc .csv")

    def literals(self) -> list[tuple[str, CatKey]]:
        out = []
        for i, item in enumerate(self.items):
            for j, phrase in enumerate(item.phrases):
                key = CatKey(i, j, phrase)
                out.append((phrase, key))
                if key.multi and key.folded != phrase:
                    out.append((key.folded, key))
        return out

    def evaluate(self, doc, hits) -> list[Finding]:
        """Findings from prefilter hits on catalogue keys (`doc` is a marks.DocText)."""
        from bmnn.scan.detect.marks import verify

        # item → phrase → [(global start, global end, block, text, exact?)]
        occ: dict[int, dict[int, list[tuple[int, int, int, str, bool]]]] = {}
        for hit in hits:
            key: CatKey = hit.key
            # A phrase wrapped over lines may end in a later block (the prefilter matched a
            # key's space with the line break between them).
            text, ocr = doc.joined(hit.block, hit.end)
            how = verify(hit, text, ocr, key.exact, key.multi)
            if how is None:
                continue
            g = doc.starts[hit.block]
            occ.setdefault(key.item, {}).setdefault(key.phrase, []).append(
                (g + hit.start, g + hit.end, hit.block, text[hit.start : hit.end], how == "exact")
            )
        findings = []
        for i, by_phrase in occ.items():
            item = self.items[i]
            if len(by_phrase) < len(item.phrases):
                continue
            if len(item.phrases) == 1:
                found = _best_single(by_phrase[0])
            else:
                found = _window(by_phrase, len(item.phrases), item.within or DEFAULT_WITHIN)
            if found is None:
                continue
            parts, exact = found
            score = (
                item.score if item.score is not None else (EXACT_SCORE if exact else FOLDED_SCORE)
            )
            first = doc.blocks[parts[0][2]]
            text = " … ".join(p[3].replace("\n", " ") for p in parts)
            how = "khớp đúng chữ" if exact else "khớp khi bỏ dấu"
            if any("\n" in p[3] for p in parts):
                how += ", cụm từ bị ngắt xuống dòng"
            near = f", cách nhau không quá {item.within} ký tự" if len(item.phrases) > 1 else ""
            explanation = (
                f"Nội dung thuộc danh mục bí mật nhà nước ({LEVEL_NAMES[item.level]}): "
                f"{item.label}{near}; {how}. Điểm {score:.2f}."
            )
            findings.append(
                Finding("catalogue", item.level, text, first.location, score, explanation)
            )
        return findings


def _best_single(occs):
    exact = [o for o in occs if o[4]]
    pick = exact[0] if exact else occs[0]
    return [pick], bool(exact)


def _window(by_phrase, n: int, within: int):
    """The tightest span holding one occurrence of every phrase, if it is ≤ `within` long."""
    # A phrase found thousands of times adds nothing but time: its first occurrences suffice.
    events = sorted((o[0], p, o) for p, lst in by_phrase.items() for o in lst[:500])
    count: dict[int, int] = {}
    best = None
    lo = 0
    for hi in range(len(events)):
        count[events[hi][1]] = count.get(events[hi][1], 0) + 1
        while len(count) == n:
            span = max(e[2][1] for e in events[lo : hi + 1]) - events[lo][0]
            if span <= within and (best is None or span < best[0]):
                chosen: dict[int, tuple] = {}
                for _s, p, o in events[lo : hi + 1]:
                    chosen.setdefault(p, o)
                best = (span, [chosen[p] for p in sorted(chosen)])
            p_lo = events[lo][1]
            count[p_lo] -= 1
            if not count[p_lo]:
                del count[p_lo]
            lo += 1
    if best is None:
        return None
    parts = best[1]
    return parts, all(o[4] for o in parts)


def _item(entry: dict, where: str) -> Item:
    if not isinstance(entry, dict):
        raise ValueError(f"{where}: mỗi mục cần «phrase» hoặc «all» và «level»")
    if "level" not in entry:
        raise ValueError(f"{where}: thiếu «level»")
    level = parse_level(entry["level"])
    score = entry.get("score")
    if score is not None:
        score = float(score)
        if not 0.0 <= score <= 1.0:
            raise ValueError(f"{where}: «score» phải trong khoảng 0..1")
    if "all" in entry:
        phrases = entry["all"]
        if not isinstance(phrases, list) or len(phrases) < 1:
            raise ValueError(f"{where}: «all» phải là danh sách cụm từ")
        within = int(entry.get("within", DEFAULT_WITHIN))
        if within <= 0:
            raise ValueError(f"{where}: «within» phải là số ký tự dương")
        norm = tuple(_phrase(p) for p in phrases)
        return Item(norm, level, within if len(norm) > 1 else None, score)
    if "phrase" in entry:
        return Item((_phrase(entry["phrase"]),), level, None, score)
    raise ValueError(f"{where}: mỗi mục cần «phrase» hoặc «all»")


def _from_yaml(raw: str) -> list[Item]:
    import yaml

    try:
        data = yaml.safe_load(raw)
    except yaml.YAMLError as exc:
        raise ValueError(f"danh mục YAML không hợp lệ: {exc}") from exc
    if isinstance(data, dict):
        data = data.get("items", data.get("phrases"))
    if not isinstance(data, list):
        raise ValueError("danh mục YAML cần một danh sách mục (hoặc khóa «items»)")
    items = []
    for n, entry in enumerate(data, 1):
        try:
            items.append(_item(entry, f"mục {n}"))
        except TypeError as exc:
            raise ValueError(f"mục {n}: {exc}") from exc
    return items


def _from_csv(raw: str) -> list[Item]:
    first = raw.split("\n", 1)[0]
    delim = "\t" if "\t" in first else (";" if ";" in first and "," not in first else ",")
    reader = csv.DictReader(io.StringIO(raw), delimiter=delim)
    fields = [f.strip().lower() for f in reader.fieldnames or []]
    if "phrase" not in fields or "level" not in fields:
        raise ValueError("danh mục CSV cần cột «phrase» và «level»")
    items = []
    for n, row in enumerate(reader, 2):
        row = {(k or "").strip().lower(): (v or "").strip() for k, v in row.items() if k}
        if not any(row.values()):
            continue
        entry: dict = {"level": row.get("level")}
        phrases = [p for p in (s.strip() for s in row.get("phrase", "").split("|")) if p]
        if len(phrases) > 1:
            entry["all"] = phrases
            if row.get("within"):
                entry["within"] = row["within"]
        elif phrases:
            entry["phrase"] = phrases[0]
        if row.get("score"):
            entry["score"] = row["score"]
        try:
            items.append(_item(entry, f"dòng {n}"))
        except (TypeError, ValueError) as exc:
            raise ValueError(f"dòng {n}: {exc}") from exc
    return items
