"""Shared test fixtures. The throw-away data dir is set up by bmnn._pytest_env (see pyproject)."""

from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
# ../shared beside the checkout holds the design notes and the posts list the rulebook must accept.
SHARED = REPO.parent / "shared"
