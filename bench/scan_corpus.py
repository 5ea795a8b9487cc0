"""The scanner benchmarks' shared corpus: real files with known ground truth.

    .venv/bin/python bench/scan_corpus.py OUT_DIR [--docx 200] [--pdf 40] [--pdf-pages 5]
                                         [--scanned 4] [--phrases 1000] [--seed 7]

writes OUT_DIR/{docx,pdf,scan}/*, OUT_DIR/catalogue.csv (the generated catalogue phrases with
levels) and OUT_DIR/manifest.json (one entry per file: verdict, level, kind, pages). The other
benchmarks (scan_throughput.py, scan_presidio.py) import `build()`; scan_match.py uses
`Words` and `catalogue_phrases()` for its large text.

What the files are:
- DOCX made with python-docx (~37-45 KB: python-docx's own template is 36 KB of it), the
  mark typed in red bold, or black capitals on its own line, or in the page header;
- text PDFs made by the test fixture `text_pdf` (fpdf2 + Tinos from fonts-croscore);
- scanned pages: `scanned_page` (red double-framed stamp, black body) inside `scanned_pdf`,
  200 dpi, alternately a full page (27 body lines) and a short letter (10 lines).
The test fixtures (tests/scan/pdf_fixtures.py) are imported by path, not copied.

Ground truth per file. Secret: a level mark (red, typed, in the header), a catalogue phrase
(as written, or in a paragraph typed without diacritics), or both. Clean, including hard
negatives: ordinary letters (with "mật khẩu", "bảo mật"…), the Law on the Protection of State
Secrets quoted where it names the three levels, a training slide listing the levels one per
line, other meanings of "mật" in capitals, a declassified document (GIẢI MẬT stamp over the old
mark), a blank form ("Độ mật: ……"). The generator checks that no clean file contains a
catalogue phrase by accident.
"""

from __future__ import annotations

import argparse
import csv
import importlib.util
import io
import json
import random
import sys
import textwrap
from dataclasses import asdict, dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from bmnn.scan.normalize import fold, normalize_text  # noqa: E402

PDF_FIXTURES = ROOT / "tests" / "scan" / "pdf_fixtures.py"
LEVELS = ("tuyet_mat", "toi_mat", "mat")
MARK = {"tuyet_mat": "TUYỆT MẬT", "toi_mat": "TỐI MẬT", "mat": "MẬT"}
LEVEL_VI = {"tuyet_mat": "Tuyệt mật", "toi_mat": "Tối mật", "mat": "Mật"}


def pdf_fixtures():
    """tests/scan/pdf_fixtures.py, loaded by path (the bench is not part of the test suite)."""
    spec = importlib.util.spec_from_file_location("_bench_pdf_fixtures", PDF_FIXTURES)
    if spec is None or spec.loader is None:
        raise SystemExit(f"không tải được {PDF_FIXTURES}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# --------------------------------------------------------------------------------- the words

_SUBJECTS = [
    "Ủy ban nhân dân tỉnh", "Sở Nội vụ", "Phòng Tổ chức cán bộ", "Văn phòng Bộ",
    "Các đơn vị trực thuộc", "Ban chỉ huy quân sự huyện", "Công an thành phố", "Thanh tra tỉnh",
    "Trung tâm công nghệ thông tin", "Cục Văn thư và Lưu trữ nhà nước", "Sở Tài chính",
    "Ủy ban nhân dân các xã, phường", "Phòng Kế hoạch tổng hợp", "Ban quản lý dự án",
]  # fmt: skip
_VERBS = [
    "triển khai", "rà soát", "tổng hợp", "hướng dẫn", "kiểm tra", "thực hiện", "phối hợp",
    "xây dựng", "đôn đốc", "chuẩn bị", "cập nhật", "hoàn thiện", "thẩm định", "đánh giá",
]  # fmt: skip
_OBJECTS = [
    "kế hoạch công tác năm 2027", "kết quả thực hiện nhiệm vụ quý IV",
    "danh sách cán bộ tham gia tập huấn", "hồ sơ đề nghị khen thưởng", "dự toán ngân sách",
    "báo cáo sơ kết sáu tháng đầu năm", "phương án sắp xếp đơn vị hành chính cấp xã",
    "quy chế làm việc của cơ quan", "số liệu thống kê dân số và lao động",
    "chương trình chuyển đổi số", "lịch tiếp công dân định kỳ", "hệ thống quản lý văn bản",
    "đề án vị trí việc làm", "kế hoạch phòng chống thiên tai", "hồ sơ thủ tục hành chính",
]  # fmt: skip
_TAILS = [
    "theo đúng quy định hiện hành", "trước ngày 15 tháng 12 năm 2026",
    "và gửi về Văn phòng để tổng hợp", "bảo đảm tiến độ và chất lượng",
    "trong phạm vi chức năng, nhiệm vụ được giao", "và báo cáo kết quả bằng văn bản",
    "theo hướng dẫn của cơ quan cấp trên", "với sự tham gia của các phòng chuyên môn",
    "để trình lãnh đạo xem xét, quyết định", "gắn với việc cải cách hành chính",
]  # fmt: skip
# Other meanings of "mật" and text about secrets in ordinary letters: what a scanner meets
# most and must never call a mark.
DISTRACTORS = [
    "Cán bộ phải thay đổi mật khẩu hộp thư điện tử công vụ định kỳ ba tháng một lần.",
    "Bảo đảm an toàn, bảo mật hệ thống thông tin của cơ quan theo cấp độ.",
    "Mật độ dân số của tỉnh năm 2026 đạt 420 người trên một ki-lô-mét vuông.",
    "Hợp tác xã sản xuất mật ong xuất khẩu đạt doanh thu cao nhất từ trước tới nay.",
    "Hai đơn vị có mối quan hệ mật thiết trong công tác chuyên môn.",
    "Mọi cán bộ có trách nhiệm bảo vệ bí mật nhà nước theo quy định của pháp luật.",
    "Bệnh nhân được chỉ định phẫu thuật sỏi mật tại bệnh viện tỉnh.",
    "Không ghi mật khẩu ra giấy hoặc chia sẻ mật khẩu cho người khác.",
]
# Law 29/2018/QH14 (Luật Bảo vệ bí mật nhà nước), Art. 8 and Art. 10(3), verbatim from
# ../shared/reference/texts/luat-29-2018-QH14.txt (the article heading shortened to its number
# and title): public text that names every level.
LAW_TEXT = [
    "Điều 8. Phân loại bí mật nhà nước",
    "Căn cứ vào tính chất quan trọng của nội dung thông tin, mức độ nguy hại nếu bị lộ, bị mất,"
    " bí mật nhà nước được phân loại thành 03 độ mật, bao gồm:",
    "1. Bí mật nhà nước độ Tuyệt mật là bí mật nhà nước liên quan đến chính trị, quốc phòng, an"
    " ninh, cơ yếu, đối ngoại, nếu bị lộ, bị mất có thể gây nguy hại đặc biệt nghiêm trọng đến "
    "lợi ích quốc gia, dân tộc;",
    "2. Bí mật nhà nước độ Tối mật là bí mật nhà nước liên quan đến chính trị, quốc phòng, an "
    "ninh, cơ yếu, lập hiến, lập pháp, tư pháp, đối ngoại, kinh tế, tài nguyên và môi trường, "
    "khoa học và công nghệ, giáo dục và đào tạo, văn hóa, thể thao, thông tin và truyền thông, "
    "y tế, dân số, lao động, xã hội, tổ chức, cán bộ, thanh tra, kiểm tra, giám sát, xử lý vi "
    "phạm, giải quyết khiếu nại, tố cáo và phòng, chống tham nhũng, kiểm toán nhà nước, nếu bị "
    "lộ, bị mất có thể gây nguy hại rất nghiêm trọng đến lợi ích quốc gia, dân tộc.",
    "3. Bí mật nhà nước độ Mật là bí mật nhà nước liên quan đến chính trị, quốc phòng, an ninh,"
    " cơ yếu, lập hiến, lập pháp, tư pháp, đối ngoại, kinh tế, tài nguyên và môi trường, khoa "
    "học và công nghệ, giáo dục và đào tạo, văn hóa, thể thao, thông tin và truyền thông, y tế,"
    " dân số, lao động, xã hội, tổ chức, cán bộ, thanh tra, kiểm tra, giám sát, xử lý vi phạm, "
    "giải quyết khiếu nại, tố cáo và phòng, chống tham nhũng, kiểm toán nhà nước, nếu bị lộ, bị"
    " mất có thể gây nguy hại nghiêm trọng đến lợi ích quốc gia, dân tộc.",
    "3. Độ mật của bí mật nhà nước được thể hiện bằng dấu chỉ độ mật, văn bản xác định độ mật "
    "hoặc hình thức khác phù hợp với hình thức chứa bí mật nhà nước.",
]
TRAINING = [
    "TẬP HUẤN CÔNG TÁC BẢO VỆ BÍ MẬT NHÀ NƯỚC",
    "Bí mật nhà nước gồm ba độ:",
    "Tuyệt mật",
    "Tối mật",
    "Mật",
    "Dấu chỉ độ mật được đóng ở góc trên bên trái trang đầu của tài liệu.",
]
OTHER_CAPS = [
    "HƯỚNG DẪN ĐẶT MẬT KHẨU AN TOÀN",
    "QUY CHẾ BẢO MẬT HỆ THỐNG THÔNG TIN",
    "BÁO CÁO MẬT ĐỘ DÂN SỐ NĂM 2026",
]
TEMPLATE = [
    "Mẫu số 01",
    "Độ mật: ……………",
    "Số: ……/……",
    "Trích yếu nội dung: ………………………………………………",
    "Nơi nhận: ……………………",
]
AGENCIES = ["BỘ NỘI VỤ", "ỦY BAN NHÂN DÂN TỈNH HÒA BÌNH", "SỞ NỘI VỤ TỈNH LẠNG SƠN", "BỘ TÀI CHÍNH"]


class Words:
    """Deterministic Vietnamese administrative sentences (NFC, the tone placement the scanner's
    normaliser uses, single spaces): already what `normalize_text` gives."""

    def __init__(self, seed: int = 7, distractor_rate: float = 0.08) -> None:
        self.rnd = random.Random(seed)  # noqa: S311 - reproducible test data, not secrets
        self.distractor_rate = distractor_rate

    def sentence(self) -> str:
        r = self.rnd
        if r.random() < self.distractor_rate:
            return r.choice(DISTRACTORS)
        return f"{r.choice(_SUBJECTS)} {r.choice(_VERBS)} {r.choice(_OBJECTS)} {r.choice(_TAILS)}."

    def paragraph(self, sentences: int) -> str:
        return " ".join(self.sentence() for _ in range(sentences))


# ----------------------------------------------------------------------- catalogue phrases

_HEADS = ["phương án", "kế hoạch", "đề án", "bản đồ", "sơ đồ", "tọa độ", "số liệu", "hồ sơ"]
_ACTS = [
    "bố trí", "tác chiến", "phòng thủ", "diễn tập", "cơ động", "cất giữ", "vận chuyển",
    "ngụy trang", "sơ tán", "tiếp nhận",
]  # fmt: skip
_THINGS = [
    "lực lượng", "trận địa", "kho vũ khí", "trạm ra đa", "sở chỉ huy", "đường hầm", "tuyến cáp",
    "hầm ngầm", "căn cứ", "kho dự trữ",
]  # fmt: skip
_WHERE = ["khu vực", "địa bàn", "cụm", "điểm"]
_NAME_A = ["Bắc", "Tây", "Đông", "Yên", "Phú", "Thạch", "Vĩnh", "Quảng", "Tân", "Hưng"]
_NAME_B = ["Sơn", "Hòa", "Lâm", "Xuyên", "Thủy", "Khê", "Lĩnh", "Định", "Phong", "Thành"]


def catalogue_phrases(n: int = 1000, seed: int = 11) -> list[tuple[str, str]]:
    """`n` distinct Vietnamese-like catalogue phrases with levels, lower case, e.g. "phương án
    bố trí trận địa khu vực tây khê" (none of them is in the filler text's vocabulary)."""
    rnd = random.Random(seed)  # noqa: S311 - reproducible test data, not secrets
    seen: set[str] = set()
    out = []
    while len(out) < n:
        phrase = " ".join(
            (
                rnd.choice(_HEADS),
                rnd.choice(_ACTS),
                rnd.choice(_THINGS),
                rnd.choice(_WHERE),
                rnd.choice(_NAME_A),
                rnd.choice(_NAME_B),
            )
        ).lower()
        if phrase in seen:
            continue
        seen.add(phrase)
        out.append((phrase, LEVELS[len(out) % 3]))
    return out


def write_catalogue(path: Path, phrases: list[tuple[str, str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["phrase", "level"])
        w.writerows(phrases)
    return path


# ------------------------------------------------------------------------------ documents

# kind → (verdict, share of the corpus). Shares are per format; every kind gets at least one file.
KINDS = {
    "mark_red": ("secret", 0.18),  # level mark in red bold, alone on its line
    "mark_typed": ("secret", 0.08),  # black capitals on their own line, next to the number
    "mark_header": ("secret", 0.05),  # in the page header (DOCX) / top of the page
    "catalogue": ("secret", 0.10),  # a catalogue phrase in the body, no mark
    "catalogue_folded": ("secret", 0.04),  # the phrase in a paragraph typed without diacritics
    "plain": ("clean", 0.25),  # an ordinary letter (with mật khẩu, bảo mật…)
    "law": ("clean", 0.10),  # the law naming the three levels
    "training": ("clean", 0.05),  # a slide listing the levels one per line
    "other_meaning": ("clean", 0.05),  # MẬT KHẨU, BẢO MẬT, MẬT ĐỘ in a capital title
    "declassified": ("clean", 0.05),  # GIẢI MẬT stamp over the old level mark
    "template": ("clean", 0.05),  # a blank form: "Độ mật: ……"
}
_WRAP = 88  # characters per line of the fixture's 175 mm PDF line at 13 pt
SCAN_KINDS = ("mark_red", "plain", "mark_red", "law", "declassified", "catalogue")


@dataclass
class Line:
    text: str
    style: str = ""  # "" | mark_red | mark_typed | title | stamp_info


@dataclass
class Content:
    kind: str
    verdict: str
    level: str | None
    agency: str
    number: str
    lines: list[Line] = field(default_factory=list)
    header_mark: str | None = None  # DOCX: text of the page header


@dataclass(frozen=True)
class Truth:
    name: str  # relative to the corpus folder
    fmt: str  # docx | pdf | scan
    kind: str
    verdict: str  # secret | clean
    level: str | None
    pages: int
    bytes: int
    lines: int = 0  # scanned pages: body lines on the page (27 = a full page, 10 = a letter)


def plan(n: int, rnd: random.Random) -> list[str]:
    """`n` kinds in the shares of KINDS (at least one each when n allows), shuffled."""
    kinds = list(KINDS)
    out = kinds[:n] if n < len(kinds) else list(kinds)
    while len(out) < n:
        out.append(rnd.choices(kinds, weights=[KINDS[k][1] for k in kinds])[0])
    rnd.shuffle(out)
    return out


def content(kind: str, i: int, words: Words, phrases, paragraphs: int) -> Content:
    rnd = words.rnd
    verdict = KINDS[kind][0]
    level = LEVELS[i % 3] if verdict == "secret" else None
    c = Content(kind, verdict, level, rnd.choice(AGENCIES), f"Số: {100 + i}/BC-VP")
    body = [Line(words.paragraph(rnd.randint(2, 4))) for _ in range(paragraphs)]
    if kind == "mark_red":
        c.lines.append(Line(MARK[level], "mark_red"))
    elif kind == "mark_typed":
        c.lines.append(Line(MARK[level], "mark_typed"))
    elif kind == "mark_header":
        c.header_mark = MARK[level]
    elif kind in ("catalogue", "catalogue_folded"):
        # The phrase's level is the file's level: pick one of that level.
        picks = [p for p, lv in phrases if lv == level]
        phrase = picks[(i * 7) % len(picks)]
        # A paragraph of its own that fits one PDF line (a phrase broken across two lines is
        # another case, see README), near the top so a short scanned letter keeps it.
        sentence = f"Giao Phòng Tham mưu xây dựng {phrase}."
        if kind == "catalogue_folded":
            sentence = fold(sentence)
        assert len(sentence) <= _WRAP, sentence
        body.insert(1, Line(sentence))
    elif kind == "law":
        c.lines.append(Line("HƯỚNG DẪN THỰC HIỆN LUẬT BẢO VỆ BÍ MẬT NHÀ NƯỚC", "title"))
        body[1:1] = [Line(t) for t in LAW_TEXT]
    elif kind == "training":
        # Every other slide lists the levels in capitals, one per line, as stamps look.
        slide = [t.upper() for t in TRAINING] if i % 2 else TRAINING
        body[0:0] = [Line(t, "title" if n == 0 else "") for n, t in enumerate(slide)]
    elif kind == "other_meaning":
        c.lines.append(Line(OTHER_CAPS[i % len(OTHER_CAPS)], "title"))
    elif kind == "declassified":
        c.lines.append(Line("GIẢI MẬT", "stamp_info"))
        c.lines.append(Line(MARK[LEVELS[i % 3]], "mark_red"))
    elif kind == "template":
        body = [Line(t) for t in TEMPLATE] + body[:2]
    c.lines.extend(body)
    return c


def docx_bytes(c: Content) -> bytes:
    import docx
    from docx.shared import Pt, RGBColor

    d = docx.Document()
    if c.header_mark:
        hp = d.sections[0].header.paragraphs[0]
        run = hp.add_run(c.header_mark)
        run.bold = True
    p = d.add_paragraph()
    p.add_run(c.agency).bold = True
    d.add_paragraph(c.number)
    for line in c.lines:
        p = d.add_paragraph()
        run = p.add_run(line.text)
        if line.style in ("mark_red", "stamp_info"):
            run.bold = True
            run.font.size = Pt(14)
            run.font.color.rgb = RGBColor(0xFF, 0x00, 0x00)
        elif line.style in ("mark_typed", "title"):
            run.bold = True
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


def _pdf_lines(c: Content) -> tuple[str | None, list[str]]:
    """The red mark (drawn by the fixture at the top of page 1) and the body lines, wrapped to
    fit the fixture's 175 mm line at 13 pt."""
    red = None
    out: list[str] = []
    for line in c.lines:
        if line.style in ("mark_red", "stamp_info") and red is None:
            red = line.text
            continue
        out.extend(textwrap.wrap(line.text, _WRAP) or [""])
    if c.header_mark:
        out.insert(0, c.header_mark)
    return red, out


def text_pdf_bytes(fx, c: Content, pages: int) -> bytes:
    red, lines = _pdf_lines(c)
    if c.kind == "declassified":  # both stamps on the page: GIẢI MẬT in red, old mark typed
        lines.insert(0, next(line.text for line in c.lines if line.style == "mark_red"))
    return fx.text_pdf(red, boxed=red is not None, body=lines[:27], pages=pages)


def scanned_pdf_bytes(fx, c: Content, n_lines: int):
    red, lines = _pdf_lines(c)
    if c.kind == "declassified":
        lines.insert(0, next(line.text for line in c.lines if line.style == "mark_red"))
    image = fx.scanned_page(red, body=lines[:n_lines])
    return fx.scanned_pdf([image]), image


def _all_text(c: Content) -> str:
    return "\n".join([c.agency, c.number, c.header_mark or "", *(line.text for line in c.lines)])


def _check_clean(c: Content, phrases) -> None:
    """A clean file must not hold a catalogue phrase by chance, else its truth would be wrong."""
    text = fold(normalize_text(_all_text(c)).lower())
    for phrase, _lv in phrases:
        if fold(phrase) in text:
            raise AssertionError(f"tệp sạch {c.kind} chứa cụm danh mục {phrase!r}")


@dataclass
class Corpus:
    root: Path
    catalogue: Path
    phrases: list[tuple[str, str]]
    truths: list[Truth]
    images: dict[str, object] = field(default_factory=dict)  # scan name → PIL page image

    def of(self, fmt: str) -> list[Truth]:
        return [t for t in self.truths if t.fmt == fmt]

    def path(self, t: Truth) -> Path:
        return self.root / t.name


def build(
    root: Path,
    *,
    docx: int = 200,
    pdf: int = 40,
    pdf_pages: int = 5,
    scanned: int = 4,
    phrases: int = 1000,
    seed: int = 7,
    paragraphs: int = 28,
) -> Corpus:
    root = Path(root)
    for sub in ("docx", "pdf", "scan"):
        (root / sub).mkdir(parents=True, exist_ok=True)
    phrase_list = catalogue_phrases(phrases)
    catalogue = write_catalogue(root / "catalogue.csv", phrase_list)
    words = Words(seed)
    rnd = words.rnd
    fx = pdf_fixtures() if pdf or scanned else None
    truths: list[Truth] = []
    corpus = Corpus(root, catalogue, phrase_list, truths)

    def add(fmt: str, i: int, kind: str, data: bytes, pages: int, c: Content, lines=0) -> None:
        if c.verdict == "clean":
            _check_clean(c, phrase_list)
        ext = "docx" if fmt == "docx" else "pdf"
        name = f"{fmt}/{i:05d}-{kind}.{ext}"
        (root / name).write_bytes(data)
        truths.append(Truth(name, fmt, kind, c.verdict, c.level, pages, len(data), lines))

    for i, kind in enumerate(plan(docx, rnd)):
        c = content(kind, i, words, phrase_list, paragraphs)
        add("docx", i, kind, docx_bytes(c), 1, c)
    for i, kind in enumerate(plan(pdf, rnd)):
        # Fewer, longer paragraphs per page for PDFs: the fixture writes 27 lines a page.
        c = content(kind, i, words, phrase_list, 8)
        add("pdf", i, kind, text_pdf_bytes(fx, c, pdf_pages), pdf_pages, c)
    for i in range(scanned):
        kind = SCAN_KINDS[i % len(SCAN_KINDS)]
        c = content(kind, i, words, phrase_list, 8)
        # Alternately a full page of text (27 body lines) and a short letter (10).
        n_lines = 27 if i % 2 == 0 else 10
        data, image = scanned_pdf_bytes(fx, c, n_lines)
        add("scan", i, kind, data, 1, c, n_lines)
        corpus.images[truths[-1].name] = image
    (root / "manifest.json").write_text(
        json.dumps([asdict(t) for t in truths], ensure_ascii=False, indent=1), encoding="utf-8"
    )
    return corpus


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("--docx", type=int, default=200)
    ap.add_argument("--pdf", type=int, default=40)
    ap.add_argument("--pdf-pages", type=int, default=5)
    ap.add_argument("--scanned", type=int, default=4)
    ap.add_argument("--phrases", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=7)
    a = ap.parse_args()
    corpus = build(
        a.out,
        docx=a.docx,
        pdf=a.pdf,
        pdf_pages=a.pdf_pages,
        scanned=a.scanned,
        phrases=a.phrases,
        seed=a.seed,
    )
    by_kind: dict[str, int] = {}
    for t in corpus.truths:
        by_kind[f"{t.fmt}/{t.kind}"] = by_kind.get(f"{t.fmt}/{t.kind}", 0) + 1
    print(f"{len(corpus.truths)} tệp trong {corpus.root}")
    for k, v in sorted(by_kind.items()):
        print(f"  {k}: {v}")


if __name__ == "__main__":
    main()
