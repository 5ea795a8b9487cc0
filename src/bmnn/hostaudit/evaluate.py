"""Rules x observations -> results (pass, fail, error, unknown, notapplicable), with evidence.

For each check: the observations its condition selects become evidence rows, one per event time
(a device's install, arrival, removal; a profile's first and last connection; a visit). Each row
cites the legal version in force on the date of its event, plus the agency's own clause when the
check rests on agency regulation. Allow-lists of the AuditConfig turn a row into an exempted one
(kept in the result with its note, never silently dropped).

Fail closed: with no violation found, a check is `error` if any artefact it reads could not be
parsed, `unknown` if an artefact it requires was missing (a missing hive is never a pass) or if
an undated row cannot be placed under one law, and `pass` only when everything it needs was read.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any
from urllib.parse import urlsplit

from bmnn.rules.model import CONFIDENCE_VI, weakest

from .analysers import ANALYSERS
from .config import EMPTY, ROLES, AuditConfig, normalise_mac, parse_ip
from .context import HIVE_PATHS
from .devid import identity_key
from .model import RESULTS, RESULTS_VI, Evidence, Observation, Problem, Timestamp
from .rulebook import Basis, Check, Rulebook
from .times import is_event

# Which analysers read which hive: a "registry" problem (hive missing or broken, reported once by
# AuditContext.hive) concerns the checks that read what these analysers extract.
HIVE_READERS: dict[str, tuple[str, ...]] = {
    "SYSTEM": ("win_identity", "usb", "devices", "win_network"),
    "SOFTWARE": ("win_identity", "usb", "devices", "win_network", "win_software", "win_posture"),
    "SAM": ("win_identity",),
    "SECURITY": (),
    "NTUSER": ("usb", "devices", "win_software"),
}
# Which observation kinds each event-log channel gives win_events: an "eventlog" problem (a
# channel missing or broken, reported by eventlog.iter_channel) concerns the checks reading them.
CHANNEL_KINDS: dict[str, tuple[str, ...]] = {
    "microsoft-windows-partition%4diagnostic": ("usb_event", "volume"),
    "microsoft-windows-kernel-pnp%4configuration": ("usb_event",),
    "system": ("usb_event", "log_cleared"),
    "microsoft-windows-wlan-autoconfig%4operational": ("network_event",),
    "microsoft-windows-ncsi%4operational": ("internet_reachable",),
    "microsoft-windows-universaltelemetryclient%4operational": ("internet_reachable",),
    "security": ("log_cleared", "logon"),
}
_LOCAL_HOSTS = ("localhost", "localhost.localdomain", "ip6-localhost")


# -- what results hold ----------------------------------------------------------------------------
@dataclass(frozen=True)
class CitedBasis:
    """A basis as cited in a result: rendered citation, wording and how sure it is."""

    citation: str  # "Luật 29/2018/QH14, Điều 5, khoản 5" or the agency's clause reference
    quote: str
    confidence: str
    text: str | None = None
    effective_from: date | None = None
    effective_to: date | None = None
    agency: bool = False
    note: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "citation": self.citation,
            "quote": self.quote,
            "confidence": self.confidence,
            "confidence_vi": CONFIDENCE_VI.get(self.confidence, self.confidence),
            "text": self.text,
            "effective_from": self.effective_from.isoformat() if self.effective_from else None,
            "effective_to": self.effective_to.isoformat() if self.effective_to else None,
            "agency": self.agency,
            "note": self.note,
        }


@dataclass(frozen=True)
class Finding:
    """One evidence row of a result: an observation at one of its event times."""

    identity: str
    kind: str
    analyser: str
    time: Timestamp | None
    basis: tuple[CitedBasis, ...]
    facts: Mapping[str, Any]
    evidence: tuple[Evidence, ...]
    note: str = ""

    def as_dict(self) -> dict[str, Any]:
        obs = Observation(self.kind, self.identity, self.analyser, self.facts)
        return {
            "identity": self.identity,
            "kind": self.kind,
            "analyser": self.analyser,
            "time": self.time.as_dict() if self.time else None,
            "basis": [b.as_dict() for b in self.basis],
            "facts": obs.as_dict()["facts"],
            "evidence": [e.as_dict() for e in self.evidence],
            "note": self.note,
        }


@dataclass(frozen=True)
class Result:
    check_id: str
    family: str
    title: str
    severity: str
    result: str  # one of RESULTS
    reason: str  # Vietnamese, one sentence
    description: str = ""
    rationale: str = ""
    remediation: str = ""
    findings: tuple[Finding, ...] = ()  # fail rows
    exempted: tuple[Finding, ...] = ()  # rows an allow-list exempted (pass with a note)
    notes: tuple[str, ...] = ()
    basis: tuple[CitedBasis, ...] = ()  # what the check cites on the audit date
    confidence: str = "confirmed"  # the weakest tag of what the result cites
    rulebook_version: str = ""
    tool_version: str = ""

    @property
    def result_vi(self) -> str:
        return RESULTS_VI[self.result]

    def as_dict(self) -> dict[str, Any]:
        return {
            "check_id": self.check_id,
            "family": self.family,
            "title": self.title,
            "severity": self.severity,
            "result": self.result,
            "result_vi": self.result_vi,
            "reason": self.reason,
            "description": self.description,
            "rationale": self.rationale,
            "remediation": self.remediation,
            "findings": [f.as_dict() for f in self.findings],
            "exempted": [f.as_dict() for f in self.exempted],
            "notes": list(self.notes),
            "basis": [b.as_dict() for b in self.basis],
            "confidence": self.confidence,
            "confidence_vi": CONFIDENCE_VI.get(self.confidence, self.confidence),
            "rulebook_version": self.rulebook_version,
            "tool_version": self.tool_version,
        }


# -- allow-lists ------------------------------------------------------------------------------
Exemption = Callable[[Observation, AuditConfig], "str | None"]
_NEVER_LAN_TYPES = {"mobile", "vpn"}
_NEVER_LAN_CONNECTIONS = {"gsm", "cdma", "wwan", "mobile", "vpn", "wireguard", "bluetooth"}


def _text(facts: Mapping[str, Any], *names: str) -> list[str]:
    return [str(facts[n]) for n in names if facts.get(n) not in (None, "")]


def _values(facts: Mapping[str, Any], *names: str) -> list[str]:
    """Every non-empty value of the named facts, each a string or a list of strings."""
    out: list[str] = []
    for n in names:
        raw = facts.get(n)
        for v in raw if isinstance(raw, list | tuple) else [raw]:
            if v not in (None, "") and str(v) not in out:
                out.append(str(v))
    return out


def _addresses(facts: Mapping[str, Any]) -> list[str]:
    # Windows adapters write 0.0.0.0 for "no DHCP address": not an address at all.
    found = _values(facts, "addresses", "address", "lease_address", "dhcp_ip_address")
    return [a for a in found if parse_ip(a) is None or not parse_ip(a).is_unspecified]


def _gateways(facts: Mapping[str, Any]) -> list[str]:
    found = _values(facts, "gateway", "dhcp_default_gateway", "default_gateway")
    return [g for g in found if parse_ip(g) is not None and not parse_ip(g).is_unspecified]


def _is_local(value: str) -> bool:
    ip = parse_ip(value)
    return ip is not None and (ip.is_loopback or ip.is_link_local)


def approved_lan(obs: Observation, cfg: AuditConfig) -> str | None:
    """A network, session or current link confined to the agency's approved independent LAN.
    A mobile (telecom) network or a VPN is never one, whatever its gateway."""
    f = obs.facts
    if (
        str(f.get("name_type", "")).lower() in _NEVER_LAN_TYPES
        or str(f.get("connection_type", "")).lower() in _NEVER_LAN_CONNECTIONS
    ):
        return None
    if not cfg.lan_subnets and not cfg.lan_gateway_macs:
        return None
    gw_macs = _values(f, "gateway_mac", "gateway_macs")
    gws = _gateways(f)
    lan = cfg.lan_name or "mạng LAN độc lập đã phê duyệt"
    if obs.kind == "connected_now":
        addrs = [a for a in _addresses(f) if not _is_local(a)]
        outside = [a for a in addrs if not cfg.in_lan(a)]
        if outside:
            return None
        gw_ok = any(cfg.in_lan(g) for g in gws) or any(cfg.approved_gateway(m) for m in gw_macs)
        if f.get("default_route") and not gw_ok:
            return None
        if not addrs and not gw_ok:
            return None
        shown = ", ".join(addrs or gws or gw_macs)
        return f"Giao diện chỉ có địa chỉ trong {lan} ({shown})."
    # Every gateway MAC the profile names must be approved: one unknown router is enough.
    if gw_macs and all(cfg.approved_gateway(m) for m in gw_macs):
        return f"Cổng mạng {', '.join(normalise_mac(m) or m for m in gw_macs)} thuộc {lan}."
    if gws and all(cfg.in_lan(g) for g in gws) and not gw_macs:
        return f"Cổng mạng {', '.join(gws)} nằm trong {lan}."
    addrs = [a for a in _addresses(f) if not _is_local(a)]
    if addrs and all(cfg.in_lan(a) for a in addrs) and not gw_macs and not gws:
        return f"Địa chỉ {', '.join(addrs)} nằm trong {lan}."
    host = str(f.get("remote_host") or "")
    if host and cfg.in_lan(host):
        return f"Máy đăng nhập {host} nằm trong {lan}."
    return None


def _host_of(facts: Mapping[str, Any]) -> str:
    host = str(facts.get("host") or "")
    if not host and facts.get("url"):
        try:
            host = urlsplit(str(facts["url"])).hostname or ""
        except ValueError:
            host = ""
    return host.lower().strip("[]")


def intranet_host(obs: Observation, cfg: AuditConfig) -> str | None:
    host = _host_of(obs.facts)
    if not host:
        return None
    key = ("intranet_host", host)
    if key not in cfg.memo:
        cfg.memo[key] = _intranet_reason(host, cfg)
    return cfg.memo[key]


def _intranet_reason(host: str, cfg: AuditConfig) -> str | None:
    ip = parse_ip(host)
    if host in _LOCAL_HOSTS or host.endswith(".localhost") or (ip is not None and ip.is_loopback):
        return f"Địa chỉ {host} là chính máy này, không phải kết nối mạng."
    if cfg.intranet(host):
        return f"Máy chủ {host} thuộc mạng nội bộ của cơ quan (intranet_hosts)."
    return None


def approved_usb(obs: Observation, cfg: AuditConfig) -> str | None:
    f = obs.facts
    serial = str(f.get("serial") or "")
    if not serial or f.get("serial_synthesised"):
        return None  # a serial Windows made up identifies no device: it cannot be approved
    hit = cfg.usb_approval(serial, str(f.get("vid") or ""), str(f.get("pid") or ""))
    if hit is None:
        return None
    what = f" ({hit.description})" if hit.description else ""
    return f"Thiết bị có số sê-ri {hit.serial} đã được cơ quan cấp phép{what}."


def allowed_printer(obs: Observation, cfg: AuditConfig) -> str | None:
    f = obs.facts
    names = _text(f, "friendly_name", "product", "name", "description", "vendor")
    hit = cfg.printer_allowed(str(f.get("vid") or ""), str(f.get("pid") or ""), names)
    if hit is None:
        return None
    what = hit.description or hit.name or f"{hit.vid}/{hit.pid}"
    return f"Máy in trong danh sách được phép của cơ quan ({what})."


def approved_cipher(obs: Observation, cfg: AuditConfig) -> str | None:
    hit = cfg.cipher_approved(_text(obs.facts, "product", "name", "display_name"))
    return f"Phần mềm mật mã đã được phê duyệt ({hit})." if hit else None


def allowed_software(obs: Observation, cfg: AuditConfig) -> str | None:
    hit = cfg.software_allowed(_text(obs.facts, "product", "name", "display_name"))
    return f"Phần mềm được cơ quan cho phép ({hit})." if hit else None


ALLOW_LISTS: dict[str, Exemption] = {
    "approved_lan": approved_lan,
    "intranet_host": intranet_host,
    "approved_usb": approved_usb,
    "allowed_printer": allowed_printer,
    "approved_cipher": approved_cipher,
    "allowed_software": allowed_software,
}


# -- citing -----------------------------------------------------------------------------------
def _texts() -> Mapping[str, Any]:
    from bmnn.rules import load_rulebook

    return load_rulebook(strict=False).texts


def cite(b: Basis, check: Check, cfg: AuditConfig) -> CitedBasis:
    """A basis as the report shows it; an agency basis takes the agency's declared clause."""
    if b.agency:
        clause = cfg.clause(check.id, check.family)
        if clause is not None:
            note = clause.note or "Điều khoản do cơ quan khai báo trong tệp cấu hình."
            return CitedBasis(
                clause.ref, clause.quote or b.quote, clause.confidence, None, None, None, True, note
            )
        return CitedBasis(
            "Quy chế, nội quy của cơ quan (chưa khai báo điều khoản)",
            b.quote,
            b.confidence,
            None,
            None,
            None,
            True,
            b.note,
        )
    citation = b.citation
    rendered = citation.render(_texts()) if citation else ""
    return CitedBasis(
        rendered, b.quote, b.confidence, b.text, b.effective_from, b.effective_to, False, b.note
    )


def law_on(check: Check, on: date) -> tuple[Basis | None, str]:
    """The legal version in force on `on`, or an earlier-event version whose wording covers
    earlier connections (`history`); with a note when one had to be reached for."""
    laws = check.laws_by_date
    for b in laws:
        if b.in_force(on):
            return b, ""
    if laws and laws[0].effective_from and on < laws[0].effective_from and laws[0].history:
        first = laws[0]
        return first, (
            f"Sự kiện ngày {on:%d/%m/%Y} trước ngày {first.effective_from:%d/%m/%Y}; "
            f"văn bản cấm cả máy đã kết nối trước đó."
        )
    return None, ""


# -- evaluation ---------------------------------------------------------------------------------
@dataclass
class _Rows:
    fails: list[Finding] = field(default_factory=list)
    exempted: list[Finding] = field(default_factory=list)
    undetermined: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def evaluate(
    rulebook: Rulebook,
    observations: Sequence[Observation],
    problems: Sequence[Problem],
    *,
    platform: str,
    config: AuditConfig | None = None,
    host: str | None = None,
    now: datetime | None = None,
    tool_version: str = "",
) -> list[Result]:
    """One Result per check of the rulebook, in rulebook order."""
    cfg = config or EMPTY
    now = (now or datetime.now(UTC)).astimezone(UTC)
    by_kind: dict[str, list[Observation]] = {}
    for o in observations:
        by_kind.setdefault(o.kind, []).append(o)
    return [
        _evaluate_check(
            c, by_kind, problems, platform, cfg, host, now, rulebook.version, tool_version
        )
        for c in rulebook.checks
    ]


def _evaluate_check(
    check: Check,
    by_kind: Mapping[str, list[Observation]],
    problems: Sequence[Problem],
    platform: str,
    cfg: AuditConfig,
    host: str | None,
    now: datetime,
    rb_version: str,
    tool_version: str,
) -> Result:
    def result(kind: str, reason: str, rows: _Rows | None = None, notes: Iterable[str] = ()):
        rows = rows or _Rows()
        cited = _cited_on(check, cfg, now.date())
        tags = [b.confidence for f in rows.fails for b in f.basis] or [b.confidence for b in cited]
        return Result(
            check.id,
            check.family,
            check.title,
            check.severity,
            kind,
            reason,
            check.description,
            check.rationale,
            check.remediation,
            tuple(rows.fails),
            tuple(rows.exempted),
            tuple(dict.fromkeys([*rows.notes, *notes])),
            cited,
            weakest(*tags) if tags else "unknown",
            rb_version,
            tool_version,
        )

    if platform not in ("windows", "linux"):
        return result(
            "unknown",
            "Không xác định được hệ điều hành của máy (không thấy hive SYSTEM hay tệp /etc): "
            "không đủ dữ liệu để kết luận.",
        )
    if not check.applies_to(platform):
        return result(
            "notapplicable",
            f"Quy tắc dành cho {check.platform}; máy được kiểm tra chạy {platform}.",
        )
    role = cfg.role_for(host)
    if role not in check.roles:
        return result("notapplicable", f"Máy được khai báo là {ROLES.get(role, role)}.")

    relevant, required = _analysers_for(check, platform)
    k = check.kinds
    errors = [p for p in problems if p.kind == "error" and _concerns(p, relevant, k)]
    missing = [p for p in problems if p.kind == "missing" and _concerns(p, required, k)]
    optional = [
        p
        for p in problems
        if p.kind == "missing" and p not in missing and _concerns(p, relevant - required, k)
    ]
    cond = check.condition
    # The facts with the identity added only for the checks that test it: a copy per
    # observation per check was a fifth of the evaluation of 250,000 browser visits.
    selected = [
        o
        for kind in cond.kinds
        for o in by_kind.get(kind, ())
        if cond.selects(
            o.kind, {**o.facts, "identity": o.identity} if cond.reads_identity else o.facts
        )
    ]
    rows = _Rows()
    cites = functools.cache(lambda b: cite(b, check, cfg))  # thousands of rows, few versions
    if check.condition.mode == "expect":
        good = [o for o in selected if _meets(check, o)]
        # "Any one setting locks it down": with a source unread, the one that does may be
        # exactly in it, so nothing found is not a violation (it is error/unknown below).
        undecided = check.condition.require == "any" and not good and (errors or missing)
        if not undecided and (check.condition.require == "all" or not good):
            for o in selected:
                if o not in good:
                    _judge(check, o, cfg, now, rows, cites)
        if not selected and not errors:
            return result(
                "unknown",
                "Không có dữ liệu về cấu hình cần kiểm tra: không đủ dữ liệu để kết luận.",
                notes=_problem_notes(missing + optional),
            )
        rows.notes += [f"{o.identity}: đạt yêu cầu ({_facts_text(o, check)})." for o in good]
    else:
        for o in selected:
            _judge(check, o, cfg, now, rows, cites)

    extra = _searched_notes(by_kind, relevant) + _problem_notes(
        optional, prefix="Thiếu nguồn không bắt buộc"
    )
    if rows.exempted:
        extra.append(f"{len(rows.exempted)} bằng chứng được miễn theo danh sách cho phép.")
    if rows.fails:
        n_ids = len({identity_key(f.identity) for f in rows.fails})
        reason = f"{len(rows.fails)} bằng chứng vi phạm ({n_ids} đối tượng)."
        err = _problem_notes(errors + missing, prefix="Chưa đọc được")
        return result("fail", reason, rows, [*extra, *err])
    if errors:
        return result(
            "error",
            "Không phân tích được nguồn dữ liệu quy tắc cần đọc; không thể kết luận là đạt.",
            rows,
            [*_problem_notes(errors), *_problem_notes(missing), *extra],
        )
    if missing:
        return result(
            "unknown",
            "Thiếu nguồn dữ liệu bắt buộc; không thể kết luận là đạt.",
            rows,
            [*_problem_notes(missing), *extra],
        )
    if rows.undetermined:
        return result(
            "unknown",
            "Có bằng chứng không rõ thời điểm mà kết luận khác nhau theo từng văn bản.",
            rows,
            [*rows.undetermined, *extra],
        )
    if rows.exempted:
        reason = "Chỉ có bằng chứng thuộc danh sách cho phép của cơ quan; không có vi phạm."
    else:
        reason = "Đã đọc các nguồn dữ liệu cần thiết; không thấy dấu hiệu vi phạm."
    return result("pass", reason, rows, extra)


def _cited_on(check: Check, cfg: AuditConfig, on: date) -> tuple[CitedBasis, ...]:
    law, _ = law_on(check, on)
    out = [cite(b, check, cfg) for b in (check.agency_basis, law) if b is not None]
    return tuple(out)


def _meets(check: Check, o: Observation) -> bool:
    facts = {**o.facts, "identity": o.identity}
    return any(c.matches(o.kind, facts) for c in check.condition.expect)


def _facts_text(o: Observation, check: Check) -> str:
    return ", ".join(f"{k}={o.facts[k]}" for k in check.facts if k in o.facts) or o.identity


def _analysers_for(check: Check, platform: str) -> tuple[set[str], set[str]]:
    """(analysers whose output the check reads, those it requires for a pass)."""
    required = set(check.required(platform))
    relevant = {
        a.name
        for a in ANALYSERS
        if a.platform in ("any", platform) and set(a.kinds) & set(check.kinds)
    }
    return relevant | required, required


def _hive_of(source: str) -> str | None:
    s = source.replace("\\", "/").lower()
    if s.endswith("/ntuser.dat"):
        return "NTUSER"
    return next((n for n, rel in HIVE_PATHS.items() if s == rel.lower()), None)


def _channel_of(source: str) -> str:
    name = source.replace("\\", "/").rsplit("/", 1)[-1].lower()
    return name.rsplit(".", 1)[0] if name.endswith((".evtx", ".jsonl")) else name


def _concerns(p: Problem, analysers: set[str], kinds: Iterable[str] = ()) -> bool:
    if p.analyser in analysers:
        return True
    if p.analyser == "registry":
        hive = _hive_of(p.source)
        return hive is not None and bool(set(HIVE_READERS.get(hive, ())) & analysers)
    if p.analyser == "eventlog" and "win_events" in analysers:
        channel_kinds = CHANNEL_KINDS.get(_channel_of(p.source))
        return channel_kinds is None or bool(set(channel_kinds) & set(kinds))
    return False


def _searched_notes(by_kind: Mapping[str, list[Observation]], analysers: set[str]) -> list[str]:
    """What the check's analysers searched and found nothing in, or what they read (their
    `collection` observations): a pass on an empty search says where it looked."""
    return [
        str(o.facts["note"])
        for o in by_kind.get("collection", ())
        if o.analyser in analysers and o.facts.get("note")
    ]


def _problem_notes(problems: Iterable[Problem], prefix: str = "") -> list[str]:
    head = f"{prefix}: " if prefix else ""
    return list(dict.fromkeys(f"{head}{p.source or p.analyser} — {p.message}" for p in problems))


def _event_times(check: Check, o: Observation) -> list[Timestamp]:
    names = check.condition.times
    return [t for t in o.times if (is_event(t.name) if names is None else t.name in names)]


def _judge(
    check: Check,
    o: Observation,
    cfg: AuditConfig,
    now: datetime,
    rows: _Rows,
    cites: Callable[[Basis], CitedBasis],
) -> None:
    """Turn one selected observation into rows: fail, exempted, or undetermined."""
    agency = check.agency_basis
    agency_cited = (cites(agency),) if agency else ()
    times = _event_times(check, o)
    if not times and check.condition.undated == "audit_time":
        times = [Timestamp("audit_time", now, "UTC")]
    seen: set[tuple] = set()
    for t in times:
        key = (t.name, t.utc)
        if key in seen:
            continue
        seen.add(key)
        law, note = law_on(check, t.utc.date())
        if law is None and check.laws and agency is None:
            rows.notes.append(
                f"{o.identity}: sự kiện ngày {t.utc:%d/%m/%Y} trước khi có căn cứ trong bộ quy "
                f"tắc; không đánh giá."
            )
            continue
        exempt = _exempt(check, law, o, cfg)
        cited = agency_cited + ((cites(law),) if law else ())
        row = Finding(o.identity, o.kind, o.analyser, t, cited, o.facts, o.evidence, exempt or note)
        (rows.exempted if exempt else rows.fails).append(row)
    if times:
        return
    # No event time: the event may fall under any version of the law.
    laws = list(check.laws) or [None]
    outcomes = [_exempt(check, b, o, cfg) for b in laws]
    cited = agency_cited + tuple(cites(b) for b in laws if b is not None)
    undated = "Không rõ thời điểm sự kiện; áp dụng văn bản có hiệu lực vào ngày xảy ra thực tế."
    if all(x is None for x in outcomes):
        rows.fails.append(
            Finding(o.identity, o.kind, o.analyser, None, cited, o.facts, o.evidence, undated)
        )
    elif all(x is not None for x in outcomes):
        rows.exempted.append(
            Finding(
                o.identity,
                o.kind,
                o.analyser,
                None,
                cited,
                o.facts,
                o.evidence,
                next(x for x in outcomes if x),
            )
        )
    else:
        by = [
            f"{c.citation}: {'miễn — ' + x if x else 'vi phạm'}"
            for c, x in zip(cited[len(agency_cited) :], outcomes, strict=False)
        ]
        rows.undetermined.append(
            f"{o.identity}: không rõ thời điểm, kết luận khác nhau theo văn bản ({'; '.join(by)})."
            f" Cần xác minh thời điểm."
        )


def _exempt(check: Check, law: Basis | None, o: Observation, cfg: AuditConfig) -> str | None:
    names = list(check.condition.exempt) + (list(law.exempt) if law else [])
    for name in dict.fromkeys(names):
        note = ALLOW_LISTS[name](o, cfg)
        if note:
            return note
    return None


def counts(results: Iterable[Result]) -> dict[str, int]:
    out = dict.fromkeys(RESULTS, 0)
    for r in results:
        out[r.result] += 1
    return out


__all__ = [
    "ALLOW_LISTS",
    "HIVE_READERS",
    "CitedBasis",
    "Finding",
    "Result",
    "cite",
    "counts",
    "evaluate",
    "law_on",
]
