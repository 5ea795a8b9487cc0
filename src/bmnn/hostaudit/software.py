"""Classification of installed programs: remote access, chat and sync, VPN, cleaners, browsers,
encryption. The name patterns are data (data/software.yaml); this module only loads, checks and
applies them, so adding a product is a data change with a test.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

import yaml

_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when present: much faster
CATEGORIES: tuple[str, ...] = ("remote_access", "chat_sync", "vpn", "cleaner", "browser", "cipher")


@dataclass(frozen=True)
class SoftwareClass:
    category: str  # one of CATEGORIES
    product: str  # canonical product name, e.g. "TeamViewer"


@dataclass(frozen=True)
class _Product:
    cls: SoftwareClass
    names: tuple[re.Pattern[str], ...]
    publishers: tuple[re.Pattern[str], ...]


def normalise(text: str) -> str:
    """Lower case with runs of white space (and underscores) made one space."""
    text = unicodedata.normalize("NFC", text)
    return " ".join(text.replace("_", " ").lower().split())


def _patterns(entry: dict[str, Any], field: str, where: str) -> tuple[re.Pattern[str], ...]:
    raw = entry.get(field) or []
    if not isinstance(raw, list) or not all(isinstance(p, str) and p for p in raw):
        raise ValueError(f"software.yaml, {where}: '{field}' phải là danh sách biểu thức.")
    try:
        return tuple(re.compile(p, re.IGNORECASE) for p in raw)
    except re.error as exc:
        raise ValueError(f"software.yaml, {where}: biểu thức sai trong '{field}': {exc}") from exc


def parse_catalogue(data: Any) -> tuple[dict[str, str], tuple[_Product, ...]]:
    """Check and compile the YAML catalogue; a data error raises ValueError (Vietnamese)."""
    if not isinstance(data, dict) or not isinstance(data.get("products"), list):
        raise ValueError("software.yaml phải có 'categories' và danh sách 'products'.")
    categories = data.get("categories") or {}
    if set(categories) != set(CATEGORIES):
        raise ValueError(f"software.yaml: 'categories' phải đúng là {', '.join(CATEGORIES)}.")
    products = []
    seen: set[str] = set()
    for i, entry in enumerate(data["products"], 1):
        where = f"sản phẩm thứ {i}"
        if not isinstance(entry, dict) or not isinstance(entry.get("product"), str):
            raise ValueError(f"software.yaml, {where}: thiếu 'product'.")
        where = f"sản phẩm '{entry['product']}'"
        if entry.get("category") not in CATEGORIES:
            raise ValueError(f"software.yaml, {where}: loại '{entry.get('category')}' không có.")
        if entry["product"] in seen:
            raise ValueError(f"software.yaml, {where}: khai báo hai lần.")
        seen.add(entry["product"])
        names = _patterns(entry, "names", where)
        if not names:
            raise ValueError(f"software.yaml, {where}: cần ít nhất một mẫu tên.")
        products.append(
            _Product(
                SoftwareClass(entry["category"], entry["product"]),
                names,
                _patterns(entry, "publishers", where),
            )
        )
    return dict(categories), tuple(products)


@lru_cache(maxsize=1)
def catalogue() -> tuple[dict[str, str], tuple[_Product, ...]]:
    text = (resources.files("bmnn.hostaudit") / "data" / "software.yaml").read_text("utf-8")
    return parse_catalogue(yaml.load(text, Loader=_LOADER))  # noqa: S506 - a safe loader


@lru_cache(maxsize=1)
def _prefilter() -> tuple[re.Pattern[str], re.Pattern[str]]:
    """Every name pattern (and every publisher pattern) in one expression: most programs match
    none, and one search tells so instead of one search per pattern."""
    products = catalogue()[1]
    names = [rx.pattern for p in products for rx in p.names]
    publishers = [rx.pattern for p in products for rx in p.publishers] or ["(?!)"]
    return (
        re.compile("|".join(f"(?:{x})" for x in names), re.IGNORECASE),
        re.compile("|".join(f"(?:{x})" for x in publishers), re.IGNORECASE),
    )


def category_title(category: str) -> str:
    """The Vietnamese title of a category, for reports."""
    return catalogue()[0].get(category, category)


def classify(name: str, publisher: str = "") -> SoftwareClass | None:
    """The class of a program from its display or package name (and publisher), or None for an
    ordinary program. The first product of the catalogue that matches wins."""
    return _classify(normalise(name or ""), normalise(publisher or ""))


@lru_cache(maxsize=4096)
def _classify(n: str, p: str) -> SoftwareClass | None:
    any_name, any_publisher = _prefilter()
    if not (n and any_name.search(n)) and not (p and any_publisher.search(p)):
        return None
    for product in catalogue()[1]:
        if n and any(rx.search(n) for rx in product.names):
            return product.cls
        if p and any(rx.search(p) for rx in product.publishers):
            return product.cls
    return None
