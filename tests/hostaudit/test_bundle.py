"""The evidence bundle: manifest, collector log, verification, and safe .zip handling."""

from __future__ import annotations

import hashlib
import io
import json
import os
import stat
import zipfile
from pathlib import Path

import pytest

from bmnn.hostaudit.bundle import (
    FORMAT,
    LOG_REL,
    MANIFEST_REL,
    BundleError,
    BundleWriter,
    ZipLimits,
    extract_zip,
    manifest_digest,
    open_bundle,
    read_manifest,
    safe_rel,
    verify_bundle,
    write_zip,
)


def make_bundle(out: Path, source_dir: Path) -> dict:
    """A small real bundle: two copied files, one command output, one derived file."""
    source_dir.mkdir(parents=True, exist_ok=True)
    hostname = source_dir / "hostname"
    hostname.write_text("may-mat-01\n", encoding="utf-8")
    log = source_dir / "dpkg.log"
    log.write_bytes(b"2026-03-02 10:00:00 install zalo:amd64 <none> 1.0\n" * 200)
    w = BundleWriter(out)
    with open(hostname, "rb") as f:
        w.add_stream("etc/hostname", f, source=str(hostname), method="copy")
    with open(log, "rb") as f:
        w.add_stream("var/log/dpkg.log", f, source=str(log), method="copy")
    w.add_stream(
        "bmnn/journal.jsonl",
        io.BytesIO(b'{"MESSAGE": "a"}\n'),
        source="journalctl",
        method="journalctl export",
    )
    w.add_bytes("bmnn/live/network.json", b'{"interfaces": []}\n', source="ip", method="derived")
    w.log("Một lỗi thử", "ERROR")
    return w.finish(platform="linux", root="/", live=True)


def test_manifest_records_every_file_with_its_hash_and_the_collection(tmp_path):
    out = tmp_path / "b"
    manifest = make_bundle(out, tmp_path / "src")

    assert manifest == read_manifest(out)
    assert manifest["format"] == FORMAT
    assert manifest["tool"]["name"] == "bmnn" and manifest["tool"]["version"]
    assert manifest["platform"] == "linux" and manifest["live"] is True
    assert manifest["host"] and manifest["collector_user"]
    assert isinstance(manifest["command_line"], list)
    started = manifest["collection"]["started_utc"]
    ended = manifest["collection"]["ended_utc"]
    assert started.endswith("Z") and ended.endswith("Z") and started <= ended
    assert manifest["errors"] == 1

    by_path = {e["path"]: e for e in manifest["files"]}
    assert set(by_path) == {
        "etc/hostname",
        "var/log/dpkg.log",
        "bmnn/journal.jsonl",
        "bmnn/live/network.json",
        LOG_REL,
    }
    for rel, entry in by_path.items():
        data = (out / rel).read_bytes()
        assert entry["size"] == len(data)
        assert entry["sha256"] == hashlib.sha256(data).hexdigest()
        assert entry["method"]
    assert by_path["etc/hostname"]["source"] == str(tmp_path / "src" / "hostname")

    log = (out / LOG_REL).read_text(encoding="utf-8")
    lines = log.splitlines()
    assert "Bắt đầu thu thập" in lines[0] and "Kết thúc thu thập" in lines[-1]
    assert any(" ERROR " in line and "Một lỗi thử" in line for line in lines)
    assert all(line[:4].isdigit() and line.split(" ")[0].endswith("Z") for line in lines)
    assert verify_bundle(out) == []


def _kinds(problems) -> set[tuple[str, str]]:
    return {(p.kind, p.path) for p in problems}


def test_tampering_is_reported_file_by_file(tmp_path):
    out = tmp_path / "b"
    make_bundle(out, tmp_path / "src")
    # same size, other bytes
    data = bytearray((out / "var/log/dpkg.log").read_bytes())
    data[10] ^= 1
    (out / "var/log/dpkg.log").write_bytes(bytes(data))
    (out / "etc/hostname").write_text("may-khac\n", encoding="utf-8")  # other size
    (out / "bmnn/journal.jsonl").unlink()
    (out / "etc/added").write_text("x", encoding="utf-8")

    problems = verify_bundle(out)
    assert _kinds(problems) == {
        ("hash_mismatch", "var/log/dpkg.log"),
        ("size_mismatch", "etc/hostname"),
        ("missing", "bmnn/journal.jsonl"),
        ("extra", "etc/added"),
    }
    assert all(p.message for p in problems)
    assert "bị thay đổi" in next(p.message for p in problems if p.kind == "hash_mismatch")


def test_a_link_in_the_bundle_is_unsafe(tmp_path):
    out = tmp_path / "b"
    make_bundle(out, tmp_path / "src")
    (out / "etc/hostname").unlink()
    (out / "etc/hostname").symlink_to(tmp_path / "src" / "hostname")

    assert ("unsafe", "etc/hostname") in _kinds(verify_bundle(out))
    assert ("missing", "etc/hostname") in _kinds(verify_bundle(out))


def test_an_edited_manifest_cannot_point_outside_the_bundle(tmp_path):
    out = tmp_path / "b"
    make_bundle(out, tmp_path / "src")
    manifest = json.loads((out / MANIFEST_REL).read_text(encoding="utf-8"))
    manifest["files"].append({"path": "../outside", "size": 1, "sha256": "00"})
    manifest["files"].append(dict(manifest["files"][0]))  # a duplicate entry
    (out / MANIFEST_REL).write_text(json.dumps(manifest), encoding="utf-8")

    kinds = _kinds(verify_bundle(out))
    assert ("unsafe", "../outside") in kinds
    assert ("manifest_invalid", manifest["files"][0]["path"]) in kinds


def test_no_manifest_or_a_broken_one(tmp_path):
    folder = tmp_path / "folder"
    folder.mkdir()
    (folder / "x").write_text("1", encoding="utf-8")
    assert [p.kind for p in verify_bundle(folder)] == ["manifest_missing"]

    (folder / "bmnn").mkdir()
    (folder / MANIFEST_REL).write_text("{not json", encoding="utf-8")
    [problem] = verify_bundle(folder)
    assert problem.kind == "manifest_invalid" and "không đọc được" in problem.message

    (folder / MANIFEST_REL).write_text(json.dumps({"format": "other"}), encoding="utf-8")
    assert [p.kind for p in verify_bundle(folder)] == ["manifest_invalid"]
    assert [p.kind for p in verify_bundle(tmp_path / "absent")] == ["manifest_missing"]


def test_the_writer_never_writes_into_a_used_folder(tmp_path):
    out = tmp_path / "b"
    make_bundle(out, tmp_path / "src")
    with pytest.raises(BundleError, match="đã chứa một gói"):
        BundleWriter(out)
    other = tmp_path / "other"
    other.mkdir()
    (other / "note.txt").write_text("x", encoding="utf-8")
    with pytest.raises(BundleError, match="trống"):
        BundleWriter(other)
    w = BundleWriter(tmp_path / "new")
    w.add_bytes("etc/a", b"1", source="s", method="copy")
    for bad in ("etc/a", "../x", "/etc/x", "a/../../x", "C:/x", "a\\b", MANIFEST_REL):
        with pytest.raises(BundleError):
            w.path_for(bad)


def test_size_budget_truncates_streams_at_a_line_and_skips_files(tmp_path):
    w = BundleWriter(tmp_path / "b", max_total_bytes=100, max_file_bytes=60)
    lines = b"".join(b'{"n": %d}\n' % i for i in range(50))  # 10-11 bytes a line
    entry = w.add_stream(
        "bmnn/journal.jsonl",
        io.BytesIO(lines),
        source="journalctl",
        method="journalctl export",
        limit=35,
        line_boundary=True,
    )
    kept = (tmp_path / "b" / "bmnn/journal.jsonl").read_bytes()
    assert entry["truncated"] is True
    assert kept.endswith(b"\n") and len(kept) <= 35 and lines.startswith(kept)
    assert entry["sha256"] == hashlib.sha256(kept).hexdigest()
    assert all(json.loads(line) for line in kept.splitlines())

    assert w.add_bytes("big", b"x" * 61, source="/big", method="copy") is None  # over the file cap
    w.add_bytes("a", b"y" * 60, source="/a", method="copy")
    assert w.budget() == 100 - len(kept) - 60
    manifest = w.finish(platform="linux")
    assert manifest["skipped"] == [
        {"source": "/big", "reason": "vượt giới hạn dung lượng (61 byte)"}
    ]
    assert verify_bundle(tmp_path / "b") == []


def test_zip_round_trip_verifies(tmp_path):
    out = tmp_path / "b"
    make_bundle(out, tmp_path / "src")
    archive = write_zip(out, tmp_path / "b.zip")
    assert verify_bundle(archive) == []
    with open_bundle(archive) as folder:
        extracted = folder
        assert manifest_digest(folder) == manifest_digest(out)
        assert (folder / "etc/hostname").read_text(encoding="utf-8") == "may-mat-01\n"
    assert not extracted.exists()  # the temporary folder is gone
    with pytest.raises(BundleError):
        write_zip(out, out / "inside.zip")


def _zip(path: Path, members: list[tuple[zipfile.ZipInfo | str, bytes]]) -> Path:
    with zipfile.ZipFile(path, "w") as zf:
        for info, data in members:
            zf.writestr(info, data)
    return path


@pytest.mark.parametrize(
    "name",
    ["../evil.txt", "/abs/evil.txt", "ok/../../evil.txt", "C:/evil.txt", "dir\\..\\evil.txt"],
)
def test_zip_with_a_path_out_of_the_folder_is_refused(tmp_path, name):
    archive = _zip(tmp_path / "bad.zip", [("etc/hostname", b"x"), (name, b"evil")])
    dest = tmp_path / "dest"
    dest.mkdir()
    with pytest.raises(BundleError):
        extract_zip(archive, dest)
    assert not (tmp_path / "evil.txt").exists()
    assert list(dest.rglob("*")) == []  # checked before anything is written
    assert verify_bundle(archive)[0].kind == "unsafe"


@pytest.mark.filterwarnings("ignore:Duplicate name")
def test_zip_with_a_link_or_duplicate_or_too_much_data_is_refused(tmp_path):
    link = zipfile.ZipInfo("etc/passwd")
    link.external_attr = (stat.S_IFLNK | 0o777) << 16
    with pytest.raises(BundleError, match="liên kết"):
        extract_zip(_zip(tmp_path / "l.zip", [(link, b"/etc/shadow")]), tmp_path / "d1")
    with pytest.raises(BundleError, match="trùng"):
        extract_zip(_zip(tmp_path / "d.zip", [("a", b"1"), ("a", b"2")]), tmp_path / "d2")
    big = _zip(tmp_path / "big.zip", [("a", b"0" * 5000), ("b", b"0" * 5000)])
    with pytest.raises(BundleError, match="vượt giới hạn"):
        extract_zip(big, tmp_path / "d3", ZipLimits(max_total_bytes=8000))
    with pytest.raises(BundleError, match="mục"):
        extract_zip(big, tmp_path / "d4", ZipLimits(max_members=1))


def test_zip_member_larger_than_declared_is_refused(tmp_path):
    """A header that understates a member's size (a bomb) is caught while inflating."""
    archive = _zip(tmp_path / "lie.zip", [("a", b"A" * 100_000)])
    raw = bytearray(archive.read_bytes())
    # Patch the uncompressed size in the central directory record (offset 24 from its start).
    cd = raw.rfind(b"PK\x01\x02")
    raw[cd + 24 : cd + 28] = (10).to_bytes(4, "little")
    archive.write_bytes(bytes(raw))
    with pytest.raises(BundleError):
        extract_zip(archive, tmp_path / "d")
    assert not (tmp_path / "d" / "a").exists() or (tmp_path / "d" / "a").stat().st_size <= 10


def test_safe_rel_accepts_ordinary_paths():
    for rel in ("etc/hostname", "Users/Nam/NTUSER.DAT", "a b/c%4d.evtx", "home/u/.config/x"):
        assert safe_rel(rel) == rel
    for rel in ("", "a//b", "./a", "a/", "a\0b"):
        with pytest.raises(BundleError):
            safe_rel(rel)


def test_open_bundle_refuses_what_is_not_a_bundle(tmp_path):
    plain = tmp_path / "x.txt"
    plain.write_text("x", encoding="utf-8")
    with pytest.raises(BundleError, match="Không phải"), open_bundle(plain):
        pass
    with pytest.raises(BundleError, match="Không tìm thấy"), open_bundle(tmp_path / "none"):
        pass
    assert os.listdir(tmp_path) == ["x.txt"]
