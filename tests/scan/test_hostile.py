"""Hostile files end to end, through the real command (`bmnn scan --format jsonl` in a
subprocess): zip bombs (a member past the ratio, one lying about its size, many small members
past the unpacked total, overlapping members), a nesting deeper than the limit, a truncated
PDF, a DOCX with broken XML or external entities, a 2 GB sparse file, files that are not what
their extension says, an encrypted zip member, a PDF with JavaScript and a launch action, and
HTML pointing at remote images, scripts and frames.

Each must be `error` with a reason, or get its correct verdict; the exit code is 2 if any file
is `error`, else 1 if any is `secret`, else 0; a container carries its members' highest
verdict. Containment is checked from outside the scanner: every Python process of the scan
runs under a guard (a sitecustomize on PYTHONPATH, which the forkserver and so every worker
inherit) that logs and refuses any socket that is not a Unix one, and the remote URLs point at
a loopback listener of the test, which would see a fetch made from C code as a connection.
"""

from __future__ import annotations

import io
import json
import os
import random
import re
import socket
import struct
import subprocess
import sys
import zipfile
import zlib
from pathlib import Path

import pytest

from bmnn.scan.limits import MB, Limits
from tests.scan.mail_fixtures import (
    docx_text,
    make_docx,
    make_zip,
    patch_member,
    zip_of_zeros,
)
from tests.scan.office_fixtures import NSDECL, para, run, zip_bytes
from tests.scan.pdf_fixtures import text_pdf, truncated_pdf

BMNN = Path(sys.executable).with_name("bmnn")
KEYS = ["path", "verdict", "level", "score", "findings", "error", "seconds"]
SECRET_DOCX = ("ỦY BAN NHÂN DÂN TỈNH X", "TỐI MẬT", "Số: 15/BC-UBND", "Báo cáo tình hình")
SECRET_TEXT = "TUYỆT MẬT\nSố: 12/QĐ-UBND\nVề việc triển khai kế hoạch\n".encode()
CLEAN_TEXT = "Thông báo lịch họp giao ban tuần.\nĐề nghị các phòng chuẩn bị báo cáo.\n".encode()

# Loaded by every Python process of the scan (the command, its forkserver and, forked from
# that, every worker): logs each process it guards, and logs and refuses any socket use that
# is not a Unix socket (multiprocessing talks over Unix sockets).
NET_GUARD = """
import os
import socket

_LOG = os.environ.get("BMNN_TEST_NET_LOG")


def _log(line):
    with open(_LOG, "a", encoding="utf-8") as f:
        f.write(f"{os.getpid()} {line}\\n")


def _guard(name):
    original = getattr(socket.socket, name)

    def guarded(self, *args, **kwargs):
        if self.family != socket.AF_UNIX:
            _log(f"blocked {name} {args!r}")
            raise OSError("mạng bị chặn trong phép thử")
        return original(self, *args, **kwargs)

    setattr(socket.socket, name, guarded)


def _getaddrinfo(host, *args, **kwargs):
    _log(f"blocked getaddrinfo {host!r}")
    raise socket.gaierror("mạng bị chặn trong phép thử")


if _LOG:
    for _name in ("connect", "connect_ex", "sendto", "sendmsg", "bind"):
        _guard(_name)
    socket.getaddrinfo = _getaddrinfo
    _log("guarded")
"""


# ------------------------------------------------------------------------------ the command


class Scan:
    """One run of `bmnn scan --format jsonl` over some paths, under the network guard."""

    def __init__(self, paths: list[Path], guard_dir: Path, *options: str) -> None:
        log = guard_dir / f"net-{len(list(guard_dir.glob('net-*')))}.log"
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(guard_dir), env.get("PYTHONPATH")]))
        env["BMNN_TEST_NET_LOG"] = str(log)
        proc = subprocess.run(
            [str(BMNN), "scan", "--format", "jsonl", *options, *map(str, paths)],
            capture_output=True,
            env=env,
            timeout=600,  # a safety net for a hung run, not a measure of speed
            check=False,
        )
        self.rc = proc.returncode
        self.stderr = proc.stderr.decode("utf-8", "replace")
        self.lines = [json.loads(x) for x in proc.stdout.decode("utf-8").splitlines() if x]
        self.by_path = {line["path"]: line for line in self.lines}
        self.net_log = log.read_text(encoding="utf-8").splitlines() if log.exists() else []

    def line(self, path: Path | str) -> dict:
        return self.by_path[str(path)]


@pytest.fixture(scope="module")
def guard_dir(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("guard")
    (folder / "sitecustomize.py").write_text(NET_GUARD, encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def listener():
    """A loopback port the remote URLs point at: a fetch would show as a pending connection."""
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    server.setblocking(False)
    yield server
    server.close()


def connections(server: socket.socket) -> int:
    count = 0
    while True:
        try:
            conn, _ = server.accept()
        except BlockingIOError:
            return count
        conn.close()
        count += 1


# --------------------------------------------------------------------------- hostile builders


def _zip_entry(name: bytes, flags: int, method: int, crc: int, csize: int, usize: int):
    """Local header and central record fields for one member (no extra fields)."""
    local = struct.pack(
        "<4sHHHHHIIIHH", b"PK\x03\x04", 20, flags, method, 0, 0x21, crc, csize, usize, len(name), 0
    )
    return local, (flags, method, crc, csize, usize)


def build_zip(members: list[tuple[str, bytes, bytes | None]]) -> bytes:
    """A stored zip written by hand, each member (name, data, password or None); members with
    a password are encrypted with the traditional PKWARE cipher (ZipCrypto), which zipfile can
    read but not write."""
    out = bytearray()
    central = bytearray()
    for name, data, password in members:
        raw_name = name.encode("utf-8")
        crc = zlib.crc32(data)
        payload = data if password is None else zipcrypto(data, password, crc)
        flags = 0x800 | (0x1 if password is not None else 0)
        local, fields = _zip_entry(raw_name, flags, 0, crc, len(payload), len(data))
        offset = len(out)
        out += local + raw_name + payload
        central += struct.pack(
            "<4sHHHHHHIIIHHHHHII",
            b"PK\x01\x02",
            20,
            20,
            fields[0],
            fields[1],
            0,
            0x21,
            fields[2],
            fields[3],
            fields[4],
            len(raw_name),
            0,
            0,
            0,
            0,
            0,
            offset,
        )
        central += raw_name
    end = struct.pack(
        "<4sHHHHIIH", b"PK\x05\x06", 0, 0, len(members), len(members), len(central), len(out), 0
    )
    return bytes(out + central + end)


def _crc_step(value: int, byte: int) -> int:
    # One step of the CRC-32 table update that ZipCrypto's keys use (zlib pre/post-inverts).
    return zlib.crc32(bytes([byte]), value ^ 0xFFFFFFFF) ^ 0xFFFFFFFF


def zipcrypto(plain: bytes, password: bytes, crc: int) -> bytes:
    keys = [0x12345678, 0x23456789, 0x34567890]

    def update(byte: int) -> None:
        keys[0] = _crc_step(keys[0], byte)
        keys[1] = ((keys[1] + (keys[0] & 0xFF)) * 134775813 + 1) & 0xFFFFFFFF
        keys[2] = _crc_step(keys[2], keys[1] >> 24)

    for byte in password:
        update(byte)
    header = bytes(random.Random(5).randrange(256) for _ in range(11)) + bytes([crc >> 24])
    out = bytearray()
    for byte in header + plain:
        t = (keys[2] | 2) & 0xFFFF
        out.append(byte ^ (((t * (t ^ 1)) >> 8) & 0xFF))
        update(byte)
    return bytes(out)


def overlapping_zip(copies: int) -> bytes:
    """The overlapping-files zip bomb: one compressed kernel, and `copies` central records all
    pointing at it under different names, so a small zip has many large members."""
    kernel = make_zip({"k000.txt": b"a" * MB})
    end = kernel.rfind(b"PK\x05\x06")
    cd_size, cd_offset = struct.unpack("<II", kernel[end + 12 : end + 20])
    record = kernel[cd_offset : cd_offset + cd_size]
    records = b"".join(record.replace(b"k000.txt", f"k{i:03d}.txt".encode()) for i in range(copies))
    tail = struct.pack(
        "<4sHHHHIIH", b"PK\x05\x06", 0, 0, copies, copies, len(records), cd_offset, 0
    )
    return kernel[:cd_offset] + records + tail


def nested_zip(depth: int, inner: bytes, inner_name: str) -> bytes:
    data, name = inner, inner_name
    for level in range(depth):
        data, name = make_zip({name: data}), f"cap{level + 1}.zip"
    return data


def broken_docx() -> bytes:
    """A real DOCX whose document.xml is cut in the middle of the text."""
    with zipfile.ZipFile(io.BytesIO(make_docx(*SECRET_DOCX))) as z:
        files = {name: z.read(name) for name in z.namelist()}
    xml = files["word/document.xml"]
    files["word/document.xml"] = xml[: xml.find("TỐI MẬT".encode()) + 4]
    return zip_bytes(files)


def entity_docx(secret_file: Path, port: int) -> bytes:
    """A DOCX whose body is two external entities: a local file holding a mark, and a URL."""
    with zipfile.ZipFile(io.BytesIO(make_docx("Thông báo họp"))) as z:
        files = {name: z.read(name) for name in z.namelist()}
    files["word/document.xml"] = (
        '<?xml version="1.0"?><!DOCTYPE w:document ['
        f'<!ENTITY tep SYSTEM "file://{secret_file}">'
        f'<!ENTITY mang SYSTEM "http://127.0.0.1:{port}/xxe">]>'
        f"<w:document {NSDECL}><w:body>{para(run('&tep;'))}{para(run('&mang;'))}"
        f"{para(run('Thông báo họp'))}</w:body></w:document>"
    ).encode()
    return zip_bytes(files)


def pdf_with_actions(launch_target: Path, port: int) -> bytes:
    """A real text PDF with a TUYỆT MẬT mark, updated incrementally (as editors do) so that
    opening it runs JavaScript that fetches a URL and then launches a program."""
    base = text_pdf("TUYỆT MẬT")
    root = int(re.search(rb"/Root (\d+) 0 R", base).group(1))
    size = int(re.search(rb"/Size (\d+)", base).group(1))
    prev = int(base[base.rindex(b"startxref") + 9 :].split()[0])
    catalog = re.search(rb"%d 0 obj\s*<<(.*?)>>\s*endobj" % root, base, re.S).group(1)
    catalog = re.sub(rb"/OpenAction\s*\[[^\]]*\]", b"", catalog)
    js, launch, names = size, size + 1, size + 2
    script = f"app.launchURL('http://127.0.0.1:{port}/js', true);".encode()
    objects = {
        root: b"<<%s /OpenAction %d 0 R /AA << /WC %d 0 R >> /Names << /JavaScript %d 0 R >> >>"
        % (catalog, js, launch, names),
        js: b"<< /Type /Action /S /JavaScript /JS (%s) /Next %d 0 R >>" % (script, launch),
        launch: b"<< /Type /Action /S /Launch /F << /Type /Filespec /F (%s) >> "
        b"/Win << /F (cmd.exe) /P (/c %s) >> /NewWindow true >>"
        % (str(launch_target).encode(), str(launch_target).encode()),
        names: b"<< /Names [(mo) %d 0 R] >>" % js,
    }
    out = bytearray(base)
    offsets = {}
    for number, body in objects.items():
        offsets[number] = len(out)
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref_at = len(out)
    out += b"xref\n0 1\n0000000000 65535 f \n%d 1\n%010d 00000 n \n" % (root, offsets[root])
    out += b"%d 3\n" % js + b"".join(b"%010d 00000 n \n" % offsets[n] for n in (js, launch, names))
    out += b"trailer\n<< /Size %d /Root %d 0 R /Prev %d >>\nstartxref\n%d\n%%%%EOF\n" % (
        size + 3,
        root,
        prev,
        xref_at,
    )
    return bytes(out)


def broken_boundary_eml() -> bytes:
    """A mail whose first part does not start with the boundary it declares: the email package
    then keeps that part, 8-bit UTF-8 text with the mark, as an undecoded preamble."""
    return (
        "From: van.thu@so.gov.vn\r\nTo: lanh.dao@so.gov.vn\r\nSubject: Gui bao cao\r\n"
        'MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="ngoai"\r\n\r\n'
        "--ngoai-hong\r\nContent-Type: text/plain; charset=utf-8\r\n"
        "Content-Transfer-Encoding: 8bit\r\n\r\nKính gửi anh chị,\r\nTUYỆT MẬT\r\n"
        "Số: 12/QĐ-UBND\r\n--ngoai\r\nContent-Type: text/plain; charset=utf-8\r\n"
        "Content-Transfer-Encoding: 8bit\r\n\r\nPhụ lục kèm theo.\r\n--ngoai--\r\n"
    ).encode()


def remote_html(port: int) -> bytes:
    url = f"http://127.0.0.1:{port}"
    return f"""<!DOCTYPE html><html><head><meta charset="utf-8">
<title>Thông báo lịch họp</title>
<link rel="stylesheet" href="{url}/kieu.css">
<script src="{url}/ma.js"></script>
<script>fetch("{url}/chay"); document.write("TUYỆT MẬT");</script>
<meta http-equiv="refresh" content="0; url={url}/chuyen">
</head><body>
<p>Thông báo lịch họp giao ban tuần.</p>
<img src="{url}/anh.png" srcset="{url}/anh2.png 2x">
<iframe src="{url}/khung.html"></iframe>
<object data="{url}/doi-tuong.pdf"></object>
<p style="background:url({url}/nen.png)">Đề nghị các phòng chuẩn bị báo cáo.</p>
</body></html>""".encode()


# ------------------------------------------------------------------------------- the corpus


@pytest.fixture(scope="module")
def corpus(tmp_path_factory, listener) -> dict[str, Path]:
    port = listener.getsockname()[1]
    folder = tmp_path_factory.mktemp("hostile")
    outside = tmp_path_factory.mktemp("outside")
    secret_file = outside / "bi-mat.txt"
    secret_file.write_bytes(SECRET_TEXT)
    marker = outside / "da-chay"
    launch_target = outside / "chay.sh"
    launch_target.write_text(f"#!/bin/sh\ntouch {marker}\n", encoding="utf-8")
    launch_target.chmod(0o755)

    zeros = zip_of_zeros(200 * MB)
    many = io.BytesIO()
    with zipfile.ZipFile(many, "w", zipfile.ZIP_DEFLATED) as z:
        for i in range(Limits().max_unpacked_bytes // MB + 8):  # each 1 MB, under the ratio floor
            z.writestr(f"phan-{i:03d}.txt", bytes(MB))
    files = {
        "bom-ti-le.zip": zeros,
        "bom-khai-sai.zip": patch_member(zeros, "zeros.bin", file_size=1000),
        "bom-nhieu-tep.zip": many.getvalue(),
        "bom-chong-lan.zip": overlapping_zip(20),
        "long-sau.zip": nested_zip(Limits().max_depth + 2, SECRET_TEXT, "mat.txt"),
        "long-vua.zip": nested_zip(
            2,
            make_zip({"bao_cao.docx": make_docx(*SECRET_DOCX), "ghi_chu.txt": CLEAN_TEXT}),
            "ho_so.zip",
        ),
        "cat-cut.pdf": truncated_pdf(),
        "xml-hong.docx": broken_docx(),
        "thuc-the-ngoai.docx": entity_docx(secret_file, port),
        "pdf-that.docx": text_pdf("TUYỆT MẬT"),
        "nen-that.txt": make_zip({"a/mat.txt": SECRET_TEXT}),
        "ngau-nhien.pdf": random.Random(7).randbytes(20_000),
        "ma-hoa.zip": build_zip(
            [
                ("mo.txt", CLEAN_TEXT, None),
                ("mat.txt", SECRET_TEXT, None),
                ("bi-mat.docx", make_docx(*SECRET_DOCX), b"khoa-bi-mat"),
            ]
        ),
        "hanh-dong.pdf": pdf_with_actions(launch_target, port),
        "tu-xa.html": remote_html(port),
        "thu-hong-ranh-gioi.eml": broken_boundary_eml(),
    }
    paths = {}
    for name, data in files.items():
        paths[name] = folder / name
        paths[name].write_bytes(data)
    paths["thua-2gb.pdf"] = folder / "thua-2gb.pdf"
    with open(paths["thua-2gb.pdf"], "wb") as f:
        f.write(b"%PDF-1.7\n")
        f.truncate(2 * 1024**3)  # sparse: 2 GB long, a few bytes on disk
    paths["folder"], paths["marker"], paths["secret_file"] = folder, marker, secret_file
    return paths


@pytest.fixture(scope="module")
def scan(corpus, guard_dir, listener) -> Scan:
    """One run of the command over the whole hostile folder."""
    result = Scan([corpus["folder"]], guard_dir)
    result.connections = connections(listener)
    return result


# ---------------------------------------------------------------------------------- checks


def assert_error(line: dict, *words: str) -> None:
    assert line["verdict"] == "error", line
    assert line["error"], line
    for word in words:
        assert word in line["error"], (word, line["error"])


def test_every_line_has_the_issue_keys_and_a_reason_when_error(scan, corpus):
    assert scan.lines, scan.stderr
    tops = {line["path"] for line in scan.lines if "!" not in line["path"]}
    expected = {str(p) for n, p in corpus.items() if n not in ("folder", "marker", "secret_file")}
    assert tops == expected
    for line in scan.lines:
        assert list(line) == KEYS
        assert line["verdict"] in ("secret", "clean", "error")
        assert (line["error"] is not None) == (line["verdict"] == "error"), line
        assert line["level"] is not None or line["verdict"] != "secret", line


def test_exit_code_is_2_when_any_file_is_error(scan):
    assert scan.rc == 2, scan.stderr


def test_zip_bomb_member_past_the_ratio(scan, corpus):
    line = scan.line(corpus["bom-ti-le.zip"])
    assert_error(line, "bom nén")
    assert not any(p.startswith(f"{corpus['bom-ti-le.zip']}!") for p in scan.by_path)


def test_zip_bomb_lying_about_its_size_stops_at_the_declared_size(scan, corpus):
    assert_error(scan.line(corpus["bom-khai-sai.zip"]), "khai sai", "bom nén")


def test_zip_of_many_small_members_past_the_unpacked_total(scan, corpus):
    assert_error(scan.line(corpus["bom-nhieu-tep.zip"]), "vượt giới hạn", "bom nén")


def test_overlapping_members_zip_bomb(scan, corpus):
    with zipfile.ZipFile(corpus["bom-chong-lan.zip"]) as z:  # 20 names, one kernel
        assert {info.header_offset for info in z.infolist()} == {0}
        assert len(z.infolist()) == 20 and z.read("k000.txt") == b"a" * MB
    # 20 × 1 MB declared is within every size limit: only the overlap gives it away
    assert_error(scan.line(corpus["bom-chong-lan.zip"]), "chồng lên nhau", "bom nén")


def test_nesting_deeper_than_the_limit_is_error_at_every_level(scan, corpus):
    root = str(corpus["long-sau.zip"])
    chain = sorted((p for p in scan.by_path if p == root or p.startswith(root + "!")), key=len)
    assert len(chain) == Limits().max_depth + 2  # the top and each level down to the refused one
    deepest = scan.by_path[chain[-1]]
    assert_error(deepest, "lồng nhau quá sâu")
    for path in chain[:-1]:
        line = scan.by_path[path]
        assert_error(line, chain[-1], "lồng nhau quá sâu")
        # one reason naming the bottom, not one copy per level
        assert line["error"].count("lồng nhau quá sâu") == 1
        assert len(line["error"]) < len(chain[-1]) + 200


def test_nested_archive_within_the_limit_carries_its_members_highest_verdict(scan, corpus):
    root = str(corpus["long-vua.zip"])
    docx = scan.line(f"{root}!cap1.zip!ho_so.zip!bao_cao.docx")
    note = scan.line(f"{root}!cap1.zip!ho_so.zip!ghi_chu.txt")
    assert (docx["verdict"], docx["level"]) == ("secret", "toi_mat")
    assert note["verdict"] == "clean"
    for path in (root, f"{root}!cap1.zip", f"{root}!cap1.zip!ho_so.zip"):
        assert (scan.line(path)["verdict"], scan.line(path)["level"]) == ("secret", "toi_mat")


def test_truncated_pdf(scan, corpus):
    assert_error(scan.line(corpus["cat-cut.pdf"]), "cắt cụt")


def test_docx_with_broken_xml_is_error_even_though_a_mark_was_read_before_the_break(scan, corpus):
    assert_error(scan.line(corpus["xml-hong.docx"]), "XML")


def test_docx_with_external_entities_resolves_none_of_them(scan, corpus):
    line = scan.line(corpus["thuc-the-ngoai.docx"])
    assert_error(line, "DOCTYPE")
    assert all(f["rule"] != "mark.level" for f in line["findings"])  # the file was not read


def test_2gb_sparse_file_is_refused_by_its_size(scan, corpus):
    line = scan.line(corpus["thua-2gb.pdf"])
    assert_error(line, "quá lớn", "2,048.0 MB")
    assert line["findings"] == []


def test_pdf_named_docx_is_read_as_a_pdf(scan, corpus):
    line = scan.line(corpus["pdf-that.docx"])
    assert (line["verdict"], line["level"]) == ("secret", "tuyet_mat")
    rules = [f["rule"] for f in line["findings"]]
    assert "file.type_mismatch" in rules and "mark.level" in rules


def test_zip_named_txt_is_read_as_a_zip(scan, corpus):
    top = scan.line(corpus["nen-that.txt"])
    member = scan.line(f"{corpus['nen-that.txt']}!a/mat.txt")
    assert (member["verdict"], member["level"]) == ("secret", "tuyet_mat")
    assert (top["verdict"], top["level"]) == ("secret", "tuyet_mat")
    assert [f["rule"] for f in top["findings"]] == ["file.type_mismatch"]


def test_random_bytes_named_pdf(scan, corpus):
    assert_error(scan.line(corpus["ngau-nhien.pdf"]), "không thể khẳng định")


def test_encrypted_member_makes_the_archive_error_before_any_member_is_read(scan, corpus):
    data = corpus["ma-hoa.zip"].read_bytes()
    with zipfile.ZipFile(io.BytesIO(data)) as z:  # the fixture is a real encrypted member
        assert docx_text(z.read("bi-mat.docx", pwd=b"khoa-bi-mat")) == list(SECRET_DOCX)
        with pytest.raises(RuntimeError):
            z.read("bi-mat.docx")
    line = scan.line(corpus["ma-hoa.zip"])
    assert_error(line, "bi-mat.docx", "mã hóa")
    # refused whole: what cannot be read would make the archive `error` in any case, and the
    # members' records are all checked before any member is decompressed
    assert not any(p.startswith(f"{corpus['ma-hoa.zip']}!") for p in scan.by_path)


def test_pdf_with_javascript_and_a_launch_action_is_read_and_nothing_runs(scan, corpus):
    import pypdfium2 as pdfium
    import pypdfium2.raw as pdfium_c

    pdf = pdfium.PdfDocument(corpus["hanh-dong.pdf"].read_bytes())
    try:  # the fixture is what it claims: a valid PDF whose catalog names a script
        assert pdfium_c.FPDFDoc_GetJavaScriptActionCount(pdf.raw) == 1
    finally:
        pdf.close()
    line = scan.line(corpus["hanh-dong.pdf"])
    assert (line["verdict"], line["level"]) == ("secret", "tuyet_mat")
    assert not corpus["marker"].exists()


def test_html_with_remote_resources_is_read_and_nothing_fetched(scan, corpus):
    line = scan.line(corpus["tu-xa.html"])
    # the script's document.write("TUYỆT MẬT") is not run, so the page is what its text says
    assert line["verdict"] == "clean", line


def test_mail_with_a_broken_boundary_is_still_read_as_text(scan, corpus):
    # the 8-bit text the email package leaves undecoded is decoded, so its mark is found
    line = scan.line(corpus["thu-hong-ranh-gioi.eml"])
    assert (line["verdict"], line["level"]) == ("secret", "tuyet_mat"), line


def test_no_process_of_the_scan_touched_the_network(scan):
    guarded = {entry.split()[0] for entry in scan.net_log if entry.endswith(" guarded")}
    assert len(guarded) >= 2  # the command and its forkserver (workers are forked from it)
    assert [entry for entry in scan.net_log if " blocked " in entry] == []
    assert scan.connections == 0


def test_the_network_guard_does_block_and_log(guard_dir, listener):
    log = guard_dir / "self-check.log"
    env = dict(os.environ, PYTHONPATH=str(guard_dir), BMNN_TEST_NET_LOG=str(log))
    port = listener.getsockname()[1]
    tries = (
        f"socket.socket().connect(('127.0.0.1', {port}))",
        "socket.getaddrinfo('example.org', 80)",
    )
    for code in tries:
        proc = subprocess.run(
            [sys.executable, "-c", f"import socket; {code}"],
            capture_output=True,
            env=env,
            timeout=60,
            check=False,
        )
        assert proc.returncode != 0 and "mạng bị chặn".encode() in proc.stderr
    entries = log.read_text(encoding="utf-8").splitlines()
    assert any(" blocked connect " in entry for entry in entries)
    assert any(" blocked getaddrinfo 'example.org'" in entry for entry in entries)
    assert connections(listener) == 0


def test_exit_code_is_1_for_hostile_files_that_are_secrets(corpus, guard_dir, listener):
    names = (
        "pdf-that.docx",
        "nen-that.txt",
        "hanh-dong.pdf",
        "long-vua.zip",
        "thu-hong-ranh-gioi.eml",
    )
    result = Scan([corpus[n] for n in names], guard_dir)
    assert result.rc == 1, result.lines
    assert {line["verdict"] for line in result.lines} == {"secret", "clean"}
    assert connections(listener) == 0 and not corpus["marker"].exists()


def test_exit_code_is_0_for_a_clean_page_with_remote_resources(corpus, guard_dir, listener):
    result = Scan([corpus["tu-xa.html"]], guard_dir)
    assert result.rc == 0, result.lines
    assert [line["verdict"] for line in result.lines] == ["clean"]
    assert [entry for entry in result.net_log if " blocked " in entry] == []
    assert connections(listener) == 0


# A lone UTF-16 surrogate (an RTF \u escape giving half of an emoji) once moved every
# prefilter hit after it, so the stamped mark on the next line looked like part of a word and
# the file came out `clean`. The RTF reader now pairs the halves and drops a lone one, and the
# matcher maps offsets back with "surrogatepass" (tests/scan/test_catalogue_phrases.py).
def test_lone_surrogate_before_a_mark_does_not_hide_it(tmp_path, guard_dir):
    rtf = (
        rb"{\rtf1\ansi\deff0{\fonttbl{\f0 Times New Roman;}}\pard Bi\u-10179?u t\u432?\u7907?ng"
        rb"\par\pard\b TUY\u7878?T M\u7852?T\b0\par\pard S\u7889?: 12/Q\u272?-UBND\par}"
    )
    (tmp_path / "bieu-tuong.rtf").write_bytes(rtf)
    (tmp_path / "doi-chung.rtf").write_bytes(rtf.replace(rb"\u-10179?", b""))
    result = Scan([tmp_path], guard_dir)
    control = result.line(tmp_path / "doi-chung.rtf")
    assert (control["verdict"], control["level"]) == ("secret", "tuyet_mat")  # the same mark
    line = result.line(tmp_path / "bieu-tuong.rtf")
    assert (line["verdict"], line["level"]) == ("secret", "tuyet_mat"), line
