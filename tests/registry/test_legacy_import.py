"""Importing legacy registers (sổ đăng ký BMNN đi / đến kept in Excel) from real XLSX files."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from openpyxl import Workbook
from typer.testing import CliRunner

from bmnn.cli import app
from bmnn.registry import legacy
from bmnn.registry.models import Copy, Receipt, Register, RegisterEntry, SecretItem
from bmnn.registry.search import search_items
from bmnn.registry.services.legacy_import import (
    ACTION,
    import_legacy_register,
    stored_rows_digest,
)
from bmnn.web import ledger
from bmnn.web.errors import Refused

from .conftest import ACTOR

OUT_HEADER = [
    "Số thứ tự",
    "Số, ký hiệu",
    "Ngày",
    "Tên loại và trích yếu",
    "ĐỘ MẬT",
    "Người ký",
    "Nơi nhận",
    "Đơn vị lưu",
    "Số lượng",
    "Ghi chú",
]
IN_HEADER = [
    "STT",
    "Ngày đến",
    "Số đến",
    "Cơ quan ban hành",
    "Số ký hiệu",
    "Ngày tháng",
    "Tên loại và trích yếu",
    "do mat",  # typed without diacritics
    "Đơn vị nhận / ký nhận",
    "Ghi chú",
]


def xlsx(header, rows, *, title_rows=True) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "Sổ đăng ký"
    if title_rows:
        ws.append(["SỔ ĐĂNG KÝ BÍ MẬT NHÀ NƯỚC"])
        ws.append([])
    ws.append(header)
    ws.append([f"({i})" for i in range(1, len(header) + 1)])
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def outgoing_rows(sx):
    return [
        # An Excel date, a level in capitals, a known type followed by the summary.
        [1, "12/BC-STN", dt.datetime(2019, 3, 4), "Báo cáo tình hình an ninh quý I", "TỐI MẬT",
         "Giám Đốc", "Bộ Công an; Lưu VT", "Văn phòng", 3, ""],
        # dd/mm/yyyy text, the envelope letter "C", no copies column value (default 1).
        [2, "13/KH-STN", "05/03/2019", "Kế hoạch: kiểm tra định kỳ", "C", "Giám Đốc",
         "Phòng A", sx.division.short_code, None, "ghi chú cũ"],
        # Tuyệt mật: the type alone.
        [4, "01/PA-STN", "20/12/2019", "Phương án", "Tuyệt mật", "Giám Đốc", "Bộ Công an",
         "", 2, ""],
    ]  # fmt: skip


def incoming_rows():
    return [
        [1, "02/01/2020", "15", "Bộ Công an", "100/CV-BCA", "30/12/2019",
         "Công văn về việc bảo vệ mục tiêu", "Mat", "Văn phòng - Nguyễn Văn A", ""],
        [2, dt.date(2020, 1, 3), 16, "UBND tỉnh", "7/QĐ-UBND", dt.date(2020, 1, 2),
         "Quyết định", "A", "Phòng A", "khẩn"],
    ]  # fmt: skip


def imp(sx, data, kind="outgoing", year=2019, filename="so-cu.xlsx", **extra):
    return import_legacy_register(
        ACTOR, data, filename=filename, kind=kind, agency=sx.agency, year=year, **extra
    )


def counts():
    return (
        SecretItem.objects.count(),
        RegisterEntry.objects.count(),
        Register.objects.count(),
        Copy.objects.count(),
        Receipt.objects.count(),
        len(ledger.recent(100_000)),
    )


def test_outgoing_book_keeps_numbers_levels_dates_and_is_closed(sx):
    result = imp(sx, xlsx(OUT_HEADER, outgoing_rows(sx)), clerk=sx.clerk)
    book = result.register
    assert (book.legacy, book.kind, book.year, book.book) == (True, "outgoing", 2019, 1)
    assert book.opened_on == dt.date(2019, 3, 4) and book.closed_on == dt.date(2019, 12, 20)
    assert book.last_number == 4 and book.source.startswith(f"sha256:{result.sha256}")
    entries = {e.number: e for e in book.entries.select_related("item")}
    assert sorted(entries) == [1, 2, 4]
    first = entries[1].item
    assert (first.level, first.doc_type, first.summary) == (
        "toi_mat",
        "Báo cáo",
        "tình hình an ninh quý I",
    )
    assert first.origin == "outgoing" and first.status == "active"
    assert first.classified_on == first.document_date == dt.date(2019, 3, 4)
    assert first.period_years == 20 and first.expires_on == dt.date(2039, 3, 4)
    assert first.catalogue_item is None and first.owner_unit == sx.office
    assert first.signer == "Giám Đốc" and first.recipients_text == "Bộ Công an; Lưu VT"
    assert first.legacy_columns == {"unit_text": "Văn phòng"}
    assert first.import_source == f"{result.sha256}:5"  # rows 1-2 titles, 3 header, 4 numbers
    assert "bao cao" in first.search_text and "12/bc-stn" in first.search_text
    second = entries[2].item
    assert (second.level, second.doc_type, second.summary) == (
        "mat",
        "Kế hoạch",
        "kiểm tra định kỳ",
    )
    assert second.owner_unit == sx.division and entries[2].note == "ghi chú cũ"
    assert entries[2].copies == 1 and entries[1].copies == 3
    tm = entries[4].item
    assert (tm.level, tm.doc_type, tm.summary) == ("tuyet_mat", "Phương án", "")
    assert tm.owner_unit == sx.agency
    copies = Copy.objects.filter(item=first).order_by("number")
    # Sent to the recipients long ago: a stocktake of the office must not call them lost.
    assert [(c.number, c.of_total, c.custodian, c.state) for c in copies] == [
        (n, 3, None, "sent") for n in (1, 2, 3)
    ]
    assert all(c.holder_outside for c in copies)
    assert result.as_dict()["by_level"] == {"tuyet_mat": 1, "toi_mat": 1, "mat": 1}
    assert result.copies == 6 and result.rows == 3
    # A gap (03) is a warning, not an error.
    assert any("03" in w for w in result.warnings)
    # Search finds the legacy item without diacritics.
    assert first in search_items(sx.director, "tinh hinh an ninh")


def test_one_summary_event_whose_row_digest_matches_what_is_stored(sx):
    before = len(ledger.recent(100_000))
    result = imp(sx, xlsx(OUT_HEADER, outgoing_rows(sx)), clerk=sx.clerk)
    events = ledger.recent(100_000)
    assert len(events) == before + 1
    event = events[0]
    assert event.action == ACTION and event.object == f"registry.Register:{result.register.pk}"
    payload = json.loads(event.payload)
    assert payload["sha256"] == result.sha256 and payload["rows"] == 3
    assert payload["by_level"] == {"tuyet_mat": 1, "toi_mat": 1, "mat": 1}
    assert payload["rows_sha256"] == stored_rows_digest(result.register)
    # Changing a stored line breaks the digest: the event vouches for every line.
    item = result.register.entries.get(number=2).item
    SecretItem.objects.filter(pk=item.pk).update(number_symbol="99/KH-STN")
    assert payload["rows_sha256"] != stored_rows_digest(result.register)


def test_incoming_book_receipts_arrival_numbers_and_letters(sx):
    result = imp(sx, xlsx(IN_HEADER, incoming_rows()), kind="incoming", year=2020)
    assert result.clerk == sx.clerk  # the agency's only clerk, when none is named
    entries = {e.number: e for e in result.register.entries.select_related("item", "receipt")}
    one, two = entries[1], entries[2]
    assert one.entered_on == dt.date(2020, 1, 2) and one.receipt.received_on == dt.date(2020, 1, 2)
    assert one.item.document_date == one.item.classified_on == dt.date(2019, 12, 30)
    assert (one.item.issuer, one.item.doc_type, one.item.summary) == (
        "Bộ Công an",
        "Công văn",
        "về việc bảo vệ mục tiêu",
    )
    assert one.item.origin == "incoming" and one.item.level == "mat"
    assert one.item.legacy_columns == {
        "unit_text": "Văn phòng - Nguyễn Văn A",
        "arrival_number": "15",
    }
    assert one.receipt.receiver_name == "Văn phòng - Nguyễn Văn A"
    assert one.receipt.receiving_unit == sx.agency  # no unit of that exact name
    assert two.item.level == "tuyet_mat" and two.item.doc_type == "Quyết định"
    assert two.receipt.receiving_unit == sx.division and two.note == "khẩn"
    assert two.item.legacy_columns["arrival_number"] == "16"


def test_tuyet_mat_summary_refused_with_rows_and_citation(sx):
    rows = outgoing_rows(sx)
    rows[2][3] = "Phương án bảo vệ mục tiêu trọng yếu"
    before = counts()
    with pytest.raises(Refused) as exc:
        imp(sx, xlsx(OUT_HEADER, rows), clerk=sx.clerk)
    assert "dòng 7" in exc.value.message and "63/2026/NĐ-CP" in exc.value.citation
    assert "mục tiêu trọng yếu" not in str(exc.value)
    assert counts() == before


def test_tuyet_mat_summary_dropped_when_asked(sx):
    rows = outgoing_rows(sx)
    rows[2][3] = "Phương án bảo vệ mục tiêu trọng yếu"
    rows.append(
        [5, "02/PA-STN", "21/12/2019", "Nội dung không rõ tên loại", "A", "GĐ", "", "", 1, ""]
    )
    result = imp(sx, xlsx(OUT_HEADER, rows), clerk=sx.clerk, drop_tuyet_mat_summaries=True)
    assert result.dropped_tuyet_mat_summaries == 2
    assert any("Đã bỏ trích yếu của 2" in w for w in result.warnings)
    items = SecretItem.objects.filter(entries__register=result.register, level="tuyet_mat")
    assert sorted((i.doc_type, i.summary) for i in items) == [("", ""), ("Phương án", "")]
    assert all("muc tieu" not in i.search_text for i in items)
    event = ledger.recent(1)[0]
    assert "mục tiêu" not in event.payload and "không rõ" not in event.payload


@pytest.mark.parametrize(
    ("column", "value", "message"),
    [
        (4, "Mất", "Dòng 6, cột E (ĐỘ MẬT): không nhận ra độ mật «Mất»"),
        (4, "D", "không nhận ra độ mật «D»"),
        (2, "31/02/2019", "Dòng 6, cột C (Ngày): «31/02/2019» không phải ngày có thật"),
        (2, "2019/03/05", "Dòng 6, cột C (Ngày): «2019/03/05» không phải ngày dạng dd/mm/yyyy"),
        (2, "05/03/2018", "không thuộc năm 2019 của sổ"),
        (0, 1, "Dòng 6, cột A (Số thứ tự): số thứ tự 1 trùng với dòng 5"),
        (0, 0, "số thứ tự phải từ 1 trở lên"),
        (0, "hai", "«hai» không phải số nguyên dương"),
        (8, 0, "Dòng 6, cột I (Số lượng): số lượng phải từ 1"),
        (1, "", "Dòng 6, cột B (Số, ký hiệu): thiếu số, ký hiệu"),
    ],
)
def test_bad_cell_names_row_and_column_and_writes_nothing(sx, column, value, message):
    rows = outgoing_rows(sx)
    rows[1][column] = value
    before = counts()
    with pytest.raises(ValidationError) as exc:
        imp(sx, xlsx(OUT_HEADER, rows), clerk=sx.clerk)
    assert any(message in m for m in exc.value.messages), exc.value.messages
    assert counts() == before


def test_bad_header_and_untitled_data_are_refused(sx):
    with pytest.raises(ValidationError) as exc:
        imp(sx, xlsx([*OUT_HEADER[:4], "Người duyệt", *OUT_HEADER[4:]], []), clerk=sx.clerk)
    assert any("không nhận ra cột «Người duyệt»" in m for m in exc.value.messages)
    with pytest.raises(ValidationError) as exc:
        imp(sx, xlsx([h for h in OUT_HEADER if h != "ĐỘ MẬT"], []), clerk=sx.clerk)
    assert any("thiếu cột «Độ mật»" in m for m in exc.value.messages)
    rows = outgoing_rows(sx)
    rows[0].append("thừa")
    with pytest.raises(ValidationError) as exc:
        imp(sx, xlsx(OUT_HEADER, rows), clerk=sx.clerk)
    assert exc.value.messages == ["Dòng 5, cột K: có dữ liệu nhưng cột không có tiêu đề."]


def test_limits_on_rows_and_size(sx):
    data = xlsx(OUT_HEADER, outgoing_rows(sx))
    small = legacy.ImportLimits(max_rows=2)
    with pytest.raises(ValidationError, match="hơn 2 dòng sổ"):
        imp(sx, data, clerk=sx.clerk, limits=small)
    with pytest.raises(ValidationError, match="Tệp lớn hơn"):
        imp(sx, data, clerk=sx.clerk, limits=legacy.ImportLimits(max_bytes=1024 * 1024 // 2**10))


def test_new_registrations_number_in_a_new_book_without_collision(sx, issued):
    # Legacy book of this very year (the agency came to the system in April 2026).
    rows = [
        [1, "1/BC-STN", "05/01/2026", "Báo cáo", "Mật", "GĐ", "", "", 1, ""],
        [2, "2/BC-STN", "06/01/2026", "Báo cáo", "Mật", "GĐ", "", "", 1, ""],
    ]
    data = xlsx(OUT_HEADER, rows)
    result = imp(sx, data, year=2026, clerk=sx.clerk)
    assert result.register.book == 1 and result.register.closed_on == dt.date(2026, 1, 6)
    item = issued("mat", copies=1)
    entry = item.entries.get()
    assert entry.register.book == 2 and not entry.register.legacy and entry.number == 1
    assert issued("mat", copies=1).entries.get().register == entry.register
    # A second legacy book of the same year goes after; the same file is not imported twice.
    with pytest.raises(ValidationError, match="đã được nhập"):
        imp(sx, data, year=2026, clerk=sx.clerk)
    with pytest.raises(ValidationError, match="đã có quyển 2"):
        imp(sx, xlsx(OUT_HEADER, rows[:1]), year=2026, clerk=sx.clerk, book=2)
    third = imp(sx, xlsx(OUT_HEADER, rows[:1]), year=2026, clerk=sx.clerk)
    assert third.register.book == 3
    assert issued("mat", copies=1).entries.get().register == entry.register


def test_only_register_keepers_of_the_agency(sx):
    data = xlsx(OUT_HEADER, outgoing_rows(sx))
    with pytest.raises(PermissionDenied):
        imp(sx, data, clerk=sx.drafter)
    with pytest.raises(ValidationError, match="Năm của sổ"):
        imp(sx, data, year=2030, clerk=sx.clerk)
    with pytest.raises(ValidationError, match="cơ quan, tổ chức"):
        import_legacy_register(
            ACTOR, data, kind="outgoing", agency=sx.division, year=2019, clerk=sx.clerk
        )


def test_csv_with_separate_type_and_summary_columns(sx):
    text = (
        "Số TT;Số ký hiệu;Ngày;Tên loại;Trích yếu;Độ mật;Người ký;Nơi nhận;Đơn vị lưu;Ghi chú\n"
        "1;5/TB-STN;07/05/2021;Thông báo;lịch kiểm tra;Mật;GĐ;Phòng A;;\n"
    ).encode()
    result = imp(sx, text, year=2021, clerk=sx.clerk, filename="so-di.csv")
    item = result.register.entries.get().item
    assert (item.doc_type, item.summary, result.file_format) == (
        "Thông báo",
        "lịch kiểm tra",
        "csv",
    )


def test_cli_import_legacy_json_and_refusal(sx, tmp_path):
    path = tmp_path / "so-di-2019.xlsx"
    rows = outgoing_rows(sx)
    path.write_bytes(xlsx(OUT_HEADER, rows))
    runner = CliRunner()
    args = ["registry", "import-legacy", str(path), "--kind", "outgoing"]
    args += ["--agency", sx.agency.short_code, "--year", "2019"]
    done = runner.invoke(app, [*args, "--clerk", sx.clerk.user.username, "--format", "json"])
    assert done.exit_code == 0, done.output
    out = json.loads(done.stdout)
    assert out["rows"] == 3 and out["book"] == 1 and out["agency"] == sx.agency.short_code
    assert out["by_level"] == {"tuyet_mat": 1, "toi_mat": 1, "mat": 1}
    assert ledger.recent(1)[0].actor.startswith("cli:")

    rows[2][3] = "Phương án bảo vệ mục tiêu"
    bad = tmp_path / "so-di-2019-b.xlsx"
    bad.write_bytes(xlsx(OUT_HEADER, rows))
    refused = runner.invoke(app, ["registry", "import-legacy", str(bad), *args[3:]])
    assert refused.exit_code == 2
    assert "dòng 7" in refused.stderr and "Căn cứ: Nghị định 63/2026/NĐ-CP" in refused.stderr
    dropped = runner.invoke(
        app, ["registry", "import-legacy", str(bad), *args[3:], "--drop-tuyet-mat-summaries"]
    )
    assert dropped.exit_code == 0, dropped.output
    assert "Đã bỏ trích yếu của 1" in dropped.stdout
    assert Register.objects.filter(agency=sx.agency, legacy=True).count() == 2
    unknown = runner.invoke(app, [*args[:5], "--agency", "KHONGCO", "--year", "2019"])
    assert unknown.exit_code == 2 and "KHONGCO" in unknown.stderr
