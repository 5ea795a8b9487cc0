"""`bmnn scan`: formats, exit codes, limits from options and the subcommand dispatch."""

from __future__ import annotations

import io
import json
import os
import re

import pytest
from typer.testing import CliRunner

from bmnn.cli import app
from bmnn.scan import cli as scan_cli
from bmnn.scan.model import FileResult, Finding
from bmnn.scan.report import (
    RULES,
    JsonlReport,
    SarifReport,
    TextReport,
    artifact_uri,
    exit_code,
)
from tests.scan.engine_fixtures import CLEAN_TEXT, SECRET_TEXT, make_docx, make_zip

runner = CliRunner()


def bmnn(*args: str):
    return runner.invoke(app, ["scan", *args], prog_name="bmnn")


@pytest.fixture
def folder(tmp_path):
    (tmp_path / "sach.txt").write_text(CLEAN_TEXT, encoding="utf-8")
    (tmp_path / "mat.txt").write_text(SECRET_TEXT, encoding="utf-8")
    return tmp_path


def jsonl(output: str) -> list[dict]:
    return [json.loads(line) for line in output.splitlines() if line.strip()]


def test_exit_codes_0_1_2(tmp_path):
    (tmp_path / "a.txt").write_text(CLEAN_TEXT, encoding="utf-8")
    assert bmnn("--format", "jsonl", str(tmp_path)).exit_code == 0
    (tmp_path / "b.txt").write_text(SECRET_TEXT, encoding="utf-8")
    assert bmnn("--format", "jsonl", str(tmp_path)).exit_code == 1
    (tmp_path / "c.dat").write_bytes(b"\x00\x01" * 100)
    assert bmnn("--format", "jsonl", str(tmp_path)).exit_code == 2


def test_exit_code_function():
    assert exit_code([]) == 0
    assert exit_code(["clean", "secret"]) == 1
    assert exit_code(["secret", "error", "clean"]) == 2


def test_jsonl_objects_have_exactly_the_issue_keys_and_types(folder):
    (folder / "z.zip").write_bytes(make_zip({"d/bc.docx": make_docx("TUYỆT MẬT", "Số: 1/BC")}))
    result = bmnn("--format", "jsonl", "--workers", "2", str(folder))
    assert result.exit_code == 1, result.output
    lines = jsonl(result.stdout)
    assert len(lines) == 4  # mat.txt, sach.txt, z.zip, z.zip!d/bc.docx
    for line in lines:
        assert list(line) == [
            "path",
            "verdict",
            "level",
            "score",
            "findings",
            "error",
            "seconds",
        ]
        assert isinstance(line["path"], str)
        assert line["verdict"] in ("secret", "clean", "error")
        assert line["level"] in ("tuyet_mat", "toi_mat", "mat", None)
        assert isinstance(line["score"], float)
        assert line["error"] is None or isinstance(line["error"], str)
        assert isinstance(line["seconds"], float)
        for f in line["findings"]:
            assert list(f) == ["rule", "level", "text", "location", "score", "explanation"]
            assert isinstance(f["rule"], str) and isinstance(f["text"], str)
            assert f["level"] is None or isinstance(f["level"], str)
            assert isinstance(f["location"], str) and isinstance(f["explanation"], str)
            assert isinstance(f["score"], float)
    by = {line["path"][len(str(folder)) + 1 :]: line for line in lines}
    assert by["z.zip"]["verdict"] == "secret" and by["z.zip"]["level"] == "tuyet_mat"
    assert by["z.zip!d/bc.docx"]["verdict"] == "secret"
    assert by["sach.txt"]["verdict"] == "clean"


def _check_sarif(doc: dict) -> None:
    """The SARIF 2.1.0 schema's required fields and enumerations that consumers rely on."""
    assert doc["version"] == "2.1.0"
    assert doc["$schema"].endswith("sarif-2.1.0.json")
    assert isinstance(doc["runs"], list) and doc["runs"]
    for run in doc["runs"]:
        driver = run["tool"]["driver"]
        assert driver["name"] == "bmnn-scan"
        ids = [rule["id"] for rule in driver["rules"]]
        assert len(ids) == len(set(ids))
        for rule in driver["rules"]:
            assert rule["shortDescription"]["text"] and rule["fullDescription"]["text"]
            assert rule["defaultConfiguration"]["level"] in ("none", "note", "warning", "error")
        for inv in run["invocations"]:
            assert isinstance(inv["executionSuccessful"], bool)
        for res in run["results"]:
            assert res["message"]["text"]
            assert res["level"] in ("none", "note", "warning", "error")
            assert ids[res["ruleIndex"]] == res["ruleId"]
            for loc in res["locations"]:
                uri = loc["physicalLocation"]["artifactLocation"]["uri"]
                assert uri and not re.search(r"[\s\"<>\\^`{|}]", uri)
                for logical in loc.get("logicalLocations", []):
                    assert isinstance(logical["name"], str)


def test_sarif_structure(folder):
    (folder / "hỏng.dat").write_bytes(b"\x00\x02" * 64)
    result = bmnn("--format", "sarif", str(folder))
    assert result.exit_code == 2
    doc = json.loads(result.stdout)
    _check_sarif(doc)
    run = doc["runs"][0]
    assert run["invocations"][0]["exitCode"] == 2
    rules = {r["ruleId"]: r for r in run["results"]}
    assert rules["file.error"]["level"] == "error"
    assert (
        "%E1%BB%8F"
        in rules["file.error"]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    )  # "ỏ" percent-encoded
    mark = rules["mark.level"]
    assert mark["level"] == "error" and mark["properties"]["secrecyLevel"] == "tuyet_mat"
    assert mark["locations"][0]["logicalLocations"][0]["name"]
    described = {r["id"]: r["shortDescription"]["text"] for r in run["tool"]["driver"]["rules"]}
    assert described["mark.level"] == RULES["mark.level"][0]


def test_sarif_levels_for_notes_and_weak_findings():
    report = SarifReport(io.StringIO())
    weak = Finding("mark.level", "mat", "mật", "dòng 4", 0.3, "Chữ «mật» trong câu")
    note = Finding("file.type_mismatch", None, ".pdf", "tệp", 0.0, "Phần mở rộng .pdf")
    report.add_group([FileResult("a b/x.pdf", "clean", None, 0.3, [weak, note])])
    doc = report.document()
    _check_sarif(doc)
    levels = [r["level"] for r in doc["runs"][0]["results"]]
    assert levels == ["warning", "note"]
    assert (
        doc["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        == "a%20b/x.pdf"
    )


def test_artifact_uri():
    assert artifact_uri("/srv/a b/c.zip!d/e.docx") == "file:///srv/a%20b/c.zip!d/e.docx"
    assert artifact_uri("rel/tài liệu.txt") == "rel/t%C3%A0i%20li%E1%BB%87u.txt"


def test_text_summary_lists_secrets_and_errors(folder):
    (folder / "x.dat").write_bytes(b"\x00\x03" * 64)
    result = bmnn(str(folder))
    assert result.exit_code == 2
    out = result.stdout
    assert "Kết quả quét" in out
    assert "mat.txt" in out and "Tuyệt mật" in out and "mark.level" in out
    assert "x.dat" in out and "Không đọc được định dạng" in out
    assert "sach.txt" not in out  # clean files are counted, not listed


def test_text_report_counts_members_apart():
    out = io.StringIO()
    report = TextReport(out, progress=False)
    report.add_group(
        [
            FileResult("a.zip", "secret", "mat", 0.9),
            FileResult(
                "a.zip!m.txt",
                "secret",
                "mat",
                0.9,
                [Finding("mark.level", "mat", "MẬT", "dòng 1", 0.9, "")],
            ),
            FileResult("a.zip!n.txt", "clean"),
        ]
    )
    report.finish()
    assert report.counts == {"secret": [1, 1], "clean": [0, 1], "error": [0, 0]}
    assert [r.path for r in report.secrets] == ["a.zip!m.txt"]
    assert report.exit_code() == 1


def test_jsonl_report_writes_one_line_per_result():
    out = io.StringIO()
    report = JsonlReport(out)
    report.add_group([FileResult("a", "clean"), FileResult("a!b", "error", error="hỏng")])
    assert [json.loads(line)["path"] for line in out.getvalue().splitlines()] == ["a", "a!b"]
    assert report.exit_code() == 2


def test_limits_come_from_options(tmp_path):
    (tmp_path / "a.txt").write_text(CLEAN_TEXT * 50, encoding="utf-8")
    result = bmnn("--format", "jsonl", "--max-file-mb", "0.001", str(tmp_path))
    assert result.exit_code == 2
    (line,) = jsonl(result.stdout)
    assert "quá lớn" in line["error"]
    inner = make_zip({"c.txt": SECRET_TEXT.encode()})
    (tmp_path / "a.txt").unlink()
    (tmp_path / "n.zip").write_bytes(make_zip({"b.zip": inner}))
    result = bmnn("--format", "jsonl", "--max-depth", "1", str(tmp_path))
    lines = {os.path.basename(x["path"]): x for x in jsonl(result.stdout)}
    assert lines["n.zip!b.zip!c.txt"]["verdict"] == "error"
    assert result.exit_code == 2


def test_bad_options_are_refused():
    assert bmnn("--format", "xml", ".").exit_code == 2
    assert bmnn("--workers", "0", ".").exit_code == 2
    result = bmnn("--catalogue", "/nonexistent/cat.yaml", ".")
    assert result.exit_code == 2 and "danh mục" in result.output


def test_subcommands_dispatch_and_a_path_named_like_one(tmp_path, monkeypatch):
    result = bmnn("site", "--help")
    assert result.exit_code == 0 and "ROOT" in result.output.upper()
    assert bmnn("fingerprint", "--help").exit_code == 0
    assert bmnn("serve", "--help").exit_code == 0
    (tmp_path / "serve").write_text(SECRET_TEXT, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    result = bmnn("--format", "jsonl", "./serve")
    assert result.exit_code == 1
    assert jsonl(result.stdout)[0]["path"] == "./serve"


def test_missing_subcommand_module_says_so(monkeypatch):
    monkeypatch.setitem(scan_cli.SUBCOMMANDS, "serve", "bmnn.scan.no_such_module:app")
    result = bmnn("serve", "--port", "1")
    assert result.exit_code == 2
    assert "serve" in result.output and "chưa có" in result.output


def test_help_shows_scan_usage_and_subcommands():
    result = bmnn("--help")
    assert result.exit_code == 0
    assert "bmnn scan [OPTIONS]" in result.output
    for name in scan_cli.SUBCOMMANDS:
        assert f"bmnn scan {name}" in result.output


def test_text_report_prints_paths_literally():
    out = io.StringIO()
    report = TextReport(out, progress=False)
    report.add_group([FileResult("[bold]x[/bold].dat", "error", error="lỗi [red]y[/red]")])
    report.finish()
    assert "[bold]x[/bold].dat" in out.getvalue() and "[red]y[/red]" in out.getvalue()
