"""Copy orders: authority by level (delegation included), who copies, the copy register, the
numbering of each form, spoiled copies; refusals with their citations."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from bmnn.registry.models import Copy, CopyOrder, Register, RegisterEntry
from bmnn.registry.selectors import visible_items
from bmnn.registry.services import classification, copying
from bmnn.web import ledger
from bmnn.web.errors import Refused

from .conftest import ACTOR, ON


def _order(sx, item, **extra):
    args = dict(
        requester=sx.drafter,
        authoriser=sx.director,
        copier=sx.clerk,
        form=Copy.Form.SAO_Y,
        count=2,
        recipients_text="Phòng B",
        on=ON,
    )
    args.update(extra)
    return copying.order_copies(ACTOR, item, **args)


def _copy_lines():
    return RegisterEntry.objects.filter(register__kind=Register.Kind.COPY)


def test_order_writes_the_copy_register_and_numbered_copies(sx, issued):
    item = issued("toi_mat", copies=2)
    order = _order(sx, item)
    assert order.entry.register.kind == Register.Kind.COPY and order.entry.number == 1
    assert order.entry.copies == 2 and order.entry.recipients_text == "Phòng B"
    assert (order.first_number, order.last_number) == (1, 2)
    assert order.citation == "Luật 117/2025/QH15, Điều 11, khoản 2, điểm d"
    assert order.rule_id and order.confidence
    made = list(order.made.order_by("number"))
    assert [(c.number, c.form, c.custodian) for c in made] == [
        (1, Copy.Form.SAO_Y, sx.clerk),
        (2, Copy.Form.SAO_Y, sx.clerk),
    ]
    assert all(c.item.level == "toi_mat" and c.state == Copy.State.HELD for c in made)
    event = ledger.recent(1)[0]
    assert event.action == "registry.copy.order" and event.payload_data()["first_number"] == 1


def test_numbering_continues_per_form(sx, issued):
    item = issued("mat", copies=1)
    _order(sx, item, count=2)
    second = _order(sx, item, count=3)
    assert (second.first_number, second.last_number) == (3, 5)
    assert second.entry.number == 2
    extract = _order(sx, item, form=Copy.Form.TRICH_SAO, count=1)
    assert (extract.first_number, extract.last_number) == (1, 1)
    assert item.copies.filter(form=Copy.Form.ISSUED).count() == 1


def test_not_allowed_to_copy_is_refused_and_nothing_written(sx, issued):
    item = issued("mat", copy_allowed=False)
    with pytest.raises(Refused) as err:
        _order(sx, item)
    assert err.value.citation == "Nghị định 26/2020/NĐ-CP, Điều 2, khoản 1"
    assert not CopyOrder.objects.exists() and not _copy_lines().exists()
    assert item.copies.count() == 3


def test_director_of_a_department_cannot_authorise_tuyet_mat_copies(sx, issued):
    item = issued("tuyet_mat", copies=1)
    with pytest.raises(Refused) as err:
        _order(sx, item, requester=sx.officer)
    assert err.value.citation == "Luật 117/2025/QH15, Điều 11, khoản 1"
    assert not CopyOrder.objects.exists() and not _copy_lines().exists()


def test_delegated_deputy_authorises_within_the_delegation_only(sx, issued):
    order = _order(sx, issued("mat"), authoriser=sx.deputy)
    assert order.authoriser == sx.deputy and "Điều 11" in order.citation
    with pytest.raises(Refused) as err:
        _order(sx, issued("tuyet_mat", copies=1), authoriser=sx.deputy, requester=sx.officer)
    assert "Điều 11, khoản 1" in err.value.citation


def test_division_head_authorises_mat_but_not_toi_mat(sx, issued):
    assert _order(sx, issued("mat"), authoriser=sx.head).citation.startswith(
        "Luật 117/2025/QH15, Điều 11, khoản 3"
    )
    with pytest.raises(Refused, match="không có thẩm quyền"):
        _order(sx, issued("toi_mat"), authoriser=sx.head)


def test_copier_must_be_cleared_for_the_level(sx, issued):
    with pytest.raises(Refused) as err:
        _order(sx, issued("toi_mat"), copier=sx.cadre)
    assert err.value.citation == "Luật 29/2018/QH14, Điều 11, khoản 6"
    assert not CopyOrder.objects.exists()


def test_requester_must_be_cleared_for_the_level(sx, issued):
    with pytest.raises(ValidationError, match="không đề nghị sao"):
        _order(sx, issued("toi_mat"), requester=sx.cadre)
    assert not CopyOrder.objects.exists()


def test_spoiled_copies_are_counted_and_their_destruction_recorded(sx, issued):
    order = _order(sx, issued("mat"), count=2, spoiled=1)
    assert order.spoiled == 1 and order.made.count() == 2
    assert "hủy ngay 1 bản hỏng" in order.entry.note
    event = ledger.recent(1)[0]
    assert event.action == "registry.copy.spoiled_destroyed"
    assert event.payload_data()["citation"] == "Nghị định 26/2020/NĐ-CP, Điều 3, khoản 3"
    assert event.payload_data()["count"] == 1


def test_paper_to_electronic_copies_are_electronic(sx, issued):
    order = _order(sx, issued("mat"), form=Copy.Form.PAPER_TO_ELECTRONIC, count=1)
    assert order.made.get().electronic


def test_copier_holds_and_sees_the_copies(sx, issued):
    item = issued("mat")
    assert not visible_items(sx.cadre, ON).filter(pk=item.pk).exists()
    _order(sx, item, copier=sx.cadre, count=1)
    assert visible_items(sx.cadre, ON).filter(pk=item.pk).exists()


def test_only_active_items_are_copied(sx):
    proposal = classification.propose(
        ACTOR,
        sx.drafter,
        title="Chưa phát hành",
        level="mat",
        catalogue_item=sx.items["mat"],
        recipients_text="Lưu VT",
        copies=1,
        copy_allowed=True,
        on=ON,
    )
    draft = classification.decide(ACTOR, proposal, sx.director, approve=True, on=ON).item
    with pytest.raises(ValidationError, match="đang được bảo vệ"):
        _order(sx, draft)


def test_malformed_orders_are_rejected(sx, issued):
    item = issued("mat")
    with pytest.raises(ValidationError):
        _order(sx, item, form=Copy.Form.ISSUED)
    with pytest.raises(ValidationError):
        _order(sx, item, count=0)
    with pytest.raises(ValidationError):
        _order(sx, item, spoiled=-1)
    assert not CopyOrder.objects.exists()
