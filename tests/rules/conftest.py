"""Fixtures for the rulebook tests: the shipped rulebook and the shared posts list."""

from pathlib import Path

import pytest

from bmnn.rules import load_rulebook

# shared/ sits beside the checkout (…/main/tests/rules/conftest.py → …/shared).
SHARED = (Path(__file__).parents[2] / ".." / "shared").resolve()


@pytest.fixture(scope="session")
def rb():
    return load_rulebook()


@pytest.fixture
def shared_posts():
    yaml = pytest.importorskip("yaml")
    path = SHARED / "domain" / "posts.yaml"
    if not path.is_file():
        pytest.skip(f"{path} is absent")
    return yaml.safe_load(path.read_text(encoding="utf-8"))["posts"]
