"""Readers for YAML data written by people (the agency's file, the rulebook): each reader checks
one shape and, when it is wrong, adds a Vietnamese problem line and returns an empty value, so
every problem of a file is listed at once instead of stopping at the first.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def as_mapping(value: Any, where: str, problems: list[str]) -> Mapping:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        problems.append(f"{where}: phải là bảng khóa: giá trị")
        return {}
    return value


def as_list(value: Any, where: str, problems: list[str]) -> list:
    if value is None:
        return []
    if not isinstance(value, list):
        problems.append(f"{where}: phải là danh sách")
        return []
    return value


def unknown_keys(item: Mapping, allowed: set[str], where: str, problems: list[str]) -> None:
    for key in sorted(set(item) - allowed):
        problems.append(f"{where}: khóa không được hỗ trợ {key!r}")


__all__ = ["as_list", "as_mapping", "unknown_keys"]
