"""`bmnn registry …`: import a legacy register (sổ đăng ký BMNN đi / đến kept before the system).

Exit codes: 0 done; 2 the input was refused (bad option, bad file, failed validation, a refusal
by law), with the messages on stderr and nothing written.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from bmnn.catalogue.cli import _actor, _fail, _format, _setup

app = typer.Typer(
    help="Sổ đăng ký bí mật nhà nước: nhập sổ cũ từ tệp Excel/CSV.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

_KINDS = ("outgoing", "incoming")


@app.command("import-legacy")
def import_legacy(
    file: str = typer.Argument(..., help="Tệp sổ cũ .xlsx hoặc .csv."),
    kind: str = typer.Option(..., "--kind", help="outgoing (sổ đi) hoặc incoming (sổ đến)."),
    agency_code: str = typer.Option(..., "--agency", help="Ký hiệu (short code) của cơ quan."),
    year: int = typer.Option(..., "--year", help="Năm của sổ (YYYY)."),
    book: int = typer.Option(None, "--book", help="Quyển số (mặc định: quyển tiếp theo)."),
    clerk_username: str = typer.Option(
        None,
        "--clerk",
        help="Tên đăng nhập của văn thư nhận các bản (mặc định: văn thư duy nhất của cơ quan).",
    ),
    drop_tuyet_mat_summaries: bool = typer.Option(
        False,
        "--drop-tuyet-mat-summaries",
        help="Bỏ trích yếu của các dòng độ Tuyệt mật thay vì từ chối cả tệp.",
    ),
    output: str = typer.Option("text", "--format", help="text hoặc json."),
) -> None:
    """Nhập một sổ đăng ký BMNN đi/đến cũ thành một quyển sổ đã khóa (tất cả hoặc không)."""
    output = _format(output)
    if kind not in _KINDS:
        raise _fail(f"--kind phải là một trong: {', '.join(_KINDS)}")
    path = Path(file)
    _setup()
    from django.core.exceptions import PermissionDenied, ValidationError

    from bmnn.people.models import LEVEL_NAMES, OrgUnit, Staff
    from bmnn.registry.services.legacy_import import import_legacy_register
    from bmnn.web.errors import Refused

    agency = OrgUnit.objects.filter(short_code=agency_code.strip()).first()
    if agency is None:
        raise _fail(f"Không có cơ quan có ký hiệu «{agency_code}».")
    clerk = None
    if clerk_username:
        clerk = (
            Staff.objects.filter(user__username=clerk_username.strip())
            .select_related("org_unit")
            .first()
        )
        if clerk is None:
            raise _fail(f"Không có cán bộ có tên đăng nhập «{clerk_username}».")
    try:
        result = import_legacy_register(
            _actor(),
            path,
            kind=kind,
            agency=agency,
            year=year,
            book=book,
            clerk=clerk,
            drop_tuyet_mat_summaries=drop_tuyet_mat_summaries,
        )
    except ValidationError as exc:
        raise _fail(*exc.messages) from None
    except Refused as exc:
        raise _fail(f"{exc.message} (Căn cứ: {exc.citation})") from None
    except PermissionDenied as exc:
        raise _fail(str(exc)) from None

    if output == "json":
        typer.echo(json.dumps(result.as_dict(), ensure_ascii=False, indent=2))
        return
    register = result.register
    table = Table(title=f"Đã nhập {register}", show_header=False)
    table.add_column("")
    table.add_column("")
    table.add_row("Cơ quan", agency.name)
    table.add_row("Tệp", path.name + (f" (trang «{result.sheet}»)" if result.sheet else ""))
    table.add_row("Số dòng", str(result.rows))
    for code, count in result.by_level.items():
        table.add_row(f"  {LEVEL_NAMES[code]}", str(count))
    table.add_row("Số thứ tự", f"{result.first_number:02d} – {result.last_number:02d}")
    table.add_row(
        "Ngày", f"{register.opened_on:%d/%m/%Y} – {register.closed_on:%d/%m/%Y} (sổ đã khóa)"
    )
    table.add_row("Số bản", f"{result.copies} (văn thư {result.clerk.full_name} quản lý)")
    table.add_row("SHA-256 tệp", result.sha256)
    Console(width=None if sys.stdout.isatty() else 200).print(table)
    for warning in result.warnings:
        typer.echo(f"Lưu ý: {warning}")
