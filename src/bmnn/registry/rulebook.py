"""The registry's questions to the rulebook, answered with the rule that answered them.

Two kinds of rule guard the registry: authority (who may copy, take out, destroy, … on that day,
from bmnn.people.selectors.authority, delegations included) and procedure (registers, envelopes,
councils, … from rules/data/procedures.yaml). Either way a refusal raises Refused carrying the
citation of the version in force on the day of the act.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from bmnn.people.models import Staff
from bmnn.people.selectors import authority
from bmnn.rules import Decision, load_rulebook
from bmnn.web.errors import Refused


@dataclass(frozen=True)
class RuleRef:
    rule_id: str
    citation: str
    confidence: str
    title: str

    def stamp(self) -> dict:
        """The fields of a RuleStamp row."""
        return {"citation": self.citation, "confidence": self.confidence, "rule_id": self.rule_id}


def rule(rule_id: str, on: dt.date) -> RuleRef:
    """The version of procedural rule `rule_id` in force on `on` (the nearest one outside every
    version, so that old and future dates still cite something)."""
    rb = load_rulebook()
    version = rb.provision_near(rule_id, on)
    return RuleRef(
        rule_id=version.id,
        citation=rb.cite(version.citation),
        confidence=version.confidence,
        title=version.title,
    )


def refuse(rule_id: str, on: dt.date, message: str) -> Refused:
    """A Refused naming the procedural rule; `raise refuse(...)`."""
    ref = rule(rule_id, on)
    return Refused(message, ref.citation)


def require(staff: Staff, action: str, level: str, on: dt.date) -> Decision:
    """The allowing decision of the rulebook for `staff`, else Refused with its citation."""
    decision = authority(staff, action, level, on)
    if not decision.allowed:
        raise Refused(decision.reason, decision.citation)
    return decision


def stamp(decision: Decision) -> dict:
    return {
        "citation": decision.citation,
        "confidence": decision.confidence,
        "rule_id": decision.rule_id,
    }
