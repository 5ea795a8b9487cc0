"""Errors shared by every app's services."""

from __future__ import annotations


class Refused(Exception):
    """A service refused a state change. `message` is Vietnamese, for the user; `citation` names
    the rule (text, article, clause, point) that makes the refusal lawful, so the user can check it.
    """

    def __init__(self, message: str, citation: str = "") -> None:
        super().__init__(f"{message} ({citation})" if citation else message)
        self.message = message
        self.citation = citation
