"""Live collection on Linux, for real: on a fake root (to check exactly what is copied, and that
keys are redacted and links not followed) and on this machine's own root ("/")."""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import socket
import sqlite3
import struct
import sys
from pathlib import Path

from bmnn.hostaudit.bundle import LOG_REL, MANIFEST_REL, BundleWriter, read_manifest, verify_bundle
from bmnn.hostaudit.collect import (
    NETWORK_REL,
    REDACTED,
    CollectLimits,
    CommandStep,
    CopyStep,
    Plan,
    _Collector,
    build_plan,
    collect,
    network_from_linux,
    parse_resolv_conf,
    redact_keyfile,
)
from bmnn.hostaudit.root import ArtefactRoot
from tests.hostaudit.helpers import write_file as _write

OLD_ATIME = 1_000_000_000  # 2001: older than every mtime, so any read would move it (relatime)
PSK = "matkhau-wifi-quan-cafe"
LINK_KEY = "0123456789ABCDEF0123456789ABCDEF"


def _chrome_history(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with sqlite3.connect(path) as db:
        db.executescript(
            "CREATE TABLE urls(id INTEGER PRIMARY KEY, url TEXT, title TEXT, visit_count INTEGER,"
            " last_visit_time INTEGER);"
            "CREATE TABLE visits(id INTEGER PRIMARY KEY, url INTEGER, visit_time INTEGER);"
        )
        db.execute("INSERT INTO urls VALUES (1, 'https://zalo.me/', 'Zalo', 1, 13390000000000000)")
        db.execute("INSERT INTO visits VALUES (1, 1, 13390000000000000)")
    db.close()


def _wtmp_record(user: str, line: str, host: str, when: int) -> bytes:
    return struct.pack(
        "<hxxi32s4s32s256shhiii4i20s",
        7,
        1234,
        line.encode(),
        b"ts/0",
        user.encode(),
        host.encode(),
        0,
        0,
        0,
        when,
        0,
        0,
        0,
        0,
        0,
        b"",
    )


def make_linux_root(root: Path) -> dict[str, Path]:
    """A small Linux disk: what must be copied (rel -> source), plus decoys that must not be."""
    expect: dict[str, Path] = {}

    def put(rel: str, data: str | bytes) -> Path:
        expect[rel] = _write(root / rel, data)
        return expect[rel]

    put("etc/hostname", "may-soan-thao-01\n")
    put("etc/machine-id", "0123456789abcdef0123456789abcdef\n")
    _write(root / "usr/lib/os-release", 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nID=debian\n')
    (root / "etc/os-release").symlink_to("../usr/lib/os-release")
    expect["etc/os-release"] = root / "usr/lib/os-release"
    tzif = Path("/usr/share/zoneinfo/Asia/Ho_Chi_Minh").read_bytes()
    _write(root / "usr/share/zoneinfo/Asia/Ho_Chi_Minh", tzif)
    # An absolute link, as on a real disk: it must resolve inside the root, not on this machine.
    (root / "etc/localtime").symlink_to("/usr/share/zoneinfo/Asia/Ho_Chi_Minh")
    expect["etc/localtime"] = root / "usr/share/zoneinfo/Asia/Ho_Chi_Minh"
    put("etc/timezone", "Asia/Ho_Chi_Minh\n")
    put("etc/passwd", "root:x:0:0:root:/root:/bin/bash\nnam:x:1000:1000:Nam:/home/nam:/bin/bash\n")
    put("etc/group", "root:x:0:\nsudo:x:27:nam\n")
    put("etc/resolv.conf", "# test\nnameserver 10.1.2.1\nnameserver 10.1.2.2\n")
    put(
        "etc/NetworkManager/system-connections/Cafe.nmconnection",
        "[connection]\nid=Cafe\nuuid=5c6f3a2e-1111-2222-3333-444455556666\ntype=wifi\n"
        "timestamp=1772330000\n\n[wifi]\nmode=infrastructure\nssid=Cafe\n\n"
        f"[wifi-security]\nkey-mgmt=wpa-psk\npsk={PSK}\n",
    )
    put(
        "etc/NetworkManager/system-connections/Office.nmconnection",
        "[connection]\nid=Office\ntype=ethernet\n\n[ipv4]\nmethod=auto\n",
    )
    put(
        "var/lib/NetworkManager/timestamps",
        "[timestamps]\n5c6f3a2e-1111-2222-3333-444455556666=1772330000\n",
    )
    put(
        "var/lib/NetworkManager/seen-bssids",
        "[seen-bssids]\n5c6f3a2e-1111-2222-3333-444455556666=aa:bb:cc:dd:ee:ff,\n",
    )
    put("var/lib/NetworkManager/internal-5c6f3a2e-wlp2s0.lease", "ADDRESS=192.168.1.23\n")
    put("var/log/wtmp", _wtmp_record("nam", "tty2", "", 1772330000))
    put("var/log/apt/history.log", "Start-Date: 2026-03-02  10:00:00\nInstall: zalo:amd64 (1.0)\n")
    put("var/log/apt/history.log.1.gz", gzip.compress(b"Start-Date: 2025-01-01  10:00:00\n"))
    put("var/log/dpkg.log", "2026-03-02 10:00:00 install anydesk:amd64 <none> 6.3.0\n")
    put(
        "var/lib/bluetooth/AA:BB:CC:DD:EE:00/11:22:33:44:55:66/info",
        "[General]\nName=Galaxy A54\nClass=0x5a020c\n\n"
        f"[LinkKey]\nKey={LINK_KEY}\nType=4\nPINLength=0\n",
    )
    _chrome_history(root / "home/nam/.config/google-chrome/Default/History")
    expect["home/nam/.config/google-chrome/Default/History"] = (
        root / "home/nam/.config/google-chrome/Default/History"
    )
    put("home/nam/.anydesk/connection_trace.txt", "Incoming 2026-03-05, 10:11  User 123456789\n")
    put("var/log/teamviewer15/TeamViewer15_Logfile.log", "2026/03/05 10:11:12.000 Start\n")

    # Decoys: none of these may land in the bundle.
    _write(root / "etc/shadow", "root:$6$secret-hash:19000:0:99999:7:::\n")
    _write(root / "home/nam/Documents/bao-cao-mat.odt", b"PK\x03\x04 secret draft")
    _write(root / "home/nam/.config/google-chrome/Default/Cookies", b"SQLite format 3\0 cookies")
    _write(root / "var/lib/NetworkManager/secret_key", b"\x01" * 32)
    planted = root / "home/evil/.mozilla/firefox/x.default/places.sqlite"
    planted.parent.mkdir(parents=True)
    planted.symlink_to(root / "etc/shadow")  # a user's link to a file only root may read
    return expect


def _snapshot(root: Path) -> dict[str, tuple[int, int, int]]:
    """Every file and link under root: (size, mtime_ns, atime_ns), without following links."""
    out = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            st = os.lstat(os.path.join(dirpath, name))
            out[os.path.relpath(os.path.join(dirpath, name), root)] = (
                st.st_size,
                st.st_mtime_ns,
                st.st_atime_ns,
            )
    return out


def _age(root: Path) -> None:
    for dirpath, _, filenames in os.walk(root):
        for name in filenames:
            p = os.path.join(dirpath, name)
            if not os.path.islink(p):
                st = os.stat(p)
                os.utime(p, ns=(OLD_ATIME * 10**9, st.st_mtime_ns))


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_fake_root_copies_exactly_the_artefacts(tmp_path):
    root = tmp_path / "disk"
    expect = make_linux_root(root)
    # Firefox running: its WAL file exists while the database is open.
    places = root / "home/nam/.mozilla/firefox/abc.default-release/places.sqlite"
    places.parent.mkdir(parents=True)
    db = sqlite3.connect(places)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("CREATE TABLE moz_places(id INTEGER PRIMARY KEY, url TEXT)")
    db.execute("INSERT INTO moz_places VALUES (1, 'https://mail.google.com/')")
    db.commit()
    try:
        assert places.with_name("places.sqlite-wal").exists()
        for suffix in ("", "-wal"):
            rel = f"home/nam/.mozilla/firefox/abc.default-release/places.sqlite{suffix}"
            expect[rel] = root / rel
        _age(root)
        before = _snapshot(root)

        out = tmp_path / "bundle"
        manifest = collect(out, root=root, live=False)

        after = _snapshot(root)
        # Closing the database checkpoints its WAL: hash the sources while it is still open.
        source_sha = {rel: _sha(source) for rel, source in expect.items()}
    finally:
        db.close()

    assert after == before  # not one byte, mtime or access time moved on the audited disk
    assert manifest["platform"] == "linux" and manifest["live"] is False
    assert manifest["root"] == str(root)
    files = {e["path"]: e for e in manifest["files"]}
    assert {p for p in files if not p.startswith("bmnn/")} == set(expect)
    assert set(files) - set(expect) == {LOG_REL}  # no journal (none on this disk), no live state
    assert not (out / NETWORK_REL).exists()

    redacted = {
        "etc/NetworkManager/system-connections/Cafe.nmconnection",
        "var/lib/bluetooth/AA:BB:CC:DD:EE:00/11:22:33:44:55:66/info",
    }
    for rel, source in expect.items():
        entry = files[rel]
        if rel in redacted:
            assert entry["source_sha256"] == source_sha[rel]
            assert entry["sha256"] == _sha(out / rel) != entry["source_sha256"]
            assert "lược bỏ 1 khóa" in entry["method"]
        else:
            assert entry["sha256"] == source_sha[rel] == _sha(out / rel), rel
            assert entry["method"] == "copy"
        assert entry["source_size"] == before[str(source.relative_to(root))][0]

    cafe = (out / "etc/NetworkManager/system-connections/Cafe.nmconnection").read_text()
    assert PSK not in cafe and f"psk={REDACTED}" in cafe and "ssid=Cafe" in cafe
    info = (out / "var/lib/bluetooth/AA:BB:CC:DD:EE:00/11:22:33:44:55:66/info").read_text()
    assert LINK_KEY not in info and "Name=Galaxy A54" in info
    assert files["etc/localtime"]["link_target"] == "/usr/share/zoneinfo/Asia/Ho_Chi_Minh"
    assert files["etc/os-release"]["link_target"] == "../usr/lib/os-release"
    assert (out / "etc/localtime").read_bytes().startswith(b"TZif")
    assert not (out / "etc/localtime").is_symlink()

    skipped = {s["source"]: s["reason"] for s in manifest["skipped"]}
    planted = str(root / "home/evil/.mozilla/firefox/x.default/places.sqlite")
    assert "liên kết" in skipped[planted]
    bundle_bytes = b"".join(p.read_bytes() for p in out.rglob("*") if p.is_file())
    assert b"secret-hash" not in bundle_bytes and b"secret draft" not in bundle_bytes

    assert verify_bundle(out) == []
    art = ArtefactRoot(out)
    assert art.is_bundle() and art.find("ETC/HOSTNAME") == "etc/hostname"
    log = (out / LOG_REL).read_text(encoding="utf-8")
    assert "Bỏ qua" in log and "Đã ghi etc/hostname" in log


def test_fake_root_journal_is_exported_from_its_own_directory(tmp_path):
    root = tmp_path / "disk"
    (root / "var/log/journal").mkdir(parents=True)
    _write(root / "etc/hostname", "x\n")
    plan = build_plan(tmp_path / "out", root=root, live=False)
    [journal] = plan.commands()
    assert journal.argv[1:] == (
        "-o",
        "json",
        "--no-pager",
        "-q",
        "--directory",
        str(root / "var/log/journal"),
    )
    assert journal.rel == "bmnn/journal.jsonl" and journal.line_boundary
    assert Path(journal.argv[0]).name == "journalctl" and os.path.isabs(journal.argv[0])


def test_limits_skip_big_files_and_say_so(tmp_path):
    root = tmp_path / "disk"
    _write(root / "etc/hostname", "x\n")
    _write(root / "var/log/dpkg.log", "install x\n" * 1000)
    manifest = collect(
        tmp_path / "out", root=root, live=False, limits=CollectLimits(max_file_bytes=1000)
    )
    assert {e["path"] for e in manifest["files"]} == {"etc/hostname", LOG_REL}
    [skip] = manifest["skipped"]
    assert skip["source"] == str(root / "var/log/dpkg.log") and "giới hạn" in skip["reason"]


def test_command_output_is_bounded_at_a_line_and_the_command_stopped(tmp_path):
    script = "import sys\nfor i in range(10**7):\n    sys.stdout.write('{\"n\": %d}\\n' % i)\n"
    w = BundleWriter(tmp_path / "out")
    plan = Plan(
        "linux",
        "/",
        True,
        [
            CommandStep(
                (sys.executable, "-c", script),
                "bmnn/journal.jsonl",
                "journalctl export",
                max_bytes=5000,
                line_boundary=True,
            ),
        ],
    )
    _Collector(w, plan, CollectLimits()).run()
    manifest = w.finish(platform="linux")
    [entry] = [e for e in manifest["files"] if e["path"] == "bmnn/journal.jsonl"]
    kept = (tmp_path / "out/bmnn/journal.jsonl").read_bytes()
    assert entry["truncated"] is True and len(kept) <= 5000 and kept.endswith(b"\n")
    assert [json.loads(x)["n"] for x in kept.splitlines()] == list(range(len(kept.splitlines())))
    [cmd] = manifest["commands"]
    assert cmd["truncated"] is True and cmd["rc"] != 0  # killed, not left running
    assert verify_bundle(tmp_path / "out") == []


def test_a_hanging_command_is_stopped_at_its_timeout(tmp_path):
    w = BundleWriter(tmp_path / "out")
    plan = Plan(
        "linux",
        "/",
        True,
        [
            CommandStep(
                (sys.executable, "-c", "import time; time.sleep(600)"),
                "bmnn/live/x.json",
                "test",
                timeout_s=0.5,
            ),
            CommandStep((str(tmp_path / "no-such-tool"),), "bmnn/live/y.json", "absent"),
        ],
    )
    _Collector(w, plan, CollectLimits()).run()
    manifest = w.finish(platform="linux")
    hung, absent = manifest["commands"]
    assert hung["timed_out"] is True and hung["rc"] != 0
    assert absent["rc"] is None and absent["error"]
    assert manifest["errors"] >= 2
    log = (tmp_path / "out" / LOG_REL).read_text(encoding="utf-8")
    assert "quá 0.5 giây" in log and "không chạy được" in log


def test_redaction_of_keyfiles():
    text = (
        "[wifi-security]\npsk=abc\n[802-1x]\npassword = p1\nprivate-key-password=p2\n"
        "identity=nam\n[vpn-secrets]\ncert-pass=p3\n[gsm]\npin=1234\napn=v-internet\n"
        "[LongTermKey]\nKey=FFEE\nAuthenticated=1\n"
        "network:\n  wifis:\n    wlp2s0:\n      access-points:\n        Cafe:\n"
        '          password: "p4"\n'
        "iface wlan0 inet dhcp\n    wpa-psk p5\n"
    )
    clean, count = redact_keyfile(text)
    for secret in ("abc", "p1", "p2", "p3", "1234", "FFEE", '"p4"', "p5"):
        assert f"={secret}\n" not in clean and f" {secret}\n" not in clean, secret
    assert count == 8
    assert "identity=nam" in clean and "apn=v-internet" in clean and "Authenticated=1" in clean
    assert redact_keyfile(clean) == (clean, 0)  # idempotent


def test_network_state_from_ip_json():
    addr = [
        {
            "ifname": "lo",
            "flags": ["LOOPBACK", "UP", "LOWER_UP"],
            "link_type": "loopback",
            "address": "00:00:00:00:00:00",
            "addr_info": [{"family": "inet", "local": "127.0.0.1", "prefixlen": 8}],
        },
        {
            "ifname": "wlp2s0",
            "flags": ["BROADCAST", "UP", "LOWER_UP"],
            "link_type": "ether",
            "address": "AA:BB:CC:00:11:22",
            "addr_info": [{"family": "inet", "local": "192.168.1.23", "prefixlen": 24}],
        },
        {
            "ifname": "enp3s0",
            "flags": ["BROADCAST", "UP"],
            "link_type": "ether",
            "address": "aa:bb:cc:00:11:33",
            "addr_info": [],
        },
    ]
    routes = [
        {"dst": "default", "gateway": "192.168.1.1", "dev": "wlp2s0"},
        {"dst": "192.168.1.0/24", "dev": "wlp2s0"},
    ]
    neigh = [
        {"dst": "192.168.1.1", "dev": "wlp2s0", "lladdr": "F4:F2:6D:00:00:01"},
        {"dst": "192.168.1.9", "dev": "wlp2s0", "lladdr": "00:11:22:33:44:55"},
    ]
    state = network_from_linux(
        addr,
        routes,
        neigh,
        ["10.1.2.1", "10.1.2.1"],
        {"lo": "loopback", "wlp2s0": "wifi", "enp3s0": "ethernet"},
    )
    wifi = state["interfaces"][1]
    assert wifi == {
        "name": "wlp2s0",
        "up": True,
        "kind": "wifi",
        "mac": "aa:bb:cc:00:11:22",
        "addresses": ["192.168.1.23/24"],
        "operstate": None,
    }
    assert state["interfaces"][2]["up"] is False  # no carrier
    assert state["routes"][0] == {"dst": "default", "gateway": "192.168.1.1", "dev": "wlp2s0"}
    assert state["routes"][1]["gateway"] is None
    assert state["gateway_macs"] == {"192.168.1.1": "f4:f2:6d:00:00:01"}
    assert state["dns"] == ["10.1.2.1"]
    assert parse_resolv_conf("nameserver 1.1.1.1 # x\n#nameserver 8.8.8.8\nsearch lan\n") == [
        "1.1.1.1"
    ]


# -- this machine ---------------------------------------------------------------------------


def _sources_of(plan) -> dict[str, tuple[int, int]]:
    out = {}
    for step in plan.copies().values():
        st = os.stat(step.source) if step.follow else os.lstat(step.source)
        out[step.source] = (st.st_size, st.st_mtime_ns)
    return out


def test_real_collection_of_this_machine(tmp_path):
    out = tmp_path / "bundle"
    before = _sources_of(build_plan(out, root="/"))

    manifest = collect(out)

    after = _sources_of(build_plan(tmp_path / "again", root="/"))
    assert {k: after[k] for k in before if k in after} == before  # no source changed
    assert manifest["platform"] == "linux" and manifest["live"] is True and manifest["root"] == "/"
    assert verify_bundle(out) == []
    files = {e["path"]: e for e in manifest["files"]}
    for rel, entry in files.items():
        assert entry["sha256"] == _sha(out / rel) and entry["size"] == (out / rel).stat().st_size
        if entry["method"] == "copy" and not entry.get("changed_during_copy"):
            source = Path(entry["source"]).resolve()
            assert entry["source_size"] == source.stat().st_size
    assert "etc/hostname" in files or any(
        s["source"] == "/etc/hostname" for s in manifest["skipped"]
    )

    # The live network state, in the shared format.
    network = json.loads((out / NETWORK_REL).read_text(encoding="utf-8"))
    assert set(network) == {"collected_at", "interfaces", "routes", "gateway_macs", "dns"}
    assert network["collected_at"].endswith("Z")
    names = {i["name"] for i in network["interfaces"]}
    assert names == set(os.listdir("/sys/class/net"))
    lo = next(i for i in network["interfaces"] if i["name"] == "lo")
    assert lo["kind"] == "loopback" and "127.0.0.1/8" in lo["addresses"]
    for i in network["interfaces"]:
        assert i["kind"] in ("ethernet", "wifi", "wwan", "loopback", "virtual", "other")
    for route in network["routes"]:
        assert set(route) == {"dst", "gateway", "dev"}
    # Every command is listed, with its exit status.
    argv0 = {Path(c["argv"][0]).name for c in manifest["commands"]}
    assert {"ip", "journalctl"} <= argv0
    assert all(c["rc"] == 0 for c in manifest["commands"]), manifest["commands"]
    assert read_manifest(out)["files"] == manifest["files"]
    assert (out / MANIFEST_REL).is_file()


def test_collection_opens_no_socket(tmp_path, monkeypatch):
    """Nothing in collect (or in the analysis of its bundle, see test_cli) may connect
    anywhere: every way Python reaches the network raises here."""
    calls = []

    def refuse(*args, **kwargs):
        calls.append(args)
        raise AssertionError(f"network use during collection: {args}")

    for name in ("connect", "connect_ex", "sendto", "sendmsg"):
        monkeypatch.setattr(socket.socket, name, refuse)
    for name in ("create_connection", "getaddrinfo", "gethostbyname", "gethostbyaddr"):
        monkeypatch.setattr(socket, name, refuse)

    manifest = collect(tmp_path / "bundle")
    assert calls == []
    assert manifest["errors"] == 0, (tmp_path / "bundle" / LOG_REL).read_text()


def test_unreadable_or_odd_files_are_skipped_not_fatal(tmp_path):
    """A FIFO where a log should be (opening it must not block), a dangling link, a link that
    leaves the disk: each is a log line, and the rest is still collected."""
    root = tmp_path / "disk"
    _write(root / "etc/hostname", "x\n")
    (root / "var/log").mkdir(parents=True)
    os.mkfifo(root / "var/log/dpkg.log")
    (root / "etc/machine-id").symlink_to("/nonexistent/machine-id")
    (root / "etc/timezone").symlink_to("../../../../../../../../etc/hostname")
    manifest = collect(tmp_path / "out", root=root, live=False)
    assert {e["path"] for e in manifest["files"]} == {"etc/hostname", LOG_REL}
    reasons = {s["source"]: s["reason"] for s in manifest["skipped"]}
    assert reasons[str(root / "var/log/dpkg.log")] == "không phải tệp thường"
    assert reasons[str(root / "etc/machine-id")] == "tệp không còn"
    assert "ngoài thư mục gốc" in reasons[str(root / "etc/timezone")]
    assert verify_bundle(tmp_path / "out") == []


def test_a_folder_that_cannot_be_listed_is_said(tmp_path, monkeypatch):
    """Run as an ordinary user, /var/lib/bluetooth cannot be listed: the bundle must say so.
    (This machine runs the tests as root, so the refusal is simulated for that one folder.)"""
    root = tmp_path / "disk"
    _write(root / "etc/hostname", "x\n")
    _write(root / "var/lib/bluetooth/AA:BB:CC:DD:EE:00/11:22:33:44:55:66/info", "[General]\n")
    denied = root / "var/lib/bluetooth"
    real_scandir = os.scandir

    def scandir(path):
        if Path(path) == denied:
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    manifest = collect(tmp_path / "out", root=root, live=False)
    reasons = [s for s in manifest["skipped"] if s["source"] == str(denied)]
    assert reasons == [
        {"source": str(denied), "reason": "không đọc được thư mục (Permission denied)"}
    ]
    assert {e["path"] for e in manifest["files"]} == {"etc/hostname", LOG_REL}


def test_a_read_error_mid_copy_leaves_no_partial_file(tmp_path):
    """/proc/self/mem opens as a regular file and fails on the first read (EIO): the step is
    logged as an error and its half-written copy removed, so the bundle still verifies."""
    w = BundleWriter(tmp_path / "out")
    plan = Plan("linux", "/", True, [CopyStep("/proc/self/mem", "proc/mem")])
    _Collector(w, plan, CollectLimits()).run()
    manifest = w.finish(platform="linux")
    assert not (tmp_path / "out/proc/mem").exists()
    [skip] = manifest["skipped"]
    assert skip["source"] == "/proc/self/mem" and skip["reason"].startswith("lỗi:")
    assert manifest["errors"] == 1
    assert verify_bundle(tmp_path / "out") == []
