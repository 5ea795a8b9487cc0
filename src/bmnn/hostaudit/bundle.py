"""The evidence bundle: a folder laid out like the audited disk, plus `bmnn/manifest.json`
(who collected what, when, how, and the SHA-256 of every file) and `bmnn/collector.log`.

`BundleWriter` is the only code that writes a bundle (the live collector uses it);
`verify_bundle` proves a bundle is exactly what was collected; `open_bundle` gives a folder for
a bundle folder or a .zip of one, extracted safely. Nothing here reads the audited machine.
"""

from __future__ import annotations

import contextlib
import getpass
import hashlib
import json
import os
import platform as _platform
import shutil
import stat
import sys
import tempfile
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import Any, BinaryIO

from .root import BUNDLE_DIR

FORMAT = "bmnn-evidence-bundle/1"
MANIFEST_REL = f"{BUNDLE_DIR}/manifest.json"
LOG_REL = f"{BUNDLE_DIR}/collector.log"
CHUNK = 1 << 20
MiB = 1 << 20
GiB = 1 << 30


class BundleError(Exception):
    """A bundle cannot be written or opened; the message is Vietnamese, for the user."""


def utc_now() -> datetime:
    return datetime.now(UTC)


def iso(dt: datetime) -> str:
    return dt.astimezone(UTC).isoformat().replace("+00:00", "Z")


def tool_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("bmnn")
    except PackageNotFoundError:
        return "unknown"


def safe_rel(rel: str) -> str:
    """`rel` as a clean "/"-separated relative path, or BundleError: a bundle path can never
    leave the bundle (no absolute path, drive, "..", backslash or NUL)."""
    if not rel or "\0" in rel or "\\" in rel or rel.startswith("/") or ":" in rel.split("/")[0]:
        raise BundleError(f"Đường dẫn không hợp lệ trong gói: {rel!r}")
    parts = PurePosixPath(rel).parts
    if any(p in ("..", ".") for p in parts) or PurePosixPath(*parts).as_posix() != rel:
        raise BundleError(f"Đường dẫn không hợp lệ trong gói: {rel!r}")
    return rel


def sha256_file(path: str | os.PathLike[str]) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(CHUNK), b""):
            h.update(block)
    return h.hexdigest()


# -- writing ----------------------------------------------------------------------------------


class BundleWriter:
    """Writes one bundle into an empty (or new) folder, within a total size budget.

    Every file added gets a manifest entry: rel path, size, SHA-256, source, method. Every step
    and every error goes to `bmnn/collector.log` with its UTC time, as it happens, so an
    interrupted collection still leaves its log.
    """

    def __init__(
        self,
        out_dir: str | os.PathLike[str],
        *,
        max_total_bytes: int = 8 * GiB,
        max_file_bytes: int = 2 * GiB,
    ) -> None:
        self.dir = Path(out_dir).absolute()
        if (self.dir / MANIFEST_REL).exists():
            raise BundleError(f"Thư mục đích đã chứa một gói chứng cứ: {self.dir}")
        if self.dir.exists() and (not self.dir.is_dir() or any(self.dir.iterdir())):
            raise BundleError(f"Thư mục đích phải chưa có hoặc trống: {self.dir}")
        (self.dir / BUNDLE_DIR).mkdir(parents=True, exist_ok=True)
        self.max_total_bytes = max_total_bytes
        self.max_file_bytes = max_file_bytes
        self.total = 0
        self.started = utc_now()
        self.files: dict[str, dict[str, Any]] = {}
        self.skipped: list[dict[str, str]] = []
        self.commands: list[dict[str, Any]] = []
        self.errors = 0
        self._log = open(self.dir / LOG_REL, "a", encoding="utf-8", newline="\n")  # noqa: SIM115
        self.log(f"Bắt đầu thu thập vào {self.dir}")

    # -- log --------------------------------------------------------------------------------
    def log(self, message: str, level: str = "INFO") -> None:
        if level == "ERROR":
            self.errors += 1
        self._log.write(f"{iso(utc_now())} {level:<5} {message}\n")
        self._log.flush()

    def skip(self, source: str, reason: str, *, level: str = "WARN") -> None:
        """Something that was not collected, and why (kept in the manifest and the log)."""
        self.skipped.append({"source": source, "reason": reason})
        self.log(f"Bỏ qua {source}: {reason}", level)

    # -- paths and budget -------------------------------------------------------------------
    def path_for(self, rel: str) -> Path:
        """Where `rel` lives in the bundle (parent folders created). Refuses taken paths."""
        safe_rel(rel)
        if rel in self.files or rel in (MANIFEST_REL, LOG_REL):
            raise BundleError(f"Tệp đã có trong gói: {rel}")
        path = self.dir / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        return path

    def budget(self) -> int:
        """Bytes one more file may take: the per-file limit or what is left of the total."""
        return max(0, min(self.max_file_bytes, self.max_total_bytes - self.total))

    def _record(
        self, rel: str, size: int, digest: str, source: str, method: str, **extra: Any
    ) -> dict[str, Any]:
        entry = {"path": rel, "size": size, "sha256": digest, "source": source, "method": method}
        entry.update({k: v for k, v in extra.items() if v is not None and v is not False})
        self.files[rel] = entry
        self.total += size
        note = " (bị cắt bớt)" if extra.get("truncated") else ""
        self.log(f"Đã ghi {rel} ← {source} [{method}] {size} byte sha256={digest}{note}")
        return entry

    # -- adding files -----------------------------------------------------------------------
    def add_stream(
        self,
        rel: str,
        src: BinaryIO,
        *,
        source: str,
        method: str,
        limit: int | None = None,
        line_boundary: bool = False,
        **extra: Any,
    ) -> dict[str, Any]:
        """Copy a readable stream into the bundle, hashing as it goes, up to `limit` bytes
        (default: the budget). Past the limit the copy stops and the entry says `truncated`;
        with `line_boundary` the kept part ends at the last newline (JSON lines stay whole)."""
        cap = self.budget() if limit is None else min(limit, self.budget())
        path = self.path_for(rel)
        h = hashlib.sha256()
        size = 0
        truncated = False
        with open(path, "wb") as out:
            while True:
                block = src.read(CHUNK)
                if not block:
                    break
                if size + len(block) > cap:
                    block = block[: cap - size]
                    truncated = True
                    if line_boundary:
                        cut = block.rfind(b"\n")
                        block = block[: cut + 1] if cut >= 0 else b""
                out.write(block)
                h.update(block)
                size += len(block)
                if truncated:
                    break
        return self._record(rel, size, h.hexdigest(), source, method, truncated=truncated, **extra)

    def add_bytes(
        self, rel: str, data: bytes, *, source: str, method: str, **extra: Any
    ) -> dict[str, Any] | None:
        if len(data) > self.budget():
            self.skip(source, f"vượt giới hạn dung lượng ({len(data)} byte)")
            return None
        path = self.path_for(rel)
        path.write_bytes(data)
        return self._record(
            rel, len(data), hashlib.sha256(data).hexdigest(), source, method, **extra
        )

    def adopt(self, rel: str, *, source: str, method: str, **extra: Any) -> dict[str, Any] | None:
        """Take into the manifest a file a command wrote at `rel` itself (reg save, wevtutil).
        Over the budget, the file is removed from the bundle and recorded as skipped."""
        path = self.dir / safe_rel(rel)
        if not path.is_file() or path.is_symlink():
            self.skip(source, "lệnh không tạo ra tệp", level="ERROR")
            return None
        size = path.stat().st_size
        if size > self.budget():
            path.unlink()
            self.skip(source, f"vượt giới hạn dung lượng ({size} byte)")
            return None
        return self._record(rel, size, sha256_file(path), source, method, **extra)

    def add_command(self, record: dict[str, Any]) -> None:
        self.commands.append(record)

    # -- finishing --------------------------------------------------------------------------
    def finish(self, **meta: Any) -> dict[str, Any]:
        """Close the log, hash it, write the manifest; returns the manifest."""
        ended = utc_now()
        self.log(
            f"Kết thúc thu thập: {len(self.files)} tệp, {self.total} byte, "
            f"{len(self.skipped)} mục bỏ qua, {self.errors} lỗi"
        )
        self._log.close()
        log_path = self.dir / LOG_REL
        log_entry = {
            "path": LOG_REL,
            "size": log_path.stat().st_size,
            "sha256": sha256_file(log_path),
            "source": "",
            "method": "collector log",
        }
        manifest = {
            "format": FORMAT,
            "tool": {"name": "bmnn", "version": tool_version()},
            "host": _platform.node(),
            "collector_user": _user(),
            "command_line": list(sys.argv),
            **meta,
            "collection": {"started_utc": iso(self.started), "ended_utc": iso(ended)},
            "limits": {
                "max_total_bytes": self.max_total_bytes,
                "max_file_bytes": self.max_file_bytes,
            },
            "files": sorted([*self.files.values(), log_entry], key=lambda e: e["path"]),
            "skipped": self.skipped,
            "commands": self.commands,
            "errors": self.errors,
        }
        data = json.dumps(manifest, ensure_ascii=False, indent=1, sort_keys=False) + "\n"
        (self.dir / MANIFEST_REL).write_text(data, encoding="utf-8", newline="\n")
        return manifest

    def abort(self, message: str) -> None:
        """Log why collection stopped; the manifest is still written by finish()."""
        self.log(message, "ERROR")


def _user() -> str:
    try:
        return getpass.getuser()
    except (OSError, KeyError):  # no login name (service account, container)
        return f"uid {os.getuid()}" if hasattr(os, "getuid") else "không rõ"


# -- reading and verifying --------------------------------------------------------------------


@dataclass(frozen=True)
class BundleProblem:
    """One way a bundle differs from its manifest. Any problem means: do not trust it."""

    kind: str  # manifest_missing, manifest_invalid, missing, extra, size_mismatch,
    # hash_mismatch, unsafe
    path: str
    message: str  # Vietnamese

    def as_dict(self) -> dict[str, str]:
        return {"kind": self.kind, "path": self.path, "message": self.message}


def read_manifest(bundle_dir: str | os.PathLike[str]) -> dict[str, Any]:
    """The manifest of a bundle folder, checked for shape; BundleError if absent or broken."""
    path = Path(bundle_dir) / MANIFEST_REL
    if not path.is_file():
        raise BundleError(f"Không có bản kê {MANIFEST_REL}: đây không phải gói chứng cứ.")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BundleError(f"Bản kê {MANIFEST_REL} không đọc được: {exc}") from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BundleError(f"Bản kê {MANIFEST_REL} không đúng định dạng {FORMAT}.")
    files = manifest.get("files")
    if not isinstance(files, list) or not all(
        isinstance(e, dict)
        and isinstance(e.get("path"), str)
        and isinstance(e.get("size"), int)
        and isinstance(e.get("sha256"), str)
        for e in files
    ):
        raise BundleError(f"Bản kê {MANIFEST_REL} thiếu danh sách tệp hợp lệ.")
    return manifest


def manifest_digest(bundle_dir: str | os.PathLike[str]) -> str:
    """SHA-256 of the manifest file: written into the inspection record (biên bản) at
    collection, it later proves the manifest itself was not replaced."""
    return sha256_file(Path(bundle_dir) / MANIFEST_REL)


def verify_bundle(path: str | os.PathLike[str]) -> list[BundleProblem]:
    """Every difference between a bundle (folder or .zip) and its manifest: files missing,
    extra, of another size or hash, links or unsafe paths. Empty means intact."""
    p = Path(path)
    if p.is_file() and zipfile.is_zipfile(p):
        try:
            with open_bundle(p) as folder:
                return verify_bundle(folder)
        except BundleError as exc:
            return [BundleProblem("unsafe", p.name, str(exc))]
    if not p.is_dir():
        return [BundleProblem("manifest_missing", str(p), f"Không tìm thấy gói chứng cứ: {p}")]
    try:
        manifest = read_manifest(p)
    except BundleError as exc:
        kind = "manifest_missing" if not (p / MANIFEST_REL).exists() else "manifest_invalid"
        return [BundleProblem(kind, MANIFEST_REL, str(exc))]

    problems: list[BundleProblem] = []
    listed: dict[str, dict[str, Any]] = {}
    for entry in manifest["files"]:
        rel = entry["path"]
        try:
            safe_rel(rel)
        except BundleError as exc:
            problems.append(BundleProblem("unsafe", rel, str(exc)))
            continue
        if rel in listed or rel == MANIFEST_REL:
            problems.append(
                BundleProblem("manifest_invalid", rel, f"Bản kê ghi tệp {rel} hai lần.")
            )
            continue
        listed[rel] = entry

    present = dict(_walk_bundle(p, problems))
    for rel, entry in sorted(listed.items()):
        st = present.get(rel)
        if st is None:
            problems.append(BundleProblem("missing", rel, f"Thiếu tệp {rel} có trong bản kê."))
        elif st.st_size != entry["size"]:
            problems.append(
                BundleProblem(
                    "size_mismatch",
                    rel,
                    f"Tệp {rel} có {st.st_size} byte, bản kê ghi {entry['size']} byte.",
                )
            )
        elif sha256_file(p / rel) != entry["sha256"].lower():
            problems.append(
                BundleProblem(
                    "hash_mismatch", rel, f"Tệp {rel} đã bị thay đổi: mã băm SHA-256 không khớp."
                )
            )
    for rel in sorted(set(present) - set(listed) - {MANIFEST_REL}):
        problems.append(BundleProblem("extra", rel, f"Tệp {rel} không có trong bản kê."))
    return problems


def _walk_bundle(root: Path, problems: list[BundleProblem]) -> Iterator[tuple[str, os.stat_result]]:
    """(rel, lstat) of every regular file; links and special files are problems (a link
    would make the auditor read outside the bundle)."""
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        base = Path(dirpath)
        for name in [*dirnames, *filenames]:
            full = base / name
            rel = full.relative_to(root).as_posix()
            st = full.lstat()
            if stat.S_ISLNK(st.st_mode):
                problems.append(
                    BundleProblem(
                        "unsafe", rel, f"{rel} là liên kết tượng trưng, không được phép trong gói."
                    )
                )
            elif stat.S_ISREG(st.st_mode):
                yield rel, st
            elif not stat.S_ISDIR(st.st_mode):
                problems.append(BundleProblem("unsafe", rel, f"{rel} không phải tệp thường."))


# -- zip --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ZipLimits:
    max_members: int = 200_000
    max_total_bytes: int = 16 * GiB  # sum of the uncompressed members
    max_member_bytes: int = 4 * GiB


def write_zip(bundle_dir: str | os.PathLike[str], zip_path: str | os.PathLike[str]) -> Path:
    """A .zip of a bundle folder (members sorted, paths as in the bundle)."""
    src = Path(bundle_dir).absolute()
    dest = Path(zip_path).absolute()
    if dest.is_relative_to(src):
        raise BundleError("Tệp .zip không được nằm trong thư mục gói.")
    if dest.exists():
        raise BundleError(f"Tệp đã có: {dest}")
    problems: list[BundleProblem] = []
    members = sorted(rel for rel, _ in _walk_bundle(src, problems))
    if problems:
        raise BundleError("; ".join(p.message for p in problems))
    with zipfile.ZipFile(dest, "x", compression=zipfile.ZIP_DEFLATED, allowZip64=True) as zf:
        for rel in members:
            zf.write(src / rel, rel)
    return dest


def extract_zip(
    zip_path: str | os.PathLike[str], dest: str | os.PathLike[str], limits: ZipLimits = ZipLimits()
) -> Path:
    """Extract a bundle .zip into `dest` (empty), refusing what could escape or explode it:
    absolute or ".." names, backslashes, links, encrypted or duplicate members, and sizes over
    the limits (checked on the declared sizes first, then on the bytes actually inflated)."""
    out = Path(dest).absolute()
    try:
        zf = zipfile.ZipFile(zip_path)
    except (OSError, zipfile.BadZipFile) as exc:
        raise BundleError(f"Không mở được tệp .zip {zip_path}: {exc}") from exc
    with zf:
        infos = zf.infolist()
        if len(infos) > limits.max_members:
            raise BundleError(f"Tệp .zip có {len(infos)} mục, vượt giới hạn {limits.max_members}.")
        seen: set[str] = set()
        declared = 0
        for info in infos:
            name = info.filename.rstrip("/") if info.is_dir() else info.filename
            safe_rel(name)
            mode = info.external_attr >> 16
            if stat.S_ISLNK(mode):
                raise BundleError(f"Tệp .zip chứa liên kết tượng trưng: {name}")
            if info.flag_bits & 0x1:
                raise BundleError(f"Tệp .zip có mục được mã hóa: {name}")
            if name in seen:
                raise BundleError(f"Tệp .zip có hai mục trùng tên: {name}")
            seen.add(name)
            if info.file_size > limits.max_member_bytes:
                raise BundleError(f"Mục {name} quá lớn ({info.file_size} byte).")
            declared += info.file_size
        if declared > limits.max_total_bytes:
            raise BundleError(
                f"Tệp .zip giải nén ra {declared} byte, vượt giới hạn "
                f"{limits.max_total_bytes} byte."
            )
        written = 0
        for info in infos:
            try:
                written = _extract_member(zf, info, out, written, limits)
            except (OSError, zipfile.BadZipFile, EOFError) as exc:
                raise BundleError(f"Không giải nén được {info.filename}: {exc}") from exc
    return out


def _extract_member(
    zf: zipfile.ZipFile, info: zipfile.ZipInfo, out: Path, written: int, limits: ZipLimits
) -> int:
    target = out / info.filename
    if info.is_dir():
        target.mkdir(parents=True, exist_ok=True)
        return written
    target.parent.mkdir(parents=True, exist_ok=True)
    with zf.open(info) as src, open(target, "xb") as dst:
        member = 0
        for block in iter(lambda: src.read(CHUNK), b""):
            member += len(block)
            written += len(block)
            # A lying header is a bomb: stop at the declared size, never past it.
            if member > info.file_size or written > limits.max_total_bytes:
                raise BundleError(f"Mục {info.filename} lớn hơn kích thước khai báo.")
            dst.write(block)
    return written


@contextlib.contextmanager
def open_bundle(path: str | os.PathLike[str], limits: ZipLimits = ZipLimits()) -> Iterator[Path]:
    """A folder holding the bundle at `path`: the folder itself, or a .zip extracted safely into
    a temporary folder removed afterwards."""
    p = Path(path)
    if p.is_dir():
        yield p
        return
    if not p.is_file():
        raise BundleError(f"Không tìm thấy: {p}")
    if not zipfile.is_zipfile(p):
        raise BundleError(f"Không phải thư mục hay tệp .zip: {p}")
    tmp = Path(tempfile.mkdtemp(prefix="bmnn-bundle-"))
    try:
        extract_zip(p, tmp, limits)
        yield tmp
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
