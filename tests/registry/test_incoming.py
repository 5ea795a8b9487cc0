"""Incoming register: the line and its "số đến", named envelopes and their routing, anomalies
reported as incidents, opening a sealed envelope; refusals with their citations."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from bmnn.oversight.models import Incident
from bmnn.people import services as people
from bmnn.registry.models import Copy, Receipt, Register, RegisterEntry, SecretItem
from bmnn.registry.selectors import visible_items
from bmnn.registry.services import incoming
from bmnn.web import ledger
from bmnn.web.errors import Refused

from .conftest import ACTOR, ON

DOC_DATE = dt.date(2026, 3, 25)


def _receive(sx, **extra):
    args = dict(
        issuer="Bộ Thử nghiệm",
        number_symbol="12/CV-BTN",
        document_date=DOC_DATE,
        doc_type="Công văn",
        summary="Về việc phối hợp",
        level="mat",
        receiving_unit=sx.division,
        copies=2,
        on=ON,
    )
    args.update(extra)
    return incoming.register_incoming(ACTOR, sx.clerk, **args)


def _nothing_written():
    assert not SecretItem.objects.exists()
    assert not RegisterEntry.objects.exists()
    assert not Receipt.objects.exists()
    assert not Copy.objects.exists()


def test_incoming_register_line_item_copies_and_receipt(sx):
    entry = _receive(sx)
    assert entry.register.kind == Register.Kind.INCOMING and entry.number == 1
    item = entry.item
    assert item.origin == SecretItem.Origin.INCOMING and item.owner_unit == sx.division
    assert item.classified_on == DOC_DATE and item.expires_on == dt.date(2036, 3, 25)
    assert item.status == SecretItem.Status.ACTIVE and item.issuer == "Bộ Thử nghiệm"
    assert "phoi hop" in item.search_text
    receipt = entry.receipt
    assert receipt.received_on == ON and receipt.receiving_unit == sx.division
    assert not receipt.sealed and receipt.routed_to is None and receipt.anomalies == []
    copies = list(item.copies.all())
    assert [(c.number, c.of_total) for c in copies] == [(1, 2), (2, 2)]
    assert all(c.custodian == sx.clerk and c.state == Copy.State.HELD for c in copies)
    event = ledger.recent(5)[0]
    assert event.action == "registry.incoming.register" and event.payload_data()["number"] == 1
    # The next receipt takes the next "số đến"; the incoming book is its own.
    assert _receive(sx, number_symbol="13/CV-BTN").number == 2


def test_tuyet_mat_summary_is_refused_and_nothing_written(sx):
    with pytest.raises(Refused) as err:
        _receive(sx, level="tuyet_mat", summary="Nội dung tối mật")
    assert err.value.citation == "Nghị định 63/2026/NĐ-CP, Điều 6"
    _nothing_written()
    entry = _receive(sx, level="tuyet_mat", summary="")
    assert entry.item.summary == "" and entry.item.letter == "A"
    assert all("tối mật" not in str(e.payload_data()) for e in ledger.recent(20))


def test_named_envelope_is_registered_sealed_and_passed_to_the_named_person(sx):
    entry = _receive(sx, doc_type="", summary="", named_addressee=sx.head)
    receipt = entry.receipt
    assert receipt.sealed and receipt.named_addressee == sx.head and receipt.routed_to == sx.head
    assert "Điều 4, khoản 2, điểm b" in receipt.routing_reason
    assert {c.custodian for c in entry.item.copies.all()} == {sx.head}
    assert visible_items(sx.head, ON).filter(pk=entry.item.pk).exists()


def test_named_envelope_with_a_summary_is_refused(sx):
    with pytest.raises(Refused) as err:
        _receive(sx, named_addressee=sx.head, summary="Đoán nội dung")
    assert err.value.citation == "Nghị định 26/2020/NĐ-CP, Điều 4, khoản 2, điểm b"
    _nothing_written()


def test_absent_addressee_express_envelope_goes_to_the_head_of_agency(sx):
    entry = _receive(sx, summary="", named_addressee=sx.head, addressee_absent=True, express=True)
    receipt = entry.receipt
    assert receipt.routed_to == sx.director and receipt.express and receipt.sealed
    assert "Hỏa tốc" in receipt.routing_reason and "điểm b" in receipt.routing_reason
    assert {c.custodian for c in entry.item.copies.all()} == {sx.director}
    # The leader it was routed to may open it; an unrelated person may not.
    with pytest.raises(PermissionDenied):
        incoming.open_envelope(ACTOR, receipt, sx.officer, on=ON)
    opened = incoming.open_envelope(ACTOR, receipt, sx.director, summary="Phối hợp", on=ON)
    assert not opened.sealed and opened.opened_by == sx.director
    assert SecretItem.objects.get(pk=entry.item.pk).summary == "Phối hợp"


def test_addressee_who_has_left_counts_as_absent(sx):
    people.record_departure(ACTOR, sx.head, on=ON - dt.timedelta(days=1), reason="Chuyển công tác")
    sx.head.refresh_from_db()
    entry = _receive(sx, summary="", named_addressee=sx.head, express=True)
    assert entry.receipt.routed_to == sx.director


def test_fallback_leader_when_no_leader_holds_classify(sx):
    people.record_departure(ACTOR, sx.director, on=ON - dt.timedelta(days=1), reason="Nghỉ hưu")
    # The deputy holds no classify authority of his own, but is the only leader left.
    assert incoming.agency_leader(sx.agency, ON) == sx.deputy


def test_absent_addressee_without_express_stays_sealed_with_the_clerk(sx):
    entry = _receive(sx, summary="", named_addressee=sx.head, addressee_absent=True)
    receipt = entry.receipt
    assert receipt.routed_to is None and receipt.sealed
    assert "văn thư giữ nguyên bì" in receipt.routing_reason
    assert {c.custodian for c in entry.item.copies.all()} == {sx.clerk}
    with pytest.raises(PermissionDenied):
        incoming.open_envelope(ACTOR, receipt, sx.clerk, on=ON)
    assert list(incoming.sealed_envelopes_for(sx.head, ON)) == [receipt]
    assert not incoming.sealed_envelopes_for(sx.cadre, ON).exists()
    opened = incoming.open_envelope(ACTOR, receipt, sx.head, doc_type="Công văn", on=ON)
    assert opened.routed_to == sx.head and opened.opened_on == ON
    assert {c.custodian for c in entry.item.copies.all()} == {sx.head}
    assert ledger.recent(1)[0].action == "registry.incoming.open"
    assert not incoming.sealed_envelopes_for(sx.head, ON).exists()
    with pytest.raises(ValidationError, match="đã được bóc"):
        incoming.open_envelope(ACTOR, opened, sx.head, on=ON)


def test_opening_a_tuyet_mat_envelope_refuses_a_summary(sx):
    entry = _receive(sx, level="tuyet_mat", summary="", named_addressee=sx.officer)
    # Above the head's clearance: not even the outside marks are listed for him.
    assert not incoming.sealed_envelopes_for(sx.head, ON).exists()
    with pytest.raises(Refused) as err:
        incoming.open_envelope(ACTOR, entry.receipt, sx.officer, summary="Trích yếu", on=ON)
    assert err.value.citation == "Nghị định 63/2026/NĐ-CP, Điều 6"
    assert Receipt.objects.get(pk=entry.receipt.pk).sealed


def test_anomalies_open_an_incident_reported_to_the_head(sx):
    entry = _receive(sx, level="toi_mat", anomalies=["opened", "missing_pages"])
    receipt = entry.receipt
    assert receipt.anomalies == ["opened", "missing_pages"]
    assert receipt.anomaly_reported_to == sx.director
    incident = Incident.objects.get()
    assert incident.kind == Incident.Kind.RECEIPT_ANOMALY and incident.opened_by == sx.clerk
    assert incident.citation == "Nghị định 26/2020/NĐ-CP, Điều 4, khoản 2, điểm c"
    assert "bóc, mở bì" in incident.description and "Về việc phối hợp" not in incident.description
    assert set(incident.copies.all()) == set(entry.item.copies.all())
    actions = [e.action for e in ledger.recent(3)]
    assert actions[:2] == ["registry.incoming.register", "oversight.incident.open"]


def test_unknown_anomaly_is_rejected_and_nothing_written(sx):
    with pytest.raises(ValidationError):
        _receive(sx, anomalies=["lost_in_mail"])
    _nothing_written()
    assert not Incident.objects.exists()


def test_only_register_keepers_register_incoming(sx):
    with pytest.raises(PermissionDenied):
        incoming.register_incoming(
            ACTOR,
            sx.drafter,
            issuer="Bộ",
            number_symbol="1/CV",
            document_date=DOC_DATE,
            doc_type="Công văn",
            summary="",
            level="mat",
            receiving_unit=sx.division,
            on=ON,
        )
    _nothing_written()


def test_malformed_input_is_rejected(sx):
    with pytest.raises(ValidationError):
        _receive(sx, level="secret")
    with pytest.raises(ValidationError):
        _receive(sx, copies=0)
    with pytest.raises(ValidationError):
        _receive(sx, doc_type="")
    with pytest.raises(ValidationError):
        _receive(sx, document_date=ON + dt.timedelta(days=1))
    _nothing_written()
