"""`bmnn audit`: audit a computer that drafts or stores state secrets.

    bmnn audit host --out BUNDLE [--zip] [--format F] [--report FILE] [--config AGENCY.yaml]
    bmnn audit evidence BUNDLE_OR_FOLDER_OR_IMAGE [--format F] [--out FILE] [--config ...]
    bmnn audit correlate BUNDLE... [--config ...] [--format text|json|html] [--out FILE]

`host` collects this machine into a bundle, then analyses the bundle exactly as `evidence`
would. Exit codes (as `bmnn scan`): 2 if the audit is incomplete (any result `error` or
`unknown`) or a bundle fails verification; else 1 if any result is `fail`; else 0.
Messages go to stderr, the report to stdout or FILE, so `--format json` pipes cleanly.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Annotated, Any

import typer

app = typer.Typer(
    help="Kiểm tra máy tính soạn thảo, lưu giữ bí mật nhà nước: thu thập chứng cứ, phân tích, "
    "đối chiếu thiết bị giữa các máy.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

FORMATS = ("text", "json", "html", "pdf")
CORRELATION_FORMATS = ("text", "json", "html")
EXIT_PASS, EXIT_FAIL, EXIT_INCOMPLETE = 0, 1, 2

_FORMAT_HELP = "Định dạng báo cáo: text | json | html | pdf (pdf phải ghi ra tệp)."
_CONFIG_HELP = "Tệp cấu hình của cơ quan (YAML): mạng LAN độc lập, USB, máy in… được phép."


def _stderr():
    from rich.console import Console

    return Console(stderr=True, highlight=False, soft_wrap=True)


def _esc(text: object) -> str:
    """Paths and messages are data, never rich markup ("[x]" in a file name stays as is)."""
    from rich.markup import escape

    return escape(str(text))


def _fail(message: str, code: int = EXIT_INCOMPLETE) -> typer.Exit:
    _stderr().print(f"[bold red]Lỗi:[/] {_esc(message)}")
    return typer.Exit(code)


def _check_format(fmt: str, allowed: tuple[str, ...], target: Path | None, option: str) -> None:
    if fmt not in allowed:
        raise typer.BadParameter(f"phải là {' | '.join(allowed)}.", param_hint="--format")
    if fmt == "pdf" and target is None:
        raise typer.BadParameter(
            f"báo cáo PDF phải ghi ra tệp: thêm {option} TỆP.pdf.", param_hint="--format"
        )
    if target is not None and target.exists() and target.is_dir():
        raise typer.BadParameter(f"{target} là thư mục.", param_hint=option)


def _load_config(path: Path | None):
    """The agency's AuditConfig, or None (nothing allow-listed). A bad file stops the run
    before anything is collected."""
    if path is None:
        return None
    from .config import AuditConfig, ConfigError

    try:
        return AuditConfig.load(path)
    except ConfigError as exc:
        raise _fail(str(exc)) from exc


# -- integrity --------------------------------------------------------------------------------


def _say_integrity(report, label: str) -> bool:
    """Say on stderr what verifying the bundle found (run_audit verified it), loudly when it
    failed. A plain folder or mounted image has no manifest: analysed, said unverifiable.
    Returns False when the bundle is not intact."""
    from .bundle import MANIFEST_REL

    err = _stderr()
    check = report.bundle
    if check is None:
        err.print(
            f"[yellow]Lưu ý:[/] {_esc(label)} không phải gói chứng cứ (không có {MANIFEST_REL}): "
            "phân tích như thư mục hoặc ảnh đĩa gắn vào; không kiểm tra được toàn vẹn."
        )
        return True
    if check.intact:
        err.print(
            f"[green]✓[/] {_esc(label)}: gói chứng cứ nguyên vẹn "
            f"(SHA-256 bản kê {check.manifest_sha256})."
        )
        return True
    err.print(
        f"[bold white on red] GÓI CHỨNG CỨ KHÔNG NGUYÊN VẸN [/] {_esc(label)}: "
        f"{len(check.problems)} sai khác so với bản kê — không dùng làm chứng cứ."
    )
    for p in check.problems[:50]:
        err.print(f"  [red]✗[/] {_esc(p['message'])}")
    if len(check.problems) > 50:
        err.print(f"  … và {len(check.problems) - 50} sai khác khác.")
    return False


@contextlib.contextmanager
def _opened(path: Path) -> Iterator[Path]:
    """A folder for a bundle folder, artefact folder, mounted image or .zip bundle."""
    from .bundle import BundleError, open_bundle

    try:
        with open_bundle(path) as folder:
            yield folder
    except BundleError as exc:
        raise _fail(str(exc)) from exc


# -- reports ----------------------------------------------------------------------------------


def exit_code(results: Iterable[Any], intact: bool = True) -> int:
    """2: incomplete (error/unknown) or tampered; 1: a violation; 0: all pass/notapplicable."""
    states = {r.result for r in results}
    if not intact or states & {"error", "unknown"}:
        return EXIT_INCOMPLETE
    if "fail" in states:
        return EXIT_FAIL
    return EXIT_PASS


def _write(body: str | bytes, target: Path | None) -> None:
    if target is None:
        if isinstance(body, bytes):
            sys.stdout.buffer.write(body)
        else:
            sys.stdout.write(body if body.endswith("\n") else body + "\n")
        sys.stdout.flush()
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(body, bytes):
        target.write_bytes(body)
    else:
        target.write_text(body, encoding="utf-8")
    _stderr().print(f"Đã ghi báo cáo: {_esc(target)}")


def summary_table(report) -> None:
    """The rich table of results for a person at a terminal (text format on stdout): worst
    result first, then by severity."""
    from rich.console import Console
    from rich.table import Table

    from .model import RESULTS, RESULTS_VI, SEVERITIES
    from .report import SEVERITIES_VI

    style = {
        "fail": "bold red",
        "error": "magenta",
        "unknown": "yellow",
        "pass": "green",
        "notapplicable": "dim",
    }
    rank = {k: i for i, k in enumerate(RESULTS)}
    sev = {k: i for i, k in enumerate(SEVERITIES)}
    table = Table(title="Kết quả kiểm tra")
    table.add_column("Mã", no_wrap=True)
    table.add_column("Nội dung kiểm tra")
    table.add_column("Mức độ")
    table.add_column("Kết quả")
    table.add_column("Bằng chứng", justify="right")
    ordered = sorted(
        report.results, key=lambda r: (rank.get(r.result, 9), sev.get(r.severity, 9), r.check_id)
    )
    for r in ordered:
        table.add_row(
            r.check_id,
            r.title,
            SEVERITIES_VI.get(r.severity, r.severity),
            f"[{style.get(r.result, '')}]{RESULTS_VI.get(r.result, r.result)}[/]",
            str(len(r.findings)),
        )
    Console().print(table)


def _emit(report, fmt: str, target: Path | None) -> None:
    """The report to FILE or stdout; at a terminal, text also gets the rich results table."""
    from .report import render

    try:
        body = render(report, fmt)
    except Exception as exc:  # e.g. the PDF font is not installed: say so, exit 2
        raise _fail(f"Không lập được báo cáo {fmt}: {exc}") from exc
    _write(body, target)
    if fmt == "text" and target is None and sys.stdout.isatty():
        summary_table(report)


def _count_line(report) -> str:
    from .model import RESULTS, RESULTS_VI

    counts = report.counts()
    return "Kết quả — " + ", ".join(f"{RESULTS_VI[k]}: {counts.get(k, 0)}" for k in RESULTS)


def _analyse(folder: Path, config, label: object) -> Any:
    """run_audit on `folder` (a .zip is extracted there); `label` is what the user gave."""
    from .audit import run_audit

    _stderr().print(f"Đang phân tích {_esc(label)} …")
    try:
        return run_audit(folder, config)
    except Exception as exc:  # a crash must not exit 1 (= "violation found"): it is an error
        raise _fail(f"Không phân tích được {label}: {type(exc).__name__}: {exc}") from exc


# -- commands ---------------------------------------------------------------------------------

_MB = 1 << 20
Fmt = Annotated[str, typer.Option("--format", help=_FORMAT_HELP)]
Config = Annotated[Path | None, typer.Option("--config", help=_CONFIG_HELP)]


@app.command("host")
def host(
    out: Annotated[
        Path,
        typer.Option(
            "--out",
            help="Thư mục gói chứng cứ sẽ tạo (chưa có hoặc "
            "trống), nên ở trên thiết bị lưu trữ của đoàn kiểm tra.",
        ),
    ],
    fmt: Fmt = "text",
    report_file: Annotated[
        Path | None,
        typer.Option("--report", help="Ghi báo cáo vào tệp này (mặc định: in ra màn hình)."),
    ] = None,
    config: Config = None,
    make_zip: Annotated[
        bool, typer.Option("--zip", help="Tạo thêm tệp BUNDLE.zip của gói.")
    ] = False,
    journal_max_mb: Annotated[
        int,
        typer.Option(
            "--journal-max-mb", min=1, help="Dung lượng tối đa bản xuất nhật ký systemd (MB)."
        ),
    ] = 512,
    journal_since: Annotated[
        str | None,
        typer.Option("--journal-since", help="Chỉ xuất nhật ký systemd từ ngày này (YYYY-MM-DD)."),
    ] = None,
    max_total_mb: Annotated[
        int, typer.Option("--max-total-mb", min=1, help="Dung lượng tối đa của cả gói (MB).")
    ] = 8192,
) -> None:
    """Thu thập chứng cứ trên chính máy này (chỉ đọc, không dùng mạng), rồi phân tích gói."""
    from .bundle import BundleError, manifest_digest, write_zip
    from .collect import CollectLimits, collect

    _check_format(fmt, FORMATS, report_file, "--report")
    cfg = _load_config(config)
    limits = CollectLimits(
        max_total_bytes=max_total_mb * _MB,
        journal_max_bytes=journal_max_mb * _MB,
        journal_since=journal_since,
    )
    err = _stderr()
    err.print(f"Đang thu thập chứng cứ vào {_esc(out)} …")
    try:
        manifest = collect(out, limits=limits)
    except BundleError as exc:
        raise _fail(str(exc)) from exc
    err.print(
        f"Đã thu thập {len(manifest['files'])} tệp, bỏ qua {len(manifest['skipped'])} mục, "
        f"{manifest['errors']} lỗi (xem {_esc(out / 'bmnn' / 'collector.log')})."
    )
    err.print(f"[bold]Mã SHA-256 của bản kê (ghi vào biên bản kiểm tra):[/] {manifest_digest(out)}")
    if make_zip:
        try:
            archive = write_zip(out, out.with_name(out.name + ".zip"))
        except BundleError as exc:
            raise _fail(str(exc)) from exc
        err.print(f"Đã tạo {_esc(archive)}")
    report = _analyse(out, cfg, out)
    intact = _say_integrity(report, str(out))
    _emit(report, fmt, report_file)
    err.print(_count_line(report))
    raise typer.Exit(exit_code(report.results, intact))


@app.command("evidence")
def evidence(
    path: Annotated[
        Path,
        typer.Argument(
            help="Gói chứng cứ (thư mục hoặc .zip), thư mục chứng "
            "cứ, hoặc ổ đĩa/ảnh đĩa đã gắn (chỉ đọc)."
        ),
    ],
    fmt: Fmt = "text",
    out_file: Annotated[
        Path | None,
        typer.Option("--out", help="Ghi báo cáo vào tệp này (mặc định: in ra màn hình)."),
    ] = None,
    config: Config = None,
) -> None:
    """Phân tích chứng cứ đã thu thập, hoặc ổ đĩa của máy được kiểm tra đã gắn vào máy khác."""
    _check_format(fmt, FORMATS, out_file, "--out")
    cfg = _load_config(config)
    with _opened(path) as folder:
        report = _analyse(folder, cfg, path)
        intact = _say_integrity(report, str(path))
        _emit(report, fmt, out_file)
    _stderr().print(_count_line(report))
    raise typer.Exit(exit_code(report.results, intact))


@app.command("correlate")
def correlate_cmd(
    bundles: Annotated[
        list[Path],
        typer.Argument(help="Các gói chứng cứ (thư mục hoặc .zip) của các máy trong cơ quan."),
    ],
    config: Annotated[
        Path | None,
        typer.Option(
            "--config",
            help=_CONFIG_HELP + " Bảng machines cho biết máy nào là máy mật, máy nào "
            "là máy kết nối Internet.",
        ),
    ] = None,
    fmt: Annotated[str, typer.Option("--format", help="Định dạng: text | json | html.")] = "text",
    out_file: Annotated[
        Path | None,
        typer.Option("--out", help="Ghi kết quả vào tệp này."),
    ] = None,
) -> None:
    """Đối chiếu USB giữa các máy: thiết bị đã cắm vào cả máy mật lẫn máy kết nối Internet.

    So số sê-ri USB và số sê-ri ổ đĩa. Mã thoát: 1 nếu có, 2 nếu có gói không nguyên vẹn.
    """
    from .correlate import correlate
    from .report import render_correlation

    _check_format(fmt, CORRELATION_FORMATS, out_file, "--out")
    cfg = _load_config(config)
    reports, intact = [], True
    with contextlib.ExitStack() as stack:
        for p in bundles:
            folder = stack.enter_context(_opened(p))
            report = _analyse(folder, cfg, p)
            intact = _say_integrity(report, str(p)) and intact
            reports.append(report)
        try:
            result = correlate(reports, cfg)
            body = render_correlation(result, fmt)
        except Exception as exc:  # a crash must not read as "device found" (exit 1)
            raise _fail(f"Không đối chiếu được: {type(exc).__name__}: {exc}") from exc
    _write(body, out_file)
    crossings = result.crossings
    _stderr().print(
        f"{len(result.machines)} máy, {len(result.links)} thiết bị dùng chung, "
        f"{len(crossings)} thiết bị đã cắm vào cả máy mật và máy kết nối Internet."
    )
    if not intact:
        raise typer.Exit(EXIT_INCOMPLETE)
    raise typer.Exit(EXIT_FAIL if crossings else EXIT_PASS)
