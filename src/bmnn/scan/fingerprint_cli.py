"""`bmnn scan fingerprint --out PACK FOLDER...`: a fingerprint pack from secret documents.

Every file under the folders is one registered document (an archive or a mail with its
members counts as one): its text is read with the scanner's own extractors (sniff →
extractor → normalize.text_of, members included), so a copy is matched on the same text the
scanner reads. Its level is the highest mark the scanner finds in it, or `--level` when that
is higher or the document has no mark.

Fail closed: a file that cannot be read, or has no level, means the pack would silently miss
a secret, so nothing is written and the exit code is 2. A document under 50 words adds no
fingerprint; it is named in a warning.

The registry (bmnn.registry) stores the particulars of electronic documents, not their files
or text, so there is no registry source yet: export the documents to a folder on the secret LAN.

`--index-out FILE` writes, beside the pack and never in it, a CSV mapping each pack number
(#1, #2, …) to the file it came from: keep it on the secret network to trace a finding back.

Exit codes: 0 pack written; 2 nothing written (unreadable file, missing level, bad option).
"""

from __future__ import annotations

import csv
import json
import os
import stat
import sys
from dataclasses import dataclass, field

import typer

from bmnn.scan.fingerprint import LEVEL_NAMES, build_pack, words_of
from bmnn.scan.limits import MB, Limits
from bmnn.scan.model import LimitExceeded, ScanError, highest_level

app = typer.Typer(add_completion=False, pretty_exceptions_enable=False)

_LEVELS = tuple(LEVEL_NAMES)
# Optional: --from-registry takes no folder.
_FOLDERS = typer.Argument(None, help="Thư mục (hoặc tệp) chứa tài liệu mật.")


@dataclass
class _Read:
    path: str
    text: str = ""
    level: str | None = None
    error: str | None = None
    parts: list[str] = field(default_factory=list)


def _read_bytes(path: str, limit: int) -> bytes:
    try:
        st = os.stat(path)
    except OSError as exc:
        raise ScanError(f"Không mở được tệp: {exc.strerror}.") from exc
    if not stat.S_ISREG(st.st_mode):
        raise ScanError("Không phải tệp thông thường; không đọc.")
    if st.st_size > limit:
        raise LimitExceeded(f"Tệp quá lớn ({st.st_size / MB:,.1f} MB, giới hạn {limit // MB} MB).")
    try:
        with open(path, "rb") as f:
            return f.read(limit + 1)
    except OSError as exc:
        raise ScanError(f"Không đọc được tệp: {exc.strerror}.") from exc


def _extract(data: bytes, name: str, limits: Limits, ocr, depth: int, out: _Read) -> None:
    """The text and detected level of a file and, recursively, of its members."""
    from bmnn.scan import detect
    from bmnn.scan.extract import Context, extractor_for
    from bmnn.scan.fingerprint import document_text
    from bmnn.scan.sniff import sniff

    kind = sniff(data, name.rsplit("!", 1)[-1])
    extractor = extractor_for(kind)
    if extractor is None:
        raise ScanError(f"Không có bộ đọc cho loại tệp này ({kind}).")
    doc = extractor(data, Context(limits=limits, name=name, ocr=ocr))
    out.parts.append(document_text(doc.blocks))
    _, level, _ = detect.verdict(detect.analyze(doc.blocks))
    out.level = highest_level([out.level, level])
    for member in doc.members:
        if depth + 1 > limits.max_depth:
            raise LimitExceeded(f"Tệp lồng nhau quá sâu (quá {limits.max_depth} cấp).")
        _extract(member.data, f"{name}!{member.name}", limits, ocr, depth + 1, out)


def read_document(path: str, limits: Limits, ocr) -> _Read:
    out = _Read(path)
    try:
        _extract(_read_bytes(path, limits.max_file_bytes), path, limits, ocr, 0, out)
    except ScanError as exc:
        out.error = exc.reason
    except Exception as exc:  # a parser's surprise: the document is unread, not skipped
        out.error = f"Lỗi khi đọc tệp ({type(exc).__name__}: {str(exc)[:200]})."
    out.text = "\n".join(out.parts)
    out.parts = []
    return out


def _fail(message: str) -> typer.Exit:
    typer.echo(message, err=True)
    return typer.Exit(2)


@app.command()
def fingerprint(
    folders: list[str] = _FOLDERS,
    out: str = typer.Option(..., "--out", help="Tệp gói dấu vân tay sẽ tạo."),
    level: str = typer.Option(
        None,
        "--level",
        help="Độ mật của tài liệu không có dấu mật (tuyet_mat|toi_mat|mat); dấu mật cao hơn thắng.",
    ),
    labels: bool = typer.Option(
        False,
        "--labels",
        help="Ghi đường dẫn tệp vào gói làm nhãn (tên tệp có thể là bí mật: mặc định không).",
    ),
    index_out: str = typer.Option(
        None, "--index-out", help="Tệp CSV (giữ trong mạng nội bộ): số trong gói → tệp nguồn."
    ),
    fmt: str = typer.Option("text", "--format", help="text hoặc jsonl."),
    no_ocr: bool = typer.Option(False, "--no-ocr", help="Không nhận dạng chữ trong ảnh."),
) -> None:
    """Tạo gói dấu vân tay (mã băm có khóa của các chuỗi 50 từ) từ tài liệu mật."""
    if fmt not in ("text", "jsonl"):
        raise _fail("--format phải là text hoặc jsonl.")
    if level is not None and level not in _LEVELS:
        raise _fail(f"--level phải là một trong: {', '.join(_LEVELS)}.")
    if not folders:
        raise _fail("Hãy chỉ ra ít nhất một thư mục tài liệu mật.")

    from bmnn.scan.engine import walk

    ocr = None
    if not no_ocr:
        try:
            from bmnn.scan.ocr import make_ocr

            ocr = make_ocr()
        except ImportError:
            ocr = None
    limits = Limits()
    docs: list[_Read] = []
    problems: list[tuple[str, str]] = []
    for item in walk(folders):
        if not isinstance(item, str):
            problems.append((item.path, item.error or "không đọc được"))
            continue
        doc = read_document(item, limits, ocr)
        if doc.error is None:
            # A mark above --level wins: under-classifying a registered secret is the worse error.
            doc.level = highest_level([doc.level, level])
            if doc.level is None:
                doc.error = (
                    "không thấy dấu độ mật trong tài liệu; hãy chỉ rõ bằng --level "
                    "(tuyet_mat|toi_mat|mat)."
                )
        if doc.error is not None:
            problems.append((doc.path, doc.error))
            doc.text = ""
        docs.append(doc)

    jsonl = fmt == "jsonl"
    for path, reason in problems:
        if jsonl:
            typer.echo(json.dumps({"path": path, "error": reason}, ensure_ascii=False))
        typer.echo(f"Lỗi: {path}: {reason}", err=True)
    if problems:
        raise _fail(f"Không tạo gói: {len(problems)} tệp không đọc được hoặc thiếu độ mật.")
    if not docs:
        raise _fail("Không tìm thấy tài liệu nào trong các thư mục đã chỉ.")

    pack = build_pack(((d.path, d.level, d.text) for d in docs), labels=labels)
    counts = {}
    for i, d in enumerate(docs, start=1):
        counts[i] = len(words_of(d.text))
        d.text = ""  # the texts are no longer needed; only the hashes stay
    try:
        pack.save(out)
    except OSError as exc:
        raise _fail(f"Không ghi được gói {out}: {exc.strerror}.") from exc
    if index_out:
        _write_index(index_out, docs, counts)

    for i, d in enumerate(docs, start=1):
        if jsonl:
            line = {"index": i, "path": d.path, "level": d.level, "words": counts[i]}
            typer.echo(json.dumps(line, ensure_ascii=False))
        else:
            typer.echo(f"#{i}\t{LEVEL_NAMES[d.level]}\t{counts[i]} từ\t{d.path}")
    for path in pack.too_short:
        typer.echo(
            f"Cảnh báo: {path} có dưới {pack.shingle_words} từ, không tạo được dấu vân tay.",
            err=True,
        )
    summary = f"Đã tạo gói {out}: {len(docs)} tài liệu, {len(pack):,} mã băm."
    typer.echo(summary, err=jsonl)
    if labels:
        typer.echo("Lưu ý: gói có ghi đường dẫn tệp làm nhãn.", err=True)
    sys.stdout.flush()


def _write_index(path: str, docs: list[_Read], counts: dict[int, int]) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["so", "do_mat", "so_tu", "tep"])
        for i, d in enumerate(docs, start=1):
            writer.writerow([i, d.level, counts[i], d.path])
