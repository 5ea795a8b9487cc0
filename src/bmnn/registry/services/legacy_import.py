"""Importing a legacy register (Sổ đăng ký BMNN đi / đến kept before this system).

An agency starts with its history: every line of the old book becomes a registered item (status
ACTIVE, its protection period computed from the rulebook), its numbered line in a legacy book
and its copies, so search, deadlines and stocktakes see the old items like the new ones.

The book. A legacy book is a Register with `legacy=True` for the kind, agency, working year and
book number, keeping the ORIGINAL sequence numbers of the file (positive and unique; gaps are
reported as warnings, not refused: paper books have spoiled lines). It is opened on its first
line's date and closed on its last line's date, so `_base.next_entry_number`, which numbers only
into books with `closed_on` null, never numbers into it: new registrations of that year go on
in the open book, or a new book after the legacy ones.

The ledger. The product rule is "every write is one transaction with its ledger event". One
event per line would mean 100,000 hash-chained events and 1,000 signed checkpoints for a
100,000-line book, which alone takes minutes; the import is instead ONE write — one transaction,
all lines or none — recorded by ONE event `registry.legacy.import`. That event carries the
file's SHA-256 and, so that it still vouches for every line, `rows_sha256`: a SHA-256 over the
canonical list of the imported lines (legacy.canonical_line, in sequence order), with the row
count, the count by level and the range of item ids. `stored_rows_digest(register)` recomputes
that digest from the stored rows: an inspector can check that no imported line was changed,
added or removed since, without trusting the import. Each item also keeps `import_source`
("file-sha256:row").

Tuyệt mật. A Tuyệt mật line with a summary is refused with the row numbers and the citation of
register.no_summary_tuyet_mat, unless the caller asks to drop those summaries
(`drop_tuyet_mat_summaries`); the count of dropped summaries is reported. The summary is never
stored, nor put in any message or event.

Copies. Each line gets its copies 1..N (Số lượng, default 1). An incoming line's copies are
held by the clerk the import is entered by, at "Văn thư (sổ cũ)". An outgoing line's copies were
sent to its recipients long ago: they are recorded as sent to "Nơi nhận", so a stocktake of the
office does not report years of deliveries as losses; a recall still reaches them. `clerk` is
required by the register
line (entered_by); when None, the agency's only active clerk (văn thư) is used, and the import
is refused when there is none or more than one, rather than guessing who answers for the copies.

Speed. The rows go in as plain multi-row INSERTs in batches (see _Table), the ids read back
by `import_source` and by (book, number): 100,000 lines in well under the issue's 60 s
(bench/legacy_import.py, bench/README.md «Nhập sổ cũ từ XLSX»).

No catalogue item is linked (legacy lines do not cite one). The keeping unit (outgoing "Đơn vị
lưu") or receiving unit (incoming "Đơn vị nhận") is the unit of the agency of that name or short
code, else the agency itself; the text as written is kept in `legacy_columns`.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from types import SimpleNamespace

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, models, transaction
from django.db.models import Max
from django.utils import timezone

from bmnn.people.models import OrgUnit, Staff
from bmnn.people.selectors import subunits
from bmnn.registry import legacy
from bmnn.registry.models import Copy, Receipt, Register, RegisterEntry, SecretItem
from bmnn.registry.rulebook import refuse
from bmnn.registry.services._base import (
    REGISTER_KEEPERS,
    fold,
    obj,
    require_active,
    require_role,
    search_text,
)
from bmnn.rules import LEVELS, RuleError, load_rulebook
from bmnn.web import ledger

ACTION = "registry.legacy.import"
LOCATION = "Văn thư (sổ cũ)"
HELD = Copy.State.HELD.value
SENT = Copy.State.SENT.value
_BATCH = 2_000
_SHOWN_ROWS = 20


@dataclass(frozen=True)
class LegacyImportResult:
    register: Register
    kind: str
    rows: int
    by_level: dict[str, int]  # every level code, in LEVELS order
    copies: int
    first_number: int
    last_number: int
    warnings: tuple[str, ...]
    dropped_tuyet_mat_summaries: int
    expired: int  # lines whose protection period had already ended on the day of the import
    sha256: str
    rows_sha256: str
    filename: str
    file_format: str
    sheet: str
    clerk: Staff = field(repr=False)

    def as_dict(self) -> dict:
        return {
            "register": self.register.pk,
            "kind": self.kind,
            "agency": self.register.agency.short_code,
            "year": self.register.year,
            "book": self.register.book,
            "opened_on": self.register.opened_on.isoformat(),
            "closed_on": self.register.closed_on.isoformat(),
            "rows": self.rows,
            "by_level": dict(self.by_level),
            "copies": self.copies,
            "first_number": self.first_number,
            "last_number": self.last_number,
            "warnings": list(self.warnings),
            "dropped_tuyet_mat_summaries": self.dropped_tuyet_mat_summaries,
            "expired": self.expired,
            "clerk": self.clerk.full_name,
            "filename": self.filename,
            "format": self.file_format,
            "sheet": self.sheet,
            "sha256": self.sha256,
            "rows_sha256": self.rows_sha256,
        }


def _rows_text(rows: tuple[int, ...]) -> str:
    shown = ", ".join(str(r) for r in rows[:_SHOWN_ROWS])
    more = f" và {len(rows) - _SHOWN_ROWS} dòng khác" if len(rows) > _SHOWN_ROWS else ""
    return shown + more


def _clerk_of(agency: OrgUnit, clerk: Staff | None, today: dt.date) -> Staff:
    if clerk is not None:
        require_role(clerk, REGISTER_KEEPERS, "vào sổ đăng ký bí mật nhà nước")
        require_active(clerk, today)
        if clerk.org_unit.agency().pk != agency.pk:
            raise ValidationError(f"{clerk.full_name} không thuộc {agency.name}.")
        return clerk
    clerks = [
        s
        for s in Staff.objects.filter(org_unit__in=subunits(agency), role=Staff.Role.CLERK)
        .select_related("org_unit")
        .order_by("pk")
        if s.is_active_on(today)
    ]
    if len(clerks) != 1:
        found = "chưa có văn thư nào" if not clerks else f"có {len(clerks)} văn thư"
        raise ValidationError(
            f"{agency.name} {found} đang công tác; hãy chọn văn thư nhận các bản của sổ cũ."
        )
    return clerks[0]


def _unit_finder(agency: OrgUnit):
    units: dict[str, OrgUnit] = {}
    for unit in subunits(agency):
        units.setdefault(fold(unit.short_code), unit)
        units.setdefault(fold(unit.name), unit)

    @functools.lru_cache(maxsize=4096)
    def find(text: str) -> OrgUnit:
        # Cached: a register names the same few units on every line.
        return units.get(fold(text), agency) if text else agency

    return find


def import_legacy_register(
    actor: str,
    source: legacy.Source,
    *,
    filename: str | None = None,
    kind: str,
    agency: OrgUnit,
    year: int,
    book: int | None = None,
    clerk: Staff | None = None,
    drop_tuyet_mat_summaries: bool = False,
    limits: legacy.ImportLimits = legacy.LEGACY_LIMITS,
) -> LegacyImportResult:
    """Import a legacy outgoing or incoming register file (CSV/XLSX) of `agency` for working
    `year` as a closed legacy book (`book`, default: the next free book number of that year).

    The whole file is read and checked first; then everything is written in one transaction
    with one `registry.legacy.import` event (see the module docstring). Raises ValidationError
    (messages name row and column) for bad input, Refused for a Tuyệt mật summary, and
    PermissionDenied for a clerk without the duty; in every case nothing is written.
    """
    today = timezone.localdate()
    if kind not in legacy.KINDS:
        raise ValidationError(f"Loại sổ «{kind}» không hợp lệ (outgoing hoặc incoming).")
    if not isinstance(agency, OrgUnit) or agency.kind != OrgUnit.Kind.AGENCY:
        raise ValidationError("Cần chọn một cơ quan, tổ chức (không phải phòng, đơn vị thuộc).")
    if isinstance(year, bool) or not isinstance(year, int) or not 1945 <= year <= today.year:
        raise ValidationError(f"Năm của sổ phải từ 1945 đến {today.year}.")
    if book is not None and (isinstance(book, bool) or not isinstance(book, int) or book < 1):
        raise ValidationError("Quyển số phải từ 1 trở lên.")
    clerk = _clerk_of(agency, clerk, today)
    parsed = legacy.read_legacy_register(
        source, kind=kind, year=year, filename=filename, today=today, limits=limits
    )
    tm_rows = parsed.tuyet_mat_summary_rows
    if tm_rows and not drop_tuyet_mat_summaries:
        raise refuse(
            "register.no_summary_tuyet_mat",
            today,
            f"Sổ cũ ghi trích yếu cho tài liệu độ Tuyệt mật ở dòng {_rows_text(tm_rows)}; không "
            "lưu trích yếu Tuyệt mật. Sửa tệp (chỉ ghi tên loại), hoặc nhập với tùy chọn bỏ "
            "trích yếu Tuyệt mật (--drop-tuyet-mat-summaries).",
        )
    rows = parsed.rows
    rb = load_rulebook()
    periods: dict[tuple[str, dt.date], object] = {}
    errors = []
    for row in rows:
        key = (row.level, row.document_date)
        if key not in periods:
            try:
                periods[key] = rb.period(row.level, row.document_date, "document")
            except RuleError as exc:
                errors.append(f"Dòng {row.row}: {exc}")
                periods[key] = None
    if errors:
        raise ValidationError(errors[: limits.max_errors])

    find_unit = _unit_finder(agency)
    kind_label = dict(Register.Kind.choices)[kind]
    with transaction.atomic():
        done = Register.objects.filter(
            kind=kind, agency=agency, legacy=True, source__startswith=f"sha256:{parsed.sha256}"
        ).first()
        if done is not None:
            raise ValidationError(
                f"Tệp này đã được nhập vào {done} (sổ #{done.pk}); không nhập lại lần nữa."
            )
        books = Register.objects.filter(kind=kind, agency=agency, year=year)
        if book is None:
            book = (books.aggregate(last=Max("book"))["last"] or 0) + 1
        elif books.filter(book=book).exists():
            raise ValidationError(
                f"{kind_label} năm {year} của {agency.name} đã có quyển {book}; chọn quyển khác."
            )
        try:
            with transaction.atomic():
                register = Register.objects.create(
                    kind=kind,
                    agency=agency,
                    year=year,
                    book=book,
                    opened_on=min(r.entered_on for r in rows),
                    closed_on=max(r.entered_on for r in rows),
                    last_number=rows[-1].number,
                    legacy=True,
                    source=f"sha256:{parsed.sha256} {parsed.filename}"[:255],
                )
        except IntegrityError:
            raise ValidationError(
                f"{kind_label} năm {year} quyển {book} vừa được tạo ở nơi khác; nhập lại."
            ) from None
        item_ids = _insert_items(kind, rows, parsed.sha256, periods, find_unit, agency)
        entry_ids = _insert_entries(register, rows, item_ids, clerk)
        if kind == Register.Kind.INCOMING:
            _Table(
                Receipt, ("entry_id", "received_on", "receiving_unit_id", "receiver_name")
            ).insert(
                (entry_ids[r.number], r.entered_on, find_unit(r.unit).pk, r.unit) for r in rows
            )
        copies = _insert_copies(kind, rows, item_ids, clerk)
        by_level = dict.fromkeys(LEVELS, 0)
        for row in rows:
            by_level[row.level] += 1
        expired = sum(
            1
            for r in rows
            if (p := periods[(r.level, r.document_date)]).expires_on and p.expires_on <= today
        )
        ledger.record(
            actor,
            ACTION,
            obj(register),
            {
                "kind": kind,
                "agency": agency.pk,
                "year": year,
                "book": book,
                "clerk": clerk.pk,
                "filename": parsed.filename,
                "format": parsed.file_format,
                "sheet": parsed.sheet,
                "sha256": parsed.sha256,
                "rows_sha256": parsed.rows_sha256,
                "rows": len(rows),
                "by_level": by_level,
                "copies": copies,
                "first_number": rows[0].number,
                "last_number": rows[-1].number,
                "gaps": len(parsed.gaps),
                "first_item": min(item_ids.values()),
                "last_item": max(item_ids.values()),
                "dropped_tuyet_mat_summaries": len(tm_rows),
                "opened_on": register.opened_on.isoformat(),
                "closed_on": register.closed_on.isoformat(),
            },
        )
    warnings = list(parsed.warnings)
    if tm_rows:
        warnings.append(
            f"Đã bỏ trích yếu của {len(tm_rows)} tài liệu độ Tuyệt mật (dòng"
            f" {_rows_text(tm_rows)}); chỉ lưu tên loại."
        )
    if expired:
        warnings.append(
            f"{expired} tài liệu đã hết thời hạn bảo vệ tính từ ngày ghi trong sổ; xem danh sách"
            " hạn xử lý để giải mật hoặc gia hạn."
        )
    return LegacyImportResult(
        register=register,
        kind=kind,
        rows=len(rows),
        by_level=by_level,
        copies=copies,
        first_number=rows[0].number,
        last_number=rows[-1].number,
        warnings=tuple(warnings),
        dropped_tuyet_mat_summaries=len(tm_rows),
        expired=expired,
        sha256=parsed.sha256,
        rows_sha256=parsed.rows_sha256,
        filename=parsed.filename,
        file_format=parsed.file_format,
        sheet=parsed.sheet,
        clerk=clerk,
    )


class _Table:
    """A plain multi-row INSERT into `model`'s table: the columns named, then every other column
    at its model default.

    Not bulk_create: at 100,000 lines Django's per-value SQL compilation and model instances
    cost several times the database work (measured in bench/legacy_import.py). The values are
    adapted as the model's fields would adapt them, and columns added to the model later get
    their defaults, so the rows are the ones bulk_create would write."""

    def __init__(self, model, names: Sequence[str]) -> None:
        fields = [f for f in model._meta.concrete_fields if not f.primary_key]
        by_name = {f.attname: f for f in fields}
        rest = [f for f in fields if f.attname not in names]
        self.rest = tuple(f.get_db_prep_save(f.get_default(), connection) for f in rest)
        self.adapt = [_adapter(by_name[n]) for n in names]
        quote = connection.ops.quote_name
        columns = ", ".join(quote(f.column) for f in [*(by_name[n] for n in names), *rest])
        marks = ", ".join(["%s"] * (len(names) + len(rest)))
        self.sql = f"INSERT INTO {quote(model._meta.db_table)} ({columns}) VALUES ({marks})"

    def insert(self, rows: Iterable[tuple]) -> None:
        adapt, rest = self.adapt, self.rest
        needs = any(a is not None for a in adapt)
        batch: list[tuple] = []
        with connection.cursor() as cursor:
            for row in rows:
                if needs:
                    row = tuple(v if a is None else a(v) for a, v in zip(adapt, row, strict=True))
                batch.append(row + rest)
                if len(batch) >= _BATCH:
                    cursor.executemany(self.sql, batch)
                    batch = []
            if batch:
                cursor.executemany(self.sql, batch)


def _adapter(field):
    if isinstance(field, models.DateTimeField):
        return lambda v: field.get_db_prep_save(v, connection)
    if isinstance(field, models.DateField):
        return connection.ops.adapt_datefield_value
    if isinstance(field, models.JSONField):
        return lambda v: field.get_db_prep_save(v, connection)
    return None  # text, numbers, booleans and ids go to the driver as they are


_ITEM_COLUMNS = (
    "kind",
    "origin",
    "number_symbol",
    "doc_type",
    "summary",
    "level",
    "issuer",
    "document_date",
    "classified_on",
    "signer",
    "owner_unit_id",
    "copy_allowed",
    "copies_issued",
    "recipients_text",
    "period_kind",
    "period_years",
    "expires_on",
    "extension_decision_by",
    "status",
    "status_on",
    "search_text",
    "import_source",
    "legacy_columns",
)


def _insert_items(kind, rows, sha256, periods, find_unit, agency) -> dict[int, int]:
    """Insert one ACTIVE item per line; {sequence number: item id}."""
    origin = SecretItem.Origin.OUTGOING if kind == "outgoing" else SecretItem.Origin.INCOMING
    before = SecretItem.objects.aggregate(last=Max("pk"))["last"] or 0

    def values():
        for row in rows:
            period = periods[(row.level, row.document_date)]
            summary = "" if row.level == "tuyet_mat" else row.summary
            columns = {"unit_text": row.unit} if row.unit else {}
            if row.arrival_number:
                columns["arrival_number"] = row.arrival_number
            # The services' one search key, from the fields it reads (no model instance: at
            # 100,000 lines their construction alone costs seconds).
            key = search_text(
                SimpleNamespace(
                    level=row.level,
                    summary=summary,
                    number_symbol=row.number_symbol,
                    doc_type=row.doc_type,
                    issuer=row.issuer,
                )
            )
            yield (
                SecretItem.Kind.DOCUMENT.value,
                origin.value,
                row.number_symbol,
                row.doc_type,
                summary,
                row.level,
                row.issuer,
                row.document_date,
                row.document_date,  # classified_on: the date the level was set
                row.signer,
                find_unit(row.unit).pk,
                False,  # copy_allowed: the old book does not say; the safe side
                row.copies,
                row.recipients,
                "document",
                period.years,
                period.expires_on,
                period.extension_decision_by,
                SecretItem.Status.ACTIVE.value,
                row.entered_on,
                key,
                f"{sha256}:{row.row}",
                columns,
            )

    _Table(SecretItem, _ITEM_COLUMNS).insert(values())
    by_source = dict(
        SecretItem.objects.filter(
            pk__gt=before,
            import_source__startswith=f"{sha256}:",
            owner_unit__in=subunits(agency),
        ).values_list("import_source", "pk")
    )
    ids = {row.number: by_source[f"{sha256}:{row.row}"] for row in rows}
    if len(set(ids.values())) != len(rows):
        raise IntegrityError("Sổ cũ: số tài liệu đã ghi khác số dòng của tệp.")
    return ids


def _insert_entries(register, rows, item_ids, clerk) -> dict[int, int]:
    """Insert the numbered lines; {sequence number: entry id}."""
    _Table(
        RegisterEntry,
        (
            "register_id",
            "number",
            "entered_on",
            "item_id",
            "entered_by_id",
            "note",
            "recipients_text",
            "copies",
        ),
    ).insert(
        (
            register.pk,
            r.number,
            r.entered_on,
            item_ids[r.number],
            clerk.pk,
            r.note,
            r.recipients,
            r.copies,
        )
        for r in rows
    )
    return dict(
        RegisterEntry.objects.filter(register=register).values_list("number", "pk").iterator()
    )


def _insert_copies(kind: str, rows, item_ids, clerk: Staff) -> int:
    """Copies 1..N of every line (held by the clerk, or sent to the recipients of an outgoing
    line); their count."""
    table = _Table(
        Copy,
        (
            "item_id",
            "number",
            "of_total",
            "form",
            "custodian_id",
            "location",
            "state",
            "holder_outside",
        ),
    )
    sent = kind == Register.Kind.OUTGOING

    def where(row) -> tuple:
        if sent:
            return None, "", SENT, (row.recipients or "Nơi nhận ghi trong sổ cũ")[:255]
        return clerk.pk, LOCATION, HELD, ""

    table.insert(
        (item_ids[r.number], n, r.copies, Copy.Form.ISSUED.value, *where(r))
        for r in rows
        for n in range(1, r.copies + 1)
    )
    return sum(r.copies for r in rows)


def stored_rows_digest(register: Register) -> str:
    """`rows_sha256` recomputed from what is stored in the legacy book `register`: equal to the
    import event's value as long as no line was changed, added or removed."""
    if not register.legacy:
        raise ValidationError("Chỉ tính được cho sổ cũ đã nhập từ tệp.")
    entries = (
        RegisterEntry.objects.filter(register=register)
        .select_related("item")
        .order_by("number")
        .iterator(chunk_size=_BATCH)
    )
    return legacy.rows_digest(
        legacy.canonical_line(
            register.kind,
            number=e.number,
            entered_on=e.entered_on,
            document_date=e.item.document_date,
            number_symbol=e.item.number_symbol,
            doc_type=e.item.doc_type,
            summary=e.item.summary,
            level=e.item.level,
            copies=e.copies,
            note=e.note,
            signer=e.item.signer,
            recipients=e.item.recipients_text,
            unit=e.item.legacy_columns.get("unit_text", ""),
            issuer=e.item.issuer,
            arrival_number=e.item.legacy_columns.get("arrival_number", ""),
        )
        for e in entries
    )
