"""The scanner's matching stage: normalised text in, findings out, against ripgrep.

    .venv/bin/python bench/scan_match.py [--mb 50] [--phrases 1000] [--repeat 3]
                                        [--naive-mb 1] [--profile] [--json FILE]

Text: `--mb` MB (10^6 bytes of UTF-8) of Vietnamese administrative sentences made by
scan_corpus.Words (already NFC, one tone placement, single spaces: what normalize_text gives;
checked on a sample), cut into documents of ~30 KB (one block per paragraph). Planted with
known truth: a catalogue phrase in 1 document of 20, a level mark on a line of its own in 1 of
25; "mật khẩu", "bảo mật", "mật độ"… in 8% of the sentences (hard negatives).
Keys: `--phrases` generated catalogue phrases (scan_corpus.catalogue_phrases) + the mark
literals, as the scanner builds them (each multi-syllable phrase also without diacritics).

Timed in the same run, one thread each, best of `--repeat`, MB/s on CPU time (per core) and
on wall time:
- `prefilter[backend]`: bmnn.scan.matcher.Matcher.find over every document (Hyperscan when
  installed, pyahocorasick always);
- `detector[backend]`: bmnn.scan.detect.analyze_texts over every document: the prefilter and
  every rule after it (marks, catalogue), i.e. what the scanner does after extraction;
- `rg -F`: ripgrep `-F -f keys.txt -j1 --count-matches` on the same text as one file, the
  same keys (the reference), case-sensitive and with `-i` (the scanner is case-insensitive);
- `naive re`: one Python `re` alternation of every key with IGNORECASE, on `--naive-mb` MB;
- `normalize_text` on a sample, for information (the stage before matching);
- `[hyperscan, mẫu cũ]`: the same keys as matcher.py compiled them before 2026-12-02
  (per-letter case alternations; a frozen copy here, CaseAlternationMatcher), compile and
  matching, for the before/after of that change in the same run.
The run fails if the detector's verdicts differ from the planted truth.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))

from scan_corpus import MARK, Words, catalogue_phrases  # noqa: E402

from bmnn.scan import detect, matcher  # noqa: E402
from bmnn.scan.detect.catalogue import Catalogue  # noqa: E402
from bmnn.scan.model import Block  # noqa: E402
from bmnn.scan.normalize import normalize_text  # noqa: E402

MB = 1_000_000
DOC_BYTES = 30_000
RG = shutil.which("rg") or "/usr/bin/rg"
TARGET_MBS = 100.0


@dataclass
class Doc:
    blocks: list[Block]
    texts: list[str]
    nbytes: int
    truth: str | None  # None: clean; "catalogue" | "mark"


def make_text(
    mb: float, phrases: list[tuple[str, str]], seed: int = 3, distractors: float = 0.08
) -> list[Doc]:
    words = Words(seed, distractor_rate=distractors)
    rnd = words.rnd
    docs: list[Doc] = []
    total = 0
    i = 0
    while total < mb * MB:
        paras: list[str] = []
        size = 0
        while size < DOC_BYTES:
            p = words.paragraph(rnd.randint(2, 5))
            paras.append(p)
            size += len(p.encode()) + 1
        truth = None
        if i % 20 == 7:
            phrase = phrases[(i * 13) % len(phrases)][0]
            k = rnd.randrange(len(paras))
            paras[k] = f"{paras[k]} Giao Phòng Tham mưu xây dựng {phrase} trong quý I."
            truth = "catalogue"
        elif i % 25 == 11:
            paras.insert(1, MARK[("tuyet_mat", "toi_mat", "mat")[i % 3]])
            truth = "mark"
        nbytes = sum(len(p.encode()) + 1 for p in paras)
        blocks = [Block(p, f"đoạn {n + 1}", alone=True) for n, p in enumerate(paras)]
        docs.append(Doc(blocks, paras, nbytes, truth))
        total += nbytes
        i += 1
    return docs


@dataclass
class Timing:
    name: str
    mb: float
    wall: float
    cpu: float
    note: str = ""

    @property
    def mbs_cpu(self) -> float:
        return self.mb / self.cpu if self.cpu > 0 else float("inf")

    @property
    def mbs_wall(self) -> float:
        return self.mb / self.wall


def best(name: str, mb: float, fn, repeat: int, note: str = "") -> tuple[Timing, object]:
    out = None
    runs = []
    for _ in range(repeat):
        w0, c0 = time.perf_counter(), time.process_time()
        out = fn()
        runs.append((time.perf_counter() - w0, time.process_time() - c0))
    wall = min(r[0] for r in runs)
    cpu = min(r[1] for r in runs)
    return Timing(name, mb, wall, cpu, note), out


def child_cpu() -> float:
    t = os.times()
    return t.children_user + t.children_system


def rg(args: list[str], text: Path, keys: Path, mb: float, repeat: int, name: str):
    runs = []
    count = ""
    for _ in range(repeat):
        c0, w0 = child_cpu(), time.perf_counter()
        cmd = [RG, "-F", "-j1", "--count-matches", "--no-filename", *args, "-f", str(keys)]
        out = subprocess.run([*cmd, str(text)], capture_output=True, check=False)  # noqa: S603
        runs.append((time.perf_counter() - w0, child_cpu() - c0))
        if out.returncode not in (0, 1):
            raise SystemExit(f"rg lỗi: {out.stderr.decode(errors='replace')}")
        count = out.stdout.decode().strip() or "0"
    return Timing(name, mb, min(r[0] for r in runs), min(r[1] for r in runs), f"{count} khớp")


def scanner_keys(catalogue: Catalogue) -> tuple[list[str], list[str], list]:
    """The plain keys, line keys and tags the scanner compiles for `catalogue`
    (detect._build), so every backend here matches exactly the scanner's key list."""
    saved = matcher._hs
    matcher._hs = None  # list the keys without paying for a Hyperscan compile here
    try:
        m, tags = detect._build(catalogue.literals())
    finally:
        matcher._hs = saved
    return m.keys[: m.n_plain], m.keys[m.n_plain :], tags


OLD_HYPERSCAN = "hyperscan, mẫu cũ"


def compile_for(catalogue: Catalogue, keys, backend: str) -> float:
    """Put a matcher on `backend` in the catalogue's compiled slot; the seconds it took."""
    plain, line, tags = keys
    t0 = time.perf_counter()
    if backend == OLD_HYPERSCAN:
        m = CaseAlternationMatcher(plain, line, backend="hyperscan")
    else:
        m = matcher.Matcher(plain, line, backend=backend)
    catalogue._compiled = (m, tags)
    return time.perf_counter() - t0


def _case_alternation(key: str) -> str:
    """The pattern matcher.py compiled for a key before 2026-12-02 (a frozen copy): every
    non-ASCII letter as the alternation of its two cases' UTF-8 bytes, ASCII through
    HS_FLAG_CASELESS."""
    out = []
    for c in key:
        if c.isascii():
            out.append(c if c.isalnum() else f"\\x{ord(c):02x}")
            continue
        forms = sorted({c, *(v for v in (c.lower(), c.upper()) if len(v) == 1)})
        alts = ["".join(f"\\x{b:02x}" for b in v.encode("utf-8")) for v in forms]
        out.append(alts[0] if len(alts) == 1 else "(?:" + "|".join(alts) + ")")
    return "".join(out)


class CaseAlternationMatcher(matcher.Matcher):
    """The Hyperscan matcher as it was before 2026-12-02, for comparison in the same run: the
    old patterns on the unfolded text (identity byte map; every hit passes the re-check)."""

    def _build(self) -> None:
        super()._build()
        if self._db is None:
            return
        hs = matcher._hs
        exprs = [_case_alternation(k).encode() for k, _n, _ids in self._groups]
        self._db = hs.Database(mode=hs.HS_MODE_BLOCK)
        self._db.compile(
            expressions=exprs,
            ids=list(range(len(exprs))),
            elements=len(exprs),
            flags=[hs.HS_FLAG_CASELESS] * len(exprs),
        )
        self._fold = bytes(range(256))


def run_detector(docs: list[Doc], catalogue: Catalogue) -> list[tuple[str, str | None]]:
    out = []
    for d in docs:
        findings = detect.analyze_texts(d.blocks, d.texts, catalogue=catalogue)
        verdict, level, _ = detect.verdict(findings)
        out.append((verdict, level))
    return out


def run_prefilter(docs: list[Doc], m: matcher.Matcher) -> int:
    n = 0
    for d in docs:
        n += len(m.find("\n".join(d.texts)))
    return n


def check_truth(docs: list[Doc], verdicts) -> tuple[int, int]:
    wrong = 0
    for d, (verdict, _level) in zip(docs, verdicts, strict=True):
        expected = "clean" if d.truth is None else "secret"
        wrong += verdict != expected
    return len(docs) - wrong, wrong


def measure(label: str, docs: list[Doc], catalogue: Catalogue, keys, a, tmp: Path) -> list[Timing]:
    mb = sum(d.nbytes for d in docs) / MB
    print(f"{label}: {mb:.1f} MB, {len(docs)} tài liệu ~{DOC_BYTES // 1000} KB")
    text_path = tmp / "text.txt"
    lower_path = tmp / "lower.txt"
    with text_path.open("w", encoding="utf-8") as f, lower_path.open("w", encoding="utf-8") as g:
        for d in docs:
            chunk = "\n".join(d.texts) + "\n"
            f.write(chunk)
            g.write(chunk.lower())
    distinct = list(dict.fromkeys(keys[0] + keys[1]))
    keys_path = tmp / "keys.txt"
    keys_path.write_text("\n".join(distinct) + "\n", encoding="utf-8")

    results: list[Timing] = []
    backends = ["ahocorasick"]
    if matcher._hs is not None:
        backends = ["hyperscan", OLD_HYPERSCAN, "ahocorasick"]
    for backend in backends:
        compile_s = compile_for(catalogue, keys, backend)
        m = catalogue._compiled[0]
        t, hits = best(f"prefilter[{backend}]", mb, lambda m=m: run_prefilter(docs, m), a.repeat)
        t.note = f"{hits} khớp giữ lại; dựng bộ khớp {compile_s:.1f} s"
        results.append(t)
        t, verdicts = best(
            f"detector[{backend}]", mb, lambda: run_detector(docs, catalogue), a.repeat
        )
        ok, wrong = check_truth(docs, verdicts)
        t.note = f"{ok}/{len(docs)} tài liệu đúng kết luận"
        results.append(t)
        if wrong:
            raise SystemExit(f"bộ phát hiện sai {wrong} tài liệu ({backend}, {label})")
        if a.profile and backend == backends[0]:
            from pyinstrument import Profiler

            prof = Profiler(interval=0.0005)
            prof.start()
            run_detector(docs, catalogue)
            prof.stop()
            print(prof.output_text(unicode=True, color=False))

    results.append(rg([], text_path, keys_path, mb, a.repeat, "rg -F (phân biệt hoa thường)"))
    results.append(rg(["-i"], text_path, keys_path, mb, a.repeat, "rg -F -i"))
    results.append(rg([], lower_path, keys_path, mb, a.repeat, "rg -F, văn bản đã hạ chữ thường"))

    naive_docs, size = [], 0
    for d in docs:
        if size >= a.naive_mb * MB:
            break
        naive_docs.append(d)
        size += d.nbytes
    pattern = re.compile(
        "|".join(re.escape(k) for k in sorted(distinct, key=len, reverse=True)), re.IGNORECASE
    )
    t, n = best(
        "naive re (IGNORECASE)",
        size / MB,
        lambda: sum(len(pattern.findall("\n".join(d.texts))) for d in naive_docs),
        1,
    )
    t.note = f"{n} khớp trên {size / MB:.2f} MB"
    results.append(t)
    norm_texts = [t for d in docs[:100] for t in d.texts]
    norm_mb = sum(len(t.encode()) + 1 for t in norm_texts) / MB
    t, _ = best(
        "normalize_text (thông tin)", norm_mb, lambda: [normalize_text(t) for t in norm_texts], 1
    )
    t.note = f"giai đoạn trước khớp, trên {norm_mb:.1f} MB"
    results.append(t)
    return results


def table(label: str, results: list[Timing]) -> None:
    print()
    print(f"### {label}")
    print("| Phép đo | MB | wall (s) | CPU (s) | MB/s mỗi nhân (CPU) | MB/s (wall) | Ghi chú |")
    print("|---|---|---|---|---|---|---|")
    for t in results:
        mark = ""
        if t.name.startswith("detector"):
            mark = " ✓" if t.mbs_cpu >= TARGET_MBS else " ✗"
        print(
            f"| {t.name} | {t.mb:.1f} | {t.wall:.2f} | {t.cpu:.2f} | {rate(t.mbs_cpu)}{mark} | "
            f"{rate(t.mbs_wall)} | {t.note} |"
        )


def rate(v: float) -> str:
    return f"{v:,.2f}" if v < 10 else f"{v:,.0f}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--mb", type=float, default=50.0)
    ap.add_argument("--dense-mb", type=float, default=10.0)
    ap.add_argument("--phrases", type=int, default=1000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--naive-mb", type=float, default=0.3)
    ap.add_argument("--profile", action="store_true", help="pyinstrument trên bộ phát hiện")
    ap.add_argument("--json", type=Path)
    a = ap.parse_args()

    phrases = catalogue_phrases(a.phrases)
    catalogue = Catalogue.from_items(phrases)
    keys = scanner_keys(catalogue)
    n_keys = len(set(keys[0] + keys[1]))
    print(f"Khóa: {n_keys} khác nhau ({a.phrases} cụm danh mục có và không dấu + dấu độ mật)")
    if matcher._hs is not None:
        new_s = compile_for(catalogue, keys, "hyperscan")
        old_s = compile_for(catalogue, keys, OLD_HYPERSCAN)
        print(
            f"Dựng bộ khớp Hyperscan: {new_s:.2f} s (mẫu byte đã gấp chữ); "
            f"mẫu cũ, luân phiên hoa/thường từng chữ: {old_s:.2f} s"
        )
    runs = [("Văn bản hành chính (8% câu có «mật» nghĩa khác)", a.mb, 0.08)]
    if a.dense_mb > 0:
        runs.append(("Văn bản dày chữ «mật» (50% câu: bảo mật, mật khẩu…)", a.dense_mb, 0.5))
    report = {}
    tmp = Path(tempfile.mkdtemp(prefix="bmnn-match-"))
    try:
        for label, mb, rate in runs:
            t0 = time.perf_counter()
            docs = make_text(mb, phrases, distractors=rate)
            sample = [t for d in docs[:20] for t in d.texts]
            if any(normalize_text(t) != t for t in sample):
                raise SystemExit("văn bản thử chưa ở dạng chuẩn hóa")
            print(f"(tạo văn bản {time.perf_counter() - t0:.1f} s)")
            report[label] = measure(label, docs, catalogue, keys, a, tmp)
            del docs
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    for label, results in report.items():
        table(label, results)
    if a.json:
        a.json.write_text(
            json.dumps(
                {
                    label: [t.__dict__ | {"mbs_cpu": t.mbs_cpu, "mbs_wall": t.mbs_wall} for t in rs]
                    for label, rs in report.items()
                },
                ensure_ascii=False,
                indent=1,
            ),
            encoding="utf-8",
        )


if __name__ == "__main__":
    main()
