"""Extension, adjustment, councils, declassification, lapse, destruction and notices."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from bmnn.registry.models import Copy, Council, LifecycleDecision, SecretItem
from bmnn.registry.services import lifecycle
from bmnn.web import ledger
from bmnn.web.errors import Refused

from .conftest import ACTOR, ON

EXTEND = "Luật 29/2018/QH14, Điều 20, khoản 2"
NOTICE_EXTEND = "Luật 29/2018/QH14, Điều 20, khoản 4"
ADJUST = "Luật 117/2025/QH15, Điều 21, khoản 3"
NOTICE_ADJUST = "Luật 117/2025/QH15, Điều 21, khoản 5"
CATALOGUE = "Luật 117/2025/QH15, Điều 5, khoản 1"
DECLASSIFY_COUNCIL = "Luật 29/2018/QH14, Điều 22, khoản 4"
NOTICE_DECLASSIFY = "Luật 29/2018/QH14, Điều 22, khoản 6"
DESTROY = "Luật 29/2018/QH14, Điều 23, khoản 3, điểm a"
DESTROY_COUNCIL = "Luật 29/2018/QH14, Điều 23, khoản 4"
DESTROY_IMMEDIATE = "Luật 29/2018/QH14, Điều 23, khoản 3, điểm c"
MEMBERS = [
    {"name": "Phó Giám Đốc", "position": "Phó Giám đốc", "unit": "Sở Thử nghiệm"},
    {"name": "Văn Thư", "position": "Văn thư", "unit": "Văn phòng"},
]


def set_period(item, expires_on, classified_on=None):
    """Tests only: move an item's period (the services never write these columns directly)."""
    changes = {
        "expires_on": expires_on,
        "extension_decision_by": expires_on - dt.timedelta(days=60),
    }
    if classified_on:
        changes["classified_on"] = classified_on
    SecretItem.objects.filter(pk=item.pk).update(**changes)
    item.refresh_from_db()
    return item


def council(sx, kind, items, *, by=None, minutes="Hội đồng thống nhất đề nghị", on=ON, **extra):
    args = dict(
        kind=kind,
        established_by=by or sx.director,
        establishment_number="15/QĐ-STN",
        established_on=on,
        chair="Phó Giám Đốc — Phó Giám đốc Sở",
        members=MEMBERS,
        minutes=minutes,
        minutes_on=on,
        items=items,
    )
    args.update(extra)
    return lifecycle.create_council(ACTOR, **args)


# ---------------------------------------------------------------------- extension
def test_extension_of_a_2021_secret_runs_on_from_its_expiry(sx, issued):
    item = set_period(issued("mat"), dt.date(2031, 5, 10), dt.date(2021, 5, 10))
    row = lifecycle.extend(
        ACTOR, item, decided_by=sx.director, years=10, document_number="20/QĐ-STN", on=ON
    )
    item.refresh_from_db()
    assert item.expires_on == dt.date(2041, 5, 10)
    assert item.extension_decision_by == dt.date(2041, 5, 10) - dt.timedelta(days=60)
    assert item.classified_on == dt.date(2021, 5, 10)
    assert row.kind == LifecycleDecision.Kind.EXTEND and row.years == 10
    assert row.old_expires_on == dt.date(2031, 5, 10) and row.new_expires_on == item.expires_on
    assert row.citation == EXTEND and row.rule_id == "extend/2026"
    assert row.notice_due == ON + dt.timedelta(days=15)
    assert row.notice_citation == NOTICE_EXTEND
    assert ledger.recent(1)[0].action == "registry.lifecycle.extend"


def test_an_extension_longer_than_the_base_period_is_refused(sx, issued):
    item = set_period(issued("mat"), dt.date(2031, 5, 10), dt.date(2021, 5, 10))
    with pytest.raises(Refused) as err:
        lifecycle.extend(ACTOR, item, decided_by=sx.director, years=11, document_number="1", on=ON)
    assert err.value.citation == EXTEND and "10 năm" in err.value.message
    assert not LifecycleDecision.objects.exists()
    toi_mat = set_period(issued("toi_mat"), dt.date(2031, 5, 10), dt.date(2011, 5, 10))
    row = lifecycle.extend(
        ACTOR, toi_mat, decided_by=sx.director, years=20, document_number="2", on=ON
    )
    assert row.new_expires_on == dt.date(2051, 5, 10)


def test_an_extension_decided_later_than_60_days_before_expiry_is_refused(sx, issued):
    late = set_period(issued("mat"), dt.date(2026, 5, 1), dt.date(2016, 5, 1))
    with pytest.raises(Refused) as err:
        lifecycle.extend(ACTOR, late, decided_by=sx.director, years=5, document_number="1", on=ON)
    assert err.value.citation == EXTEND
    assert "60 ngày" in err.value.message and "02/03/2026" in err.value.message
    late.refresh_from_db()
    assert late.expires_on == dt.date(2026, 5, 1)
    assert not LifecycleDecision.objects.exists()
    # Exactly 60 days before is still in time.
    in_time = set_period(issued("mat"), dt.date(2026, 5, 31), dt.date(2016, 5, 31))
    row = lifecycle.extend(
        ACTOR, in_time, decided_by=sx.director, years=5, document_number="2", on=ON
    )
    assert row.new_expires_on == dt.date(2031, 5, 31)


def test_extension_from_29_february_follows_the_counting_rule(sx, issued):
    item = set_period(issued("mat"), dt.date(2028, 2, 29), dt.date(2018, 2, 28))
    row = lifecycle.extend(ACTOR, item, decided_by=sx.director, years=5, document_number="3", on=ON)
    assert row.new_expires_on == dt.date(2033, 2, 28)
    assert "Điều 148" in ledger.recent(1)[0].payload_data()["counting_citation"]


def test_extension_before_the_change_cites_the_confirmed_rule(sx, issued):
    before = dt.date(2026, 2, 20)
    item = set_period(issued("mat", on=dt.date(2026, 2, 2)), dt.date(2026, 4, 30))
    row = lifecycle.extend(
        ACTOR, item, decided_by=sx.director, years=10, document_number="4", on=before
    )
    assert row.rule_id == "extend/2019" and row.confidence == "confirmed"
    assert row.citation == EXTEND and row.notice_citation == NOTICE_EXTEND
    assert row.notice_due == dt.date(2026, 3, 7)


def test_only_the_head_of_the_classifying_agency_extends(sx, issued):
    item = set_period(issued("mat"), dt.date(2031, 5, 10), dt.date(2021, 5, 10))
    with pytest.raises(Refused) as err:
        lifecycle.extend(ACTOR, item, decided_by=sx.head, years=5, document_number="1", on=ON)
    assert err.value.citation == EXTEND
    SecretItem.objects.filter(pk=item.pk).update(origin=SecretItem.Origin.INCOMING)
    with pytest.raises(Refused, match="cơ quan khác xác định") as err:
        lifecycle.extend(ACTOR, item, decided_by=sx.director, years=5, document_number="1", on=ON)
    assert err.value.citation == EXTEND
    assert not LifecycleDecision.objects.exists()


# ---------------------------------------------------------------------- adjustment
def test_raising_to_tuyet_mat_erases_the_summary_and_restarts_the_period(sx, issued):
    item = set_period(
        issued("mat", summary="Phương án bảo vệ mục tiêu"),
        dt.date(2031, 5, 10),
        dt.date(2021, 5, 10),
    )
    assert "phuong an bao ve" in item.search_text
    row = lifecycle.adjust(
        ACTOR,
        item,
        decided_by=sx.director,
        new_level="tuyet_mat",
        catalogue_item=sx.items["tuyet_mat"],
        document_number="30/QĐ-STN",
        on=ON,
    )
    item.refresh_from_db()
    assert item.level == "tuyet_mat" and item.summary == ""
    assert "phuong an" not in item.search_text and item.number_symbol.lower() in item.search_text
    assert item.catalogue_item == sx.items["tuyet_mat"]
    assert item.classified_on == dt.date(2021, 5, 10)  # the history keeps the first date
    assert item.expires_on == dt.date(2056, 4, 1) and item.period_years == 30
    assert row.old_level == "mat" and row.new_level == "tuyet_mat"
    assert row.citation == ADJUST and row.notice_citation == NOTICE_ADJUST
    assert row.notice_due == ON + dt.timedelta(days=15)
    assert all("Phương án" not in e.payload for e in ledger.recent(50))


def test_lowering_follows_the_catalogue_of_the_new_level(sx, issued):
    item = issued("toi_mat")
    with pytest.raises(Refused) as err:
        lifecycle.adjust(
            ACTOR, item, decided_by=sx.director, new_level="mat", document_number="1", on=ON
        )
    assert err.value.citation == CATALOGUE
    with pytest.raises(Refused) as err:
        lifecycle.adjust(
            ACTOR,
            item,
            decided_by=sx.director,
            new_level="mat",
            catalogue_item=sx.items["toi_mat"],
            document_number="1",
            on=ON,
        )
    assert err.value.citation == CATALOGUE and "Tối mật" in err.value.message
    assert not LifecycleDecision.objects.exists()
    row = lifecycle.adjust(
        ACTOR,
        item,
        decided_by=sx.director,
        new_level="mat",
        catalogue_item=sx.items["mat"],
        document_number="2",
        on=ON,
    )
    item.refresh_from_db()
    assert item.level == "mat" and item.expires_on == dt.date(2036, 4, 1)
    assert item.summary == "Báo cáo thử" and row.new_expires_on == dt.date(2036, 4, 1)


def test_adjusting_to_no_level_is_a_declassification(sx, issued):
    item = issued("mat")
    with pytest.raises(Refused) as err:
        lifecycle.adjust(
            ACTOR, item, decided_by=sx.director, new_level="", document_number="1", on=ON
        )
    assert err.value.citation == "Luật 117/2025/QH15, Điều 21"
    old = issued("mat", on=dt.date(2026, 2, 2))
    with pytest.raises(Refused) as err:
        lifecycle.adjust(
            ACTOR,
            old,
            decided_by=sx.director,
            new_level=None,
            document_number="1",
            on=dt.date(2026, 2, 10),
        )
    assert err.value.citation == "Luật 29/2018/QH14, Điều 21, khoản 1"


def test_same_level_and_no_authority_are_refused(sx, issued):
    item = issued("toi_mat")
    with pytest.raises(ValidationError):
        lifecycle.adjust(
            ACTOR,
            item,
            decided_by=sx.director,
            new_level="toi_mat",
            catalogue_item=sx.items["toi_mat"],
            document_number="1",
            on=ON,
        )
    with pytest.raises(Refused) as err:
        lifecycle.adjust(
            ACTOR,
            item,
            decided_by=sx.deputy,
            new_level="mat",
            catalogue_item=sx.items["mat"],
            document_number="1",
            on=ON,
        )
    assert err.value.citation == ADJUST
    assert not LifecycleDecision.objects.exists()


# ---------------------------------------------------------------------- councils
def test_a_council_needs_its_members_minutes_and_list(sx, issued):
    item = issued("mat")
    with pytest.raises(Refused) as err:
        council(sx, Council.Kind.DECLASSIFY, [item], minutes=" ")
    assert err.value.citation == DECLASSIFY_COUNCIL and "biên bản" in err.value.message
    with pytest.raises(Refused) as err:
        council(sx, Council.Kind.DESTROY, [item], members=[])
    assert err.value.citation == DESTROY_COUNCIL and "thành viên" in err.value.message
    with pytest.raises(Refused) as err:
        council(sx, Council.Kind.DESTROY, [])
    assert err.value.citation == DESTROY_COUNCIL
    with pytest.raises(ValidationError):
        council(sx, Council.Kind.DESTROY, [item], members=[{"name": "A", "position": "B"}])
    with pytest.raises(Refused) as err:
        council(sx, Council.Kind.DESTROY, [item], by=sx.head)
    assert err.value.citation == DESTROY
    assert not Council.objects.exists()
    made = council(sx, Council.Kind.DESTROY, [item])
    assert list(made.items.all()) == [item] and made.members == MEMBERS


# ---------------------------------------------------------------------- declassification
def test_declassification_after_the_council_and_its_notice(sx, issued):
    item = issued("toi_mat")
    board = council(sx, Council.Kind.DECLASSIFY, [item])
    row = lifecycle.declassify(
        ACTOR, item, decided_by=sx.director, council=board, document_number="40/QĐ-STN", on=ON
    )
    item.refresh_from_db()
    assert item.status == SecretItem.Status.DECLASSIFIED and item.status_on == ON
    assert row.council == board and row.partial_scope == ""
    assert row.citation == "Luật 29/2018/QH14, Điều 22, khoản 4"
    assert row.notice_due == ON + dt.timedelta(days=15)
    assert row.notice_citation == NOTICE_DECLASSIFY


def test_partial_declassification_records_exactly_what_is_released(sx, issued):
    item = issued("mat")
    board = council(sx, Council.Kind.DECLASSIFY, [item])
    row = lifecycle.declassify(
        ACTOR,
        item,
        decided_by=sx.director,
        council=board,
        document_number="41/QĐ-STN",
        partial_scope="Phụ lục II: số liệu tổng hợp năm 2025",
        on=ON,
    )
    item.refresh_from_db()
    assert item.status == SecretItem.Status.ACTIVE
    assert row.partial_scope == "Phụ lục II: số liệu tổng hợp năm 2025"
    assert ledger.recent(1)[0].payload_data()["partial"] is True


def test_declassification_without_its_council_is_refused(sx, issued):
    item, other = issued("mat"), issued("mat")
    for board in (
        None,
        council(sx, Council.Kind.DESTROY, [item]),
        council(sx, Council.Kind.DECLASSIFY, [other]),
    ):
        with pytest.raises(Refused) as err:
            lifecycle.declassify(
                ACTOR, item, decided_by=sx.director, council=board, document_number="1", on=ON
            )
        assert err.value.citation == DECLASSIFY_COUNCIL
    item.refresh_from_db()
    assert item.status == SecretItem.Status.ACTIVE
    assert not LifecycleDecision.objects.exists()


def test_declassification_needs_the_head(sx, issued):
    item = issued("mat")
    board = council(sx, Council.Kind.DECLASSIFY, [item])
    with pytest.raises(Refused) as err:
        lifecycle.declassify(
            ACTOR, item, decided_by=sx.head, council=board, document_number="1", on=ON
        )
    assert err.value.citation == "Luật 29/2018/QH14, Điều 22, khoản 4"
    assert not LifecycleDecision.objects.exists()


# ---------------------------------------------------------------------- lapse
def test_a_period_ended_without_extension_is_marked_declassified_by_law(sx, issued):
    item = set_period(issued("mat"), dt.date(2026, 3, 15), dt.date(2016, 3, 15))
    row = lifecycle.mark_lapsed(ACTOR, item, by=sx.officer, on=ON)
    item.refresh_from_db()
    assert item.status == SecretItem.Status.DECLASSIFIED
    assert item.status_on == dt.date(2026, 3, 16) and item.lapsed_marked_on == ON
    assert row.kind == LifecycleDecision.Kind.LAPSED
    assert row.citation == "Luật 117/2025/QH15, Điều 22, khoản 1, điểm a"
    assert row.notice_due == ON + dt.timedelta(days=15)
    with pytest.raises(ValidationError):
        lifecycle.mark_lapsed(ACTOR, item, by=sx.officer, on=ON)


def test_lapse_under_law_29_cites_article_22_clause_3(sx, issued):
    item = set_period(issued("mat", on=dt.date(2026, 2, 2)), dt.date(2026, 2, 10))
    row = lifecycle.mark_lapsed(ACTOR, item, by=sx.clerk, on=dt.date(2026, 2, 20))
    assert row.citation == "Luật 29/2018/QH14, Điều 22, khoản 3"


def test_a_running_period_cannot_be_marked_lapsed(sx, issued):
    item = set_period(issued("mat"), ON, dt.date(2016, 4, 1))  # last protected day is today
    with pytest.raises(Refused) as err:
        lifecycle.mark_lapsed(ACTOR, item, by=sx.officer, on=ON)
    assert err.value.citation == "Luật 117/2025/QH15, Điều 22, khoản 1, điểm a"
    with pytest.raises(PermissionDenied):
        lifecycle.mark_lapsed(ACTOR, item, by=sx.cadre, on=ON + dt.timedelta(days=1))
    assert not LifecycleDecision.objects.exists()


# ---------------------------------------------------------------------- destruction
def test_destruction_after_the_council_destroys_held_copies_then_the_item(sx, issued):
    item = issued("toi_mat", copies=3)
    board = council(sx, Council.Kind.DESTROY, [item])
    first = list(item.copies.order_by("number")[:2])
    row = lifecycle.destroy(
        ACTOR,
        item,
        decided_by=sx.director,
        council=board,
        document_number="50/QĐ-STN",
        record="Biên bản tiêu hủy: nghiền nát bằng máy hủy tài liệu",
        copies=first,
        on=ON,
    )
    assert row.citation == DESTROY and set(row.copies.all()) == set(first)
    assert set(item.copies.values_list("state", flat=True)) == {"destroyed", "held"}
    item.refresh_from_db()
    assert item.status == SecretItem.Status.ACTIVE
    lifecycle.destroy(
        ACTOR,
        item,
        decided_by=sx.director,
        council=board,
        document_number="51/QĐ-STN",
        record="Biên bản tiêu hủy bản còn lại",
        on=ON,
    )
    item.refresh_from_db()
    assert item.status == SecretItem.Status.DESTROYED and item.status_on == ON
    assert not item.copies.exclude(state=Copy.State.DESTROYED).exists()


def test_destruction_needs_authority_council_and_record(sx, issued):
    item = issued("mat")
    board = council(sx, Council.Kind.DESTROY, [item])
    with pytest.raises(Refused) as err:
        lifecycle.destroy(
            ACTOR, item, decided_by=sx.head, council=board, document_number="1", record="x", on=ON
        )
    assert err.value.citation == DESTROY
    for wrong, record in ((None, "x"), (council(sx, Council.Kind.DECLASSIFY, [item]), "x")):
        with pytest.raises(Refused) as err:
            lifecycle.destroy(
                ACTOR,
                item,
                decided_by=sx.director,
                council=wrong,
                document_number="1",
                record=record,
                on=ON,
            )
        assert err.value.citation == DESTROY_COUNCIL
    with pytest.raises(Refused, match="biên bản tiêu hủy") as err:
        lifecycle.destroy(
            ACTOR,
            item,
            decided_by=sx.director,
            council=board,
            document_number="1",
            record="",
            on=ON,
        )
    assert err.value.citation == DESTROY_COUNCIL
    assert not LifecycleDecision.objects.exists()
    assert not item.copies.filter(state=Copy.State.DESTROYED).exists()


def test_a_copy_that_is_out_cannot_be_destroyed_by_the_council(sx, issued):
    item = issued("mat", copies=1)
    Copy.objects.filter(item=item).update(state=Copy.State.OUT)
    board = council(sx, Council.Kind.DESTROY, [item])
    with pytest.raises(ValidationError):
        lifecycle.destroy(
            ACTOR,
            item,
            decided_by=sx.director,
            council=board,
            document_number="1",
            record="x",
            copies=list(item.copies.all()),
            on=ON,
        )
    assert not LifecycleDecision.objects.exists()


def test_the_holder_destroys_at_once_and_reports_to_the_head(sx, issued):
    item = issued("mat", copies=1)
    copy = item.copies.get()
    with pytest.raises(Refused) as err:
        lifecycle.destroy_immediately(ACTOR, copy, holder=sx.clerk, report=" ", on=ON)
    assert err.value.citation == DESTROY_IMMEDIATE
    with pytest.raises(PermissionDenied):
        lifecycle.destroy_immediately(ACTOR, copy, holder=sx.officer, report="Cháy kho", on=ON)
    assert not LifecycleDecision.objects.exists()
    row = lifecycle.destroy_immediately(
        ACTOR, copy, holder=sx.clerk, report="Kho bị cháy lan, đã đốt hủy bản số 1", on=ON
    )
    assert row.kind == LifecycleDecision.Kind.DESTROY_IMMEDIATE
    assert row.citation == DESTROY_IMMEDIATE and row.reported_to == sx.director
    assert row.decided_by == sx.clerk and row.notice_due is None
    copy.refresh_from_db()
    item.refresh_from_db()
    assert copy.state == Copy.State.DESTROYED and item.status == SecretItem.Status.DESTROYED


# ---------------------------------------------------------------------- notices
def test_the_notice_is_recorded_once(sx, issued):
    item = set_period(issued("mat"), dt.date(2031, 5, 10), dt.date(2021, 5, 10))
    row = lifecycle.extend(ACTOR, item, decided_by=sx.director, years=5, document_number="1", on=ON)
    sent = lifecycle.record_notice(ACTOR, row, by=sx.clerk, on=dt.date(2026, 4, 20))
    assert sent.notified_on == dt.date(2026, 4, 20)
    assert ledger.recent(1)[0].payload_data()["late"] is True
    with pytest.raises(ValidationError):
        lifecycle.record_notice(ACTOR, row, by=sx.clerk, on=dt.date(2026, 4, 21))
    with pytest.raises(PermissionDenied):
        lifecycle.record_notice(ACTOR, row, by=sx.drafter, on=dt.date(2026, 4, 21))
    with pytest.raises(ValidationError):
        lifecycle.record_notice(
            ACTOR,
            lifecycle.destroy_immediately(
                ACTOR, issued("mat").copies.first(), holder=sx.clerk, report="Hủy", on=ON
            ),
            by=sx.clerk,
            on=ON,
        )
