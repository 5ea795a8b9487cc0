"""Reports of a real audit (a Windows image with its file artefacts, packed as an evidence
bundle): text, JSON, self-contained HTML and a Vietnamese PDF fit for an inspection record."""

from __future__ import annotations

import hashlib
import json
import re
from datetime import UTC, datetime
from pathlib import Path

import pypdfium2
import pytest

from bmnn.hostaudit.audit import AuditReport, run_audit
from bmnn.hostaudit.bundle import BundleWriter
from bmnn.hostaudit.config import AuditConfig
from bmnn.hostaudit.report import ReportError, build_document, render, to_pdf
from tests.hostaudit.files_fixtures import build_windows_files
from tests.hostaudit.windows_fixtures import build_windows_image

NOW = datetime(2026, 5, 1, tzinfo=UTC)
CONFIG = AuditConfig.from_dict({"agency": 'Sở <Thử> & "Mẫu"', "role": "secret"})


def pack(staging: Path, bundle: Path) -> None:
    """Every file of `staging` into a real evidence bundle with its manifest."""
    writer = BundleWriter(bundle)
    for path in sorted(p for p in staging.rglob("*") if p.is_file()):
        rel = path.relative_to(staging).as_posix()
        writer.add_bytes(rel, path.read_bytes(), source=f"C:/{rel}", method="copy")
    writer.finish(platform="windows")


@pytest.fixture(scope="module")
def audited(tmp_path_factory: pytest.TempPathFactory) -> AuditReport:
    base = tmp_path_factory.mktemp("report")
    build_windows_image(base / "staging")
    build_windows_files(base / "staging")
    pack(base / "staging", base / "bundle")
    return run_audit(base / "bundle", CONFIG, now=NOW)


def test_json_holds_every_result_with_evidence_and_versions(audited: AuditReport) -> None:
    data = json.loads(render(audited, "json"))
    assert data["format"] == "bmnn-host-audit/1"
    assert data["host"]["name"] == "MAY-SOAN-THAO-01"
    assert data["bundle"]["intact"] is True and len(data["bundle"]["manifest_sha256"]) == 64
    assert data["counts"]["fail"] == sum(r["result"] == "fail" for r in data["results"])
    net = next(r for r in data["results"] if r["check_id"] == "BMNN-NET-001")
    row = net["findings"][0]
    assert row["time"]["utc"].endswith("+00:00") and row["time"]["source_tz"]
    assert row["evidence"][0]["sha256"] and row["basis"][0]["citation"].startswith("Luật ")
    assert net["rulebook_version"] == data["rulebook_version"]
    assert net["tool_version"] == data["tool_version"]


def test_html_is_self_contained_vietnamese_and_escaped(audited: AuditReport) -> None:
    page = render(audited, "html")
    assert page.startswith("<!DOCTYPE html>") and '<html lang="vi">' in page
    assert not re.search(r"<script|<link|<img|<iframe|\bsrc=|\bhref=|url\(|@import", page, re.I)
    assert "Sở &lt;Thử&gt; &amp; &quot;Mẫu&quot;" in page and "<Thử>" not in page
    for text in (
        "KẾT QUẢ KIỂM TRA MÁY TÍNH SOẠN THẢO, LƯU GIỮ BÍ MẬT NHÀ NƯỚC",
        "MAY-SOAN-THAO-01",
        "01/05/2026 00:00:00 UTC",
        f"bmnn {audited.tool_version}",
        audited.rulebook_version,
        audited.bundle.manifest_sha256,
        "Luật 29/2018/QH14, Điều 5, khoản 5",
        "Luật 117/2025/QH15, Điều 5, khoản 2",
        "SE Asia Standard Time",
        "ĐẠI DIỆN ĐOÀN KIỂM TRA",
        "NGƯỜI SỬ DỤNG MÁY",
        "(Ký, ghi rõ họ tên)",
    ):
        assert text in page, text
    software = Path(audited.root) / "Windows/System32/config/SOFTWARE"
    assert hashlib.sha256(software.read_bytes()).hexdigest() in page
    # Every result has its own section, failed first.
    heads = re.findall(r'<h3 class="(\w+)">(BMNN-[A-Z]+-\d+)', page)
    assert len(heads) == len(audited.results)
    assert heads[0][0] == "fail"


def test_text_report_and_row_limit(audited: AuditReport) -> None:
    text = render(audited, "text")
    assert "VI PHẠM (fail)" in text and "Căn cứ:" in text
    short = render(audited, "text", max_rows=1)
    assert re.search(r"Chỉ in 1/\d+ dòng đầu", short)


def test_pdf_has_vietnamese_text_and_signature_lines(audited: AuditReport) -> None:
    data = render(audited, "pdf")
    assert isinstance(data, bytes) and data[:5] == b"%PDF-"
    pdf = pypdfium2.PdfDocument(data)
    text = "\n".join(pdf[i].get_textpage().get_text_range() for i in range(len(pdf)))
    for needle in (
        "KẾT QUẢ KIỂM TRA MÁY TÍNH",
        "MAY-SOAN-THAO-01",
        "Luật 117/2025/QH15",
        "ĐẠI DIỆN ĐOÀN KIỂM TRA",
        "NGƯỜI SỬ DỤNG MÁY",
        "Trang 1/",
    ):
        assert needle in text, needle


def test_tampered_bundle_is_reported_loudly(tmp_path: Path) -> None:
    build_windows_image(tmp_path / "staging")
    pack(tmp_path / "staging", tmp_path / "bundle")
    hive = tmp_path / "bundle/Windows/System32/config/SAM"
    hive.write_bytes(hive.read_bytes()[:-1] + b"\x01")
    report = run_audit(tmp_path / "bundle", now=NOW)
    assert report.bundle is not None and not report.bundle.intact
    assert any(p.analyser == "bundle" and "SAM" in p.source for p in report.problems)
    page = render(report, "html")
    assert "GÓI CHỨNG CỨ KHÔNG TOÀN VẸN" in page and "KHÔNG TOÀN VẸN" in page


def test_missing_font_and_unknown_format_are_clear_errors(
    audited: AuditReport, tmp_path: Path
) -> None:
    with pytest.raises(ReportError, match="fonts-croscore"):
        to_pdf(build_document(audited), font_dir=tmp_path)
    with pytest.raises(ReportError, match="không hỗ trợ"):
        render(audited, "docx")
