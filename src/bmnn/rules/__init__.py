"""The rulebook: the law on state secrets as versioned YAML data plus a small pure engine.

No Django here. Other packages use only these names:

    rb = load_rulebook()
    rb.decide("copy", "toi_mat", "giam_doc_so", on=date(2026, 5, 1))  # -> Decision
"""

from bmnn.rules.engine import Rulebook
from bmnn.rules.loader import OVERRIDES_ENV, load_rulebook
from bmnn.rules.model import (
    ACTIONS,
    CONFIDENCE,
    CONFIDENCE_VI,
    LEVELS,
    Citation,
    Decision,
    Delegation,
    Holding,
    LegalText,
    Level,
    Period,
    Post,
    RuleError,
    RuleVersion,
)

__all__ = [
    "ACTIONS",
    "CONFIDENCE",
    "CONFIDENCE_VI",
    "LEVELS",
    "OVERRIDES_ENV",
    "Citation",
    "Decision",
    "Delegation",
    "Holding",
    "LegalText",
    "Level",
    "Period",
    "Post",
    "RuleError",
    "RuleVersion",
    "Rulebook",
    "load_rulebook",
]
