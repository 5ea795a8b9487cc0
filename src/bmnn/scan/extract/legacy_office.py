"""Legacy binary Office files: .doc and .xls through Debian's antiword and catdoc tools (catdoc,
xls2csv), run as subprocesses with absolute paths, no shell, a timeout, a private temporary
directory, and bounded output; .ppt by its record tree through olefile. A missing tool or a
failed conversion is ScanError, never an empty (clean) document.

The tools lose font names, so TCVN3/VNI text is left to the decoder's content detection
(Block.font is ""). antiword prints no headers and footers, so catdoc, which dumps the whole
text stream, is run after it for .doc as well; lines already seen are not repeated.
"""

from __future__ import annotations

import io
import os
import selectors
import shutil
import struct
import subprocess
import tempfile
import time

import olefile

from bmnn.scan.extract import Context, register
from bmnn.scan.extract.text import ALONE_MAX
from bmnn.scan.model import Block, Document, LimitExceeded, ScanError

_TOOL_SECONDS = 60.0
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def _require_ole(data: bytes, what: str) -> None:
    # catdoc prints a file that is not OLE as plain text; only real OLE files go to the tools
    if not data.startswith(_OLE_MAGIC):
        raise ScanError(f"Tệp {what} không phải tài liệu Office cũ (OLE) hợp lệ.")


def _run_tool(tool: str, args: list[str], data: bytes, suffix: str, ctx: Context) -> bytes:
    """Run `tool args... FILE` on a private copy of data; stdout, capped, or ScanError."""
    path = shutil.which(tool)
    if not path:
        raise ScanError(
            f"Không đọc được tệp {suffix}: thiếu công cụ {tool} (cài gói Debian antiword/catdoc)."
        )
    left = ctx.limits.seconds_per_file - (time.monotonic() - ctx.started)
    timeout = max(1.0, min(_TOOL_SECONDS, left))
    # text is at most a few bytes per input byte; more means the tool is looping
    cap = min(ctx.limits.max_text_chars * 4, 8 * len(data) + 65536)
    with tempfile.TemporaryDirectory(prefix="bmnn-scan-") as tmp:
        os.chmod(tmp, 0o700)
        src = os.path.join(tmp, "input" + suffix)
        with open(src, "wb") as f:
            f.write(data)
        env = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8", "HOME": tmp}
        # absolute tool path from shutil.which, fixed arguments, no shell: nothing from the file
        # reaches a command line except the temporary file name we chose
        proc = subprocess.Popen(  # noqa: S603
            [path, *args, src],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            cwd=tmp,
            env=env,
            start_new_session=True,
        )
        out = bytearray()
        deadline = time.monotonic() + timeout
        try:
            with selectors.DefaultSelector() as sel:
                sel.register(proc.stdout, selectors.EVENT_READ)
                while True:
                    remaining = deadline - time.monotonic()
                    if remaining <= 0:
                        raise LimitExceeded(
                            f"Công cụ {tool} chạy quá {timeout:g} giây trên tệp {suffix}."
                        )
                    if not sel.select(remaining):
                        continue
                    chunk = os.read(proc.stdout.fileno(), 65536)
                    if not chunk:
                        break
                    out += chunk
                    if len(out) > cap:
                        raise LimitExceeded(
                            f"Văn bản do {tool} trích ra vượt giới hạn ({cap:,} byte)."
                        )
            code = proc.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired as exc:
            raise LimitExceeded(f"Công cụ {tool} chạy quá {timeout:g} giây.") from exc
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
            proc.stdout.close()
    if code != 0:
        raise ScanError(f"Công cụ {tool} không đọc được tệp {suffix} (mã lỗi {code}).")
    return bytes(out)


def _blocks(text: str, seen: set[str], part: str, prefix: str) -> list[Block]:
    """One block per line, except lines in `seen` (already read by another tool)."""
    blocks = []
    for number, line in enumerate(text.splitlines(), 1):
        line = line.replace("\x00", "").strip()
        if not line or line in seen:
            continue
        blocks.append(
            Block(
                text=line,
                location=f"{prefix}dòng {number}",
                part=part,
                alone=len(line) <= ALONE_MAX,
            )
        )
    return blocks


def _check_chars(blocks: list[Block], ctx: Context) -> None:
    if sum(len(b.text) for b in blocks) > ctx.limits.max_text_chars:
        raise LimitExceeded(f"Văn bản trích ra vượt giới hạn {ctx.limits.max_text_chars:,} ký tự.")


@register("doc")
def extract_doc(data: bytes, ctx: Context) -> Document:
    _require_ole(data, ".doc")
    seen: set[str] = set()
    blocks: list[Block] = []
    errors = []
    try:
        text = _run_tool("antiword", ["-w", "0", "-m", "UTF-8.txt"], data, ".doc", ctx)
        blocks += _blocks(text.decode("utf-8", "replace"), set(), "body", "")
        seen = {b.text for b in blocks}
    except LimitExceeded:
        raise
    except ScanError as exc:
        errors.append(exc.reason)
    ctx.check_time()
    try:
        # catdoc reads the whole text stream: headers, footers, notes, text boxes too
        text = _run_tool("catdoc", ["-d", "utf-8", "-w"], data, ".doc", ctx)
        blocks += _blocks(text.decode("utf-8", "replace"), seen, "body", "catdoc: ")
    except LimitExceeded:
        raise
    except ScanError as exc:
        errors.append(exc.reason)
    if len(errors) == 2:
        raise ScanError(" ".join(errors))
    _check_chars(blocks, ctx)
    return Document(blocks=blocks)


@register("xls")
def extract_xls(data: bytes, ctx: Context) -> Document:
    _require_ole(data, ".xls")
    # xls2csv prints each sheet as CSV, sheets separated by form feeds
    text = _run_tool("xls2csv", ["-d", "utf-8", "-q", "0", "-c", "\t"], data, ".xls", ctx)
    blocks: list[Block] = []
    for sheet_no, sheet in enumerate(text.decode("utf-8", "replace").split("\f"), 1):
        for row_no, row in enumerate(sheet.splitlines(), 1):
            for col_no, cell in enumerate(row.split("\t"), 1):
                cell = cell.strip()
                if cell:
                    blocks.append(
                        Block(
                            text=cell,
                            location=f"trang tính {sheet_no}, hàng {row_no}, cột {col_no}",
                            part="table",
                            alone=len(cell) <= ALONE_MAX,
                        )
                    )
        ctx.check_time()
    _check_chars(blocks, ctx)
    return Document(blocks=blocks)


_PPT_TEXT_ATOMS = {0x0FA0: "utf-16-le", 0x0FA8: "cp1252"}  # TextCharsAtom, TextBytesAtom


@register("ppt")
def extract_ppt(data: bytes, ctx: Context) -> Document:
    """.ppt text read from the record tree of the "PowerPoint Document" stream (olefile): Debian's
    catppt prints nothing for text in drawn shapes (what LibreOffice and newer PowerPoint
    write), and an empty result would read as clean."""
    _require_ole(data, ".ppt")
    try:
        with olefile.OleFileIO(io.BytesIO(data)) as ole:
            if not ole.exists("PowerPoint Document"):
                raise ScanError("Tệp .ppt không có luồng PowerPoint Document.")
            if ole.get_size("PowerPoint Document") > ctx.limits.max_file_bytes:
                raise LimitExceeded("Luồng PowerPoint Document vượt giới hạn kích thước.")
            stream = ole.openstream("PowerPoint Document").read()
    except (OSError, ValueError, IndexError, KeyError, EOFError, struct.error) as exc:
        raise ScanError(f"Tệp .ppt hỏng, không đọc được ({exc}).") from exc
    blocks: list[Block] = []
    pos, end, atom = 0, len(stream), 0
    while pos + 8 <= end:
        ver_inst, rtype, length = struct.unpack_from("<HHI", stream, pos)
        pos += 8
        if ver_inst & 0x0F == 0x0F:  # a container: its records follow
            continue
        if rtype in _PPT_TEXT_ATOMS and pos + length <= end:
            atom += 1
            text = stream[pos : pos + length].decode(_PPT_TEXT_ATOMS[rtype], "replace")
            for line in text.replace("\x0b", "\r").split("\r"):
                line = line.replace("\x00", "").strip()
                if line:
                    blocks.append(
                        Block(text=line, location=f"khung chữ {atom}", alone=len(line) <= ALONE_MAX)
                    )
            if atom % 256 == 0:
                ctx.check_time()
        pos += length
    _check_chars(blocks, ctx)
    return Document(blocks=blocks)
