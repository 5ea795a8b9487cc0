"""Reports of an audit (and of a correlation): text, JSON, HTML and PDF, Vietnamese first.

The HTML and PDF are meant to be attached to an inspection record (biên bản kiểm tra): a header
with the machine's identity, the audit time, the tool and rulebook versions and the bundle's
hash; counts by result; one section per rule result with its citation, severity and every
evidence row (time in UTC with the source's zone, identity, source file, key or record,
SHA-256); the problems met; and signature lines for the inspector and the machine's user.

All three human formats are drawn from one document model (headings, paragraphs, key-value
lists, tables, signatures), so they say the same thing. HTML is self-contained (inline CSS, no
external URL). PDF uses fpdf2 with Debian's fonts-croscore (Tinos), which has every Vietnamese
letter; without it a clear Vietnamese error names the package.
"""

from __future__ import annotations

import html
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bmnn.rules.model import CONFIDENCE_VI

from .config import ROLES
from .evaluate import CitedBasis, Finding, Result
from .model import RESULTS, RESULTS_VI, Evidence, Timestamp
from .times import label as time_label

if TYPE_CHECKING:
    from .audit import AuditReport
    from .correlate import Correlation

FORMATS = ("text", "json", "html", "pdf")
FONT_DIR = Path("/usr/share/fonts/truetype/croscore")
FONT_FILES = {"": "Tinos-Regular.ttf", "B": "Tinos-Bold.ttf", "I": "Tinos-Italic.ttf"}
FONT_PACKAGE = "fonts-croscore"
MAX_ROWS = 500  # evidence rows per result in text/HTML/PDF; JSON always has them all
_PDF_CELL_CHARS = 600  # a table row must fit on one PDF page

SEVERITIES_VI = {
    "critical": "nghiêm trọng",
    "high": "cao",
    "medium": "trung bình",
    "low": "thấp",
    "info": "thông tin",
}
_SEVERITY_ORDER = {s: i for i, s in enumerate(SEVERITIES_VI)}
_RESULT_ORDER = {r: i for i, r in enumerate(RESULTS)}
# Which evidence row proves which time: the registry value named after the time.
_TIME_HINTS = {
    "install_date": "0064",
    "first_install_date": "0065",
    "last_arrival_date": "0066",
    "last_removal_date": "0067",
    "date_created": "DateCreated",
    "date_last_connected": "DateLastConnected",
    "last_seen": "LastSeen",
    "last_connected": "LastConnected",
    "installed": "InstallDate",
}


class ReportError(RuntimeError):
    """A report cannot be produced; the message is Vietnamese, for the user."""


# -- the document model -----------------------------------------------------------------------
@dataclass
class Heading:
    level: int
    text: str
    tone: str = ""  # a result code: colours the heading


@dataclass
class Para:
    text: str
    style: str = ""  # "", "muted", "quote", "strong"


@dataclass
class KeyValues:
    pairs: list[tuple[str, str]]


@dataclass
class Table:
    headers: list[str]
    rows: list[list[str]]
    widths: list[float]  # PDF column widths in mm (sum 190: A4 portrait)
    small: bool = False


@dataclass
class Bullets:
    items: list[str]


@dataclass
class Signatures:
    titles: list[tuple[str, str]]  # (who, hint)


@dataclass
class Doc:
    title: str
    blocks: list[Any] = field(default_factory=list)

    def add(self, *blocks: Any) -> None:
        self.blocks.extend(blocks)


# -- formatting helpers -------------------------------------------------------------------------
def vi_time(dt: datetime | None) -> str:
    if dt is None:
        return "không rõ"
    return dt.astimezone(UTC).strftime("%d/%m/%Y %H:%M:%S UTC")


def time_cell(t: Timestamp | None) -> str:
    if t is None:
        return "không rõ thời điểm"
    name = time_label(t.name)
    day, clock = vi_time(t.utc).split(" ", 1)
    return f"{day}\n{clock}\n{name}; nguồn: {t.source_tz}"


def basis_text(b: CitedBasis) -> str:
    conf = CONFIDENCE_VI.get(b.confidence, b.confidence)
    return f"{b.citation} ({conf})"


def _evidence_for(f: Finding) -> list[Evidence]:
    """The evidence entries that prove this row's time (the value named after it), then the
    observation's first entry; at most two are shown, the rest are counted."""
    hint = _TIME_HINTS.get(f.time.name, "") if f.time else ""
    chosen = [e for e in f.evidence if hint and hint.lower() in e.locator.lower()][:1]
    if f.evidence and f.evidence[0] not in chosen:
        chosen.insert(0, f.evidence[0])
    return chosen[:2]


def evidence_cells(f: Finding) -> tuple[str, str]:
    shown = _evidence_for(f)
    by_source: dict[str, list[str]] = {}
    for e in shown:  # one file named once, then each key or record read in it
        by_source.setdefault(e.source, []).append(e.locator)
    where = "\n".join(f"{src}\n" + "\n".join(locs) for src, locs in by_source.items())
    where = where or "không có"
    extra = len(f.evidence) - len(shown)
    if extra > 0:
        where += f"\n(+{extra} nguồn khác trong báo cáo JSON)"
    return where, "\n".join(dict.fromkeys(e.sha256 for e in shown))


def _sorted_results(results: Iterable[Result]) -> list[Result]:
    return sorted(
        results,
        key=lambda r: (_RESULT_ORDER[r.result], _SEVERITY_ORDER.get(r.severity, 9), r.check_id),
    )


def _finding_rows(findings: Sequence[Finding], max_rows: int | None) -> list[list[str]]:
    ordered = sorted(
        findings,
        key=lambda f: (f.time is None, f.time.utc if f.time else datetime.min.replace(tzinfo=UTC)),
    )
    shown = ordered if max_rows is None else ordered[:max_rows]
    rows = []
    for i, f in enumerate(shown, 1):
        where, sha = evidence_cells(f)
        law = "\n".join(basis_text(b) for b in f.basis) or "—"
        ident = f.identity + (f"\n{f.note}" if f.note else "")
        rows.append([str(i), time_cell(f.time), ident, law, where, sha])
    return rows


_FINDING_HEADERS = [
    "#",
    "Thời điểm",
    "Đối tượng",
    "Căn cứ áp dụng",
    "Nguồn, khóa/bản ghi",
    "SHA-256 của tệp nguồn",
]
_FINDING_WIDTHS = [7, 27, 40, 34, 47, 35]


# -- the audit report as a document ----------------------------------------------------------
def build_document(report: AuditReport, max_rows: int | None = MAX_ROWS) -> Doc:
    doc = Doc("Kết quả kiểm tra máy tính soạn thảo, lưu giữ bí mật nhà nước")
    doc.add(
        Heading(1, "KẾT QUẢ KIỂM TRA MÁY TÍNH SOẠN THẢO, LƯU GIỮ BÍ MẬT NHÀ NƯỚC"),
        Para(
            "Kèm theo biên bản kiểm tra số: ............ ngày ....../....../............", "muted"
        ),
        Heading(2, "I. Thông tin máy và cuộc kiểm tra"),
        KeyValues(_header_pairs(report)),
        Para(
            "Mọi thời điểm trong báo cáo ghi theo giờ UTC (giờ Việt Nam = UTC + 7 giờ); cột "
            "thời điểm ghi kèm múi giờ của dữ liệu gốc đã được quy đổi.",
            "muted",
        ),
    )
    if report.bundle is not None and not report.bundle.intact:
        doc.add(
            Para(
                "CẢNH BÁO: GÓI CHỨNG CỨ KHÔNG TOÀN VẸN — nội dung khác với bản kê lúc thu thập "
                "(xem mục IV). Không dùng kết quả làm chứng cứ khi chưa làm rõ.",
                "strong",
            )
        )
    c = report.counts()
    doc.add(
        Heading(2, "II. Tổng hợp kết quả"),
        Table(
            ["Kết quả", "Số quy tắc"],
            [[f"{RESULTS_VI[r]} ({r})", str(c[r])] for r in RESULTS],
            [95, 95],
        ),
        Table(
            ["Mã quy tắc", "Nội dung", "Mức độ", "Kết quả", "Số bằng chứng"],
            [
                [
                    r.check_id,
                    r.title,
                    SEVERITIES_VI.get(r.severity, r.severity),
                    r.result_vi,
                    str(len(r.findings)),
                ]
                for r in _sorted_results(report.results)
            ],
            [32, 88, 24, 26, 20],
        ),
        Heading(2, "III. Chi tiết theo quy tắc"),
    )
    for r in _sorted_results(report.results):
        doc.add(*_result_blocks(r, max_rows))
    doc.add(Heading(2, "IV. Nguồn dữ liệu thiếu hoặc không đọc được"))
    if report.problems:
        doc.add(
            Table(
                ["Bộ phân tích", "Loại", "Nguồn", "Nội dung"],
                [
                    [
                        p.analyser,
                        "lỗi" if p.kind == "error" else "thiếu",
                        p.source or "—",
                        p.message,
                    ]
                    for p in report.problems
                ],
                [28, 14, 60, 88],
                small=True,
            )
        )
    else:
        doc.add(Para("Không có."))
    doc.add(
        Heading(2, "V. Các bộ phân tích đã chạy"),
        Table(
            ["Bộ phân tích", "Nội dung", "Trạng thái", "Số quan sát"],
            [
                [a.name, a.title, _RUN_VI.get(a.status, a.status), str(a.observations)]
                for a in report.analysers
            ],
            [32, 98, 30, 30],
            small=True,
        ),
        Signatures(
            [
                ("ĐẠI DIỆN ĐOÀN KIỂM TRA", "(Ký, ghi rõ họ tên)"),
                ("NGƯỜI SỬ DỤNG MÁY", "(Ký, ghi rõ họ tên)"),
            ]
        ),
    )
    return doc


_RUN_VI = {"ok": "đã chạy", "error": "lỗi", "skipped": "không áp dụng"}


def _header_pairs(report: AuditReport) -> list[tuple[str, str]]:
    h = report.host
    cfg = report.config or {}
    pairs = [
        ("Cơ quan", str(cfg.get("agency") or "—")),
        ("Tên máy", str(h.get("name") or "không đọc được")),
        ("Mã định danh máy", str(h.get("machine_id") or "không đọc được")),
        ("Hệ điều hành", " ".join(str(h[k]) for k in ("os", "os_build") if h.get(k)) or "—"),
        ("Nền tảng", report.platform),
        ("Vai trò của máy", ROLES.get(report.role, report.role)),
        ("Người dùng trên máy", ", ".join(h.get("users", [])) or "—"),
        ("Múi giờ của máy", report.timezone),
        ("Nguồn chứng cứ", report.root),
    ]
    if report.bundle is not None:
        b = report.bundle
        coll = b.collected.get("collection", {}) if isinstance(b.collected, dict) else {}
        pairs += [
            ("Mã băm SHA-256 bản kê gói chứng cứ", b.manifest_sha256 or "không đọc được"),
            ("Tính toàn vẹn gói chứng cứ", "toàn vẹn" if b.intact else "KHÔNG TOÀN VẸN"),
            ("Thu thập", f"{coll.get('started_utc', '?')} → {coll.get('ended_utc', '?')}"),
        ]
    else:
        pairs.append(("Gói chứng cứ", "không phải gói chứng cứ (thư mục hoặc ảnh đĩa)"))
    pairs += [
        ("Thời điểm kiểm tra (ngày áp dụng văn bản)", vi_time(report.audit_time)),
        ("Phân tích", f"{vi_time(report.started_at)} → {vi_time(report.finished_at)}"),
        ("Phiên bản công cụ", f"bmnn {report.tool_version}"),
        ("Bộ quy tắc", f"{report.rulebook_title} — phiên bản {report.rulebook_version}"),
        ("Tệp cấu hình của cơ quan", str(cfg.get("source") or "không có (không miễn trừ)")),
    ]
    return pairs


def _result_blocks(r: Result, max_rows: int | None) -> list[Any]:
    blocks: list[Any] = [
        Heading(3, f"{r.check_id} — {r.title}", r.result),
        KeyValues(
            [
                ("Kết quả", f"{r.result_vi.upper()} ({r.result})"),
                ("Mức độ", SEVERITIES_VI.get(r.severity, r.severity)),
                ("Nhận định", r.reason),
                ("Nội dung kiểm tra", r.description),
                ("Độ tin cậy của căn cứ", CONFIDENCE_VI.get(r.confidence, r.confidence)),
            ]
        ),
    ]
    cited = _basis_of(r)
    if cited:
        blocks.append(Para("Căn cứ:", "strong"))
        for b in cited:
            blocks.append(
                Para(f"{basis_text(b)}: «{b.quote}»" + (f" — {b.note}" if b.note else ""), "quote")
            )
    if r.findings:
        rows = _finding_rows(r.findings, max_rows)
        blocks.append(Para(f"Bằng chứng vi phạm ({len(r.findings)}):", "strong"))
        blocks.append(Table(_FINDING_HEADERS, rows, _FINDING_WIDTHS, small=True))
        if len(rows) < len(r.findings):
            blocks.append(
                Para(
                    f"Chỉ in {len(rows)}/{len(r.findings)} dòng đầu theo thời gian; đủ các dòng "
                    f"có trong báo cáo JSON của cùng lần kiểm tra.",
                    "muted",
                )
            )
    if r.exempted:
        rows = _finding_rows(r.exempted, max_rows)
        blocks.append(Para(f"Được miễn theo danh sách cho phép ({len(r.exempted)}):", "strong"))
        blocks.append(Table(_FINDING_HEADERS, rows, _FINDING_WIDTHS, small=True))
    if r.notes:
        blocks.append(Bullets(list(r.notes)))
    if r.result == "fail":
        blocks.append(Para(f"Biện pháp khắc phục: {r.remediation}"))
    return blocks


def _basis_of(r: Result) -> list[CitedBasis]:
    """Every distinct basis the result's rows cite, else what the check cites on the audit
    date."""
    seen: dict[str, CitedBasis] = {}
    for f in (*r.findings, *r.exempted):
        for b in f.basis:
            seen.setdefault(b.citation + b.quote, b)
    if not seen:
        for b in r.basis:
            seen.setdefault(b.citation + b.quote, b)
    return list(seen.values())


# -- the correlation as a document --------------------------------------------------------------
def build_correlation_document(corr: Correlation) -> Doc:
    from .correlate import KEY_TYPES

    doc = Doc("Đối chiếu thiết bị giữa các máy tính")
    doc.add(
        Heading(1, "KẾT QUẢ ĐỐI CHIẾU THIẾT BỊ LƯU TRỮ GIỮA CÁC MÁY TÍNH"),
        Para(
            "Kèm theo biên bản kiểm tra số: ............ ngày ....../....../............", "muted"
        ),
        KeyValues(
            [
                ("Thời điểm đối chiếu", vi_time(corr.created_at)),
                ("Phiên bản công cụ", f"bmnn {corr.tool_version}"),
                ("Số máy", str(len(corr.machines))),
                ("Thiết bị dùng chung giữa các máy", str(len(corr.links))),
                ("Thiết bị đã cắm vào cả máy mật và máy Internet", str(len(corr.crossings))),
            ]
        ),
        Heading(2, "I. Các máy được đối chiếu"),
        Table(
            ["Tên máy", "Vai trò", "Nền tảng", "Mã băm bản kê gói chứng cứ"],
            [
                [
                    m.host,
                    ROLES.get(m.role, m.role),
                    m.platform,
                    (m.bundle_sha256 or "—")
                    + ("" if m.bundle_intact in (None, True) else "\nKHÔNG TOÀN VẸN"),
                ]
                for m in corr.machines
            ],
            [40, 50, 20, 80],
            small=True,
        ),
        Heading(2, "II. Thiết bị đã cắm vào cả máy mật và máy Internet"),
    )

    def link_rows(links: list) -> list[list[str]]:
        rows = []
        for link in links:
            for host in link.hosts:
                sights = link.on(host)
                first = min((s.first for s in sights if s.first), default=None)
                last = max((s.last for s in sights if s.last), default=None)
                ev = sights[0].evidence[0] if sights[0].evidence else None
                rows.append(
                    [
                        f"{KEY_TYPES[link.key_type]}\n{link.value}",
                        host,
                        ROLES.get(sights[0].role, sights[0].role),
                        f"{vi_time(first)}\n→ {vi_time(last)}",
                        "\n".join(link.identities_on(host)),
                        f"{ev.source}\n{ev.locator}\n{ev.sha256}" if ev else "—",
                    ]
                )
        return rows

    headers = ["Thiết bị", "Máy", "Vai trò", "Lần đầu → lần cuối", "Ghi nhận", "Bằng chứng"]
    widths = [30, 25, 25, 30, 35, 45]
    if corr.crossings:
        doc.add(Table(headers, link_rows(corr.crossings), widths, small=True))
    else:
        doc.add(Para("Không phát hiện thiết bị nào."))
    others = [link for link in corr.links if not link.crosses]
    doc.add(Heading(2, "III. Thiết bị dùng chung giữa các máy khác"))
    if others:
        doc.add(Table(headers, link_rows(others), widths, small=True))
    else:
        doc.add(Para("Không có."))
    if corr.notes:
        doc.add(Heading(2, "IV. Ghi chú"), Bullets(list(corr.notes)))
    doc.add(
        Signatures(
            [
                ("ĐẠI DIỆN ĐOÀN KIỂM TRA", "(Ký, ghi rõ họ tên)"),
                ("ĐẠI DIỆN CƠ QUAN ĐƯỢC KIỂM TRA", "(Ký, ghi rõ họ tên)"),
            ]
        )
    )
    return doc


# -- entry points -------------------------------------------------------------------------------
def render(report: AuditReport, fmt: str, *, max_rows: int | None = MAX_ROWS) -> str | bytes:
    """The report as text, json, html (str) or pdf (bytes)."""
    if fmt == "json":
        return json.dumps(report.as_dict(), ensure_ascii=False, indent=2) + "\n"
    return _render_doc(build_document(report, max_rows), fmt)


def render_correlation(corr: Correlation, fmt: str) -> str | bytes:
    if fmt == "json":
        return json.dumps(corr.as_dict(), ensure_ascii=False, indent=2) + "\n"
    return _render_doc(build_correlation_document(corr), fmt)


def _render_doc(doc: Doc, fmt: str) -> str | bytes:
    if fmt == "text":
        return to_text(doc)
    if fmt == "html":
        return to_html(doc)
    if fmt == "pdf":
        return to_pdf(doc)
    raise ReportError(f"Định dạng báo cáo không hỗ trợ: {fmt!r} (chọn {', '.join(FORMATS)}).")


# -- text -------------------------------------------------------------------------------------
def to_text(doc: Doc) -> str:
    out: list[str] = []
    for b in doc.blocks:
        if isinstance(b, Heading):
            line = b.text if b.level > 1 else b.text.upper()
            out += ["", line, ("=" if b.level == 1 else "-") * min(len(line), 100)]
        elif isinstance(b, Para):
            out.append(("  " if b.style == "quote" else "") + b.text)
        elif isinstance(b, KeyValues):
            width = max((len(k) for k, _ in b.pairs), default=0)
            out += [f"  {k.ljust(width)} : {v}" for k, v in b.pairs]
        elif isinstance(b, Table):
            for i, row in enumerate(b.rows, 1):
                cells = [
                    f"{h}: {c}".replace("\n", " | ")
                    for h, c in zip(b.headers, row, strict=False)
                    if c
                ]
                out.append(f"  [{i}] " + "; ".join(cells))
        elif isinstance(b, Bullets):
            out += [f"  - {item}" for item in b.items]
        elif isinstance(b, Signatures):
            out += ["", "   ".join(f"{who} {hint}" for who, hint in b.titles), "", ""]
    return "\n".join(out).lstrip("\n") + "\n"


# -- HTML -------------------------------------------------------------------------------------
_CSS = """
@page { size: A4; margin: 15mm 12mm; }
body { font-family: "Times New Roman", Tinos, serif; font-size: 12pt; color: #000;
       max-width: 190mm; margin: 0 auto; line-height: 1.35; }
h1 { font-size: 15pt; text-align: center; margin: 8pt 0 2pt; }
h2 { font-size: 13pt; margin: 14pt 0 4pt; border-bottom: 1px solid #444; }
h3 { font-size: 12pt; margin: 12pt 0 3pt; padding: 2pt 4pt; border-left: 5pt solid #888; }
h3.fail { border-color: #b00020; } h3.error { border-color: #d06000; }
h3.unknown { border-color: #a08000; } h3.pass { border-color: #1b7a2f; }
h3.notapplicable { border-color: #999; }
p.muted { color: #444; font-style: italic; text-align: center; }
p.strong { font-weight: bold; margin-bottom: 2pt; }
p.quote { margin: 2pt 0 2pt 12pt; font-size: 11pt; }
table { border-collapse: collapse; width: 100%; margin: 4pt 0; page-break-inside: auto; }
tr { page-break-inside: avoid; }
th, td { border: 1px solid #666; padding: 2pt 3pt; vertical-align: top; text-align: left; }
th { background: #eee; }
table.kv th { width: 32%; background: #f6f6f6; font-weight: normal; }
table.small { font-size: 8.5pt; }
td { white-space: pre-wrap; overflow-wrap: anywhere; }
ul { margin: 2pt 0 4pt 16pt; font-size: 10.5pt; }
.signatures { display: flex; justify-content: space-around; margin-top: 28pt;
              page-break-inside: avoid; }
.signatures div { text-align: center; width: 45%; min-height: 70pt; }
.signatures b { display: block; }
"""


def _e(text: Any) -> str:
    return html.escape(str(text), quote=True)


def to_html(doc: Doc) -> str:
    parts = [
        "<!DOCTYPE html>",
        '<html lang="vi"><head><meta charset="utf-8">',
        f"<title>{_e(doc.title)}</title>",
        f"<style>{_CSS}</style></head><body>",
    ]
    for b in doc.blocks:
        if isinstance(b, Heading):
            tone = f' class="{_e(b.tone)}"' if b.tone else ""
            parts.append(f"<h{b.level}{tone}>{_e(b.text)}</h{b.level}>")
        elif isinstance(b, Para):
            cls = f' class="{_e(b.style)}"' if b.style else ""
            parts.append(f"<p{cls}>{_e(b.text)}</p>")
        elif isinstance(b, KeyValues):
            rows = "".join(f"<tr><th>{_e(k)}</th><td>{_e(v)}</td></tr>" for k, v in b.pairs)
            parts.append(f'<table class="kv">{rows}</table>')
        elif isinstance(b, Table):
            head = "".join(f"<th>{_e(h)}</th>" for h in b.headers)
            body = "".join(
                "<tr>" + "".join(f"<td>{_e(c)}</td>" for c in row) + "</tr>" for row in b.rows
            )
            cls = ' class="small"' if b.small else ""
            parts.append(f"<table{cls}><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>")
        elif isinstance(b, Bullets):
            parts.append("<ul>" + "".join(f"<li>{_e(i)}</li>" for i in b.items) + "</ul>")
        elif isinstance(b, Signatures):
            cells = "".join(f"<div><b>{_e(w)}</b><i>{_e(h)}</i></div>" for w, h in b.titles)
            parts.append(f'<div class="signatures">{cells}</div>')
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


# -- PDF --------------------------------------------------------------------------------------
_TONES = {
    "fail": (176, 0, 32),
    "error": (208, 96, 0),
    "unknown": (160, 128, 0),
    "pass": (27, 122, 47),
    "notapplicable": (110, 110, 110),
}


def font_paths(font_dir: Path | None = None) -> dict[str, Path]:
    """The Vietnamese TTF files, or ReportError naming the Debian package to install."""
    folder = font_dir or FONT_DIR
    paths = {style: folder / name for style, name in FONT_FILES.items()}
    absent = [p for style, p in paths.items() if style in ("", "B") and not p.is_file()]
    if absent:
        raise ReportError(
            f"Không tìm thấy phông chữ tiếng Việt {absent[0]}: cần cài gói Debian "
            f"{FONT_PACKAGE} (apt-get install {FONT_PACKAGE}) để xuất báo cáo PDF."
        )
    return {s: p for s, p in paths.items() if p.is_file()}


def _clip(text: str) -> str:
    return text if len(text) <= _PDF_CELL_CHARS else text[: _PDF_CELL_CHARS - 1] + "…"


def to_pdf(doc: Doc, font_dir: Path | None = None) -> bytes:
    from fpdf import FPDF
    from fpdf.enums import WrapMode, XPos, YPos
    from fpdf.fonts import FontFace

    fonts = font_paths(font_dir)

    class _Pdf(FPDF):
        def footer(self) -> None:
            self.set_y(-12)
            self.set_font("Tinos", "", 8)
            self.cell(0, 6, f"Trang {self.page_no()}/{{nb}}", align="C")

    pdf = _Pdf(orientation="P", unit="mm", format="A4")
    pdf.set_margins(10, 12, 10)
    pdf.set_auto_page_break(True, margin=15)
    for style, path in fonts.items():
        pdf.add_font("Tinos", style, str(path))
    italic = "I" if "I" in fonts else ""
    pdf.set_title(doc.title)
    pdf.set_creator("bmnn")
    pdf.add_page()

    def para(text: str, size: float = 10.5, style: str = "", h: float = 5.2, align="L") -> None:
        pdf.set_font("Tinos", style, size)
        pdf.multi_cell(0, h, text, align=align, new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    for b in doc.blocks:
        if isinstance(b, Heading):
            size = {1: 14, 2: 12.5, 3: 11}.get(b.level, 11)
            pdf.ln(3 if b.level > 1 else 1)
            pdf.set_text_color(*_TONES.get(b.tone, (0, 0, 0)))
            para(b.text, size, "B", 6.5, "C" if b.level == 1 else "L")
            pdf.set_text_color(0, 0, 0)
        elif isinstance(b, Para):
            if b.style == "muted":
                para(b.text, 9.5, italic, 5, "C")
            elif b.style == "strong":
                para(b.text, 10.5, "B")
            elif b.style == "quote":
                pdf.set_x(pdf.l_margin + 5)
                pdf.set_font("Tinos", "", 9.5)
                pdf.multi_cell(
                    pdf.epw - 5,
                    4.6,
                    _clip(b.text) if len(b.text) > 2000 else b.text,
                    new_x=XPos.LMARGIN,
                    new_y=YPos.NEXT,
                )
            else:
                para(b.text)
        elif isinstance(b, KeyValues):
            pdf.set_font("Tinos", "", 9.5)
            with pdf.table(
                col_widths=(60, 130),
                first_row_as_headings=False,
                text_align="LEFT",
                wrapmode=WrapMode.WORD,
                line_height=4.6,
                padding=1,
            ) as table:
                for k, v in b.pairs:
                    row = table.row()
                    row.cell(_clip(k), style=FontFace(emphasis="BOLD"))
                    row.cell(_clip(v))
        elif isinstance(b, Table):
            pdf.set_font("Tinos", "", 7.5 if b.small else 9.5)
            with pdf.table(
                col_widths=b.widths,
                text_align="LEFT",
                # Paths, keys and hashes have no spaces: small (evidence) tables break anywhere.
                wrapmode=WrapMode.CHAR if b.small else WrapMode.WORD,
                line_height=3.6 if b.small else 4.6,
                padding=0.8,
                headings_style=FontFace(emphasis="BOLD", fill_color=(235, 235, 235)),
                repeat_headings=1,
            ) as table:
                row = table.row()
                for h in b.headers:
                    row.cell(h)
                for cells in b.rows:
                    row = table.row()
                    for c in cells:
                        row.cell(_clip(c))
        elif isinstance(b, Bullets):
            pdf.set_font("Tinos", "", 9.5)
            for item in b.items:
                pdf.set_x(pdf.l_margin + 3)
                pdf.multi_cell(
                    pdf.epw - 3, 4.6, f"• {_clip(item)}", new_x=XPos.LMARGIN, new_y=YPos.NEXT
                )
        elif isinstance(b, Signatures):
            if pdf.will_page_break(45):
                pdf.add_page()
            pdf.ln(10)
            w = pdf.epw / len(b.titles)
            pdf.set_font("Tinos", "B", 11)
            for who, _ in b.titles:
                pdf.cell(w, 6, who, align="C")
            pdf.ln(6)
            pdf.set_font("Tinos", italic, 10)
            for _, hint in b.titles:
                pdf.cell(w, 5, hint, align="C")
            pdf.ln(35)
    return bytes(pdf.output())


__all__ = [
    "FORMATS",
    "MAX_ROWS",
    "ReportError",
    "build_correlation_document",
    "build_document",
    "font_paths",
    "render",
    "render_correlation",
    "to_html",
    "to_pdf",
    "to_text",
]
