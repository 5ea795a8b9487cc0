"""Report formats of `bmnn scan`: jsonl (one FileResult per line, the issue's exact object),
SARIF 2.1.0 (for code-scanning and audit tools), and text (a progress bar on stderr and a
summary table on stdout).

Every reporter takes the results of one top-level file at a time (`add_group`: its line, then
its members'), and `finish()` at the end. Only what a summary needs is kept, never every
result: a folder of a million clean files costs counters, not memory.
"""

from __future__ import annotations

import abc
import json
import os
from collections.abc import Iterable
from typing import TextIO
from urllib.parse import quote

from bmnn.scan.model import FileResult

FORMATS = ("text", "jsonl", "sarif")

LEVEL_NAMES = {"tuyet_mat": "Tuyệt mật", "toi_mat": "Tối mật", "mat": "Mật"}
VERDICT_NAMES = {
    "secret": "Có bí mật",
    "clean": "Không thấy bí mật",
    "error": "Lỗi, không đọc được",
}

# Vietnamese descriptions of the rules, for SARIF's rule table. Rules the detectors add later
# get a generic description rather than none.
RULES = {
    "mark.level": (
        "Dấu độ mật",
        "Dấu độ mật (Tuyệt mật, Tối mật, Mật) được đóng hoặc in trên tài liệu.",
    ),
    "mark.copy": (
        "Dấu bản sao tài liệu mật",
        "Dấu sao tài liệu bí mật nhà nước: «Bản sao số», «Bản số x/y», «SAO BMNN».",
    ),
    "mark.recall": ("Dấu tài liệu thu hồi", "Dấu «Tài liệu thu hồi» trên tài liệu mật."),
    "mark.named_envelope": (
        "Dấu chỉ người có tên được bóc bì",
        "Dấu «Chỉ người có tên mới được bóc bì» trên bì tài liệu mật.",
    ),
    "mark.envelope_letter": (
        "Chữ chỉ độ mật trên bì",
        "Chữ A, B, C chỉ độ mật (Tuyệt mật, Tối mật, Mật) đóng trên bì tài liệu.",
    ),
    "catalogue": (
        "Nội dung thuộc danh mục bí mật",
        "Cụm từ thuộc danh mục bí mật nhà nước của cơ quan, theo quy tắc gần nhau.",
    ),
    "fingerprint": (
        "Bản sao của tài liệu mật đã đăng ký",
        "Tệp có từ 50 từ liên tiếp trở lên trùng với một tài liệu mật đã đăng ký (dấu vân tay).",
    ),
    "file.type_mismatch": (
        "Phần mở rộng không đúng loại tệp",
        "Nội dung tệp khác loại mà phần mở rộng cho biết; tệp được đọc theo nội dung thật.",
    ),
    "file.error": (
        "Không đọc được tệp",
        "Tệp không đọc được hoặc vượt giới hạn an toàn; không thể kết luận tệp sạch.",
    ),
}

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
SARIF_VERSION = "2.1.0"


def exit_code(verdicts: Iterable[str]) -> int:
    """2 if any file is `error`; else 1 if any is `secret`; else 0."""
    seen = set(verdicts)
    return 2 if "error" in seen else 1 if "secret" in seen else 0


class _Base(abc.ABC):
    """One output format: a line (or row) per result, then what the format ends with."""

    def __init__(self, out: TextIO) -> None:
        self.out = out
        self.verdicts: set[str] = set()

    def add_group(self, group: list[FileResult]) -> None:
        for result in group:
            self.verdicts.add(result.verdict)
            self.add(result)

    @abc.abstractmethod
    def add(self, result: FileResult) -> None: ...

    def exit_code(self) -> int:
        return exit_code(self.verdicts)

    def finish(self) -> None:  # noqa: B027 - optional hook: most formats end with their last line
        """Nothing to add after the last line, unless the format needs it."""


class JsonlReport(_Base):
    def add(self, result: FileResult) -> None:
        self.out.write(json.dumps(result.as_dict(), ensure_ascii=False) + "\n")
        self.out.flush()  # a caller reading line by line sees each file as it is done


# --- SARIF ------------------------------------------------------------------------------------


def artifact_uri(path: str) -> str:
    """A URI reference for a path, members included ("a.zip!dir/b.docx"): slashes, percent-
    encoded Vietnamese and spaces, and file:// for absolute paths."""
    posix = path.replace(os.sep, "/") if os.sep != "/" else path
    quoted = quote(posix, safe="/!:@-._~")
    if posix.startswith("/"):
        return "file://" + quoted
    if len(posix) > 2 and posix[1] == ":" and posix[2] == "/":  # C:/…
        return "file:///" + quoted
    return quoted


def _sarif_level(result: FileResult, finding) -> str:
    if finding.rule == "file.type_mismatch" or finding.score <= 0:
        return "note"
    if result.verdict in ("secret", "error") and finding.level is not None:
        return "error"
    return "warning"  # below the verdict threshold: shown, not a verdict


def _location(uri: str, where: str) -> dict:
    location = {"physicalLocation": {"artifactLocation": {"uri": uri}}}
    if where:
        location["logicalLocations"] = [{"name": where, "kind": "element"}]
        location["message"] = {"text": where}
    return location


class SarifReport(_Base):
    """Keeps only the results worth a SARIF result (findings and errors) until `finish()`,
    since SARIF is one JSON document."""

    def __init__(self, out: TextIO) -> None:
        super().__init__(out)
        self.results: list[dict] = []
        self.rule_ids: list[str] = []
        self.files = 0

    def _rule_index(self, rule: str) -> int:
        if rule not in self.rule_ids:
            self.rule_ids.append(rule)
        return self.rule_ids.index(rule)

    def add(self, result: FileResult) -> None:
        self.files += 1
        uri = artifact_uri(result.path)
        if result.verdict == "error":
            self.results.append(
                {
                    "ruleId": "file.error",
                    "ruleIndex": self._rule_index("file.error"),
                    "level": "error",
                    "message": {"text": result.error or "Không đọc được tệp."},
                    "locations": [_location(uri, "")],
                    "properties": {"verdict": result.verdict, "seconds": round(result.seconds, 4)},
                }
            )
        for finding in result.findings:
            level_name = LEVEL_NAMES.get(finding.level or "", "")
            text = finding.explanation or finding.text
            if level_name and level_name not in text:
                text = f"{level_name}: {text}"
            self.results.append(
                {
                    "ruleId": finding.rule,
                    "ruleIndex": self._rule_index(finding.rule),
                    "level": _sarif_level(result, finding),
                    "message": {"text": text},
                    "locations": [_location(uri, finding.location)],
                    "properties": {
                        "verdict": result.verdict,
                        "secrecyLevel": finding.level,
                        "score": round(finding.score, 4),
                        "matchedText": finding.text,
                    },
                }
            )

    def document(self) -> dict:
        rules = []
        for rule in self.rule_ids:
            short, full = RULES.get(rule, (f"Quy tắc {rule}", f"Quy tắc phát hiện {rule}."))
            rules.append(
                {
                    "id": rule,
                    "name": "".join(
                        part.capitalize() for part in rule.replace("_", ".").split(".")
                    ),
                    "shortDescription": {"text": short},
                    "fullDescription": {"text": full},
                    "defaultConfiguration": {
                        "level": "note" if rule == "file.type_mismatch" else "error"
                    },
                }
            )
        return {
            "$schema": SARIF_SCHEMA,
            "version": SARIF_VERSION,
            "runs": [
                {
                    "tool": {
                        "driver": {
                            "name": "bmnn-scan",
                            "version": _version(),
                            "rules": rules,
                        }
                    },
                    "invocations": [{"executionSuccessful": True, "exitCode": self.exit_code()}],
                    "results": self.results,
                    "properties": {"files": self.files},
                }
            ],
        }

    def finish(self) -> None:
        json.dump(self.document(), self.out, ensure_ascii=False, indent=2)
        self.out.write("\n")
        self.out.flush()


def _version() -> str:
    try:
        from importlib.metadata import version

        return version("bmnn")
    except Exception:  # running from a checkout without installed metadata
        return "0"


# --- text -------------------------------------------------------------------------------------


class TextReport(_Base):
    """A progress bar on stderr while scanning (when stderr is a terminal), then on stdout a
    table of counts, the secret files with their level and strongest finding, and the errors
    with their reasons."""

    def __init__(self, out: TextIO, total: int | None = None, *, progress: bool = True) -> None:
        super().__init__(out)
        from rich.console import Console

        self.console = Console(file=out, soft_wrap=False)
        self.counts = {verdict: [0, 0] for verdict in ("secret", "clean", "error")}
        self.secrets: list[FileResult] = []
        self.errors: list[FileResult] = []
        self._progress = None
        if progress:
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress,
                TextColumn,
                TimeElapsedColumn,
            )

            err = Console(stderr=True)
            if err.is_terminal:
                self._progress = Progress(
                    TextColumn("Đang quét"),
                    BarColumn(),
                    MofNCompleteColumn(),
                    TimeElapsedColumn(),
                    TextColumn("{task.fields[path]}", style="dim", markup=False),
                    console=err,
                    transient=True,
                )
                self._task = self._progress.add_task("scan", total=total, path="")
                self._progress.start()

    def add_group(self, group: list[FileResult]) -> None:
        for index, result in enumerate(group):
            self.verdicts.add(result.verdict)
            self.counts[result.verdict][0 if index == 0 else 1] += 1
            # A container that is secret or error only through its members is listed with
            # them (they carry the findings); its own line only when it has its own.
            own = any(finding.score > 0 for finding in result.findings)
            if result.verdict == "secret" and (own or len(group) == 1):
                self.secrets.append(_summary(result))
            elif result.verdict == "error" and (index == 0 or result.error):
                self.errors.append(_summary(result))
        if self._progress is not None and group:
            self._progress.update(self._task, advance=1, path=group[0].path[-60:])

    def add(self, result: FileResult) -> None:
        self.add_group([result])

    def finish(self) -> None:
        if self._progress is not None:
            self._progress.stop()
        from rich.table import Table
        from rich.text import Text  # paths and reasons are data, not rich markup

        counts = Table(title="Kết quả quét", title_justify="left")
        counts.add_column("Kết luận")
        counts.add_column("Tệp", justify="right")
        counts.add_column("Tệp bên trong (nén, đính kèm)", justify="right")
        for verdict, (top, members) in self.counts.items():
            counts.add_row(VERDICT_NAMES[verdict], str(top), str(members))
        self.console.print(counts)
        if self.secrets:
            table = Table(title="Tệp có dấu hiệu bí mật nhà nước", title_justify="left")
            for column in ("Tệp", "Độ mật", "Điểm", "Phát hiện chính"):
                table.add_column(column, overflow="fold")
            for result in self.secrets:
                table.add_row(
                    Text(result.path),
                    LEVEL_NAMES.get(result.level or "", "—"),
                    f"{result.score:.2f}",
                    Text(_top_finding(result)),
                )
            self.console.print(table)
        if self.errors:
            table = Table(title="Tệp không đọc được (không được coi là sạch)", title_justify="left")
            table.add_column("Tệp", overflow="fold")
            table.add_column("Lý do", overflow="fold")
            for result in self.errors:
                table.add_row(Text(result.path), Text(result.error or ""))
            self.console.print(table)
        self.console.print(_conclusion(self.exit_code()))


def _summary(result: FileResult) -> FileResult:
    """What the summary keeps of a file: its strongest finding only, not all of them."""
    scored = [f for f in result.findings if f.score > 0]
    best = max(scored, key=lambda f: f.score, default=None)
    return FileResult(
        result.path,
        result.verdict,
        result.level,
        result.score,
        [best] if best is not None else [],
        result.error,
        result.seconds,
    )


def _top_finding(result: FileResult) -> str:
    if not result.findings:
        return "(theo các tệp bên trong)"
    finding = result.findings[0]
    where = f" — {finding.location}" if finding.location else ""
    return f"{finding.rule}: «{finding.text}»{where}"


def _conclusion(code: int) -> str:
    if code == 2:
        return (
            "[bold red]Có tệp không đọc được: chưa thể kết luận các tệp đó sạch; "
            "hãy kiểm tra thủ công.[/]"
        )
    if code == 1:
        return "[bold red]Có tệp mang dấu hiệu bí mật nhà nước.[/]"
    return "[green]Không thấy dấu hiệu bí mật nhà nước.[/]"
