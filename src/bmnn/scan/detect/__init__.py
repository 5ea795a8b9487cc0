"""Detectors: blocks of text in, findings out, and the verdict of a file.

One prefilter pass (matcher.Matcher) over the whole document finds every mark literal and
catalogue phrase; the rules in marks.py and catalogue.py then look only at the hits.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bmnn.scan.detect.marks import (
    REPORT_FLOOR,
    SECRET_THRESHOLD,
    DocText,
    Hit,
    Key,
    evaluate,
    literals,
    quick_reject,
)
from bmnn.scan.matcher import Matcher
from bmnn.scan.model import Block, Finding, highest_level
from bmnn.scan.normalize import text_of

if TYPE_CHECKING:
    from bmnn.scan.detect.catalogue import Catalogue

__all__ = ["REPORT_FLOOR", "SECRET_THRESHOLD", "analyze", "analyze_texts", "verdict"]

_marks_only: tuple[Matcher, list] | None = None


def _compiled(catalogue: Catalogue | None) -> tuple[Matcher, list]:
    global _marks_only
    if catalogue is None:
        if _marks_only is None:
            _marks_only = _build([])
        return _marks_only
    if catalogue._compiled is None:
        catalogue._compiled = _build(catalogue.literals())
    return catalogue._compiled


def _build(phrases: list) -> tuple[Matcher, list]:
    # Catalogue phrases count anywhere; marks only on short lines (see matcher.py).
    marks = literals()
    matcher = Matcher((k for k, _ in phrases), (k for k, _ in marks))
    return matcher, [t for _, t in phrases] + [t for _, t in marks]


def analyze(blocks: list[Block], *, catalogue: Catalogue | None = None) -> list[Finding]:
    """Every mark and catalogue finding in a document's blocks, each with its score."""
    return analyze_texts(blocks, [text_of(b) for b in blocks], catalogue=catalogue)


def analyze_texts(
    blocks: list[Block], texts: list[str], *, catalogue: Catalogue | None = None
) -> list[Finding]:
    """`analyze` on texts already normalised (`normalize.text_of`), for callers that keep them."""
    if not blocks:
        return []
    doc = DocText(list(blocks), list(texts))
    matcher, tags = _compiled(catalogue)
    mark_hits, cat_hits = [], []
    starts = doc.starts
    for idx, start, end in matcher.find(doc.scan):
        b = doc.locate(start)
        local = start - starts[b]
        key = tags[idx]
        if isinstance(key, Key):
            if not quick_reject(doc, b, local, local + (end - start), key):
                mark_hits.append(Hit(key, b, local, local + (end - start)))
        else:
            cat_hits.append(Hit(key, b, local, local + (end - start)))
    findings = evaluate(doc, mark_hits)
    if catalogue is not None and cat_hits:
        findings += catalogue.evaluate(doc, cat_hits)
    return findings


def verdict(findings: list[Finding]) -> tuple[str, str | None, float]:
    """("secret" | "clean", highest level among secret findings, file score = max score)."""
    score = max((f.score for f in findings), default=0.0)
    secret = [f for f in findings if f.score >= SECRET_THRESHOLD]
    if not secret:
        return "clean", None, score
    return "secret", highest_level(f.level for f in secret), score
