"""Reading a catalogue (danh mục BMNN) from a CSV or XLSX file into validated rows.

Nothing here writes: `read_catalogue` parses the whole file and checks every row, then either
returns all items or raises one ValidationError listing the problems (row and column named).
`bmnn.catalogue.services.import_catalogue` writes the result in one transaction.

Accepted layout: a header row with the columns Điều, Khoản, Điểm, Độ mật, Nội dung (Vietnamese
or English, any case, with or without diacritics; an STT column is allowed and ignored). Rows
above the header (titles) are skipped. The level may instead come from a heading row that holds
only a level ("TUYỆT MẬT", "I. TỐI MẬT"); the item rows below it inherit that level.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import hashlib
import io
import itertools
import os
import re
import unicodedata
import warnings
import zipfile
from collections.abc import Callable, Iterable, Iterator, Sequence, Sized
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from django.core.exceptions import ValidationError

from bmnn.people.models import LEVEL_NAMES
from bmnn.rules import LEVELS

Source = bytes | bytearray | memoryview | str | os.PathLike | BinaryIO


@dataclass(frozen=True)
class ImportLimits:
    """Bounds on what an import may cost, so a hostile or broken file cannot exhaust the machine."""

    max_bytes: int = 20 * 1024 * 1024  # the file as uploaded
    # Item rows; blank, title and heading rows together may number as many again.
    max_rows: int = 10_000
    max_uncompressed: int = 50 * 1024 * 1024  # sum of an XLSX's declared member sizes
    max_zip_entries: int = 1_000  # a real workbook has a few dozen members
    max_columns: int = 64
    max_errors: int = 20  # messages shown; the rest are counted


DEFAULT_LIMITS = ImportLimits()


@dataclass(frozen=True)
class ParsedItem:
    row: int  # the row number as a spreadsheet shows it, for messages
    article: str
    clause: str
    point: str
    level: str
    text: str


@dataclass(frozen=True)
class ParsedCatalogue:
    items: tuple[ParsedItem, ...]
    file_format: str  # "csv" or "xlsx"
    sha256: str  # of the file as received, so the ledger says exactly what was imported
    filename: str = ""
    sheet: str = ""  # the worksheet read, for XLSX


# --- Text normalisation ----------------------------------------------------------------------

# The five Vietnamese tone marks as combining characters (NFD). Vowel-quality marks (â, ê, ô, ơ,
# ư, ă) are not tones: "Mật" and "Mất" differ only by tone, "mat" has none.
_TONES = frozenset("\u0300\u0301\u0303\u0309\u0323")
_WORD = re.compile(r"\w+")


def _fold(value: str) -> str:
    """Lower case, no diacritics at all, punctuation as spaces: for matching column titles."""
    decomposed = unicodedata.normalize("NFD", value).replace("đ", "d").replace("Đ", "d")
    bare = "".join(c for c in decomposed if not unicodedata.combining(c)).lower()
    return " ".join(re.sub(r"[^a-z0-9]+", " ", bare).split())


def _tone_key(value: str) -> tuple[tuple[str, str], ...]:
    """Each word as (letters without the tone, the tone). Equal for "hoà" and "hòa" (tone placed
    on another vowel) and for NFC/NFD input, different for "Mật" and "Mất"."""
    key = []
    for word in _WORD.findall(unicodedata.normalize("NFC", value).lower()):
        decomposed = unicodedata.normalize("NFD", word)
        tones = [c for c in decomposed if c in _TONES]
        base = unicodedata.normalize("NFC", "".join(c for c in decomposed if c not in _TONES))
        # Two tones on one syllable is no Vietnamese word; "?" never matches.
        key.append((base, tones[0] if len(tones) == 1 else ("?" if tones else "")))
    return tuple(key)


_LEVEL_KEYS = {_tone_key(LEVEL_NAMES[code]): code for code in LEVELS}
_ASCII_LEVELS = {tuple(_fold(LEVEL_NAMES[code]).split()): code for code in LEVELS}
# Words a heading may put before the level: "Danh mục bí mật nhà nước độ Tuyệt mật".
_PREFIXES = ("danh mục", "bí mật nhà nước", "bmnn", "độ", "mức")
_TONED_PREFIXES = tuple(_tone_key(p) for p in _PREFIXES)
_ASCII_PREFIXES = tuple(tuple(_fold(p).split()) for p in _PREFIXES)
# "Độ mật" alone is the column title, not the level Mật.
_COLUMN_TITLE = (_tone_key("độ mật"), tuple(_fold("độ mật").split()))
_ENUMERATOR = re.compile(r"[ivxlc]+|\d+|[a-z]")  # "I.", "1.", "a)" before a heading
_LEVELS_HINT = ", ".join(LEVEL_NAMES[code] for code in LEVELS)


def parse_level(value: str) -> str | None:
    """The level code named by `value` ("Tuyệt mật", "TỐI MẬT", "tuyet_mat", "I. MẬT"), else
    None."""
    text = unicodedata.normalize("NFC", value).strip()
    code = text.lower().replace("-", "_").replace(" ", "_")
    if code in LEVELS:
        return code
    if text.isascii():
        # Typed without Vietnamese diacritics at all: compare the bare letters.
        words: tuple = tuple(_fold(text).split())
        table, prefixes, numbered = _ASCII_LEVELS, _ASCII_PREFIXES, bool(words)
        first = words[0] if words else ""
    else:
        # With diacritics they must be right: a wrong tone is another word ("Mất" is "lost").
        words = _tone_key(text)
        table, prefixes = _LEVEL_KEYS, _TONED_PREFIXES
        first, tone = words[0] if words else ("", "")
        numbered = not tone
    if len(words) > 1 and numbered and _ENUMERATOR.fullmatch(first):
        words = words[1:]
    if words in _COLUMN_TITLE:
        return None
    for prefix in prefixes:
        if words[: len(prefix)] == prefix and len(words) > len(prefix):
            words = words[len(prefix) :]
    return table.get(words)


# --- Columns ---------------------------------------------------------------------------------

FIELD_TITLES = {
    "article": "Điều",
    "clause": "Khoản",
    "point": "Điểm",
    "level": "Độ mật",
    "text": "Nội dung",
}
_ALIASES = {
    "article": {"dieu", "article", "art", "dieu so", "so dieu"},
    "clause": {"khoan", "clause", "khoan so", "so khoan"},
    "point": {"diem", "point", "diem so"},
    "level": {"do mat", "level", "muc do mat", "do mat bmnn", "cap do mat", "classification"},
    "text": {
        "noi dung",
        "text",
        "content",
        "noi dung bi mat nha nuoc",
        "noi dung bmnn",
        "noi dung danh muc",
        "noi dung muc",
    },
}
_COLUMN_OF = {alias: field for field, names in _ALIASES.items() for alias in names}
# Ordinal columns are common in Vietnamese tables and carry nothing the catalogue stores.
_IGNORED = {"stt", "tt", "so tt", "so thu tu", "no", "number"}
_HEADER_SEARCH = 20  # non-blank rows looked at for the header row
_MAX_PART = 16  # CatalogueItem.article/clause/point max_length

# A cell may repeat its field's word: "Điều 1", "khoản 2.", "điểm a)".
_PART_PREFIX = {
    "article": re.compile(r"^(?:điều|dieu|article|art\.?)\s*", re.IGNORECASE),
    "clause": re.compile(r"^(?:khoản|khoan|clause)\s*", re.IGNORECASE),
    "point": re.compile(r"^(?:điểm|diem|point)\s*", re.IGNORECASE),
}


def _column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def _where(row: int, column: int | None = None, title: str = "") -> str:
    if column is None:
        return f"Dòng {row}"
    named = f" ({title})" if title else ""
    return f"Dòng {row}, cột {_column_letter(column)}{named}"


class _Errors:
    def __init__(self, shown: int) -> None:
        self.shown = shown
        self.messages: list[str] = []
        self.count = 0

    def add(self, message: str) -> None:
        self.count += 1
        if len(self.messages) < self.shown:
            self.messages.append(message)

    def raise_if_any(self) -> None:
        if self.count:
            more = self.count - len(self.messages)
            tail = [f"… và {more} lỗi khác."] if more else []
            raise ValidationError([*self.messages, *tail])


def _fail(message: str) -> ValidationError:
    return ValidationError([message])


def _cell_text(value: Any, where: str) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # XLSX stores "1" typed as a number as 1.0
    if isinstance(value, dt.date | dt.time | dt.timedelta):
        # Excel turns "1.2" or "3/4" into a date; importing the date would cite a wrong item.
        raise _fail(
            f"{where}: ô chứa ngày giờ ({value}); hãy định dạng ô là văn bản (Text) rồi nhập lại."
        )
    text = unicodedata.normalize("NFC", str(value)).replace("\r\n", "\n").replace("\r", "\n")
    if "\x00" in text:
        raise _fail(f"{where}: ô chứa ký tự NUL, không lưu được.")
    return text.strip()


# --- Rows to items ---------------------------------------------------------------------------


@dataclass
class _Header:
    row: int
    columns: dict[str, int]  # field -> column index
    titles: dict[int, str]  # column index -> title as written in the file
    ignored: set[int]


def _match_header(cells: Sequence[str]) -> dict[str, list[int]]:
    found: dict[str, list[int]] = {}
    for index, cell in enumerate(cells):
        field = _COLUMN_OF.get(_fold(cell))
        if field:
            found.setdefault(field, []).append(index)
    return found


def _header(number: int, cells: Sequence[str]) -> _Header:
    found = _match_header(cells)
    errors = []
    for field, indexes in found.items():
        if len(indexes) > 1:
            columns = ", ".join(_column_letter(i) for i in indexes)
            errors.append(
                f"Dòng {number}: cột «{FIELD_TITLES[field]}» xuất hiện nhiều lần ({columns})."
            )
    for field in ("article", "text"):
        if field not in found:
            errors.append(f"Dòng {number}: thiếu cột «{FIELD_TITLES[field]}».")
    if "point" in found and "clause" not in found:
        errors.append(f"Dòng {number}: có cột «Điểm» nhưng thiếu cột «Khoản».")
    known = {i for indexes in found.values() for i in indexes}
    ignored = set()
    for index, cell in enumerate(cells):
        if index in known or not cell:
            continue
        if _fold(cell) in _IGNORED:
            ignored.add(index)
        else:
            # Refused rather than dropped: whatever that column holds would be lost.
            errors.append(
                f"{_where(number, index)}: không nhận ra cột «{cell}» (chỉ nhận các cột Điều,"
                " Khoản, Điểm, Độ mật, Nội dung và STT)."
            )
    if errors:
        raise ValidationError(errors)
    return _Header(
        row=number,
        columns={field: indexes[0] for field, indexes in found.items()},
        titles={i: cells[i] for i in known},
        ignored=ignored,
    )


def _part(field: str, raw: str) -> str:
    value = _PART_PREFIX[field].sub("", raw).strip()
    value = value.rstrip(".)").strip()
    return value.lower() if field == "point" else value


def _number(n: int) -> str:
    return f"{n:,}".replace(",", ".")  # Vietnamese groups thousands with dots


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def parse_rows(
    rows: Iterable[tuple[int, Sequence[Any]]], limits: ImportLimits = DEFAULT_LIMITS
) -> list[ParsedItem]:
    """Items from (row number, cell values) pairs; every row is checked before anything is
    returned. Raises ValidationError listing up to `limits.max_errors` problems."""
    errors = _Errors(limits.max_errors)
    header: _Header | None = None
    heading: tuple[int, str] | None = None  # (row, level) of the level heading in force
    seen_heading = False
    items: list[ParsedItem] = []
    places: dict[tuple[str, str, str], int] = {}
    filled = other = item_rows = 0  # non-blank rows; blank, title and heading rows; item rows
    too_many_others = _fail(
        f"Tệp có quá nhiều dòng trống hoặc dòng tiêu đề (hơn {_number(limits.max_rows)})."
    )

    for number, values in rows:
        if len(values) > limits.max_columns:
            if not all(_blank(v) for v in values[limits.max_columns :]):
                raise _fail(
                    f"{_where(number)}: có dữ liệu ngoài cột"
                    f" {_column_letter(limits.max_columns - 1)}; tệp chỉ được có tối đa"
                    f" {limits.max_columns} cột."
                )
            values = values[: limits.max_columns]
        cells = [_cell_text(v, _where(number, i)) for i, v in enumerate(values)]
        if not any(cells):
            other += 1
            if other > limits.max_rows:
                raise too_many_others
            continue
        filled += 1

        if header is None:
            other += 1
            if len(_match_header(cells)) >= 2:
                header = _header(number, cells)
            elif filled >= _HEADER_SEARCH:
                break
            continue  # titles above the header carry no items

        nonempty = [i for i, c in enumerate(cells) if c and i not in header.ignored]
        level_only = parse_level(cells[nonempty[0]]) if len(nonempty) == 1 else None
        if level_only is not None:
            heading, seen_heading = (number, level_only), True
            other += 1
            if other > limits.max_rows:
                raise too_many_others
            continue
        item_rows += 1
        if item_rows > limits.max_rows:
            raise _fail(
                f"Tệp có hơn {_number(limits.max_rows)} mục; không nhập tệp lớn như vậy"
                " trong một lần."
            )
        item = _item(number, cells, header, heading, errors)
        if item is None:
            continue
        place = (item.article, item.clause, item.point)
        if place in places:
            errors.add(
                f"{_where(number)}: mục {_place_text(place)} trùng với dòng {places[place]}."
            )
            continue
        places[place] = number
        items.append(item)

    if header is None:
        if not filled:
            raise _fail("Tệp không có dữ liệu.")
        raise _fail(
            "Không tìm thấy dòng tiêu đề cột trong"
            f" {_HEADER_SEARCH} dòng đầu của tệp (cần ít nhất các cột «Điều» và «Nội dung»,"
            " thường kèm «Khoản», «Điểm», «Độ mật»)."
        )
    if "level" not in header.columns and not seen_heading:
        # One message instead of one per row: the file gives no level anywhere.
        raise _fail(
            f"Dòng {header.row}: thiếu cột «Độ mật», và không có dòng tiêu đề độ mật (như"
            " «TUYỆT MẬT») phía trên các mục."
        )
    errors.raise_if_any()
    if not items:
        raise _fail("Tệp không có mục nào dưới dòng tiêu đề cột.")
    return items


def _place_text(place: tuple[str, str, str]) -> str:
    article, clause, point = place
    parts = [f"điểm {point}"] if point else []
    if clause:
        parts.append(f"khoản {clause}")
    parts.append(f"Điều {article}")
    return " ".join(parts)


def _item(
    number: int,
    cells: Sequence[str],
    header: _Header,
    heading: tuple[int, str] | None,
    errors: _Errors,
) -> ParsedItem | None:
    """The item of one row, or None after adding its problems to `errors`."""
    before = errors.count
    known = set(header.columns.values()) | header.ignored
    for index, value in enumerate(cells):
        if value and index not in known:
            # Refused rather than dropped: that cell would be lost.
            errors.add(f"{_where(number, index)}: có dữ liệu nhưng cột không có tiêu đề.")

    def cell(field: str) -> str:
        index = header.columns.get(field)
        return cells[index] if index is not None and index < len(cells) else ""

    def where(field: str) -> str:
        index = header.columns.get(field)
        if index is None:
            return _where(number)
        return _where(number, index, header.titles[index])

    parts = {}
    for field in ("article", "clause", "point"):
        value = _part(field, cell(field))
        if len(value) > _MAX_PART:
            errors.add(f"{where(field)}: «{cell(field)}» dài quá {_MAX_PART} ký tự.")
        parts[field] = value
    if not parts["article"]:
        errors.add(f"{where('article')}: thiếu số Điều.")
    if parts["point"] and not parts["clause"]:
        errors.add(
            f"{where('point')}: điểm «{parts['point']}» phải thuộc một khoản, nhưng ô Khoản trống."
        )
    text = cell("text")
    if not text:
        errors.add(f"{where('text')}: thiếu nội dung.")

    raw_level = cell("level")
    level = None
    if raw_level:
        level = parse_level(raw_level)
        if level is None:
            errors.add(
                f"{where('level')}: không nhận ra độ mật «{raw_level}» (chỉ nhận {_LEVELS_HINT})."
            )
        elif heading is not None and heading[1] != level:
            # A row that disagrees with its section is more likely a mistake than intended.
            errors.add(
                f"{where('level')}: độ mật «{LEVEL_NAMES[level]}» khác với dòng tiêu đề"
                f" «{LEVEL_NAMES[heading[1]].upper()}» ở dòng {heading[0]}."
            )
    elif heading is not None:
        level = heading[1]
    else:
        errors.add(
            f"{where('level')}: chưa có độ mật (ô Độ mật trống và chưa có dòng tiêu đề độ mật"
            " phía trên)."
        )
    if errors.count != before or level is None:
        return None
    return ParsedItem(row=number, level=level, text=text, **parts)


# --- Files -----------------------------------------------------------------------------------


def _read_bytes(source: Source, limits: ImportLimits) -> tuple[bytes, str | None]:
    """The file's bytes and, when the source knows it, its name."""
    too_big = f"Tệp lớn hơn {limits.max_bytes // (1024 * 1024)} MB; không nhập tệp lớn như vậy."
    if isinstance(source, bytes | bytearray | memoryview):
        data = bytes(source)
        name = None
    elif isinstance(source, str | os.PathLike):
        path = Path(source)
        try:
            with path.open("rb") as handle:
                data = handle.read(limits.max_bytes + 1)
        except OSError as exc:
            raise _fail(f"Không mở được tệp «{path}»: {exc.strerror or exc}.") from None
        name = path.name
    elif hasattr(source, "read"):
        # A form's validation may already have read part of an upload; import the whole file.
        if getattr(source, "seekable", lambda: False)():
            source.seek(0)
        data = source.read(limits.max_bytes + 1)
        name = getattr(source, "name", None)
        if not isinstance(data, bytes):
            raise TypeError("Tệp phải được mở ở chế độ nhị phân (rb).")
    else:
        raise TypeError(f"Nguồn không hợp lệ: {type(source).__name__}")
    if len(data) > limits.max_bytes:
        raise _fail(too_big)
    return data, (os.path.basename(name) if isinstance(name, str) else None)


_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .xls, and any password-protected .xlsx


def _file_format(data: bytes, filename: str | None) -> str:
    suffix = Path(filename).suffix.lower() if filename else ""
    if suffix in (".csv", ".txt", ".tsv"):
        return "csv"
    if suffix in (".xlsx", ".xlsm"):
        return "xlsx"
    if suffix in (".xls", ".ods", ".numbers"):
        raise _fail(
            f"Không đọc được định dạng {suffix}; hãy lưu tệp thành Excel (.xlsx) hoặc CSV UTF-8."
        )
    if suffix:
        raise _fail(f"Chỉ nhận tệp .csv hoặc .xlsx, không nhận «{filename}».")
    return "xlsx" if data.startswith(_ZIP_MAGIC) else "csv"


def _decode_csv(data: bytes) -> str:
    try:
        if data.startswith(codecs.BOM_UTF8):
            text = data[len(codecs.BOM_UTF8) :].decode("utf-8")
        elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            text = data.decode("utf-16")  # Excel's "Unicode Text"
        elif b"\x00" in data:
            raise _fail("Tệp không phải tệp văn bản CSV (có byte NUL; có thể là tệp nhị phân).")
        else:
            try:
                text = data.decode("utf-8")
            except UnicodeDecodeError:
                # Old Vietnamese Windows files; cp1258 writes tones as combining marks, which
                # the NFC normalisation of each cell composes again.
                text = data.decode("cp1258")
    except UnicodeDecodeError:
        raise _fail(
            "Không đọc được bảng mã của tệp CSV; hãy lưu lại với bảng mã UTF-8 (CSV UTF-8)."
        ) from None
    if "\x00" in text:
        raise _fail("Tệp CSV chứa ký tự NUL, không lưu được.")
    return text


def _csv_rows(text: str, delimiter: str) -> Iterator[tuple[int, list[str]]]:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    number = 0
    try:
        for record in reader:
            number += 1
            yield number, record
    except csv.Error as exc:
        raise _fail(f"Dòng {number + 1}: tệp CSV sai định dạng ({exc}).") from None


def _csv_delimiter(text: str, match: Callable[[Sequence[str]], Sized] | None = None) -> str:
    """The delimiter whose first rows contain the most recognised column titles.

    Matching the header itself is more reliable than csv.Sniffer, which guesses from character
    frequencies and is thrown off by commas and semicolons inside the text. `match` gives the
    recognised titles of a row (default: the catalogue's columns); other importers of this
    module's formats (legacy registers) pass their own."""
    match = match or _match_header
    best, score = ",", 0
    for delimiter in (",", ";", "\t"):
        found = 0
        try:
            for _, cells in itertools.islice(_csv_rows(text, delimiter), _HEADER_SEARCH):
                found = max(found, len(match(cells)))
        except ValidationError:
            pass  # a quoting error further down is reported by the full parse
        if found > score:
            best, score = delimiter, found
    return best


def _check_zip(data: bytes, limits: ImportLimits) -> None:
    """Refuse what is not a zip, or a zip that would expand beyond the limits, before openpyxl
    opens it. The declared sizes can be trusted as a bound: zipfile stops reading a member at
    its declared size (and then fails the CRC check), so a member cannot expand further."""
    not_xlsx = "Tệp không phải tệp Excel .xlsx hợp lệ"
    if data.startswith(_OLE_MAGIC):
        raise _fail(
            f"{not_xlsx}: đây là tệp Excel cũ (.xls) hoặc tệp có đặt mật khẩu; hãy lưu lại thành"
            " .xlsx không mật khẩu."
        )
    if not data.startswith(_ZIP_MAGIC):
        raise _fail(f"{not_xlsx}.")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError):
        raise _fail(f"{not_xlsx} (tệp nén bị hỏng).") from None
    if len(members) > limits.max_zip_entries:
        raise _fail(f"{not_xlsx}: có {_number(len(members))} thành phần, quá nhiều.")
    total = sum(m.file_size for m in members)
    if total > limits.max_uncompressed:
        raise _fail(
            f"{not_xlsx}: giải nén ra hơn {limits.max_uncompressed // (1024 * 1024)} MB"
            " (nghi là tệp nén độc hại)."
        )


def _pick_sheet(workbook, hints: Sequence[str] = ("danh muc",)) -> Any:
    """The first worksheet whose folded title contains one of `hints`, else the first one."""
    sheets = [ws for ws in workbook.worksheets if hasattr(ws, "iter_rows")]
    if not sheets:
        raise _fail("Tệp Excel không có trang tính (sheet) nào.")
    for hint in hints:
        for ws in sheets:
            if hint in _fold(ws.title):
                return ws
    return sheets[0]


def _sheet_rows(ws) -> Iterator[tuple[int, tuple]]:
    """(row number, values) of a read-only worksheet; openpyxl's own failures while it streams
    the sheet's XML become a ValidationError."""
    # The declared dimension can be wrong or hostile (A1:XFD1048576): read the real cells.
    ws.reset_dimensions()
    # min_row=1 makes openpyxl yield an empty row for each missing one, so numbers stay true.
    rows = ws.iter_rows(min_row=1, values_only=True)
    number = 0
    while True:
        try:
            values = next(rows)
        except StopIteration:
            return
        except Exception as exc:  # broken XML, bad shared-string index, bad number…
            raise _fail(
                f"Dòng {number + 1}: không đọc được trang tính «{ws.title}»"
                f" ({type(exc).__name__}); tệp có thể bị hỏng."
            ) from None
        number += 1
        yield number, values


@contextmanager
def _open_workbook(data: bytes, limits: ImportLimits) -> Iterator[Any]:
    """The checked XLSX as a read-only openpyxl workbook (cached values, no external links),
    closed on exit; openpyxl's warnings are silenced while it is open."""
    _check_zip(data, limits)
    import openpyxl  # imported late: only XLSX imports need it

    with warnings.catch_warnings():
        # openpyxl warns about styles and extensions it ignores; they do not matter here.
        warnings.simplefilter("ignore")
        try:
            workbook = openpyxl.load_workbook(
                io.BytesIO(data), read_only=True, data_only=True, keep_links=False
            )
        except Exception as exc:  # openpyxl raises many types for broken parts; all mean this
            raise _fail(f"Tệp không phải tệp Excel .xlsx hợp lệ ({type(exc).__name__}).") from None
        try:
            yield workbook
        finally:
            workbook.close()


def _xlsx_items(data: bytes, limits: ImportLimits) -> tuple[list[ParsedItem], str]:
    with _open_workbook(data, limits) as workbook:
        ws = _pick_sheet(workbook)
        return parse_rows(_sheet_rows(ws), limits), ws.title


def read_catalogue(
    source: Source, *, filename: str | None = None, limits: ImportLimits = DEFAULT_LIMITS
) -> ParsedCatalogue:
    """Parse and check a whole catalogue file (CSV or XLSX).

    `source` is the file's bytes, a path, or a binary file object (e.g. a Django UploadedFile).
    `filename` decides the format by its extension; without one, the source's own name is used,
    and failing that the content (a zip is XLSX). Raises ValidationError with every problem.
    """
    data, own_name = _read_bytes(source, limits)
    filename = filename or own_name
    if not data.strip():
        raise _fail("Tệp trống.")
    file_format = _file_format(data, filename)
    digest = hashlib.sha256(data).hexdigest()
    if file_format == "xlsx":
        items, sheet = _xlsx_items(data, limits)
        return ParsedCatalogue(tuple(items), "xlsx", digest, filename or "", sheet)
    text = _decode_csv(data)
    items = parse_rows(_csv_rows(text, _csv_delimiter(text)), limits)
    return ParsedCatalogue(tuple(items), "csv", digest, filename or "")
