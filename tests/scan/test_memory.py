"""Memory stays bounded whatever the input: the whole scan (the command, its forkserver, the
resource tracker and every worker) stays under 500 MB of RSS with one worker, on a set of
large inputs, with the default limits and with limits raised past what a worker can hold.

The command runs in a small driver process (DRIVER) that calls `bmnn scan` in-process and
reads each process's peak RSS (VmHWM in /proc): its own, the forkserver's, and each worker's
just before the engine stops it, so those peaks are exact. Helper programs the workers start
(tesseract) live too briefly for that and are sampled; they inherit the worker's address-space
cap, and are checked against it.
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from bmnn.scan import ocr
from bmnn.scan.engine import ScanConfig, scan_bytes, scan_paths
from bmnn.scan.limits import MB, Limits
from tests.scan.mail_fixtures import make_docx, make_zip

TOTAL_LIMIT_KB = 500 * 1024

DRIVER = r"""
import json, os, sys, threading
from multiprocessing import forkserver

from bmnn.cli import main
from bmnn.scan import engine

out_path, args = sys.argv[1], sys.argv[2:]
me = os.getpid()
peaks = {}  # pid -> [name, peak kB]
workers = set()


def status(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            fields = dict(line.split(":", 1) for line in f if ":" in line)
    except OSError:
        return None
    if "VmHWM" not in fields:
        return None  # a zombie
    return fields["Name"].strip(), int(fields["PPid"]), int(fields["VmHWM"].split()[0])


def record(pid):
    st = status(pid)
    if st:
        old = peaks.get(pid, [st[0], 0])
        peaks[pid] = [st[0], max(old[1], st[2])]


def descendants():
    parents = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    ppid = int(f.read().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            parents.setdefault(ppid, []).append(int(entry))
    found, todo = [], [me]
    while todo:
        for child in parents.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


done = threading.Event()


def sample():
    while not done.wait(0.1):
        for pid in descendants():
            record(pid)


threading.Thread(target=sample, daemon=True).start()

for name in ("stop", "kill"):
    original = getattr(engine._Worker, name)

    def exact(self, _original=original):
        if self.proc.pid and self.proc.is_alive():
            workers.add(self.proc.pid)
            record(self.proc.pid)
        _original(self)

    setattr(engine._Worker, name, exact)

sys.argv = ["bmnn", "scan", *args]
code = None
try:
    main()
except SystemExit as exc:
    code = exc.code
done.set()
server = getattr(forkserver._forkserver, "_forkserver_pid", None)
if server:
    record(server)
record(me)
procs = []
for pid, (name, kb) in peaks.items():
    if pid == me:
        role = "parent"
    elif pid == server:
        role = "forkserver"
    elif pid in workers:
        role = "worker"
    elif name.startswith("python"):
        role = "python"  # the resource tracker
    else:
        role = "tool"  # tesseract, antiword…, started by a worker
    procs.append({"pid": pid, "role": role, "name": name, "hwm_kb": kb})
with open(out_path, "w") as f:
    json.dump({"exit": code, "procs": procs}, f)
"""


class MeasuredScan:
    def __init__(self, tmp: Path, paths: list[Path], *options: str) -> None:
        report = tmp / f"peaks-{len(list(tmp.glob('peaks-*')))}.json"
        proc = subprocess.run(
            [sys.executable, "-c", DRIVER, str(report), "--format", "jsonl", *options]
            + [str(p) for p in paths],
            capture_output=True,
            timeout=600,  # a safety net for a hung run, not a measure of speed
            check=False,
        )
        self.stderr = proc.stderr.decode("utf-8", "replace")
        assert report.exists(), self.stderr
        measured = json.loads(report.read_text())
        self.rc = measured["exit"]
        self.procs = measured["procs"]
        self.lines = {
            (line := json.loads(text))["path"]: line
            for text in proc.stdout.decode("utf-8").splitlines()
            if text
        }

    def total_kb(self) -> int:
        """Parent, forkserver, resource tracker and workers: the sum of their peaks, which is
        at least the peak of their sum."""
        return sum(p["hwm_kb"] for p in self.procs if p["role"] != "tool")

    def check_bounded(self) -> None:
        roles = sorted(p["role"] for p in self.procs)
        assert roles.count("parent") == 1 and roles.count("forkserver") == 1, self.procs
        assert roles.count("worker") == 1, self.procs  # --workers 1, never replaced here
        assert self.total_kb() < TOTAL_LIMIT_KB, self.procs
        cap_kb = Limits().max_memory_bytes // 1024
        for p in self.procs:
            if p["role"] == "tool":
                assert p["hwm_kb"] < cap_kb, p


def _write_repeated(path: Path, block: bytes, size: int) -> None:
    with open(path, "wb") as f:
        for _ in range(size // len(block)):
            f.write(block)


def _words_block(seed: int, size: int = MB) -> bytes:
    """A block of ASCII words (no marks), so that a zip of it compresses ~3:1, well within the
    ratio guard, and the text extractor reads it fast."""
    rnd = random.Random(seed)
    words = ["bao", "cao", "ke", "hoach", "cong", "tac", "phong", "hop", "tuan", "so", "lieu"]
    out = bytearray()
    while len(out) < size:
        out += (" ".join(rnd.choice(words) for _ in range(150)) + "\n").encode()
    return bytes(out[: size - 1]) + b"\n"


def _zip_of_text(path: Path, members: int, member_mb: int, extra: dict[str, bytes]) -> None:
    block = _words_block(3)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as z:
        for i in range(members):
            with z.open(f"so-lieu-{i}.txt", "w") as f:
                for _ in range(member_mb):
                    f.write(block)
        for name, data in extra.items():
            z.writestr(name, data)


@pytest.fixture(scope="module")
def inputs(tmp_path_factory):
    folder = tmp_path_factory.mktemp("large")
    paths = {
        "text300": folder / "van-ban-300mb.txt",
        "text60": folder / "van-ban-60mb.txt",
        "blob200": folder / "nhi-phan-200mb.bin",
        "zip": folder / "ho-so-gan-gioi-han.zip",
        "image": folder / "anh-quet-400dpi.png",
        "sparse": folder / "thua-2gb.pdf",
    }
    _write_repeated(paths["text300"], _words_block(1), 300 * MB)
    line = "Báo cáo tình hình thực hiện kế hoạch công tác của các phòng trong tuần.\n".encode()
    _write_repeated(paths["text60"], line * 1000, 60 * MB)
    _write_repeated(paths["blob200"], bytes(range(256)) * 4096, 200 * MB)
    # near the unpacked limit: 120 MB of text in six members, and a small secret report
    report = make_docx("ỦY BAN NHÂN DÂN TỈNH X", "TỐI MẬT", "Số: 15/BC-UBND", "Báo cáo")
    _zip_of_text(paths["zip"], 6, 20, {"bao-cao.docx": report})
    from tests.scan.pdf_fixtures import scanned_page

    page = scanned_page("TUYỆT MẬT", dpi=400)  # 3307 × 4677 = 15.5 M pixels
    assert page.width * page.height <= Limits().max_pixels
    page.save(paths["image"], compress_level=1)
    with open(paths["sparse"], "wb") as f:
        f.write(b"%PDF-1.7\n")
        f.truncate(2 * 1024**3)
    yield paths
    for path in paths.values():  # ~600 MB: not left for pytest's kept temporary folders
        path.unlink(missing_ok=True)


@pytest.fixture(scope="module")
def default_run(inputs, tmp_path_factory) -> MeasuredScan:
    return MeasuredScan(tmp_path_factory.mktemp("run"), list(inputs.values()), "--workers", "1")


def test_large_inputs_with_the_default_limits_stay_under_500_mb(default_run):
    default_run.check_bounded()
    assert default_run.rc == 2  # some of them are `error`


def test_files_over_the_size_limit_are_refused_unread(default_run, inputs):
    for name in ("text300", "sparse"):
        line = default_run.lines[str(inputs[name])]
        assert line["verdict"] == "error" and "quá lớn" in line["error"], line


def test_a_file_near_the_size_limit_is_read_in_one_buffer(default_run, inputs):
    # read twice over (chunks, then joined) 200 MB would not fit the worker: the reason would
    # be memory, not the content
    line = default_run.lines[str(inputs["blob200"])]
    assert line["verdict"] == "error" and "không có bộ đọc" in line["error"], line


def test_a_zip_near_the_unpacked_limit_is_read_whole(default_run, inputs):
    root = str(inputs["zip"])
    members = {p: line for p, line in default_run.lines.items() if p.startswith(root + "!")}
    assert len(members) == 7
    assert members[f"{root}!bao-cao.docx"]["level"] == "toi_mat"
    for i in range(6):
        assert members[f"{root}!so-lieu-{i}.txt"]["verdict"] == "clean"
    top = default_run.lines[root]
    assert (top["verdict"], top["level"]) == ("secret", "toi_mat")


def test_a_large_scanned_image_is_read_within_the_memory_cap(default_run, inputs):
    line = default_run.lines[str(inputs["image"])]
    if not ocr.available():
        assert line["verdict"] == "error" and "OCR" in line["error"]
        pytest.skip("tesseract + tesseract-ocr-vie không được cài: chỉ kiểm tra bộ nhớ")
    assert (line["verdict"], line["level"]) == ("secret", "tuyet_mat"), line


def test_a_file_that_needs_more_than_the_cap_is_error_not_a_crash(default_run, inputs):
    # 60 MB of Vietnamese text is within every size limit; the text extractor needs more than
    # the worker may hold (see limits.py), so it is `error` by memory, and the worker lives on
    line = default_run.lines[str(inputs["text60"])]
    assert line["verdict"] in ("clean", "error"), line
    if line["verdict"] == "error":
        assert "bộ nhớ" in line["error"], line


def test_limits_raised_past_the_worker_memory_still_stay_under_500_mb(inputs, tmp_path_factory):
    folder = tmp_path_factory.mktemp("raised")
    big_zip = folder / "ho-so-480mb.zip"  # more than the worker can hold once extracted
    _zip_of_text(big_zip, 2, 240, {})
    run = MeasuredScan(
        folder,
        [inputs["text300"], big_zip],
        "--workers",
        "1",
        "--max-file-mb",
        "1024",
        "--max-unpacked-mb",
        "4096",
    )
    big_zip.unlink()
    run.check_bounded()
    assert run.rc == 2
    for path in (inputs["text300"], big_zip):
        line = run.lines[str(path)]
        assert line["verdict"] == "error" and "bộ nhớ" in line["error"], line


def test_members_are_charged_to_the_budget_as_soon_as_they_are_extracted():
    # a.zip is scanned first, while b.txt is already in memory: a.zip's member must get only
    # what b.txt left, so that what is held at once stays within max_unpacked_bytes
    text = _words_block(9, 600_000)
    outer = make_zip({"a.zip": make_zip({"x.txt": text}), "b.txt": text})
    config = ScanConfig(limits=Limits(max_unpacked_bytes=1_000_000), ocr=False)
    lines = {r.path: r for r in scan_bytes(outer, "ngoai.zip", config=config)}
    assert lines["ngoai.zip!b.txt"].verdict == "clean"
    inner = lines["ngoai.zip!a.zip"]  # refused from its records, before x.txt is inflated
    assert inner.verdict == "error" and "giải nén" in inner.error, inner
    assert "ngoai.zip!a.zip!x.txt" not in lines
    assert lines["ngoai.zip"].verdict == "error"


def test_a_container_is_let_go_once_its_members_are_extracted(tmp_path):
    # outer.zip (stored) holds inner.zip (stored) holds a 130 MB blob. Reading inner.zip needs
    # inner.zip and the blob at once (2 × 130 MB); holding outer.zip as well while its member
    # is scanned would be a third 130 MB, past the worker's 448 MB with its 145 MB of code.
    size = 130 * MB
    inner, outer = tmp_path / "trong.zip", tmp_path / "ngoai.zip"
    block = bytes(range(256)) * 4096
    with zipfile.ZipFile(inner, "w", zipfile.ZIP_STORED) as z, z.open("khoi.bin", "w") as f:
        for _ in range(size // len(block)):
            f.write(block)
    with zipfile.ZipFile(outer, "w", zipfile.ZIP_STORED) as z:
        z.write(inner, "trong.zip")
    inner.unlink()
    limits = Limits(max_unpacked_bytes=3 * size)
    lines = list(scan_paths([outer], config=ScanConfig(limits=limits, ocr=False)))
    outer.unlink()
    assert [r.path for r in lines] == [
        str(outer),
        f"{outer}!trong.zip",
        f"{outer}!trong.zip!khoi.bin",
    ]
    blob = lines[-1]
    assert blob.verdict == "error" and "không có bộ đọc" in blob.error, blob
    assert all("bộ nhớ" not in r.error for r in lines), lines
