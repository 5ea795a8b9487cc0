"""Reads the rulebook YAML (the shipped data, plus an optional override file) into a Rulebook.

Only what cannot be represented at all (broken YAML, a wrong shape, a bad date) raises here.
Everything else that is wrong (a rule without citation, overlapping versions, an unknown post)
is collected as a problem and reported by `Rulebook.check()`, so `bmnn rules check` can list
every problem at once; `load_rulebook` then refuses a rulebook with problems (fail closed).
"""

from __future__ import annotations

import functools
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from importlib import resources
from pathlib import Path
from types import MappingProxyType
from typing import Any

import yaml

from bmnn.rules.engine import Rulebook
from bmnn.rules.model import (
    LEVELS,
    Citation,
    DelegationRule,
    Holder,
    LegalText,
    Level,
    Post,
    RuleError,
    RuleVersion,
)

OVERRIDES_ENV = "BMNN_RULES_OVERRIDES"
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when present: ~10x faster
SHIPPED = "bmnn"

_TOP_KEYS = {"texts", "levels", "actions", "posts", "groups", "rules"}
_RULE_KEYS = {"id", "kind", "action", "levels", "title", "replace", "note", "versions"}
_VERSION_KEYS = {
    "id",
    "effective_from",
    "effective_to",
    "citation",
    "confidence",
    "note",
    "holders",
    "delegation",
    "value",
    "earlier",
}
_CITATION_KEYS = {"text", "article", "clause", "point", "amended_by"}
_HOLDER_KEYS = _CITATION_KEYS | {"posts", "group", "same_as", "confidence", "note"}
_DELEGATION_KEYS = {"citation", "confidence", "requires", "subdelegation", "note"}


@dataclass
class _Parts:
    """What the YAML files say, merged in order; `problems` are reported by check()."""

    texts: dict[str, LegalText] = field(default_factory=dict)
    levels: dict[str, Level] = field(default_factory=dict)
    actions: dict[str, str] = field(default_factory=dict)
    posts: dict[str, Post] = field(default_factory=dict)
    groups: dict[str, tuple[str, tuple[str, ...]]] = field(default_factory=dict)
    versions: list[RuleVersion] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def load_rulebook(overrides: Path | str | None = None, *, strict: bool = True) -> Rulebook:
    """The rulebook from the shipped data plus `overrides` (default: $BMNN_RULES_OVERRIDES).

    Cached per override file and modification time. With `strict` (the default) a rulebook
    whose data has problems is refused with a RuleError listing them; `strict=False` returns it
    anyway so the problems can be listed (`bmnn rules check`).
    """
    chosen = overrides if overrides is not None else os.environ.get(OVERRIDES_ENV) or None
    key: tuple[str, int] | None = None
    if chosen is not None:
        path = Path(chosen).expanduser().resolve()
        if not path.is_file():
            raise RuleError(f"Không tìm thấy tệp quy tắc bổ sung: {path}")
        key = (str(path), path.stat().st_mtime_ns)
    rulebook = _build(key)
    if strict:
        problems = rulebook.check()
        if problems:
            listed = "\n".join(f"- {p}" for p in problems)
            raise RuleError(f"Bộ quy tắc có {len(problems)} lỗi, không dùng được:\n{listed}")
    return rulebook


@functools.lru_cache(maxsize=8)
def _build(override: tuple[str, int] | None) -> Rulebook:
    parts = _Parts()
    for data in _shipped():
        _merge(parts, data, SHIPPED)
    if override is not None:
        path = Path(override[0])
        _merge(parts, _read(path.read_text(encoding="utf-8"), path.name), path.name)
    return Rulebook(
        texts=parts.texts,
        levels=parts.levels,
        action_names=parts.actions,
        posts=parts.posts,
        groups=parts.groups,
        versions=parts.versions,
        problems=parts.problems,
    )


@functools.cache
def _shipped() -> tuple[dict, ...]:
    # Parsed once per process; the merge only reads these documents.
    data_dir = resources.files("bmnn.rules") / "data"
    return tuple(
        _read(entry.read_text(encoding="utf-8"), entry.name)
        for entry in sorted(data_dir.iterdir(), key=lambda e: e.name)
        if entry.name.endswith(".yaml")
    )


def _read(text: str, name: str) -> dict:
    try:
        data = yaml.load(text, Loader=_LOADER)  # noqa: S506 - a safe loader, C or Python
    except yaml.YAMLError as exc:
        raise RuleError(f"Tệp quy tắc {name} không phải YAML hợp lệ: {exc}") from exc
    if data is None:
        return {}
    return _mapping(data, name)


def _merge(parts: _Parts, data: dict, source: str) -> None:
    for key in sorted(set(data) - _TOP_KEYS):
        parts.problems.append(f"{source}: khóa không hợp lệ ở cấp cao nhất: {key!r}")
    if source != SHIPPED and ("levels" in data or "actions" in data):
        # The level and action codes are the engine's API; an agency cannot redefine them.
        parts.problems.append(f"{source}: tệp bổ sung không được định nghĩa lại độ mật, hành vi")
    for code, raw in _mapping(data.get("texts", {}), "texts").items():
        _add(
            parts, parts.texts, str(code), _text(str(code), _mapping(raw, code)), "văn bản", source
        )
    for code, raw in _mapping(data.get("levels", {}), "levels").items():
        raw = _mapping(raw, code)
        level = Level(str(code), str(raw.get("vi", "")), str(raw.get("letter", "")))
        _add(parts, parts.levels, str(code), level, "độ mật", source)
    for code, raw in _mapping(data.get("actions", {}), "actions").items():
        vi = str(_mapping(raw, code).get("vi", ""))
        _add(parts, parts.actions, str(code), vi, "hành vi", source)
    for code, raw in _mapping(data.get("posts", {}), "posts").items():
        _add(
            parts, parts.posts, str(code), _post(str(code), _mapping(raw, code)), "chức vụ", source
        )
    for code, raw in _mapping(data.get("groups", {}), "groups").items():
        raw = _mapping(raw, code)
        group = (str(raw.get("vi", "")), tuple(str(p) for p in _list(raw.get("posts"), code)))
        _add(parts, parts.groups, str(code), group, "nhóm chức vụ", source)
    for raw in _list(data.get("rules", []), "rules"):
        _merge_rule(parts, _mapping(raw, "rules"), source)


def _add(parts: _Parts, table: dict, code: str, item: Any, what: str, source: str) -> None:
    if code in table:
        parts.problems.append(f"{source}: {what} {code!r} đã được định nghĩa, không được ghi đè")
        return
    table[code] = item


def _merge_rule(parts: _Parts, raw: Mapping, source: str) -> None:
    rule_id = str(raw.get("id", ""))
    where = f"{source}: quy tắc {rule_id or '(không có id)'}"
    _unknown_keys(parts.problems, raw, _RULE_KEYS, where)
    if not rule_id:
        parts.problems.append(f"{where}: thiếu id")
    if raw.get("replace"):
        # An agency's rule replaces the shipped rule of the same id entirely (all its versions).
        parts.versions[:] = [v for v in parts.versions if v.rule != rule_id]
    action = raw.get("action")
    kind = str(raw.get("kind") or ("authority" if action else "provision"))
    levels = tuple(str(x) for x in _list(raw.get("levels", list(LEVELS)), where))
    for version in _list(raw.get("versions"), where):
        version = _mapping(version, where)
        _unknown_keys(
            parts.problems, version, _VERSION_KEYS, f"{where}, phiên bản {version.get('id')}"
        )
        parts.versions.append(
            _version(
                version,
                rule=rule_id,
                kind=kind,
                action=str(action) if action else None,
                levels=levels,
                title=str(raw.get("title", "")),
                source=source,
                where=where,
                problems=parts.problems,
            )
        )


def _version(raw: Mapping, *, rule, kind, action, levels, title, source, where, problems):
    citation = _citation(raw.get("citation"), where)
    holders = []
    for entry in _list(raw.get("holders", []), where):
        entry = _mapping(entry, where)
        _unknown_keys(problems, entry, _HOLDER_KEYS, f"{where}, người có thẩm quyền")
        holders.append(_holder(entry, citation, where))
    delegation = None
    if raw.get("delegation") is not None:
        d = _mapping(raw["delegation"], where)
        _unknown_keys(problems, d, _DELEGATION_KEYS, f"{where}, ủy quyền")
        requires = None
        if d.get("requires") is not None:
            r = _mapping(d["requires"], where)
            requires = (str(r.get("action", "")), str(r.get("level", "")), str(r.get("vi", "")))
        sub = _mapping(d.get("subdelegation") or {}, where)
        delegation = DelegationRule(
            citation=_citation(d.get("citation"), where),
            confidence=str(d.get("confidence", "")),
            requires=requires,
            subdelegation_citation=_citation(sub.get("citation"), where),
            subdelegation_confidence=str(sub["confidence"]) if sub.get("confidence") else None,
            note=str(d.get("note", "")),
        )
    return RuleVersion(
        id=str(raw.get("id", "")),
        rule=rule,
        kind=kind,
        title=title,
        effective_from=_date(raw.get("effective_from"), where, required=True),
        effective_to=_date(raw.get("effective_to"), where),
        citation=citation,
        confidence=str(raw.get("confidence", "")),
        action=action,
        levels=levels,
        holders=tuple(holders),
        delegation=delegation,
        value=_frozen(_mapping(raw.get("value") or {}, where)),
        earlier=_earlier(raw.get("earlier"), where),
        note=str(raw.get("note", "")).strip(),
        source=source,
    )


def _earlier(raw: Any, where: str) -> Mapping:
    # `earlier`: the citation under which a version also governs dates before its start.
    if not raw:
        return _frozen({})
    raw = _mapping(raw, where)
    return _frozen(
        {
            "citation": _citation(raw.get("citation"), where),
            "confidence": str(raw.get("confidence", "")),
            "note": str(raw.get("note", "")).strip(),
        }
    )


def _holder(raw: Mapping, base: Citation | None, where: str) -> Holder:
    # The entry's own article/clause/point refine the version's citation.
    fields = {k: raw[k] for k in _CITATION_KEYS if k in raw}
    if base is not None:
        merged = {
            "text": base.text,
            "article": base.article,
            "clause": base.clause,
            "point": base.point,
            "amended_by": base.amended_by,
        }
        merged.update(fields)
        fields = merged
    same_as = None
    if raw.get("same_as") is not None:
        s = raw["same_as"]
        if isinstance(s, str):
            same_as = (s, None)
        else:
            s = _mapping(s, where)
            same_as = (str(s.get("action", "")), str(s["level"]) if s.get("level") else None)
    posts = raw.get("posts", [])
    return Holder(
        citation=_citation(fields, where) or Citation(text=""),
        posts=tuple(str(p) for p in _list(posts, where)),
        group=str(raw["group"]) if raw.get("group") else None,
        same_as=same_as,
        confidence=str(raw["confidence"]) if raw.get("confidence") else None,
        note=str(raw.get("note", "")).strip(),
    )


def _text(code: str, raw: Mapping) -> LegalText:
    where = f"văn bản {code}"
    return LegalText(
        code=code,
        title=str(raw.get("title", "")),
        effective_from=_date(raw.get("effective_from"), where, required=True),
        effective_to=_date(raw.get("effective_to"), where),
        name=str(raw.get("name", "")),
        confidence=str(raw.get("confidence", "")),
        source=str(raw.get("source", "")),
        note=str(raw.get("note", "")).strip(),
    )


def _post(code: str, raw: Mapping) -> Post:
    where = f"chức vụ {code}"
    return Post(
        code=code,
        vi=str(raw.get("vi", "")),
        tier=str(raw.get("tier", "")),
        valid_from=_date(raw.get("valid_from"), where),
        valid_to=_date(raw.get("valid_to"), where),
        deputy=bool(raw.get("deputy", False)),
        delegated_only=bool(raw.get("delegated_only", False)),
        note=str(raw.get("note", "")).strip(),
    )


def _citation(raw: Any, where: str) -> Citation | None:
    if raw is None:
        return None
    raw = _mapping(raw, where)
    return Citation(
        text=str(raw.get("text") or ""),
        article=_int(raw.get("article"), where),
        clause=_int(raw.get("clause"), where),
        point=str(raw["point"]) if raw.get("point") else None,
        amended_by=str(raw["amended_by"]) if raw.get("amended_by") else None,
    )


def _date(value: Any, where: str, *, required: bool = False) -> date | None:
    if value is None:
        if required:
            raise RuleError(f"{where}: thiếu ngày hiệu lực (effective_from)")
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise RuleError(f"{where}: ngày không hợp lệ {value!r} (cần YYYY-MM-DD)") from None


def _int(value: Any, where: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise RuleError(f"{where}: số điều/khoản không hợp lệ {value!r}")
    try:
        return int(value)
    except ValueError:
        raise RuleError(f"{where}: số điều/khoản không hợp lệ {value!r}") from None


def _mapping(value: Any, where: Any) -> dict:
    if not isinstance(value, Mapping):
        raise RuleError(f"{where}: cần một bảng khóa–giá trị, nhận được {type(value).__name__}")
    return dict(value)


def _list(value: Any, where: Any) -> list:
    if value is None:
        return []
    if not isinstance(value, list):
        raise RuleError(f"{where}: cần một danh sách, nhận được {type(value).__name__}")
    return value


def _frozen(value: Mapping) -> Mapping:
    return MappingProxyType(dict(value))


def _unknown_keys(problems: list[str], raw: Mapping, allowed: Iterable[str], where: str) -> None:
    # Catches typos such as "citaton" that would otherwise silently drop a rule's citation.
    for key in sorted(set(raw) - set(allowed)):
        problems.append(f"{where}: khóa không hợp lệ {key!r}")
