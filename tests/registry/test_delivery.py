"""Delivery and hand-over: the transfer register, envelopes by level, custody, recipient grants,
the receiver's signature; refusals with their citations."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from bmnn.registry.models import Copy, Grant, Register, RegisterEntry, SecretItem, Transfer
from bmnn.registry.selectors import visible_items
from bmnn.registry.services import delivery, incoming
from bmnn.web import ledger
from bmnn.web.errors import Refused

from .conftest import ACTOR, ON


def _transfer_lines():
    return RegisterEntry.objects.filter(register__kind=Register.Kind.TRANSFER)


def _deliver(sx, item, copies, **extra):
    args = dict(
        sender=sx.clerk,
        receiving_unit="Sở Tư pháp",
        receiver_name="Nguyễn Văn Nhận",
        on=ON,
    )
    args.update(extra)
    return delivery.deliver(ACTOR, item, copies, **args)


def test_delivery_outside_writes_the_transfer_register_and_sends_the_copies(sx, issued):
    item = issued("mat", copies=3)
    sent = list(item.copies.filter(number__in=(1, 2)))
    transfer = _deliver(sx, item, sent)
    entry = transfer.entry
    assert entry.register.kind == Register.Kind.TRANSFER and entry.number == 1
    assert entry.copies == 2 and entry.recipients_text == "Sở Tư pháp"
    assert transfer.envelopes == 1 and not transfer.double_envelope and not transfer.internal
    assert transfer.item.letter == "C" and not transfer.signed
    assert transfer.citation == "Nghị định 26/2020/NĐ-CP, Điều 4, khoản 1, điểm b"
    for c in Copy.objects.filter(pk__in=[c.pk for c in sent]):
        assert c.state == Copy.State.SENT and c.holder_outside == "Sở Tư pháp"
        assert c.custodian is None
    assert item.copies.get(number=3).custodian == sx.clerk
    assert not Grant.objects.exists()
    event = ledger.recent(1)[0]
    assert event.action == "registry.delivery.deliver" and event.payload_data()["letter"] == "C"


def test_receiver_signs_once(sx, issued):
    item = issued("toi_mat", copies=1)
    transfer = _deliver(sx, item, item.copies.all())
    signed = delivery.confirm_receipt(ACTOR, transfer, "Nguyễn Văn Nhận", on=ON)
    assert signed.signed and signed.signed_on == ON
    assert ledger.recent(1)[0].action == "registry.delivery.confirm"
    with pytest.raises(ValidationError, match="Đã ký nhận"):
        delivery.confirm_receipt(ACTOR, signed, "Người khác", on=ON)


def test_tuyet_mat_goes_in_two_envelopes(sx, issued):
    item = issued("tuyet_mat", copies=1)
    transfer = _deliver(sx, item, item.copies.all())
    assert transfer.envelopes == 2 and transfer.double_envelope and transfer.item.letter == "A"


def test_tuyet_mat_declared_single_envelope_is_refused(sx, issued):
    item = issued("tuyet_mat", copies=1)
    with pytest.raises(Refused) as err:
        _deliver(sx, item, item.copies.all(), envelopes=1)
    assert err.value.citation == "Nghị định 26/2020/NĐ-CP, Điều 4, khoản 1, điểm b"
    assert "«A»" in err.value.message
    assert not Transfer.objects.exists() and not _transfer_lines().exists()
    assert item.copies.get().state == Copy.State.HELD


def test_unregistered_item_cannot_be_delivered(sx):
    # A row brought in outside the registers (say, a legacy import): no register line.
    item = SecretItem.objects.create(
        origin=SecretItem.Origin.OUTGOING, level="mat", owner_unit=sx.office
    )
    copy = Copy.objects.create(item=item, number=1, of_total=1, custodian=sx.clerk)
    with pytest.raises(Refused) as err:
        _deliver(sx, item, [copy])
    assert err.value.citation == "Nghị định 63/2026/NĐ-CP, Điều 6"
    assert not Transfer.objects.exists() and not _transfer_lines().exists()


def test_incoming_items_are_delivered_too(sx):
    entry = incoming.register_incoming(
        ACTOR,
        sx.clerk,
        issuer="Bộ Thử nghiệm",
        number_symbol="5/CV",
        document_date=ON,
        doc_type="Công văn",
        summary="Phối hợp",
        level="mat",
        receiving_unit=sx.office,
        on=ON,
    )
    transfer = _deliver(sx, entry.item, entry.item.copies.all(), receiving_unit="Sở Tài chính")
    assert transfer.entry.register.kind == Register.Kind.TRANSFER


def test_delivery_to_a_person_inside_moves_custody_and_grants_access(sx, issued):
    item = issued("mat", copies=2)
    assert not visible_items(sx.cadre, ON).filter(pk=item.pk).exists()
    transfer = _deliver(
        sx,
        item,
        item.copies.filter(number=1),
        receiving_unit="Phòng B",
        receiver_name=sx.cadre.full_name,
        receiver=sx.cadre,
    )
    copy = item.copies.get(number=1)
    assert copy.custodian == sx.cadre and copy.state == Copy.State.HELD
    grant = Grant.objects.get(item=item, staff=sx.cadre)
    assert grant.source == Grant.Source.RECIPIENT and grant.granted_by == sx.clerk
    assert transfer.entry.number == 1 and "01/2026" in grant.purpose
    assert visible_items(sx.cadre, ON).filter(pk=item.pk).exists()


def test_receiver_must_be_cleared_for_the_level(sx, issued):
    item = issued("toi_mat", copies=1)
    with pytest.raises(ValidationError, match="chỉ được tiếp cận"):
        _deliver(sx, item, item.copies.all(), receiver=sx.cadre, receiver_name="Cán Bộ")
    assert not Transfer.objects.exists() and not Grant.objects.exists()


def test_only_copies_the_sender_holds_are_delivered(sx, issued):
    item = issued("mat", copies=1)
    delivery.hand_over(ACTOR, item.copies.all(), from_staff=sx.clerk, to_staff=sx.officer, on=ON)
    with pytest.raises(ValidationError, match="không do"):
        _deliver(sx, item, item.copies.all())
    with pytest.raises(PermissionDenied):
        _deliver(sx, item, item.copies.all(), sender=sx.drafter)


def test_hand_over_inside_the_agency(sx, issued):
    item = issued("mat", copies=2)
    transfer = delivery.hand_over(
        ACTOR, item.copies.filter(number=2), from_staff=sx.clerk, to_staff=sx.cadre, on=ON
    )
    assert transfer.internal and transfer.entry.register.kind == Register.Kind.TRANSFER
    assert transfer.receiver == sx.cadre and transfer.sender == sx.clerk
    assert transfer.citation == "Nghị định 26/2020/NĐ-CP, Điều 4, khoản 1, điểm c"
    assert item.copies.get(number=2).custodian == sx.cadre
    assert visible_items(sx.cadre, ON).filter(pk=item.pk).exists()
    assert ledger.recent(1)[0].action == "registry.delivery.hand_over"
    # Handing it back ends the custody, and with it the cadre's sight of the item.
    delivery.hand_over(
        ACTOR, item.copies.filter(number=2), from_staff=sx.cadre, to_staff=sx.clerk, on=ON
    )
    assert not visible_items(sx.cadre, ON).filter(pk=item.pk).exists()


def test_hand_over_to_someone_not_cleared_is_refused(sx, issued):
    item = issued("tuyet_mat", copies=1)
    with pytest.raises(ValidationError, match="nhận bàn giao"):
        delivery.hand_over(
            ACTOR, item.copies.all(), from_staff=sx.clerk, to_staff=sx.drafter, on=ON
        )
    assert not Transfer.objects.exists()
    assert item.copies.get().custodian == sx.clerk


def test_future_dates_are_refused(sx, issued):
    item = issued("mat", copies=1)
    with pytest.raises(ValidationError, match="chưa đến"):
        _deliver(sx, item, item.copies.all(), on=dt.date.today() + dt.timedelta(days=1))
