"""E-mail: .eml and .msg as containers (subject, people and bodies as blocks; attachments,
inline parts and attached messages as members), with real files built by the tests."""

from __future__ import annotations

import contextlib
import io
import os
import unicodedata

import olefile
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bmnn.scan.extract import Context, extractor_for
from bmnn.scan.extract.archive import extract as extract_zip
from bmnn.scan.extract.mail import (
    build_cfb,
    decompress_rtf,
    extract_eml,
    extract_msg,
)
from bmnn.scan.limits import Limits
from bmnn.scan.model import LimitExceeded, ScanError
from bmnn.scan.sniff import sniff
from tests.scan.mail_fixtures import (
    SECRET_LINE,
    docx_text,
    make_eml,
    make_msg,
    msg_streams,
    props_stream,
    rtf_literal_lzfu,
    utf16,
)


def ctx(name: str = "thu.eml", **limits) -> Context:
    return Context(limits=Limits(**limits), name=name)


def texts(doc, part=None):
    return [b.text for b in doc.blocks if part is None or b.part == part]


# ---------------------------------------------------------------------------------- .eml


def test_registered():
    assert extractor_for("eml") is extract_eml
    assert extractor_for("msg") is extract_msg


def test_eml_blocks_and_members():
    data = make_eml()
    assert sniff(data, "thu.eml") == "eml"
    doc = extract_eml(data, ctx())
    assert texts(doc, "title") == ["Gửi báo cáo tháng 11"]
    assert texts(doc, "metadata") == [
        "Nguyễn Văn A <a@so.gov.vn>",
        "Trần Thị B <b@bo.gov.vn>",
        "c@bo.gov.vn",
    ]
    body = [b for b in doc.blocks if b.part == "body"]
    assert [b.text for b in body if "nội dung thư" in b.location] == [
        "Kính gửi anh chị,",
        SECRET_LINE,
        "Báo cáo đính kèm.",
    ]
    html = [b for b in doc.blocks if "HTML" in b.location]
    assert [b.text for b in html] == ["Kính gửi anh chị,", "TỐI MẬT", "Số: 12/BC", "Hà Nội"]
    assert [b.part for b in html] == ["body", "body", "table", "table"]
    assert html[1].bold
    assert all(b.alone for b in body)
    assert not any("khẩu" in t or "color" in t for t in texts(doc))  # script and style dropped

    names = [m.name for m in doc.members]
    assert names == [
        "Báo cáo TUYỆT MẬT.docx",  # RFC 2231
        "ho-so.zip",
        "Quyết định số 5.pdf",  # RFC 2047 in a quoted parameter
        "phan-8.bin",  # nameless part
        "thu-9.eml",  # forwarded message
    ]
    members = {m.name: m.data for m in doc.members}
    assert SECRET_LINE in docx_text(members["Báo cáo TUYỆT MẬT.docx"])
    assert sniff(members["Báo cáo TUYỆT MẬT.docx"]) == "docx"
    assert [m.name for m in extract_zip(members["ho-so.zip"], ctx()).members] == [
        "ho-so/danh-sach.txt"
    ]
    assert members["phan-8.bin"] == b"\x00\x01\x02 binary"

    inner = members["thu-9.eml"]
    assert sniff(inner, "thu-9.eml") == "eml"
    inner_doc = extract_eml(inner, ctx("thu-9.eml"))
    assert texts(inner_doc, "title") == ["Chuyển tiếp: kế hoạch"]
    assert "TỐI MẬT" in texts(inner_doc, "body")
    assert [(m.name, m.data) for m in inner_doc.members] == [("ghi-chu.txt", b"noi dung dinh kem")]


def test_eml_legacy_charset_and_duplicate_names():
    raw = (
        b"Subject: =?windows-1258?Q?B=E1o_c=E1o?=\r\n"
        b"From: a@b.vn\r\nMIME-Version: 1.0\r\n"
        b'Content-Type: multipart/mixed; boundary="XX"\r\n\r\n'
        b"--XX\r\nContent-Type: text/plain; charset=windows-1258\r\n\r\n"
        + "M\u00e2\u0323t".encode("cp1258")
        + b"\r\n--XX\r\nContent-Type: text/plain; charset=x-unknown-charset\r\n\r\n"
        + "Báo cáo".encode()
        + b"\r\n--XX\r\nContent-Type: application/pdf\r\n"
        b'Content-Disposition: attachment; filename="a.pdf"\r\n\r\n%PDF-1\r\n'
        b"--XX\r\nContent-Type: application/pdf\r\n"
        b'Content-Disposition: attachment; filename="C:\\\\Users\\\\x\\\\a.pdf"\r\n\r\n%PDF-2\r\n'
        b"--XX--\r\n"
    )
    doc = extract_eml(raw, ctx())
    assert texts(doc, "title") == ["Báo cáo"]
    body = [unicodedata.normalize("NFC", t) for t in texts(doc, "body")]
    assert body == ["Mật", "Báo cáo"]
    assert [(m.name, m.data) for m in doc.members] == [
        ("a.pdf", b"%PDF-1"),
        ("a (2).pdf", b"%PDF-2"),
    ]


def test_eml_limits():
    data = make_eml()
    with pytest.raises(LimitExceeded, match="quá nhiều"):
        extract_eml(data, ctx(max_members=4))
    with pytest.raises(LimitExceeded, match="quá lớn"):
        extract_eml(data, ctx(max_file_bytes=10_000))
    with pytest.raises(LimitExceeded):
        extract_eml(data, ctx(max_unpacked_bytes=20_000))
    with pytest.raises(LimitExceeded, match="chữ"):
        extract_eml(data, ctx(max_text_chars=20))


def test_eml_deep_mime_nesting_is_an_error():
    raw = b"Subject: x\r\nMIME-Version: 1.0\r\n"
    for i in range(80):
        raw += f'Content-Type: multipart/mixed; boundary="b{i}"\r\n\r\n--b{i}\r\n'.encode()
    raw += b"Content-Type: text/plain\r\n\r\nhi\r\n"
    with pytest.raises(ScanError):
        extract_eml(raw, ctx())


def test_eml_html_body_keeps_layout_hints_and_runs_nothing():
    raw = (
        b"Subject: x\r\nMIME-Version: 1.0\r\n"
        b"Content-Type: text/html; charset=windows-1258\r\n\r\n"
        b'<html><head><meta charset="utf-8"></head><body><div>S\xf4\xec 5</div>'
        b"<script>document.write('M\xc2\xf2T')</script><img src='http://x/y.png'>"
        b"<p style='color:#ff0000'><b>TUY\xca\xf2T M\xc2\xf2T</b></p></body></html>"
    )
    doc = extract_eml(raw, ctx())
    body = [b for b in doc.blocks if b.part == "body"]
    # the MIME charset wins over the <meta> the body still carries
    assert [unicodedata.normalize("NFC", b.text) for b in body] == ["Số 5", "TUYỆT MẬT"]
    assert body[1].bold and body[1].color == "red" and body[1].alone


def test_eml_preamble_and_epilogue_are_read():
    raw = (
        b'Subject: x\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="XX"\r\n'
        b"\r\nTUYET MAT\r\n--XX\r\nContent-Type: text/plain\r\n\r\nbody\r\n--XX--\r\nepilogue\r\n"
    )
    assert texts(extract_eml(raw, ctx()), "body") == ["TUYET MAT", "body", "epilogue"]


def test_eml_with_a_boundary_that_never_comes_keeps_its_content():
    raw = (
        b'Subject: x\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="XX"\r\n'
        b"\r\n--YY\r\nContent-Type: text/plain\r\n\r\nTUYET MAT\r\n--YY--\r\n"
    )
    doc = extract_eml(raw, ctx())
    assert len(doc.members) == 1 and b"TUYET MAT" in doc.members[0].data


# ---------------------------------------------------------------------------------- .msg


def test_cfb_writer_reads_back_with_olefile():
    streams = {
        "small": b"s" * 100,
        "exactly4096": os.urandom(4096),
        "big": os.urandom(70_000),
        "empty": b"",
        "a/b/deep": b"deep",
        **{f"__attach_version1.0_#{i:08X}/data": os.urandom(i * 97) for i in range(60)},
    }
    raw = build_cfb(streams)
    assert olefile.isOleFile(io.BytesIO(raw))
    with olefile.OleFileIO(io.BytesIO(raw)) as ole:
        for path, data in streams.items():
            assert ole.openstream(path).read() == data
        assert ole.get_type("a/b") == olefile.STGTY_STORAGE
        assert len(ole.listdir()) == len(streams)


def test_msg_blocks_and_members():
    data = make_msg()
    assert sniff(data, "thu.msg") == "msg"
    doc = extract_msg(data, ctx("thu.msg"))
    assert texts(doc, "title") == ["Gửi hồ sơ mật"]
    assert texts(doc, "metadata") == ["Nguyễn Văn A", "Trần Thị B", "b@bo.gov.vn"]
    body = [b for b in doc.blocks if b.part == "body"]
    assert [b.text for b in body] == [
        "Kính gửi anh,",
        SECRET_LINE,
        "Trân trọng.",
        "Kinh gui",
        "TOI MAT",
    ]
    members = {m.name: m.data for m in doc.members}
    assert list(members) == ["Báo cáo.docx", "Tờ trình.txt", "Thư chuyển tiếp.msg", "bang.doc"]
    assert SECRET_LINE in docx_text(members["Báo cáo.docx"])
    assert members["Tờ trình.txt"] == "Tờ trình".encode()

    attached = members["Thư chuyển tiếp.msg"]
    assert sniff(attached) == "msg"
    inner = extract_msg(attached, ctx("Thư chuyển tiếp.msg"))
    assert texts(inner, "title") == ["Chuyển tiếp: kế hoạch"]
    assert texts(inner, "body") == ["TỐI MẬT", "Kế hoạch"]
    assert [(m.name, m.data) for m in inner.members] == [("phu-luc.txt", b"Phu luc")]
    # the attached message's property header was rewritten to a message file's 32 bytes
    with olefile.OleFileIO(io.BytesIO(attached)) as ole:
        assert len(ole.openstream("__properties_version1.0").read()) == 32 + 16

    # an OLE object attachment comes back as a compound file the doc extractor can open
    assert sniff(members["bang.doc"]) == "doc"


def test_msg_with_only_compressed_rtf_body():
    rtf = b"{\\rtf1\\ansi {\\cf2\\b T\\'d4I M\\'c2T}\\par}"
    s = msg_streams("RTF", None)
    s["__substg1.0_10090102"] = rtf_literal_lzfu(rtf)
    doc = extract_msg(build_cfb(s), ctx("thu.msg"))
    assert [(m.name, m.data) for m in doc.members] == [("noi-dung-thu.rtf", rtf)]
    assert sniff(doc.members[0].data) == "rtf"


def test_decompress_rtf_example_from_the_spec():
    # MS-OXRTFCP 3.1.1: a compressed RTF with back-references
    example = bytes.fromhex(
        "2d0000002b0000004c5a4675f1c5c7a703000a007263706731323542320af32068656c09"
        "0020627705b06c647d0a800fa0"
    )
    assert decompress_rtf(example, 1000) == b"{\\rtf1\\ansi\\ansicpg1252\\pard hello world}\r\n"
    with pytest.raises(LimitExceeded):
        decompress_rtf(example, 10)
    uncompressed = b"\x10\x00\x00\x00\x04\x00\x00\x00MELA\x00\x00\x00\x00{\\rt"
    assert decompress_rtf(uncompressed, 100) == b"{\\rt"
    with pytest.raises(ScanError):
        decompress_rtf(example[:12], 1000)


def test_msg_attachment_without_its_data_is_an_error():
    s = msg_streams("x", "y")
    s["__attach_version1.0_#00000000/__properties_version1.0"] = props_stream(8, {0x37050003: 1})
    s["__attach_version1.0_#00000000/__substg1.0_3707001F"] = utf16("mat.docx")
    with pytest.raises(ScanError, match=r"mat\.docx"):
        extract_msg(build_cfb(s), ctx("thu.msg"))
    # attached by reference (a link): no bytes to scan, the link is reported
    s["__attach_version1.0_#00000000/__properties_version1.0"] = props_stream(8, {0x37050003: 2})
    doc = extract_msg(build_cfb(s), ctx("thu.msg"))
    assert "Tệp đính kèm dạng liên kết: mat.docx" in texts(doc, "metadata")


def test_msg_limits():
    data = make_msg()
    with pytest.raises(LimitExceeded, match="quá nhiều"):
        extract_msg(data, ctx("thu.msg", max_members=3))
    with pytest.raises(LimitExceeded, match="quá lớn"):
        extract_msg(data, ctx("thu.msg", max_file_bytes=20_000))


@pytest.mark.parametrize("cut", [0.05, 0.15, 0.3, 0.6, 0.8, 0.95, 0.99])
def test_truncated_msg_is_an_error_not_an_empty_mail(cut):
    data = make_msg()
    with pytest.raises(ScanError):
        extract_msg(data[: int(len(data) * cut)], ctx("thu.msg"))


def test_not_an_ole_file():
    with pytest.raises(ScanError):
        extract_msg(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(100), ctx("thu.msg"))


# ------------------------------------------------------------------------------ fuzzing

_EML = make_eml()
_MSG = make_msg()


def _mutate(base: bytes, flips, cut) -> bytes:
    data = bytearray(base)
    for pos, value in flips:
        data[pos % len(data)] = value
    return bytes(data[: max(1, cut % (len(data) + 1))])


_FLIPS = st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 255)), max_size=12)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_FLIPS, st.integers(0, 10**6))
def test_fuzz_mutated_eml_raises_only_scan_error(flips, cut):
    with contextlib.suppress(ScanError):
        extract_eml(_mutate(_EML, flips, cut), ctx())


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_FLIPS, st.integers(0, 10**6))
def test_fuzz_mutated_msg_raises_only_scan_error(flips, cut):
    with contextlib.suppress(ScanError):
        extract_msg(_mutate(_MSG, flips, cut), ctx("thu.msg"))


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=4096))
def test_fuzz_random_bytes_raise_only_scan_error(blob):
    with contextlib.suppress(ScanError):
        extract_eml(blob, ctx())
    with contextlib.suppress(ScanError):
        extract_msg(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + blob, ctx("thu.msg"))
    with contextlib.suppress(ScanError):
        decompress_rtf(blob, 100_000)
