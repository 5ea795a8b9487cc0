"""The rulebook's vocabulary: codes, legal texts, posts, rule versions and the answers it gives.

Plain frozen dataclasses, no behaviour beyond small derived values, so every other module (and
the Django apps) can hold them safely.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from types import MappingProxyType

LEVELS: tuple[str, ...] = ("tuyet_mat", "toi_mat", "mat")  # highest first
ACTIONS: tuple[str, ...] = (
    "classify",
    "adjust",
    "extend",
    "declassify",
    "copy",
    "provide_domestic",
    "provide_foreign",
    "take_out_domestic",
    "take_out_abroad",
    "destroy",
)
# Strongest first. `baseline` = an old-text rule still applied because the new text is unknown.
CONFIDENCE: tuple[str, ...] = ("confirmed", "summary", "baseline", "draft", "unknown")
CONFIDENCE_VI: dict[str, str] = {
    "confirmed": "đã xác nhận",
    "summary": "theo tóm tắt",
    "baseline": "áp dụng văn bản cũ",
    "draft": "theo dự thảo",
    "unknown": "chưa xác minh",
}
RULE_KINDS: tuple[str, ...] = ("authority", "provision", "prohibited")
TIERS: tuple[str, ...] = ("central", "province", "district", "commune", "enterprise", "any")
PERIOD_KINDS: tuple[str, ...] = ("document", "activity", "place")
NOTICE_EVENTS: tuple[str, ...] = ("extend", "adjust", "declassify")


def _empty() -> Mapping:
    return MappingProxyType({})


class RuleError(ValueError):
    """Unknown action, level, post or bad input. The message is Vietnamese, for the user."""


def weakest(*tags: str) -> str:
    """The least certain of several confidence tags: a conclusion is only as sure as its parts."""
    return max(tags, key=CONFIDENCE.index)


def vi_date(d: date | None) -> str:
    return d.strftime("%d/%m/%Y") if d else "không thời hạn"


@dataclass(frozen=True)
class LegalText:
    code: str  # the official number, e.g. "117/2025/QH15"
    title: str
    effective_from: date
    effective_to: date | None
    name: str = ""  # how citations start, e.g. "Luật 117/2025/QH15"
    confidence: str = "confirmed"
    source: str = ""
    note: str = ""

    def in_force(self, on: date) -> bool:
        return self.effective_from <= on and (self.effective_to is None or on <= self.effective_to)


@dataclass(frozen=True)
class Citation:
    text: str  # a LegalText code
    article: int | None = None
    clause: int | None = None
    point: str | None = None
    amended_by: str | None = None  # a LegalText code that amended the cited article

    def render(self, texts: Mapping[str, LegalText]) -> str:
        known = texts.get(self.text)
        head = known.name if known and known.name else self.text
        if self.amended_by:
            amender = texts.get(self.amended_by)
            head += f" (sửa đổi bởi {amender.name if amender else self.amended_by})"
        parts = [head]
        if self.article is None:
            parts.append("điều khoản chưa xác định")
        else:
            parts.append(f"Điều {self.article}")
            if self.clause is not None:
                parts.append(f"khoản {self.clause}")
            if self.point:
                parts.append(f"điểm {self.point}")
        return ", ".join(parts)


@dataclass(frozen=True)
class Level:
    code: str
    vi: str
    letter: str  # envelope letter A/B/C


@dataclass(frozen=True)
class Post:
    code: str
    vi: str
    tier: str
    valid_from: date | None = None
    valid_to: date | None = None
    deputy: bool = False  # may act for a head under a written delegation
    delegated_only: bool = False  # holds authority only through someone else's delegation
    note: str = ""

    def exists_on(self, on: date) -> bool:
        return (self.valid_from is None or self.valid_from <= on) and (
            self.valid_to is None or on <= self.valid_to
        )


@dataclass(frozen=True)
class Holder:
    """One entry of a rule version's list of who holds the authority.

    Exactly one of `posts`, `group`, `same_as` says who; `citation` is the version's citation
    with this entry's article/clause/point applied; `same_as` = (action, level or None for
    "the level asked") mirrors the law's own "the persons in clause 1" cross-references.
    """

    citation: Citation
    posts: tuple[str, ...] = ()
    group: str | None = None
    same_as: tuple[str, str | None] | None = None
    confidence: str | None = None  # None: the version's own tag
    note: str = ""


@dataclass(frozen=True)
class DelegationRule:
    """That the authority may be delegated in writing to a deputy, and on which terms."""

    citation: Citation | None
    confidence: str
    # The delegator must also hold (action, level); the third item says who that is, in words.
    requires: tuple[str, str, str] | None = None
    # What forbids passing the authority on again, where it is not the delegation citation.
    subdelegation_citation: Citation | None = None
    subdelegation_confidence: str | None = None
    note: str = ""


@dataclass(frozen=True)
class RuleVersion:
    id: str
    rule: str
    kind: str
    title: str
    effective_from: date
    effective_to: date | None
    citation: Citation | None
    confidence: str
    action: str | None = None
    levels: tuple[str, ...] = LEVELS
    holders: tuple[Holder, ...] = ()
    delegation: DelegationRule | None = None
    # Read-only mappings; left out of equality/hash, which they would make fail.
    value: Mapping = field(default_factory=_empty, compare=False)
    earlier: Mapping = field(default_factory=_empty, compare=False)  # see `period.base` data
    note: str = ""
    source: str = "bmnn"  # "bmnn" for the shipped data, else the override file's name

    def in_force(self, on: date) -> bool:
        return self.effective_from <= on and (self.effective_to is None or on <= self.effective_to)


@dataclass(frozen=True)
class Delegation:
    """A written delegation record, as the people app holds it."""

    delegator_post: str
    actions: frozenset[str] | None = None  # None = all delegable actions
    levels: frozenset[str] | None = None  # None = all levels
    valid_from: date | None = None
    valid_to: date | None = None
    delegator_is_delegate: bool = False  # True when the delegator itself acts under a delegation


@dataclass(frozen=True)
class Decision:
    allowed: bool
    citation: str
    confidence: str
    reason: str
    rule_id: str

    def as_dict(self) -> dict:
        return {
            "allowed": self.allowed,
            "citation": self.citation,
            "confidence": self.confidence,
            "reason": self.reason,
            "rule_id": self.rule_id,
        }


@dataclass(frozen=True)
class Holding:
    """One row of `explain`: a post that holds an authority on a date, and why."""

    post: str
    vi: str
    citation: str
    confidence: str
    delegable: bool
    rule_id: str
    note: str = ""

    def as_dict(self) -> dict:
        return {
            "post": self.post,
            "vi": self.vi,
            "citation": self.citation,
            "confidence": self.confidence,
            "delegable": self.delegable,
            "rule_id": self.rule_id,
            "note": self.note,
        }


@dataclass(frozen=True)
class Period:
    expires_on: date | None  # last day protected; None = no fixed end (places)
    extension_decision_by: date | None  # latest day to decide an extension
    citation: str
    confidence: str = "confirmed"
    extension_citation: str = ""
    years: int | None = None

    def as_dict(self) -> dict:
        return {
            "expires_on": self.expires_on.isoformat() if self.expires_on else None,
            "extension_decision_by": (
                self.extension_decision_by.isoformat() if self.extension_decision_by else None
            ),
            "years": self.years,
            "citation": self.citation,
            "extension_citation": self.extension_citation,
            "confidence": self.confidence,
        }
