"""Scanner throughput per core: DOCX files/s, text-PDF pages/s, scanned pages/s with OCR, and
`--workers` scaling, each against the naive way in the same run.

    .venv/bin/python bench/scan_throughput.py [--docx 400] [--pdf 40] [--pdf-pages 5]
                                             [--scanned 6] [--workers 1,2] [--skip-cli]
                                             [--profile docx|pdf|scan] [--keep DIR] [--json F]

The corpus is bench/scan_corpus.py's (real files with ground truth: marks, catalogue phrases
and hard negatives), scanned with its 1,000-phrase catalogue, as `bmnn scan --catalogue` does.

Timed per format:
- `engine wN`: bmnn.scan.engine.Scanner with N worker processes, after every worker has
  scanned a warm-up file (worker start and catalogue compile are counted apart). Per-core
  figures divide by the CPU seconds of the workers and of their tesseract children (read from
  /proc), so the other jobs of a shared machine do not count; wall figures are also given;
- `in-process`: the worker's work without the pipe (sniff + extractor + detect.analyze), split
  into extraction and detection;
- `naive`: python-docx paragraph text + one `re` search for the level marks (DOCX);
  pypdfium2 `get_text_bounded` + the same `re` (text PDF); the `tesseract` CLI on the page
  image, nothing else (scanned page). The naive way reads less (no headers, text boxes,
  layout, catalogue) and decides worse; its verdicts are scored against the truth too;
- `bmnn scan` (DOCX, unless --skip-cli): the command as a user runs it, start-up included.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))

import scan_corpus  # noqa: E402

from bmnn.scan import detect, ocr, sniff  # noqa: E402
from bmnn.scan.detect.catalogue import Catalogue  # noqa: E402
from bmnn.scan.engine import ScanConfig, Scanner  # noqa: E402
from bmnn.scan.extract import Context, extractor_for  # noqa: E402

TARGETS = {"docx": 100.0, "pdf": 50.0, "scan": 1.0}  # files/s, pages/s, pages/s per core
UNIT = {"docx": "tệp/s", "pdf": "trang/s", "scan": "trang/s"}
_NAIVE_MARK = re.compile(r"(?<!\w)(TUYỆT MẬT|TỐI MẬT|MẬT)(?!\w)")
_TICK = os.sysconf("SC_CLK_TCK")


@dataclass
class Row:
    fmt: str
    name: str
    units: float  # files (docx) or pages
    wall: float
    cpu: float | None
    correct: int | None = None
    total: int | None = None
    note: str = ""
    extra: dict = field(default_factory=dict)

    def rate_cpu(self) -> float | None:
        return self.units / self.cpu if self.cpu else None

    def rate_wall(self) -> float:
        return self.units / self.wall if self.wall > 0 else float("inf")


def proc_cpu(pid: int) -> float:
    """CPU seconds of a process and of its children it has waited for (tesseract calls)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return sum(int(stat[k]) for k in (11, 12, 13, 14)) / _TICK


def child_cpu() -> float:
    t = os.times()
    return t.children_user + t.children_system


def units_of(truths) -> float:
    return float(sum(1 if t.fmt == "docx" else t.pages for t in truths))


def score(truths, verdicts: dict[str, tuple[str, str | None]]) -> tuple[int, int, list[str]]:
    """(right verdict and level, total, the wrong ones)."""
    wrong = []
    for t in truths:
        got = verdicts.get(t.name)
        if got is None or got[0] != t.verdict or (t.verdict == "secret" and got[1] != t.level):
            wrong.append(f"{t.name}: {got} ≠ {(t.verdict, t.level)}")
    return len(truths) - len(wrong), len(truths), wrong


# ------------------------------------------------------------------------------ the engine


def run_engine(corpus, truths, workers: int) -> Row:
    config = ScanConfig(workers=workers, catalogue=str(corpus.catalogue))
    paths = [str(corpus.path(t)) for t in truths]
    w0 = time.perf_counter()
    with Scanner(config) as scanner:
        # Warm-up: one file per worker, so worker start and the catalogue compile are apart.
        list(scanner.scan_paths(paths[: max(workers, 1) * 2]))
        ready = time.perf_counter() - w0
        cpu0 = {w.proc.pid: proc_cpu(w.proc.pid) for w in scanner._all}
        t0 = time.perf_counter()
        results = list(scanner.scan_paths(paths))
        wall = time.perf_counter() - t0
        cpu1 = {w.proc.pid: proc_cpu(w.proc.pid) for w in scanner._all}
    cpu = sum(c - cpu0.get(pid, 0.0) for pid, c in cpu1.items())
    root = str(corpus.root) + os.sep
    verdicts = {
        r.path.removeprefix(root): (r.verdict, r.level) for r in results if "!" not in r.path
    }
    errors = [r for r in results if r.verdict == "error"]
    ok, total, wrong = score(truths, verdicts)
    note = f"khởi động + làm nóng {ready:.1f} s; {len(cpu1)} tiến trình"
    if errors:
        note += f"; {len(errors)} lỗi: {errors[0].error}"
    row = Row(truths[0].fmt, f"engine w{workers}", units_of(truths), wall, cpu, ok, total, note)
    row.extra["wrong"] = wrong
    return row


def run_cli(corpus, truths, workers: int) -> Row:
    folder = corpus.path(truths[0]).parent
    cmd = [
        str(ROOT / ".venv" / "bin" / "bmnn"),
        "scan",
        "--format",
        "jsonl",
        "--workers",
        str(workers),
        "--catalogue",
        str(corpus.catalogue),
        str(folder),
    ]
    c0, w0 = child_cpu(), time.perf_counter()
    out = subprocess.run(cmd, capture_output=True, check=False)  # noqa: S603 - our own command
    wall, cpu = time.perf_counter() - w0, child_cpu() - c0
    if out.returncode not in (0, 1):
        raise SystemExit(f"bmnn scan trả mã {out.returncode}: {out.stderr.decode()[-500:]}")
    root = str(corpus.root) + os.sep
    verdicts = {}
    for line in out.stdout.decode().splitlines():
        r = json.loads(line)
        verdicts[r["path"].removeprefix(root)] = (r["verdict"], r["level"])
    ok, total, _wrong = score(truths, verdicts)
    # The workers are children of the forkserver, not of the command: CPU time is partial.
    return Row(
        truths[0].fmt,
        f"`bmnn scan --workers {workers}` (gồm khởi động)",
        units_of(truths),
        wall,
        None,
        ok,
        total,
        f"CPU của tiến trình chính {cpu:.1f} s",
    )


# --------------------------------------------------------------------------- in-process


def run_inprocess(corpus, truths, catalogue: Catalogue) -> Row:
    ocr_engine = ocr.make_ocr()
    detect.analyze([], catalogue=catalogue)
    datas = [(t, corpus.path(t).read_bytes()) for t in truths]
    # Compile the catalogue's matcher before timing (a worker does it once at its first file).
    first = extractor_for(sniff.sniff(datas[0][1], datas[0][0].name))
    detect.analyze(first(datas[0][1], Context(ocr=ocr_engine)).blocks, catalogue=catalogue)
    extract_s = detect_s = 0.0
    by_lines: dict[int, list[float]] = {}
    verdicts = {}
    c0, k0, w0 = time.process_time(), child_cpu(), time.perf_counter()
    for t, data in datas:
        a = time.perf_counter()
        extractor = extractor_for(sniff.sniff(data, t.name))
        doc = extractor(data, Context(name=t.name, ocr=ocr_engine))
        b = time.perf_counter()
        findings = detect.analyze(doc.blocks, catalogue=catalogue)
        verdict, level, _ = detect.verdict(findings)
        extract_s += b - a
        detect_s += time.perf_counter() - b
        by_lines.setdefault(t.lines, []).append(time.perf_counter() - a)
        verdicts[t.name] = (verdict, level)
    wall = time.perf_counter() - w0
    cpu = time.process_time() - c0 + child_cpu() - k0
    ok, total, _ = score(truths, verdicts)
    n = units_of(truths)
    unit = "tệp" if truths[0].fmt == "docx" else "trang"
    note = (
        f"trích {extract_s / n * 1000:.1f} ms/{unit}, phát hiện {detect_s / n * 1e3:.2f} ms/{unit}"
    )
    if truths[0].fmt == "scan":
        note += "; " + ", ".join(
            f"trang {k} dòng: {sum(v) / len(v):.2f} s" for k, v in sorted(by_lines.items())
        )
    return Row(truths[0].fmt, "in-process (không qua ống)", n, wall, cpu, ok, total, note)


# ------------------------------------------------------------------------------ the naive way


def naive_docx(data: bytes) -> bool:
    import docx

    d = docx.Document(io.BytesIO(data))
    text = "\n".join(p.text for p in d.paragraphs)
    return bool(_NAIVE_MARK.search(text))


def naive_pdf(data: bytes) -> bool:
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(data)
    try:
        found = False
        for i in range(len(pdf)):
            page = pdf[i]
            tp = page.get_textpage()
            found |= bool(_NAIVE_MARK.search(tp.get_text_bounded()))
            tp.close()
            page.close()
        return found
    finally:
        pdf.close()


def run_naive(corpus, truths, tmp: Path) -> Row:
    fmt = truths[0].fmt
    verdicts = {}
    if fmt == "scan":
        pngs = []
        for t in truths:
            png = tmp / (Path(t.name).stem + ".png")
            corpus.images[t.name].save(png)
            pngs.append((t, png))
        env = {"OMP_THREAD_LIMIT": "1", "PATH": "/usr/bin:/bin", "LC_ALL": "C.UTF-8"}
        c0, w0 = child_cpu(), time.perf_counter()
        for t, png in pngs:
            out = subprocess.run(  # noqa: S603 - the Debian binary, fixed arguments
                [ocr.TESSERACT or "tesseract", str(png), "stdout", "-l", "vie"],
                capture_output=True,
                env=env,
                check=False,
            )
            text = out.stdout.decode("utf-8", "replace")
            verdicts[t.name] = ("secret", None) if _NAIVE_MARK.search(text) else ("clean", None)
        wall, cpu = time.perf_counter() - w0, child_cpu() - c0
        name = "naive: `tesseract page.png stdout -l vie`"
    else:
        fn = naive_docx if fmt == "docx" else naive_pdf
        datas = [(t, corpus.path(t).read_bytes()) for t in truths]
        c0, w0 = time.process_time(), time.perf_counter()
        for t, data in datas:
            verdicts[t.name] = ("secret", None) if fn(data) else ("clean", None)
        wall, cpu = time.perf_counter() - w0, time.process_time() - c0
        name = "naive: python-docx + re" if fmt == "docx" else "naive: pypdfium2 get_text + re"
    # The naive way has no level: count only the secret/clean decision.
    ok = sum(verdicts[t.name][0] == t.verdict for t in truths)
    return Row(fmt, name, units_of(truths), wall, cpu, ok, len(truths), "chỉ xét mật/sạch")


# ---------------------------------------------------------------------------------- report


def fmt_rate(v: float | None) -> str:
    if v is None:
        return "—"
    return f"{v:,.1f}" if v < 100 else f"{v:,.0f}"


def print_table(rows: list[Row]) -> None:
    print(
        "| Định dạng | Phép đo | Số lượng | wall (s) | CPU (s) | Mỗi nhân (theo CPU) | "
        "Theo wall | Kết luận đúng | Ghi chú |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        rate = r.rate_cpu()
        mark = ""
        if r.name.startswith("engine w1") and rate is not None:
            mark = " ✓" if rate >= TARGETS[r.fmt] else " ✗"
        right = f"{r.correct}/{r.total}" if r.total is not None else "—"
        cpu = f"{r.cpu:.2f}" if r.cpu is not None else "—"
        print(
            f"| {r.fmt} | {r.name} | {r.units:g} | {r.wall:.2f} | {cpu} | "
            f"{fmt_rate(rate)} {UNIT[r.fmt]}{mark} | {fmt_rate(r.rate_wall())} | {right} | "
            f"{r.note} |"
        )


def profile(corpus, truths, catalogue) -> None:
    from pyinstrument import Profiler

    prof = Profiler(interval=0.0005)
    prof.start()
    run_inprocess(corpus, truths, catalogue)
    prof.stop()
    print(prof.output_text(unicode=True, color=False))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--docx", type=int, default=400)
    ap.add_argument("--pdf", type=int, default=40)
    ap.add_argument("--pdf-pages", type=int, default=5)
    ap.add_argument("--scanned", type=int, default=6)
    ap.add_argument("--workers", default="1,2")
    ap.add_argument("--skip-cli", action="store_true")
    ap.add_argument("--profile", choices=["docx", "pdf", "scan"])
    ap.add_argument("--keep", type=Path, help="giữ bộ tệp thử ở thư mục này")
    ap.add_argument("--json", type=Path)
    a = ap.parse_args()
    workers = [int(w) for w in a.workers.split(",") if w.strip()]

    tmp = Path(tempfile.mkdtemp(prefix="bmnn-throughput-"))
    root = a.keep or tmp / "corpus"
    try:
        t0 = time.perf_counter()
        corpus = scan_corpus.build(
            root, docx=a.docx, pdf=a.pdf, pdf_pages=a.pdf_pages, scanned=a.scanned
        )
        sizes = [t.bytes for t in corpus.of("docx")]
        print(
            f"Bộ tệp: {len(corpus.truths)} tệp trong {time.perf_counter() - t0:.1f} s; DOCX "
            f"{min(sizes, default=0) // 1000}–{max(sizes, default=0) // 1000} KB; "
            f"OCR: {'có' if ocr.available() else 'KHÔNG CÓ'} tesseract + vie; "
            f"{os.cpu_count()} nhân, load {os.getloadavg()[0]:.1f}"
        )
        catalogue = Catalogue.load(corpus.catalogue)
        if a.profile:
            profile(corpus, corpus.of(a.profile), catalogue)
            return
        rows: list[Row] = []
        for fmt in ("docx", "pdf", "scan"):
            truths = corpus.of(fmt)
            if not truths:
                continue
            for w in workers:
                rows.append(run_engine(corpus, truths, w))
                print(f"  {fmt} engine w{w}: {rows[-1].wall:.1f} s", flush=True)
            rows.append(run_inprocess(corpus, truths, catalogue))
            rows.append(run_naive(corpus, truths, tmp))
            if fmt == "docx" and not a.skip_cli:
                rows.append(run_cli(corpus, truths, max(workers)))
        print()
        print_table(rows)
        print()
        for fmt in ("docx", "pdf", "scan"):
            by = {r.name: r for r in rows if r.fmt == fmt}
            if "engine w1" in by and f"engine w{max(workers)}" in by and max(workers) > 1:
                base = by["engine w1"].rate_wall()
                top = by[f"engine w{max(workers)}"].rate_wall()
                print(f"Tăng tốc {fmt} w1 → w{max(workers)} (wall): ×{top / base:.2f}")
        for r in rows:
            for line in r.extra.get("wrong", [])[:5]:
                print(f"SAI ({r.fmt} {r.name}): {line}")
        if a.json:
            a.json.write_text(
                json.dumps(
                    [
                        r.__dict__ | {"rate_cpu": r.rate_cpu(), "rate_wall": r.rate_wall()}
                        for r in rows
                    ],
                    ensure_ascii=False,
                    indent=1,
                ),
                encoding="utf-8",
            )
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
