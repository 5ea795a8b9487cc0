"""Template helpers of the web shell: who is logged in, confidence badges, durations."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django import template
from django.core.exceptions import ObjectDoesNotExist
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe

from bmnn.rules import CONFIDENCE_VI, load_rulebook

register = template.Library()


@dataclass(frozen=True)
class Confidence:
    code: str
    css: str
    explanation: str

    @property
    def label(self) -> str:
        name = CONFIDENCE_VI[self.code]  # the rulebook's own name for the tag
        return name[:1].upper() + name[1:]


# The rulebook's confidence tags, strongest first: where each rule comes from.
CONFIDENCE_TAGS = (
    Confidence(
        "confirmed",
        "text-bg-success",
        "Lấy từ nguyên văn điều, khoản của văn bản, hoặc từ nguồn trích dẫn sát nguyên văn.",
    ),
    Confidence(
        "summary",
        "text-bg-info",
        "Quy định mới chỉ biết qua bài tóm tắt, tin báo, trang phổ biến pháp luật; câu chữ và "
        "phạm vi có thể chưa chính xác. Cần đối chiếu khi có nguyên văn.",
    ),
    Confidence(
        "baseline",
        "text-bg-secondary",
        "Quy định của Luật 29/2018/QH14, Nghị định 26/2020/NĐ-CP hoặc Thông tư 24/2020/TT-BCA "
        "(đã đọc đầy đủ), tạm áp dụng vì chưa biết văn bản mới quy định khác; cần đối chiếu "
        "với văn bản mới.",
    ),
    Confidence(
        "draft",
        "text-bg-warning",
        "Lấy từ dự thảo văn bản được báo chí đưa tin; nội dung có thể đã thay đổi trước khi "
        "ký ban hành.",
    ),
    Confidence(
        "unknown",
        "text-bg-danger",
        "Chưa được xác nhận, là suy luận hoặc chưa rõ nguồn; phải kiểm chứng trước khi dựa vào.",
    ),
)
CONFIDENCE = {tag.code: tag for tag in CONFIDENCE_TAGS}


@dataclass(frozen=True)
class Identity:
    name: str
    post: str
    unit: str
    clearance: str


@register.simple_tag
def identity(user) -> Identity:
    """Name, post, unit and clearance for the navbar; a superuser may have no staff record."""
    try:
        staff = user.staff
    except (AttributeError, ObjectDoesNotExist):
        staff = None
    if staff is None:
        return Identity(
            name=user.get_full_name() or user.get_username(),
            post="Quản trị hệ thống" if user.is_superuser else "Chưa gắn hồ sơ cán bộ",
            unit="",
            clearance="chưa xác định",
        )
    return Identity(
        name=staff.full_name,
        post=staff.position or post_name(staff.post_code),
        unit=str(staff.org_unit),
        clearance=staff.get_clearance_display() or "không",
    )


def post_name(code: str) -> str:
    post = load_rulebook().posts.get(code)
    return post.vi if post is not None else code


@register.simple_tag
def confidence_badge(code: str) -> str:
    # A tag this page does not know is shown as unverified: never greener than it may be.
    tag = CONFIDENCE.get(code, CONFIDENCE["unknown"])
    return format_html(
        '<span class="badge {}" title="{}">{}</span>', tag.css, tag.explanation, tag.label
    )


@register.inclusion_tag("web/_confidence_legend.html")
def confidence_legend() -> dict:
    return {"tags": CONFIDENCE_TAGS}


@register.filter
def breakable(code: str) -> SafeString:
    """A long code (rule id) that may wrap after its dots and slashes, and nowhere else."""
    text = escape(code).replace(".", ".<wbr>").replace("/", "/<wbr>")
    return mark_safe(text)  # noqa: S308 -- escaped above; only <wbr> is added


@register.filter
def minutes_vi(value: dt.timedelta) -> str:
    """A cool-off period as Vietnamese words, e.g. "30 phút" or "1 giờ 30 phút"."""
    minutes = max(1, round(value.total_seconds() / 60))
    hours, minutes = divmod(minutes, 60)
    parts = [f"{hours} giờ"] if hours else []
    if minutes:
        parts.append(f"{minutes} phút")
    return " ".join(parts)
