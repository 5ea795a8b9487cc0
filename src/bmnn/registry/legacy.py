"""Reading a legacy register (Sổ đăng ký BMNN đi / đến kept in Excel before this system).

Nothing here writes: `read_legacy_register` reads the whole CSV or XLSX file, checks every row
and either returns the rows or raises one ValidationError whose messages name row and column.
`bmnn.registry.services.legacy_import.import_legacy_register` writes the result.

The file reading (size and zip-bomb limits, encodings, delimiters, openpyxl's failures) is the
hardened one of `bmnn.catalogue.importer`; only the columns differ.

Columns (Decree 63/2026 Annex III, see law.md 12.3), matched without regard to case or
diacritics, with the usual variants of their titles:
- outgoing: Số thứ tự, Số ký hiệu, Ngày, Tên loại và trích yếu, Độ mật, Người ký, Nơi nhận,
  Đơn vị lưu, Số lượng, Ghi chú;
- incoming: Số thứ tự, Ngày đến, Số đến, Cơ quan ban hành, Số ký hiệu, Ngày tháng, Tên loại và
  trích yếu, Độ mật, Đơn vị nhận / ký nhận, Ghi chú (and Số lượng, optional).
"Tên loại" and "Trích yếu" may also be two columns. Title rows above the header and a row of
column numbers "(1) (2) …" under it are skipped. Levels: "Mật", "TỐI MẬT", "tuyet_mat" or the
envelope letters A/B/C. Dates: dd/mm/yyyy (also with "-" or "."), yyyy-mm-dd, or Excel dates.

A Tuyệt mật summary never leaves this module: the row keeps only the type, and the row number
is listed in `tuyet_mat_summary_rows` so the service can refuse the file or report the drop.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import itertools
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError

from bmnn.catalogue.importer import (
    ImportLimits,
    Source,
    _blank,
    _cell_text,
    _column_letter,
    _csv_delimiter,
    _csv_rows,
    _decode_csv,
    _Errors,
    _fail,
    _file_format,
    _fold,
    _number,
    _open_workbook,
    _pick_sheet,
    _read_bytes,
    _sheet_rows,
    parse_level,
)
from bmnn.people.models import LEVEL_NAMES
from bmnn.rules import LEVELS

KINDS = ("outgoing", "incoming")

# A year's register of a large agency is a few thousand lines; the bound is the benchmark
# (100,000 rows) with room, and the byte bounds fit such a workbook (~10 MB, ~150 MB unpacked).
LEGACY_LIMITS = ImportLimits(
    max_bytes=64 * 1024 * 1024,
    max_rows=200_000,
    max_uncompressed=512 * 1024 * 1024,
)
MAX_COPIES = 1_000  # per line: more is a typing error, and each copy becomes a row
MAX_NUMBER = 9_999_999

# Field lengths of SecretItem / Receipt.
_MAX_LENGTH = {"number_symbol": 128, "doc_type": 128, "issuer": 255, "signer": 255, "unit": 255}
_MAX_LENGTH.update(arrival_number=32)


# --- Columns ---------------------------------------------------------------------------------

_COMMON = {
    "number": ("Số thứ tự", ("so thu tu", "stt", "tt", "so tt")),
    "number_symbol": (
        "Số, ký hiệu",
        ("so ky hieu", "so va ky hieu", "so hieu", "ky hieu", "so ky hieu tai lieu"),
    ),
    "title": (
        "Tên loại và trích yếu",
        ("ten loai va trich yeu", "ten loai trich yeu", "ten loai va trich yeu noi dung"),
    ),
    "doc_type": ("Tên loại", ("ten loai", "loai van ban", "ten loai tai lieu")),
    "summary": ("Trích yếu", ("trich yeu", "trich yeu noi dung", "noi dung")),
    "level": ("Độ mật", ("do mat", "muc do mat", "do mat bmnn", "muc do")),
    "copies": ("Số lượng", ("so luong", "so ban", "so luong ban")),
    "note": ("Ghi chú", ("ghi chu",)),
}
COLUMNS: dict[str, dict[str, tuple[str, tuple[str, ...]]]] = {
    "outgoing": {
        **_COMMON,
        "date": ("Ngày", ("ngay", "ngay thang", "ngay thang nam", "ngay van ban", "ngay ban hanh")),
        "signer": ("Người ký", ("nguoi ky",)),
        "recipients": ("Nơi nhận", ("noi nhan",)),
        "unit": ("Đơn vị lưu", ("don vi luu", "noi luu")),
    },
    "incoming": {
        **_COMMON,
        "received_on": ("Ngày đến", ("ngay den", "ngay nhan")),
        "arrival_number": ("Số đến", ("so den",)),
        "issuer": (
            "Cơ quan ban hành",
            ("co quan ban hanh", "co quan to chuc ban hanh", "noi ban hanh", "noi gui"),
        ),
        "date": (
            "Ngày tháng",
            ("ngay thang", "ngay thang van ban", "ngay van ban", "ngay tai lieu", "ngay ban hanh"),
        ),
        "unit": ("Đơn vị nhận / ký nhận", ("don vi nhan", "don vi va ky nhan", "don vi")),
    },
}
_REQUIRED = {
    "outgoing": ("number", "number_symbol", "date", "level"),
    "incoming": ("number", "received_on", "issuer", "number_symbol", "date", "level"),
}
# (folded alias, field), longest first: "ten loai va trich yeu" before "ten loai".
_ALIASES = {
    kind: sorted(
        ((alias, name) for name, (_, aliases) in columns.items() for alias in aliases),
        key=lambda pair: -len(pair[0]),
    )
    for kind, columns in COLUMNS.items()
}
_HEADER_SEARCH = 20  # non-blank rows looked at for the header row
_COLUMN_NUMBER = re.compile(r"\(?(\d{1,2})\)?")


def _field_of(kind: str, cell: str) -> str | None:
    folded = _fold(cell)
    if not folded:
        return None
    for alias, name in _ALIASES[kind]:
        # A title may go on: "Số, ký hiệu tài liệu, vật chứa BMNN", "Nơi nhận và ký nhận".
        if folded == alias or folded.startswith(alias + " "):
            return name
    return None


def _match(kind: str, cells: Sequence[str]) -> dict[str, list[int]]:
    found: dict[str, list[int]] = {}
    for index, cell in enumerate(cells):
        name = _field_of(kind, cell)
        if name:
            found.setdefault(name, []).append(index)
    return found


@dataclass
class _Header:
    row: int
    columns: dict[str, int]
    titles: dict[int, str]


def _header(kind: str, number: int, cells: Sequence[str]) -> _Header:
    found = _match(kind, cells)
    titles = COLUMNS[kind]
    errors = []
    for name, indexes in found.items():
        if len(indexes) > 1:
            where = ", ".join(_column_letter(i) for i in indexes)
            errors.append(f"Dòng {number}: cột «{titles[name][0]}» xuất hiện nhiều lần ({where}).")
    for name in _REQUIRED[kind]:
        if name not in found:
            errors.append(f"Dòng {number}: thiếu cột «{titles[name][0]}».")
    if "title" in found and ({"doc_type", "summary"} & found.keys()):
        errors.append(
            f"Dòng {number}: đã có cột «Tên loại và trích yếu» thì không có thêm cột «Tên loại»"
            " hay «Trích yếu» riêng."
        )
    if "title" not in found and "doc_type" not in found:
        errors.append(f"Dòng {number}: thiếu cột «Tên loại và trích yếu».")
    known = {i for indexes in found.values() for i in indexes}
    accepted = ", ".join(title for title, _ in titles.values())
    for index, cell in enumerate(cells):
        if cell and index not in known:
            # Refused rather than dropped: whatever that column holds would be lost.
            errors.append(
                f"Dòng {number}, cột {_column_letter(index)}: không nhận ra cột «{cell}» của"
                f" sổ {_KIND_NAMES[kind]} (chỉ nhận: {accepted})."
            )
    if errors:
        raise ValidationError(errors)
    return _Header(
        row=number,
        columns={name: indexes[0] for name, indexes in found.items()},
        titles={i: cells[i] for i in known},
    )


_KIND_NAMES = {"outgoing": "đi", "incoming": "đến"}


def _title_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _column_numbers(cells: Sequence[str]) -> bool:
    """A row "(1) (2) (3) …" or "1 2 3 …" under the header: column numbers, not a register line."""
    filled = [c for c in cells if c]
    if len(filled) < 3:
        return False
    numbers = []
    for cell in filled:
        m = _COLUMN_NUMBER.fullmatch(cell)
        if not m:
            return False
        numbers.append(int(m.group(1)))
    return numbers == list(range(1, len(numbers) + 1))


# --- Document types --------------------------------------------------------------------------

# Names of document types (Decree 30/2020 Art. 7 and the legal documents), to tell the type
# ("Báo cáo") from the summary that follows it in "Tên loại và trích yếu".
DOC_TYPES = (
    "Luật",
    "Pháp lệnh",
    "Nghị quyết",
    "Nghị quyết liên tịch",
    "Nghị định",
    "Quyết định",
    "Chỉ thị",
    "Thông tư",
    "Thông tư liên tịch",
    "Lệnh",
    "Quy chế",
    "Quy định",
    "Thông cáo",
    "Thông báo",
    "Thông tri",
    "Hướng dẫn",
    "Chương trình",
    "Kế hoạch",
    "Phương án",
    "Đề án",
    "Dự án",
    "Báo cáo",
    "Biên bản",
    "Tờ trình",
    "Hợp đồng",
    "Công văn",
    "Công điện",
    "Điện",
    "Điện mật",
    "Bản ghi nhớ",
    "Bản thỏa thuận",
    "Giấy ủy quyền",
    "Giấy mời",
    "Giấy giới thiệu",
    "Phiếu gửi",
    "Phiếu chuyển",
    "Phiếu báo",
    "Thư công",
    "Kết luận",
    "Đề cương",
    "Danh sách",
    "Danh mục",
    "Bản đồ",
    "Sơ đồ",
    "Tài liệu",
    "Văn bản",
)
_TYPE_WORDS = {tuple(_fold(t).split()) for t in DOC_TYPES}
_LONGEST_TYPE = max(len(words) for words in _TYPE_WORDS)
_SEPARATORS = " \t\n:;,.-–—/"


def split_title(text: str) -> tuple[str, str, bool]:
    """(type, summary, type recognised) of a "Tên loại và trích yếu" cell.

    "Báo cáo tình hình quý I" → ("Báo cáo", "tình hình quý I", True). Without a known type the
    whole cell is the summary: a type cannot be told apart, and nothing is lost."""
    words = text.split()
    for size in range(min(_LONGEST_TYPE, len(words)), 0, -1):
        if tuple(_fold(" ".join(words[:size])).split()) in _TYPE_WORDS:
            head = words[:size]
            tail = " ".join(words[size:])
            # "Báo cáo: tình hình…", "Báo cáo – …": the separator belongs to neither part.
            head[-1] = head[-1].rstrip(_SEPARATORS)
            summary = tail.lstrip(_SEPARATORS).strip()
            if summary.lower().startswith("v/v "):
                summary = summary[4:].strip()
            return " ".join(head), summary, True
    return "", text.strip(), False


# --- Rows ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LegacyRow:
    row: int  # as the spreadsheet shows it, for messages
    number: int  # the book's own sequence number, kept
    entered_on: dt.date  # outgoing: Ngày; incoming: Ngày đến
    document_date: dt.date  # outgoing: Ngày; incoming: Ngày tháng
    number_symbol: str
    doc_type: str
    summary: str  # always "" for Tuyệt mật
    level: str
    copies: int
    note: str = ""
    signer: str = ""  # outgoing
    recipients: str = ""  # outgoing
    unit: str = ""  # Đơn vị lưu (outgoing) / Đơn vị nhận, ký nhận (incoming), as written
    issuer: str = ""  # incoming
    arrival_number: str = ""  # incoming Số đến, as written

    def canonical(self, kind: str) -> str:
        return canonical_line(
            kind,
            number=self.number,
            entered_on=self.entered_on,
            document_date=self.document_date,
            number_symbol=self.number_symbol,
            doc_type=self.doc_type,
            summary=self.summary,
            level=self.level,
            copies=self.copies,
            note=self.note,
            signer=self.signer,
            recipients=self.recipients,
            unit=self.unit,
            issuer=self.issuer,
            arrival_number=self.arrival_number,
        )


def canonical_line(
    kind: str,
    *,
    number: int,
    entered_on: dt.date,
    document_date: dt.date | None,
    number_symbol: str,
    doc_type: str,
    summary: str,
    level: str,
    copies: int,
    note: str,
    signer: str,
    recipients: str,
    unit: str,
    issuer: str,
    arrival_number: str,
) -> str:
    """One imported line as canonical JSON: the unit of the import event's `rows_sha256`, so the
    digest can be recomputed from what was stored (see legacy_import.stored_rows_digest)."""
    values = [
        kind,
        number,
        entered_on.isoformat(),
        document_date.isoformat() if document_date else None,
        number_symbol,
        doc_type,
        "" if level == "tuyet_mat" else summary,
        level,
        copies,
        note,
        signer,
        recipients,
        unit,
        issuer,
        arrival_number,
    ]
    return json.dumps(values, ensure_ascii=False, separators=(",", ":"))


def rows_digest(lines: Iterable[str]) -> str:
    """SHA-256 over the canonical lines, in order of the sequence number, one per line."""
    digest = hashlib.sha256()
    for line in lines:
        digest.update(line.encode("utf-8"))
        digest.update(b"\n")
    return digest.hexdigest()


@dataclass(frozen=True)
class ParsedRegister:
    kind: str
    rows: tuple[LegacyRow, ...]  # in order of the sequence number
    file_format: str
    sha256: str  # of the file as received
    rows_sha256: str  # over the canonical lines of `rows`
    filename: str = ""
    sheet: str = ""
    warnings: tuple[str, ...] = ()
    gaps: tuple[tuple[int, int], ...] = ()  # missing sequence numbers, as ranges
    # Rows whose Tuyệt mật line carried a summary; the summary is not in `rows`.
    tuyet_mat_summary_rows: tuple[int, ...] = field(default=())


_LETTERS = {"a": "tuyet_mat", "b": "toi_mat", "c": "mat"}
_LEVELS_HINT = ", ".join(LEVEL_NAMES[code] for code in LEVELS) + " hoặc chữ A, B, C"
_DATE = re.compile(r"(\d{1,2})\s*[/.\-]\s*(\d{1,2})\s*[/.\-]\s*(\d{4})")
_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_INTEGER = re.compile(r"0*(\d{1,9})\.?")
# Excel day numbers of 1900-01-01 .. 2099-12-31, for a date cell that lost its format.
_SERIALS = range(1, 73051)


@functools.lru_cache(maxsize=256)
def legacy_level(text: str) -> str | None:
    """The level code of a cell: a level name (parse_level) or an envelope letter A/B/C. Cached:
    a register spells its levels a handful of ways."""
    letter = text.strip().rstrip(".").lower()
    if letter in _LETTERS:
        return _LETTERS[letter]
    return parse_level(text)


class _Bad(Exception):
    """One cell's problem, already worded."""


def _date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        if float(value).is_integer() and int(value) in _SERIALS:
            from openpyxl.utils.datetime import from_excel

            return from_excel(int(value)).date()
        raise _Bad(f"«{value}» không phải ngày")
    text = str(value).strip()
    try:
        m = _DATE.fullmatch(text)
        if m:
            return dt.date(int(m.group(3)), int(m.group(2)), int(m.group(1)))
        m = _ISO.fullmatch(text)
        if m:
            return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        raise _Bad(f"«{text}» không phải ngày có thật") from None
    raise _Bad(f"«{text}» không phải ngày dạng dd/mm/yyyy")


def _integer(value: Any) -> int:
    if isinstance(value, bool):
        raise _Bad(f"«{value}» không phải số")
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if value.is_integer():
            return int(value)
        raise _Bad(f"«{value}» không phải số nguyên")
    text = str(value).strip()
    m = _INTEGER.fullmatch(text)
    if not m:
        raise _Bad(f"«{text}» không phải số nguyên dương")
    return int(m.group(1))


class _Reader:
    """Turns (row number, values) pairs into LegacyRows, collecting every problem."""

    def __init__(self, kind: str, year: int | None, today: dt.date, limits: ImportLimits):
        self.kind, self.year, self.today, self.limits = kind, year, today, limits
        self.errors = _Errors(limits.max_errors)
        self.rows: list[LegacyRow] = []
        self.numbers: dict[int, int] = {}  # sequence number -> row
        self.tm_summaries: list[int] = []
        self.header: _Header | None = None

    def where(self, row: int, name: str) -> str:
        index = self.header.columns[name]
        return f"Dòng {row}, cột {_column_letter(index)} ({self.header.titles[index]})"

    def read(self, rows: Iterable[tuple[int, Sequence[Any]]]) -> None:
        limits = self.limits
        filled = other = data_rows = 0
        just_after_header = False
        for number, values in rows:
            if len(values) > limits.max_columns:
                if not all(_blank(v) for v in values[limits.max_columns :]):
                    raise _fail(
                        f"Dòng {number}: có dữ liệu ngoài cột"
                        f" {_column_letter(limits.max_columns - 1)}; tệp chỉ được có tối đa"
                        f" {limits.max_columns} cột."
                    )
                values = values[: limits.max_columns]
            if all(_blank(v) for v in values):
                other += 1
                if other > limits.max_rows:
                    raise _fail(f"Tệp có quá nhiều dòng trống (hơn {_number(limits.max_rows)}).")
                continue
            filled += 1
            if self.header is None:
                # Title rows above the header may hold anything (a date, a logo's alt text).
                cells = [_title_text(v) for v in values]
                if len(_match(self.kind, cells)) >= 3:
                    self.header = _header(self.kind, number, cells)
                    just_after_header = True
                elif filled >= _HEADER_SEARCH:
                    break
                continue
            if just_after_header:
                just_after_header = False
                texts = [v if isinstance(v, str) else "" if v is None else str(v) for v in values]
                if _column_numbers([t.strip() for t in texts]):
                    continue
            data_rows += 1
            if data_rows > limits.max_rows:
                raise _fail(
                    f"Tệp có hơn {_number(limits.max_rows)} dòng sổ; không nhập tệp lớn như vậy"
                    " trong một lần."
                )
            self.line(number, values)
        if self.header is None:
            if not filled:
                raise _fail("Tệp không có dữ liệu.")
            columns = ", ".join(f"«{COLUMNS[self.kind][n][0]}»" for n in _REQUIRED[self.kind])
            raise _fail(
                f"Không tìm thấy dòng tiêu đề cột của sổ {_KIND_NAMES[self.kind]} trong"
                f" {_HEADER_SEARCH} dòng đầu của tệp (cần các cột {columns})."
            )

    def line(self, number: int, values: Sequence[Any]) -> None:
        header, errors = self.header, self.errors
        before = errors.count
        known = set(header.columns.values())
        for index, value in enumerate(values):
            if index not in known and not _blank(value):
                # Refused rather than dropped: that cell would be lost.
                errors.add(
                    f"Dòng {number}, cột {_column_letter(index)}: có dữ liệu nhưng cột không có"
                    " tiêu đề."
                )

        def raw(name: str) -> Any:
            index = header.columns.get(name)
            return values[index] if index is not None and index < len(values) else None

        def text(name: str) -> str:
            if name not in header.columns:
                return ""
            try:
                # The place is worded only for a message: at 100,000 rows it is a cost.
                value = _cell_text(raw(name), "")
            except ValidationError:
                try:
                    _cell_text(raw(name), self.where(number, name))
                except ValidationError as exc:
                    errors.add(exc.messages[0])
                return ""
            limit = _MAX_LENGTH.get(name)
            if limit and len(value) > limit:
                errors.add(f"{self.where(number, name)}: dài quá {limit} ký tự.")
            return value

        def parsed(name: str, convert, required: bool = True):
            value = raw(name)
            if _blank(value):
                if required:
                    errors.add(f"{self.where(number, name)}: ô trống.")
                return None
            try:
                return convert(value)
            except _Bad as exc:
                errors.add(f"{self.where(number, name)}: {exc}.")
                return None

        seq = parsed("number", _integer)
        if seq is not None:
            if not 1 <= seq <= MAX_NUMBER:
                errors.add(f"{self.where(number, 'number')}: số thứ tự phải từ 1 trở lên.")
            elif seq in self.numbers:
                errors.add(
                    f"{self.where(number, 'number')}: số thứ tự {seq} trùng với dòng"
                    f" {self.numbers[seq]}."
                )
            else:
                self.numbers[seq] = number

        level_text = text("level")
        level = legacy_level(level_text) if level_text else None
        if not level_text:
            errors.add(f"{self.where(number, 'level')}: ô trống.")
        elif level is None:
            errors.add(
                f"{self.where(number, 'level')}: không nhận ra độ mật «{level_text}»"
                f" (chỉ nhận {_LEVELS_HINT})."
            )

        document_date = parsed("date", _date)
        entered_on = document_date
        if self.kind == "incoming":
            entered_on = parsed("received_on", _date)
            if document_date and entered_on and document_date > entered_on:
                errors.add(
                    f"{self.where(number, 'date')}: ngày tài liệu {document_date:%d/%m/%Y} sau"
                    f" ngày đến {entered_on:%d/%m/%Y}."
                )
        entry_column = "date" if self.kind == "outgoing" else "received_on"
        if entered_on is not None:
            if entered_on > self.today:
                errors.add(
                    f"{self.where(number, entry_column)}: ngày {entered_on:%d/%m/%Y} chưa đến."
                )
            elif self.year is not None and entered_on.year != self.year:
                errors.add(
                    f"{self.where(number, entry_column)}: ngày {entered_on:%d/%m/%Y} không thuộc"
                    f" năm {self.year} của sổ."
                )

        copies = 1
        if "copies" in header.columns:
            given = parsed("copies", _integer, required=False)
            copies = 1 if given is None else given
            if not 1 <= copies <= MAX_COPIES:
                errors.add(f"{self.where(number, 'copies')}: số lượng phải từ 1 đến {MAX_COPIES}.")

        number_symbol = text("number_symbol")
        if not number_symbol:
            errors.add(f"{self.where(number, 'number_symbol')}: thiếu số, ký hiệu.")
        if "title" in header.columns:
            doc_type, summary, _ = split_title(text("title"))
        else:
            doc_type, summary = text("doc_type"), text("summary")
        issuer = text("issuer")
        if self.kind == "incoming" and not issuer:
            errors.add(f"{self.where(number, 'issuer')}: thiếu cơ quan ban hành.")
        fields = {
            "note": text("note"),
            "signer": text("signer"),
            "recipients": text("recipients"),
            "unit": text("unit"),
            "issuer": issuer,
            "arrival_number": text("arrival_number"),
        }
        if errors.count != before or level is None or seq is None:
            return
        if level == "tuyet_mat" and summary:
            # Without a recognised type the whole cell counts as summary: fail closed. The text
            # is dropped here, so it travels no further than this function.
            self.tm_summaries.append(number)
            summary = ""
        self.rows.append(
            LegacyRow(
                row=number,
                number=seq,
                entered_on=entered_on,
                document_date=document_date,
                number_symbol=number_symbol,
                doc_type=doc_type,
                summary=summary,
                level=level,
                copies=copies,
                **fields,
            )
        )


def _gaps(numbers: Sequence[int]) -> list[tuple[int, int]]:
    gaps, expected = [], 1
    for n in numbers:
        if n > expected:
            gaps.append((expected, n - 1))
        expected = n + 1
    return gaps


def _gap_text(gap: tuple[int, int]) -> str:
    first, last = gap
    return f"{first:02d}" if first == last else f"{first:02d}–{last:02d}"


def read_legacy_register(
    source: Source,
    *,
    kind: str,
    year: int | None = None,
    filename: str | None = None,
    today: dt.date | None = None,
    limits: ImportLimits = LEGACY_LIMITS,
) -> ParsedRegister:
    """Parse and check a whole legacy register file (CSV or XLSX) of `kind` (outgoing/incoming).

    `source` is the file's bytes, a path, or a binary file object. With `year`, every line must
    be dated in that working year. Raises ValidationError with every problem (up to
    `limits.max_errors`, then a count); gaps in the sequence numbers are warnings, not errors.
    """
    if kind not in KINDS:
        raise ValidationError(f"Loại sổ «{kind}» không hợp lệ (outgoing hoặc incoming).")
    today = today or dt.date.today()
    data, own_name = _read_bytes(source, limits)
    filename = filename or own_name
    if not data.strip():
        raise _fail("Tệp trống.")
    file_format = _file_format(data, filename)
    reader = _Reader(kind, year, today, limits)
    sheet = ""
    if file_format == "xlsx":
        with _open_workbook(data, limits) as workbook:
            ws = _pick_sheet(workbook, hints=("so dang ky", f"bmnn {_fold(_KIND_NAMES[kind])}"))
            sheet = ws.title
            reader.read(_sheet_rows(ws))
    else:
        text = _decode_csv(data)
        delimiter = _csv_delimiter(text, match=lambda cells: _match(kind, cells))
        reader.read(_csv_rows(text, delimiter))
    reader.errors.raise_if_any()
    if not reader.rows:
        raise _fail("Tệp không có dòng sổ nào dưới dòng tiêu đề cột.")
    rows = sorted(reader.rows, key=lambda r: r.number)
    gaps = _gaps([r.number for r in rows])
    warnings = []
    if gaps:
        shown = ", ".join(_gap_text(g) for g in gaps[:20])
        missing = sum(last - first + 1 for first, last in gaps)
        more = f" và {len(gaps) - 20} khoảng khác" if len(gaps) > 20 else ""
        warnings.append(
            f"Sổ thiếu {_number(missing)} số thứ tự: {shown}{more} (nhập đúng như tệp)."
        )
    if any(a.row > b.row for a, b in itertools.pairwise(rows)):
        warnings.append("Số thứ tự trong tệp không theo thứ tự dòng; đã xếp lại theo số thứ tự.")
    return ParsedRegister(
        kind=kind,
        rows=tuple(rows),
        file_format=file_format,
        sha256=hashlib.sha256(data).hexdigest(),
        rows_sha256=rows_digest(r.canonical(kind) for r in rows),
        filename=filename or "",
        sheet=sheet,
        warnings=tuple(warnings),
        gaps=tuple(gaps),
        tuyet_mat_summary_rows=tuple(sorted(reader.tm_summaries)),
    )
