"""The scan engine: walking, limits, fail-closed verdicts, workers, members and aggregation."""

from __future__ import annotations

import os
import time
from dataclasses import replace

import pytest

from bmnn.scan.engine import (
    ConfigError,
    ScanConfig,
    Scanner,
    aggregate,
    scan_bytes,
    scan_paths,
    walk,
)
from bmnn.scan.limits import MB, Limits
from bmnn.scan.model import FileResult, Finding
from tests.scan.engine_fixtures import (
    CLEAN_TEXT,
    MODULE,
    SECRET_TEXT,
    box,
    make_docx,
    make_zip,
)

CONFIG = ScanConfig(ocr=False, extra_modules=(MODULE,))


def by_path(results):
    return {r.path: r for r in results}


def scan_dir(path, config=CONFIG):
    return list(scan_paths([str(path)], config=config))


@pytest.fixture(scope="module")
def scanner():
    with Scanner(replace(CONFIG, limits=Limits(seconds_per_file=2.0))) as s:
        yield s


def test_text_files_secret_and_clean_in_stable_order(tmp_path):
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "mat.txt").write_text(SECRET_TEXT, encoding="utf-8")
    (tmp_path / "a.txt").write_text(CLEAN_TEXT, encoding="utf-8")
    results = scan_dir(tmp_path)
    assert [r.path for r in results] == [
        os.path.join(str(tmp_path), "a.txt"),
        os.path.join(str(tmp_path), "b", "mat.txt"),
    ]
    clean, secret = results
    assert (clean.verdict, clean.level, clean.error) == ("clean", None, None)
    assert secret.verdict == "secret" and secret.level == "tuyet_mat"
    assert any(f.rule == "mark.level" for f in secret.findings)
    assert all(r.seconds >= 0 for r in results)


def test_unknown_binary_is_error_never_clean(tmp_path):
    (tmp_path / "blob.dat").write_bytes(bytes(range(256)) * 40)
    (result,) = scan_dir(tmp_path)
    assert result.verdict == "error"
    assert "Không đọc được định dạng tệp" in result.error


def test_sparse_2gb_file_is_error_quickly(tmp_path):
    big = tmp_path / "big.pdf"
    with open(big, "wb") as f:
        os.truncate(f.fileno(), 2 * 1024**3)
    t0 = time.monotonic()
    (result,) = scan_dir(tmp_path)
    assert time.monotonic() - t0 < 10
    assert result.verdict == "error" and "quá lớn" in result.error
    assert result.seconds < 1


def test_stuck_extractor_is_killed_and_the_next_file_still_scanned(tmp_path):
    (tmp_path / "1.bin").write_bytes(b"XTEST:sleep\n")
    (tmp_path / "2.txt").write_text(SECRET_TEXT, encoding="utf-8")
    config = replace(CONFIG, limits=Limits(seconds_per_file=1.0))
    t0 = time.monotonic()
    stuck, after = scan_dir(tmp_path, config)
    assert time.monotonic() - t0 < 8  # not the 60 s the extractor sleeps
    assert stuck.verdict == "error" and "quá thời gian" in stuck.error.lower()
    assert after.verdict == "secret"  # a fresh worker replaced the killed one


def test_slow_extractor_that_checks_its_clock_reports_its_own_timeout(tmp_path):
    (tmp_path / "spin.bin").write_bytes(b"XTEST:spin\n")
    (result,) = scan_dir(tmp_path, replace(CONFIG, limits=Limits(seconds_per_file=0.5)))
    assert result.verdict == "error" and "quá thời gian" in result.error.lower()


def test_memory_hog_is_error(tmp_path):
    (tmp_path / "hog.bin").write_bytes(b"XTEST:alloc\n")
    (tmp_path / "ok.txt").write_text(CLEAN_TEXT, encoding="utf-8")
    hog, ok = scan_dir(tmp_path)
    assert hog.verdict == "error" and "bộ nhớ" in hog.error
    assert ok.verdict == "clean"


def test_unexpected_exception_is_error_not_crash(tmp_path):
    (tmp_path / "boom.bin").write_bytes(b"XTEST:boom\n")
    (result,) = scan_dir(tmp_path)
    assert result.verdict == "error"
    assert "KeyError" in result.error and "không được coi là sạch" in result.error


def test_dying_worker_is_error_and_replaced(tmp_path):
    (tmp_path / "1.bin").write_bytes(b"XTEST:crash\n")
    (tmp_path / "2.txt").write_text(CLEAN_TEXT, encoding="utf-8")
    crashed, after = scan_dir(tmp_path)
    assert crashed.verdict == "error" and "dừng bất thường" in crashed.error
    assert after.verdict == "clean"


def test_type_mismatch_is_noted_and_the_file_read_as_what_it_is(tmp_path):
    (tmp_path / "report.pdf").write_text(SECRET_TEXT, encoding="utf-8")
    (result,) = scan_dir(tmp_path)
    assert result.verdict == "secret"
    (note,) = [f for f in result.findings if f.rule == "file.type_mismatch"]
    assert note.score == 0.0 and note.level is None and ".pdf" in note.explanation


def test_type_mismatch_alone_is_not_a_verdict(tmp_path):
    (tmp_path / "notes.docx").write_text(CLEAN_TEXT, encoding="utf-8")
    (result,) = scan_dir(tmp_path)
    assert result.verdict == "clean"
    assert [f.rule for f in result.findings] == ["file.type_mismatch"]


def test_members_get_their_own_lines_and_the_container_the_highest_verdict(scanner):
    data = box(("a/ok.txt", CLEAN_TEXT.encode()), ("b/mat.bin", b"XTEST:secret\n"))
    top, ok, secret = scanner.scan_bytes(data, "hop.box")
    assert [top.path, ok.path, secret.path] == ["hop.box", "hop.box!a/ok.txt", "hop.box!b/mat.bin"]
    assert ok.verdict == "clean" and secret.verdict == "secret"
    assert top.verdict == "secret" and top.level == "tuyet_mat"


def test_one_unreadable_member_makes_the_container_error(scanner):
    data = box(("mat.bin", b"XTEST:secret\n"), ("x.dat", b"\x00\x01\x02" * 100))
    top, secret, bad = scanner.scan_bytes(data, "hop.box")
    assert bad.verdict == "error" and secret.verdict == "secret"
    assert top.verdict == "error" and top.level == "tuyet_mat"
    assert "hop.box!x.dat" in top.error


def test_nested_names_and_depth_limit(tmp_path):
    inner = box(("c.bin", b"XTEST:secret\n"))
    data = box(("b.box", inner))
    config = replace(CONFIG, limits=Limits(max_depth=2))
    lines = scan_bytes(data, "a.box", config=config)
    assert [r.path for r in lines] == ["a.box", "a.box!b.box", "a.box!b.box!c.bin"]
    assert [r.verdict for r in lines] == ["secret"] * 3
    lines = scan_bytes(data, "a.box", config=replace(CONFIG, limits=Limits(max_depth=1)))
    deep = lines[-1]
    assert deep.path == "a.box!b.box!c.bin" and deep.verdict == "error"
    assert "lồng nhau quá sâu" in deep.error
    assert lines[0].verdict == "error"


def test_unpacked_budget_is_shared_across_levels():
    data = box(("1.txt", b"a" * 4000), ("2.box", box(("3.txt", b"b" * 4000))))
    limits = Limits(max_unpacked_bytes=9000)  # 1.txt + 2.box fit, 3.txt does not
    lines = scan_bytes(data, "a.box", config=replace(CONFIG, limits=limits))
    by = by_path(lines)
    assert by["a.box!1.txt"].verdict == "clean"
    assert by["a.box!2.box"].verdict == "error"  # through its member
    assert by["a.box!2.box!3.txt"].verdict == "error"
    assert "giải nén" in by["a.box!2.box!3.txt"].error
    assert by["a.box"].verdict == "error"


def test_timeout_inside_a_member_fails_the_member_and_its_containers():
    data = box(("ok.txt", CLEAN_TEXT.encode()), ("in.box", box(("stuck.bin", b"XTEST:sleep\n"))))
    config = replace(CONFIG, limits=Limits(seconds_per_file=1.0))
    lines = by_path(scan_bytes(data, "a.box", config=config))
    assert lines["a.box!ok.txt"].verdict == "clean"
    for path in ("a.box!in.box!stuck.bin", "a.box!in.box", "a.box"):
        assert lines[path].verdict == "error" and "quá thời gian" in lines[path].error.lower()
        assert "a.box!in.box!stuck.bin" in lines[path].error


def test_scan_bytes_over_the_size_limit_is_error_without_a_worker():
    config = replace(CONFIG, limits=Limits(max_file_bytes=100))
    (result,) = scan_bytes(b"x" * 101, "a.txt", config=config)
    assert result.verdict == "error" and "quá lớn" in result.error


def test_real_nested_zip_with_a_secret_docx(tmp_path):
    docx = make_docx("ỦY BAN NHÂN DÂN TỈNH X", "TỐI MẬT", "Số: 15/BC-UBND", "Báo cáo tình hình")
    inner = make_zip({"dir/bao_cao.docx": docx, "ghi_chu.txt": CLEAN_TEXT.encode()})
    (tmp_path / "a.zip").write_bytes(make_zip({"b.zip": inner}))
    lines = by_path(scan_dir(tmp_path))
    root = str(tmp_path / "a.zip")
    assert lines[f"{root}!b.zip!dir/bao_cao.docx"].verdict == "secret"
    assert lines[f"{root}!b.zip!dir/bao_cao.docx"].level == "toi_mat"
    assert lines[f"{root}!b.zip!ghi_chu.txt"].verdict == "clean"
    assert lines[f"{root}!b.zip"].verdict == "secret"
    assert lines[root].verdict == "secret" and lines[root].level == "toi_mat"


def test_real_zip_with_an_unreadable_member_is_error(tmp_path):
    data = make_zip({"ok.txt": CLEAN_TEXT.encode(), "blob.bin": bytes(range(256)) * 8})
    (tmp_path / "a.zip").write_bytes(data)
    lines = by_path(scan_dir(tmp_path))
    root = str(tmp_path / "a.zip")
    assert lines[f"{root}!blob.bin"].verdict == "error"
    assert lines[root].verdict == "error"


def test_two_workers_give_the_same_results_as_one(tmp_path):
    for i in range(12):
        text = SECRET_TEXT if i % 3 == 0 else CLEAN_TEXT
        (tmp_path / f"f{i:02}.txt").write_text(text, encoding="utf-8")
    (tmp_path / "z.zip").write_bytes(make_zip({"m.txt": SECRET_TEXT.encode()}))
    (tmp_path / "x.dat").write_bytes(b"\x00\xff" * 50)

    def strip(results):
        return [replace(r, seconds=0.0).as_dict() for r in results]

    one = strip(scan_dir(tmp_path, replace(CONFIG, workers=1)))
    two = strip(scan_dir(tmp_path, replace(CONFIG, workers=2)))
    assert one == two and len(one) == 15


def test_symlinks_are_not_followed_out_of_the_tree(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "mat.txt").write_text(SECRET_TEXT, encoding="utf-8")
    tree = tmp_path / "tree"
    tree.mkdir()
    (tree / "real.txt").write_text(CLEAN_TEXT, encoding="utf-8")
    os.symlink(outside / "mat.txt", tree / "link_out.txt")
    os.symlink(outside, tree / "dir_out")
    os.symlink(tree / "real.txt", tree / "link_in.txt")
    os.symlink(tree / "missing", tree / "broken")
    items = list(walk([str(tree)]))
    files = [i for i in items if isinstance(i, str)]
    errors = {os.path.basename(i.path): i.error for i in items if isinstance(i, FileResult)}
    assert files == [str(tree / "real.txt")]  # the inside link's target is scanned once
    assert set(errors) == {"broken", "dir_out", "link_out.txt"}
    assert "ra ngoài" in errors["dir_out"] and "hỏng" in errors["broken"]


def test_missing_path_is_error():
    (result,) = list(scan_paths(["/nonexistent/bmnn-scan"], config=CONFIG))
    assert result.verdict == "error"


def test_bad_catalogue_is_a_config_error(tmp_path):
    bad = tmp_path / "cat.yaml"
    bad.write_text("{{{ not yaml", encoding="utf-8")
    with pytest.raises(ConfigError):
        Scanner(replace(CONFIG, catalogue=str(bad)))
    with pytest.raises(ConfigError):
        Scanner(replace(CONFIG, workers=0))


def test_aggregate_orders_error_over_secret_over_clean():
    f = Finding("mark.level", "mat", "MẬT", "dòng 1", 0.9, "")
    top = FileResult("a.zip", "clean")
    members = [
        FileResult("a.zip!1", "secret", "mat", 0.9, [f]),
        FileResult("a.zip!2", "secret", "toi_mat", 0.8, [f]),
    ]
    got = aggregate(top, members)
    assert (got.verdict, got.level, got.score, got.error) == ("secret", "toi_mat", 0.9, None)
    got = aggregate(
        FileResult("b.zip", "secret", "mat", 0.7), [FileResult("b.zip!x", "error", error="hỏng")]
    )
    assert got.verdict == "error" and got.level == "mat" and "b.zip!x" in got.error


def test_memory_limit_default_is_under_500_mb():
    assert Limits().max_memory_bytes < 500 * MB


def test_a_consumer_that_stops_early_does_not_wait_for_files_in_flight(tmp_path):
    (tmp_path / "a.txt").write_text(CLEAN_TEXT, encoding="utf-8")
    (tmp_path / "b.bin").write_bytes(b"XTEST:sleep\n")
    t0 = time.monotonic()
    results = scan_paths([str(tmp_path)], config=CONFIG)  # 120 s per file by default
    first = next(results)
    results.close()
    assert first.verdict == "clean"
    assert time.monotonic() - t0 < 15


def test_real_mail_with_a_secret_attachment(tmp_path):
    from email.message import EmailMessage

    mail = EmailMessage()
    mail["From"], mail["To"], mail["Subject"] = "a@so.gov.vn", "b@so.gov.vn", "Gửi báo cáo"
    mail.set_content("Kính gửi anh, gửi kèm báo cáo tháng.")
    mail.add_attachment(
        make_docx("TỐI MẬT", "Số: 3/BC-STC", "Nội dung báo cáo"),
        maintype="application",
        subtype="vnd.openxmlformats-officedocument.wordprocessingml.document",
        filename="bao cao.docx",
    )
    (tmp_path / "thu.eml").write_bytes(bytes(mail))
    top, attachment = scan_dir(tmp_path)
    assert attachment.path == str(tmp_path / "thu.eml") + "!bao cao.docx"
    assert attachment.verdict == "secret" and attachment.level == "toi_mat"
    assert top.verdict == "secret" and top.level == "toi_mat"
