"""`bmnn catalogue import` and `bmnn catalogue list` through typer's runner."""

from __future__ import annotations

import getpass
import json

import pytest
from typer.testing import CliRunner

from bmnn.catalogue.models import CatalogueDecision, CatalogueItem
from bmnn.cli import app
from tests.catalogue.conftest import (
    HEADER,
    ROWS,
    csv_bytes,
    events_after,
    head,
    snapshot,
    xlsx_bytes,
)

pytestmark = pytest.mark.django_db
runner = CliRunner()
WIDE = {"COLUMNS": "200"}


def _import(path, *extra: str, date: str = "2020-06-05"):
    return runner.invoke(
        app,
        [
            "catalogue",
            "import",
            str(path),
            "--number",
            "1234/QĐ-TTg",
            "--date",
            date,
            "--issuer",
            "Thủ tướng Chính phủ",
            "--title",
            "Danh mục BMNN lĩnh vực thử nghiệm",
            *extra,
        ],
        env=WIDE,
    )


def test_import_json_summary_and_cli_actor(tmp_path):
    path = tmp_path / "danh-muc.csv"
    path.write_bytes(csv_bytes([HEADER, *ROWS]))
    mark = head()
    result = _import(path, "--format", "json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {
        "decision": "1234/QĐ-TTg",
        "items": 4,
        "by_level": {"tuyet_mat": 1, "toi_mat": 1, "mat": 2},
        "replaced": None,
    }
    assert CatalogueItem.objects.filter(decision__number="1234/QĐ-TTg").count() == 4
    events = events_after(mark)
    assert {e.actor for e in events} == {f"cli:{getpass.getuser()}"}
    assert events[-1].action == "catalogue.import"


def test_import_text_summary_then_replacement_and_list(tmp_path):
    first = tmp_path / "cu.xlsx"
    first.write_bytes(xlsx_bytes(("Danh mục", [HEADER, *ROWS])))
    result = _import(first)
    assert result.exit_code == 0, result.output
    assert "Đã nhập Quyết định số 1234/QĐ-TTg" in result.stdout
    assert "05/06/2020" in result.stdout
    assert "Tuyệt mật" in result.stdout and "«Danh mục»" in result.stdout

    second = tmp_path / "moi.csv"
    second.write_bytes(csv_bytes([HEADER, ROWS[0]]))
    replaced = runner.invoke(
        app,
        [
            "catalogue",
            "import",
            str(second),
            "--number",
            "5678/QĐ-TTg",
            "--date",
            "2024-01-02",
            "--issuer",
            "Thủ tướng Chính phủ",
            "--title",
            "Danh mục mới",
            "--replaces",
            "1234/QĐ-TTg",
            "--format",
            "json",
        ],
    )
    assert replaced.exit_code == 0, replaced.output
    assert json.loads(replaced.stdout)["replaced"] == "1234/QĐ-TTg"
    old = CatalogueDecision.objects.get(number="1234/QĐ-TTg")
    assert old.status == CatalogueDecision.Status.REPLACED

    listed = runner.invoke(app, ["catalogue", "list", "--format", "json"])
    assert listed.exit_code == 0, listed.output
    rows = {row["number"]: row for row in json.loads(listed.stdout)}
    assert rows["1234/QĐ-TTg"]["status"] == "replaced"
    assert rows["1234/QĐ-TTg"]["replaced_by"] == "5678/QĐ-TTg"
    assert rows["1234/QĐ-TTg"]["items"] == 4
    assert (
        rows["5678/QĐ-TTg"] | {"items": 1, "status": "active", "replaced_by": None}
        == rows["5678/QĐ-TTg"]
    )
    text = runner.invoke(app, ["catalogue", "list"], env=WIDE)
    assert text.exit_code == 0, text.output
    assert "Đã được thay thế bởi 5678/QĐ-TTg" in text.stdout


def test_a_bad_file_exits_2_with_the_messages_on_stderr_and_writes_nothing(tmp_path):
    path = tmp_path / "sai.csv"
    path.write_bytes(csv_bytes([HEADER, ROWS[0], ("1", "", "b", "Bí mật", "X")]))
    before = snapshot()
    result = _import(path)
    assert result.exit_code == 2
    assert "Dòng 3, cột C (Điểm): điểm «b» phải thuộc một khoản" in result.stderr
    assert "Dòng 3, cột D (Độ mật): không nhận ra độ mật «Bí mật»" in result.stderr
    assert result.stdout == ""
    assert snapshot() == before


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--replaces", "999/QĐ-TTg"], "Không có quyết định số 999/QĐ-TTg"),
        (["--format", "yaml"], "--format phải là một trong"),
    ],
)
def test_bad_options_exit_2(tmp_path, extra, message):
    path = tmp_path / "a.csv"
    path.write_bytes(csv_bytes([HEADER, *ROWS]))
    before = snapshot()
    result = _import(path, *extra)
    assert result.exit_code == 2
    assert message in result.stderr
    assert snapshot() == before


def test_a_bad_date_exits_2(tmp_path):
    path = tmp_path / "a.csv"
    path.write_bytes(csv_bytes([HEADER, *ROWS]))
    result = _import(path, date="05/06/2020")
    assert result.exit_code == 2
    assert "--date không phải ngày hợp lệ theo dạng YYYY-MM-DD" in result.stderr
    assert not CatalogueDecision.objects.exists()


def test_list_when_empty():
    result = runner.invoke(app, ["catalogue", "list"])
    assert result.exit_code == 0, result.output
    assert "Chưa có quyết định" in result.stdout
