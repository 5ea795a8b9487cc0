"""Builders of real office files for the scanner's tests: DOCX (python-docx, or raw XML where
python-docx cannot write text boxes, comments, tracked changes, WordArt), XLSX (openpyxl, raw
for inline strings), PPTX and ODF (raw zip + XML), legacy DOC/XLS/PPT (LibreOffice headless),
RTF and HTML. Everything is made in the test run; nothing binary is committed."""

from __future__ import annotations

import io
import os
import shutil
import struct
import subprocess
import zipfile
from pathlib import Path

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
NSDECL = (
    f'xmlns:w="{W_NS}" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships" '
    'xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" '
    'xmlns:wps="http://schemas.microsoft.com/office/word/2010/wordprocessingShape" '
    'xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing" '
    'xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" '
    'xmlns:v="urn:schemas-microsoft-com:vml" '
    'xmlns:o="urn:schemas-microsoft-com:office:office"'
)


def zip_bytes(files: dict[str, bytes | str], compression=zipfile.ZIP_DEFLATED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression) as z:
        for name, data in files.items():
            z.writestr(name, data.encode("utf-8") if isinstance(data, str) else data)
    return buf.getvalue()


def cut_member(data: bytes, name: str) -> bytes:
    """The package with member `name` cut short: written last, deflated as stored blocks
    (compression level 0), half its data dropped and the central directory moved back over
    it. Reading the member then runs out of file before the deflate stream is done, which
    zipfile reports as a bare EOFError. The member must be larger than the central directory:
    then the directory is read as the rest of the stored block and nothing fails before."""
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        parts = sorted(((i, z.read(i)) for i in z.infolist()), key=lambda p: p[0].filename == name)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for info, content in parts:
            method = zipfile.ZIP_STORED if info.filename == "mimetype" else zipfile.ZIP_DEFLATED
            z.writestr(info.filename, content, compress_type=method, compresslevel=0)
    whole = buf.getvalue()
    with zipfile.ZipFile(io.BytesIO(whole)) as z:
        info = z.getinfo(name)
    end = whole.rindex(b"PK\x05\x06")
    cd_size, cd_offset = struct.unpack_from("<II", whole, end + 12)
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    assert start + info.compress_size == cd_offset, "the member is not the last one"
    cut = start + info.compress_size // 2
    out = bytearray(whole[:cut] + whole[cd_offset:])
    struct.pack_into("<I", out, cut + cd_size + 16, cut)  # the end record's directory offset
    return bytes(out)


def central_sizes(data: bytes, name: str, size: int) -> bytes:
    """The package with member `name`'s compressed and uncompressed sizes in the central
    directory set to `size` (its local header unchanged), as a flipped byte would do."""
    raw = name.encode()
    pos = 0
    while True:
        pos = data.index(b"PK\x01\x02", pos)
        n = struct.unpack_from("<H", data, pos + 28)[0]
        if data[pos + 46 : pos + 46 + n] == raw:
            break
        pos += 4
    out = bytearray(data)
    struct.pack_into("<II", out, pos + 20, size, size)
    return bytes(out)


def run(text: str, font: str = "", bold: bool = False, color: str = "", deleted=False) -> str:
    props = ""
    if font:
        props += f'<w:rFonts w:ascii="{font}" w:hAnsi="{font}"/>'
    if bold:
        props += "<w:b/>"
    if color:
        props += f'<w:color w:val="{color}"/>'
    tag = "w:delText" if deleted else "w:t"
    return f'<w:r><w:rPr>{props}</w:rPr><{tag} xml:space="preserve">{text}</{tag}></w:r>'


def para(*runs: str, ppr: str = "") -> str:
    return f"<w:p><w:pPr>{ppr}</w:pPr>{''.join(runs)}</w:p>"


def textbox(inner: str) -> str:
    """A Word 2010 text box the way Word writes it: DrawingML choice + VML fallback."""
    return (
        '<w:r><mc:AlternateContent><mc:Choice Requires="wps"><w:drawing><wp:anchor>'
        "<a:graphic><a:graphicData><wps:wsp><wps:txbx><w:txbxContent>"
        f"{inner}</w:txbxContent></wps:txbx></wps:wsp></a:graphicData></a:graphic>"
        "</wp:anchor></w:drawing></mc:Choice><mc:Fallback><w:pict><v:shape><v:textbox>"
        f"<w:txbxContent>{inner}</w:txbxContent></v:textbox></v:shape></w:pict>"
        "</mc:Fallback></mc:AlternateContent></w:r>"
    )


def wordart(text: str) -> str:
    return (
        '<w:r><w:pict><v:shape fillcolor="red" type="#_x0000_t136">'
        f'<v:textpath style="font-family:&quot;Times New Roman&quot;" string="{text}"/>'
        "</v:shape></w:pict></w:r>"
    )


_DOCX_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
    'relationships+xml"/>'
    '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-'
    'officedocument.wordprocessingml.document.main+xml"/></Types>'
)
_ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/officeDocument" Target="{target}"/></Relationships>'
)


def raw_docx(
    body: str,
    header: str = "",
    footer: str = "",
    comments: str = "",
    footnotes: str = "",
    styles: str = "",
    core_title: str = "",
    extra: dict | None = None,
) -> bytes:
    """A DOCX from WordprocessingML fragments (paragraphs), each in the part it names."""
    files: dict[str, bytes | str] = {
        "[Content_Types].xml": _DOCX_TYPES,
        "_rels/.rels": _ROOT_RELS.format(target="word/document.xml"),
        "word/document.xml": f"<w:document {NSDECL}><w:body>{body}</w:body></w:document>",
    }
    if header:
        files["word/header1.xml"] = f"<w:hdr {NSDECL}>{header}</w:hdr>"
    if footer:
        files["word/footer1.xml"] = f"<w:ftr {NSDECL}>{footer}</w:ftr>"
    if comments:
        files["word/comments.xml"] = (
            f'<w:comments {NSDECL}><w:comment w:id="0" w:author="A">{comments}'
            "</w:comment></w:comments>"
        )
    if footnotes:
        files["word/footnotes.xml"] = (
            f'<w:footnotes {NSDECL}><w:footnote w:id="1">{footnotes}</w:footnote></w:footnotes>'
        )
    if styles:
        files["word/styles.xml"] = f"<w:styles {NSDECL}>{styles}</w:styles>"
    if core_title:
        files["docProps/core.xml"] = (
            '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/'
            'metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/">'
            f"<dc:title>{core_title}</dc:title></cp:coreProperties>"
        )
    files.update(extra or {})
    return zip_bytes(files)


def python_docx_file() -> bytes:
    """A DOCX written by python-docx: header, footer, a one-cell table, a grid table, bold red
    split runs, a .VnTimeH/.VnTime paragraph, a title in the core properties."""
    import docx
    from docx.shared import RGBColor

    d = docx.Document()
    d.sections[0].header.paragraphs[0].text = "ĐẦU TRANG: MẬT"
    d.sections[0].footer.paragraphs[0].text = "Chân trang số 1"
    p = d.add_paragraph()
    for piece in ("M", "ẬT"):
        r = p.add_run(piece)
        r.bold = True
        r.font.color.rgb = RGBColor(0xFF, 0, 0)
    p = d.add_paragraph()
    r = p.add_run("mËt")
    r.font.name = ".VnTimeH"
    r = p.add_run(" tµi liÖu nµy")
    r.font.name = ".VnTime"
    d.add_paragraph("Căn cứ Luật Bảo vệ bí mật nhà nước năm 2018, các cơ quan có trách nhiệm.")
    box = d.add_table(rows=1, cols=1)
    box.cell(0, 0).text = "TỐI MẬT"
    grid = d.add_table(rows=2, cols=2)
    grid.cell(1, 1).text = "Ô cuối bảng"
    d.core_properties.title = "Báo cáo tuyệt mật"
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


def xlsx_file() -> bytes:
    """An XLSX written by openpyxl: red bold .VnTime cell, a comment, a header and footer."""
    import openpyxl
    from openpyxl.comments import Comment
    from openpyxl.styles import Font

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Danh sách"
    ws["A1"] = "MẬT"
    ws["A1"].font = Font(name="Times New Roman", bold=True, color="FFFF0000")
    ws["B3"] = "Bảng kê tài liệu"
    ws["C4"] = "mËt"
    ws["C4"].font = Font(name=".VnTimeH")
    ws["D5"] = 12345
    ws["B3"].comment = Comment("Ghi chú: tài liệu tối mật", "Văn thư")
    ws.oddHeader.center.text = "Bản sao số 2"
    ws.oddFooter.right.text = "Trang &P"
    ws2 = wb.create_sheet("Phụ lục")
    ws2["A2"] = "Nội dung phụ lục"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


_S = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG = "http://schemas.openxmlformats.org/package/2006/relationships"


def raw_xlsx_inline(cell_xml: str) -> bytes:
    """A minimal XLSX whose only sheet holds `cell_xml` (e.g. an inline string) in row 1."""
    return zip_bytes(
        {
            "[Content_Types].xml": _DOCX_TYPES.replace("/word/document.xml", "/xl/workbook.xml"),
            "_rels/.rels": _ROOT_RELS.format(target="xl/workbook.xml"),
            "xl/workbook.xml": (
                f'<workbook xmlns="{_S}" xmlns:r="{_R}"><sheets>'
                '<sheet name="Tờ 1" sheetId="1" r:id="rId1"/></sheets></workbook>'
            ),
            "xl/_rels/workbook.xml.rels": (
                f'<Relationships xmlns="{_PKG}"><Relationship Id="rId1" '
                f'Type="{_R}/worksheet" Target="worksheets/sheet1.xml"/></Relationships>'
            ),
            "xl/worksheets/sheet1.xml": (
                f'<worksheet xmlns="{_S}"><sheetData><row r="1">{cell_xml}</row></sheetData>'
                "</worksheet>"
            ),
        }
    )


_P = "http://schemas.openxmlformats.org/presentationml/2006/main"
_A = "http://schemas.openxmlformats.org/drawingml/2006/main"


def _sp(paragraphs: str, ph: str = "") -> str:
    phx = f'<p:ph type="{ph}"/>' if ph else ""
    return (
        f'<p:sp><p:nvSpPr><p:cNvPr id="2" name="s"/><p:cNvSpPr/><p:nvPr>{phx}</p:nvPr>'
        f"</p:nvSpPr><p:spPr/><p:txBody><a:bodyPr/>{paragraphs}</p:txBody></p:sp>"
    )


def a_run(text: str, font: str = "", bold=False, color: str = "") -> str:
    props = ""
    if font:
        props += f'<a:latin typeface="{font}"/>'
    if color:
        props = f'<a:solidFill><a:srgbClr val="{color}"/></a:solidFill>' + props
    b = ' b="1"' if bold else ""
    return f'<a:r><a:rPr lang="vi-VN"{b}>{props}</a:rPr><a:t>{text}</a:t></a:r>'


def _slide_doc(tag: str, shapes: str) -> str:
    return (
        f'<p:{tag} xmlns:p="{_P}" xmlns:a="{_A}" xmlns:r="{_R}"><p:cSld><p:spTree>'
        f"{shapes}</p:spTree></p:cSld></p:{tag}>"
    )


def pptx_file() -> bytes:
    """Two slides (in presentation order 2, 1), a title placeholder, a table, speaker notes,
    a master with a footer mark."""
    slide1 = _slide_doc(
        "sld",
        _sp(f"<a:p>{a_run('Kế hoạch', bold=True)}{a_run(' công tác')}</a:p>", ph="title")
        + _sp(f"<a:p>{a_run('M', color='FF0000')}{a_run('ẬT', color='FF0000')}</a:p>")
        + "<p:graphicFrame><a:graphic><a:graphicData><a:tbl><a:tr><a:tc><a:txBody><a:p>"
        + a_run("TỐI MẬT")
        + "</a:p></a:txBody></a:tc></a:tr></a:tbl></a:graphicData></a:graphic>"
        "</p:graphicFrame>",
    )
    slide2 = _slide_doc("sld", _sp(f"<a:p>{a_run('mËt', font='.VnTimeH')}</a:p>"))
    notes = _slide_doc("notes", _sp(f"<a:p>{a_run('Ghi chú: không phổ biến')}</a:p>"))
    master = _slide_doc("sldMaster", _sp(f"<a:p>{a_run('Tài liệu thu hồi')}</a:p>", ph="ftr"))
    rel = '<Relationship Id="{id}" Type="{t}" Target="{target}"/>'
    return zip_bytes(
        {
            "[Content_Types].xml": _DOCX_TYPES.replace(
                "/word/document.xml", "/ppt/presentation.xml"
            ),
            "_rels/.rels": _ROOT_RELS.format(target="ppt/presentation.xml"),
            "ppt/presentation.xml": (
                f'<p:presentation xmlns:p="{_P}" xmlns:r="{_R}"><p:sldIdLst>'
                '<p:sldId id="256" r:id="rId2"/><p:sldId id="257" r:id="rId1"/>'
                "</p:sldIdLst></p:presentation>"
            ),
            "ppt/_rels/presentation.xml.rels": f'<Relationships xmlns="{_PKG}">'
            + rel.format(id="rId1", t=f"{_R}/slide", target="slides/slide1.xml")
            + rel.format(id="rId2", t=f"{_R}/slide", target="slides/slide2.xml")
            + "</Relationships>",
            "ppt/slides/slide1.xml": slide1,
            "ppt/slides/slide2.xml": slide2,
            "ppt/slides/_rels/slide1.xml.rels": f'<Relationships xmlns="{_PKG}">'
            + rel.format(id="rId1", t=f"{_R}/notesSlide", target="../notesSlides/notesSlide1.xml")
            + "</Relationships>",
            "ppt/notesSlides/notesSlide1.xml": notes,
            "ppt/slideMasters/slideMaster1.xml": master,
        }
    )


_ODF_NS = (
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
    'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
    'xmlns:draw="urn:oasis:names:tc:opendocument:xmlns:drawing:1.0" '
    'xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0" '
    'xmlns:fo="urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0" '
    'xmlns:svg="urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0" '
    'xmlns:presentation="urn:oasis:names:tc:opendocument:xmlns:presentation:1.0" '
    'xmlns:dc="http://purl.org/dc/elements/1.1/" '
    'xmlns:meta="urn:oasis:names:tc:opendocument:xmlns:meta:1.0" '
    'office:version="1.3"'
)
_ODF_MIME = {
    "odt": "application/vnd.oasis.opendocument.text",
    "ods": "application/vnd.oasis.opendocument.spreadsheet",
    "odp": "application/vnd.oasis.opendocument.presentation",
}
_ODF_BODY = {"odt": "text", "ods": "spreadsheet", "odp": "presentation"}


def odf_file(kind: str, body: str, auto_styles: str = "", master: str = "", title="") -> bytes:
    """An ODF package (odt/ods/odp) from a body fragment, automatic styles of content.xml, and
    master styles (headers/footers) of styles.xml. Font faces: .VnTime and Times New Roman."""
    faces = (
        "<office:font-face-decls>"
        '<style:font-face style:name="VnTime" svg:font-family="&apos;.VnTime&apos;"/>'
        '<style:font-face style:name="VnTimeH" svg:font-family=".VnTimeH"/>'
        '<style:font-face style:name="Times New Roman" svg:font-family="&apos;Times New '
        'Roman&apos;"/></office:font-face-decls>'
    )
    content = (
        f'<?xml version="1.0" encoding="UTF-8"?><office:document-content {_ODF_NS}>{faces}'
        f"<office:automatic-styles>{auto_styles}</office:automatic-styles><office:body>"
        f"<office:{_ODF_BODY[kind]}>{body}</office:{_ODF_BODY[kind]}></office:body>"
        "</office:document-content>"
    )
    styles = (
        f'<?xml version="1.0" encoding="UTF-8"?><office:document-styles {_ODF_NS}>{faces}'
        f"<office:master-styles>{master}</office:master-styles></office:document-styles>"
    )
    meta = (
        f'<?xml version="1.0" encoding="UTF-8"?><office:document-meta {_ODF_NS}><office:meta>'
        f"<dc:title>{title}</dc:title></office:meta></office:document-meta>"
    )
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("mimetype", _ODF_MIME[kind], compress_type=zipfile.ZIP_STORED)
        for name, data in (("content.xml", content), ("styles.xml", styles), ("meta.xml", meta)):
            z.writestr(name, data, compress_type=zipfile.ZIP_DEFLATED)
        entries = "".join(
            f'<manifest:file-entry manifest:full-path="{path}" manifest:media-type="{mt}"/>'
            for path, mt in (("/", _ODF_MIME[kind]), ("content.xml", "text/xml"),
                             ("styles.xml", "text/xml"), ("meta.xml", "text/xml"))
        )  # fmt: skip
        z.writestr(
            "META-INF/manifest.xml",
            '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest="urn:oasis:'
            f'names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.3">{entries}'
            "</manifest:manifest>",
        )
    return buf.getvalue()


def soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def convert(src: Path, fmt: str, workdir: Path) -> bytes:
    """LibreOffice headless conversion (docx → doc, xlsx → xls, pptx → ppt), with a private
    profile so parallel test runs do not share one."""
    exe = soffice()
    assert exe, "soffice is not installed"
    profile = workdir / "lo-profile"
    subprocess.run(
        [
            exe,
            f"-env:UserInstallation=file://{profile}",
            "--headless",
            "--convert-to",
            fmt,
            "--outdir",
            str(workdir),
            str(src),
        ],
        check=True,
        capture_output=True,
        timeout=180,
        env={**os.environ, "HOME": str(workdir)},
    )
    return (workdir / (src.stem + "." + fmt)).read_bytes()


RTF_SAMPLE = (
    rb"{\rtf1\ansi\ansicpg1252\deff0"
    rb"{\fonttbl{\f0\froman\fcharset0 Times New Roman;}{\f1\fnil\fcharset0 .VnTimeH;}"
    rb"{\f2\fnil\fcharset0 .VnTime;}}"
    rb"{\colortbl;\red0\green0\blue0;\red255\green0\blue0;}"
    rb"{\info{\title B\'e1o c\'e1o}{\author X}}"
    rb"{\header\pard\plain\f0 \u272?\u7846?U TRANG\par}"
    rb"\pard\plain\f0\b\cf2 M\u7852?T\par"
    rb"\pard\plain\f1 m\'cbt\plain\f2  t\'b5i li\'d6u\par"
    rb"\pard\plain\f0 C\u259?n c\u7913? Lu\u7853?t {\*\bkmkstart x}ngh\u7883? {\uc2\u8364??} "
    rb"euro{\pict\pngblip 89504e47}{\*\fldinst HYPERLINK x}\par"
    rb"{\*\shpinst{\sp{\sn gtextUNICODE}{\sv T\u7888?I M\u7852?T}}"
    rb"{\shptxt \pard Trong h\u7897?p\par}}"
    rb"{\footnote \pard Ch\u250? th\u237?ch\par}"
    rb"{\object\objemb{\*\objdata 0105000002000000}{\result \pard K\u7871?t qu\u7843?\par}}"
    rb"\pard\intbl \u212?1\cell\row"
    rb"}"
)

HTML_SAMPLE = """<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>Cổng thông tin</title>
<meta name="description" content="Mô tả trang">
<style>p { color: red }</style><script>document.write("MẬT từ script")</script>
<link rel="stylesheet" href="http://example.invalid/x.css"></head>
<body>
<header><p>Bộ Công an</p></header>
<p style="color:#ff0000; font-weight:bold">M<span>ẬT</span></p>
<p>Văn bản nói về các độ mật: <b>Tuyệt mật</b>, Tối mật và Mật theo luật.</p>
<div><font color="red" face=".VnTimeH">mËt</font><br>dòng sau</div>
<table><tr><td>TỐI MẬT</td></tr></table>
<table><tr><td>a</td><td>b</td></tr></table>
<p>Tải <a href="files/bao-cao.docx">báo cáo</a>, <a href="#top">lên</a>,
<a href="files/bao-cao.docx">lại</a> <iframe src="embed.html"></iframe></p>
<footer>Chân trang</footer>
<noscript>không chạy</noscript>
</body></html>
"""
