"""Validation of rulebook data (`bmnn rules check`, and every strict load).

Each problem is one Vietnamese line naming the rule version at fault, so an agency editing an
override file can fix it without reading code.
"""

from __future__ import annotations

import itertools
from datetime import timedelta
from typing import TYPE_CHECKING

from bmnn.rules.model import (
    ACTIONS,
    CONFIDENCE,
    LEVELS,
    RULE_KINDS,
    TIERS,
    Citation,
    RuleVersion,
)

if TYPE_CHECKING:
    from bmnn.rules.engine import Rulebook

# Provisions the engine reads, with the value keys each must carry (None: no value needed).
REQUIRED_PROVISIONS: dict[str, tuple[str, ...]] = {
    "period.base": LEVELS,
    "period.activity": (),
    "period.place": (),
    "period.counting": ("missing_day",),
    "extension.deadline": ("days_before_expiry",),
    "extension.limit": (),
    "notice.extend": ("days",),
    "notice.adjust": ("days",),
    "notice.declassify": ("days",),
    "destroy.immediate": ("holder", "report"),
}
_MISSING_DAY = ("last_day_of_month", "next_day")
# A rule may cite no article only while its source is a draft or unknown.
_ARTICLE_OPTIONAL = ("draft", "unknown")


def problems(rb: Rulebook) -> list[str]:
    found = list(rb.load_problems)
    found += _texts(rb) + _vocabulary(rb) + _posts(rb)
    seen: set[str] = set()
    for v in rb.versions:
        where = f"quy tắc {v.rule!r}, phiên bản {v.id!r}"
        if not v.id:
            found.append(f"quy tắc {v.rule!r}: một phiên bản thiếu id")
        elif v.id in seen:
            found.append(f"{where}: id phiên bản bị trùng")
        seen.add(v.id)
        found += _version(rb, v, where)
    found += _overlaps(rb) + _coverage(rb) + _cycles(rb)
    return found


def _texts(rb: Rulebook) -> list[str]:
    out = []
    for t in rb.texts.values():
        if not t.title or not t.name:
            out.append(f"văn bản {t.code!r}: thiếu tên (name) hoặc tiêu đề (title)")
        if t.effective_to is not None and t.effective_to < t.effective_from:
            out.append(f"văn bản {t.code!r}: ngày hết hiệu lực trước ngày có hiệu lực")
        if t.confidence not in CONFIDENCE:
            out.append(f"văn bản {t.code!r}: nhãn độ tin cậy không hợp lệ {t.confidence!r}")
    return out


def _vocabulary(rb: Rulebook) -> list[str]:
    out = []
    if tuple(rb.levels) != LEVELS:
        out.append(f"độ mật phải đúng {LEVELS}, dữ liệu có {tuple(rb.levels)}")
    out += [
        f"độ mật {c!r}: thiếu tên hoặc ký hiệu bì"
        for c, lv in rb.levels.items()
        if not (lv.vi and lv.letter)
    ]
    for action in ACTIONS:
        if not rb.action_names.get(action):
            out.append(f"hành vi {action!r}: thiếu tên tiếng Việt")
    out += [f"hành vi không hợp lệ: {a!r}" for a in rb.action_names if a not in ACTIONS]
    return out


def _posts(rb: Rulebook) -> list[str]:
    out = []
    for p in rb.posts.values():
        if not p.vi:
            out.append(f"chức vụ {p.code!r}: thiếu tên tiếng Việt")
        if p.tier not in TIERS:
            out.append(f"chức vụ {p.code!r}: cấp không hợp lệ {p.tier!r}")
        if p.valid_from and p.valid_to and p.valid_to < p.valid_from:
            out.append(f"chức vụ {p.code!r}: ngày kết thúc trước ngày bắt đầu")
    for code, (vi, members) in rb.groups.items():
        if not vi or not members:
            out.append(f"nhóm chức vụ {code!r}: thiếu tên hoặc danh sách")
        out += [
            f"nhóm chức vụ {code!r}: chức vụ không tồn tại {m!r}"
            for m in members
            if m not in rb.posts
        ]
    return out


def _citation(
    rb: Rulebook, c: Citation | None, confidence: str, v: RuleVersion, where: str
) -> list[str]:
    if c is None or not c.text:
        return [f"{where}: chưa có căn cứ pháp lý (citation)"]
    text = rb.texts.get(c.text)
    if text is None:
        return [f"{where}: trích dẫn văn bản không có trong danh mục văn bản {c.text!r}"]
    out = []
    if c.amended_by and c.amended_by not in rb.texts:
        out.append(f"{where}: văn bản sửa đổi không có trong danh mục {c.amended_by!r}")
    if c.article is None and confidence not in _ARTICLE_OPTIONAL:
        out.append(f"{where}: thiếu số điều (chỉ được bỏ trống khi nhãn là draft/unknown)")
    # A rule applies a text only while that text is in force, except an old text carried
    # forward on purpose (`baseline`) or by an inference that says so (`unknown`).
    if confidence not in ("baseline", "unknown"):
        starts_late = v.effective_from < text.effective_from
        ends_late = text.effective_to is not None and (
            v.effective_to is None or v.effective_to > text.effective_to
        )
        if starts_late or ends_late:
            out.append(
                f"{where}: hiệu lực của quy tắc vượt ra ngoài hiệu lực của {c.text} "
                "(dùng nhãn baseline nếu cố ý áp dụng văn bản cũ)"
            )
    return out


def _version(rb: Rulebook, v: RuleVersion, where: str) -> list[str]:
    out = []
    if v.kind not in RULE_KINDS:
        out.append(f"{where}: loại quy tắc không hợp lệ {v.kind!r}")
    if v.confidence not in CONFIDENCE:
        out.append(
            f"{where}: nhãn độ tin cậy không hợp lệ {v.confidence!r} (dùng {', '.join(CONFIDENCE)})"
        )
    if v.effective_to is not None and v.effective_to < v.effective_from:
        out.append(f"{where}: ngày hết hiệu lực trước ngày có hiệu lực")
    out += _citation(rb, v.citation, v.confidence, v, where)
    if v.kind == "authority":
        out += _authority(rb, v, where)
    elif v.kind == "prohibited" and not v.value.get("vi"):
        out.append(f"{where}: thiếu nội dung hành vi bị nghiêm cấm (value.vi)")
    elif v.kind == "provision" and v.rule in REQUIRED_PROVISIONS:
        out += [
            f"{where}: thiếu giá trị {k!r}" for k in REQUIRED_PROVISIONS[v.rule] if k not in v.value
        ]
        if v.rule == "period.counting" and v.value.get("missing_day") not in _MISSING_DAY:
            out.append(f"{where}: missing_day phải là một trong {_MISSING_DAY}")
    if v.earlier:
        out += _citation(rb, v.earlier.get("citation"), "baseline", v, f"{where}, earlier")
    return out


def _authority(rb: Rulebook, v: RuleVersion, where: str) -> list[str]:
    out = []
    if v.action not in ACTIONS:
        out.append(f"{where}: hành vi không hợp lệ {v.action!r}")
    bad = [lv for lv in v.levels if lv not in LEVELS]
    if bad or not v.levels:
        out.append(f"{where}: độ mật không hợp lệ {bad or '(trống)'}")
    if not v.holders:
        out.append(f"{where}: không có người có thẩm quyền")
    for h in v.holders:
        hw = f"{where}, người có thẩm quyền"
        if sum(bool(x) for x in (h.posts, h.group, h.same_as)) != 1:
            out.append(f"{hw}: cần đúng một trong posts, group, same_as")
        out += [f"{hw}: chức vụ không tồn tại {p!r}" for p in h.posts if p not in rb.posts]
        if h.group and h.group not in rb.groups:
            out.append(f"{hw}: nhóm chức vụ không tồn tại {h.group!r}")
        if h.same_as and (h.same_as[0] not in ACTIONS or (h.same_as[1] or LEVELS[0]) not in LEVELS):
            out.append(f"{hw}: same_as không hợp lệ {h.same_as!r}")
        confidence = h.confidence or v.confidence
        if confidence not in CONFIDENCE:
            out.append(f"{hw}: nhãn độ tin cậy không hợp lệ {confidence!r}")
        if h.citation != v.citation:
            out += _citation(rb, h.citation, confidence, v, hw)
    d = v.delegation
    if d is not None:
        dw = f"{where}, ủy quyền"
        if d.confidence not in CONFIDENCE:
            out.append(f"{dw}: nhãn độ tin cậy không hợp lệ {d.confidence!r}")
        out += _citation(rb, d.citation, d.confidence, v, dw)
        if d.subdelegation_citation is not None:
            sub = d.subdelegation_confidence or d.confidence
            out += _citation(rb, d.subdelegation_citation, sub, v, f"{dw}, ủy quyền tiếp")
        if d.requires and (
            d.requires[0] not in ACTIONS or d.requires[1] not in LEVELS or not d.requires[2]
        ):
            out.append(f"{dw}: requires cần action, level và vi hợp lệ")
    return out


def _overlaps(rb: Rulebook) -> list[str]:
    out = []
    by_rule: dict[str, list[RuleVersion]] = {}
    for v in rb.versions:
        by_rule.setdefault(v.rule, []).append(v)
    for rule, versions in by_rule.items():
        versions = sorted(versions, key=lambda v: v.effective_from)
        for a, b in itertools.pairwise(versions):
            if a.effective_to is None or a.effective_to >= b.effective_from:
                out.append(f"quy tắc {rule!r}: phiên bản {a.id!r} và {b.id!r} chồng lấn thời gian")
    return out


def _contiguous(versions: list[RuleVersion], what: str) -> list[str]:
    # From its first start the law must answer every later date: no gap, an open-ended last one.
    if not versions:
        return [f"{what}: không có quy định nào"]
    spans = sorted((v.effective_from, v.effective_to) for v in versions)
    out, reach = [], spans[0][1]
    for start, end in spans[1:]:
        if reach is None:
            break
        first_missing, last_missing = reach + timedelta(days=1), start - timedelta(days=1)
        if first_missing <= last_missing:
            out.append(f"{what}: không có quy định từ {first_missing} đến {last_missing}")
        reach = None if end is None else max(reach, end)
    if reach is not None:
        out.append(f"{what}: không có quy định sau ngày {reach}")
    return out


def _coverage(rb: Rulebook) -> list[str]:
    out = []
    for action in ACTIONS:
        for level in LEVELS:
            versions = [
                v
                for v in rb.versions
                if v.kind == "authority" and v.action == action and level in v.levels
            ]
            out += _contiguous(versions, f"thẩm quyền {action}/{level}")
    for rule in REQUIRED_PROVISIONS:
        out += _contiguous([v for v in rb.versions if v.rule == rule], f"quy định {rule!r}")
    return out


def _cycles(rb: Rulebook) -> list[str]:
    # Nodes are (action, level): "Tối mật copy holders include the Tuyệt mật ones" is no cycle.
    edges: dict[tuple[str, str], set[tuple[str, str]]] = {}
    for v in rb.versions:
        for h in v.holders:
            if v.action and h.same_as:
                for level in v.levels:
                    edges.setdefault((v.action, level), set()).add(
                        (h.same_as[0], h.same_as[1] or level)
                    )
    out = []
    for start in sorted(edges):
        stack, seen = list(edges[start]), set()
        while stack:
            node = stack.pop()
            if node == start:
                out.append(f"same_as tạo vòng lặp qua {start[0]}/{start[1]}")
                break
            if node not in seen:
                seen.add(node)
                stack.extend(edges.get(node, ()))
    return out
