"""Test-only extractors for the engine tests, loaded in each worker through
ScanConfig(extra_modules=(MODULE,)). Their kinds are made up: a file whose content starts with
b"XTEST:<word>" sniffs as "x-<word>"; everything else goes to the real sniffer.

    XTEST:sleep     sleeps 60 s, never calling ctx.check_time() (a stuck C parser)
    XTEST:spin      loops calling ctx.check_time() (a well-behaved slow extractor)
    XTEST:alloc     allocates 2 GB
    XTEST:boom      raises an unexpected exception
    XTEST:crash     the worker process dies (os._exit)
    XTEST:secret    one stamped "TUYỆT MẬT" block
    XTEST:box\\n<name>\\n<data>…   a container: members separated by b"\\n--\\n", each
                    "<name>\\n<bytes>"
"""

from __future__ import annotations

import io
import os
import time
import zipfile

from bmnn.scan import sniff as sniff_module
from bmnn.scan.extract import Context, register
from bmnn.scan.model import Block, Document, Member

MODULE = "tests.scan.engine_fixtures"
PREFIX = b"XTEST:"
SEP = b"\n--\n"

_real_sniff = getattr(sniff_module.sniff, "__wrapped__", sniff_module.sniff)


def _test_sniff(data: bytes, name: str = "") -> str:
    if data.startswith(PREFIX):
        return "x-" + data[len(PREFIX) :].split(b"\n", 1)[0].decode()
    return _real_sniff(data, name)


_test_sniff.__wrapped__ = _real_sniff
sniff_module.sniff = _test_sniff


@register("x-sleep")
def _sleep(data: bytes, ctx: Context) -> Document:
    time.sleep(60)
    return Document()


@register("x-spin")
def _spin(data: bytes, ctx: Context) -> Document:
    while True:
        ctx.check_time()
        time.sleep(0.01)


@register("x-alloc")
def _alloc(data: bytes, ctx: Context) -> Document:
    hog = bytearray(2 * 1024**3)
    return Document([Block(str(len(hog)), "đoạn 1")])


@register("x-boom")
def _boom(data: bytes, ctx: Context) -> Document:
    raise KeyError("bất ngờ")


@register("x-crash")
def _crash(data: bytes, ctx: Context) -> Document:
    os._exit(3)


@register("x-secret")
def _secret(data: bytes, ctx: Context) -> Document:
    return Document([Block("TUYỆT MẬT", "đoạn 1", alone=True, bold=True, color="red")])


@register("x-box")
def _box(data: bytes, ctx: Context) -> Document:
    body = data.split(b"\n", 1)[1] if b"\n" in data else b""
    members = []
    for part in body.split(SEP) if body else []:
        name, _, content = part.partition(b"\n")
        members.append(Member(name.decode(), content))
    return Document([Block("Hộp thử", "đoạn 1")], members)


def box(*members: tuple[str, bytes]) -> bytes:
    """A test container holding `members` (name, bytes)."""
    return b"XTEST:box\n" + SEP.join(name.encode() + b"\n" + data for name, data in members)


def make_zip(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in members.items():
            z.writestr(name, data)
    return buf.getvalue()


def make_docx(*paragraphs: str) -> bytes:
    import docx

    document = docx.Document()
    for text in paragraphs:
        document.add_paragraph(text)
    buf = io.BytesIO()
    document.save(buf)
    return buf.getvalue()


SECRET_TEXT = "ỦY BAN NHÂN DÂN TỈNH X\nTUYỆT MẬT\nSố: 12/QĐ-UBND\nVề việc triển khai kế hoạch\n"
CLEAN_TEXT = "Thông báo lịch họp giao ban tuần.\nĐề nghị các phòng chuẩn bị báo cáo.\n"
