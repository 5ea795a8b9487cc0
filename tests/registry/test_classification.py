"""Proposal → decision → outgoing register: the main path and its refusals, with citations."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from bmnn.catalogue import services as catalogue_services
from bmnn.registry.models import Copy, Proposal, RegisterEntry, SecretItem
from bmnn.registry.services import classification, outgoing
from bmnn.web import ledger
from bmnn.web.errors import Refused

from .conftest import ACTOR, ON


def _propose(sx, level="mat", **extra):
    args = dict(
        title="Kế hoạch thử",
        level=level,
        catalogue_item=sx.items[level],
        recipients_text="Phòng A; Lưu VT",
        copies=2,
        copy_allowed=False,
        on=ON,
    )
    args.update(extra)
    return classification.propose(ACTOR, sx.drafter, **args)


def test_approval_sets_level_period_and_extension_deadline(sx):
    proposal = classification.decide(
        ACTOR, _propose(sx, "toi_mat"), sx.director, approve=True, on=ON
    )
    item = proposal.item
    assert (
        item.level == "toi_mat" and item.classified_on == ON and item.classified_by == sx.director
    )
    assert item.expires_on == dt.date(2046, 4, 1)  # 20 years from the date the level was set
    assert item.extension_decision_by == dt.date(2046, 4, 1) - dt.timedelta(days=60)
    assert proposal.citation == "Luật 117/2025/QH15, Điều 10"
    assert item.status == SecretItem.Status.DRAFT


def test_proposal_without_catalogue_item_is_refused_citing_article_5(sx):
    with pytest.raises(Refused) as err:
        _propose(sx, catalogue_item=None)
    assert err.value.citation == "Luật 117/2025/QH15, Điều 5, khoản 1"
    assert not Proposal.objects.exists()


def test_level_other_than_the_catalogue_items_is_refused(sx):
    with pytest.raises(Refused) as err:
        _propose(sx, "mat", catalogue_item=sx.items["toi_mat"])
    assert "Tối mật" in err.value.message


def test_replaced_catalogue_decision_cannot_be_cited(sx):
    old = sx.items["mat"].decision
    new = catalogue_services.create_decision(
        ACTOR, number="99/QĐ-TTg", date=dt.date(2025, 1, 1), issuer="TTg", title="Mới"
    )
    catalogue_services.replace_decision(ACTOR, old, new)
    sx.items["mat"].refresh_from_db()
    with pytest.raises(Refused, match="đã được thay thế"):
        _propose(sx, "mat")


def test_division_head_cannot_classify_and_is_told_the_rule(sx):
    proposal = _propose(sx, "mat")
    with pytest.raises(Refused) as err:
        classification.decide(ACTOR, proposal, sx.head, approve=True, on=ON)
    assert err.value.citation == "Luật 117/2025/QH15, Điều 10"
    proposal.refresh_from_db()
    assert proposal.status == Proposal.Status.PENDING


def test_drafter_cannot_propose_above_own_clearance(sx):
    with pytest.raises(Refused, match="chỉ được tiếp cận"):
        _propose(sx, "tuyet_mat")


def test_rejection_needs_a_reason(sx):
    proposal = _propose(sx)
    with pytest.raises(ValidationError):
        classification.decide(ACTOR, proposal, sx.director, approve=False, on=ON)
    rejected = classification.decide(
        ACTOR, proposal, sx.director, approve=False, note="Không thuộc danh mục", on=ON
    )
    assert rejected.status == Proposal.Status.REJECTED and rejected.item is None


def test_future_date_is_refused(sx):
    with pytest.raises(ValidationError, match="chưa đến"):
        _propose(sx, on=dt.date.today() + dt.timedelta(days=3))


def test_outgoing_register_numbers_from_01_per_year_and_creates_copies(sx, issued):
    first, second = issued("mat", copies=3), issued("toi_mat", copies=2)
    numbers = list(RegisterEntry.objects.order_by("number").values_list("number", flat=True))
    assert numbers == [1, 2]
    assert [c.number for c in first.copies.all()] == [1, 2, 3]
    assert {c.of_total for c in second.copies.all()} == {2}
    assert all(c.custodian == sx.clerk and c.state == Copy.State.HELD for c in first.copies.all())
    assert SecretItem.objects.get(pk=first.pk).status == SecretItem.Status.ACTIVE
    next_year = RegisterEntry.objects.first().register
    assert next_year.year == 2026


def test_tuyet_mat_summary_is_never_stored(sx, issued):
    item = issued("tuyet_mat", summary="Nội dung tối quan trọng")
    item.refresh_from_db()
    assert item.summary == "" and "toi quan trong" not in item.search_text
    assert item.proposal.title == ""
    events = ledger.recent(50)
    assert all("tối quan trọng" not in str(e.payload) for e in events)


def test_tuyet_mat_summary_given_at_registration_is_refused(sx):
    proposal = classification.propose(
        ACTOR,
        sx.director,
        title="X",
        level="tuyet_mat",
        catalogue_item=sx.items["tuyet_mat"],
        recipients_text="Lưu VT",
        copies=1,
        copy_allowed=False,
        on=ON,
    )
    proposal = classification.decide(ACTOR, proposal, sx.director, approve=True, on=ON)
    with pytest.raises(Refused) as err:
        outgoing.register_outgoing(
            ACTOR,
            proposal.item,
            sx.clerk,
            number_symbol="1/BC",
            doc_type="Báo cáo",
            signer="GĐ",
            summary="Trích yếu",
            on=ON,
        )
    assert err.value.citation == "Nghị định 63/2026/NĐ-CP, Điều 6"
    assert not RegisterEntry.objects.exists()


def test_only_register_keepers_register(sx):
    proposal = classification.decide(ACTOR, _propose(sx), sx.director, approve=True, on=ON)
    with pytest.raises(PermissionDenied):
        outgoing.register_outgoing(
            ACTOR,
            proposal.item,
            sx.drafter,
            number_symbol="1/BC",
            doc_type="BC",
            signer="GĐ",
            on=ON,
        )
