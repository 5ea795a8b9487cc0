"""Importing a catalogue decision from CSV and XLSX: layouts, encodings, Unicode forms, every
refusal (which writes nothing), replacement, and hostile files."""

from __future__ import annotations

import codecs
import datetime as dt
import hashlib
import io
import struct
import time
import unicodedata
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from bmnn.catalogue import services
from bmnn.catalogue.importer import DEFAULT_LIMITS, ImportLimits, parse_level, read_catalogue
from bmnn.catalogue.models import CatalogueDecision, CatalogueItem
from tests.catalogue.conftest import (
    ACTOR,
    DECISION,
    HEADER,
    ROWS,
    cp1258,
    csv_bytes,
    events_after,
    head,
    snapshot,
    xlsx_bytes,
)

pytestmark = pytest.mark.django_db


def _import(source, filename=None, **extra):
    return services.import_catalogue(ACTOR, source, filename=filename, **{**DECISION, **extra})


def _refused(source, filename, *fragments, **extra) -> list[str]:
    """Import must fail with messages containing each fragment, and write nothing at all."""
    before = snapshot()
    with pytest.raises(ValidationError) as caught:
        _import(source, filename, **extra)
    after = snapshot()
    assert after == before
    messages = caught.value.messages
    joined = "\n".join(messages)
    for fragment in fragments:
        assert fragment in joined, joined
    return messages


def _stored() -> list[tuple[str, str, str, str, str]]:
    return list(
        CatalogueItem.objects.order_by("pk").values_list(
            "article", "clause", "point", "level", "text"
        )
    )


EXPECTED = [
    ("1", "1", "a", "tuyet_mat", ROWS[0][4]),
    ("1", "1", "b", "toi_mat", ROWS[1][4]),
    ("1", "2", "", "mat", ROWS[2][4]),
    ("2", "", "", "mat", ROWS[3][4]),
]


# --- Successful imports ----------------------------------------------------------------------


def test_csv_import_writes_decision_items_and_their_events():
    data = csv_bytes([HEADER, *ROWS])
    mark = head()
    result = _import(data, "danh-muc.csv")

    decision = CatalogueDecision.objects.get()
    assert result.decision == decision
    assert (decision.number, decision.date, decision.status) == (
        "1234/QĐ-TTg",
        dt.date(2020, 6, 5),
        CatalogueDecision.Status.ACTIVE,
    )
    assert _stored() == EXPECTED
    assert all(item.decision == decision for item in CatalogueItem.objects.all())
    assert CatalogueItem.objects.get(point="a").citation == (
        "điểm a khoản 1 Điều 1 Quyết định số 1234/QĐ-TTg ngày 05/06/2020"
    )
    assert result.as_dict() == {
        "decision": "1234/QĐ-TTg",
        "items": 4,
        "by_level": {"tuyet_mat": 1, "toi_mat": 1, "mat": 2},
        "replaced": None,
    }

    events = events_after(mark)
    assert [e.action for e in events] == [
        "catalogue.decision.create",
        *["catalogue.item.add"] * 4,
        "catalogue.import",
    ]
    assert all(e.actor == ACTOR for e in events)
    assert [e.payload_data()["text"] for e in events[1:5]] == [row[4] for row in ROWS]
    summary = events[-1].payload_data()
    assert summary["sha256"] == hashlib.sha256(data).hexdigest()
    assert summary["filename"] == "danh-muc.csv"
    assert summary["format"] == "csv"
    assert summary["items"] == 4
    assert summary["by_level"] == {"tuyet_mat": 1, "toi_mat": 1, "mat": 2}
    assert summary["replaced"] is None
    assert events[-1].object == f"catalogue.CatalogueDecision:{decision.pk}"


@pytest.mark.parametrize(
    ("header", "delimiter", "encode"),
    [
        (HEADER, ";", lambda text: codecs.BOM_UTF8 + text.encode("utf-8")),
        (("ARTICLE", "Clause", "point", "LEVEL", "Text"), "\t", lambda t: t.encode("utf-8")),
        (("DIEU", "khoan", "Diem", "Do mat", "Noi dung"), ",", lambda t: t.encode("utf-8")),
        (("Điều", "Khoản", "Điểm", "Độ mật", "Nội dung"), ";", cp1258),
        (HEADER, ",", lambda text: text.encode("utf-16")),
    ],
    ids=["utf8-bom-semicolon", "english-tab", "no-diacritics", "cp1258", "utf16"],
)
def test_csv_encodings_delimiters_and_header_spellings(header, delimiter, encode):
    # Commas inside the text must not fool the delimiter detection.
    rows = [(*row[:4], row[4] + ", gồm bản gốc; bản sao") for row in ROWS]
    text = csv_bytes([header, *rows], delimiter=delimiter).decode("utf-8")
    _import(encode(text), "danh-muc.csv")
    assert _stored() == [(*row[:4], row[4] + ", gồm bản gốc; bản sao") for row in EXPECTED]
    assert all(unicodedata.is_normalized("NFC", item[4]) for item in _stored())


def test_xlsx_import_with_title_rows_stt_column_and_numeric_cells():
    rows = [
        ("DANH MỤC BÍ MẬT NHÀ NƯỚC LĨNH VỰC THỬ NGHIỆM",),
        ("(Kèm theo Quyết định số 1234/QĐ-TTg)",),
        (),
        ("STT", *HEADER, None),
        *[
            (n, int(r[0]), int(r[1]) if r[1] else None, r[2], r[3], r[4])
            for n, r in enumerate(ROWS)
        ],
    ]
    data = xlsx_bytes(("Sheet1", rows))
    result = _import(data, "danh-muc.xlsx")
    assert _stored() == EXPECTED
    assert (result.file_format, result.sheet) == ("xlsx", "Sheet1")
    assert events_after(0)[-1].payload_data()["sheet"] == "Sheet1"


def test_xlsx_reads_the_sheet_named_danh_muc():
    data = xlsx_bytes(
        ("Hướng dẫn", [("Nhập mỗi mục một dòng",), ("Điều", "Nội dung")]),
        ("DANH MUC", [HEADER, *ROWS]),
    )
    result = _import(data, "qd.xlsx")
    assert result.sheet == "DANH MUC"
    assert _stored() == EXPECTED


def test_xlsx_without_a_name_is_recognised_by_its_content():
    assert read_catalogue(xlsx_bytes(("A", [HEADER, *ROWS]))).file_format == "xlsx"
    assert read_catalogue(csv_bytes([HEADER, *ROWS])).file_format == "csv"


def test_path_and_file_object_sources(tmp_path):
    path = tmp_path / "danh-muc.xlsx"
    path.write_bytes(xlsx_bytes(("Danh mục", [HEADER, *ROWS])))
    parsed = read_catalogue(path)
    assert (parsed.filename, parsed.file_format, len(parsed.items)) == ("danh-muc.xlsx", "xlsx", 4)
    with path.open("rb") as handle:
        assert read_catalogue(handle).items == parsed.items
    result = _import(str(path))
    assert result.items == 4
    assert events_after(0)[-1].payload_data()["filename"] == "danh-muc.xlsx"


def test_a_django_upload_is_read_whole_and_named_by_its_name():
    upload = SimpleUploadedFile("Danh mục 2024.xlsx", xlsx_bytes(("Danh mục", [HEADER, *ROWS])))
    upload.read(10)  # as a form's validation might
    result = _import(upload)
    assert (result.items, result.file_format) == (4, "xlsx")
    assert events_after(0)[-1].payload_data()["filename"] == "Danh mục 2024.xlsx"


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_level_heading_rows_give_the_level_of_the_rows_below(file_format):
    rows = [
        ("Điều", "Khoản", "Điểm", "Nội dung"),
        ("TUYỆT MẬT",),
        ("1", "1", "a", "Kế hoạch phòng thủ quốc gia"),
        ("", "", "", ""),
        ("", "", "", "II. TỐI MẬT"),  # the heading may sit in any one column
        ("1", "1", "b", "Bản đồ địa hình quân sự tỷ lệ lớn"),
        ("", "Mật", "", ""),
        ("1", "2", "", "Số liệu dự trữ quốc gia chưa công bố"),
        ("2", "", "", "Hồ sơ cán bộ diện Trung ương quản lý"),
    ]
    if file_format == "csv":
        data, name = csv_bytes(rows), "a.csv"
    else:
        data, name = xlsx_bytes(("Danh mục", rows)), "a.xlsx"
    result = _import(data, name)
    assert _stored() == EXPECTED
    assert result.by_level == {"tuyet_mat": 1, "toi_mat": 1, "mat": 2}


def test_heading_rows_with_a_level_column_fill_only_its_empty_cells():
    rows = [
        HEADER,
        ("Danh mục bí mật nhà nước độ Tuyệt mật",),
        ("1", "1", "a", "", ROWS[0][4]),
        ("1. TỐI MẬT",),
        ("1", "1", "b", "Tối mật", ROWS[1][4]),
        ("MẬT",),
        ("1", "2", "", "", ROWS[2][4]),
        ("2", "", "", "mat", ROWS[3][4]),
    ]
    _import(csv_bytes(rows), "a.csv")
    assert _stored() == EXPECTED


def test_nfd_input_and_tone_placement_variants():
    nfd = unicodedata.normalize("NFD", csv_bytes([HEADER, *ROWS]).decode())
    _import(nfd.encode("utf-8"), "nfd.csv")
    assert _stored() == EXPECTED
    # Stored text is NFC, so searching and comparing with other NFC text works.
    assert CatalogueItem.objects.filter(text=ROWS[1][4]).count() == 1


@pytest.mark.parametrize(
    ("cell", "level"),
    [
        ("Tuyệt mật", "tuyet_mat"),
        ("TUYỆT MẬT", "tuyet_mat"),
        ("tuyet_mat", "tuyet_mat"),
        ("Tối mật", "toi_mat"),
        ("TỐI MẬT", "toi_mat"),
        ("toi_mat", "toi_mat"),
        ("Mật", "mat"),
        ("mật.", "mat"),
        ("mat", "mat"),
        ("Tuyet mat", "tuyet_mat"),
        ("TOI MAT", "toi_mat"),
        (unicodedata.normalize("NFD", "Tuyệt mật"), "tuyet_mat"),
        (unicodedata.normalize("NFD", "TỐI MẬT"), "toi_mat"),
        # Circumflex before the dot below: a non-canonical order that NFC puts right.
        ("M\u0061\u0302\u0323t", "mat"),
        ("Độ Tuyệt mật", "tuyet_mat"),
        ("I. TUYỆT MẬT", "tuyet_mat"),
        ("Danh mục bí mật nhà nước độ Tối mật", "toi_mat"),
        # A wrong tone or vowel is another word, not a typo to guess through.
        ("Mất", None),
        ("Mắt", None),
        ("Tôi mật", None),
        ("Tối mất", None),
        ("TUYET MẬT", None),
        ("Bí mật", None),
        ("Độ mật", None),  # the column title
        ("Mật mật", None),
        ("secret", None),
        ("", None),
    ],
)
def test_parse_level(cell, level):
    assert parse_level(cell) == level


def test_tone_placement_does_not_matter_for_matching():
    # "hoà" (old style) and "hòa" (new style) put the grave tone on different vowels.
    from bmnn.catalogue.importer import _tone_key

    assert _tone_key("hoà") == _tone_key("hòa")
    assert _tone_key("thuỷ") == _tone_key("thủy")
    assert _tone_key("Mật") != _tone_key("Mất")


def test_cell_prefixes_and_point_case_are_normalised():
    rows = [
        HEADER,
        ("Điều 1", "Khoản 1.", "Điểm A)", "Tuyệt mật", "X"),
        ("1", "1", "đ", "Mật", "Y"),
    ]
    _import(csv_bytes(rows), "a.csv")
    assert _stored() == [("1", "1", "a", "tuyet_mat", "X"), ("1", "1", "đ", "mat", "Y")]


# --- Replacement -----------------------------------------------------------------------------


def test_import_replacing_a_decision_keeps_the_old_one_on_record():
    old = _import(csv_bytes([HEADER, *ROWS]), "cu.csv").decision
    old_items = set(old.items.values_list("pk", flat=True))
    mark = head()
    result = _import(
        xlsx_bytes(("Danh mục", [HEADER, ("1", "1", "a", "Tối mật", "Nội dung mới")])),
        "moi.xlsx",
        number="5678/QĐ-TTg",
        date=dt.date(2024, 1, 2),
        replaces=old,
    )
    old.refresh_from_db()
    assert old.status == CatalogueDecision.Status.REPLACED
    assert old.replaced_by == result.decision
    assert set(old.items.values_list("pk", flat=True)) == old_items  # still cited by documents
    assert result.replaced == old and result.replaced.status == CatalogueDecision.Status.REPLACED
    assert result.as_dict()["replaced"] == "1234/QĐ-TTg"
    assert [e.action for e in events_after(mark)] == [
        "catalogue.decision.create",
        "catalogue.item.add",
        "catalogue.decision.replace",
        "catalogue.import",
    ]
    assert events_after(mark)[-1].payload_data()["replaced"] == "1234/QĐ-TTg"


def test_a_refused_replacement_rolls_back_the_new_decision_and_its_items():
    old = _import(csv_bytes([HEADER, *ROWS]), "cu.csv").decision
    # The file is fine; the replacement is not (the new decision predates the old one), which
    # is found only after the decision and its items were written inside the transaction.
    _refused(
        csv_bytes([HEADER, *ROWS]),
        "moi.csv",
        "ban hành trước",
        number="9/QĐ-TTg",
        date=dt.date(2019, 1, 1),
        replaces=old,
    )
    old.refresh_from_db()
    assert old.status == CatalogueDecision.Status.ACTIVE
    assert not CatalogueDecision.objects.filter(number="9/QĐ-TTg").exists()


def test_an_already_replaced_decision_cannot_be_replaced_again():
    old = _import(csv_bytes([HEADER, *ROWS]), "a.csv").decision
    _import(csv_bytes([HEADER, *ROWS]), "b.csv", number="2/QĐ-TTg", replaces=old)
    old.refresh_from_db()
    _refused(
        csv_bytes([HEADER, *ROWS]), "c.csv", "đã được thay thế", number="3/QĐ-TTg", replaces=old
    )


def test_an_existing_decision_number_is_refused():
    _import(csv_bytes([HEADER, *ROWS]), "a.csv")
    _refused(csv_bytes([HEADER, *ROWS]), "a.csv", "Quyết định số 1234/QĐ-TTg đã có")


# --- Refusals: nothing is written ------------------------------------------------------------


def _zip(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return out.getvalue()


GOOD_XLSX = xlsx_bytes(("Danh mục", [HEADER, *ROWS]))

BAD_FILES = [
    ("empty", b"", "a.csv", ["Tệp trống."]),
    ("blank", b" \r\n\r\n", "a.xlsx", ["Tệp trống."]),
    ("header-only", csv_bytes([HEADER]), "a.csv", ["không có mục nào"]),
    ("text-as-xlsx", csv_bytes([HEADER, *ROWS]), "a.xlsx", ["không phải tệp Excel .xlsx"]),
    ("pdf-name", b"%PDF-1.7\n", "a.pdf", ["Chỉ nhận tệp .csv hoặc .xlsx"]),
    ("xls-name", b"\xd0\xcf\x11\xe0", "a.xls", ["Excel (.xlsx) hoặc CSV UTF-8"]),
    ("ole-as-xlsx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(512), "a.xlsx", ["Excel cũ"]),
    ("zip-not-workbook", _zip({"hello.txt": b"hi"}), "a.xlsx", ["không phải tệp Excel .xlsx"]),
    ("truncated-xlsx", GOOD_XLSX[: len(GOOD_XLSX) // 2], "a.xlsx", ["không phải tệp Excel"]),
    ("binary-csv", b"\x00\x01\x02garbage\x00", "a.csv", ["không phải tệp văn bản CSV"]),
    (
        "bad-quoting",
        'Điều,Độ mật,Nội dung\r\n1,Mật,"x"y\r\n'.encode(),
        "a.csv",
        ["Dòng 2: tệp CSV sai định dạng"],
    ),
    (
        "no-header",
        csv_bytes([("1", "1", "a", "Mật", "X")] * 25),
        "a.csv",
        ["Không tìm thấy dòng tiêu đề cột"],
    ),
    (
        "missing-text-column",
        csv_bytes([HEADER[:4], *[r[:4] for r in ROWS]]),
        "a.csv",
        ["Dòng 1: thiếu cột «Nội dung»."],
    ),
    (
        "no-level-anywhere",
        csv_bytes([("Điều", "Khoản", "Điểm", "Nội dung"), ("1", "1", "a", "X")]),
        "a.csv",
        ["thiếu cột «Độ mật»"],
    ),
    (
        "duplicate-column",
        csv_bytes([(*HEADER, "Nội dung"), (*ROWS[0], "y")]),
        "a.csv",
        ["cột «Nội dung» xuất hiện nhiều lần (E, F)"],
    ),
    (
        "unknown-column",
        csv_bytes([(*HEADER, "Ghi chú"), (*ROWS[0], "ghi chú quan trọng")]),
        "a.csv",
        ["Dòng 1, cột F: không nhận ra cột «Ghi chú»"],
    ),
    (
        "data-in-unheaded-column",
        csv_bytes([HEADER, ROWS[0], (*ROWS[1], "tràn sang cột F")]),
        "a.csv",
        ["Dòng 3, cột F: có dữ liệu nhưng cột không có tiêu đề."],
    ),
    (
        "duplicate-place",
        csv_bytes([HEADER, *ROWS, ("1", "1", "a", "Mật", "Trùng chỗ")]),
        "a.csv",
        ["Dòng 6: mục điểm a khoản 1 Điều 1 trùng với dòng 2."],
    ),
    (
        "unknown-level",
        csv_bytes([HEADER, ROWS[0], ("1", "1", "b", "Bí mật", "X")]),
        "a.csv",
        ["Dòng 3, cột D (Độ mật): không nhận ra độ mật «Bí mật»"],
    ),
    (
        "wrong-tone-level",
        xlsx_bytes(("Danh mục", [HEADER, ("1", "1", "a", "Mất", "X")])),
        "a.xlsx",
        ["Dòng 2, cột D (Độ mật): không nhận ra độ mật «Mất»"],
    ),
    (
        "point-without-clause",
        csv_bytes([HEADER, ("3", "", "a", "Mật", "X")]),
        "a.csv",
        ["Dòng 2, cột C (Điểm): điểm «a» phải thuộc một khoản"],
    ),
    (
        "missing-article-and-text",
        csv_bytes([HEADER, ROWS[0], ("", "2", "", "Mật", "")]),
        "a.csv",
        ["Dòng 3, cột A (Điều): thiếu số Điều.", "Dòng 3, cột E (Nội dung): thiếu nội dung."],
    ),
    (
        "level-against-heading",
        csv_bytes([HEADER, ("TỐI MẬT",), ("1", "1", "a", "Mật", "X")]),
        "a.csv",
        ["Dòng 3, cột D (Độ mật): độ mật «Mật» khác với dòng tiêu đề «TỐI MẬT» ở dòng 2."],
    ),
    (
        "row-before-any-heading",
        csv_bytes([HEADER, ("1", "1", "a", "", "X"), ("MẬT",), ("2", "", "", "", "Y")]),
        "a.csv",
        ["Dòng 2, cột D (Độ mật): chưa có độ mật"],
    ),
    (
        "part-too-long",
        csv_bytes([HEADER, ("1" * 17, "", "", "Mật", "X")]),
        "a.csv",
        ["Dòng 2, cột A (Điều): «" + "1" * 17 + "» dài quá 16 ký tự."],
    ),
    (
        "date-cell",
        xlsx_bytes(("Danh mục", [HEADER, ("1", dt.datetime(2024, 1, 2), "", "Mật", "X")])),
        "a.xlsx",
        ["Dòng 2, cột B: ô chứa ngày giờ"],
    ),
]


@pytest.mark.parametrize(
    ("data", "name", "fragments"),
    [case[1:] for case in BAD_FILES],
    ids=[case[0] for case in BAD_FILES],
)
def test_bad_files_are_refused_with_row_and_column_and_write_nothing(data, name, fragments):
    messages = _refused(data, name, *fragments)
    assert messages and all(m.strip() for m in messages)


def test_a_bad_last_row_refuses_the_whole_file():
    rows = [HEADER, *[(str(n), "", "", "Mật", f"Mục {n}") for n in range(1, 200)]]
    rows.append(("200", "", "", "Mật vụ", "Sai độ mật"))
    _refused(xlsx_bytes(("Danh mục", rows)), "a.xlsx", "Dòng 201, cột D (Độ mật)")


def test_every_bad_row_is_reported_up_to_the_limit():
    rows = [HEADER, *[(str(n), "", "x", "Mật", "X") for n in range(1, 31)]]
    messages = _refused(csv_bytes(rows), "a.csv")
    assert len(messages) == DEFAULT_LIMITS.max_errors + 1
    assert messages[0].startswith("Dòng 2, cột C (Điểm)")
    assert messages[19].startswith("Dòng 21, cột C (Điểm)")
    assert messages[-1] == "… và 10 lỗi khác."


def test_row_limit_is_configurable_and_refuses_bigger_files():
    assert DEFAULT_LIMITS.max_rows == 10_000
    rows = [HEADER, *[(str(n), "", "", "Mật", f"Mục {n}") for n in range(1, 8)]]
    small = ImportLimits(max_rows=6)
    before = snapshot()
    with pytest.raises(ValidationError, match="hơn 6 mục"):
        _import(csv_bytes(rows), "a.csv", limits=small)
    assert snapshot() == before
    result = _import(csv_bytes(rows[:7]), "a.csv", limits=small)
    assert result.items == 6


def test_blank_and_heading_rows_are_bounded_too():
    # Otherwise a sheet with one row at r=1048576 makes openpyxl yield a million empty rows.
    small = ImportLimits(max_rows=6)
    rows = [HEADER, ("MẬT",), *[()] * 6, ("1", "", "", "", "X")]
    with pytest.raises(ValidationError, match="quá nhiều dòng trống hoặc dòng tiêu đề"):
        read_catalogue(csv_bytes(rows), filename="a.csv", limits=small)
    assert (
        len(read_catalogue(csv_bytes(rows[:6] + rows[-1:]), filename="a.csv", limits=small).items)
        == 1
    )


def test_file_size_limit():
    with pytest.raises(ValidationError, match="lớn hơn 1 MB"):
        read_catalogue(
            b"x" * (1024 * 1024 + 1), filename="a.csv", limits=ImportLimits(max_bytes=2**20)
        )


def test_a_missing_path_is_a_validation_error(tmp_path):
    _refused(tmp_path / "khong-co.csv", None, "Không mở được tệp")


# --- Hostile XLSX ----------------------------------------------------------------------------


def test_zip_bomb_is_refused_before_openpyxl_opens_it():
    members = {}
    with zipfile.ZipFile(io.BytesIO(GOOD_XLSX)) as archive:
        for info in archive.infolist():
            members[info.filename] = archive.read(info)
    # 60 MB of spaces inside the worksheet's XML compress to about 60 KB.
    sheet = members["xl/worksheets/sheet1.xml"]
    members["xl/worksheets/sheet1.xml"] = sheet.replace(
        b"<sheetData>", b"<sheetData>" + b" " * (60 * 2**20)
    )
    bomb = _zip(members)
    assert len(bomb) < 2**20
    started = time.monotonic()
    _refused(bomb, "bom.xlsx", "giải nén ra hơn 50 MB")
    assert time.monotonic() - started < 2


def test_too_many_zip_members_is_refused():
    members = {f"x/{n}.xml": b"" for n in range(DEFAULT_LIMITS.max_zip_entries + 1)}
    _refused(_zip(members), "a.xlsx", "thành phần, quá nhiều")


def test_a_member_that_lies_about_its_size_is_not_expanded_past_it():
    members = {}
    with zipfile.ZipFile(io.BytesIO(GOOD_XLSX)) as archive:
        for info in archive.infolist():
            members[info.filename] = archive.read(info)
    name = b"xl/worksheets/sheet1.xml"
    real = members[name.decode()]
    members[name.decode()] = real.replace(b"<sheetData>", b"<sheetData>" + b" " * (40 * 2**20))
    data = bytearray(_zip(members))
    # Declare 4 KB in the central directory, where zipfile (and so openpyxl) reads sizes.
    entry = data.find(b"PK\x01\x02")
    while data[entry + 46 : entry + 46 + len(name)] != name:
        entry = data.find(b"PK\x01\x02", entry + 4)
    struct.pack_into("<I", data, entry + 24, 4096)
    started = time.monotonic()
    # zipfile stops at the declared 4 KB and then fails the CRC check (BadZipFile).
    _refused(bytes(data), "a.xlsx", "không phải tệp Excel .xlsx hợp lệ (BadZipFile)")
    assert time.monotonic() - started < 2


@pytest.mark.parametrize("dimension", [b"A1:B2", b"A1:XFD1048576"])
def test_the_declared_dimension_is_not_trusted(dimension):
    # Too small it would silently drop rows and columns; too big it would pad every row.
    members = {}
    with zipfile.ZipFile(io.BytesIO(GOOD_XLSX)) as archive:
        for info in archive.infolist():
            members[info.filename] = archive.read(info)
    sheet = members["xl/worksheets/sheet1.xml"]
    start = sheet.index(b"<dimension ref=")
    end = sheet.index(b"/>", start) + 2
    members["xl/worksheets/sheet1.xml"] = (
        sheet[:start] + b'<dimension ref="' + dimension + b'"/>' + sheet[end:]
    )
    result = _import(_zip(members), "a.xlsx")
    assert result.items == 4
    assert _stored() == EXPECTED
