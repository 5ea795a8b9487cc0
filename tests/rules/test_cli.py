"""`bmnn rules …` through the top-level CLI (CliRunner) and once as a real process."""

import json
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bmnn.cli import app

runner = CliRunner()


def run(*args: str, env: dict | None = None):
    return runner.invoke(app, ["rules", *args], env=env)


def decide(*args: str):
    return run("decide", *args, "--format", "json")


def test_decide_json_allowed():
    result = decide(
        "--action", "copy", "--level", "toi_mat", "--post", "giam_doc_so", "--on", "2026-05-01"
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["allowed"] is True
    assert data["citation"] == "Luật 117/2025/QH15, Điều 11, khoản 2, điểm d"
    assert data["confidence"] == "summary"
    assert data["reason"]


def test_decide_json_refused_still_exits_0():
    result = decide(
        "--action", "copy", "--level", "tuyet_mat", "--post", "giam_doc_so", "--on", "2026-05-01"
    )
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert data["allowed"] is False
    assert data["citation"] == "Luật 117/2025/QH15, Điều 11, khoản 1"
    assert "không có thẩm quyền" in data["reason"]


def test_decide_defaults_to_today():
    result = decide("--action", "copy", "--level", "mat", "--post", "giam_doc_so")
    assert result.exit_code == 0
    expected = run(
        "decide",
        "--action",
        "copy",
        "--level",
        "mat",
        "--post",
        "giam_doc_so",
        "--on",
        date.today().isoformat(),
        "--format",
        "json",
    )
    assert json.loads(result.stdout) == json.loads(expected.stdout)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--action", "print", "--level", "mat", "--post", "giam_doc_so"], "Hành vi không hợp lệ"),
        (["--action", "copy", "--level", "secret", "--post", "giam_doc_so"], "Độ mật không hợp lệ"),
        (["--action", "copy", "--level", "mat", "--post", "vua"], "Chức vụ không có"),
        (
            ["--action", "copy", "--level", "mat", "--post", "giam_doc_so", "--on", "2026-02-30"],
            "không phải ngày",
        ),
        (
            ["--action", "copy", "--level", "mat", "--post", "giam_doc_so", "--on", "01/05/2026"],
            "không phải ngày",
        ),
        (
            [
                "--action",
                "copy",
                "--level",
                "mat",
                "--post",
                "cap_pho_duoc_uy_quyen",
                "--delegated-by",
                "vua",
            ],
            "Chức vụ không có",
        ),
    ],
)
def test_decide_bad_input_exits_2_with_vietnamese_message(args, message):
    result = decide(*args)
    assert result.exit_code == 2
    assert message in result.stderr
    assert result.stdout == ""


def test_decide_delegated_by():
    base = [
        "--action",
        "copy",
        "--level",
        "mat",
        "--post",
        "cap_pho_duoc_uy_quyen",
        "--on",
        "2026-05-01",
    ]
    allowed = json.loads(decide(*base, "--delegated-by", "giam_doc_so").stdout)
    sub = json.loads(decide(*base, "--delegated-by", "cap_pho_duoc_uy_quyen").stdout)
    mat_only = json.loads(decide(*base, "--delegated-by", "truong_phong_thuoc_so").stdout)
    assert allowed["allowed"] is True
    assert sub["allowed"] is False and "không được ủy quyền tiếp" in sub["reason"]
    assert mat_only["allowed"] is False
    assert sub["citation"] == mat_only["citation"] == "Luật 29/2018/QH14, Điều 11, khoản 5"


def test_decide_text_format():
    result = run(
        "decide", "--action", "copy", "--level", "mat", "--post", "can_bo", "--on", "2026-05-01"
    )
    assert result.exit_code == 0
    assert result.stdout.startswith("KHÔNG ĐƯỢC PHÉP")
    assert "Căn cứ: Luật 117/2025/QH15, Điều 11, khoản 3" in result.stdout


def test_period_json():
    result = run("period", "--level", "mat", "--classified-on", "2024-02-29", "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["expires_on"] == "2034-02-28"
    assert data["extension_decision_by"] == "2033-12-30"


def test_period_place_has_nulls():
    result = run(
        "period",
        "--level",
        "tuyet_mat",
        "--classified-on",
        "2026-05-01",
        "--kind",
        "place",
        "--format",
        "json",
    )
    data = json.loads(result.stdout)
    assert data["expires_on"] is None and data["extension_decision_by"] is None


def test_period_activity_shorter():
    result = run(
        "period",
        "--level",
        "toi_mat",
        "--classified-on",
        "2026-05-01",
        "--kind",
        "activity",
        "--years",
        "5",
        "--format",
        "json",
    )
    assert json.loads(result.stdout)["expires_on"] == "2031-05-01"


@pytest.mark.parametrize(
    "args",
    [
        ["--level", "mat", "--classified-on", "2026-05-01", "--kind", "activity", "--years", "10"],
        ["--level", "mat", "--classified-on", "2026-05-01", "--kind", "activity", "--years", "0"],
        ["--level", "mat", "--classified-on", "2026-05-01", "--kind", "activity", "--years", "-3"],
        ["--level", "mat", "--classified-on", "2026-05-01", "--kind", "activity", "--years", "ba"],
        ["--level", "mat", "--classified-on", "2026-5-1"],
        ["--level", "mat", "--classified-on", "2026-05-01", "--kind", "speech"],
        ["--level", "mat", "--classified-on", "2026-05-01", "--format", "xml"],
    ],
)
def test_period_bad_input_exits_2(args):
    result = (
        run("period", *args, "--format", "json") if "--format" not in args else run("period", *args)
    )
    assert result.exit_code == 2
    assert result.stderr.startswith("Lỗi:")


def test_period_text_format():
    result = run("period", "--level", "toi_mat", "--classified-on", "2026-05-01")
    assert result.exit_code == 0
    assert "Hết thời hạn bảo vệ: 01/05/2046 (20 năm)" in result.stdout


def test_explain_prints_a_table():
    result = run("explain", "copy", "toi_mat", "--on", "2026-04-01")
    assert result.exit_code == 0, result.output
    assert "giam_doc_so" in result.stdout
    assert "Luật 117/2025/QH15, Điều 11, khoản 2, điểm d" in result.stdout
    assert "chu_tich_ubnd_huyen" not in result.stdout


def test_explain_json_and_bad_action():
    result = run(
        "explain", "provide_foreign", "tuyet_mat", "--on", "2020-09-01", "--format", "json"
    )
    assert [row["post"] for row in json.loads(result.stdout)] == ["thu_tuong"]
    assert run("explain", "sell", "mat").exit_code == 2


def test_check_passes_on_shipped_data():
    result = run("check")
    assert result.exit_code == 0
    assert "hợp lệ" in result.stdout


def test_check_lists_problems_of_an_override(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text(
        "rules:\n  - id: x\n    action: copy\n    versions:\n"
        "      - {id: x/1, effective_from: 2026-04-01, confidence: confirmed,\n"
        "         holders: [{posts: [nobody]}]}\n",
        encoding="utf-8",
    )
    result = run("check", "--overrides", str(path))
    assert result.exit_code == 1
    assert "chưa có căn cứ pháp lý" in result.stdout
    assert "chức vụ không tồn tại 'nobody'" in result.stdout
    # a broken override named in the environment stops every other command (fail closed)
    refused = run(
        "decide",
        "--action",
        "copy",
        "--level",
        "mat",
        "--post",
        "giam_doc_so",
        env={"BMNN_RULES_OVERRIDES": str(path)},
    )
    assert refused.exit_code == 1
    assert "không dùng được" in refused.stderr


def test_texts_in_force():
    result = run("texts", "--on", "2026-04-01")
    assert result.exit_code == 0
    assert "Luật 117/2025/QH15" in result.stdout
    assert "Luật 29/2018/QH14" not in result.stdout


def test_real_process():
    exe = Path(sys.executable).with_name("bmnn")
    if not exe.exists():
        pytest.skip("the bmnn console script is not installed in this environment")
    env = {k: v for k, v in os.environ.items() if k != "BMNN_RULES_OVERRIDES"}
    done = subprocess.run(
        [
            str(exe),
            "rules",
            "decide",
            "--action",
            "provide_foreign",
            "--level",
            "tuyet_mat",
            "--post",
            "chu_tich_nuoc",
            "--on",
            "2026-04-01",
            "--format",
            "json",
        ],
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=env,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert data == {
        **data,
        "allowed": True,
        "confidence": "confirmed",
        "citation": "Luật 117/2025/QH15, Điều 16, khoản 1, điểm a",
    }
    bad = subprocess.run(
        [
            str(exe),
            "rules",
            "decide",
            "--action",
            "copy",
            "--level",
            "mat",
            "--post",
            "x",
            "--format",
            "json",
        ],
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=env,
        timeout=60,
        check=False,
    )
    assert bad.returncode == 2
    assert "Chức vụ không có trong bộ quy tắc" in bad.stderr
