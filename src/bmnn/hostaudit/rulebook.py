"""The auditor's rulebook: checks as YAML data (`rules/*.yaml`, one file per family), loaded and
validated here.

Shape (Wazuh-SCA-like): `rules/policy.yaml` names the policy and its version; each family file
(`network.yaml`, `usb.yaml`, ...) holds `family`, `title` and `checks`. A check says what it
reads (observation kinds and fact names), which analysers must have read their artefacts for a
`pass` (`requires`), a `condition` in a small declarative language, and its legal `basis`: one
entry per version of the law in force over time, so a finding cites the version in force on the
date of its event. Entries resting on the agency's own regulation say so (`agency: true`): the
agency writes the clause in its AuditConfig.

Condition language (data, not code):

    condition:
      mode: violation            # violation (default): every matching observation is a finding
                                 # expect: observations selected by `match` must match one
                                 #         `expect` clause (require: all, default) or one of
                                 #         them must (require: any); none selected = unknown
      match:                     # an observation matches if one clause matches
        - kinds: [network_profile]
          all:  [{fact: name_type, in: [wired, wireless]}]   # every matcher holds
          any:  [...]                                        # at least one holds (if given)
          none: [...]                                        # no matcher holds
      expect:                                                # mode expect only
        - kinds: [policy]
          all: [{fact: value, eq: 1}]
      require: any
      times: [date_created, date_last_connected]             # event times (default: every
                                                             # event time, times.py)
      undated: any_version       # an observation without event time: judged under every
                                 # version (any_version, default) or on the audit date
                                 # (audit_time: a state seen at collection)
      exempt: [approved_usb]     # allow-lists that exempt a finding under every version

Matchers: `{fact: F, eq: V}`, `ne`, `in: [..]`, `not_in: [..]`, `present: true|false`,
`regex: "..."` (case-insensitive search), `truthy: true|false`. A list-valued fact matches `eq`,
`in` and `regex` when one of its items does.

Validation problems are Vietnamese, one line each; `load_rulebook()` refuses data with problems.
"""

from __future__ import annotations

import functools
import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from importlib import resources
from typing import Any

import yaml

from bmnn.rules.model import CONFIDENCE, Citation

from .analysers import ANALYSERS
from .config import ROLES
from .model import KINDS, SEVERITIES
from .times import TIME_NAMES
from .yamlcheck import as_list, as_mapping, unknown_keys

_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

FAMILIES: dict[str, str] = {
    "network": "Kết nối mạng, Internet",
    "usb": "Thiết bị lưu trữ USB, thiết bị ngoại vi",
    "phone": "Điện thoại, máy tính bảng",
    "software": "Phần mềm cài thêm",
    "remote": "Truy cập từ xa, đồng bộ đám mây",
    "bluetooth": "Bluetooth",
    "posture": "Cấu hình máy",
    "wiping": "Dấu hiệu xóa dấu vết",
}
PLATFORMS = ("any", "windows", "linux")
MODES = ("violation", "expect")
OPS = ("eq", "ne", "in", "not_in", "present", "regex", "truthy")
# Allow-lists of the AuditConfig a check may name; evaluate.py implements each one.
EXEMPTIONS: dict[str, str] = {
    "approved_lan": "mạng LAN độc lập đã được cơ quan phê duyệt (dải địa chỉ, MAC cổng mạng)",
    "intranet_host": "máy chủ nội bộ của cơ quan (tên miền, địa chỉ trong mạng LAN độc lập)",
    "approved_usb": "thiết bị USB (mã hóa) đã được cơ quan cấp, theo số sê-ri",
    "allowed_printer": "máy in được phép, theo mã VID/PID hoặc tên",
    "approved_cipher": "phần mềm mật mã đã được phê duyệt",
    "allowed_software": "phần mềm được cơ quan cho phép",
}
_ARTICLE_OPTIONAL = ("draft", "unknown")

_CHECK_KEYS = {
    "id",
    "title",
    "description",
    "rationale",
    "remediation",
    "severity",
    "platform",
    "roles",
    "reads",
    "requires",
    "condition",
    "basis",
    "note",
}
_CONDITION_KEYS = {"mode", "match", "expect", "require", "times", "exempt", "undated"}
REQUIRE = ("all", "any")
UNDATED = ("any_version", "audit_time")
_CLAUSE_KEYS = {"kinds", "all", "any", "none"}
_BASIS_KEYS = {
    "text",
    "article",
    "clause",
    "point",
    "quote",
    "effective_from",
    "effective_to",
    "confidence",
    "note",
    "agency",
    "history",
    "exempt",
    "rule",
}
_ID = re.compile(r"^BMNN-[A-Z]+-\d{3}$")


class RulebookError(ValueError):
    """The rule data is broken; the message lists every problem, one Vietnamese line each."""


@dataclass(frozen=True)
class Matcher:
    fact: str
    op: str
    value: Any

    def holds(self, facts: Mapping[str, Any]) -> bool:
        present = self.fact in facts and facts[self.fact] not in (None, "", [], ())
        if self.op == "present":
            return present is bool(self.value)
        v = facts.get(self.fact)
        if self.op == "truthy":
            return bool(v) is bool(self.value)
        if not present:
            return self.op in ("ne", "not_in")
        items = list(v) if isinstance(v, list | tuple | set | frozenset) else [v]
        if self.op == "eq":
            return any(_same(i, self.value) for i in items)
        if self.op == "ne":
            return not any(_same(i, self.value) for i in items)
        if self.op == "in":
            return any(_same(i, w) for i in items for w in self.value)
        if self.op == "not_in":
            return not any(_same(i, w) for i in items for w in self.value)
        return any(re.search(self.value, str(i), re.IGNORECASE) for i in items)  # regex


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, str) and isinstance(b, str):
        return a.casefold() == b.casefold()
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    return a == b


@dataclass(frozen=True)
class Clause:
    kinds: tuple[str, ...]
    all: tuple[Matcher, ...] = ()
    any: tuple[Matcher, ...] = ()
    none: tuple[Matcher, ...] = ()

    def matches(self, kind: str, facts: Mapping[str, Any]) -> bool:
        return (
            kind in self.kinds
            and all(m.holds(facts) for m in self.all)
            and (not self.any or any(m.holds(facts) for m in self.any))
            and not any(m.holds(facts) for m in self.none)
        )


@dataclass(frozen=True)
class Condition:
    match: tuple[Clause, ...]
    mode: str = "violation"
    expect: tuple[Clause, ...] = ()  # an observation is good when one clause matches it
    times: tuple[str, ...] | None = None  # None: every time of the observation is an event
    exempt: tuple[str, ...] = ()
    undated: str = "any_version"
    require: str = "all"  # expect mode: every selected observation is good, or any one is

    @property
    def kinds(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(k for c in self.match for k in c.kinds))

    def selects(self, kind: str, facts: Mapping[str, Any]) -> bool:
        return any(c.matches(kind, facts) for c in self.match)

    @functools.cached_property
    def reads_identity(self) -> bool:
        """Whether a clause tests the observation's identity as if it were a fact."""
        return any(m.fact == "identity" for c in self.match for m in (*c.all, *c.any, *c.none))


@dataclass(frozen=True)
class Basis:
    """One legal version a check rests on, or the agency's own regulation (`agency`)."""

    quote: str
    confidence: str
    text: str | None = None  # a code of bmnn.rules texts.yaml
    article: int | None = None
    clause: int | None = None
    point: str | None = None
    effective_from: date | None = None
    effective_to: date | None = None
    note: str = ""
    agency: bool = False
    history: bool = False  # the wording covers earlier events ("đã kết nối")
    exempt: tuple[str, ...] = ()  # allow-lists that apply under this version only
    rule: str | None = None  # the bmnn.rules version it mirrors

    def in_force(self, on: date) -> bool:
        return (self.effective_from is None or self.effective_from <= on) and (
            self.effective_to is None or on <= self.effective_to
        )

    @property
    def citation(self) -> Citation | None:
        if self.text is None:
            return None
        return Citation(self.text, self.article, self.clause, self.point)


@dataclass(frozen=True)
class Check:
    id: str
    family: str
    title: str
    description: str
    rationale: str
    remediation: str
    severity: str
    platform: str
    roles: tuple[str, ...]
    kinds: tuple[str, ...]  # reads.kinds
    facts: tuple[str, ...]  # reads.facts
    requires: Mapping[str, tuple[str, ...]]  # platform -> analysers that must have read
    condition: Condition
    basis: tuple[Basis, ...]
    note: str = ""

    # Cached: read for every event of every observation a check selects.
    @functools.cached_property
    def laws(self) -> tuple[Basis, ...]:
        return tuple(b for b in self.basis if not b.agency)

    @functools.cached_property
    def laws_by_date(self) -> tuple[Basis, ...]:
        return tuple(sorted(self.laws, key=lambda b: b.effective_from or date.min))

    @functools.cached_property
    def agency_basis(self) -> Basis | None:
        return next((b for b in self.basis if b.agency), None)

    def applies_to(self, platform: str) -> bool:
        return self.platform == "any" or self.platform == platform

    def required(self, platform: str) -> tuple[str, ...]:
        return tuple(self.requires.get(platform, ())) + tuple(self.requires.get("any", ()))


@dataclass(frozen=True)
class Rulebook:
    policy: Mapping[str, Any]
    checks: tuple[Check, ...]
    version: str  # declared version + digest of the data
    problems: tuple[str, ...] = field(default=())

    def check(self, check_id: str) -> Check:
        return next(c for c in self.checks if c.id == check_id)


# -- loading ----------------------------------------------------------------------------------
def load_rulebook(*, strict: bool = True) -> Rulebook:
    """The shipped rulebook (cached). With `strict`, data with problems is refused."""
    rb = _shipped()
    if strict and rb.problems:
        raise RulebookError("\n".join(["Bộ quy tắc kiểm tra máy tính có lỗi:", *rb.problems]))
    return rb


@functools.cache
def _shipped() -> Rulebook:
    folder = resources.files("bmnn.hostaudit") / "rules"
    files = {
        e.name: e.read_text(encoding="utf-8")
        for e in sorted(folder.iterdir(), key=lambda e: e.name)
        if e.name.endswith(".yaml")
    }
    return parse_rulebook(files)


def parse_rulebook(files: Mapping[str, str]) -> Rulebook:
    """A rulebook from {file name: YAML text}; every problem is collected, none raised."""
    problems: list[str] = []
    policy: Mapping[str, Any] = {}
    checks: list[Check] = []
    digest = hashlib.sha256()
    for name in sorted(files):
        text = files[name]
        digest.update(name.encode() + b"\0" + text.encode("utf-8") + b"\0")
        try:
            data = yaml.load(text, Loader=_LOADER)  # noqa: S506 - a safe loader, C or Python
        except yaml.YAMLError as exc:
            first = str(exc).splitlines()[0] if str(exc) else ""
            problems.append(f"{name}: không phải YAML hợp lệ ({first})")
            continue
        if not isinstance(data, Mapping):
            problems.append(f"{name}: phải là bảng khóa: giá trị")
            continue
        if "policy" in data:
            if policy:
                problems.append(f"{name}: khối policy đã có ở tệp khác")
            policy = _policy(data, name, problems)
            continue
        checks.extend(_family(data, name, problems))
    if not policy:
        problems.append("thiếu tệp policy.yaml (id, title, version của bộ quy tắc)")
    seen: dict[str, str] = {}
    for c in checks:
        if c.id in seen:
            problems.append(f"{c.id}: mã quy tắc trùng (đã có trong họ {seen[c.id]})")
        seen[c.id] = c.family
    problems.extend(_cross_check(checks))
    version = f"{policy.get('version', '0')}+{digest.hexdigest()[:12]}"
    return Rulebook(policy, tuple(checks), version, tuple(problems))


def _policy(data: Mapping, name: str, problems: list[str]) -> Mapping[str, Any]:
    pol = data.get("policy")
    if not isinstance(pol, Mapping):
        problems.append(f"{name}: policy phải là bảng khóa: giá trị")
        return {}
    for key in ("id", "title", "version"):
        if not str(pol.get(key) or "").strip():
            problems.append(f"{name}: policy thiếu {key}")
    return dict(pol)


def _family(data: Mapping, name: str, problems: list[str]) -> list[Check]:
    family = str(data.get("family") or "")
    if family not in FAMILIES:
        problems.append(f"{name}: family {family!r} không thuộc {', '.join(FAMILIES)}")
        return []
    if name != f"{family}.yaml":
        problems.append(f"{name}: họ {family!r} phải nằm trong tệp {family}.yaml")
    for key in sorted(set(data) - {"family", "title", "checks"}):
        problems.append(f"{name}: khóa không được hỗ trợ {key!r}")
    raw_checks = data.get("checks")
    if not isinstance(raw_checks, list) or not raw_checks:
        problems.append(f"{name}: cần danh sách checks")
        return []
    out = []
    for i, raw in enumerate(raw_checks):
        where = f"{name} checks[{i}]"
        if not isinstance(raw, Mapping):
            problems.append(f"{where}: phải là bảng khóa: giá trị")
            continue
        check = _check(raw, family, where, problems)
        if check is not None:
            out.append(check)
    return out


def _check(raw: Mapping, family: str, where: str, problems: list[str]) -> Check | None:
    cid = str(raw.get("id") or "")
    if not _ID.match(cid):
        problems.append(f"{where}: mã {cid!r} phải có dạng BMNN-XXX-001")
        return None
    where = cid
    unknown_keys(raw, _CHECK_KEYS, where, problems)
    texts = {}
    for key in ("title", "description", "rationale", "remediation"):
        texts[key] = str(raw.get(key) or "").strip()
        if not texts[key]:
            problems.append(f"{where}: thiếu {key} (tiếng Việt)")
    severity = str(raw.get("severity") or "")
    if severity not in SEVERITIES:
        problems.append(f"{where}: severity {severity!r} không thuộc {', '.join(SEVERITIES)}")
    platform = str(raw.get("platform") or "any")
    if platform not in PLATFORMS:
        problems.append(f"{where}: platform {platform!r} không thuộc {', '.join(PLATFORMS)}")
    roles = tuple(str(r) for r in as_list(raw.get("roles", ["secret"]), f"{where}.roles", problems))
    for r in roles:
        if r not in ROLES:
            problems.append(f"{where}.roles: vai trò {r!r} không thuộc {', '.join(ROLES)}")

    reads = as_mapping(raw.get("reads"), f"{where}.reads", problems)
    unknown_keys(reads, {"kinds", "facts"}, f"{where}.reads", problems)
    kinds = tuple(str(k) for k in as_list(reads.get("kinds"), f"{where}.reads.kinds", problems))
    facts = tuple(str(f) for f in as_list(reads.get("facts"), f"{where}.reads.facts", problems))
    if not kinds:
        problems.append(f"{where}: reads.kinds trống")
    for k in kinds:
        if k not in KINDS:
            problems.append(f"{where}: loại quan sát {k!r} không có trong KINDS")

    requires: dict[str, tuple[str, ...]] = {}
    names = {a.name: a for a in ANALYSERS}
    for plat, items in as_mapping(raw.get("requires"), f"{where}.requires", problems).items():
        if plat not in PLATFORMS:
            problems.append(f"{where}.requires: nền tảng {plat!r} không thuộc {PLATFORMS}")
            continue
        requires[plat] = tuple(str(a) for a in as_list(items, f"{where}.requires.{plat}", problems))
        for a in requires[plat]:
            spec = names.get(a)
            if spec is None:
                problems.append(f"{where}.requires: bộ phân tích {a!r} không có trong ANALYSERS")
            elif plat != "any" and spec.platform not in ("any", plat):
                problems.append(f"{where}.requires: {a!r} không chạy trên {plat}")

    condition = _condition(raw.get("condition"), kinds, facts, f"{where}.condition", problems)
    basis = _basis_list(raw.get("basis"), where, problems)
    if condition is None:
        return None
    return Check(
        id=cid,
        family=family,
        title=texts["title"],
        description=texts["description"],
        rationale=texts["rationale"],
        remediation=texts["remediation"],
        severity=severity,
        platform=platform,
        roles=roles,
        kinds=kinds,
        facts=facts,
        requires=requires,
        condition=condition,
        basis=basis,
        note=str(raw.get("note") or ""),
    )


def _condition(
    raw: Any, kinds: tuple[str, ...], facts: tuple[str, ...], where: str, problems: list[str]
) -> Condition | None:
    if not isinstance(raw, Mapping):
        problems.append(f"{where}: thiếu điều kiện (condition)")
        return None
    unknown_keys(raw, _CONDITION_KEYS, where, problems)
    mode = str(raw.get("mode") or "violation")
    if mode not in MODES:
        problems.append(f"{where}.mode: {mode!r} không thuộc {', '.join(MODES)}")
    clauses = _clauses(raw.get("match"), kinds, facts, f"{where}.match", problems)
    if not clauses:
        problems.append(f"{where}: cần ít nhất một mệnh đề match")
    expect = _clauses(raw.get("expect"), kinds, facts, f"{where}.expect", problems)
    require = str(raw.get("require") or "all")
    if require not in REQUIRE:
        problems.append(f"{where}.require: {require!r} không thuộc {', '.join(REQUIRE)}")
    if mode == "expect" and not expect:
        problems.append(f"{where}: mode expect cần danh sách expect")
    if mode == "violation" and (expect or "require" in raw):
        problems.append(f"{where}: expect, require chỉ dùng với mode expect")
    times = raw.get("times")
    if times is not None:
        times = tuple(str(t) for t in as_list(times, f"{where}.times", problems))
        for t in times:
            if t not in TIME_NAMES:
                problems.append(f"{where}.times: thời điểm {t!r} không có trong danh mục times.py")
            elif not TIME_NAMES[t].event:
                problems.append(f"{where}.times: {t!r} không phải thời điểm của một sự kiện")
    exempt = _exemptions(raw.get("exempt"), f"{where}.exempt", problems)
    undated = str(raw.get("undated") or "any_version")
    if undated not in UNDATED:
        problems.append(f"{where}.undated: {undated!r} không thuộc {', '.join(UNDATED)}")
    return Condition(clauses, mode, expect, times, exempt, undated, require)


def _clauses(
    raw: Any, kinds: tuple[str, ...], facts: tuple[str, ...], where: str, problems: list[str]
) -> tuple[Clause, ...]:
    out = []
    for i, item in enumerate(as_list(raw, where, problems)):
        w = f"{where}[{i}]"
        if not isinstance(item, Mapping):
            problems.append(f"{w}: phải là bảng khóa: giá trị")
            continue
        unknown_keys(item, _CLAUSE_KEYS, w, problems)
        ck = tuple(str(k) for k in as_list(item.get("kinds"), f"{w}.kinds", problems))
        if not ck:
            problems.append(f"{w}: cần kinds")
        for k in ck:
            if k not in kinds:
                problems.append(f"{w}: loại {k!r} không khai báo trong reads.kinds")
        out.append(
            Clause(
                ck,
                _matchers(item.get("all"), facts, f"{w}.all", problems),
                _matchers(item.get("any"), facts, f"{w}.any", problems),
                _matchers(item.get("none"), facts, f"{w}.none", problems),
            )
        )
    return tuple(out)


def _matchers(raw: Any, facts: tuple[str, ...], where: str, problems: list[str]) -> tuple:
    out = []
    for i, item in enumerate(as_list(raw, where, problems)):
        w = f"{where}[{i}]"
        if not isinstance(item, Mapping) or "fact" not in item:
            problems.append(f"{w}: cần dạng {{fact: tên, phép so sánh: giá trị}}")
            continue
        ops = [k for k in item if k != "fact"]
        if len(ops) != 1 or ops[0] not in OPS:
            problems.append(f"{w}: cần đúng một phép so sánh trong {', '.join(OPS)}, có {ops}")
            continue
        fact, op, value = str(item["fact"]), ops[0], item[ops[0]]
        if fact not in facts:
            problems.append(f"{w}: dữ kiện {fact!r} không khai báo trong reads.facts")
        if op in ("in", "not_in") and not isinstance(value, list):
            problems.append(f"{w}: {op} cần một danh sách")
            continue
        if op in ("present", "truthy") and not isinstance(value, bool):
            problems.append(f"{w}: {op} cần true hoặc false")
            continue
        if op == "regex":
            try:
                re.compile(str(value))
            except re.error as exc:
                problems.append(f"{w}: biểu thức chính quy sai ({exc})")
                continue
            value = str(value)
        out.append(Matcher(fact, op, value))
    return tuple(out)


def _exemptions(raw: Any, where: str, problems: list[str]) -> tuple[str, ...]:
    names = tuple(str(e) for e in as_list(raw, where, problems))
    for e in names:
        if e not in EXEMPTIONS:
            problems.append(
                f"{where}: danh sách cho phép {e!r} không thuộc {', '.join(EXEMPTIONS)}"
            )
    return names


def _basis_list(raw: Any, where: str, problems: list[str]) -> tuple[Basis, ...]:
    items = as_list(raw, f"{where}.basis", problems)
    if not items:
        problems.append(f"{where}: thiếu căn cứ (basis)")
    out = []
    for i, item in enumerate(items):
        w = f"{where}.basis[{i}]"
        if not isinstance(item, Mapping):
            problems.append(f"{w}: phải là bảng khóa: giá trị")
            continue
        unknown_keys(item, _BASIS_KEYS, w, problems)
        conf = str(item.get("confidence") or "")
        if conf not in CONFIDENCE:
            problems.append(f"{w}: confidence {conf!r} không thuộc {', '.join(CONFIDENCE)}")
        quote = str(item.get("quote") or "").strip()
        if not quote:
            problems.append(f"{w}: thiếu quote (câu chữ tiếng Việt của căn cứ)")
        agency = bool(item.get("agency", False))
        text = item.get("text")
        if agency and text is not None:
            problems.append(f"{w}: căn cứ quy chế cơ quan (agency) không ghi text của luật")
        if not agency and not text:
            problems.append(f"{w}: thiếu text (số hiệu văn bản) hoặc agency: true")
        out.append(
            Basis(
                quote=quote,
                confidence=conf,
                text=str(text) if text is not None else None,
                article=_int(item.get("article"), f"{w}.article", problems),
                clause=_int(item.get("clause"), f"{w}.clause", problems),
                point=str(item["point"]) if item.get("point") is not None else None,
                effective_from=_date(item.get("effective_from"), f"{w}.effective_from", problems),
                effective_to=_date(item.get("effective_to"), f"{w}.effective_to", problems),
                note=str(item.get("note") or ""),
                agency=agency,
                history=bool(item.get("history", False)),
                exempt=_exemptions(item.get("exempt"), f"{w}.exempt", problems),
                rule=str(item["rule"]) if item.get("rule") else None,
            )
        )
    return tuple(out)


# -- cross-checks against the legal rulebook (bmnn.rules) ---------------------------------------
def _cross_check(checks: list[Check]) -> list[str]:
    from bmnn.rules import load_rulebook as load_legal

    legal = load_legal(strict=False)
    versions = {v.id: v for v in legal.versions}
    out: list[str] = []
    for c in checks:
        if sum(1 for b in c.basis if b.agency) > 1:
            out.append(f"{c.id}: chỉ một căn cứ quy chế cơ quan (agency) cho mỗi quy tắc")
        laws = sorted(c.laws, key=lambda b: b.effective_from or date.min)
        if not laws and c.agency_basis is None:
            out.append(f"{c.id}: cần ít nhất một căn cứ: văn bản pháp luật (text) hoặc quy chế")
        for i, b in enumerate(laws):
            w = f"{c.id} căn cứ {b.text} Điều {b.article}"
            out.extend(_law(b, w, legal.texts, versions))
            if i and laws[i - 1].effective_to is None:
                out.append(f"{w}: chồng lấn với căn cứ trước (căn cứ trước chưa có effective_to)")
            elif i and b.effective_from and laws[i - 1].effective_to:
                gap = (b.effective_from - laws[i - 1].effective_to).days
                if gap < 1:
                    out.append(f"{w}: hiệu lực chồng lấn với căn cứ trước")
                elif gap > 1:
                    out.append(f"{w}: có khoảng trống hiệu lực trước ngày {b.effective_from}")
        if laws and laws[-1].effective_to is not None:
            out.append(f"{c.id}: căn cứ mới nhất phải còn hiệu lực (effective_to trống)")
        for b in c.basis:
            if b.history and b.agency:
                out.append(f"{c.id}: history chỉ dùng cho căn cứ là văn bản pháp luật")
    return out


def _law(b: Basis, where: str, texts: Mapping, versions: Mapping) -> list[str]:
    out = []
    text = texts.get(b.text)
    if text is None:
        return [f"{where}: văn bản {b.text!r} không có trong danh mục văn bản (texts.yaml)"]
    if b.effective_from is None:
        out.append(f"{where}: thiếu effective_from")
    if b.article is None and b.confidence not in _ARTICLE_OPTIONAL:
        out.append(f"{where}: thiếu số điều (chỉ được bỏ trống khi nhãn là draft/unknown)")
    # A check applies a text only while that text is in force, except an old text carried
    # forward on purpose (`baseline`) or by an inference that says so (`unknown`).
    if b.confidence not in ("baseline", "unknown") and b.effective_from is not None:
        starts_early = b.effective_from < text.effective_from
        ends_late = text.effective_to is not None and (
            b.effective_to is None or b.effective_to > text.effective_to
        )
        if starts_early or ends_late:
            out.append(
                f"{where}: hiệu lực của căn cứ vượt ra ngoài hiệu lực của {b.text} "
                f"(chỉ được khi nhãn là baseline/unknown)"
            )
    if b.rule is not None:
        v = versions.get(b.rule)
        if v is None:
            out.append(f"{where}: quy tắc {b.rule!r} không có trong bộ quy tắc pháp lý")
        else:
            cite = v.citation
            same = cite is not None and (cite.text, cite.article, cite.clause, cite.point) == (
                b.text,
                b.article,
                b.clause,
                b.point,
            )
            if not same:
                out.append(f"{where}: trích dẫn khác với quy tắc {b.rule}")
            if (v.effective_from, v.effective_to) != (b.effective_from, b.effective_to):
                out.append(f"{where}: ngày hiệu lực khác với quy tắc {b.rule}")
            if v.confidence != b.confidence:
                out.append(f"{where}: nhãn độ tin cậy khác với quy tắc {b.rule}")
            if str(v.value.get("vi", "")).strip() != b.quote:
                out.append(f"{where}: câu chữ (quote) khác với quy tắc {b.rule}")
    return out


# -- small readers ------------------------------------------------------------------------------
def _int(value: Any, where: str, problems: list[str]) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        problems.append(f"{where}: phải là số nguyên, không phải {value!r}")
        return None
    return value


def _date(value: Any, where: str, problems: list[str]) -> date | None:
    if value is None:
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        problems.append(f"{where}: ngày {value!r} không đúng dạng YYYY-MM-DD")
        return None


__all__ = [
    "EXEMPTIONS",
    "FAMILIES",
    "Basis",
    "Check",
    "Clause",
    "Condition",
    "Matcher",
    "Rulebook",
    "RulebookError",
    "load_rulebook",
    "parse_rulebook",
]
