"""Importing a legacy register (sổ đăng ký BMNN đến cũ) of --rows lines from XLSX.

    .venv/bin/python bench/legacy_import.py --rows 100000 [--sample 300] [--json out.json]

Generates an incoming-register workbook (10 columns of law.md 12.3; levels as words and A/B/C
letters, dates as Excel dates and dd/mm/yyyy text) and, in one run, on the same file:
- floor: openpyxl read-only iteration over every cell (the reading alone);
- read_legacy_register: parse and check every line (nothing written);
- import_legacy_register: the whole import into a throw-away database (a SQLite file, or a
  scratch PostgreSQL database when BMNN_DATABASE_URL is set): items, register lines, receipts,
  copies, one ledger event, in one transaction;
- naive: one `incoming.register_incoming` call per line (its own transaction, numbering and
  ledger event each, as a clerk would enter them) on the first --sample lines, extrapolated
  linearly to --rows.
Incoming is the heavier kind (a Receipt per line). Target from the issue: 100,000 rows < 60 s.
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
LEVELS = ("Mật", "TỐI MẬT", "Tuyệt mật", "C", "B", "A")
TYPES = ("Công văn", "Báo cáo", "Kế hoạch", "Quyết định", "Thông báo")
WORDS_TEXT = "về việc tình hình bảo vệ mục tiêu kiểm tra định kỳ phương án an ninh"
WORDS = tuple(WORDS_TEXT.split())
ISSUERS = ("Bộ Công an", "UBND tỉnh", "Công an tỉnh", "Bộ Quốc phòng", "Văn phòng Chính phủ")
HEADER = [
    "Số thứ tự",
    "Ngày đến",
    "Số đến",
    "Cơ quan ban hành",
    "Số ký hiệu",
    "Ngày tháng",
    "Tên loại và trích yếu",
    "Độ mật",
    "Đơn vị nhận / ký nhận",
    "Ghi chú",
]
YEAR = 2025


def make_file(path: Path, rows: int, seed: int) -> None:
    from openpyxl import Workbook

    rng = random.Random(seed)  # noqa: S311 - test data, not secrets
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Sổ đăng ký BMNN đến")
    ws.append([f"SỔ ĐĂNG KÝ BÍ MẬT NHÀ NƯỚC ĐẾN NĂM {YEAR}"])
    ws.append(HEADER)
    start = dt.date(YEAR, 1, 1)
    for i in range(rows):
        received = start + dt.timedelta(days=i * 365 // rows)
        dated = received - dt.timedelta(days=rng.randint(0, 20))
        level = rng.choice(LEVELS)
        secret = level in ("Tuyệt mật", "A")
        title = rng.choice(TYPES)
        if not secret:
            title += " " + " ".join(rng.sample(WORDS, 6))
        ws.append(
            [
                i + 1,
                received if i % 2 else received.strftime("%d/%m/%Y"),
                str(i + 1),
                rng.choice(ISSUERS),
                f"{rng.randint(1, 9999)}/CV-{rng.randint(1, 99)}",
                dated.strftime("%d/%m/%Y") if i % 2 else dated,
                title,
                level,
                "Văn phòng",
                "",
            ]
        )
    wb.save(path)


def _setup_agency():
    from bmnn.people import services as people
    from bmnn.people.models import OrgUnit, Staff

    agency = people.create_org_unit(
        "user:bench", name="Sở Thử nghiệm", short_code="STN", kind=OrgUnit.Kind.AGENCY
    )
    office = people.create_org_unit("user:bench", name="Văn phòng", short_code="VP", parent=agency)
    clerk = people.create_staff(
        "user:bench",
        username="vanthu",
        password="Khong-Doan-Duoc-2026",  # noqa: S106 - a throw-away bench account
        full_name="Văn Thư",
        org_unit=office,
        post_code="can_bo",
        role=Staff.Role.CLERK,
        clearance="tuyet_mat",
        active_from=dt.date(2000, 1, 1),
    )
    return agency, office, clerk


def _naive(parsed, office, clerk, sample: int) -> float:
    """Seconds for `sample` lines, each through the existing incoming service."""
    from bmnn.registry.services import incoming

    start = time.perf_counter()
    for row in parsed.rows[:sample]:
        incoming.register_incoming(
            "user:bench",
            clerk,
            issuer=row.issuer,
            number_symbol=row.number_symbol,
            document_date=row.document_date,
            doc_type=row.doc_type,
            summary=row.summary,
            level=row.level,
            receiving_unit=office,
            copies=row.copies,
            note=row.note,
            on=row.entered_on,
        )
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--sample", type=int, default=300, help="lines for the naive way")
    parser.add_argument("--seed", type=int, default=117)
    parser.add_argument("--json", help="also write the results to this file")
    args = parser.parse_args()

    data_dir = tempfile.mkdtemp(prefix="bmnn-bench-legacy-")
    os.environ["BMNN_DATA_DIR"] = data_dir
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bmnn.web.settings")
    url, admin = os.environ.get("BMNN_DATABASE_URL"), None
    if url:
        from registry_scale import _scratch_database

        url, admin = _scratch_database(url)
        os.environ["BMNN_DATABASE_URL"] = url
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from openpyxl import load_workbook

    from bmnn.registry import legacy
    from bmnn.registry.services.legacy_import import import_legacy_register

    path = Path(data_dir) / "so-den-cu.xlsx"
    out: dict = {"rows": args.rows}
    start = time.perf_counter()
    make_file(path, args.rows, args.seed)
    out["make_file_s"] = round(time.perf_counter() - start, 1)
    out["file_mb"] = round(path.stat().st_size / 1e6, 1)

    start = time.perf_counter()
    wb = load_workbook(path, read_only=True, data_only=True)
    out["floor_cells"] = sum(len(row) for row in wb.worksheets[0].iter_rows(values_only=True))
    wb.close()
    out["floor_openpyxl_read_s"] = round(time.perf_counter() - start, 1)

    start = time.perf_counter()
    parsed = legacy.read_legacy_register(path, kind="incoming", year=YEAR)
    out["read_legacy_register_s"] = round(time.perf_counter() - start, 1)

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    try:
        call_command("migrate", verbosity=0)
        out["vendor"] = connection.vendor
        agency, office, clerk = _setup_agency()
        start = time.perf_counter()
        result = import_legacy_register(
            "user:bench", path, kind="incoming", agency=agency, year=YEAR, clerk=clerk
        )
        out["import_legacy_register_s"] = round(time.perf_counter() - start, 1)
        summary = result.as_dict()
        out["imported"] = {k: summary[k] for k in ("rows", "by_level", "copies", "book")}

        sample = min(args.sample, args.rows)
        naive = _naive(parsed, office, clerk, sample)
        out["naive_sample_rows"] = sample
        out["naive_sample_s"] = round(naive, 1)
        out["naive_extrapolated_s"] = round(naive / sample * args.rows)
        out["speedup_vs_naive"] = round(
            naive / sample * args.rows / out["import_legacy_register_s"]
        )
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
