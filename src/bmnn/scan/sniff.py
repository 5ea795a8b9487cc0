"""What a file is, from its content, not its extension (a .pdf that is a zip is a zip).

Kinds: docx xlsx pptx odt ods odp zip | doc xls ppt msg | pdf | rtf | png jpeg tiff gif bmp |
html eml text | unknown. Extensions only break ties the content leaves open (text vs eml).
"""

from __future__ import annotations

import io
import zipfile
import zlib

import olefile

# What zipfile raises on a damaged or hostile archive, opening it or reading a member: a
# member cut short raises a bare EOFError, an encrypted one RuntimeError, a bad deflate
# stream zlib.error. Shared with the extractors (ooxml, odf), for which all mean unreadable.
ZIP_ERRORS = (
    zipfile.BadZipFile,
    zlib.error,
    EOFError,
    OSError,
    ValueError,
    KeyError,
    NotImplementedError,
    RuntimeError,
    OverflowError,
)

_IMAGE_MAGIC = (
    (b"\x89PNG\r\n\x1a\n", "png"),
    (b"\xff\xd8\xff", "jpeg"),
    (b"II*\x00", "tiff"),
    (b"MM\x00*", "tiff"),
    (b"GIF87a", "gif"),
    (b"GIF89a", "gif"),
    (b"BM", "bmp"),
)
_ODF = {
    b"application/vnd.oasis.opendocument.text": "odt",
    b"application/vnd.oasis.opendocument.spreadsheet": "ods",
    b"application/vnd.oasis.opendocument.presentation": "odp",
}
_OLE_STREAMS = (
    ("WordDocument", "doc"),
    ("Workbook", "xls"),
    ("Book", "xls"),
    ("PowerPoint Document", "ppt"),
)
_MAIL_HEADERS = (
    b"from:",
    b"to:",
    b"subject:",
    b"date:",
    b"message-id:",
    b"mime-version:",
    b"received:",
    b"return-path:",
    b"content-type:",
)


def sniff(data: bytes, name: str = "") -> str:
    head = data[:4096]
    # Container headers at offset 0 first: an uncompressed zip whose first member is a PDF
    # holds "%PDF-" near its start, and reading it as one PDF would hide its other members.
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        return _zip_kind(data)
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return _ole_kind(data)
    if head.startswith(b"%PDF-") or b"%PDF-" in head[:1024]:
        return "pdf"
    for magic, kind in _IMAGE_MAGIC:
        if head.startswith(magic):
            return kind
    if head.lstrip().startswith(b"{\\rtf"):
        return "rtf"
    return _text_kind(head, name)


def _zip_kind(data: bytes) -> str:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            names = set(z.namelist())
            if "mimetype" in names:
                mimetype = z.read("mimetype")[:100].strip()
                if mimetype in _ODF:
                    return _ODF[mimetype]
            if "[Content_Types].xml" in names:
                tops = {n.split("/", 1)[0] for n in names}
                for top, kind in (("word", "docx"), ("xl", "xlsx"), ("ppt", "pptx")):
                    if top in tops:
                        return kind
    except ZIP_ERRORS:  # "mimetype" cut short too: no kind can be told from it
        return "zip"  # the zip extractor reports what is wrong with it
    return "zip"


def _ole_kind(data: bytes) -> str:
    try:
        with olefile.OleFileIO(io.BytesIO(data)) as ole:
            streams = {"/".join(s) for s in ole.listdir()}
    except (OSError, ValueError):
        return "doc"  # an OLE file we cannot list: the doc extractor reports the error
    for stream, kind in _OLE_STREAMS:
        if stream in streams:
            return kind
    if any(s.startswith("__substg1.0_") for s in streams):
        return "msg"
    return "ole"


def _text_kind(head: bytes, name: str) -> str:
    if b"\x00" in head and not (head.startswith((b"\xff\xfe", b"\xfe\xff"))):
        return "unknown"
    lowered = head[:2048].lower()
    stripped = lowered.lstrip(b"\xef\xbb\xbf \t\r\n")
    if stripped.startswith((b"<!doctype html", b"<html", b"<?xml")) and b"<html" in lowered:
        return "html"
    if stripped.startswith((b"<!doctype html", b"<html")):
        return "html"
    lines = stripped.split(b"\n", 12)[:12]
    headers = sum(1 for line in lines if line.startswith(_MAIL_HEADERS))
    if headers >= 2 or (headers >= 1 and name.lower().endswith(".eml")):
        return "eml"
    if name.lower().endswith((".htm", ".html", ".xhtml")):
        return "html"
    return "text"
