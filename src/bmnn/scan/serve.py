"""`bmnn scan serve`: the gate a web portal or an e-office system calls before publishing or
sending a file.

    POST /scan   multipart/form-data, the file in the field "file",
                 header "Authorization: Bearer <token>"
                 → 200 and the file's JSON object, exactly as one line of `bmnn scan --format
                   jsonl` (an archive's object carries the highest verdict of its members).
                   With `?members=1` the object gets one more key, "members": the objects of
                   the archive members and attachments, for a portal that shows which one.
                 → 401 no or wrong token; 413 file over --max-upload-mb (refused from the
                   Content-Length, before the body is read); 415 not multipart; 400 no "file"
                   field; 429 --max-concurrent scans already running (try again later).
    GET /health  → 200 {"status": "ok"} (no token: for the load balancer).

The verdict is in the body: a file the scanner cannot read answers 200 with verdict "error",
and the portal must treat it as not publishable (fail closed), like "secret".

The upload stays in memory (at most --max-upload-mb per running scan, and waitress buffers
waiting bodies in unnamed temporary files that only this process can open); it is never
written under a name. The files are read by the scanner's worker processes, with its limits.
"""

from __future__ import annotations

import dataclasses
import hmac
import json
import re
import threading
from email.message import Message
from urllib.parse import parse_qs

import typer

from bmnn.scan.engine import ConfigError, ScanConfig, Scanner
from bmnn.scan.limits import MB

DEFAULT_MAX_UPLOAD_MB = 50
_MULTIPART_SLACK = 64 * 1024  # boundaries and part headers around the file
_READ_CHUNK = 1024 * 1024
_UNSAFE_NAME = re.compile(r"[\x00-\x1f\x7f/\\]")


class _Refused(Exception):
    def __init__(self, status: str, message: str, headers: list | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or []


class GateApp:
    """The WSGI application. `scanner` is anything with scan_bytes(data, name) →
    list[FileResult] (the engine's Scanner, which keeps its worker processes between calls)."""

    def __init__(self, scanner, token: str, max_concurrent: int, max_upload_bytes: int) -> None:
        if not token:
            raise ValueError("the gate needs a token")
        if max_concurrent < 1:
            raise ValueError("max_concurrent must be at least 1")
        self.scanner = scanner
        self._token = token.encode()
        self._slots = threading.BoundedSemaphore(max_concurrent)
        self.max_concurrent = max_concurrent
        self.max_upload_bytes = max_upload_bytes

    def close(self) -> None:
        close = getattr(self.scanner, "close", None)
        if close is not None:
            close()

    # ---- WSGI -----------------------------------------------------------------------------

    def __call__(self, environ, start_response):
        try:
            status, body = self._handle(environ)
            headers = []
        except _Refused as refusal:
            status, headers = refusal.status, refusal.headers
            body = {"error": refusal.message}
        payload = json.dumps(body, ensure_ascii=False).encode()
        start_response(
            status,
            [
                ("Content-Type", "application/json; charset=utf-8"),
                ("Content-Length", str(len(payload))),
                ("Cache-Control", "no-store"),
                ("X-Content-Type-Options", "nosniff"),
                *headers,
            ],
        )
        return [payload]

    def _handle(self, environ) -> tuple[str, dict]:
        method = environ.get("REQUEST_METHOD", "GET")
        path = environ.get("PATH_INFO", "") or "/"
        if path == "/health":
            if method not in ("GET", "HEAD"):
                raise _Refused("405 Method Not Allowed", "Chỉ dùng GET.", [("Allow", "GET")])
            return "200 OK", {"status": "ok"}
        if path != "/scan":
            raise _Refused("404 Not Found", "Không có địa chỉ này. Dùng POST /scan.")
        # The token first: who has none learns nothing, not even the size limit.
        self._check_token(environ)
        if method != "POST":
            raise _Refused("405 Method Not Allowed", "Chỉ dùng POST.", [("Allow", "POST")])
        boundary = _boundary(environ.get("CONTENT_TYPE", ""))
        length = _content_length(environ)
        limit = self.max_upload_bytes + _MULTIPART_SLACK
        if length is not None and length > limit:
            raise _Refused("413 Content Too Large", self._too_large())
        # Non-blocking: a portal is told at once to come back, rather than piling up uploads.
        if not self._slots.acquire(blocking=False):
            raise _Refused(
                "429 Too Many Requests",
                f"Đang quét {self.max_concurrent} tệp, đã đến giới hạn; hãy gửi lại sau.",
                [("Retry-After", "5")],
            )
        try:
            body = _read_body(environ["wsgi.input"], length, limit)
            if body is None:
                raise _Refused("413 Content Too Large", self._too_large())
            name, data = _file_part(body, boundary)
            del body
            if len(data) > self.max_upload_bytes:
                raise _Refused("413 Content Too Large", self._too_large())
            try:
                results = self.scanner.scan_bytes(data, name)
            except Exception as exc:  # the gate itself failed: the file is not checked
                raise _Refused(
                    "500 Internal Server Error",
                    f"Cổng kiểm tra gặp lỗi ({type(exc).__name__}); tệp CHƯA được kiểm tra, "
                    "không được đăng.",
                ) from exc
        finally:
            self._slots.release()
        top = results[0].as_dict()
        if _wants_members(environ):
            top["members"] = [r.as_dict() for r in results[1:]]
        return "200 OK", top

    def _check_token(self, environ) -> None:
        header = environ.get("HTTP_AUTHORIZATION", "")
        scheme, _, given = header.partition(" ")
        ok = scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), self._token)
        if not ok:
            raise _Refused(
                "401 Unauthorized",
                "Thiếu hoặc sai mã truy cập (Authorization: Bearer …).",
                [("WWW-Authenticate", 'Bearer realm="bmnn-scan"')],
            )

    def _too_large(self) -> str:
        return f"Tệp quá lớn (giới hạn {self.max_upload_bytes / MB:g} MB)."


def _wants_members(environ) -> bool:
    return parse_qs(environ.get("QUERY_STRING", "")).get("members") == ["1"]


def _content_length(environ) -> int | None:
    raw = environ.get("CONTENT_LENGTH", "")
    if not raw:
        return None
    try:
        value = int(raw)
    except ValueError:
        raise _Refused("400 Bad Request", "Content-Length không hợp lệ.") from None
    if value < 0:
        raise _Refused("400 Bad Request", "Content-Length không hợp lệ.")
    return value


def _boundary(content_type: str) -> bytes:
    msg = Message()
    msg["Content-Type"] = content_type
    boundary = (
        msg.get_param("boundary") if msg.get_content_type() == "multipart/form-data" else None
    )
    if not isinstance(boundary, str) or not boundary or len(boundary) > 200:
        raise _Refused(
            "415 Unsupported Media Type",
            'Cần gửi tệp dạng multipart/form-data, trong trường "file".',
        )
    return boundary.encode("latin-1", "replace")


def _read_body(stream, length: int | None, limit: int) -> bytes | None:
    """The body, or None as soon as it passes `limit` (a body without Content-Length)."""
    want = limit + 1 if length is None else length
    chunks, total = [], 0
    while total < want:
        chunk = stream.read(min(_READ_CHUNK, want - total))
        if not chunk:
            break
        chunks.append(chunk)
        total += len(chunk)
        if total > limit:
            return None
    if length is not None and total < length:
        raise _Refused("400 Bad Request", "Nội dung gửi lên bị thiếu (ngắt giữa chừng).")
    return b"".join(chunks)


def _file_part(body: bytes, boundary: bytes) -> tuple[str, bytes]:
    """The filename and bytes of the form field "file"."""
    delimiter = b"\r\n--" + boundary
    body = b"\r\n" + body
    pos = body.find(delimiter)
    while pos != -1:
        start = pos + len(delimiter)
        if body[start : start + 2] == b"--":
            break  # the closing delimiter
        head_end = body.find(b"\r\n\r\n", start)
        if head_end == -1:
            break
        nxt = body.find(delimiter, head_end + 4)
        if nxt == -1:
            break
        headers = body[start:head_end].decode("utf-8", "replace")
        disposition = Message()
        for line in headers.split("\r\n"):
            key, _, value = line.partition(":")
            if key.strip().lower() == "content-disposition":
                disposition["Content-Disposition"] = value.strip()
        if disposition.get_param("name", header="content-disposition") == "file":
            name = disposition.get_filename() or "upload"
            return _safe_name(name), body[head_end + 4 : nxt]
        pos = nxt
    raise _Refused("400 Bad Request", 'Không có tệp trong trường "file" của biểu mẫu.')


def _safe_name(name: str) -> str:
    # Only the last part: "C:\\x\\a.docx" or "../a.docx" from a browser must not be a path.
    name = re.split(r"[/\\]", name)[-1]
    name = _UNSAFE_NAME.sub("_", name).strip() or "upload"
    return name[:255]


def make_app(
    config: ScanConfig,
    token: str,
    max_concurrent: int = 4,
    *,
    max_upload_mb: float = DEFAULT_MAX_UPLOAD_MB,
) -> GateApp:
    """The gate with its own Scanner: one worker process per concurrent scan. Call
    `app.close()` to stop the workers."""
    limits = config.limits
    max_upload = int(max_upload_mb * MB)
    if max_upload > limits.max_file_bytes:
        max_upload = limits.max_file_bytes
    scanner = Scanner(dataclasses.replace(config, workers=max_concurrent))
    return GateApp(scanner, token, max_concurrent, max_upload)


app = typer.Typer(add_completion=False, pretty_exceptions_enable=False)


@app.command()
def serve(
    host: str = typer.Option("127.0.0.1", "--host", help="Địa chỉ lắng nghe."),
    port: int = typer.Option(8765, "--port", help="Cổng."),
    token: str = typer.Option(
        ...,
        "--token",
        envvar="BMNN_SCAN_TOKEN",
        help="Mã truy cập mà cổng thông tin gửi trong 'Authorization: Bearer …' "
        "(hoặc biến môi trường BMNN_SCAN_TOKEN, để mã không hiện trong danh sách tiến trình).",
    ),
    max_concurrent: int = typer.Option(
        4, "--max-concurrent", help="Số tệp quét cùng lúc; quá số này trả 429."
    ),
    max_upload_mb: float = typer.Option(
        DEFAULT_MAX_UPLOAD_MB, "--max-upload-mb", help="Cỡ tệp tối đa (MB); quá cỡ trả 413."
    ),
    catalogue: str = typer.Option(None, "--catalogue", help="Danh mục bí mật (YAML/CSV)."),
    fingerprints: str = typer.Option(None, "--fingerprints", help="Gói dấu vân tay."),
    no_ocr: bool = typer.Option(False, "--no-ocr", help="Không nhận dạng chữ trong ảnh."),
) -> None:
    """Cổng kiểm tra tệp (HTTP) cho cổng thông tin điện tử và hệ thống văn phòng điện tử."""
    if max_concurrent < 1 or max_upload_mb <= 0:
        typer.echo("--max-concurrent và --max-upload-mb phải lớn hơn 0.", err=True)
        raise typer.Exit(2)
    if len(token) < 16:
        typer.echo("Cảnh báo: mã truy cập ngắn (dưới 16 ký tự), dễ bị dò.", err=True)
    config = ScanConfig(catalogue=catalogue, fingerprints=fingerprints, ocr=not no_ocr)
    try:
        gate = make_app(config, token, max_concurrent, max_upload_mb=max_upload_mb)
    except ConfigError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from exc
    from waitress import serve as waitress_serve

    typer.echo(
        f"Cổng kiểm tra tệp BMNN: http://{host}:{port}/scan "
        f"(tối đa {max_concurrent} tệp cùng lúc, {gate.max_upload_bytes / MB:g} MB mỗi tệp)",
        err=True,
    )
    try:
        waitress_serve(gate, **waitress_options(gate, host, port))
    finally:
        gate.close()


def waitress_options(gate: GateApp, host: str, port: int) -> dict:
    """Waitress settings that match the gate: bodies over the limit refused from their
    Content-Length, and threads enough to answer 429 while all scan slots are busy."""
    return {
        "host": host,
        "port": port,
        "threads": gate.max_concurrent + 4,
        "max_request_body_size": gate.max_upload_bytes + _MULTIPART_SLACK,
        "ident": "bmnn-scan",
        "clear_untrusted_proxy_headers": True,
        "channel_timeout": 120,
    }


__all__ = ["GateApp", "app", "make_app", "waitress_options"]
