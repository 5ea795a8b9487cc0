"""Catalogue decisions and items: services with their ledger events, citations, replacement,
selectors and the service-backed admin."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from bmnn.catalogue import selectors, services
from bmnn.catalogue.models import CatalogueDecision
from bmnn.web import ledger

pytestmark = pytest.mark.django_db
ACTOR = "user:test-officer"


def _head() -> int:
    latest = ledger.recent(1)
    return latest[0].seq if latest else 0


def _after(seq: int) -> list:
    return [e for e in reversed(ledger.recent(1000)) if e.seq > max(seq, 1)]


def _errors(response) -> str:
    form = response.context["adminform"].form if response.context else None
    return str(form.errors) if form is not None else response.content.decode()[:500]


def _decision(number: str = "1234/QĐ-TTg", date: dt.date = dt.date(2020, 6, 5), **extra):
    return services.create_decision(
        ACTOR,
        number=number,
        date=date,
        issuer="Thủ tướng Chính phủ",
        title="Danh mục bí mật nhà nước lĩnh vực thử nghiệm",
        **extra,
    )


def test_create_decision_and_items_with_events():
    mark = _head()
    decision = _decision()
    item = services.add_item(
        ACTOR, decision, article="1", clause="1", point="a", level="tuyet_mat", text="Nội dung A"
    )
    assert decision.status == CatalogueDecision.Status.ACTIVE
    assert item.citation == "điểm a khoản 1 Điều 1 Quyết định số 1234/QĐ-TTg ngày 05/06/2020"
    events = _after(mark)
    assert [e.action for e in events] == ["catalogue.decision.create", "catalogue.item.add"]
    assert events[0].object == f"catalogue.CatalogueDecision:{decision.pk}"
    assert events[1].payload_data()["level"] == "tuyet_mat"
    assert events[1].payload_data()["decision"] == decision.pk


def test_citation_without_point_or_clause():
    decision = _decision()
    whole = services.add_item(ACTOR, decision, article="2", level="mat", text="Cả Điều")
    clause = services.add_item(ACTOR, decision, article="3", clause="2", level="mat", text="K")
    assert whole.citation.startswith("Điều 2 Quyết định số 1234/QĐ-TTg")
    assert clause.citation.startswith("khoản 2 Điều 3 Quyết định")


def test_bad_input_is_refused_and_writes_nothing():
    decision = _decision()
    mark = _head()
    with pytest.raises(ValidationError, match="đã có"):
        _decision()
    with pytest.raises(ValidationError, match="Độ mật"):
        services.add_item(ACTOR, decision, article="1", level="bi_mat", text="X")
    with pytest.raises(ValidationError, match="khoản"):
        services.add_item(ACTOR, decision, article="1", point="a", level="mat", text="X")
    services.add_item(ACTOR, decision, article="1", clause="1", level="mat", text="X")
    with pytest.raises(ValidationError, match="đã có"):
        services.add_item(ACTOR, decision, article="1", clause="1", level="toi_mat", text="Y")
    assert [e.action for e in _after(mark)] == ["catalogue.item.add"]


def test_replace_decision_keeps_the_old_one_on_record():
    old = _decision()
    item = services.add_item(ACTOR, old, article="1", clause="1", level="mat", text="Cũ")
    new = _decision("5678/QĐ-TTg", dt.date(2024, 1, 2))
    mark = _head()
    services.replace_decision(ACTOR, old, new)
    old.refresh_from_db()
    assert old.status == CatalogueDecision.Status.REPLACED
    assert old.replaced_by == new
    item.refresh_from_db()
    assert item.decision == old  # documents classified under it still cite it
    (event,) = _after(mark)
    assert event.action == "catalogue.decision.replace"
    assert event.payload_data()["new_number"] == "5678/QĐ-TTg"
    assert selectors.replacement_chain(old) == [old, new]
    assert list(selectors.active_decisions()) == [new]
    assert list(selectors.items(level="mat")) == []
    assert list(selectors.items(level="mat", active_only=False)) == [item]
    with pytest.raises(ValidationError, match="đã được thay thế"):
        services.add_item(ACTOR, old, article="9", level="mat", text="Muộn")
    with pytest.raises(ValidationError, match="đã được thay thế"):
        services.replace_decision(ACTOR, old, new)


def test_replace_decision_refusals():
    old = _decision()
    earlier = _decision("1/QĐ-TTg", dt.date(2019, 1, 1))
    sample = _decision("MẪU-9", dt.date(2025, 1, 1), is_sample=True)
    with pytest.raises(ValidationError, match="chính nó"):
        services.replace_decision(ACTOR, old, old)
    with pytest.raises(ValidationError, match="ban hành trước"):
        services.replace_decision(ACTOR, old, earlier)
    with pytest.raises(ValidationError, match="Dữ liệu mẫu"):
        services.replace_decision(ACTOR, old, sample)
    old.refresh_from_db()
    assert old.status == CatalogueDecision.Status.ACTIVE


def test_sample_decisions_can_be_left_out():
    real = _decision()
    _decision("MẪU-1", is_sample=True)
    assert list(selectors.active_decisions(include_samples=False)) == [real]


def test_admin_adds_and_replaces_through_the_services(admin_client):
    mark = _head()
    response = admin_client.post(
        "/admin/catalogue/cataloguedecision/add/",
        {
            "number": "77/QĐ-TTg",
            "date": "2021-01-05",
            "issuer": "Thủ tướng Chính phủ",
            "title": "Danh mục thử",
            "note": "",
        },
    )
    assert response.status_code == 302, _errors(response)
    old = CatalogueDecision.objects.get(number="77/QĐ-TTg")
    response = admin_client.post(
        "/admin/catalogue/catalogueitem/add/",
        {
            "decision": old.pk,
            "article": "1",
            "clause": "1",
            "point": "",
            "level": "toi_mat",
            "text": "Nội dung",
        },
    )
    assert response.status_code == 302, _errors(response)
    new = _decision("88/QĐ-TTg", dt.date(2023, 3, 3))
    response = admin_client.post(
        f"/admin/catalogue/cataloguedecision/{old.pk}/change/",
        {
            "replaced_by": new.pk,
            # The read-only items inline still posts its management form, as a browser does.
            "items-TOTAL_FORMS": "1",
            "items-INITIAL_FORMS": "1",
            "items-MIN_NUM_FORMS": "0",
            "items-MAX_NUM_FORMS": "1000",
            "items-0-id": old.items.get().pk,
            "items-0-decision": old.pk,
        },
    )
    assert response.status_code == 302, _errors(response)
    old.refresh_from_db()
    assert old.replaced_by == new
    actions = [e.action for e in _after(mark)]
    assert actions == [
        "catalogue.decision.create",
        "catalogue.item.add",
        "catalogue.decision.create",
        "catalogue.decision.replace",
    ]
    assert all(e.actor in ("user:admin", ACTOR) for e in _after(mark))
    for url in (
        "/admin/catalogue/cataloguedecision/",
        f"/admin/catalogue/cataloguedecision/{old.pk}/change/",
        f"/admin/catalogue/cataloguedecision/{new.pk}/change/",
        "/admin/catalogue/catalogueitem/",
        "/admin/catalogue/catalogueitem/add/",
        f"/admin/catalogue/catalogueitem/{old.items.get().pk}/change/",
    ):
        assert admin_client.get(url).status_code == 200, url
    assert (
        admin_client.post(
            f"/admin/catalogue/catalogueitem/{old.items.get().pk}/delete/"
        ).status_code
        == 403
    )
