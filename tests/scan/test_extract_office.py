"""Office extractors on real files built here: DOCX, XLSX, PPTX, ODT/ODS/ODP, legacy DOC/XLS/PPT
(LibreOffice), the layout hints, the limits and hostile files, and a fuzz test."""

from __future__ import annotations

import contextlib
import io
import struct
import time
import zipfile

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bmnn.scan.extract import Context, extractor_for
from bmnn.scan.limits import Limits
from bmnn.scan.model import LimitExceeded, ScanError
from bmnn.scan.sniff import sniff
from tests.scan import office_fixtures as F


def extract(kind: str, data: bytes, **limits):
    return extractor_for(kind)(data, Context(limits=Limits(**limits), name=f"t.{kind}"))


def by_text(doc) -> dict:
    return {b.text: b for b in doc.blocks}


# ---------------------------------------------------------------------------------- DOCX


def test_docx_from_python_docx_reads_body_header_footer_tables_and_title():
    blocks = by_text(extract("docx", F.python_docx_file()))
    mat = blocks["MẬT"]  # "M" + "ẬT" in two runs comes back whole
    assert (mat.part, mat.bold, mat.color, mat.alone) == ("body", True, "red", True)
    assert blocks["ĐẦU TRANG: MẬT"].part == "header"
    assert blocks["Chân trang số 1"].part == "footer"
    box = blocks["TỐI MẬT"]
    assert (box.part, box.boxed) == ("table", True)  # a one-cell table is a frame
    cell = blocks["Ô cuối bảng"]
    assert (cell.part, cell.boxed) == ("table", False)
    assert "hàng 2, ô 2" in cell.location
    assert blocks["Báo cáo tuyệt mật"].part == "metadata"
    long = next(b for b in blocks.values() if b.text.startswith("Căn cứ"))
    assert long.alone is False


def test_docx_splits_a_paragraph_where_the_legacy_font_changes():
    doc = extract("docx", F.python_docx_file())
    legacy = [(b.text, b.font) for b in doc.blocks if b.font.startswith(".Vn")]
    assert legacy == [("mËt", ".VnTimeH"), ("tµi liÖu nµy", ".VnTime")]


def test_docx_raw_parts_text_box_tracked_changes_comments_notes_wordart_styles():
    styles = (
        '<w:docDefaults><w:rPrDefault><w:rPr><w:rFonts w:ascii="Arial"/></w:rPr></w:rPrDefault>'
        "</w:docDefaults>"
        '<w:style w:type="paragraph" w:default="1" w:styleId="Normal"><w:rPr>'
        '<w:rFonts w:ascii=".VnTime" w:hAnsi=".VnTime"/></w:rPr></w:style>'
        '<w:style w:type="paragraph" w:styleId="Stamp"><w:basedOn w:val="Normal"/><w:pPr>'
        '<w:pBdr><w:top w:val="single"/></w:pBdr></w:pPr><w:rPr><w:b/><w:color w:val="E00000"/>'
        "</w:rPr></w:style>"
    )
    body = (
        F.para(F.run("Số: 12/BC-UBND"), F.textbox(F.para(F.run("TỐI MẬT", bold=True))))
        + F.para(
            "<w:ins>" + F.run("thêm") + "</w:ins>",
            "<w:del>" + F.run("MẬT", deleted=True) + "</w:del>",
        )
        + F.para(F.run("Đóng khung"), ppr="<w:pBdr><w:box w:val='single'/></w:pBdr>")
        + F.para(F.run("Kiểu dấu"), ppr='<w:pStyle w:val="Stamp"/>')
        + F.para(F.run("Tuyệt ", font="Times New Roman"), F.run("mật", font="Times New Roman"))
    )
    doc = extract(
        "docx",
        F.raw_docx(
            body,
            header=F.para(F.wordart("MẬT")),
            footer=F.para(F.run("chân")),
            comments=F.para(F.run("nhận xét: tối mật")),
            footnotes=F.para(F.run("chú thích")),
            styles=styles,
            core_title="Tiêu đề",
        ),
    )
    blocks = by_text(doc)
    texts = [b.text for b in doc.blocks]
    assert texts.count("TỐI MẬT") == 1  # DrawingML choice read, VML fallback duplicate skipped
    tb = blocks["TỐI MẬT"]
    assert (tb.part, tb.boxed, tb.bold, tb.font) == ("textbox", True, True, ".VnTime")
    assert blocks["Số: 12/BC-UBND"].part == "body"
    assert blocks["thêm"].part == "body"
    deleted = [b for b in doc.blocks if "đã xoá" in b.location]
    assert [(b.text, b.part) for b in deleted] == [("MẬT", "body")]  # deleted text still leaked
    assert blocks["Đóng khung"].boxed
    stamp = blocks["Kiểu dấu"]  # the style gives borders, bold, red, and the Normal font
    assert (stamp.boxed, stamp.bold, stamp.color, stamp.font) == (True, True, "red", ".VnTime")
    assert blocks["Tuyệt mật"].font == "Times New Roman"
    art = next(b for b in doc.blocks if "WordArt" in b.location)
    assert (art.text, art.part, art.color, art.boxed, art.font) == (
        "MẬT",
        "header",
        "red",
        True,
        "Times New Roman",
    )
    assert blocks["chân"].part == "footer"
    assert blocks["nhận xét: tối mật"].part == "comment"
    assert blocks["chú thích"].part == "note"
    assert blocks["Tiêu đề"].part == "metadata"


def test_docx_custom_properties_and_line_breaks():
    body = F.para(F.run("MẬT") + "<w:r><w:br/></w:r>" + F.run("Số: 5/QĐ và nội dung rất dài " * 3))
    custom = (
        '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/custom-properties"'
        ' xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes">'
        '<property name="Phân loại"><vt:lpwstr>Tối mật</vt:lpwstr></property></Properties>'
    )
    doc = extract("docx", F.raw_docx(body, extra={"docProps/custom.xml": custom}))
    first, second = doc.blocks[0], doc.blocks[1]
    assert (first.text, first.alone) == ("MẬT", True)  # a line of its own
    assert second.text.startswith("Số: 5/QĐ") and not second.alone
    meta = doc.blocks[-1]
    assert (meta.text, meta.part) == ("Tối mật", "metadata")
    assert "Phân loại" in meta.location


def test_docx_embedded_files_become_members():
    from PIL import Image

    png = io.BytesIO()
    Image.new("RGB", (20, 10), "red").save(png, "PNG")
    inner = F.raw_docx(F.para(F.run("MẬT bên trong")))
    data = F.raw_docx(
        F.para(F.run("vỏ")),
        extra={
            "word/media/image1.png": png.getvalue(),
            "word/media/image2.emf": b"\x01\x00\x00\x00" + b"\x00" * 100,
            "word/embeddings/inner.docx": inner,
        },
    )
    doc = extract("docx", data)
    names = sorted(m.name for m in doc.members)
    assert names == ["word/embeddings/inner.docx", "word/media/image1.png"]
    member = next(m for m in doc.members if m.name.endswith(".docx"))
    assert by_text(extract("docx", member.data))["MẬT bên trong"]


def test_docx_strict_namespace_is_read():
    body = F.para(F.run("MẬT"))
    data = F.raw_docx(body)
    files = {}
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        for n in z.namelist():
            files[n] = z.read(n).replace(
                F.W_NS.encode(), b"http://purl.oclc.org/ooxml/wordprocessingml/main"
            )
    assert by_text(extract("docx", F.zip_bytes(files)))["MẬT"]


# ---------------------------------------------------------------------------------- XLSX


def test_xlsx_cells_fonts_comments_headers_footers():
    doc = extract("xlsx", F.xlsx_file())
    blocks = by_text(doc)
    a1 = blocks["MẬT"]
    assert (a1.location, a1.part, a1.bold, a1.color, a1.font) == (
        "Danh sách!A1",
        "table",
        True,
        "red",
        "Times New Roman",
    )
    assert blocks["mËt"].font == ".VnTimeH"
    assert blocks["Bảng kê tài liệu"].location == "Danh sách!B3"
    comment = blocks["Ghi chú: tài liệu tối mật"]
    assert (comment.part, comment.location) == ("comment", "Danh sách!B3 (ghi chú)")
    assert blocks["Bản sao số 2"].part == "header"
    assert blocks["Trang"].part == "footer"  # &P field code removed
    assert blocks["Nội dung phụ lục"].location == "Phụ lục!A2"
    assert "12345" not in blocks  # numbers are not text


def test_xlsx_inline_and_rich_strings_and_unused_shared_strings():
    font = '<rPr><rFont val=".VnTimeH"/></rPr>'
    rich = f'<c r="C2" t="inlineStr"><is><r>{font}<t>m</t></r><r>{font}<t>Ët</t></r></is></c>'
    doc = extract(
        "xlsx", F.raw_xlsx_inline('<c r="B1" t="inlineStr"><is><t>MẬT</t></is></c>' + rich)
    )
    blocks = by_text(doc)
    assert blocks["MẬT"].location == "Tờ 1!B1"
    assert blocks["mËt"].font == ".VnTimeH"

    files = _members(F.raw_xlsx_inline('<c r="A1" t="s"><v>0</v></c><c r="A2" t="s"><v>7</v></c>'))
    files["xl/sharedStrings.xml"] = (
        f'<sst xmlns="{F._S}"><si><t>Dùng</t></si><si><r><t>Tối mật </t></r><r><t>còn sót</t></r>'
        "<rPh><t>ruby</t></rPh></si></sst>"
    )
    blocks = by_text(extract("xlsx", F.zip_bytes(files)))
    assert blocks["Dùng"].location == "Tờ 1!A1"
    left = blocks["Tối mật còn sót"]  # no cell points to it, it is still in the file
    assert "sharedStrings" in left.location
    assert "ruby" not in blocks


# ---------------------------------------------------------------------------------- PPTX


def test_pptx_slides_in_order_titles_tables_notes_masters():
    doc = extract("pptx", F.pptx_file())
    assert doc.pages == 2
    blocks = by_text(doc)
    assert blocks["mËt"].location.startswith("trang chiếu 1")  # presentation order
    assert blocks["mËt"].font == ".VnTimeH"
    title = blocks["Kế hoạch công tác"]
    assert (title.part, title.bold) == ("title", True)
    mark = blocks["MẬT"]
    assert (mark.part, mark.color, mark.location.startswith("trang chiếu 2")) == (
        "body",
        "red",
        True,
    )
    assert (blocks["TỐI MẬT"].part, blocks["TỐI MẬT"].boxed) == ("table", True)
    assert blocks["Ghi chú: không phổ biến"].part == "note"
    assert blocks["Tài liệu thu hồi"].part == "header"


def test_pptx_too_many_slides_is_limit():
    with pytest.raises(LimitExceeded):
        extract("pptx", F.pptx_file(), max_pages=1)


# ---------------------------------------------------------------------------------- ODF

_ODT_STYLES = (
    '<style:style style:name="P1" style:family="paragraph"><style:paragraph-properties '
    'fo:border="0.5pt solid #000000"/><style:text-properties fo:color="#ff0000" '
    'fo:font-weight="bold" style:font-name="Times New Roman"/></style:style>'
    '<style:style style:name="T1" style:family="text"><style:text-properties '
    'fo:font-weight="bold"/></style:style>'
    '<style:style style:name="T2" style:family="text"><style:text-properties '
    'style:font-name="VnTimeH"/></style:style>'
)


def test_odt_body_spans_frames_notes_tables_headers_meta_and_deletions():
    body = (
        '<text:tracked-changes><text:changed-region text:id="c1"><text:deletion>'
        "<text:p>MẬT đã xoá</text:p></text:deletion></text:changed-region></text:tracked-changes>"
        '<text:p text:style-name="P1">M<text:span text:style-name="T1">ẬT</text:span></text:p>'
        '<text:p><text:span text:style-name="T2">mËt</text:span></text:p>'
        '<text:p>Số<text:s text:c="2"/>15<text:tab/>sau'
        "<draw:frame><draw:text-box><text:p>Trong hộp</text:p></draw:text-box></draw:frame>"
        "<text:note><text:note-citation>1</text:note-citation><text:note-body>"
        "<text:p>chú thích</text:p></text:note-body></text:note> tiếp</text:p>"
        "<text:p>Văn bản<office:annotation><dc:creator>A</dc:creator><text:p>nhận xét</text:p>"
        "</office:annotation> có nhận xét</text:p>"
        "<table:table><table:table-row><table:table-cell><text:p>TỐI MẬT</text:p>"
        "</table:table-cell></table:table-row></table:table>"
    )
    master = (
        '<style:master-page style:name="Standard"><style:header><text:p>Đầu trang MẬT</text:p>'
        "</style:header><style:footer><text:p>Chân trang</text:p></style:footer>"
        "</style:master-page>"
    )
    doc = extract("odt", F.odf_file("odt", body, _ODT_STYLES, master, title="Tiêu đề mật"))
    blocks = by_text(doc)
    mat = blocks["MẬT"]
    assert (mat.color, mat.bold, mat.boxed, mat.font, mat.alone) == (
        "red",
        True,
        True,
        "Times New Roman",
        True,
    )
    assert blocks["mËt"].font == ".VnTimeH"  # through the font-face declaration
    assert blocks["Số  15\tsau tiếp"].part == "body"
    assert (blocks["Trong hộp"].part, blocks["Trong hộp"].boxed) == ("textbox", True)
    assert blocks["chú thích"].part == "note"
    assert blocks["nhận xét"].part == "comment"
    assert blocks["Văn bản có nhận xét"].part == "body"
    assert (blocks["TỐI MẬT"].part, blocks["TỐI MẬT"].boxed) == ("table", True)
    assert blocks["Đầu trang MẬT"].part == "header"
    assert blocks["Chân trang"].part == "footer"
    assert blocks["Tiêu đề mật"].part == "metadata"
    assert "thay đổi" in blocks["MẬT đã xoá"].location


def test_ods_cell_addresses_count_repeated_rows_and_columns():
    body = (
        '<table:table table:name="Tờ1"><table:table-row table:number-rows-repeated="3">'
        "<table:table-cell/></table:table-row><table:table-row>"
        '<table:table-cell table:number-columns-repeated="2"/><table:table-cell><text:p>MẬT'
        "</text:p></table:table-cell></table:table-row></table:table>"
    )
    block = by_text(extract("ods", F.odf_file("ods", body)))["MẬT"]
    assert (block.location, block.part) == ("Tờ1!C4", "table")


def test_odp_pages_titles_and_notes():
    body = (
        '<draw:page draw:name="s1"><draw:frame presentation:class="title"><draw:text-box>'
        "<text:p>Tiêu đề</text:p></draw:text-box></draw:frame><draw:frame><draw:text-box>"
        "<text:p>Nội dung</text:p></draw:text-box></draw:frame><presentation:notes><draw:frame>"
        "<draw:text-box><text:p>ghi chú</text:p></draw:text-box></draw:frame></presentation:notes>"
        "</draw:page><draw:page><draw:frame><draw:text-box><text:p>MẬT</text:p></draw:text-box>"
        "</draw:frame></draw:page>"
    )
    doc = extract("odp", F.odf_file("odp", body))
    blocks = by_text(doc)
    assert doc.pages == 2
    assert blocks["Tiêu đề"].part == "title"
    assert blocks["Nội dung"].part == "textbox"
    assert blocks["ghi chú"].part == "note"
    assert blocks["MẬT"].location.startswith("trang chiếu 2")


# ------------------------------------------------------------------------ hostile and limits


def _zip_with(data: bytes, name: str, content: bytes) -> bytes:
    files = {}
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        for n in z.namelist():
            files[n] = z.read(n)
    files[name] = content
    return F.zip_bytes(files)


@pytest.mark.parametrize(
    "kind,data",
    [
        ("docx", F.raw_docx("<w:p><w:r><w:t>MẬT</w:r></w:p>")),
        ("docx", F.raw_docx(F.para(F.run("x")), header="<w:p>&bad;</w:p>")),
        ("odt", F.odf_file("odt", "<text:p>MẬT</text:span>")),
    ],
)
def test_broken_xml_is_scan_error_with_the_part(kind, data):
    with pytest.raises(ScanError) as err:
        extract(kind, data)
    assert "XML" in err.value.reason


def test_doctype_and_entities_are_refused_billion_laughs():
    lol = (
        '<?xml version="1.0"?><!DOCTYPE w:document [<!ENTITY a "MẬT MẬT MẬT MẬT">'
        '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;">]>'
        f'<w:document {F.NSDECL}><w:body><w:p w:rsidR="&c;"><w:r><w:t>&c;</w:t></w:r></w:p>'
        "</w:body></w:document>"
    )
    data = _zip_with(F.raw_docx(""), "word/document.xml", lol.encode())
    with pytest.raises(ScanError) as err:
        extract("docx", data)
    assert "DOCTYPE" in err.value.reason
    utf16 = _zip_with(
        F.raw_docx(""), "word/document.xml", lol.replace("UTF-8", "").encode("utf-16")
    )
    with pytest.raises(ScanError):
        extract("docx", utf16)


def test_zip_bomb_docx_is_limit_exceeded_before_reading():
    bomb = b"<w:t>" + b" " * (40 * 1024 * 1024)  # 40 MiB deflates ~1000x
    data = _zip_with(F.raw_docx(F.para(F.run("x"))), "word/document.xml", bomb)
    assert len(data) < 200_000
    started = time.monotonic()
    with pytest.raises(LimitExceeded) as err:
        extract("docx", data)
    assert "bom nén" in err.value.reason
    assert time.monotonic() - started < 1.0  # refused from the directory, nothing inflated


def test_total_unpacked_and_member_count_limits():
    data = F.python_docx_file()
    with pytest.raises(LimitExceeded):
        extract("docx", data, max_unpacked_bytes=10_000)
    with pytest.raises(LimitExceeded):
        extract("docx", data, max_members=3)
    with pytest.raises(LimitExceeded):
        extract("docx", data, max_text_chars=20)


def test_time_limit_is_checked():
    doc = F.raw_docx("".join(F.para(F.run(f"đoạn {i}")) for i in range(3000)))
    ctx = Context(limits=Limits(seconds_per_file=1), started=time.monotonic() - 10)
    with pytest.raises(LimitExceeded):
        extractor_for("docx")(doc, ctx)


@pytest.mark.parametrize("kind", ["docx", "xlsx", "pptx", "odt"])
def test_truncated_and_corrupt_files_are_scan_errors(kind):
    data = {
        "docx": F.python_docx_file,
        "xlsx": F.xlsx_file,
        "pptx": F.pptx_file,
        "odt": lambda: F.odf_file("odt", "<text:p>MẬT</text:p>"),
    }[kind]()
    for bad in (data[: len(data) // 2], data[:100]):
        with pytest.raises(ScanError):
            extract(kind, bad)
    # flipped bytes inside the compressed main text part: CRC or inflate error
    main = {
        "docx": "word/document.xml",
        "xlsx": "xl/worksheets/sheet1.xml",
        "pptx": "ppt/slides/slide1.xml",
        "odt": "content.xml",
    }[kind]
    corrupt = bytearray(data)
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        info = z.getinfo(main)
    offset = info.header_offset
    name_len, extra_len = struct.unpack_from("<HH", data, offset + 26)
    start = offset + 30 + name_len + extra_len
    for i in range(start + 5, start + min(15, info.compress_size - 1)):
        corrupt[i] ^= 0x55
    with pytest.raises(ScanError):
        extract(kind, bytes(corrupt))


def _big_ods() -> bytes:
    """An ODS whose content.xml, styles.xml and meta.xml are each larger than its central
    directory (what F.cut_member needs to cut them with a bare EOFError)."""
    rows = "".join(
        f"<table:table-row><table:table-cell><text:p>Dòng {i} bảng kê</text:p>"
        "</table:table-cell></table:table-row>"
        for i in range(100)
    )
    header = "".join(f"<text:p>Tiêu đề trang {i}</text:p>" for i in range(60))
    return F.odf_file(
        "ods",
        f'<table:table table:name="Trang1">{rows}</table:table>',
        master=f'<style:master-page style:name="Default"><style:header>{header}'
        "</style:header></style:master-page>",
        title="Bảng kê tài liệu " * 120,
    )


@pytest.mark.parametrize("part", ["content.xml", "styles.xml", "meta.xml"])
def test_ods_part_cut_short_is_scan_error_naming_the_part(part):
    data = F.cut_member(_big_ods(), part)
    with zipfile.ZipFile(io.BytesIO(data)) as z, pytest.raises(EOFError):
        z.read(part)  # the fixture does what it says: zipfile's bare EOFError
    assert sniff(data, "bang.ods") == "ods"
    with pytest.raises(ScanError) as err:
        extract("ods", data)
    assert part in err.value.reason
    assert "cắt cụt (dữ liệu nén kết thúc trước khi đọc đủ)" in err.value.reason


def test_ods_with_an_unreadable_mimetype_is_sniffed_as_a_damaged_zip():
    data = F.central_sizes(F.odf_file("ods", "<table:table/>"), "mimetype", 10**6)
    with zipfile.ZipFile(io.BytesIO(data)) as z, pytest.raises(EOFError):
        z.read("mimetype")
    # The kind cannot be told: the zip reader is the one to say what is wrong with it.
    assert sniff(data, "bang.ods") == "zip"
    with pytest.raises(ScanError):
        extract("zip", data)
    # an ODS carrying such a file as an embedded object: read, and the object handed on
    host = _zip_with(F.odf_file("ods", "<table:table/>"), "Object 1/bang.ods", data)
    doc = extract("ods", host)
    assert [m.name for m in doc.members] == ["Object 1/bang.ods"]


def test_ods_damaged_member_through_the_engine_is_error_with_its_reason():
    from bmnn.scan.engine import ScanConfig, scan_bytes

    config = ScanConfig(ocr=False)
    cut = F.cut_member(_big_ods(), "content.xml")
    bad_mimetype = F.central_sizes(F.odf_file("ods", "<table:table/>"), "mimetype", 10**6)
    for data in (cut, bad_mimetype):
        (result,) = scan_bytes(data, "bang.ods", config=config)
        assert result.verdict == "error" and result.error
        # a reason about the file, not the engine's "unexpected error" for a reader's bug
        assert not result.error.startswith("Lỗi khi đọc tệp ("), result.error


@pytest.mark.parametrize("kind", ["ods", "zip"])
def test_member_without_a_name_is_scan_error(kind):
    data = F.odf_file("ods", "<table:table/>")
    cd = data.index(b"PK\x01\x02")
    at = data.index(b"meta.xml", cd)
    data = data[:at] + b"\x00" + data[at + 1 :]  # zipfile cuts the name at the NUL: ""
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        assert "" in z.namelist()
    with pytest.raises(ScanError) as err:
        extract(kind, data)
    assert "không có tên" in err.value.reason


def test_missing_main_part_is_scan_error():
    data = F.zip_bytes({"[Content_Types].xml": F._DOCX_TYPES, "word/other.xml": "<a/>"})
    with pytest.raises(ScanError):
        extractor_for("docx")(data, Context())


# ---------------------------------------------------------------------------- legacy office


@pytest.fixture(scope="module")
def legacy(tmp_path_factory):
    if not F.soffice():
        pytest.skip("LibreOffice (soffice) is not installed: cannot make .doc/.xls/.ppt fixtures")
    work = tmp_path_factory.mktemp("legacy")
    (work / "a.docx").write_bytes(F.python_docx_file())
    (work / "b.xlsx").write_bytes(F.xlsx_file())
    body = (
        '<draw:page draw:name="p1" draw:master-page-name="Default"><draw:frame svg:width="20cm" '
        'svg:height="3cm" svg:x="1cm" svg:y="1cm"><draw:text-box><text:p>TỐI MẬT trình chiếu'
        "</text:p></draw:text-box></draw:frame></draw:page>"
    )
    master = '<style:master-page style:name="Default"/>'
    (work / "c.odp").write_bytes(F.odf_file("odp", body, master=master))
    return {
        "doc": F.convert(work / "a.docx", "doc", work),
        "xls": F.convert(work / "b.xlsx", "xls", work),
        "ppt": F.convert(work / "c.odp", "ppt", work),
    }


def test_legacy_doc_xls_ppt_are_read_with_debian_tools(legacy):
    assert sniff(legacy["doc"]) == "doc"
    doc = by_text(extract("doc", legacy["doc"]))
    assert "MẬT" in doc and "TỐI MẬT" in doc
    assert "ĐẦU TRANG: MẬT" in doc  # headers come through catdoc
    assert all(b.font == "" for b in doc.values())  # the tools lose font names
    xls = by_text(extract("xls", legacy["xls"]))
    assert xls["MẬT"].part == "table"
    assert "Bảng kê tài liệu" in xls
    ppt = by_text(extract("ppt", legacy["ppt"]))
    assert "TỐI MẬT trình chiếu" in ppt


def test_legacy_failures_are_scan_errors(legacy, monkeypatch):
    with pytest.raises(ScanError):
        extract("doc", legacy["doc"][:3000])
    with pytest.raises(ScanError):
        extract("xls", b"not an OLE file at all")
    import bmnn.scan.extract.legacy_office as lo

    with pytest.raises(ScanError):
        extract("ppt", legacy["ppt"][:1500])
    monkeypatch.setattr(lo.shutil, "which", lambda name: None)
    with pytest.raises(ScanError) as err:
        extract("doc", legacy["doc"])
    assert "antiword" in err.value.reason and "catdoc" in err.value.reason
    with pytest.raises(ScanError):
        extract("xls", legacy["xls"])


# ---------------------------------------------------------------------------------- fuzzing

_SAMPLES = {
    "docx": F.raw_docx(
        F.para(F.run("M"), F.run("ẬT")) + F.para(F.textbox(F.para(F.run("hộp")))),
        header=F.para(F.wordart("MẬT")),
        comments=F.para(F.run("c")),
    ),
    "xlsx": F.xlsx_file(),
    "pptx": F.pptx_file(),
    "odt": F.odf_file("odt", "<text:p>M<text:span>ẬT</text:span></text:p>", master=""),
    "ods": F.odf_file(
        "ods",
        "<table:table><table:table-row><table:table-cell><text:p>MẬT</text:p>"
        "</table:table-cell></table:table-row></table:table>",
    ),
}


_INSERTS = [
    b"<", b">", b"</w:p>", b"<w:p>", b"&", b'"', b"\x00", b"<a:p>", b"<w:tbl><w:tr><w:tc>",
    b'r="ZZ9"', b'<c t="s"><v>99</v></c>', b"<text:p>", b"<!DOCTYPE x>",
]  # fmt: skip


def _members(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return {n: z.read(n) for n in z.namelist()}


def _only_scan_errors(kind: str, data: bytes) -> None:
    with contextlib.suppress(ScanError):
        extractor_for(kind)(data, Context(limits=Limits(seconds_per_file=20)))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    kind=st.sampled_from(sorted(_SAMPLES)),
    data=st.data(),
)
def test_fuzz_zip_extractors_raise_only_scan_error(kind, data):
    sample = _SAMPLES[kind]
    how = data.draw(st.sampled_from(["random", "bytes", "member"]))
    if how == "random":
        blob = data.draw(st.binary(max_size=2000))
    elif how == "bytes":  # flip, cut and splice the zip itself
        blob = bytearray(sample)
        for _ in range(data.draw(st.integers(1, 8))):
            pos = data.draw(st.integers(0, len(blob) - 1))
            blob[pos] = data.draw(st.integers(0, 255))
        blob = bytes(blob[: data.draw(st.integers(1, len(blob)))])
    else:  # a well-formed zip whose XML is mutated: reaches the parsers
        files = _members(sample)
        names = sorted(n for n in files if n.endswith((".xml", ".rels")))
        name = data.draw(st.sampled_from(names))
        xml = bytearray(files[name])
        for _ in range(data.draw(st.integers(1, 6))):
            op = data.draw(st.sampled_from(["del", "ins", "set"]))
            pos = data.draw(st.integers(0, max(0, len(xml) - 1)))
            if op == "del":
                del xml[pos : pos + data.draw(st.integers(1, 40))]
            elif op == "ins":
                xml[pos:pos] = data.draw(st.sampled_from(_INSERTS))
            elif xml:
                xml[pos] = data.draw(st.integers(0, 255))
        files[name] = bytes(xml)
        blob = F.zip_bytes(files)
    _only_scan_errors(kind, blob)
