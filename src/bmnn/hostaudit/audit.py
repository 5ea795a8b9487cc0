"""run_audit: one audit of one machine's artefacts, from root folder to judged results.

The same path for a live bundle, a folder of artefacts and a mounted image: build the
ArtefactRoot and AuditContext, run every analyser whose platform matches (an analyser that
fails to load or raises becomes an `error` problem for it, and the run goes on), derive the
cross-source wiping signals, evaluate the rulebook, and check the bundle's manifest when the
root is a bundle. The AuditReport holds everything the report and the correlation need.
"""

from __future__ import annotations

import contextlib
import gc
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from . import consistency
from .analysers import ANALYSERS
from .bundle import BundleError, manifest_digest, read_manifest, tool_version, verify_bundle
from .config import EMPTY, ROLES, AuditConfig
from .context import AuditContext
from .evaluate import Result, counts, evaluate
from .model import Observation, Problem
from .root import ArtefactRoot
from .rulebook import Rulebook, load_rulebook

# Identity facts, by the names the Windows and Linux analysers use, in order of preference.
_HOST_FACTS: dict[str, tuple[str, ...]] = {
    "name": ("computer_name", "hostname", "tcpip_hostname"),
    "machine_id": ("machine_guid", "machine_id"),
    "os": ("os_name", "os_product_name", "pretty_name"),
    "os_build": ("os_display_version", "os_build", "os_version"),
    "registered_owner": ("registered_owner",),
    "registered_organization": ("registered_organization",),
}


@dataclass
class AnalyserRun:
    name: str
    title: str
    status: str  # "ok", "error" (raised or could not load), "skipped" (other platform)
    observations: int = 0
    message: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "title": self.title,
            "status": self.status,
            "observations": self.observations,
            "message": self.message,
        }


@dataclass
class BundleCheck:
    """What verifying the evidence bundle found; `intact` is False on any difference."""

    manifest_sha256: str
    intact: bool
    problems: list[dict[str, str]] = field(default_factory=list)
    collected: Mapping[str, Any] = field(default_factory=dict)  # collection start/end, host...

    def as_dict(self) -> dict[str, Any]:
        return {
            "manifest_sha256": self.manifest_sha256,
            "intact": self.intact,
            "problems": list(self.problems),
            "collected": dict(self.collected),
        }


@dataclass
class AuditReport:
    root: str
    platform: str
    host: dict[str, Any]
    role: str
    observations: list[Observation]
    problems: list[Problem]
    results: list[Result]
    analysers: list[AnalyserRun]
    audit_time: datetime  # the date the findings are judged on, UTC
    started_at: datetime
    finished_at: datetime
    tool_version: str
    rulebook_version: str
    rulebook_title: str
    timezone: str  # the machine's zone label local times were converted from
    bundle: BundleCheck | None = None
    config: Mapping[str, Any] = field(default_factory=dict)

    @property
    def host_name(self) -> str:
        return str(self.host.get("name") or "")

    def counts(self) -> dict[str, int]:
        return counts(self.results)

    def result(self, check_id: str) -> Result:
        return next(r for r in self.results if r.check_id == check_id)

    def as_dict(self) -> dict[str, Any]:
        return {
            "format": "bmnn-host-audit/1",
            "root": self.root,
            "platform": self.platform,
            "host": self.host,
            "role": self.role,
            "role_vi": ROLES.get(self.role, self.role),
            "audit_time": _iso(self.audit_time),
            "started_at": _iso(self.started_at),
            "finished_at": _iso(self.finished_at),
            "tool_version": self.tool_version,
            "rulebook_version": self.rulebook_version,
            "rulebook_title": self.rulebook_title,
            "timezone": self.timezone,
            "bundle": self.bundle.as_dict() if self.bundle else None,
            "config": dict(self.config),
            "counts": self.counts(),
            "results": [r.as_dict() for r in self.results],
            "problems": [p.as_dict() for p in self.problems],
            "analysers": [a.as_dict() for a in self.analysers],
            "observations": [o.as_dict() for o in self.observations],
        }


def _iso(dt: datetime) -> str:
    return dt.astimezone(UTC).isoformat()


@contextlib.contextmanager
def _no_cyclic_gc() -> Iterator[None]:
    """Pause the cycle collector: an audit builds hundreds of thousands of small acyclic
    objects (observations, findings), which refcounting frees, and the collector's repeated
    passes over them were ~45% of a full offline audit (bench/hostaudit_offline.py)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def run_audit(
    root_path: str | os.PathLike[str],
    config: AuditConfig | str | os.PathLike[str] | None = None,
    *,
    now: datetime | None = None,
    rulebook: Rulebook | None = None,
) -> AuditReport:
    """Audit the artefacts under `root_path`. `config` is an AuditConfig or the path of the
    agency's YAML file; `now` is the audit date the report states (default: the clock)."""
    with _no_cyclic_gc():
        return _audit(root_path, config, now=now, rulebook=rulebook)


def _audit(
    root_path: str | os.PathLike[str],
    config: AuditConfig | str | os.PathLike[str] | None,
    *,
    now: datetime | None,
    rulebook: Rulebook | None,
) -> AuditReport:
    started = datetime.now(UTC)
    cfg = AuditConfig.load(config) if isinstance(config, str | Path) else (config or EMPTY)
    rb = rulebook or load_rulebook()
    root = ArtefactRoot(root_path)
    ctx = AuditContext(root)
    platform = ctx.platform
    observations, runs = _run_analysers(ctx, platform)
    try:
        derived = consistency.derive(ctx, observations)
        runs.append(AnalyserRun(consistency.NAME, "Đối chiếu giữa các nguồn", "ok", len(derived)))
    except Exception as exc:  # one broken comparison must not stop the audit
        derived = []
        msg = f"Lỗi khi đối chiếu giữa các nguồn: {type(exc).__name__}: {exc}"
        ctx.error(consistency.NAME, "", msg)
        runs.append(AnalyserRun(consistency.NAME, "Đối chiếu giữa các nguồn", "error", 0, msg))
    observations += derived
    tz_label = _tz_label(ctx)
    host = _host(observations, platform)
    bundle = _bundle_check(root, ctx)
    audit_time = (now or datetime.now(UTC)).astimezone(UTC)
    version = tool_version()
    results = evaluate(
        rb,
        observations,
        ctx.problems,
        platform=platform,
        config=cfg,
        host=host.get("name"),
        now=audit_time,
        tool_version=version,
    )
    return AuditReport(
        root=str(root.path),
        platform=platform,
        host=host,
        role=cfg.role_for(host.get("name")),
        observations=observations,
        problems=list(ctx.problems),
        results=results,
        analysers=runs,
        audit_time=audit_time,
        started_at=started,
        finished_at=datetime.now(UTC),
        tool_version=version,
        rulebook_version=rb.version,
        rulebook_title=str(rb.policy.get("title", "")),
        timezone=tz_label,
        bundle=bundle,
        config=cfg.summary(),
    )


def _run_analysers(ctx: AuditContext, platform: str) -> tuple[list[Observation], list]:
    observations: list[Observation] = []
    runs: list[AnalyserRun] = []
    for spec in ANALYSERS:
        if spec.platform not in ("any", platform):
            runs.append(AnalyserRun(spec.name, spec.title, "skipped"))
            continue
        found: list[Observation] = []
        try:
            fn = spec.load()
            for o in fn(ctx):
                if not isinstance(o, Observation):
                    raise TypeError(
                        f"bộ phân tích trả về {type(o).__name__}, không phải Observation"
                    )
                found.append(o)
        except Exception as exc:  # an analyser's bug is its own error, never the run's end
            msg = f"Bộ phân tích {spec.name} gặp lỗi: {type(exc).__name__}: {exc}"
            ctx.error(spec.name, "", msg)
            runs.append(AnalyserRun(spec.name, spec.title, "error", len(found), msg))
        else:
            runs.append(AnalyserRun(spec.name, spec.title, "ok", len(found)))
        observations += found  # what it found before failing is still true
    return observations, runs


def _tz_label(ctx: AuditContext) -> str:
    try:
        return ctx.local_tz()[1]
    except Exception as exc:  # a broken zone must not stop the audit; it is reported
        ctx.error("timezone", "", f"Không xác định được múi giờ của máy: {exc}")
        return "không xác định"


def _host(observations: list[Observation], platform: str) -> dict[str, Any]:
    facts: dict[str, Any] = {}
    for o in observations:
        if o.kind == "identity":
            for k, v in o.facts.items():
                facts.setdefault(k, v)
    host: dict[str, Any] = {"platform": platform}
    for key, names in _HOST_FACTS.items():
        value = next((facts[n] for n in names if facts.get(n) not in (None, "")), None)
        if value is not None:
            host[key] = value
    installed = next(
        (o.time("installed") for o in observations if o.kind == "identity" and o.time("installed")),
        None,
    )
    if installed is not None:
        host["install_date"] = installed.isoformat()
    users = sorted(
        {
            str(o.facts.get("user") or o.identity)
            for o in observations
            if o.kind == "user"
            and o.facts.get("account_type") != "system"
            and o.facts.get("can_login") is not False
        }
    )
    if users:
        host["users"] = users
    return host


def _bundle_check(root: ArtefactRoot, ctx: AuditContext) -> BundleCheck | None:
    if not root.is_bundle():
        return None
    problems = [p.as_dict() for p in verify_bundle(root.path)]
    collected: dict[str, Any] = {}
    digest = ""
    try:
        manifest = read_manifest(root.path)
        digest = manifest_digest(root.path)
        collected = {
            k: manifest[k]
            for k in ("host", "collector_user", "collection", "tool", "platform")
            if k in manifest
        }
    except BundleError as exc:
        problems.append(
            {"kind": "manifest_invalid", "path": "bmnn/manifest.json", "message": str(exc)}
        )
    for p in problems:  # loud: an altered bundle is listed with the other problems too
        ctx.error("bundle", p["path"], f"Gói chứng cứ không toàn vẹn: {p['message']}")
    return BundleCheck(digest, not problems, problems, collected)


__all__ = ["AnalyserRun", "AuditReport", "BundleCheck", "run_audit"]
