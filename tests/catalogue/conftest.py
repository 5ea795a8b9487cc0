"""Helpers of the catalogue import tests: real CSV and XLSX files built in the test."""

from __future__ import annotations

import csv
import datetime as dt
import io
import unicodedata
from collections.abc import Sequence

import openpyxl

from bmnn.catalogue.models import CatalogueDecision, CatalogueItem
from bmnn.web import ledger

ACTOR = "user:test-officer"
HEADER = ("Điều", "Khoản", "Điểm", "Độ mật", "Nội dung")
ROWS = (
    ("1", "1", "a", "Tuyệt mật", "Kế hoạch phòng thủ quốc gia"),
    ("1", "1", "b", "Tối mật", "Bản đồ địa hình quân sự tỷ lệ lớn"),
    ("1", "2", "", "Mật", "Số liệu dự trữ quốc gia chưa công bố"),
    ("2", "", "", "Mật", "Hồ sơ cán bộ diện Trung ương quản lý"),
)
DECISION = {
    "number": "1234/QĐ-TTg",
    "date": dt.date(2020, 6, 5),
    "issuer": "Thủ tướng Chính phủ",
    "title": "Danh mục bí mật nhà nước lĩnh vực thử nghiệm",
}


def csv_bytes(
    rows: Sequence[Sequence[str]],
    *,
    delimiter: str = ",",
    encoding: str = "utf-8",
) -> bytes:
    out = io.StringIO(newline="")
    csv.writer(out, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    return out.getvalue().encode(encoding)


def xlsx_bytes(*sheets: tuple[str, Sequence[Sequence[object]]]) -> bytes:
    """A workbook with the given (title, rows) sheets, as Excel would save it."""
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    for title, rows in sheets:
        ws = workbook.create_sheet(title)
        for row in rows:
            ws.append(list(row))
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def cp1258(text: str) -> bytes:
    """`text` as old Vietnamese Windows software writes it: letters with their vowel marks
    precomposed, the tone as a separate combining character after them."""
    tones = "\u0300\u0301\u0303\u0309\u0323"
    out = []
    for char in unicodedata.normalize("NFC", text):
        parts = unicodedata.normalize("NFD", char)
        tone = "".join(c for c in parts if c in tones)
        out.append(unicodedata.normalize("NFC", "".join(c for c in parts if c not in tones)) + tone)
    return "".join(out).encode("cp1258")


def head() -> int:
    latest = ledger.recent(1)
    return latest[0].seq if latest else 0


def events_after(seq: int) -> list:
    # seq 1 is the ledger's genesis event, written before the first event of all.
    return [e for e in reversed(ledger.recent(100_000)) if e.seq > max(seq, 1)]


def snapshot() -> tuple[int, int, int, list]:
    """What an import may change: decisions, items, the ledger head, and the decisions'
    statuses."""
    return (
        CatalogueDecision.objects.count(),
        CatalogueItem.objects.count(),
        head(),
        list(CatalogueDecision.objects.order_by("pk").values_list("pk", "status", "replaced_by")),
    )
