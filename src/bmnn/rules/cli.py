"""`bmnn rules …`: ask the rulebook from the command line (no Django).

Exit codes: 0 an answer was given (allowed or refused); 1 the rulebook data has problems;
2 the question was malformed (unknown action, level, post, bad date or number).
"""

from __future__ import annotations

import json
import re
import sys
from datetime import date
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from bmnn.rules.loader import load_rulebook
from bmnn.rules.model import (
    ACTIONS,
    CONFIDENCE_VI,
    LEVELS,
    PERIOD_KINDS,
    Delegation,
    RuleError,
    vi_date,
)

app = typer.Typer(
    help="Bộ quy tắc pháp luật về bảo vệ bí mật nhà nước (thẩm quyền, thời hạn, căn cứ).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_FORMATS = ("text", "json")


def _fail(message: str, code: int = 2) -> typer.Exit:
    typer.echo(f"Lỗi: {message}", err=True)
    return typer.Exit(code)


def _date(value: str | None, option: str) -> date:
    if value is None:
        return date.today()
    try:
        if not _ISO_DATE.fullmatch(value):
            raise ValueError
        return date.fromisoformat(value)
    except ValueError:
        raise _fail(f"{option} không phải ngày hợp lệ theo dạng YYYY-MM-DD: {value!r}") from None


def _format(value: str) -> str:
    if value not in _FORMATS:
        raise _fail(f"--format phải là một trong: {', '.join(_FORMATS)}")
    return value


def _rulebook():
    try:
        return load_rulebook()
    except RuleError as exc:
        raise _fail(str(exc), 1) from None


def _json(data: dict | list) -> None:
    typer.echo(json.dumps(data, ensure_ascii=False, indent=2))


def _console() -> Console:
    # Wide enough that citations are not cut into pieces when the output is not a terminal.
    return Console(width=None if sys.stdout.isatty() else 200)


@app.command()
def decide(
    action: str = typer.Option(..., "--action", help=f"Hành vi: {', '.join(ACTIONS)}."),
    level: str = typer.Option(..., "--level", help=f"Độ mật: {', '.join(LEVELS)}."),
    post: str = typer.Option(..., "--post", help="Mã chức vụ của người quyết định."),
    on: str = typer.Option(None, "--on", help="Ngày quyết định YYYY-MM-DD (mặc định: hôm nay)."),
    delegated_by: str = typer.Option(
        None, "--delegated-by", help="Mã chức vụ của người đã ủy quyền bằng văn bản cho --post."
    ),
    output: str = typer.Option("text", "--format", help="text hoặc json."),
) -> None:
    """Người giữ chức vụ --post có được thực hiện --action với độ --level vào ngày --on không."""
    output, when = _format(output), _date(on, "--on")
    rb = _rulebook()
    delegation = Delegation(delegator_post=delegated_by) if delegated_by else None
    try:
        decision = rb.decide(action, level, post, when, delegation=delegation)
    except RuleError as exc:
        raise _fail(str(exc)) from None
    if output == "json":
        _json(decision.as_dict())
        return
    verdict = "ĐƯỢC PHÉP" if decision.allowed else "KHÔNG ĐƯỢC PHÉP"
    typer.echo(f"{verdict} — {decision.reason}")
    typer.echo(f"Căn cứ: {decision.citation}")
    typer.echo(f"Độ tin cậy: {decision.confidence} ({CONFIDENCE_VI.get(decision.confidence, '')})")
    typer.echo(f"Quy tắc: {decision.rule_id}")


@app.command()
def period(
    level: str = typer.Option(..., "--level", help=f"Độ mật: {', '.join(LEVELS)}."),
    classified_on: str = typer.Option(..., "--classified-on", help="Ngày xác định độ mật."),
    kind: str = typer.Option("document", "--kind", help=f"Loại: {', '.join(PERIOD_KINDS)}."),
    years: str = typer.Option(None, "--years", help="Thời hạn ngắn hơn (năm), chỉ cho hoạt động."),
    output: str = typer.Option("text", "--format", help="text hoặc json."),
) -> None:
    """Thời hạn bảo vệ và hạn chót quyết định gia hạn."""
    output, when = _format(output), _date(classified_on, "--classified-on")
    if years is not None and not re.fullmatch(r"-?\d+", years):
        raise _fail(f"--years phải là số nguyên: {years!r}")
    rb = _rulebook()
    try:
        result = rb.period(level, when, kind=kind, years=int(years) if years else None)
    except RuleError as exc:
        raise _fail(str(exc)) from None
    if output == "json":
        _json(result.as_dict())
        return
    if result.expires_on is None:
        typer.echo(
            "Không có thời hạn cố định: kết thúc khi không còn dùng địa điểm để chứa bí mật."
        )
    else:
        typer.echo(f"Hết thời hạn bảo vệ: {vi_date(result.expires_on)} ({result.years} năm)")
        typer.echo(
            f"Quyết định gia hạn chậm nhất: {vi_date(result.extension_decision_by)} "
            f"({result.extension_citation})"
        )
    typer.echo(f"Căn cứ: {result.citation}")
    typer.echo(f"Độ tin cậy: {result.confidence} ({CONFIDENCE_VI.get(result.confidence, '')})")


@app.command()
def explain(
    action: str = typer.Argument(..., help=f"Hành vi: {', '.join(ACTIONS)}."),
    level: str = typer.Argument(..., help=f"Độ mật: {', '.join(LEVELS)}."),
    on: str = typer.Option(None, "--on", help="Ngày YYYY-MM-DD (mặc định: hôm nay)."),
    output: str = typer.Option("text", "--format", help="text hoặc json."),
) -> None:
    """Những chức vụ có thẩm quyền, kèm căn cứ và độ tin cậy."""
    output, when = _format(output), _date(on, "--on")
    rb = _rulebook()
    try:
        rows = rb.explain(action, level, when)
    except RuleError as exc:
        raise _fail(str(exc)) from None
    if output == "json":
        _json([row.as_dict() for row in rows])
        return
    title = (
        f"Thẩm quyền {rb.action_names[action]} tài liệu, vật chứa bí mật nhà nước độ "
        f"{rb.levels[level].vi} ngày {vi_date(when)}"
    )
    if not rows:
        typer.echo(f"{title}: không có chức vụ nào theo bộ quy tắc.")
        return
    table = Table(title=title, show_lines=True)
    table.add_column("Mã")
    table.add_column("Chức vụ")
    table.add_column("Căn cứ", no_wrap=True)  # a citation cut in two is misread
    for column in ("Độ tin cậy", "Ủy quyền", "Ghi chú"):
        table.add_column(column)
    for row in rows:
        table.add_row(
            row.post,
            row.vi,
            row.citation,
            f"{row.confidence} ({CONFIDENCE_VI.get(row.confidence, '')})",
            "được" if row.delegable else "không",
            row.note,
        )
    _console().print(table)


@app.command()
def check(
    overrides: str = typer.Option(
        None, "--overrides", help="Tệp YAML quy tắc bổ sung (mặc định: BMNN_RULES_OVERRIDES)."
    ),
) -> None:
    """Kiểm tra dữ liệu: căn cứ, thời gian hiệu lực, chức vụ, độ mật, hành vi."""
    try:
        rb = load_rulebook(Path(overrides) if overrides else None, strict=False)
    except RuleError as exc:
        raise _fail(str(exc), 1) from None
    problems = rb.check()
    if problems:
        typer.echo(f"Bộ quy tắc có {len(problems)} lỗi:")
        for problem in problems:
            typer.echo(f"- {problem}")
        raise typer.Exit(1)
    typer.echo(
        f"Bộ quy tắc hợp lệ: {len(rb.versions)} phiên bản quy tắc, {len(rb.posts)} chức vụ, "
        f"{len(rb.texts)} văn bản."
    )


@app.command()
def texts(
    on: str = typer.Option(None, "--on", help="Ngày YYYY-MM-DD (mặc định: hôm nay)."),
) -> None:
    """Các văn bản pháp luật có hiệu lực vào một ngày."""
    when = _date(on, "--on")
    for text in _rulebook().texts_in_force(when):
        typer.echo(
            f"{text.name} — {text.title} (hiệu lực từ {vi_date(text.effective_from)}"
            + (f" đến hết {vi_date(text.effective_to)}" if text.effective_to else "")
            + f"; {CONFIDENCE_VI.get(text.confidence, text.confidence)})"
        )
