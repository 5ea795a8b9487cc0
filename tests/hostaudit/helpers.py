"""What the analyser tests share: run one analyser of the table over a real folder, pick its
observations by kind, and dump them as the JSON report writes them (to prove what never comes
out, e.g. a Wi-Fi key)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

from bmnn.hostaudit.analysers import by_name
from bmnn.hostaudit.context import AuditContext
from bmnn.hostaudit.model import Observation
from bmnn.hostaudit.root import ArtefactRoot


def write_file(path: Path, data: str | bytes) -> Path:
    """Write a fixture file (text as UTF-8), making its folders."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, str):
        path.write_text(data, encoding="utf-8")
    else:
        path.write_bytes(data)
    return path


def run(root: Path, name: str) -> tuple[list[Observation], AuditContext]:
    ctx = AuditContext(ArtefactRoot(root))
    return list(by_name(name).load()(ctx)), ctx


def of_kind(observations: list[Observation], kind: str) -> list[Observation]:
    return [o for o in observations if o.kind == kind]


def dump(observations: list[Observation]) -> str:
    return json.dumps([o.as_dict() for o in observations], ensure_ascii=False)


def assert_analysers_keep_the_contract(ctx: AuditContext, names: Iterable[str]) -> None:
    """Each named analyser emits something, only of the kinds the table declares for it, each
    observation with hashed evidence and aware (UTC) times, and nothing it could not parse."""
    for name in names:
        spec = by_name(name)
        obs = list(spec.load()(ctx))
        assert obs, spec.name
        assert {o.kind for o in obs} <= set(spec.kinds), spec.name
        for o in obs:
            assert o.analyser == spec.name
            assert o.evidence and all(e.sha256 and e.source for e in o.evidence), o
            assert all(t.utc.tzinfo is not None for t in o.times), o
    assert all(p.kind != "error" for p in ctx.problems), ctx.problems
