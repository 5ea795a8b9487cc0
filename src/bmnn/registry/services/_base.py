"""What every registry service shares: who may call it, object names for the ledger, numbering,
the accent-free search copy.

Services check the caller's role themselves (PermissionDenied), so the web UI and the API get
the same checks; the law's own checks raise Refused with the rule's citation.
"""

from __future__ import annotations

import datetime as dt
import unicodedata

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from bmnn.people.models import LEVEL_NAMES, Staff
from bmnn.registry.models import Register, RegisterEntry, SecretItem

CLERKS = frozenset({Staff.Role.CLERK})
OFFICERS = frozenset({Staff.Role.CHUYEN_TRACH, Staff.Role.KIEM_NHIEM})
REGISTER_KEEPERS = CLERKS | OFFICERS


def obj(instance) -> str:
    return f"{instance._meta.label}:{instance.pk}"


def require_role(staff: Staff, roles: frozenset[str], what: str) -> None:
    if staff.role not in roles:
        names = ", ".join(sorted(Staff.Role(r).label for r in roles))
        raise PermissionDenied(f"{staff.full_name} không có nhiệm vụ {what} (chỉ: {names}).")


def require_active(staff: Staff, on: dt.date) -> None:
    if not staff.is_active_on(on):
        raise PermissionDenied(f"{staff.full_name} không công tác vào ngày {on:%d/%m/%Y}.")


def day(on: dt.date | None) -> dt.date:
    """The date of an act: today by default, never in the future (a register is not a plan)."""
    today = timezone.localdate()
    if on is None:
        return today
    if not isinstance(on, dt.date) or isinstance(on, dt.datetime):
        raise ValidationError("Ngày không hợp lệ.")
    if on > today:
        raise ValidationError(f"Ngày {on:%d/%m/%Y} chưa đến; chỉ ghi sổ việc đã làm.")
    return on


def level_name(level: str) -> str:
    return LEVEL_NAMES[level]


def fold(text: str) -> str:
    """Lower case without diacritics (đ → d): the search key of Vietnamese text."""
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return " ".join("".join(c for c in decomposed if not unicodedata.combining(c)).lower().split())


def search_text(item: SecretItem) -> str:
    # Tuyệt mật summaries do not exist; the guard repeats the law so a bug cannot leak one.
    summary = "" if item.level == "tuyet_mat" else item.summary
    return fold(" ".join(filter(None, [item.number_symbol, item.doc_type, summary, item.issuer])))


def next_entry_number(kind: str, agency, on: dt.date) -> tuple[Register, int]:
    """The open book of `kind` for the working year of `on` and its next number.

    The increment is one UPDATE, so two clerks registering at once are serialised by the row
    lock (PostgreSQL) or the write lock (SQLite, IMMEDIATE transactions) and never get the same
    number; the unique constraint on (register, number) is the backstop.
    """
    book = (
        Register.objects.filter(kind=kind, agency=agency, year=on.year, closed_on__isnull=True)
        .order_by("-book")
        .first()
    )
    if book is None:
        try:
            with transaction.atomic():
                book = Register.objects.create(
                    kind=kind,
                    agency=agency,
                    year=on.year,
                    book=_next_book(kind, agency, on.year),
                    opened_on=on,
                )
        except IntegrityError:
            # Another clerk opened it a moment ago.
            book = (
                Register.objects.filter(
                    kind=kind, agency=agency, year=on.year, closed_on__isnull=True
                )
                .order_by("-book")
                .first()
            )
            if book is None:
                raise
    Register.objects.filter(pk=book.pk).update(last_number=F("last_number") + 1)
    book.refresh_from_db(fields=["last_number"])
    return book, book.last_number


def _next_book(kind: str, agency, year: int) -> int:
    last = Register.objects.filter(kind=kind, agency=agency, year=year).order_by("-book").first()
    return 1 if last is None else last.book + 1


def add_entry(kind: str, item: SecretItem, clerk: Staff, on: dt.date, **columns) -> RegisterEntry:
    book, number = next_entry_number(kind, item.owner_unit.agency(), on)
    return RegisterEntry.objects.create(
        register=book, number=number, entered_on=on, item=item, entered_by=clerk, **columns
    )
