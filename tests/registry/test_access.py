"""Need-to-know grants: who may grant, to whom, purpose and expiry; the gate's answer before,
during and after a grant."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from bmnn.registry.models import Grant
from bmnn.registry.selectors import visible_items
from bmnn.registry.services import access
from bmnn.web import ledger

from .conftest import ACTOR, ON


def _sees(staff, item, on=ON) -> bool:
    return visible_items(staff, on).filter(pk=item.pk).exists()


def test_grant_lets_the_cadre_see_the_item_until_revoked(sx, issued):
    item = issued("mat")
    assert not _sees(sx.cadre, item)
    row = access.grant(ACTOR, item, sx.cadre, granted_by=sx.head, purpose="Góp ý dự thảo", on=ON)
    assert row.source == Grant.Source.EXPLICIT and row.granted_on == ON
    assert _sees(sx.cadre, item)
    event = ledger.recent(1)[0]
    assert event.action == "registry.access.grant"
    assert event.payload_data()["purpose"] == "Góp ý dự thảo"
    revoked = access.revoke(ACTOR, row, by=sx.head, on=ON)
    assert revoked.revoked_on == ON and revoked.revoked_by == sx.head
    assert not _sees(sx.cadre, item)
    assert ledger.recent(1)[0].action == "registry.access.revoke"
    with pytest.raises(ValidationError, match="đã bị thu hồi"):
        access.revoke(ACTOR, revoked, by=sx.head, on=ON)


def test_grant_expires_after_valid_to(sx, issued):
    item = issued("mat")
    until = ON + dt.timedelta(days=10)
    access.grant(ACTOR, item, sx.cadre, granted_by=sx.officer, purpose="Họp", valid_to=until, on=ON)
    assert _sees(sx.cadre, item, until)
    assert not _sees(sx.cadre, item, until + dt.timedelta(days=1))


def test_agency_head_and_officer_may_grant(sx, issued):
    item = issued("mat")
    assert access.grant(ACTOR, item, sx.cadre, granted_by=sx.director, purpose="A", on=ON)
    other = issued("mat")
    assert access.grant(ACTOR, other, sx.cadre, granted_by=sx.officer, purpose="B", on=ON)


def test_others_may_not_grant(sx, issued):
    item = issued("mat")
    for who in (sx.drafter, sx.cadre, sx.clerk, sx.inspector):
        with pytest.raises(PermissionDenied):
            access.grant(ACTOR, item, sx.cadre, granted_by=who, purpose="X", on=ON)
    assert not Grant.objects.exists()


def test_a_leader_cannot_grant_above_their_own_clearance(sx, issued):
    item = issued("tuyet_mat", copies=1)
    with pytest.raises(PermissionDenied):
        access.grant(ACTOR, item, sx.officer, granted_by=sx.deputy, purpose="X", on=ON)
    assert not Grant.objects.exists()


def test_grantee_must_be_cleared_for_the_level(sx, issued):
    item = issued("toi_mat")
    with pytest.raises(ValidationError, match="chỉ được tiếp cận đến độ Mật"):
        access.grant(ACTOR, item, sx.cadre, granted_by=sx.head, purpose="X", on=ON)
    assert not Grant.objects.exists()
    # Even a grant written some other way would not pass the gate above clearance.
    Grant.objects.create(item=item, staff=sx.cadre, purpose="X", granted_by=sx.head, granted_on=ON)
    assert not _sees(sx.cadre, item)


def test_purpose_and_dates_are_required(sx, issued):
    item = issued("mat")
    with pytest.raises(ValidationError, match="mục đích"):
        access.grant(ACTOR, item, sx.cadre, granted_by=sx.head, purpose="  ", on=ON)
    with pytest.raises(ValidationError, match="hết hạn"):
        access.grant(
            ACTOR,
            item,
            sx.cadre,
            granted_by=sx.head,
            purpose="X",
            valid_to=ON - dt.timedelta(days=1),
            on=ON,
        )
    assert not Grant.objects.exists()


def test_no_second_live_grant(sx, issued):
    item = issued("mat")
    access.grant(ACTOR, item, sx.cadre, granted_by=sx.head, purpose="X", on=ON)
    with pytest.raises(ValidationError, match="đang có quyền"):
        access.grant(ACTOR, item, sx.cadre, granted_by=sx.officer, purpose="Y", on=ON)


def test_only_a_granter_may_revoke(sx, issued):
    item = issued("mat")
    row = access.grant(ACTOR, item, sx.cadre, granted_by=sx.head, purpose="X", on=ON)
    with pytest.raises(PermissionDenied):
        access.revoke(ACTOR, row, by=sx.drafter, on=ON)
    assert access.revoke(ACTOR, row, by=sx.officer, on=ON).revoked_by == sx.officer
