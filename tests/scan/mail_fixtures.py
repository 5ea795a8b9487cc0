"""Fixtures for the mail and archive extractors, generated here: real DOCX (python-docx),
real zips (zipfile), real .eml (email.message.EmailMessage), real .msg compound files
(bmnn.scan.extract.mail.build_cfb, checked against olefile in the tests), and hostile zips
made by patching the records of real ones."""

from __future__ import annotations

import io
import struct
import zipfile
from email.message import EmailMessage
from email.utils import make_msgid

import docx

from bmnn.scan.extract.mail import build_cfb

SECRET_LINE = "TUYỆT MẬT"


def make_docx(*paragraphs: str) -> bytes:
    d = docx.Document()
    for p in paragraphs:
        d.add_paragraph(p)
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


def docx_text(data: bytes) -> list[str]:
    return [p.text for p in docx.Document(io.BytesIO(data)).paragraphs]


def make_zip(members: dict[str, bytes], comment: bytes = b"", dirs: tuple[str, ...] = ()) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for d in dirs:
            z.writestr(zipfile.ZipInfo(d), b"")
        for name, data in members.items():
            z.writestr(zipfile.ZipInfo(name), data, compress_type=zipfile.ZIP_DEFLATED)
        z.comment = comment
    return buf.getvalue()


def zip_of_zeros(size: int, name: str = "zeros.bin", chunk: int = 1 << 20) -> bytes:
    """A deflated member of `size` zero bytes, written streaming (memory stays at one chunk
    plus the ~1000:1 compressed output)."""
    buf = io.BytesIO()
    block = bytes(chunk)
    info = zipfile.ZipInfo(name)
    info.compress_type = zipfile.ZIP_DEFLATED
    with (
        zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z,
        z.open(info, "w") as f,
    ):
        left = size
        while left > 0:
            f.write(block[: min(chunk, left)])
            left -= chunk
    return buf.getvalue()


def _records(data: bytes):
    """(kind, offset, name) of every local (b"L") and central (b"C") record."""
    pos = 0
    while True:
        pos = data.find(b"PK", pos)
        if pos < 0:
            return
        sig = data[pos : pos + 4]
        if sig == b"PK\x03\x04":
            n = struct.unpack("<H", data[pos + 26 : pos + 28])[0]
            yield b"L", pos, data[pos + 30 : pos + 30 + n]
        elif sig == b"PK\x01\x02":
            n = struct.unpack("<H", data[pos + 28 : pos + 30])[0]
            yield b"C", pos, data[pos + 46 : pos + 46 + n]
        pos += 4


def patch_member(
    data: bytes,
    name: str,
    *,
    file_size: int | None = None,
    flag_set: int = 0,
    flag_clear: int = 0,
) -> bytes:
    """Rewrite a member's declared uncompressed size and flag bits in both its local header
    and its central directory record (what a hostile tool would write)."""
    out = bytearray(data)
    raw_name = name.encode("utf-8")
    hits = 0
    for kind, pos, n in list(_records(data)):
        if n != raw_name:
            continue
        hits += 1
        flag_at, size_at = (pos + 6, pos + 22) if kind == b"L" else (pos + 8, pos + 24)
        flag = struct.unpack("<H", out[flag_at : flag_at + 2])[0]
        out[flag_at : flag_at + 2] = struct.pack("<H", (flag | flag_set) & ~flag_clear)
        if file_size is not None:
            out[size_at : size_at + 4] = struct.pack("<I", file_size)
    assert hits == 2, f"member {name!r} not found twice in the zip"
    return bytes(out)


def patch_entry_count(data: bytes, count: int) -> bytes:
    """Make the end record claim `count` members (the central directory is unchanged)."""
    end = data.rfind(b"PK\x05\x06")
    out = bytearray(data)
    out[end + 8 : end + 12] = struct.pack("<HH", count, count)
    return bytes(out)


# ------------------------------------------------------------------------------ e-mail


def make_inner_eml() -> EmailMessage:
    inner = EmailMessage()
    inner["Subject"] = "Chuyển tiếp: kế hoạch"
    inner["From"] = "van.thu@so.gov.vn"
    inner["To"] = "lanh.dao@so.gov.vn"
    inner["Message-ID"] = make_msgid()
    inner.set_content("Thư được chuyển tiếp.\nTỐI MẬT\n")
    inner.add_attachment(
        b"noi dung dinh kem", maintype="text", subtype="plain", filename="ghi-chu.txt"
    )
    return inner


def make_eml() -> bytes:
    """A mail as a clerk would send it: plain and HTML bodies, a DOCX marked TUYỆT MẬT, a
    zip, a filename in RFC 2231 and one in RFC 2047, a nameless part, a forwarded mail."""
    msg = EmailMessage()
    msg["Subject"] = "Gửi báo cáo tháng 11"
    msg["From"] = "Nguyễn Văn A <a@so.gov.vn>"
    msg["To"] = "Trần Thị B <b@bo.gov.vn>"
    msg["Cc"] = "c@bo.gov.vn"
    msg["Message-ID"] = make_msgid()
    msg.set_content(f"Kính gửi anh chị,\n\n{SECRET_LINE}\nBáo cáo đính kèm.\n")
    msg.add_alternative(
        "<html><head><style>p {color: red}</style><script>var x = 'MẬT khẩu';</script>"
        "</head><body><p>Kính gửi anh chị,</p><p><b>TỐI MẬT</b></p>"
        "<table><tr><td>Số: 12/BC</td><td>Hà Nội</td></tr></table></body></html>",
        subtype="html",
    )
    msg.add_attachment(
        make_docx("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", SECRET_LINE, "Báo cáo"),
        maintype="application",
        subtype="vnd.openxmlformats-officedocument.wordprocessingml.document",
        filename="Báo cáo TUYỆT MẬT.docx",
    )
    msg.add_attachment(
        make_zip({"ho-so/danh-sach.txt": "Danh sách".encode()}),
        maintype="application",
        subtype="zip",
        filename="ho-so.zip",
    )
    msg.add_attachment(b"%PDF-1.4 not really", maintype="application", subtype="pdf")
    for part in msg.iter_attachments():
        if part.get_content_type() == "application/pdf":
            # RFC 2047 in a quoted parameter, the way many clients still write it
            del part["Content-Disposition"]
            part["Content-Disposition"] = (
                'attachment; filename="=?utf-8?b?' + _b64("Quyết định số 5.pdf") + '?="'
            )
    msg.add_attachment(b"\x00\x01\x02 binary", maintype="application", subtype="octet-stream")
    msg.add_attachment(make_inner_eml())
    return msg.as_bytes()


def _b64(text: str) -> str:
    import base64

    return base64.b64encode(text.encode("utf-8")).decode("ascii")


# -------------------------------------------------------------------------------- .msg


def utf16(text: str) -> bytes:
    return text.encode("utf-16-le")


def props_stream(header: int, props: dict[int, int]) -> bytes:
    """A __properties_version1.0 stream: `header` bytes, then 16-byte fixed properties."""
    out = bytearray(header)
    for tag, value in props.items():
        out += struct.pack("<IIQ", tag, 6, value)
    return bytes(out)


def msg_streams(
    subject: str,
    body: str | None,
    prefix: str = "",
    html: bytes | None = None,
    header: int = 32,
) -> dict[str, bytes]:
    s = {
        f"{prefix}__properties_version1.0": props_stream(header, {0x3FFD0003: 1258}),
        f"{prefix}__substg1.0_0037001F": utf16(subject),
        f"{prefix}__substg1.0_0C1A001F": utf16("Nguyễn Văn A"),
        f"{prefix}__substg1.0_0E04001F": utf16("Trần Thị B"),
    }
    if body is not None:
        s[f"{prefix}__substg1.0_1000001F"] = utf16(body)
    if html is not None:
        s[f"{prefix}__substg1.0_10130102"] = html
    return s


def make_msg() -> bytes:
    """An Outlook message: Unicode subject/body, HTML body, a recipient, a DOCX attachment,
    an attachment whose name is 8-bit in code page 1258, an attached message with its own
    attachment, and an attached OLE object."""
    s = msg_streams(
        "Gửi hồ sơ mật",
        f"Kính gửi anh,\r\n{SECRET_LINE}\r\nTrân trọng.",
        html=b"<html><body><p>Kinh gui</p><script>alert('x')</script><p>TOI MAT</p></body></html>",
    )
    s["__recip_version1.0_#00000000/__properties_version1.0"] = props_stream(8, {})
    s["__recip_version1.0_#00000000/__substg1.0_39FE001F"] = utf16("b@bo.gov.vn")
    a0 = "__attach_version1.0_#00000000/"
    s[a0 + "__properties_version1.0"] = props_stream(8, {0x37050003: 1})
    s[a0 + "__substg1.0_3707001F"] = utf16("Báo cáo.docx")
    s[a0 + "__substg1.0_37010102"] = make_docx(SECRET_LINE, "Nội dung báo cáo")
    a1 = "__attach_version1.0_#00000001/"
    s[a1 + "__properties_version1.0"] = props_stream(8, {0x37050003: 1})
    s[a1 + "__substg1.0_3707001E"] = "T\u01a1\u0300 tri\u0300nh.txt".encode("cp1258")
    s[a1 + "__substg1.0_37010102"] = "Tờ trình".encode()
    a2 = "__attach_version1.0_#00000002/"
    s[a2 + "__properties_version1.0"] = props_stream(8, {0x37050003: 5})
    s[a2 + "__substg1.0_3001001F"] = utf16("Thư chuyển tiếp")
    emb = a2 + "__substg1.0_3701000D/"
    s.update(msg_streams("Chuyển tiếp: kế hoạch", "TỐI MẬT\r\nKế hoạch", prefix=emb, header=24))
    s[emb + "__attach_version1.0_#00000000/__properties_version1.0"] = props_stream(8, {})
    s[emb + "__attach_version1.0_#00000000/__substg1.0_3707001F"] = utf16("phu-luc.txt")
    s[emb + "__attach_version1.0_#00000000/__substg1.0_37010102"] = b"Phu luc"
    a3 = "__attach_version1.0_#00000003/"
    s[a3 + "__properties_version1.0"] = props_stream(8, {0x37050003: 6})
    s[a3 + "__substg1.0_3707001F"] = utf16("bang.doc")
    s[a3 + "__substg1.0_3701000D/WordDocument"] = b"\xec\xa5" + bytes(5000)
    s[a3 + "__substg1.0_3701000D/\x01CompObj"] = b"compobj"
    return build_cfb(s)


def rtf_literal_lzfu(rtf: bytes) -> bytes:
    """PR_RTF_COMPRESSED with literal runs only (valid MS-OXRTFCP, no back-references),
    ended by the reference to the write position that marks the end."""
    out = bytearray()
    wp = 207  # the length of the initial dictionary
    chunks = [rtf[i : i + 8] for i in range(0, len(rtf), 8)]
    for chunk in chunks:
        out.append(0)
        out += chunk
        wp = (wp + len(chunk)) & 0xFFF
    if len(chunks) and len(chunks[-1]) < 8:
        # the end token shares the last control byte: set its bit
        out[len(out) - len(chunks[-1]) - 1] |= 1 << len(chunks[-1])
    else:
        out.append(1)
    out += struct.pack(">H", wp << 4)
    header = struct.pack("<IIII", len(out) + 12, len(rtf), 0x75465A4C, 0)
    return header + bytes(out)
