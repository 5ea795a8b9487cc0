"""The `bmnn` command.

Pure commands (rules) never import Django; commands that need the database call
`_django()` first, which configures Django from the environment (see bmnn.config).
"""

from __future__ import annotations

import os
import sys

import typer

from bmnn.catalogue.cli import app as catalogue_app
from bmnn.hostaudit.cli import app as audit_app
from bmnn.registry.cli import app as registry_app
from bmnn.rules.cli import app as rules_app
from bmnn.scan.cli import app as scan_app

app = typer.Typer(
    help="BMNN — bảo vệ bí mật nhà nước.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.add_typer(rules_app, name="rules")
app.add_typer(catalogue_app, name="catalogue")
app.add_typer(registry_app, name="registry")
app.add_typer(scan_app, name="scan")
app.add_typer(audit_app, name="audit")


def _django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bmnn.web.settings")
    import django

    django.setup()


def _migrate() -> None:
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)


@app.command()
def verify(
    public_key: str = typer.Option(
        None,
        "--public-key",
        help="Khóa công khai đã in/mang ra ngoài (PEM). Mặc định: khóa trong thư mục dữ liệu.",
    ),
) -> None:
    """Kiểm tra tính toàn vẹn của sổ nhật ký (chuỗi băm và điểm kiểm tra đã ký)."""
    _django()
    from bmnn.web import ledger

    result = ledger.verify(public_key_path=public_key)
    typer.echo(result.message)
    raise typer.Exit(0 if result.ok else 1)


ledger_app = typer.Typer(help="Sổ nhật ký sự kiện (ledger).", no_args_is_help=True)
app.add_typer(ledger_app, name="ledger")


@ledger_app.command("checkpoint")
def ledger_checkpoint() -> None:
    """Ký một điểm kiểm tra (checkpoint) ngay bây giờ."""
    _django()
    from bmnn.web import ledger

    cp = ledger.checkpoint_now()
    typer.echo(f"Checkpoint #{cp.seq} ký lúc {cp.created_at} — {cp.event_hash}")


@ledger_app.command("export-key")
def ledger_export_key() -> None:
    """In khóa công khai (PEM) và dấu vân tay để in ra giấy hoặc mang đi."""
    _django()
    from bmnn.web import ledger

    typer.echo(ledger.public_key_text())


@app.command()
def demo() -> None:
    """Tạo dữ liệu mẫu (một Sở với các phòng và người dùng) và in thông tin đăng nhập."""
    _django()
    _migrate()
    logins = _seed_all_demo()
    _print_logins(logins)


def _seed_all_demo():
    """The demo agency, then its registry: a few items already proposed, approved and
    registered, so every page has something to show."""
    from bmnn.people.demo import seed_demo
    from bmnn.registry.demo import seed_registry_demo

    logins = seed_demo()
    seed_registry_demo()
    return logins


def _print_logins(logins) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title="Tài khoản dùng thử (demo)")
    table.add_column("Tên đăng nhập")
    table.add_column("Mật khẩu")
    table.add_column("Vai trò")
    for login in logins:
        table.add_row(login.username, login.password, login.role)
    Console().print(table)


@app.command()
def serve(
    host: str = typer.Option(None, help="Địa chỉ lắng nghe (mặc định BMNN_BIND hoặc 127.0.0.1)."),
    port: int = typer.Option(8000, help="Cổng."),
    with_demo: bool = typer.Option(False, "--demo", help="Tạo dữ liệu mẫu trước khi chạy."),
) -> None:
    """Chạy ứng dụng web (waitress)."""
    from bmnn import config

    _django()
    _migrate()
    from django.core.management import call_command

    call_command("collectstatic", interactive=False, verbosity=0)
    if with_demo:
        _print_logins(_seed_all_demo())
    from waitress import serve as waitress_serve

    from bmnn.web.wsgi import application

    bind = host or config.bind_address()
    typer.echo(f"BMNN đang chạy tại http://{bind}:{port}/  (Ctrl+C để dừng)")
    waitress_serve(application, host=bind, port=port, threads=8)


@app.command(
    context_settings={"allow_extra_args": True, "ignore_unknown_options": True},
)
def manage(ctx: typer.Context) -> None:
    """Chạy lệnh quản trị Django (migrate, createsuperuser, …)."""
    _django()
    from django.core.management import execute_from_command_line

    execute_from_command_line(["bmnn manage", *ctx.args])


def main() -> None:
    # Windows consoles default to a legacy code page; Vietnamese needs UTF-8.
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(encoding="utf-8")
    app()


if __name__ == "__main__":
    main()
