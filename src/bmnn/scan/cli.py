"""`bmnn scan`: scan files and folders for state secrets, plus three subcommands.

    bmnn scan [--format text|jsonl|sarif] [--workers N] [--catalogue F] [--fingerprints F] PATH...
    bmnn scan fingerprint …   bmnn scan serve …   bmnn scan site ROOT

A click group cannot take PATHs where it expects a subcommand, so ScanGroup looks at the first
argument: a subcommand's name dispatches to it, anything else is the scan itself (a PATH named
like a subcommand is given as ./serve). Subcommands live in their own modules, imported only
when called, so `bmnn scan PATH` loads none of them.

Exit codes: 2 if any file is `error`; else 1 if any is `secret`; else 0.
"""

from __future__ import annotations

import importlib
import sys

import typer
from typer.core import TyperCommand, TyperGroup

from bmnn.scan.limits import MB, Limits

SUBCOMMANDS = {
    "fingerprint": "bmnn.scan.fingerprint_cli:app",
    "serve": "bmnn.scan.serve:app",
    "site": "bmnn.scan.site:app",
}
SUBCOMMAND_HELP = {
    "fingerprint": "Tạo gói dấu vân tay từ tài liệu mật.",
    "serve": "Chạy cổng kiểm tra tệp (HTTP) cho cổng thông tin, văn phòng điện tử.",
    "site": "Kiểm tra bản sao trang web: trang nào liên kết tới tệp mật.",
}
_DEFAULT = "paths"  # the hidden command that is the scan itself


def _fail(message: str) -> typer.Exit:
    typer.echo(message, err=True)
    return typer.Exit(2)


def _load_subcommand(name: str):
    """The subcommand's click command (typer's), imported now."""
    target = SUBCOMMANDS[name]
    module_name, _, attr = target.partition(":")
    try:
        module = importlib.import_module(module_name)
        obj = getattr(module, attr)
    except (ImportError, AttributeError) as exc:
        raise _fail(
            f"Lệnh con «{name}» chưa có trong bản cài đặt này (không tải được {target}: {exc})."
        ) from exc
    if isinstance(obj, typer.Typer):
        obj = typer.main.get_command(obj)
    if not (hasattr(obj, "make_context") and hasattr(obj, "invoke")):
        raise _fail(f"Lệnh con «{name}» ({target}) không phải một lệnh.")
    obj.name = name
    return obj


class ScanGroup(TyperGroup):
    def parse_args(self, ctx: typer.Context, args: list[str]) -> list[str]:
        if not args or args[0] not in SUBCOMMANDS:
            args = [_DEFAULT, *args]
        return super().parse_args(ctx, args)

    def resolve_command(self, ctx: typer.Context, args: list[str]):
        name, command, rest = super().resolve_command(ctx, args)
        # The scan itself reads as `bmnn scan [OPTIONS] PATH...` in its usage line.
        return (None if name == _DEFAULT else name), command, rest

    def list_commands(self, ctx: typer.Context) -> list[str]:
        return list(SUBCOMMANDS)

    def get_command(self, ctx: typer.Context, name: str):
        if name in SUBCOMMANDS:
            return _load_subcommand(name)
        return super().get_command(ctx, name)


class _ScanContext(typer.Context):
    @property
    def command_path(self) -> str:
        return super().command_path.rstrip()  # "bmnn scan", not "bmnn scan " (no name)


class _ScanCommand(TyperCommand):
    context_class = _ScanContext


app = typer.Typer(
    cls=ScanGroup,
    help="Quét tệp tìm dấu hiệu bí mật nhà nước (dấu độ mật, danh mục, dấu vân tay).",
    add_completion=False,
    pretty_exceptions_enable=False,
)

_DEFAULTS = Limits()
_EPILOG = "Lệnh con:\n\n" + "\n\n".join(
    f"bmnn scan {name} … — {text}" for name, text in SUBCOMMAND_HELP.items()
)


_PATHS = typer.Argument(..., metavar="PATH", help="Tệp hoặc thư mục (quét cả thư mục con).")


@app.command(_DEFAULT, cls=_ScanCommand, hidden=True, no_args_is_help=True, epilog=_EPILOG)
def scan(
    paths: list[str] = _PATHS,
    fmt: str = typer.Option("text", "--format", help="text | jsonl | sarif."),
    workers: int = typer.Option(1, "--workers", min=1, help="Số tiến trình đọc tệp song song."),
    catalogue: str = typer.Option(None, "--catalogue", help="Danh mục bí mật (YAML hoặc CSV)."),
    fingerprints: str = typer.Option(None, "--fingerprints", help="Gói dấu vân tay."),
    no_ocr: bool = typer.Option(False, "--no-ocr", help="Không nhận dạng chữ trong ảnh."),
    max_file_mb: float = typer.Option(
        _DEFAULTS.max_file_bytes / MB, "--max-file-mb", help="Cỡ tối đa một tệp (MB)."
    ),
    max_depth: int = typer.Option(
        _DEFAULTS.max_depth, "--max-depth", min=0, help="Số cấp nén/đính kèm lồng nhau tối đa."
    ),
    max_unpacked_mb: float = typer.Option(
        _DEFAULTS.max_unpacked_bytes / MB,
        "--max-unpacked-mb",
        help="Tổng dung lượng giải nén tối đa của một tệp (MB).",
    ),
    max_members: int = typer.Option(
        _DEFAULTS.max_members, "--max-members", min=0, help="Số tệp tối đa trong một tệp nén."
    ),
    max_pages: int = typer.Option(
        _DEFAULTS.max_pages, "--max-pages", min=1, help="Số trang tối đa một tệp."
    ),
    max_ocr_pages: int = typer.Option(
        _DEFAULTS.max_ocr_pages, "--max-ocr-pages", min=0, help="Số trang nhận dạng chữ tối đa."
    ),
    seconds_per_file: float = typer.Option(
        _DEFAULTS.seconds_per_file, "--seconds-per-file", help="Thời gian tối đa một tệp (giây)."
    ),
    max_memory_mb: float = typer.Option(
        _DEFAULTS.max_memory_bytes / MB,
        "--max-memory-mb",
        help="Bộ nhớ tối đa một tiến trình đọc (MB).",
    ),
) -> None:
    """Quét tệp và thư mục. Mã thoát: 2 nếu có tệp không đọc được, 1 nếu có tệp mật, 0 nếu không."""
    from bmnn.scan import report as reports
    from bmnn.scan.engine import ConfigError, ScanConfig, Scanner, walk

    if fmt not in reports.FORMATS:
        raise typer.BadParameter("phải là text, jsonl hoặc sarif.", param_hint="--format")
    for value, option in (
        (max_file_mb, "--max-file-mb"),
        (max_unpacked_mb, "--max-unpacked-mb"),
        (seconds_per_file, "--seconds-per-file"),
        (max_memory_mb, "--max-memory-mb"),
    ):
        if value <= 0:
            raise typer.BadParameter("phải lớn hơn 0.", param_hint=option)
    limits = Limits(
        max_file_bytes=int(max_file_mb * MB),
        max_depth=max_depth,
        max_members=max_members,
        max_unpacked_bytes=int(max_unpacked_mb * MB),
        max_pages=max_pages,
        max_ocr_pages=max_ocr_pages,
        seconds_per_file=seconds_per_file,
        max_memory_bytes=int(max_memory_mb * MB),
        max_ratio=_DEFAULTS.max_ratio,
        max_pixels=_DEFAULTS.max_pixels,
        max_text_chars=_DEFAULTS.max_text_chars,
    )
    config = ScanConfig(
        limits=limits,
        workers=workers,
        catalogue=catalogue,
        fingerprints=fingerprints,
        ocr=not no_ocr,
    )
    out = sys.stdout
    try:
        scanner = Scanner(config)
    except ConfigError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from exc
    if fmt == "jsonl":
        reporter = reports.JsonlReport(out)
    elif fmt == "sarif":
        reporter = reports.SarifReport(out)
    else:
        # Walking twice costs directory reads only; it gives the progress bar its total.
        total = sum(1 for _ in walk(paths))
        reporter = reports.TextReport(out, total)
    with scanner:
        for group in scanner.iter_groups(paths):
            reporter.add_group(group)
    reporter.finish()
    raise typer.Exit(reporter.exit_code())
