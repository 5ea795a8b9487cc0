"""Template helpers of the registry pages: level badges, and the one place a summary is printed
(never for Tuyệt mật, whatever the row holds)."""

from __future__ import annotations

from django import template
from django.utils.html import format_html

from bmnn.people.models import LEVEL_NAMES

register = template.Library()


@register.simple_tag
def level_badge(level: str) -> str:
    return format_html(
        '<span class="badge bmnn-level bmnn-level-{}">{}</span>',
        level if level in LEVEL_NAMES else "unknown",
        LEVEL_NAMES.get(level, level),
    )


@register.filter
def summary_of(item) -> str:
    # The services never store a Tuyệt mật summary; the page repeats the law so that a bad row
    # (an import, a manual fix) still cannot reach a screen or a printed register.
    if getattr(item, "level", "") == "tuyet_mat":
        return ""
    return getattr(item, "summary", "") or ""


@register.filter
def two_digits(number) -> str:
    """Register numbers as the books print them: 01, 02, … 10, 11."""
    try:
        return f"{int(number):02d}"
    except (TypeError, ValueError):
        return ""
