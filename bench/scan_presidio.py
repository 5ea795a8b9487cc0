"""The scanner's detector against Microsoft Presidio on the same extracted text: speed ratio,
precision and recall against the corpus's ground truth.

    .venv/bin/python bench/scan_presidio.py [--docx 120] [--pdf 30] [--pdf-pages 2]
                                           [--scanned 4] [--phrases 1000] [--json F]

Presidio is NOT a project dependency: `pip install presidio-analyzer` into the venv for this
bench only (it pulls spaCy). No spaCy model is downloaded: the NLP engine is a SpacyNlpEngine
whose load() builds `spacy.blank("vi")` with the whitespace tokenizer (use_pyvi=False), so
Presidio gets tokens but no NER and no lemmas; a second run uses Presidio's NoOpNlpEngine (no
NLP at all: the fastest Presidio can be). Both are in-process, no network.

Corpus: bench/scan_corpus.py (DOCX, text PDF, scanned pages; marks, catalogue phrases, hard
negatives). Every file is extracted ONCE by the scanner's own extractors (OCR included), and
normalised by `normalize.text_of` (NFC, legacy fonts, spaced letters); both detectors then get
exactly that text: bmnn.scan.detect.analyze_texts the blocks with their layout hints (what the
scanner does), Presidio the blocks' text joined by newlines. Extraction is timed apart and
counted for neither. A third bmnn row gets the same lines with no layout hints (one block per
line), to show what the layout contributes.

Presidio is given the same marks as the scanner's literals (with and without diacritics:
level marks, copy marks "Bản sao số" / "Bản số n/m" / "SAO BMNN", "Tài liệu thu hồi",
"Chỉ người có tên mới được bóc bì") as PatternRecognizers, score 0.6, and one deny-list
recognizer per level with every catalogue phrase (with and without diacritics), threshold 0.5.
Two configurations:
- `literal`: the marks as words (`\\bMẬT\\b`), Presidio's default flags (IGNORECASE);
- `tuned`: the level marks only as a whole line in capitals (`^\\s*(?-i:MẬT)\\s*$`), the
  layout rule a careful user would write in a regex.
A file is secret when any result scores ≥ 0.5; its level is the highest among them.
Times are CPU seconds of this (single-threaded) process, so the other jobs of a shared
machine do not count: bmnn best of 3 runs, each Presidio configuration one run.
"""

from __future__ import annotations

import argparse
import json
import logging
import re
import shutil
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
from bmnn.scan.detect.marks import literals  # noqa: E402
from bmnn.scan.extract import Context, extractor_for  # noqa: E402
from bmnn.scan.model import Block, highest_level  # noqa: E402
from bmnn.scan.normalize import fold, text_of  # noqa: E402

MB = 1_000_000
TARGET_RATIO = 100.0
THRESHOLD = 0.5
LEVEL_ENTITY = {"tuyet_mat": "BMNN_TUYET_MAT", "toi_mat": "BMNN_TOI_MAT", "mat": "BMNN_MAT"}
ENTITY_LEVEL = {v: k for k, v in LEVEL_ENTITY.items()}
ENTITY_LEVEL.update({f"BMNN_CAT_{k.upper()}": k for k in LEVEL_ENTITY})


@dataclass
class Item:
    name: str
    kind: str
    verdict: str
    level: str | None
    blocks: list[Block]
    texts: list[str]

    @property
    def text(self) -> str:
        return "\n".join(self.texts)


@dataclass
class Result:
    name: str
    seconds: float
    verdicts: list[tuple[str, str | None]]
    note: str = ""
    metrics: dict = field(default_factory=dict)


def extract_all(corpus) -> tuple[list[Item], float]:
    engine = ocr.make_ocr()
    items = []
    t0 = time.perf_counter()
    for t in corpus.truths:
        data = corpus.path(t).read_bytes()
        doc = extractor_for(sniff.sniff(data, t.name))(data, Context(name=t.name, ocr=engine))
        items.append(
            Item(t.name, t.kind, t.verdict, t.level, doc.blocks, [text_of(b) for b in doc.blocks])
        )
    return items, time.perf_counter() - t0


# ---------------------------------------------------------------------------------- bmnn


def run_bmnn(items: list[Item], catalogue: Catalogue, layout: bool) -> Result:
    if layout:
        inputs = [(it.blocks, it.texts) for it in items]
    else:  # the same text, one block per line, no layout hints
        inputs = []
        for it in items:
            lines = [line for t in it.texts for line in t.split("\n")]
            inputs.append(([Block(line, "dòng") for line in lines], lines))
    detect.analyze([Block("khởi động", "x")], catalogue=catalogue)  # compile before timing
    best = float("inf")
    for _ in range(3):  # best of 3: a run takes milliseconds, the machine is shared
        t0 = time.process_time()
        verdicts = []
        for blocks, texts in inputs:
            findings = detect.analyze_texts(blocks, texts, catalogue=catalogue)
            verdict, level, _ = detect.verdict(findings)
            verdicts.append((verdict, level))
        best = min(best, time.process_time() - t0)
    name = "bmnn (khối + bố cục)" if layout else "bmnn (chỉ dòng chữ, không bố cục)"
    return Result(name, best, verdicts)


# ------------------------------------------------------------------------------ Presidio


def _mark_literals() -> dict[str, list[str]]:
    """Entity → the scanner's mark literals (exact and folded), as the text has them."""
    out: dict[str, list[str]] = {}
    for literal, key in literals():
        if key.kind == "level":
            entity = LEVEL_ENTITY[key.level]
        elif key.kind in ("copy", "copy_number", "copy_bmnn"):
            entity = "BMNN_COPY"
        elif key.kind == "recall":
            entity = "BMNN_RECALL"
        elif key.kind == "named":
            entity = "BMNN_NAMED"
        else:
            continue  # declassified / adjusted stamps make nothing secret
        out.setdefault(entity, []).append(literal)
    return out


def presidio_analyzer(phrases, config: str, nlp: str):
    import spacy
    from presidio_analyzer import AnalyzerEngine, Pattern, PatternRecognizer, RecognizerRegistry
    from presidio_analyzer.nlp_engine import NoOpNlpEngine, SpacyNlpEngine

    class BlankSpacy(SpacyNlpEngine):
        """spaCy's blank Vietnamese pipeline (whitespace tokens, no model to download)."""

        def load(self) -> None:
            cfg = {"nlp": {"tokenizer": {"use_pyvi": False}}}
            self.nlp = {"vi": spacy.blank("vi", config=cfg)}

    recognizers = []
    for entity, lits in _mark_literals().items():
        patterns = []
        for n, lit in enumerate(lits):
            words = r"\s+".join(re.escape(w) for w in lit.split())
            if entity == "BMNN_COPY" and lit in ("bản số", "ban so"):
                words += r"\s*\d+\s*/\s*\d+"  # "Bản số 2/5": the form, not "văn bản số 12"
            if config == "tuned" and entity in ENTITY_LEVEL:
                # A level mark: a whole line, in capitals (case-sensitive inside).
                caps = r"\s+".join(re.escape(w.upper()) for w in lit.split())
                regex = rf"^[ \t]*(?-i:{caps})[ \t]*$"
            else:
                regex = rf"(?<!\w){words}(?!\w)"
            patterns.append(Pattern(f"{entity}_{n}", regex, 0.6))
        recognizers.append(
            PatternRecognizer(entity, name=entity, supported_language="vi", patterns=patterns)
        )
    for level in LEVEL_ENTITY:
        mine = [p for p, lv in phrases if lv == level]
        deny = sorted(set(mine) | {fold(p) for p in mine})
        entity = f"BMNN_CAT_{level.upper()}"
        recognizers.append(
            PatternRecognizer(
                entity, name=entity, supported_language="vi", deny_list=deny, deny_list_score=0.85
            )
        )
    registry = RecognizerRegistry(recognizers=recognizers, supported_languages=["vi"])
    if nlp == "spacy-blank":
        engine = BlankSpacy(models=[{"lang_code": "vi", "model_name": "blank-vi"}])
    else:
        engine = NoOpNlpEngine(models=[{"lang_code": "vi", "model_name": "none"}])
    engine.load()
    return AnalyzerEngine(
        registry=registry,
        nlp_engine=engine,
        supported_languages=["vi"],
        default_score_threshold=THRESHOLD,
    )


def run_presidio(items: list[Item], phrases, config: str, nlp: str) -> Result:
    analyzer = presidio_analyzer(phrases, config, nlp)
    analyzer.analyze(text="khởi động", language="vi")  # compile the patterns before timing
    t0 = time.process_time()
    verdicts = []
    for it in items:
        results = analyzer.analyze(text=it.text, language="vi", score_threshold=THRESHOLD)
        if results:
            level = highest_level(ENTITY_LEVEL.get(r.entity_type) for r in results)
            verdicts.append(("secret", level))
        else:
            verdicts.append(("clean", None))
    return Result(f"Presidio {config}, {nlp}", time.process_time() - t0, verdicts)


# ------------------------------------------------------------------------------- metrics


def metrics(items: list[Item], verdicts) -> dict:
    tp = fp = fn = tn = level_ok = 0
    misses: dict[str, int] = {}
    for it, (verdict, level) in zip(items, verdicts, strict=True):
        secret = verdict == "secret"
        if it.verdict == "secret" and secret:
            tp += 1
            level_ok += level == it.level
        elif it.verdict == "secret":
            fn += 1
            misses[it.kind] = misses.get(it.kind, 0) + 1
        elif secret:
            fp += 1
            misses[it.kind] = misses.get(it.kind, 0) + 1
        else:
            tn += 1
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    return {
        "tp": tp,
        "fp": fp,
        "fn": fn,
        "tn": tn,
        "precision": precision,
        "recall": recall,
        "level_ok": level_ok,
        "wrong_by_kind": misses,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--docx", type=int, default=120)
    ap.add_argument("--pdf", type=int, default=30)
    ap.add_argument("--pdf-pages", type=int, default=2)
    ap.add_argument("--scanned", type=int, default=4)
    ap.add_argument("--phrases", type=int, default=1000)
    ap.add_argument("--json", type=Path)
    a = ap.parse_args()
    logging.getLogger("presidio-analyzer").setLevel(logging.ERROR)
    try:
        import presidio_analyzer  # noqa: F401
    except ImportError:
        raise SystemExit(
            "Cần presidio-analyzer (chỉ cho phép đo này): .venv/bin/pip install presidio-analyzer"
        ) from None

    tmp = Path(tempfile.mkdtemp(prefix="bmnn-presidio-"))
    try:
        corpus = scan_corpus.build(
            tmp / "corpus",
            docx=a.docx,
            pdf=a.pdf,
            pdf_pages=a.pdf_pages,
            scanned=a.scanned,
            phrases=a.phrases,
        )
        items, extract_s = extract_all(corpus)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    mb = sum(len(it.text.encode()) for it in items) / MB
    secret = sum(it.verdict == "secret" for it in items)
    print(
        f"Bộ tệp: {len(items)} tệp ({secret} mật, {len(items) - secret} sạch), văn bản trích "
        f"{mb:.2f} MB, trích một lần trong {extract_s:.1f} s (không tính cho bên nào)"
    )
    catalogue = Catalogue.from_items(corpus.phrases)

    results = [run_bmnn(items, catalogue, layout=True), run_bmnn(items, catalogue, layout=False)]
    for config in ("tuned", "literal"):
        for nlp in ("spacy-blank", "noop"):
            results.append(run_presidio(items, corpus.phrases, config, nlp))
            print(f"  {results[-1].name}: {results[-1].seconds:.1f} s", flush=True)
    base = results[0].seconds
    print()
    print(
        "| Bộ phát hiện | CPU (s) | MB/s mỗi nhân | Chậm hơn bmnn | Precision | Recall | "
        "Đúng độ mật (trong số TP) | TP / FP / FN / TN | Sai theo loại tệp |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for r in results:
        m = metrics(items, r.verdicts)
        r.metrics = m
        ratio = r.seconds / base if base > 0 else float("inf")
        wrong = ", ".join(f"{k} {v}" for k, v in sorted(m["wrong_by_kind"].items())) or "—"
        print(
            f"| {r.name} | {r.seconds:.3f} | {mb / r.seconds:,.2f} | ×{ratio:,.0f} | "
            f"{m['precision']:.3f} | {m['recall']:.3f} | {m['level_ok']}/{m['tp']} | "
            f"{m['tp']} / {m['fp']} / {m['fn']} / {m['tn']} | {wrong} |"
        )
    fastest = min(r.seconds for r in results[2:])
    verdict = "✓" if fastest / base >= TARGET_RATIO else "✗"
    print()
    print(f"Presidio nhanh nhất chậm hơn bmnn ×{fastest / base:,.0f} (mục tiêu ≥ ×100) {verdict}")
    if a.json:
        a.json.write_text(
            json.dumps(
                [{"name": r.name, "seconds": r.seconds, "metrics": r.metrics} for r in results],
                ensure_ascii=False,
                indent=1,
            ),
            encoding="utf-8",
        )


if __name__ == "__main__":
    main()
