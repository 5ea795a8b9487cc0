"""`bmnn catalogue …`: import a catalogue decision from a CSV/XLSX file, list decisions.

Exit codes: 0 done; 2 the input was refused (bad option, bad file, failed validation), with the
messages on stderr and nothing written.
"""

from __future__ import annotations

import getpass
import json
import re
import sys
from datetime import date
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

app = typer.Typer(
    help="Danh mục bí mật nhà nước: nhập quyết định ban hành danh mục, xem danh sách.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_FORMATS = ("text", "json")


def _fail(*messages: str) -> typer.Exit:
    for message in messages:
        typer.echo(f"Lỗi: {message}", err=True)
    return typer.Exit(2)


def _setup() -> None:
    # Imported here: bmnn.cli imports this module to register the group.
    from bmnn.cli import _django, _migrate

    _django()
    _migrate()


def _actor() -> str:
    """Who ran the command, as the ledger records it: the OS account, since the CLI has no
    login of its own."""
    try:
        user = getpass.getuser()
    except (OSError, KeyError):  # no passwd entry (containers) and no LOGNAME/USER
        user = "unknown"
    return f"cli:{user}"


def _format(value: str) -> str:
    if value not in _FORMATS:
        raise _fail(f"--format phải là một trong: {', '.join(_FORMATS)}")
    return value


def _date(value: str) -> date:
    try:
        if not _ISO_DATE.fullmatch(value):
            raise ValueError
        return date.fromisoformat(value)
    except ValueError:
        raise _fail(f"--date không phải ngày hợp lệ theo dạng YYYY-MM-DD: {value!r}") from None


def _console() -> Console:
    return Console(width=None if sys.stdout.isatty() else 200)


@app.command("import")
def import_(
    file: str = typer.Argument(..., help="Tệp danh mục .csv hoặc .xlsx."),
    number: str = typer.Option(..., "--number", help="Số, ký hiệu quyết định (vd 1234/QĐ-TTg)."),
    issued: str = typer.Option(..., "--date", help="Ngày ban hành, dạng YYYY-MM-DD."),
    issuer: str = typer.Option(..., "--issuer", help="Cơ quan, người ban hành."),
    title: str = typer.Option(..., "--title", help="Trích yếu."),
    replaces: str = typer.Option(
        None, "--replaces", help="Số quyết định cũ được quyết định này thay thế."
    ),
    output: str = typer.Option("text", "--format", help="text hoặc json."),
) -> None:
    """Nhập một quyết định ban hành danh mục BMNN cùng mọi mục trong tệp (tất cả hoặc không)."""
    output = _format(output)
    issued_on = _date(issued)
    path = Path(file)
    _setup()
    from django.core.exceptions import ValidationError

    from bmnn.catalogue import services
    from bmnn.catalogue.models import CatalogueDecision

    old = None
    if replaces:
        old = CatalogueDecision.objects.filter(number=replaces.strip()).first()
        if old is None:
            raise _fail(f"Không có quyết định số {replaces} trong danh mục để thay thế.")
    try:
        result = services.import_catalogue(
            _actor(),
            path,
            number=number,
            date=issued_on,
            issuer=issuer,
            title=title,
            replaces=old,
        )
    except ValidationError as exc:
        raise _fail(*exc.messages) from None

    if output == "json":
        typer.echo(json.dumps(result.as_dict(), ensure_ascii=False, indent=2))
        return
    from bmnn.people.models import LEVEL_NAMES

    decision = result.decision
    table = Table(title=f"Đã nhập Quyết định số {decision.number}", show_header=False)
    table.add_column("")
    table.add_column("")
    table.add_row("Ngày ban hành", f"{decision.date:%d/%m/%Y}")
    table.add_row("Cơ quan ban hành", decision.issuer)
    table.add_row("Trích yếu", decision.title)
    table.add_row("Tệp", path.name + (f" (trang «{result.sheet}»)" if result.sheet else ""))
    table.add_row("Số mục", str(result.items))
    for code, count in result.by_level.items():
        table.add_row(f"  {LEVEL_NAMES[code]}", str(count))
    if result.replaced is not None:
        table.add_row("Thay thế", f"Quyết định số {result.replaced.number} (vẫn được lưu)")
    _console().print(table)


@app.command("list")
def list_(
    output: str = typer.Option("text", "--format", help="text hoặc json."),
) -> None:
    """Liệt kê các quyết định ban hành danh mục, mới nhất trước."""
    output = _format(output)
    _setup()
    from django.db.models import Count

    from bmnn.catalogue.models import CatalogueDecision

    decisions = CatalogueDecision.objects.select_related("replaced_by").annotate(
        item_count=Count("items")
    )
    rows = [
        {
            "number": d.number,
            "date": d.date.isoformat(),
            "issuer": d.issuer,
            "title": d.title,
            "status": d.status,
            "replaced_by": d.replaced_by.number if d.replaced_by else None,
            "items": d.item_count,
            "is_sample": d.is_sample,
        }
        for d in decisions
    ]
    if output == "json":
        typer.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    if not rows:
        typer.echo("Chưa có quyết định ban hành danh mục nào.")
        return
    status_names = dict(CatalogueDecision.Status.choices)
    table = Table(title="Quyết định ban hành danh mục BMNN")
    for column in ("Số", "Ngày", "Cơ quan ban hành", "Trích yếu", "Số mục", "Tình trạng"):
        table.add_column(column)
    for row in rows:
        status = status_names[row["status"]]
        if row["replaced_by"]:
            status += f" bởi {row['replaced_by']}"
        if row["is_sample"]:
            status += " (dữ liệu mẫu)"
        table.add_row(
            row["number"],
            date.fromisoformat(row["date"]).strftime("%d/%m/%Y"),
            row["issuer"],
            row["title"],
            str(row["items"]),
            status,
        )
    _console().print(table)
