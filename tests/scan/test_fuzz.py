"""Fuzzing every registered extractor (bmnn.scan.extract.EXTRACTORS) with hypothesis, on real
files of each format built by the fixtures, mutated: bytes flipped, the file cut short, pieces
of other formats spliced in, a region repeated, and for zip-based formats one part's XML
mutated inside a valid zip (so the parsers are reached, not only the CRC check).

Each mutated file goes through the engine (Scanner.scan_bytes, in a worker with the limits'
time budget) and then straight into its extractor. Allowed outcomes: results whose verdicts
are secret, clean or error (error with a reason, a container at least as bad as its members),
and an extractor that returns a Document or raises ScanError. Failures: any other exception,
a worker that dies, a timeout (a hang), or a `clean` from the engine for a file its extractor
could not read.

OCR: the engine runs without it (an image is then `error`, never `clean`); the direct calls
use a stand-in that reads no text, so that the image decoders are fuzzed without paying for
a tesseract run per example.
"""

from __future__ import annotations

import io
import random
import re
import zipfile
from pathlib import Path
from unittest import mock

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bmnn.scan import sniff
from bmnn.scan.engine import VERDICT_RANK, ScanConfig, Scanner
from bmnn.scan.extract import EXTRACTORS, Context, _load, extractor_for
from bmnn.scan.limits import Limits
from bmnn.scan.model import Block, Document, Member, ScanError
from tests.scan import office_fixtures as F
from tests.scan.mail_fixtures import make_docx, make_eml, make_msg, make_zip
from tests.scan.pdf_fixtures import image_bytes, stamp_image, text_pdf

EXAMPLES = 100
LEGACY_EXAMPLES = 40  # each one runs antiword / catdoc twice
SECONDS = 20.0  # per file: far above what any fixture needs, so a timeout means a hang
# Reasons the engine gives for what is a bug, not a hostile file: an unexpected exception in
# an extractor, a worker that died, a hang, a small file that blew up in memory.
BUG_REASONS = ("Lỗi khi đọc tệp (", "dừng bất thường", "Quá thời gian", "quá nhiều bộ nhớ")

# Pillow warns about each damaged TIFF tag it skips; what counts is that it then fails closed.
pytestmark = pytest.mark.filterwarnings("ignore::UserWarning:PIL")

EXTENSIONS = {"jpeg": "jpg", "tiff": "tif", "text": "txt"}
ZIP_BASED = {"docx", "xlsx", "pptx", "odt", "ods", "odp", "zip"}


def _odf_files() -> dict[str, bytes]:
    odt = F.odf_file(
        "odt",
        "<text:p>TỐI MẬT</text:p><text:p>Số: 12/BC</text:p><text:h>Báo cáo tình hình</text:h>"
        "<table:table><table:table-row><table:table-cell><text:p>ô bảng</text:p>"
        "</table:table-cell></table:table-row></table:table>",
        master='<style:master-page style:name="Standard"><style:header><text:p>MẬT</text:p>'
        "</style:header></style:master-page>",
        title="Báo cáo",
    )
    ods = F.odf_file(
        "ods",
        '<table:table table:name="Trang1"><table:table-row><table:table-cell '
        'office:value-type="string"><text:p>MẬT</text:p></table:table-cell>'
        "<table:table-cell><text:p>Bảng kê</text:p></table:table-cell></table:table-row>"
        "</table:table>",
    )
    odp = F.odf_file(
        "odp",
        '<draw:page draw:name="p1" draw:master-page-name="Default"><draw:frame svg:width="20cm" '
        'svg:height="3cm" svg:x="1cm" svg:y="1cm"><draw:text-box><text:p>TỐI MẬT trình chiếu'
        "</text:p></draw:text-box></draw:frame></draw:page>",
        master='<style:master-page style:name="Default"/>',
    )
    return {"odt": odt, "ods": ods, "odp": odp}


def _legacy_files(work: Path) -> dict[str, bytes]:
    """.doc/.xls/.ppt made by LibreOffice from the OOXML/ODF fixtures, when it is installed."""
    if not F.soffice():
        return {}
    (work / "a.docx").write_bytes(F.python_docx_file())
    (work / "b.xlsx").write_bytes(F.xlsx_file())
    (work / "c.odp").write_bytes(_odf_files()["odp"])
    return {
        "doc": F.convert(work / "a.docx", "doc", work),
        "xls": F.convert(work / "b.xlsx", "xls", work),
        "ppt": F.convert(work / "c.odp", "ppt", work),
    }


class Corpus(dict):
    """The fixtures by kind; a short repr, since hypothesis prints a failing test's arguments."""

    def __repr__(self) -> str:
        return f"<{len(self)} tệp mẫu: {', '.join(sorted(self))}>"


_ISO_TIME = re.compile(rb"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d")
_PDF_DATE = re.compile(rb"\(D:\d{14}")
_PDF_ID = re.compile(rb"<[0-9A-F]{32}>")
_MSGID = re.compile(rb"<[^<>@\s]+@[^<>\s]+>")


def _steady_zip(data: bytes) -> bytes:
    """The same package with fixed times (zip entries and the XML's own dates)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(buf, "w") as out:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=(2026, 1, 1, 0, 0, 0))
            fixed.compress_type = info.compress_type
            out.writestr(fixed, _ISO_TIME.sub(b"2026-01-01T00:00:00", src.read(info)))
    return buf.getvalue()


def _steady(kind: str, data: bytes) -> bytes:
    """Fixtures without the time, process id or random boundary they were made with, so that
    derandomized hypothesis replays the same examples on the same bytes every run (same-length
    replacements in the PDF keep its cross-reference offsets right)."""
    if kind in ZIP_BASED - {"zip"}:
        return _steady_zip(data)
    if kind == "pdf":
        return _PDF_ID.sub(b"<" + b"0" * 32 + b">", _PDF_DATE.sub(b"(D:20260101000000", data))
    if kind == "eml":
        return _MSGID.sub(b"<thu@bmnn.invalid>", data)
    return data


def _build(tmp: Path) -> dict[str, bytes]:
    stamp = stamp_image("TUYỆT MẬT")
    return {
        "docx": F.python_docx_file(),
        "xlsx": F.xlsx_file(),
        "pptx": F.pptx_file(),
        **_odf_files(),
        "pdf": text_pdf("TUYỆT MẬT", boxed=True),
        "rtf": F.RTF_SAMPLE,
        "html": F.HTML_SAMPLE.encode("utf-8"),
        "text": "ỦY BAN NHÂN DÂN\nTUYỆT MẬT\nSố: 12/QĐ\nMật khẩu hộp thư\n".encode(),
        "eml": make_eml(),
        "msg": make_msg(),
        "zip": make_zip(
            {
                "a.txt": "Thông báo".encode(),
                "b.docx": _steady_zip(make_docx("TỐI MẬT", "Số: 3/BC")),
                "c.zip": make_zip({"d.txt": "MẬT\nSố: 1".encode()}),
            }
        ),
        "png": image_bytes(stamp, "PNG"),
        "jpeg": image_bytes(stamp, "JPEG", quality=85),
        "tiff": image_bytes(stamp, "TIFF", compression="tiff_lzw"),
        "gif": image_bytes(stamp, "GIF"),
        "bmp": image_bytes(stamp, "BMP"),
        **_legacy_files(tmp),
    }


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Corpus:
    state = random.getstate()
    random.seed(2026)  # the MIME boundaries of the mail fixtures
    try:
        # zip entry times and message ids are read from the clock
        with mock.patch("time.time", return_value=1_767_225_600.0):
            files = _build(tmp_path_factory.mktemp("legacy"))
    finally:
        random.setstate(state)
    out = Corpus({kind: _steady(kind, data) for kind, data in files.items()})
    for kind, data in out.items():  # each fixture is what it claims to be
        assert sniff.sniff(data, f"mau.{EXTENSIONS.get(kind, kind)}") == kind, kind
    return out


@pytest.fixture(scope="module")
def scanner():
    config = ScanConfig(limits=Limits(seconds_per_file=SECONDS), ocr=False)
    with Scanner(config) as s:
        yield s


def _no_text_ocr(image) -> list[Block]:
    image.load()  # the decoder has run; the image holds no text we check for
    return []


def _registered_kinds() -> list[str]:
    _load()
    # kinds registered by test modules (tests.scan.engine_fixtures: "x-…") are not formats
    return sorted(kind for kind in EXTRACTORS if not kind.startswith("x-"))


# The sniffer names "ole" (a compound file that is none of doc/xls/ppt/msg), but no extractor
# reads it: such a file is `error` by "no reader" (test_sniff / test_engine).
ALL_KINDS = _registered_kinds()


def test_every_registered_extractor_has_a_fixture(corpus):
    missing = set(ALL_KINDS) - set(corpus)
    if missing and not F.soffice():
        assert missing <= {"doc", "xls", "ppt"}
        pytest.skip("LibreOffice (soffice) không được cài: không tạo được tệp .doc/.xls/.ppt")
    assert not missing


# --------------------------------------------------------------------------------- mutations


def _flip(data: bytearray, draw) -> None:
    for _ in range(draw(st.integers(1, 16))):
        pos = draw(st.integers(0, len(data) - 1))
        data[pos] ^= draw(st.integers(1, 255))


def _mutate_bytes(raw: bytes, draw, donors: list[bytes]) -> bytes:
    data = bytearray(raw)
    for op in draw(st.lists(st.sampled_from(["flip", "cut", "splice", "repeat"]), max_size=3)):
        if not data:
            break
        if op == "flip":
            _flip(data, draw)
        elif op == "cut":
            data = data[: draw(st.integers(0, len(data) - 1))]
        elif op == "splice":
            donor = draw(st.sampled_from(donors))
            start = draw(st.integers(0, len(donor) - 1))
            piece = donor[start : start + draw(st.integers(1, 4096))]
            at = draw(st.integers(0, len(data)))
            end = at + draw(st.sampled_from([0, len(piece)]))  # insert, or overwrite
            data[at:end] = piece
        else:
            start = draw(st.integers(0, len(data) - 1))
            piece = data[start : start + draw(st.integers(1, 256))]
            at = draw(st.integers(0, len(data)))
            data[at:at] = piece * draw(st.integers(2, 64))
    if not data or data == raw:
        _flip(data := bytearray(raw), draw)
    return bytes(data)


def _mutate_member(raw: bytes, draw, donors: list[bytes]) -> bytes:
    """Mutate one part inside a valid zip: the zip reads, the part's XML (or data) is hostile."""
    with zipfile.ZipFile(io.BytesIO(raw)) as z:
        parts = [(info, z.read(info)) for info in z.infolist()]
    index = draw(st.integers(0, len(parts) - 1))
    info, content = parts[index]
    parts[index] = (info, _mutate_bytes(content, draw, donors) if content else b"<")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for info, content in parts:
            z.writestr(info, content)
    return buf.getvalue()


def _check_results(results, name: str) -> None:
    assert results and results[0].path == name
    worst = max(VERDICT_RANK[r.verdict] for r in results)
    assert VERDICT_RANK[results[0].verdict] == worst, results  # the container carries it
    for r in results:
        assert r.verdict in VERDICT_RANK, r
        if r.verdict == "error":
            assert r.error, r
            assert not any(bug in r.error for bug in BUG_REASONS), r
        else:
            assert r.error is None, r


def _check_document(doc) -> None:
    assert isinstance(doc, Document)
    assert all(isinstance(b, Block) and isinstance(b.text, str) for b in doc.blocks)
    assert all(isinstance(m, Member) and isinstance(m.data, bytes) for m in doc.members)


def _fuzz_one(kind: str, corpus: Corpus, scanner: Scanner, draw) -> None:
    base = corpus[kind]
    donors = [data for k, data in corpus.items() if k != kind]
    if kind in ZIP_BASED and draw(st.booleans()):
        data = _mutate_member(base, draw, donors)
    else:
        data = _mutate_bytes(base, draw, donors)
    name = f"fuzz.{EXTENSIONS.get(kind, kind)}"

    results = scanner.scan_bytes(data, name)
    _check_results(results, name)

    # the same bytes straight into the format's extractor (it finished in the worker above,
    # within the time budget, so it finishes here too)
    ctx = Context(limits=Limits(seconds_per_file=SECONDS), name=name, ocr=_no_text_ocr)
    try:
        doc = extractor_for(kind)(data, ctx)
    except ScanError as exc:
        assert exc.reason
        if sniff.sniff(data, name) == kind:
            # the engine read it with this extractor, which could not: never `clean`
            assert results[0].verdict == "error", (exc.reason, results[0])
        return
    _check_document(doc)


FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
LEGACY = ("doc", "xls", "ppt")


@pytest.mark.parametrize("kind", [k for k in ALL_KINDS if k not in LEGACY])
@FUZZ
@given(st.data())
def test_fuzz_extractor_and_engine(kind, corpus, scanner, data):
    _fuzz_one(kind, corpus, scanner, data.draw)


@pytest.mark.parametrize("kind", [k for k in ALL_KINDS if k in LEGACY])
@settings(FUZZ, max_examples=LEGACY_EXAMPLES)
@given(st.data())
def test_fuzz_legacy_office_extractor_and_engine(kind, corpus, scanner, data):
    if kind not in corpus:
        pytest.skip("LibreOffice (soffice) không được cài: không tạo được tệp .doc/.xls/.ppt")
    _fuzz_one(kind, corpus, scanner, data.draw)
