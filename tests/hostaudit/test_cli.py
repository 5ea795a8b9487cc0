"""`bmnn audit`: host (collect + analyse), evidence (bundle folder, .zip, plain folder),
correlate; exit codes; integrity failures; no network use."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
import zipfile
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace

import pytest
from typer.testing import CliRunner

from bmnn.cli import app
from bmnn.hostaudit.bundle import MANIFEST_REL, manifest_digest, write_zip
from bmnn.hostaudit.cli import EXIT_FAIL, EXIT_INCOMPLETE, EXIT_PASS, exit_code, summary_table
from bmnn.hostaudit.collect import collect
from tests.hostaudit.helpers import write_file as _write
from tests.test_no_network import SITECUSTOMIZE, _entries, _is_local

HERE = Path(__file__).resolve().parent
runner = CliRunner()


def bmnn(*args: str):
    return runner.invoke(app, ["audit", *args], prog_name="bmnn")


def _helper(name: str):
    """A test helper module of this folder, by path (works with or without __init__.py)."""
    spec = importlib.util.spec_from_file_location(f"_hostaudit_{name}", HERE / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while it loads
    spec.loader.exec_module(module)
    return module


def linux_disk(root: Path, *, hostname: str = "may-soan-thao-01") -> Path:
    """A Linux disk that joined a café's Wi-Fi in March 2026."""
    _write(root / "etc/hostname", hostname + "\n")
    _write(root / "etc/machine-id", "0123456789abcdef0123456789abcdef\n")
    _write(root / "etc/os-release", 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\n')
    _write(root / "etc/timezone", "Asia/Ho_Chi_Minh\n")
    _write(root / "etc/passwd", "nam:x:1000:1000:Nam:/home/nam:/bin/bash\n")
    uuid = "5c6f3a2e-1111-2222-3333-444455556666"
    _write(
        root / "etc/NetworkManager/system-connections/Cafe.nmconnection",
        f"[connection]\nid=Cafe\nuuid={uuid}\ntype=wifi\ntimestamp=1772330000\n\n"
        "[wifi]\nmode=infrastructure\nssid=Cafe\n\n[wifi-security]\nkey-mgmt=wpa-psk\npsk=x\n",
    )
    _write(root / "var/lib/NetworkManager/timestamps", f"[timestamps]\n{uuid}=1772330000\n")
    return root


@pytest.fixture
def bundle(tmp_path) -> Path:
    out = tmp_path / "bundle"
    collect(out, root=linux_disk(tmp_path / "disk"), live=False)
    return out


def _expected_code(report: dict) -> int:
    states = {r["result"] for r in report["results"]}
    if (report["bundle"] and not report["bundle"]["intact"]) or states & {"error", "unknown"}:
        return EXIT_INCOMPLETE
    return EXIT_FAIL if "fail" in states else EXIT_PASS


def test_exit_code_rules():
    r = lambda *states: [SimpleNamespace(result=s) for s in states]  # noqa: E731
    assert exit_code(r()) == EXIT_PASS
    assert exit_code(r("pass", "notapplicable")) == EXIT_PASS
    assert exit_code(r("pass", "fail")) == EXIT_FAIL
    assert exit_code(r("pass", "unknown")) == EXIT_INCOMPLETE
    assert exit_code(r("fail", "error")) == EXIT_INCOMPLETE  # incomplete wins, like bmnn scan
    assert exit_code(r("pass"), intact=False) == EXIT_INCOMPLETE


def test_evidence_json_of_a_bundle(bundle):
    result = bmnn("evidence", str(bundle), "--format", "json")
    report = json.loads(result.stdout)
    assert report["platform"] == "linux"
    assert report["bundle"]["intact"] is True
    assert report["bundle"]["manifest_sha256"] == manifest_digest(bundle)
    assert result.exit_code == _expected_code(report)
    assert "nguyên vẹn" in result.stderr and manifest_digest(bundle) in result.stderr
    assert "Kết quả —" in result.stderr
    # The Wi-Fi network the disk joined is a finding, whatever else is unknown.
    net = {r["check_id"]: r for r in report["results"]}["BMNN-NET-001"]
    assert net["result"] == "fail", net


def test_evidence_of_a_zip_bundle_and_to_a_file(bundle, tmp_path):
    archive = write_zip(bundle, tmp_path / "bundle.zip")
    target = tmp_path / "out" / "report.json"
    result = bmnn("evidence", str(archive), "--format", "json", "--out", str(target))
    assert result.stdout == ""
    report = json.loads(target.read_text(encoding="utf-8"))
    assert report["bundle"]["intact"] is True
    assert result.exit_code == _expected_code(report)
    folder = json.loads(bmnn("evidence", str(bundle), "--format", "json").stdout)
    assert [r["result"] for r in report["results"]] == [r["result"] for r in folder["results"]]


def test_tampered_bundle_is_reported_loudly_and_exits_2(bundle):
    hostname = bundle / "etc/hostname"
    hostname.write_text("may-khac\n", encoding="utf-8")
    result = bmnn("evidence", str(bundle), "--format", "json")
    assert result.exit_code == EXIT_INCOMPLETE
    assert "GÓI CHỨNG CỨ KHÔNG NGUYÊN VẸN" in result.stderr
    assert "etc/hostname" in result.stderr
    report = json.loads(result.stdout)
    assert report["bundle"]["intact"] is False
    assert {p["path"] for p in report["bundle"]["problems"]} == {"etc/hostname"}


def test_zip_with_path_traversal_is_refused(tmp_path):
    archive = tmp_path / "evil.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr(MANIFEST_REL, "{}")
        zf.writestr("../../evil.txt", "x")
    result = bmnn("evidence", str(archive))
    assert result.exit_code == EXIT_INCOMPLETE
    assert "Đường dẫn không hợp lệ" in result.stderr
    assert not (tmp_path.parent / "evil.txt").exists()


def test_plain_folder_or_mounted_disk_is_analysed_without_integrity(tmp_path):
    disk = linux_disk(tmp_path / "disk")
    result = bmnn("evidence", str(disk), "--format", "json")
    report = json.loads(result.stdout)
    assert report["bundle"] is None
    assert "không phải gói chứng cứ" in result.stderr
    assert result.exit_code == _expected_code(report)


def test_text_html_and_pdf_formats(bundle, tmp_path):
    text = bmnn("evidence", str(bundle))
    assert text.stdout.strip() and text.exit_code in (0, 1, 2)
    html = bmnn("evidence", str(bundle), "--format", "html")
    assert html.stdout.lstrip().lower().startswith("<!doctype html")
    pdf = tmp_path / "r.pdf"
    result = bmnn("evidence", str(bundle), "--format", "pdf", "--out", str(pdf))
    assert pdf.read_bytes().startswith(b"%PDF"), result.stderr


def test_bad_options_and_inputs_give_vietnamese_errors(bundle, tmp_path):
    result = bmnn("evidence", str(bundle), "--format", "pdf")
    assert result.exit_code == 2 and "PDF phải ghi ra tệp" in result.output
    result = bmnn("evidence", str(bundle), "--format", "docx")
    assert result.exit_code == 2 and "text | json | html | pdf" in result.output
    result = bmnn("evidence", str(tmp_path / "none"))
    assert result.exit_code == EXIT_INCOMPLETE and "Không tìm thấy" in result.stderr
    bad = tmp_path / "co-quan.yaml"
    bad.write_text("independent_lan:\n  subnets: [khong-phai-ip]\n", encoding="utf-8")
    result = bmnn("evidence", str(bundle), "--config", str(bad))
    assert result.exit_code == EXIT_INCOMPLETE and "không phải dải địa chỉ IP" in result.stderr


def test_host_refuses_a_used_folder(tmp_path):
    used = tmp_path / "used"
    used.mkdir()
    (used / "x").write_text("1", encoding="utf-8")
    result = bmnn("host", "--out", str(used))
    assert result.exit_code == EXIT_INCOMPLETE and "trống" in result.stderr
    assert os.listdir(used) == ["x"]


def test_host_collects_this_machine_then_analyses_it(tmp_path):
    out = tmp_path / "bundle"
    target = tmp_path / "report.json"
    result = bmnn("host", "--out", str(out), "--zip", "--format", "json", "--report", str(target))
    report = json.loads(target.read_text(encoding="utf-8"))
    assert report["platform"] == "linux"
    assert report["bundle"]["intact"] is True
    digest = manifest_digest(out)
    assert report["bundle"]["manifest_sha256"] == digest
    assert digest in result.stderr and "Đã thu thập" in result.stderr
    assert (tmp_path / "bundle.zip").is_file()
    assert result.exit_code == _expected_code(report)
    connected = {r["check_id"]: r for r in report["results"]}.get("BMNN-NET-004")
    assert connected is not None


def test_summary_table_for_a_person(capsys, bundle):
    from bmnn.hostaudit.audit import run_audit

    report = run_audit(bundle)
    summary_table(report)
    out = capsys.readouterr().out
    assert "Kết quả kiểm tra" in out
    for r in report.results:
        assert r.check_id in out


def _windows_image(root: Path, hw, computer: str, serial: str, when: datetime) -> Path:
    """A mounted Windows image whose SYSTEM hive names the machine and one USB drive."""
    hive = hw.HiveWriter("SYSTEM")
    hive.key("Select").dword("Current", 1)
    hive.key(r"ControlSet001\Control\ComputerName\ComputerName").sz("ComputerName", computer)
    dev = hive.key(
        rf"ControlSet001\Enum\USBSTOR\Disk&Ven_SanDisk&Prod_Cruzer&Rev_1.00\{serial}&0",
        written=when,
    )
    dev.sz("FriendlyName", "SanDisk Cruzer USB Device")
    props = r"Properties\{83da6326-97a6-4088-9453-a1923f573b29}"
    dev.filetime(rf"{props}\0065", None, when)
    dev.filetime(rf"{props}\0066", None, when)
    (root / "Windows/System32/config").mkdir(parents=True)
    hive.write(root / "Windows/System32/config/SYSTEM")
    return root


def test_correlate_finds_a_drive_on_a_secret_and_an_internet_machine(tmp_path):
    hw = _helper("hive_writer")
    serial = "4C530001231219115142"
    bundles = []
    for name, when in (
        ("MAY-MAT", datetime(2026, 3, 5, 2, 0, tzinfo=UTC)),
        ("MAY-NET", datetime(2026, 3, 6, 8, 0, tzinfo=UTC)),
    ):
        image = _windows_image(tmp_path / name, hw, name, serial, when)
        out = tmp_path / f"{name}.bundle"
        collect(out, root=image)
        bundles.append(write_zip(out, tmp_path / f"{name}.zip"))
    cfg = tmp_path / "co-quan.yaml"
    cfg.write_text("machines:\n  MAY-MAT: secret\n  MAY-NET: internet\n", encoding="utf-8")

    result = bmnn("correlate", *map(str, bundles), "--config", str(cfg), "--format", "json")
    data = json.loads(result.stdout)
    assert result.exit_code == EXIT_FAIL, result.stderr
    [crossing] = data["crossings"]
    assert serial in crossing["value"].upper()
    assert set(crossing["hosts"]) == {"MAY-MAT", "MAY-NET"}
    assert "1 thiết bị đã cắm vào cả máy mật và máy kết nối Internet" in result.stderr


def test_audit_host_opens_no_outbound_connection(tmp_path):
    """`bmnn audit host` in its own process, with an audit hook (PEP 578) logging every
    connect, send and name lookup: nothing at all is logged."""
    hook = tmp_path / "hook"
    hook.mkdir()
    (hook / "sitecustomize.py").write_text(SITECUSTOMIZE, encoding="utf-8")
    log = tmp_path / "net.log"
    log.touch()
    env = {
        **os.environ,
        "BMNN_NET_AUDIT_LOG": str(log),
        "PYTHONPATH": os.pathsep.join([str(hook), *filter(None, [os.environ.get("PYTHONPATH")])]),
    }
    env.pop("BMNN_DATABASE_URL", None)
    probe = subprocess.run(  # the hook is live in the child: a lookup is logged
        [
            sys.executable,
            "-c",
            "import socket\ntry:\n socket.getaddrinfo('example.invalid', 80)\n"
            "except OSError:\n pass\n",
        ],
        env=env,
        timeout=120,
        check=True,
    )
    assert probe.returncode == 0 and _entries(log)
    log.write_text("", encoding="utf-8")

    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "bmnn.cli",
            "audit",
            "host",
            "--out",
            str(tmp_path / "b"),
            "--format",
            "json",
            "--report",
            str(tmp_path / "r.json"),
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode in (0, 1, 2), done.stderr
    assert json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))["platform"] == "linux"
    entries = _entries(log)
    assert [e for e in entries if not _is_local(e[2])] == []
    assert entries == []  # not even a local socket


def test_pdf_without_its_font_is_an_error_naming_the_package(bundle, tmp_path, monkeypatch):
    from bmnn.hostaudit import report as report_mod

    monkeypatch.setattr(report_mod, "FONT_DIR", tmp_path / "no-fonts")
    target = tmp_path / "r.pdf"
    result = bmnn("evidence", str(bundle), "--format", "pdf", "--out", str(target))
    assert result.exit_code == EXIT_INCOMPLETE  # never 1: a crash is not a violation
    assert report_mod.FONT_PACKAGE in result.stderr and not target.exists()
