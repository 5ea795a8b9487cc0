"""Helpers for the detection-core tests (marks, catalogue): short blocks and one call that
returns the verdict with the findings."""

from __future__ import annotations

from bmnn.scan.detect import analyze, verdict
from bmnn.scan.model import Block, Finding


def blk(text: str, where: str = "đoạn 1", **layout) -> Block:
    return Block(text=text, location=where, **layout)


def scan(*blocks: Block, catalogue=None) -> tuple[str, str | None, float, list[Finding]]:
    findings = analyze(list(blocks), catalogue=catalogue)
    v, level, score = verdict(findings)
    return v, level, score, findings


def secret_rules(findings: list[Finding], threshold: float = 0.5) -> set[str]:
    return {f.rule for f in findings if f.score >= threshold}
