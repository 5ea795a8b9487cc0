from __future__ import annotations

import http.client
import io
import json
import socket
import threading
import zipfile

import pytest
from typer.testing import CliRunner

from bmnn.scan.engine import ScanConfig
from bmnn.scan.fingerprint import build_pack
from bmnn.scan.serve import app as serve_app
from bmnn.scan.serve import make_app, waitress_options

from .fingerprint_fixtures import excerpt, multipart, secret_text, write_docx, write_pdf

TOKEN = "t0ken-for-the-gate-tests"
JSONL_KEYS = {"path", "verdict", "level", "score", "findings", "error", "seconds"}


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    d = tmp_path_factory.mktemp("gate")
    secret = write_pdf(d / "kh.pdf", ["TỐI MẬT", "Số: 12/KH-BCH", secret_text(120)])
    clean = write_pdf(d / "tin.pdf", ["Thông báo tuyển dụng", secret_text(120, seed=3)])
    docx = write_docx(d / "bc.docx", ["TUYỆT MẬT", "Số: 7/BC", secret_text(80)])
    return {"secret": secret.read_bytes(), "clean": clean.read_bytes(), "docx": docx.read_bytes()}


@pytest.fixture(scope="module")
def gate():
    app = make_app(ScanConfig(ocr=False), TOKEN, 2, max_upload_mb=1)
    yield app
    app.close()


class _Input:
    """wsgi.input that records how much was read (and can refuse to be read at all)."""

    def __init__(self, data: bytes, forbid: bool = False) -> None:
        self.stream = io.BytesIO(data)
        self.forbid = forbid
        self.read_bytes = 0

    def read(self, n=-1):
        if self.forbid:
            raise AssertionError("the body must not be read")
        chunk = self.stream.read(n)
        self.read_bytes += len(chunk)
        return chunk


def call(
    app,
    method="POST",
    path="/scan",
    *,
    token=TOKEN,
    auth=None,
    body=b"",
    ctype=None,
    length=True,
    query="",
    stream=None,
):
    environ = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "wsgi.input": stream or _Input(body),
    }
    if auth is not None:
        environ["HTTP_AUTHORIZATION"] = auth
    elif token is not None:
        environ["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    if ctype:
        environ["CONTENT_TYPE"] = ctype
    if length:
        environ["CONTENT_LENGTH"] = str(len(body)) if length is True else str(length)
    seen = {}

    def start_response(status, headers):
        seen["status"], seen["headers"] = status, dict(headers)

    payload = b"".join(app(environ, start_response))
    return int(seen["status"].split()[0]), seen["headers"], json.loads(payload)


def upload(app, name, data, **kw):
    ctype, body = multipart({"file": (name, data)})
    return call(app, body=body, ctype=ctype, **kw)


# ---- in process ------------------------------------------------------------------------


def test_secret_file_returns_its_jsonl_object(gate, files):
    status, headers, obj = upload(gate, "kh.pdf", files["secret"])
    assert status == 200
    assert set(obj) == JSONL_KEYS
    assert obj["path"] == "kh.pdf"
    assert obj["verdict"] == "secret" and obj["level"] == "toi_mat"
    assert obj["findings"][0]["rule"] == "mark.level"
    assert headers["Content-Type"].startswith("application/json")
    assert headers["Cache-Control"] == "no-store"


def test_clean_file(gate, files):
    status, _, obj = upload(gate, "tin.pdf", files["clean"])
    assert (status, obj["verdict"], obj["level"]) == (200, "clean", None)


def test_secret_docx(gate, files):
    status, _, obj = upload(gate, "bc.docx", files["docx"])
    assert (status, obj["verdict"], obj["level"]) == (200, "secret", "tuyet_mat")


def test_unreadable_file_is_error_not_clean(gate):
    status, _, obj = upload(gate, "a.pdf", b"%PDF-1.7\n truncated")
    assert status == 200 and obj["verdict"] == "error" and obj["error"]


def test_archive_members_only_on_request(gate, files):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("tin.pdf", files["clean"])
        z.writestr("mat/kh.pdf", files["secret"])
    status, _, obj = upload(gate, "goi.zip", buf.getvalue())
    assert status == 200 and set(obj) == JSONL_KEYS
    assert obj["verdict"] == "secret" and obj["level"] == "toi_mat"
    _, _, obj = upload(gate, "goi.zip", buf.getvalue(), query="members=1")
    members = {m["path"]: m["verdict"] for m in obj["members"]}
    assert members == {"goi.zip!tin.pdf": "clean", "goi.zip!mat/kh.pdf": "secret"}


def test_filename_is_reduced_to_its_last_part(gate, files):
    _, _, obj = upload(gate, "..\\..\\C:\\tai lieu/kh.pdf", files["secret"])
    assert obj["path"] == "kh.pdf"


@pytest.mark.parametrize("token", [None, "", "wrong-token", TOKEN + "x", TOKEN[:-1]])
def test_missing_or_wrong_token_is_401(gate, files, token):
    ctype, body = multipart({"file": ("kh.pdf", files["secret"])})
    stream = _Input(body, forbid=True)
    status, headers, obj = call(gate, token=token, body=body, ctype=ctype, stream=stream)
    assert status == 401
    assert headers["WWW-Authenticate"].startswith("Bearer")
    assert "verdict" not in obj


@pytest.mark.parametrize("auth", [f"Basic {TOKEN}", TOKEN, f"Bearer  {TOKEN} x", "Bearer"])
def test_other_authorization_forms_are_401(gate, auth):
    assert call(gate, auth=auth, stream=_Input(b"", forbid=True))[0] == 401


def test_over_the_limit_is_413_without_reading_the_body(gate):
    ctype, _ = multipart({"file": ("big.bin", b"")})
    stream = _Input(b"", forbid=True)
    status, _, obj = call(gate, body=b"", ctype=ctype, length=5 * 1024 * 1024, stream=stream)
    assert status == 413 and "1 MB" in obj["error"]


def test_over_the_limit_without_length_stops_reading(gate):
    ctype, body = multipart({"file": ("big.bin", b"x" * (3 * 1024 * 1024))})
    stream = _Input(body)
    status, _, _ = call(gate, body=body, ctype=ctype, length=False, stream=stream)
    assert status == 413
    assert stream.read_bytes < 2 * 1024 * 1024


def test_file_just_over_the_limit_is_413(gate):
    status, _, _ = upload(gate, "a.txt", b"a" * (1024 * 1024 + 1))
    assert status == 413


def test_not_multipart_is_415_and_no_file_field_is_400(gate, files):
    assert call(gate, body=files["secret"], ctype="application/pdf")[0] == 415
    assert call(gate, body=b"x", ctype="multipart/form-data")[0] == 415  # no boundary
    ctype, body = multipart({"other": ("kh.pdf", files["secret"])})
    assert call(gate, body=body, ctype=ctype)[0] == 400


def test_health_and_unknown_paths(gate):
    assert call(gate, "GET", "/health", token=None)[:3:2] == (200, {"status": "ok"})
    assert call(gate, "GET", "/scan")[0] == 405
    assert call(gate, "GET", "/other")[0] == 404


class _Holding:
    """Wraps the gate's scanner: scans wait for `release`, to keep slots busy."""

    def __init__(self, scanner) -> None:
        self.scanner = scanner
        self.entered = threading.Semaphore(0)
        self.release = threading.Event()

    def scan_bytes(self, data, name):
        self.entered.release()
        assert self.release.wait(60)
        return self.scanner.scan_bytes(data, name)


def test_over_concurrency_is_429(gate, files):
    holding = _Holding(gate.scanner)
    gate.scanner = holding
    results = []
    try:
        threads = [
            threading.Thread(target=lambda: results.append(upload(gate, "kh.pdf", files["secret"])))
            for _ in range(2)
        ]
        for t in threads:
            t.start()
        for _ in threads:
            assert holding.entered.acquire(timeout=30)
        status, headers, obj = upload(gate, "kh.pdf", files["secret"])
        assert status == 429 and headers["Retry-After"] and "giới hạn" in obj["error"]
        holding.release.set()
        for t in threads:
            t.join(60)
    finally:
        holding.release.set()
        gate.scanner = holding.scanner
    assert [r[2]["verdict"] for r in results] == ["secret", "secret"]
    assert upload(gate, "kh.pdf", files["secret"])[0] == 200  # slots are given back


def test_fingerprints_in_the_gate(tmp_path, files):
    text = secret_text(300, seed=11)
    pack = tmp_path / "pack.bin"
    build_pack([("x", "toi_mat", text)]).save(pack)
    unmarked = write_pdf(tmp_path / "tin.pdf", ["Tin tức", excerpt(text, 20, 80)]).read_bytes()
    app = make_app(ScanConfig(ocr=False, fingerprints=str(pack)), TOKEN, 1, max_upload_mb=1)
    try:
        _, _, obj = upload(app, "tin.pdf", unmarked)
    finally:
        app.close()
    assert obj["verdict"] == "secret" and obj["level"] == "toi_mat"
    assert obj["findings"][0]["rule"] == "fingerprint"


# ---- a real waitress server ------------------------------------------------------------


def _post(port, body, ctype, token=TOKEN, length=None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    headers = {"Content-Type": ctype, "Content-Length": str(length or len(body))}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    try:
        conn.request("POST", "/scan", body=body, headers=headers)
        resp = conn.getresponse()
        return resp.status, resp.read()
    finally:
        conn.close()


def test_real_waitress_server(files):
    from waitress.server import create_server

    gate = make_app(ScanConfig(ocr=False), TOKEN, 1, max_upload_mb=1)
    options = waitress_options(gate, "127.0.0.1", 0)
    server = create_server(gate, **options)
    port = server.effective_port
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    holding = None
    try:
        ctype, body = multipart({"file": ("kh.pdf", files["secret"])})
        status, payload = _post(port, body, ctype)
        assert status == 200
        assert json.loads(payload)["verdict"] == "secret"
        assert _post(port, body, ctype, token=None)[0] == 401
        assert _post(port, body, ctype, token="nope")[0] == 401
        # Over the limit: waitress refuses from the Content-Length, before the body comes.
        with socket.create_connection(("127.0.0.1", port), timeout=30) as s:
            s.sendall(
                b"POST /scan HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "
                + TOKEN.encode()
                + b"\r\nContent-Type: "
                + ctype.encode()
                + b"\r\nContent-Length: 50000000\r\n\r\n"
                + b"x" * 1000
            )
            assert s.recv(100).split()[1] == b"413"
        holding = _Holding(gate.scanner)
        gate.scanner = holding
        first = []
        t = threading.Thread(target=lambda: first.append(_post(port, body, ctype)))
        t.start()
        assert holding.entered.acquire(timeout=30)
        assert _post(port, body, ctype)[0] == 429
        holding.release.set()
        t.join(60)
        assert first[0][0] == 200
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        conn.request("GET", "/health")
        assert conn.getresponse().status == 200
        conn.close()
    finally:
        if holding is not None:
            holding.release.set()
        server.close()
        thread.join(10)
        gate.close()


def test_command_refuses_a_bad_pack(tmp_path):
    bad = tmp_path / "bad.bin"
    bad.write_bytes(b"not a pack")
    result = CliRunner().invoke(serve_app, ["--token", TOKEN, "--fingerprints", str(bad)])
    assert result.exit_code == 2
    assert "gói dấu vân tay" in result.output


def test_a_failing_scanner_is_500_never_a_verdict(gate, files):
    class Broken:
        def scan_bytes(self, data, name):
            raise RuntimeError("worker pool closed")

    real, gate.scanner = gate.scanner, Broken()
    try:
        status, _, obj = upload(gate, "kh.pdf", files["secret"])
    finally:
        gate.scanner = real
    assert status == 500 and "verdict" not in obj and "CHƯA" in obj["error"]
