"""Live audit of this machine: `bmnn audit host` as a user runs it, against a floor, in one run.

Each repeat runs `bmnn audit host --out <tmp> --format json --report <tmp>.json` in its own
process (start-up, collection, verification, analysis, report) and reads from the bundle's
manifest and the report how long collection and analysis took. The floor, measured in the same
run on the same files: copy every file the collector copied (plain shutil.copyfile, no hashing,
no log, no manifest) and run the same commands (`ip -j ...`, `journalctl -o json`) to /dev/null.

    .venv/bin/python bench/hostaudit_live.py --repeat 3
    .venv/bin/python bench/hostaudit_live.py --repeat 3 --synthetic-visits 200000

This machine (a CI container) has little to collect: no journal, no browser. `--synthetic-visits`
adds a second measurement on a desktop-like Linux root built in a temporary folder (Chrome,
Chromium and Firefox histories of that many visits each, NetworkManager keyfiles, large dpkg and
apt logs), collected with the same code (`collect(out, root=..., live=False)`, i.e. without the
live `ip`/`journalctl` commands) and then analysed, against the same copy floor.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
BMNN = [sys.executable, "-m", "bmnn.cli"]
sys.path[:0] = [str(REPO / "src"), str(REPO / "bench")]


def _seconds(a: str, b: str) -> float:
    return (
        datetime.fromisoformat(b.replace("Z", "+00:00"))
        - datetime.fromisoformat(a.replace("Z", "+00:00"))
    ).total_seconds()


def one_run(work: Path, i: int) -> dict:
    out = work / f"bundle-{i}"
    report = work / f"report-{i}.json"
    t = time.perf_counter()
    done = subprocess.run(  # noqa: S603 - our own bmnn command
        [*BMNN, "audit", "host", "--out", str(out), "--format", "json", "--report", str(report)],
        capture_output=True,
        text=True,
        check=False,
        cwd=REPO,
    )
    wall = time.perf_counter() - t
    if done.returncode not in (0, 1, 2) or not report.exists():
        sys.exit(f"bmnn audit host failed ({done.returncode}):\n{done.stderr}")
    manifest = json.loads((out / "bmnn/manifest.json").read_text(encoding="utf-8"))
    data = json.loads(report.read_text(encoding="utf-8"))
    return {
        "wall_s": wall,
        "exit_code": done.returncode,
        "collect_s": _seconds(
            manifest["collection"]["started_utc"], manifest["collection"]["ended_utc"]
        ),
        "analyse_s": _seconds(data["started_at"], data["finished_at"]),
        "files": len(manifest["files"]),
        "bytes": sum(e["size"] for e in manifest["files"]),
        "skipped": len(manifest["skipped"]),
        "commands": len(manifest["commands"]),
        "counts": data["counts"],
        "manifest": manifest,
    }


def floor(manifest: dict, work: Path) -> float:
    """Copy the same sources and run the same commands, nothing else."""
    dest = work / "floor"
    t = time.perf_counter()
    for entry in manifest["files"]:
        src = entry.get("source")
        if entry["method"].startswith("copy") and src and os.path.isfile(src):
            target = dest / entry["path"]
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(src, target)
    for cmd in manifest["commands"]:
        subprocess.run(  # noqa: S603 - the collector's own read-only commands
            cmd["argv"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False
        )
    seconds = time.perf_counter() - t
    shutil.rmtree(dest, ignore_errors=True)
    return seconds


def desktop_root(root: Path, visits: int) -> None:
    """A Linux desktop's artefacts: three browser histories, Wi-Fi keyfiles, big package logs."""
    import random

    from hostaudit_offline import _chromium, _firefox

    rng = random.Random(7)  # noqa: S311 - seeded test data
    home = root / "home/nam"
    _chromium(home / ".config/google-chrome/Default/History", visits, rng)
    _chromium(home / ".config/chromium/Default/History", visits, rng)
    _firefox(home / ".mozilla/firefox/ab12.default-release/places.sqlite", visits, rng)
    nm = root / "etc/NetworkManager/system-connections"
    nm.mkdir(parents=True)
    for i in range(40):
        (nm / f"Wifi{i}.nmconnection").write_text(
            f"[connection]\nid=Wifi{i}\nuuid=00000000-0000-0000-0000-{i:012d}\ntype=wifi\n"
            f"timestamp={1772330000 + i}\n[wifi]\nssid=Wifi{i}\n[wifi-security]\npsk=k{i}\n",
            encoding="utf-8",
        )
    log = root / "var/log"
    (log / "apt").mkdir(parents=True)
    lines = "".join(
        f"2026-03-02 10:{i % 60:02d}:00 status installed pkg{i}:amd64 1.{i}\n"
        for i in range(300_000)
    )
    (log / "dpkg.log").write_text(lines, encoding="utf-8")
    (log / "apt/history.log").write_text(lines, encoding="utf-8")
    for name, text in (
        ("etc/hostname", "may-soan-thao\n"),
        ("etc/timezone", "Asia/Ho_Chi_Minh\n"),
        ("etc/machine-id", "0" * 32 + "\n"),
    ):
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")


def synthetic(work: Path, visits: int, repeat: int) -> dict:
    from bmnn.hostaudit.audit import run_audit
    from bmnn.hostaudit.collect import collect

    root = work / "desktop"
    desktop_root(root, visits)
    collect_s, analyse_s, floors = [], [], []
    manifest: dict = {}
    for i in range(repeat):
        out = work / f"desktop-bundle-{i}"
        t = time.perf_counter()
        manifest = collect(out, root=root, live=False)
        collect_s.append(round(time.perf_counter() - t, 2))
        t = time.perf_counter()
        run_audit(out)
        analyse_s.append(round(time.perf_counter() - t, 2))
        floors.append(round(floor(manifest, work), 3))
        shutil.rmtree(out)
    return {
        "synthetic_visits_per_browser": visits,
        "synthetic_files": len(manifest["files"]),
        "synthetic_bundle_mb": round(sum(e["size"] for e in manifest["files"]) / (1 << 20), 1),
        "synthetic_collect_s": collect_s,
        "synthetic_analyse_s": analyse_s,
        "synthetic_floor_copy_s": floors,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--json", help="write the figures here")
    ap.add_argument(
        "--synthetic-visits",
        type=int,
        default=0,
        help="also measure a desktop-like root with this many visits per browser",
    )
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bmnn-bench-live-"))
    try:
        t = time.perf_counter()
        subprocess.run([*BMNN, "--help"], capture_output=True, check=True, cwd=REPO)  # noqa: S603
        startup = time.perf_counter() - t
        runs = [one_run(work, i) for i in range(args.repeat)]
        floors = [floor(runs[0]["manifest"], work) for _ in range(args.repeat)]
        best = min(runs, key=lambda r: r["wall_s"])
        figures = {
            "repeat": args.repeat,
            "cpus": os.cpu_count(),
            "load": os.getloadavg()[0],
            "cli_startup_s": round(startup, 2),
            "audit_host_wall_s": [round(r["wall_s"], 2) for r in runs],
            "collect_s": [round(r["collect_s"], 2) for r in runs],
            "analyse_s": [round(r["analyse_s"], 2) for r in runs],
            "floor_copy_and_commands_s": [round(f, 3) for f in floors],
            "files": best["files"],
            "bundle_mb": round(best["bytes"] / (1 << 20), 1),
            "skipped": best["skipped"],
            "commands": best["commands"],
            "exit_code": best["exit_code"],
            "counts": best["counts"],
            "target_s": 30,
        }
        if args.synthetic_visits:
            figures.update(synthetic(work, args.synthetic_visits, args.repeat))
        print(json.dumps(figures, ensure_ascii=False, indent=1))
        if args.json:
            Path(args.json).write_text(
                json.dumps(figures, ensure_ascii=False, indent=1), encoding="utf-8"
            )
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
