"""Every state change of org units, staff and delegations.

Each function validates, writes, and records its ledger event in one transaction. Malformed input
(an unknown code, a missing field) raises django.core.exceptions.ValidationError; a change the law
does not allow raises Refused, carrying the rulebook's citation.
Permission to call a service (who may manage staff) is checked by the caller, with the role
permissions of bmnn.people.roles.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import replace

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from bmnn.people import roles
from bmnn.people.models import DELEGATE_POST, Delegation, OrgUnit, Staff
from bmnn.people.selectors import delegations_to
from bmnn.rules import ACTIONS, LEVELS, load_rulebook
from bmnn.web import ledger
from bmnn.web.errors import Refused

__all__ = [
    "Refused",
    "change_clearance",
    "change_post",
    "change_role",
    "create_admin",
    "create_delegation",
    "create_org_unit",
    "create_staff",
    "record_departure",
    "revoke_delegation",
]


def _obj(instance) -> str:
    return f"{instance._meta.label}:{instance.pk}"


def _check_post(post_code: str, on: dt.date) -> None:
    post = load_rulebook().posts.get(post_code)
    if post is None:
        raise ValidationError(f"Mã chức vụ «{post_code}» không có trong bộ quy tắc.")
    if not post.exists_on(on):
        raise ValidationError(
            f"Chức vụ «{post.vi}» không tồn tại vào ngày {on:%d/%m/%Y}"
            f" (hiệu lực {_span(post.valid_from, post.valid_to)})."
        )


def _span(start: dt.date | None, end: dt.date | None) -> str:
    left = f"từ {start:%d/%m/%Y}" if start else ""
    right = f"đến {end:%d/%m/%Y}" if end else ""
    return " ".join(p for p in (left, right) if p) or "không giới hạn"


def _check_clearance(clearance: str) -> None:
    if clearance and clearance not in LEVELS:
        raise ValidationError(f"Mức tiếp cận «{clearance}» không hợp lệ.")


def _check_active(staff: Staff, on: dt.date) -> None:
    if not staff.is_active_on(on):
        raise ValidationError(f"{staff.full_name} không còn công tác vào ngày {on:%d/%m/%Y}.")


# --- org units ---------------------------------------------------------------------------------


def create_org_unit(
    actor: str,
    *,
    name: str,
    short_code: str,
    kind: str = OrgUnit.Kind.DIVISION,
    parent: OrgUnit | None = None,
    superior_agency_name: str = "",
) -> OrgUnit:
    if not name.strip() or not short_code.strip():
        raise ValidationError("Cần có tên và ký hiệu đơn vị.")
    if kind not in OrgUnit.Kind.values:
        raise ValidationError(f"Loại đơn vị «{kind}» không hợp lệ.")
    with transaction.atomic():
        if OrgUnit.objects.filter(short_code=short_code).exists():
            raise ValidationError(f"Ký hiệu đơn vị «{short_code}» đã được dùng.")
        unit = OrgUnit.objects.create(
            name=name.strip(),
            short_code=short_code.strip(),
            kind=kind,
            parent=parent,
            superior_agency_name=superior_agency_name.strip(),
        )
        ledger.record(
            actor,
            "people.org_unit.create",
            _obj(unit),
            {
                "name": unit.name,
                "short_code": unit.short_code,
                "kind": unit.kind,
                "parent": parent.pk if parent else None,
                "superior_agency_name": unit.superior_agency_name,
            },
        )
    return unit


# --- staff -------------------------------------------------------------------------------------


def create_staff(
    actor: str,
    *,
    username: str,
    password: str,
    full_name: str,
    org_unit: OrgUnit,
    post_code: str,
    role: str,
    clearance: str = "",
    position: str = "",
    email: str = "",
    active_from: dt.date | None = None,
) -> Staff:
    """Create the login account (argon2 password) and the staff record; join the role's group."""
    active_from = active_from or timezone.localdate()
    if not username.strip() or not full_name.strip():
        raise ValidationError("Cần có tên đăng nhập và họ tên.")
    if role not in Staff.Role.values:
        raise ValidationError(f"Vai trò «{role}» không hợp lệ.")
    _check_post(post_code, active_from)
    _check_clearance(clearance)
    user_model = get_user_model()
    with transaction.atomic():
        if user_model.objects.filter(username=username).exists():
            raise ValidationError(f"Tên đăng nhập «{username}» đã có.")
        user = user_model(username=username, email=email, first_name=full_name.strip()[:150])
        validate_password(password, user)
        user.set_password(password)
        user.save()
        roles.assign(user, role)
        staff = Staff.objects.create(
            user=user,
            full_name=full_name.strip(),
            org_unit=org_unit,
            post_code=post_code,
            position=position.strip(),
            role=role,
            clearance=clearance,
            active_from=active_from,
        )
        # The password hash stays out of the ledger: the event says who, not how to log in.
        ledger.record(
            actor,
            "people.staff.create",
            _obj(staff),
            {
                "username": username,
                "full_name": staff.full_name,
                "org_unit": org_unit.pk,
                "post_code": post_code,
                "position": staff.position,
                "role": role,
                "clearance": clearance,
                "active_from": active_from.isoformat(),
            },
        )
    return staff


def create_admin(actor: str, *, username: str, password: str, email: str = ""):
    """The system administrator's account (quản trị hệ thống): a superuser with no post, so no
    legal authority of its own."""
    user_model = get_user_model()
    with transaction.atomic():
        if user_model.objects.filter(username=username).exists():
            raise ValidationError(f"Tên đăng nhập «{username}» đã có.")
        user = user_model(username=username, email=email, is_staff=True, is_superuser=True)
        validate_password(password, user)
        user.set_password(password)
        user.save()
        ledger.record(
            actor, "people.admin.create", f"{user._meta.label}:{user.pk}", {"username": username}
        )
    return user


def change_role(actor: str, staff: Staff, role: str) -> Staff:
    """Move the person to another BMNN role and its group."""
    if role not in Staff.Role.values:
        raise ValidationError(f"Vai trò «{role}» không hợp lệ.")
    with transaction.atomic():
        staff = Staff.objects.select_for_update().select_related("user").get(pk=staff.pk)
        _check_active(staff, timezone.localdate())
        old = staff.role
        staff.role = role
        staff.save(update_fields=["role"])
        roles.assign(staff.user, role)
        ledger.record(actor, "people.staff.role", _obj(staff), {"from": old, "to": role})
    return staff


def change_clearance(actor: str, staff: Staff, clearance: str, *, reason: str = "") -> Staff:
    _check_clearance(clearance)
    with transaction.atomic():
        staff = Staff.objects.select_for_update().get(pk=staff.pk)
        _check_active(staff, timezone.localdate())
        old = staff.clearance
        staff.clearance = clearance
        staff.save(update_fields=["clearance"])
        ledger.record(
            actor,
            "people.staff.clearance",
            _obj(staff),
            {"from": old, "to": clearance, "reason": reason},
        )
    return staff


def change_post(
    actor: str,
    staff: Staff,
    post_code: str,
    *,
    position: str | None = None,
    org_unit: OrgUnit | None = None,
) -> Staff:
    """A new post ends the delegations given or received in the old one: they were tied to it."""
    today = timezone.localdate()
    _check_post(post_code, today)
    with transaction.atomic():
        staff = Staff.objects.select_for_update().get(pk=staff.pk)
        _check_active(staff, today)
        old = {
            "post_code": staff.post_code,
            "position": staff.position,
            "org_unit": staff.org_unit_id,
        }
        staff.post_code = post_code
        if position is not None:
            staff.position = position.strip()
        if org_unit is not None:
            staff.org_unit = org_unit
        staff.save(update_fields=["post_code", "position", "org_unit"])
        ledger.record(
            actor,
            "people.staff.post",
            _obj(staff),
            {
                "from": old,
                "to": {
                    "post_code": staff.post_code,
                    "position": staff.position,
                    "org_unit": staff.org_unit_id,
                },
            },
        )
        if old["post_code"] != post_code:
            _revoke_all_of(actor, staff, "Người ủy quyền hoặc người được ủy quyền đã đổi chức vụ.")
    return staff


def record_departure(actor: str, staff: Staff, *, on: dt.date, reason: str) -> Staff:
    """Leaving, transfer, retirement: the date and reason; the account stops working.

    The date may not be in the future, because nothing would lock the account when it comes.
    """
    if not reason.strip():
        raise ValidationError("Cần ghi lý do thôi việc, chuyển công tác, nghỉ hưu…")
    if on > timezone.localdate():
        raise ValidationError("Chỉ ghi nhận ngày thôi việc, chuyển công tác đã đến.")
    with transaction.atomic():
        staff = Staff.objects.select_for_update().select_related("user").get(pk=staff.pk)
        if staff.left_on is not None:
            raise ValidationError(
                f"{staff.full_name} đã được ghi nhận thôi công tác ngày {staff.left_on:%d/%m/%Y}."
            )
        if on < staff.active_from:
            raise ValidationError("Ngày thôi công tác trước ngày bắt đầu công tác.")
        staff.left_on = on
        staff.left_reason = reason.strip()
        staff.save(update_fields=["left_on", "left_reason"])
        staff.user.is_active = False
        staff.user.save(update_fields=["is_active"])
        ledger.record(
            actor,
            "people.staff.departure",
            _obj(staff),
            {"left_on": on.isoformat(), "reason": staff.left_reason},
        )
        _revoke_all_of(actor, staff, "Người ủy quyền hoặc người được ủy quyền đã thôi công tác.")
    return staff


# --- delegations -------------------------------------------------------------------------------


def _scope(values: Iterable[str], allowed: tuple[str, ...], what: str) -> list[str]:
    chosen = list(dict.fromkeys(values))
    if not chosen:
        raise ValidationError(f"Văn bản ủy quyền phải xác định rõ {what}.")
    unknown = [v for v in chosen if v not in allowed]
    if unknown:
        raise ValidationError(f"Mã {what} không hợp lệ: {', '.join(unknown)}.")
    # Keep the rulebook's order so equal scopes are stored identically.
    return [v for v in allowed if v in chosen]


def create_delegation(
    actor: str,
    *,
    delegator: Staff,
    delegate: Staff,
    actions: Iterable[str],
    levels: Iterable[str],
    valid_from: dt.date,
    valid_to: dt.date,
    document_number: str,
    document_date: dt.date,
    content: str = "",
) -> Delegation:
    """Record a written delegation after the rulebook accepts it for every action and level.

    The rulebook is asked what it will be asked later: may a deputy acting under this delegation
    do `action` at `level` on the first day of the term. That one question refuses a delegator
    without the authority, an action the law does not let be delegated, a sub-delegation and an
    empty term, each with its own citation. The delegate must also hold a deputy post (cấp phó).
    """
    actions = _scope(actions, ACTIONS, "việc được ủy quyền")
    levels = _scope(levels, LEVELS, "độ mật")
    if delegator.pk == delegate.pk:
        raise ValidationError("Người ủy quyền và người được ủy quyền phải là hai người khác nhau.")
    if not document_number.strip():
        raise ValidationError("Ủy quyền phải bằng văn bản: cần số văn bản ủy quyền.")
    _check_active(delegator, valid_from)
    _check_active(delegate, valid_from)

    candidate = Delegation(
        delegator=delegator,
        delegator_post=delegator.post_code,
        delegate=delegate,
        actions=actions,
        levels=levels,
        valid_from=valid_from,
        valid_to=valid_to,
        document_number=document_number.strip(),
        document_date=document_date,
        content=content.strip(),
    )
    rule_delegation = candidate.to_rule_delegation()
    if not rule_delegation.delegator_is_delegate:
        rule_delegation = _mark_sub_delegation(rule_delegation, delegator, actions, levels)
    rb = load_rulebook()
    delegate_post = rb.posts.get(delegate.post_code)
    for action in actions:
        for level in levels:
            # DELEGATE_POST is a deputy holding nothing of its own, so the answer is about the
            # delegation alone, even when the delegate's own post holds some of the authority.
            decision = rb.decide(
                action, level, DELEGATE_POST, on=valid_from, delegation=rule_delegation
            )
            if not decision.allowed:
                raise Refused(f"Không thể ghi nhận ủy quyền: {decision.reason}", decision.citation)
            if delegate_post is None or not delegate_post.deputy:
                raise Refused(
                    f"Không thể ghi nhận ủy quyền: chỉ cấp phó mới được ủy quyền; chức vụ "
                    f"({delegate.post_code}) của {delegate.full_name} không phải cấp phó.",
                    _delegation_citation(rb, action, level, valid_from),
                )

    with transaction.atomic():
        candidate.save()
        ledger.record(
            actor,
            "people.delegation.create",
            _obj(candidate),
            {
                "delegator": delegator.pk,
                "delegator_post": candidate.delegator_post,
                "delegate": delegate.pk,
                "actions": actions,
                "levels": levels,
                "valid_from": valid_from.isoformat(),
                "valid_to": valid_to.isoformat(),
                "document_number": candidate.document_number,
                "document_date": document_date.isoformat(),
                "content": candidate.content,
            },
        )
    return candidate


def _delegation_citation(rb, action: str, level: str, on: dt.date) -> str:
    """The citation of the rule that lets `action` at `level` be delegated on `on`."""
    for version in rb.rules(on):
        if (
            version.kind == "authority"
            and version.action == action
            and level in version.levels
            and version.delegation is not None
        ):
            return rb.cite(version.delegation.citation)
    return ""


def _mark_sub_delegation(rule_delegation, delegator: Staff, actions, levels):
    """A delegator whose post gives no authority for some of the scope but who holds a
    delegation is passing on delegated authority: tell the rulebook so it refuses."""
    held = delegations_to(delegator, rule_delegation.valid_from)
    if not held:
        return rule_delegation
    rb = load_rulebook()
    own = all(
        rb.decide(action, level, delegator.post_code, on=rule_delegation.valid_from).allowed
        for action in actions
        for level in levels
    )
    return rule_delegation if own else replace(rule_delegation, delegator_is_delegate=True)


def revoke_delegation(
    actor: str, delegation: Delegation, *, reason: str, at: dt.datetime | None = None
) -> Delegation:
    """Revocation is an event: the row stays, with when and why; it no longer counts from that
    day on."""
    if not reason.strip():
        raise ValidationError("Cần ghi lý do thu hồi ủy quyền.")
    with transaction.atomic():
        delegation = Delegation.objects.select_for_update().get(pk=delegation.pk)
        if delegation.revoked_at is not None:
            raise ValidationError(
                f"Ủy quyền {delegation.document_number} đã bị thu hồi lúc "
                f"{timezone.localtime(delegation.revoked_at):%H:%M %d/%m/%Y}."
            )
        _revoke(actor, delegation, reason.strip(), at or timezone.now())
    return delegation


def _revoke(actor: str, delegation: Delegation, reason: str, at: dt.datetime) -> None:
    delegation.revoked_at = at
    delegation.revoked_reason = reason
    delegation.save(update_fields=["revoked_at", "revoked_reason"])
    ledger.record(
        actor,
        "people.delegation.revoke",
        _obj(delegation),
        {"revoked_at": at.isoformat(), "reason": reason},
    )


def _revoke_all_of(actor: str, staff: Staff, reason: str) -> None:
    """Revoke every unrevoked delegation the person gave or received (inside the caller's
    transaction), each as its own event."""
    now = timezone.now()
    outstanding = Delegation.objects.select_for_update().filter(
        Q(delegator=staff) | Q(delegate=staff),
        revoked_at__isnull=True,
        valid_to__gte=timezone.localdate(now),
    )
    for delegation in outstanding:
        _revoke(actor, delegation, reason, now)
