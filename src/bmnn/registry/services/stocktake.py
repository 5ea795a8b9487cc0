"""Kiểm kê: the register's account of what a unit or a custodian holds, checked copy by copy.

The snapshot is what the registers say is held (Law 29/2018 Art. 12(1), rule
storage.statistics). Each line is marked presented or not; a stocktake closes only when every
line is marked. A copy not presented opens a draft loss incident (rule loss.report) for the head
of the agency; the copy itself stays as the register had it until the loss is confirmed.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q

from bmnn.oversight import services as oversight_services
from bmnn.oversight.models import Incident
from bmnn.people.models import OrgUnit, Staff
from bmnn.people.selectors import subunits
from bmnn.registry.models import LEVEL_RANK, Copy, Stocktake, StocktakeLine
from bmnn.registry.rulebook import refuse, rule
from bmnn.registry.selectors import HELD_STATES, visible_items
from bmnn.registry.services._base import OFFICERS, day, level_name, obj, require_active
from bmnn.registry.services.recall import may_lead, same_agency
from bmnn.web import ledger


def _scope_unit(stocktake: Stocktake) -> OrgUnit:
    return stocktake.unit if stocktake.unit_id else stocktake.custodian.org_unit


def _require_runner(by: Staff, unit: OrgUnit, on: dt.date) -> None:
    """The officer in charge of the agency or a leader of the unit (or above). Inspectors check
    the result; they do not take part in it."""
    require_active(by, on)
    if not ((by.role in OFFICERS and same_agency(by, unit)) or may_lead(by, unit)):
        raise PermissionDenied(
            f"{by.full_name} không có nhiệm vụ kiểm kê (chỉ cán bộ bảo vệ BMNN hoặc lãnh đạo "
            "đơn vị được kiểm kê)."
        )


def _scope_copies(unit: OrgUnit | None, custodian: Staff | None):
    copies = Copy.objects.filter(state__in=HELD_STATES)
    if unit is not None:
        return copies.filter(item__owner_unit__in=subunits(unit))
    return copies.filter(custodian=custodian)


def start_stocktake(
    actor: str,
    *,
    started_by: Staff,
    unit: OrgUnit | None = None,
    custodian: Staff | None = None,
    on: dt.date | None = None,
) -> Stocktake:
    """Snapshot what the register says is held — by `unit` (items kept by it and the units below
    it) or by one `custodian` — as unmarked lines."""
    on = day(on)
    if (unit is None) == (custodian is None):
        raise ValidationError("Chọn kiểm kê theo đơn vị hoặc theo người quản lý (một trong hai).")
    scope = unit if unit is not None else custodian.org_unit
    _require_runner(started_by, scope, on)
    with transaction.atomic():
        copies = list(
            _scope_copies(unit, custodian)
            .select_for_update(of=("self",))
            .select_related("item")
            .order_by("item_id", "form", "number")
        )
        visible = set(
            visible_items(started_by, on)
            .filter(pk__in={c.item_id for c in copies})
            .values_list("pk", flat=True)
        )
        if any(c.item_id not in visible for c in copies):
            # Said without naming the item: the person may not know it exists.
            raise PermissionDenied(
                f"Phạm vi kiểm kê có tài liệu vượt quá mức được tiếp cận của "
                f"{started_by.full_name}; hãy giao cán bộ bảo vệ BMNN kiểm kê."
            )
        stocktake = Stocktake.objects.create(
            unit=unit, custodian=custodian, started_by=started_by, started_on=on
        )
        StocktakeLine.objects.bulk_create(
            StocktakeLine(stocktake=stocktake, copy=c) for c in copies
        )
        ledger.record(
            actor,
            "registry.stocktake.start",
            obj(stocktake),
            {
                "unit": unit.pk if unit else None,
                "custodian": custodian.pk if custodian else None,
                "started_by": started_by.pk,
                "on": on.isoformat(),
                "copies": [c.pk for c in copies],
                **rule("storage.statistics", on).stamp(),
            },
        )
    return stocktake


def mark(
    actor: str,
    line: StocktakeLine,
    *,
    by: Staff,
    presented: bool,
    note: str = "",
    on: dt.date | None = None,
) -> StocktakeLine:
    """Presented or not; a line may be corrected until the stocktake is closed."""
    on = day(on)
    if not isinstance(presented, bool):
        raise ValidationError("Cần ghi có xuất trình hay không.")
    note = note.strip()
    if len(note) > 500:
        raise ValidationError("Ghi chú quá dài (tối đa 500 ký tự).")
    with transaction.atomic():
        line = (
            StocktakeLine.objects.select_for_update(of=("self",))
            .select_related("stocktake__unit", "stocktake__custodian__org_unit", "copy")
            .get(pk=line.pk)
        )
        stocktake = line.stocktake
        _require_runner(by, _scope_unit(stocktake), on)
        if stocktake.closed_on is not None:
            raise refuse(
                "storage.statistics",
                on,
                f"Đợt kiểm kê đã kết thúc ngày {stocktake.closed_on:%d/%m/%Y}; không sửa được.",
            )
        if on < stocktake.started_on:
            raise ValidationError("Ngày kiểm trước ngày bắt đầu kiểm kê.")
        if not visible_items(by, on).filter(pk=line.copy.item_id).exists():
            raise PermissionDenied(f"{by.full_name} không được tiếp cận tài liệu này.")
        previous = line.presented
        line.presented, line.note, line.marked_by = presented, note, by
        line.save(update_fields=["presented", "note", "marked_by"])
        ledger.record(
            actor,
            "registry.stocktake.mark",
            obj(line),
            {
                "stocktake": stocktake.pk,
                "copy": line.copy_id,
                "presented": presented,
                "previous": previous,
                "by": by.pk,
                "on": on.isoformat(),
            },
        )
    return line


def _describe(copies: list[Copy]) -> str:
    # Number, type, copy and level only: never a summary (Tuyệt mật has none to give).
    lines = [
        f"- {c.item.number_symbol or f'Tài liệu #{c.item_id}'}"
        f"{f' ({c.item.doc_type})' if c.item.doc_type else ''}, bản số {c.number}/{c.of_total}"
        f" ({c.get_form_display()}), độ {level_name(c.item.level)}"
        for c in copies
    ]
    return "Kiểm kê không thấy xuất trình các bản sau:\n" + "\n".join(lines)


def close_stocktake(
    actor: str, stocktake: Stocktake, *, by: Staff, on: dt.date | None = None
) -> Stocktake:
    """Close a fully marked stocktake. Missing copies open one draft loss incident listing them.

    The copies are not set LOST here: a draft incident is not yet a finding (the copy may be
    misfiled or out with someone), and the register must not say "lost" before the head has
    handled the report. The incident links back to this stocktake.
    """
    on = day(on)
    with transaction.atomic():
        stocktake = (
            Stocktake.objects.select_for_update(of=("self",))
            .select_related("unit", "custodian__org_unit")
            .get(pk=stocktake.pk)
        )
        _require_runner(by, _scope_unit(stocktake), on)
        if stocktake.closed_on is not None:
            raise refuse(
                "storage.statistics",
                on,
                f"Đợt kiểm kê đã kết thúc ngày {stocktake.closed_on:%d/%m/%Y}.",
            )
        if on < stocktake.started_on:
            raise ValidationError("Ngày kết thúc trước ngày bắt đầu kiểm kê.")
        lines = list(stocktake.lines.select_related("copy__item").order_by("pk"))
        unmarked = sum(1 for line in lines if line.presented is None)
        if unmarked:
            raise refuse(
                "storage.statistics",
                on,
                f"Còn {unmarked} bản chưa được kiểm; chưa kết thúc được đợt kiểm kê.",
            )
        missing = [line.copy for line in lines if line.presented is False]
        incident = None
        if missing:
            loss = rule("loss.report", on)
            incident = oversight_services.open_incident(
                actor,
                kind=Incident.Kind.LOSS,
                opened_by=by,
                on=on,
                description=_describe(missing),
                copies=missing,
                citation=loss.citation,
                stocktake=stocktake,
            )
        stocktake.closed_on, stocktake.closed_by = on, by
        stocktake.save(update_fields=["closed_on", "closed_by"])
        ledger.record(
            actor,
            "registry.stocktake.close",
            obj(stocktake),
            {
                "by": by.pk,
                "on": on.isoformat(),
                "lines": len(lines),
                "missing": [c.pk for c in missing],
                "incident": incident.pk if incident else None,
                **rule("storage.statistics", on).stamp(),
            },
        )
    return stocktake


# --- reads, through the need-to-know gate ------------------------------------------------------


def _lines_for(viewer: Staff | None, stocktake: Stocktake, extra: Q | None = None):
    lines = StocktakeLine.objects.filter(
        stocktake=stocktake, copy__item__in=visible_items(viewer)
    ).select_related("copy__item", "copy__custodian", "marked_by")
    if extra is not None:
        lines = lines.filter(extra)
    return lines.order_by("copy__item_id", "copy__form", "copy__number")


def stocktake_lines(viewer: Staff | None, stocktake: Stocktake) -> list[StocktakeLine]:
    """Every line `viewer` may see, marked or not (inspectors included: they read)."""
    return list(_lines_for(viewer, stocktake))


def discrepancies(viewer: Staff | None, stocktake: Stocktake) -> list[StocktakeLine]:
    """Lines whose copy was not presented, among the items `viewer` may see."""
    return list(_lines_for(viewer, stocktake, Q(presented=False)))


def summary(viewer: Staff | None, stocktake: Stocktake) -> dict[str, int]:
    """Counts of the lines `viewer` may see: total, presented, missing, unmarked, by level."""
    lines = stocktake_lines(viewer, stocktake)
    counts = {
        "total": len(lines),
        "presented": sum(1 for x in lines if x.presented is True),
        "missing": sum(1 for x in lines if x.presented is False),
        "unmarked": sum(1 for x in lines if x.presented is None),
    }
    for level in LEVEL_RANK:
        counts[level] = sum(1 for x in lines if x.copy.item.level == level)
    return counts
