"""Proof that the app and the CLI open no outbound connection.

Each `bmnn` command runs as a subprocess with a sitecustomize.py put first on PYTHONPATH; it
installs an audit hook (PEP 578) that logs every socket connect, sendto and name lookup the
process makes. The served app is then used over 127.0.0.1 like a browser would (login page,
login with a demo account, dashboard, rulebook, static files), and every logged address must be
loopback. Connections made inside C libraries (libpq) raise no audit event; that is why these
subprocesses run on SQLite in a throw-away data dir.
"""

from __future__ import annotations

import ast
import http.cookiejar
import ipaddress
import os
import re
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

SITECUSTOMIZE = """
import os, sys

_LOG = os.environ["BMNN_NET_AUDIT_LOG"]
_EVENTS = {
    "socket.connect": 1, "socket.sendto": 1, "socket.sendmsg": 1,
    "socket.getaddrinfo": 0, "socket.gethostbyname": 0, "socket.gethostbyname_ex": 0,
    "socket.gethostbyaddr": 0, "socket.getnameinfo": 0,
}

def _hook(event, args):
    where = _EVENTS.get(event)
    if where is None:
        return
    address = args[where] if len(args) > where else None
    with open(_LOG, "a", encoding="utf-8") as fh:
        fh.write(f"{os.getpid()}\\t{event}\\t{address!r}\\n")

sys.addaudithook(_hook)
"""

BOUND = 120  # seconds: the longest any single step may take


@pytest.fixture
def audited(tmp_path):
    """Environment for audited subprocesses, and a reader of what they did on the network."""
    hook_dir = tmp_path / "hook"
    hook_dir.mkdir()
    (hook_dir / "sitecustomize.py").write_text(SITECUSTOMIZE, encoding="utf-8")
    log = tmp_path / "net-audit.log"
    log.touch()
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(
            [str(hook_dir), *filter(None, [os.environ.get("PYTHONPATH")])]
        ),
        "BMNN_NET_AUDIT_LOG": str(log),
        "BMNN_DATA_DIR": str(tmp_path / "data"),
        "PYTHONUNBUFFERED": "1",
        "COLUMNS": "200",  # the demo login table on one line per account
    }
    # Never the developer's PostgreSQL: libpq connects without audit events, and `demo`
    # would write into that database.
    env.pop("BMNN_DATABASE_URL", None)
    env.pop("BMNN_BIND", None)
    return env, log


def _entries(log: Path) -> list[tuple[str, str, object]]:
    rows = []
    for line in log.read_text(encoding="utf-8").splitlines():
        pid, event, raw = line.split("\t", 2)
        try:
            address = ast.literal_eval(raw)
        except (ValueError, SyntaxError):
            address = raw  # e.g. a bytes path repr that is not a literal
        rows.append((pid, event, address))
    return rows


def _is_local(address: object) -> bool:
    if address is None:
        return True  # getaddrinfo(None, port): the passive (bind) form, no lookup
    if isinstance(address, tuple):
        address = address[0]
    if isinstance(address, bytes):
        address = address.decode("ascii", "replace")
    if not isinstance(address, str):
        return False
    if address.startswith("/") or address.startswith("\0") or address == "":
        return True  # AF_UNIX path or abstract socket: this machine only
    if address.lower() in ("localhost", "localhost.localdomain"):
        return True
    try:
        return ipaddress.ip_address(address.strip("[]")).is_loopback
    except ValueError:
        return False  # a host name that would need a DNS lookup


def _assert_only_loopback(log: Path) -> list:
    entries = _entries(log)
    outside = [e for e in entries if not _is_local(e[2])]
    assert outside == [], f"outbound network use: {outside}"
    return entries


def _run(env, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "bmnn.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=BOUND,
        check=False,
    )


def test_the_audit_hook_sees_outbound_attempts(audited):
    """The detector itself works: a lookup and a connect to a non-local host are logged."""
    env, log = audited
    code = (
        "import socket\n"
        "s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n"
        "s.connect(('192.0.2.1', 9))\n"  # TEST-NET-1; a UDP connect sends nothing
        "s.close()\n"
        "try:\n    socket.getaddrinfo('example.invalid', 80)\nexcept OSError:\n    pass\n"
    )
    subprocess.run([sys.executable, "-c", code], env=env, timeout=BOUND, check=True)
    entries = _entries(log)
    assert ("socket.connect", ("192.0.2.1", 9)) in [(e[1], e[2]) for e in entries]
    assert ("socket.getaddrinfo", "example.invalid") in [(e[1], e[2]) for e in entries]
    assert not _is_local(("192.0.2.1", 9)) and not _is_local("example.invalid")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _demo_login(output: str) -> tuple[str, str]:
    for line in output.splitlines():
        cells = [c.strip() for c in line.split("│")[1:-1]]
        if len(cells) == 3 and re.fullmatch(r"[a-z0-9_]+", cells[0]) and cells[1]:
            return cells[0], cells[1]
    raise AssertionError(f"no login in the demo output:\n{output}")


def _listening_addresses(port: int) -> set[str]:
    """Local addresses in LISTEN state on `port`, from /proc (Linux)."""
    found = set()
    for name in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(name).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            local, state = line.split()[1], line.split()[3]
            hex_ip, hex_port = local.split(":")
            if state != "0A" or int(hex_port, 16) != port:
                continue
            raw = bytes.fromhex(hex_ip)
            # /proc writes each 32-bit word in host (little-endian) order.
            ip = b"".join(raw[i : i + 4][::-1] for i in range(0, len(raw), 4))
            found.add(str(ipaddress.ip_address(ip)))
    return found


def _wait_for_url(out: Path, proc: subprocess.Popen, deadline: float) -> str:
    while time.monotonic() < deadline:
        match = re.search(r"http://\S+/", out.read_text(encoding="utf-8", errors="replace"))
        if match:
            return match.group(0)
        if proc.poll() is not None:
            raise AssertionError("bmnn serve stopped:\n" + out.read_text(encoding="utf-8"))
        time.sleep(0.2)
    raise AssertionError("bmnn serve did not start in time:\n" + out.read_text(encoding="utf-8"))


def _wait_for_port(port: int, deadline: float) -> None:
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise AssertionError(f"nothing listens on 127.0.0.1:{port}")


class _Browser:
    """Just enough of a browser: cookies, and the CSRF token of the last form."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )

    def get(self, path: str) -> tuple[int, str, str]:
        with self.opener.open(self.base + path, timeout=30) as response:
            return response.status, response.geturl(), response.read().decode("utf-8")

    def post(self, path: str, data: dict) -> tuple[int, str, str]:
        body = urllib.parse.urlencode(data).encode()
        with self.opener.open(self.base + path, data=body, timeout=30) as response:
            return response.status, response.geturl(), response.read().decode("utf-8")


def test_cli_and_served_app_use_only_loopback(audited, tmp_path):
    env, log = audited

    decided = _run(
        env, "rules", "decide", "--action", "copy", "--level", "toi_mat",
        "--post", "giam_doc_so", "--on", "2026-05-01",
    )  # fmt: skip
    assert decided.returncode == 0, decided.stderr
    assert "Căn cứ:" in decided.stdout

    demo = _run(env, "demo")
    assert demo.returncode == 0, demo.stderr
    username, password = _demo_login(demo.stdout)

    verified = _run(env, "verify")
    assert verified.returncode == 0, verified.stdout + verified.stderr

    port = _free_port()
    out = tmp_path / "serve.out"
    with out.open("w", encoding="utf-8") as sink:
        server = subprocess.Popen(
            [sys.executable, "-m", "bmnn.cli", "serve", "--port", str(port)],
            env=env,
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + BOUND
        url = _wait_for_url(out, server, deadline)
        assert url == f"http://127.0.0.1:{port}/"  # the default bind is loopback
        _wait_for_port(port, deadline)
        if Path("/proc/net/tcp").exists():
            assert _listening_addresses(port) == {"127.0.0.1"}

        browser = _Browser(url.rstrip("/"))
        status, _, html = browser.get("/dang-nhap/")
        assert status == 200 and "Đăng nhập" in html
        [token] = re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
        status, landed, html = browser.post(
            "/dang-nhap/",
            {"username": username, "password": password, "csrfmiddlewaretoken": token},
        )
        assert status == 200 and landed == url, html
        assert "Tổng quan" in html and "không kết nối Internet" in html
        status, _, html = browser.get("/quy-tac/")
        assert status == 200 and "Bộ quy tắc pháp luật" in html
        assets = re.findall(r'(?:src|href)="(/static/[^"]+)"', html)
        assert "/static/django_htmx/htmx-2.min.js" in assets
        for asset in assets:
            assert browser.get(asset)[0] == 200, asset
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=15)

    entries = _assert_only_loopback(log)
    # The hook really ran inside the server: waitress resolved its own bind address.
    assert (str(server.pid), "socket.getaddrinfo") in {(pid, event) for pid, event, _ in entries}
