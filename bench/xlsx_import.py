"""Importing a large XLSX: 100,000 rows through the importer that exists, against raw openpyxl.

    .venv/bin/python bench/xlsx_import.py --rows 100000 [--write]

There is no importer of legacy registers (sổ đăng ký cũ) yet; the only XLSX importer is the
catalogue one (bmnn.catalogue.importer.read_catalogue, services.import_catalogue), so this times
that one on a catalogue-shaped file of --rows items:
- reference: openpyxl read-only iteration over every cell of the same file (the floor);
- read_catalogue: parse and check every row (nothing written);
- with --write: services.import_catalogue into a throw-away database (a SQLite file, or a
  scratch PostgreSQL database when BMNN_DATABASE_URL is set), one ledger event per item.
Target from the issue: 100,000 rows under 60 s.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
LEVELS = ("Tuyệt mật", "Tối mật", "Mật")
WORDS_TEXT = "thông tin tài liệu kế hoạch phương án số liệu bản đồ tọa độ hồ sơ nhân sự"
WORDS = tuple(WORDS_TEXT.split())


def make_file(path: Path, rows: int, seed: int) -> None:
    from openpyxl import Workbook

    rng = random.Random(seed)  # noqa: S311 - test data, not secrets
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Danh mục")
    ws.append(["DANH MỤC BÍ MẬT NHÀ NƯỚC"])
    ws.append(["STT", "Điều", "Khoản", "Điểm", "Độ mật", "Nội dung"])
    for i in range(rows):
        ws.append(
            [
                i + 1,
                str(i // 100 + 1),
                str(i % 100 // 4 + 1),
                "abcd"[i % 4],
                rng.choice(LEVELS),
                " ".join(rng.sample(WORDS, 8)).capitalize(),
            ]
        )
    wb.save(path)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=117)
    parser.add_argument("--write", action="store_true", help="also import into a database")
    parser.add_argument("--json", help="also write the results to this file")
    args = parser.parse_args()

    data_dir = tempfile.mkdtemp(prefix="bmnn-bench-xlsx-")
    os.environ["BMNN_DATA_DIR"] = data_dir
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bmnn.web.settings")
    url, admin = os.environ.get("BMNN_DATABASE_URL"), None
    if url and args.write:
        from registry_scale import _scratch_database

        url, admin = _scratch_database(url)
        os.environ["BMNN_DATABASE_URL"] = url
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()
    from django.db import connection
    from openpyxl import load_workbook

    from bmnn.catalogue import importer

    path = Path(data_dir) / "danh-muc.xlsx"
    out: dict = {"rows": args.rows}
    start = time.perf_counter()
    make_file(path, args.rows, args.seed)
    out["make_file_s"] = round(time.perf_counter() - start, 1)
    out["file_mb"] = round(path.stat().st_size / 1e6, 1)

    start = time.perf_counter()
    wb = load_workbook(path, read_only=True, data_only=True)
    cells = sum(len(row) for row in wb.worksheets[0].iter_rows(values_only=True))
    wb.close()
    out["ref_openpyxl_read_only_s"] = round(time.perf_counter() - start, 1)
    out["ref_cells"] = cells

    limits = importer.ImportLimits(
        max_bytes=200 * 1024 * 1024,
        max_rows=args.rows + 10,
        max_uncompressed=1024 * 1024 * 1024,
    )
    start = time.perf_counter()
    parsed = importer.read_catalogue(path, limits=limits)
    out["read_catalogue_s"] = round(time.perf_counter() - start, 1)
    out["items_parsed"] = len(parsed.items)

    if args.write:
        from django.conf import settings
        from django.core.management import call_command

        from bmnn.catalogue import services

        settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
        try:
            call_command("migrate", verbosity=0)
            start = time.perf_counter()
            result = services.import_catalogue(
                "user:bench",
                path,
                number="1/QĐ-TTg",
                date=dt.date(2020, 6, 5),
                issuer="Thủ tướng Chính phủ",
                title="Danh mục thử",
                limits=limits,
            )
            out["import_catalogue_s"] = round(time.perf_counter() - start, 1)
            out["vendor"] = connection.vendor
            out["import_result"] = str(result)[:200]
        finally:
            connection.close()
            if admin:
                from registry_scale import _drop_database

                _drop_database(admin, url)
    text = json.dumps(out, ensure_ascii=False, indent=1)
    print(text)
    if args.json:
        Path(args.json).write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
