"""Live collection: copy what the analysers read from a machine into an evidence bundle.

`collect(out_dir, root=...)` first builds a plan (which files to copy, which read-only commands
to run, where each lands in the bundle), then carries it out through the BundleWriter. The plan
is plain data, so the Windows plan is tested on Linux without running anything.

What collection guarantees:
- it only reads the machine: files are opened read-only (O_NOATIME where the OS allows, so not
  even access times move), commands are read-only (`reg save` and `wevtutil epl` write only the
  bundle file; never `reg load`, never a new shadow copy); it writes only under out_dir;
- it never uses the network: no socket is opened here, and the commands read local state;
- an unreadable or oversized file is skipped with a log line, never a failure of the run;
- key material is never copied: Wi-Fi keys, VPN secrets and Bluetooth link keys are redacted
  from the copies (the manifest keeps the SHA-256 of the original file);
- under a user's home, links are never followed (a planted link to /etc/shadow stays a link).
"""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import re
import shutil
import stat
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from .bundle import BundleError, BundleWriter, GiB, MiB, iso, safe_rel, utc_now
from .eventlog import EVTX_DIR, JOURNAL, channel_file_name

NETWORK_REL = "bmnn/live/network.json"
SAFE_PATH = "/usr/sbin:/usr/bin:/sbin:/bin"
REDACTED = "[bmnn: đã lược bỏ]"
MAX_REDACT_BYTES = 16 * MiB  # configuration files; anything larger is not a keyfile


@dataclass(frozen=True)
class CollectLimits:
    max_total_bytes: int = 8 * GiB
    max_file_bytes: int = 2 * GiB
    journal_max_bytes: int = 512 * MiB
    journal_since: str | None = None  # journalctl --since (e.g. "2020-07-01"); None = all
    command_timeout_s: float = 300.0


# -- the plan ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class CopyStep:
    source: str  # absolute path on the audited machine (or mounted image)
    rel: str  # where it lands in the bundle
    method: str = "copy"
    follow: bool = False  # follow a link at the source (fixed system files only)
    redact: str | None = None  # "keyfile" or "wlan_xml": strip key material from the copy


@dataclass(frozen=True)
class CommandStep:
    argv: tuple[str, ...]  # "{out}" stands for the absolute bundle path of `rel`
    rel: str
    method: str
    output: str = "stdout"  # "stdout": we write it; "file": the command writes `rel` itself
    max_bytes: int | None = None
    line_boundary: bool = False
    timeout_s: float = 300.0
    optional: bool = False  # failure is a warning (an event channel that is not there)


@dataclass(frozen=True)
class NetworkStep:
    """Derive bmnn/live/network.json (shared format) from raw command outputs in the bundle."""

    platform: str
    inputs: dict[str, str]  # name -> bundle rel of a raw output
    dns_files: tuple[str, ...] = ()  # resolv.conf files on the machine (Linux)
    sys_class_net: str = "/sys/class/net"
    rel: str = NETWORK_REL


Step = CopyStep | CommandStep | NetworkStep


@dataclass
class Plan:
    platform: str
    root: str
    live: bool
    steps: list[Step] = field(default_factory=list)
    notes: list[tuple[str, str]] = field(default_factory=list)  # (source, why not collected)

    def copies(self) -> dict[str, CopyStep]:
        return {s.rel: s for s in self.steps if isinstance(s, CopyStep)}

    def commands(self) -> list[CommandStep]:
        return [s for s in self.steps if isinstance(s, CommandStep)]


def _expand(pattern: str) -> list[str]:
    """Brace alternatives: "a/{b,c}/d" -> ["a/b/d", "a/c/d"]."""
    parts = re.split(r"\{([^{}]*)\}", pattern)
    choices = [[p] if i % 2 == 0 else p.split(",") for i, p in enumerate(parts)]
    return ["".join(c) for c in itertools.product(*choices)]


def _glob(
    root: Path,
    pattern: str,
    *,
    ci: bool,
    skip: Path | None,
    notes: list[tuple[str, str]] | None = None,
) -> Iterator[tuple[str, Path]]:
    """(rel, path) of every non-directory entry matching `pattern` ("/"-separated, fnmatch per
    segment; case-insensitive for Windows). Never descends into a linked directory or into
    `skip` (the bundle being written). A folder that exists but cannot be listed goes to
    `notes`: what could not be looked at is said, never silently missing."""
    import fnmatch

    def match(name: str, seg: str) -> bool:
        return fnmatch.fnmatch(name.lower(), seg.lower()) if ci else fnmatch.fnmatchcase(name, seg)

    def walk(base: Path, rel: str, segments: list[str], i: int) -> Iterator[tuple[str, Path]]:
        try:
            entries = sorted(os.scandir(base), key=lambda e: e.name)
        except (FileNotFoundError, NotADirectoryError):
            return
        except OSError as exc:
            if notes is not None and all(n[0] != str(base) for n in notes):
                notes.append((str(base), f"{_NOT_LISTED} ({exc.strerror or exc})"))
            return
        last = i == len(segments) - 1
        for entry in entries:
            if not match(entry.name, segments[i]):
                continue
            path = Path(entry.path)
            sub = f"{rel}/{entry.name}" if rel else entry.name
            if skip is not None and path == skip:
                continue
            if last:
                if not entry.is_dir(follow_symlinks=False):
                    yield sub, path
            elif entry.is_dir(follow_symlinks=False):
                yield from walk(path, sub, segments, i + 1)

    for pat in _expand(pattern):
        yield from walk(root, "", pat.split("/"), 0)


_NOT_LISTED = "không đọc được thư mục"

# Linux: fixed system files (links followed inside the root: /etc/os-release is one) and globs
# (links never followed). Paths as in the shared spec; rotated logs come along.
LINUX_FIXED = (
    "etc/hostname",
    "etc/machine-id",
    "etc/os-release",
    "etc/timezone",
    "etc/localtime",
    "etc/passwd",
    "etc/group",
    "etc/resolv.conf",
    "etc/NetworkManager/NetworkManager.conf",
    "run/systemd/resolve/resolv.conf",
)
_HOMES = "{home/*,root}"
LINUX_GLOBS: tuple[tuple[str, str | None], ...] = (
    ("etc/NetworkManager/system-connections/*", "keyfile"),
    ("etc/NetworkManager/conf.d/*", None),
    ("etc/netplan/*.yaml", "keyfile"),
    ("etc/network/interfaces", "keyfile"),
    ("etc/network/interfaces.d/*", "keyfile"),
    ("etc/systemd/network/*", None),
    ("var/lib/NetworkManager/{timestamps,seen-bssids,NetworkManager.state}", None),
    ("var/lib/NetworkManager/*.lease", None),
    ("var/lib/dhcp/*.leases", None),
    ("var/log/wtmp*", None),
    ("var/log/apt/history.log*", None),
    ("var/log/dpkg.log*", None),
    ("var/lib/bluetooth/*/*/info", "keyfile"),
    ("var/lib/bluetooth/*/cache/*", None),
    (
        f"{_HOMES}/.config/{{google-chrome,chromium,microsoft-edge}}/*/History{{,-wal,-journal}}",
        None,
    ),
    (f"{_HOMES}/snap/chromium/common/chromium/*/History{{,-wal,-journal}}", None),
    (f"{_HOMES}/.mozilla/firefox/*/places.sqlite{{,-wal}}", None),
    (f"{_HOMES}/snap/firefox/common/.mozilla/firefox/*/places.sqlite{{,-wal}}", None),
    ("var/log/teamviewer*/*.log", None),
    (f"{_HOMES}/.anydesk/{{*.trace,connection_trace.txt}}", None),
)

# Windows event channels the analysers read (exported with `wevtutil epl`, or copied from a
# mounted image). Kept here because collection must name them before any analyser runs.
EVENT_CHANNELS = (
    "System",
    "Security",
    "Microsoft-Windows-Partition/Diagnostic",
    "Microsoft-Windows-Kernel-PnP/Configuration",
    "Microsoft-Windows-DeviceSetupManager/Admin",
    "Microsoft-Windows-DriverFrameworks-UserMode/Operational",
    "Microsoft-Windows-WLAN-AutoConfig/Operational",
    "Microsoft-Windows-NCSI/Operational",
    "Microsoft-Windows-NetworkProfile/Operational",
    "Microsoft-Windows-UniversalTelemetryClient/Operational",
)
WINDOWS_HIVES = ("SYSTEM", "SOFTWARE", "SAM")  # never SECURITY: it holds LSA secrets
_WIN_LOCAL = "Users/*/AppData/Local"
WINDOWS_GLOBS: tuple[tuple[str, str | None], ...] = (
    ("Windows/INF/setupapi*.log", None),
    ("ProgramData/Microsoft/Wlansvc/Profiles/Interfaces/*/*.xml", "wlan_xml"),
    (
        f"{_WIN_LOCAL}/{{Google/Chrome,Microsoft/Edge,CocCoc/Browser}}/User Data/*/"
        "History{,-journal,-wal}",
        None,
    ),
    ("Users/*/AppData/Roaming/Mozilla/Firefox/Profiles/*/places.sqlite{,-wal}", None),
    ("{Program Files,Program Files (x86)}/TeamViewer/{Connections_incoming.txt,*.log}", None),
    ("Users/*/AppData/Roaming/TeamViewer/{Connections.txt,*.log}", None),
    ("{ProgramData,Users/*/AppData/Roaming}/AnyDesk/{*.trace,connection_trace.txt}", None),
    ("{Program Files,Program Files (x86)}/UltraViewer/*.log", None),
)

# Network state on Windows, read through PowerShell's NetTCPIP/NetAdapter/DnsClient cmdlets
# (local state only; no ipconfig/netsh parsing). Output forced to UTF-8: adapter names may be
# Vietnamese.
_PS_PREFIX = "[Console]::OutputEncoding = [Text.Encoding]::UTF8; "
WINDOWS_NETWORK = {
    "adapters": "Get-NetAdapter | Select-Object Name,InterfaceDescription,ifIndex,Status,"
    "MacAddress,MediaType,PhysicalMediaType,Virtual,HardwareInterface",
    "addresses": "Get-NetIPAddress | Select-Object InterfaceAlias,InterfaceIndex,IPAddress,"
    "PrefixLength,AddressFamily",
    "routes": "Get-NetRoute | Select-Object DestinationPrefix,NextHop,InterfaceAlias,"
    "InterfaceIndex,RouteMetric",
    "neighbours": "Get-NetNeighbor | Select-Object IPAddress,LinkLayerAddress,InterfaceAlias,State",
    "dns": "Get-DnsClientServerAddress | Select-Object InterfaceAlias,AddressFamily,"
    "ServerAddresses",
}


@dataclass(frozen=True)
class UserProfile:
    sid: str
    path: str  # ProfileImagePath, e.g. C:\Users\nam

    @property
    def name(self) -> str:
        return re.split(r"[\\/]", self.path.rstrip("\\/"))[-1]


def _add_globs(plan: Plan, root: Path, globs, *, ci: bool, skip: Path | None) -> None:
    seen = set(plan.copies())
    for pattern, redact in globs:
        for rel, path in _glob(root, pattern, ci=ci, skip=skip, notes=plan.notes):
            if rel in seen:
                continue
            seen.add(rel)
            if path.is_symlink():
                plan.notes.append((str(path), "liên kết tượng trưng: không đi theo"))
                continue
            plan.steps.append(CopyStep(str(path), rel, redact=redact))


def linux_plan(
    root: Path, *, live: bool, limits: CollectLimits = CollectLimits(), skip: Path | None = None
) -> Plan:
    """What to collect from a Linux root ("/" live, or a mounted disk)."""
    plan = Plan("linux", str(root), live)
    for rel in LINUX_FIXED:
        path = root / rel
        if os.path.lexists(path):
            plan.steps.append(CopyStep(str(path), rel, follow=True))
    _add_globs(plan, root, LINUX_GLOBS, ci=False, skip=skip)

    journalctl = shutil.which("journalctl", path=SAFE_PATH)
    journal_dir = root / "var/log/journal"
    if journalctl is None:
        plan.notes.append(("journalctl", "không có lệnh journalctl trên máy"))
    elif live or journal_dir.is_dir():
        argv = [journalctl, "-o", "json", "--no-pager", "-q"]
        if not live:
            argv += ["--directory", str(journal_dir)]
        if limits.journal_since:
            argv += ["--since", limits.journal_since]
        plan.steps.append(
            CommandStep(
                tuple(argv),
                JOURNAL,
                "journalctl export",
                max_bytes=limits.journal_max_bytes,
                line_boundary=True,
                timeout_s=limits.command_timeout_s,
            )
        )

    if live:
        ip = shutil.which("ip", path=SAFE_PATH)
        if ip is None:
            plan.notes.append(("ip", "không có lệnh ip: không ghi được trạng thái mạng"))
        else:
            inputs = {
                "addr": ("-j", "addr"),
                "route": ("-j", "route"),
                "route6": ("-j", "-6", "route"),
                "neigh": ("-j", "neigh"),
            }
            rels = {}
            for name, args in inputs.items():
                rel = f"bmnn/live/ip-{name}.json"
                rels[name] = rel
                plan.steps.append(
                    CommandStep((ip, *args), rel, f"ip {' '.join(args)}", timeout_s=60)
                )
            dns = tuple(
                str(root / r) for r in ("etc/resolv.conf", "run/systemd/resolve/resolv.conf")
            )
            plan.steps.append(
                NetworkStep("linux", rels, dns_files=dns, sys_class_net=str(root / "sys/class/net"))
            )
    return plan


def _win_exe(system_root: str, *parts: str) -> str:
    return "\\".join([system_root.rstrip("\\"), "System32", *parts])


def _under_root(root: Path, windows_path: str) -> Path:
    """A Windows absolute path ("C:\\Users\\nam") as a path under `root` (the system drive)."""
    tail = re.sub(r"^[A-Za-z]:[\\/]*", "", windows_path)
    return root.joinpath(*[p for p in re.split(r"[\\/]", tail) if p])


def _evtx_rel(channel: str) -> str:
    return f"{EVTX_DIR}/{channel_file_name(channel)}.evtx"


def windows_plan(
    root: Path,
    *,
    live: bool,
    profiles: list[UserProfile] | None = None,
    loaded_sids: set[str] | frozenset[str] = frozenset(),
    channels: tuple[str, ...] = EVENT_CHANNELS,
    system_root: str = r"C:\Windows",
    limits: CollectLimits = CollectLimits(),
    skip: Path | None = None,
) -> Plan:
    """What to collect from Windows: live (`reg save`, `wevtutil epl`, PowerShell network state
    and file copies of the system drive `root`), or a mounted image (file copies only)."""
    plan = Plan("windows", str(root), live)
    reg = _win_exe(system_root, "reg.exe")
    timeout = limits.command_timeout_s
    for hive in WINDOWS_HIVES:
        rel = f"Windows/System32/config/{hive}"
        if live:
            plan.steps.append(
                CommandStep(
                    (reg, "save", f"HKLM\\{hive}", "{out}", "/y"),
                    rel,
                    f"reg save HKLM\\{hive}",
                    output="file",
                    timeout_s=timeout,
                )
            )
    if not live:
        _add_globs(
            plan,
            root,
            [(f"Windows/System32/config/{h}", None) for h in WINDOWS_HIVES],
            ci=True,
            skip=skip,
        )

    # Users: a loaded hive is locked, so `reg save HKU\<sid>`; an unloaded one is a plain file.
    # Only real accounts (S-1-5-21-…); service profiles hold nothing about a user.
    if live:
        for p in profiles or []:
            if not p.sid.startswith("S-1-5-21-"):
                continue
            rel = f"Users/{p.name}/NTUSER.DAT"
            if p.sid in loaded_sids:
                plan.steps.append(
                    CommandStep(
                        (reg, "save", f"HKU\\{p.sid}", "{out}", "/y"),
                        rel,
                        f"reg save HKU\\{p.sid}",
                        output="file",
                        timeout_s=timeout,
                    )
                )
                continue
            path = _under_root(root, p.path) / "NTUSER.DAT"
            if path.is_file():
                plan.steps.append(CopyStep(str(path), rel))
            else:
                plan.notes.append((str(path), f"không có tệp NTUSER.DAT của {p.sid}"))
    else:
        _add_globs(plan, root, [("Users/*/NTUSER.DAT", None)], ci=True, skip=skip)

    if live:
        wevtutil = _win_exe(system_root, "wevtutil.exe")
        for ch in channels:
            plan.steps.append(
                CommandStep(
                    (wevtutil, "epl", ch, "{out}"),
                    _evtx_rel(ch),
                    f"wevtutil epl {ch}",
                    output="file",
                    timeout_s=timeout,
                    optional=True,
                )
            )
    else:
        wanted = [(_evtx_rel(ch), None) for ch in channels]
        _add_globs(plan, root, wanted, ci=True, skip=skip)

    _add_globs(plan, root, WINDOWS_GLOBS, ci=True, skip=skip)

    if live:
        ps = _win_exe(system_root, "WindowsPowerShell", "v1.0", "powershell.exe")
        rels = {}
        for name, command in WINDOWS_NETWORK.items():
            rel = f"bmnn/live/windows/{name}.json"
            rels[name] = rel
            script = f"{_PS_PREFIX}{command} | ConvertTo-Json -Depth 3 -Compress"
            plan.steps.append(
                CommandStep(
                    (ps, "-NoProfile", "-NonInteractive", "-Command", script),
                    rel,
                    f"PowerShell {command.split(' |')[0]}",
                    timeout_s=120,
                )
            )
        plan.steps.append(NetworkStep("windows", rels))
    return plan


def windows_profiles() -> tuple[list[UserProfile], set[str]]:
    """(profiles from ProfileList, SIDs whose hive is loaded under HKU), read-only through
    winreg (imported here: it exists on Windows only)."""
    import winreg

    profiles = []
    base = r"SOFTWARE\Microsoft\Windows NT\CurrentVersion\ProfileList"
    with winreg.OpenKey(winreg.HKEY_LOCAL_MACHINE, base) as key:
        for i in itertools.count():
            try:
                sid = winreg.EnumKey(key, i)
            except OSError:
                break
            try:
                with winreg.OpenKey(key, sid) as sub:
                    path, _ = winreg.QueryValueEx(sub, "ProfileImagePath")
            except OSError:
                continue
            profiles.append(UserProfile(sid, os.path.expandvars(str(path))))
    loaded = set()
    for i in itertools.count():
        try:
            loaded.add(winreg.EnumKey(winreg.HKEY_USERS, i))
        except OSError:
            break
    return profiles, loaded


# -- redaction --------------------------------------------------------------------------------

_SECRET_KEY = re.compile(
    r"^(?:psk|password|passphrase|pin|puk|wep-key\d|[a-z0-9-]*-password|secrets?|"
    r"wpa-psk|wpa-password|private-key|key-material)$",
    re.IGNORECASE,
)
_LINE = re.compile(r"^(\s*)([A-Za-z0-9_.-]+)(\s*[=:]\s*|\s+)(.*?)(\r?)$")
_SECTION = re.compile(r"^\s*\[([^\]]+)\]\s*$")


def redact_keyfile(text: str) -> tuple[str, int]:
    """Key material out of NetworkManager keyfiles, netplan YAML, ifupdown and BlueZ `info`
    files: the value of every secret-looking key, every key of [vpn-secrets], and `Key=` in
    BlueZ's *Key sections. Returns the text and how many values were replaced."""
    out, count, section = [], 0, ""
    for line in text.split("\n"):
        m_sec = _SECTION.match(line)
        if m_sec:
            section = m_sec.group(1).strip()
            out.append(line)
            continue
        m = _LINE.match(line)
        if m and m.group(4) and not m.group(4).startswith(("#", REDACTED)):
            key = m.group(2)
            secret = (
                _SECRET_KEY.match(key)
                or section == "vpn-secrets"
                or (section.endswith("Key") and key == "Key")
            )
            if secret:
                line = f"{m.group(1)}{key}{m.group(3)}{REDACTED}{m.group(5)}"
                count += 1
        out.append(line)
    return "\n".join(out), count


_KEY_MATERIAL = re.compile(r"(<keyMaterial>)(.*?)(</keyMaterial>)", re.DOTALL | re.IGNORECASE)


def redact_wlan_xml(text: str) -> tuple[str, int]:
    """A Wlansvc profile without its (DPAPI-protected) <keyMaterial>."""
    return _KEY_MATERIAL.subn(lambda m: f"{m.group(1)}{REDACTED}{m.group(3)}", text)


def _decode(data: bytes) -> tuple[str, str]:
    for bom, enc in (
        (b"\xef\xbb\xbf", "utf-8-sig"),
        (b"\xff\xfe", "utf-16"),
        (b"\xfe\xff", "utf-16"),
    ):
        if data.startswith(bom):
            return data.decode(enc), enc
    return data.decode("utf-8"), "utf-8"


# -- carrying out the plan --------------------------------------------------------------------


def _resolve_in_root(root: Path, path: Path) -> Path | None:
    """Follow links of `path` as if `root` were "/" (a mounted image's absolute links point
    into the image, not into the collector's machine); None if it leaves the root."""
    cur = path
    for _ in range(40):
        if not cur.is_symlink():
            break
        target = os.readlink(cur)
        cur = root / target.lstrip("/") if os.path.isabs(target) else cur.parent / target
        cur = Path(os.path.normpath(cur))
    else:
        return None
    try:
        cur.relative_to(root)
    except ValueError:
        return None
    return cur


def _mtime(st: os.stat_result) -> str:
    return iso(datetime.fromtimestamp(st.st_mtime_ns / 1e9, UTC))


class _Collector:
    def __init__(self, writer: BundleWriter, plan: Plan, limits: CollectLimits) -> None:
        self.w = writer
        self.plan = plan
        self.root = Path(plan.root)
        self.limits = limits
        self.started: dict[str, datetime] = {}

    def run(self) -> None:
        for source, reason in self.plan.notes:
            self.w.skip(source, reason)
        for step in self.plan.steps:
            try:
                if isinstance(step, CopyStep):
                    self.copy(step)
                elif isinstance(step, CommandStep):
                    self.command(step)
                else:
                    self.network(step)
            except (OSError, BundleError, ValueError) as exc:
                # One step never stops the collection: log it, drop any partial file it left
                # (a file outside the manifest would fail verification), and go on.
                source = getattr(step, "source", None) or step.rel
                self.w.skip(source, f"lỗi: {exc}", level="ERROR")
                with contextlib.suppress(BundleError, OSError):
                    partial = self.w.dir / safe_rel(step.rel)
                    if step.rel not in self.w.files and partial.is_file():
                        partial.unlink()

    # -- files ------------------------------------------------------------------------------
    def _open(self, path: Path, follow: bool) -> int:
        # O_NONBLOCK: a FIFO planted where a log should be must not hang the collection.
        flags = os.O_RDONLY | getattr(os, "O_BINARY", 0) | getattr(os, "O_NONBLOCK", 0)
        if not follow:
            flags |= getattr(os, "O_NOFOLLOW", 0)
        noatime = getattr(os, "O_NOATIME", 0)
        try:
            return os.open(path, flags | noatime)
        except PermissionError:
            if not noatime:
                raise
            return os.open(path, flags)  # O_NOATIME needs ownership (or root); read anyway

    def copy(self, step: CopyStep) -> None:
        path = Path(step.source)
        link_target = None
        if step.follow and path.is_symlink():
            link_target = os.readlink(path)
            resolved = _resolve_in_root(self.root, path)
            if resolved is None:
                self.w.skip(step.source, f"liên kết tới ngoài thư mục gốc ({link_target})")
                return
            path = resolved
        try:
            fd = self._open(path, step.follow)
        except FileNotFoundError:
            self.w.skip(step.source, "tệp không còn")
            return
        except OSError as exc:
            self.w.skip(step.source, f"không đọc được ({exc.strerror or exc})", level="ERROR")
            return
        with os.fdopen(fd, "rb") as src:
            before = os.fstat(fd)
            if not stat.S_ISREG(before.st_mode):
                self.w.skip(step.source, "không phải tệp thường")
                return
            if before.st_size > self.w.budget():
                self.w.skip(step.source, f"vượt giới hạn dung lượng ({before.st_size} byte)")
                return
            extra: dict[str, Any] = {
                "source_size": before.st_size,
                "source_mtime_utc": _mtime(before),
                "link_target": link_target,
            }
            if step.redact:
                self._copy_redacted(step, src, extra)
            else:
                self.w.add_stream(step.rel, src, source=step.source, method=step.method, **extra)
            after = os.fstat(fd)
        changed = (after.st_size, after.st_mtime_ns) != (before.st_size, before.st_mtime_ns)
        if changed and step.rel in self.w.files:
            self.w.files[step.rel]["changed_during_copy"] = True
            self.w.log(f"Tệp {step.source} thay đổi trong lúc sao chép (đang được ghi).", "WARN")

    def _copy_redacted(self, step: CopyStep, src, extra: dict[str, Any]) -> None:
        import hashlib

        data = src.read(MAX_REDACT_BYTES + 1)
        if len(data) > MAX_REDACT_BYTES:
            self.w.skip(step.source, "tệp cấu hình quá lớn để lược bỏ khóa; không sao chép")
            return
        try:
            text, encoding = _decode(data)
        except UnicodeDecodeError:
            # Fail closed: what cannot be redacted is not copied (it may hold a key).
            self.w.skip(
                step.source, "không giải mã được để lược bỏ khóa; không sao chép", level="ERROR"
            )
            return
        redact = redact_wlan_xml if step.redact == "wlan_xml" else redact_keyfile
        clean, count = redact(text)
        out = (
            clean.encode(encoding) if encoding != "utf-8-sig" else b"\xef\xbb\xbf" + clean.encode()
        )
        extra["source_sha256"] = hashlib.sha256(data).hexdigest()
        method = f"{step.method}, lược bỏ {count} khóa" if count else step.method
        self.w.add_bytes(step.rel, out, source=step.source, method=method, **extra)

    # -- commands ---------------------------------------------------------------------------
    def command(self, step: CommandStep) -> None:
        target = self.w.path_for(step.rel)
        argv = [a.replace("{out}", str(target)) for a in step.argv]
        shown = [a.replace("{out}", step.rel) for a in step.argv]
        started = utc_now()
        self.started[step.rel] = started
        self.w.log(f"Chạy lệnh: {' '.join(shown)}")
        record: dict[str, Any] = {"argv": shown, "output": step.rel, "started_utc": iso(started)}
        env = (
            dict(os.environ)
            if sys.platform == "win32"
            else {
                "PATH": SAFE_PATH,
                "LANG": "C.UTF-8",
                "LC_ALL": "C.UTF-8",
                "SYSTEMD_PAGER": "",
                "SYSTEMD_COLORS": "0",
                "PAGER": "cat",
            }
        )
        try:
            proc = subprocess.Popen(  # noqa: S603 — fixed argv, absolute executables, no shell
                argv,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE if step.output == "stdout" else subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                env=env,
                cwd=self.w.dir,
            )
        except OSError as exc:
            record.update(rc=None, error=str(exc), ended_utc=iso(utc_now()))
            self.w.add_command(record)
            self.w.skip(" ".join(shown), f"không chạy được ({exc})", level="ERROR")
            return
        err = bytearray()
        reader = threading.Thread(target=_drain, args=(proc.stderr, err), daemon=True)
        reader.start()
        expired = threading.Event()

        def _expire() -> None:
            expired.set()
            proc.kill()

        timer = threading.Timer(step.timeout_s, _expire)
        timer.start()
        truncated = False
        try:
            if step.output == "stdout":
                entry = self.w.add_stream(
                    step.rel,
                    proc.stdout,
                    source=" ".join(shown),
                    method=step.method,
                    limit=step.max_bytes,
                    line_boundary=step.line_boundary,
                )
                truncated = bool(entry.get("truncated"))
                if truncated:
                    proc.kill()
                    self.w.log(f"Đã dừng {shown[0]} ở giới hạn {step.max_bytes} byte.", "WARN")
            rc = proc.wait()
        finally:
            timer.cancel()
            if proc.poll() is None:
                proc.kill()
                proc.wait()
            if proc.stdout:
                proc.stdout.close()
            reader.join(5)
        record.update(
            rc=rc,
            ended_utc=iso(utc_now()),
            timed_out=expired.is_set(),
            truncated=truncated,
            stderr=bytes(err).decode("utf-8", "replace")[:2000],
        )
        if expired.is_set() and step.rel in self.w.files:
            self.w.files[step.rel]["truncated"] = True
        self.w.add_command(record)
        level = "WARN" if step.optional else "ERROR"
        if record["timed_out"]:
            self.w.log(f"Lệnh {shown[0]} quá {step.timeout_s} giây, đã dừng.", level)
        if step.output == "file":
            if rc == 0:
                self.w.adopt(step.rel, source=" ".join(shown), method=step.method)
            else:
                if target.exists():
                    target.unlink()  # a partial export of our own, never evidence
                self.w.skip(
                    " ".join(shown), f"lệnh lỗi (mã {rc}): {record['stderr'][:200]}", level=level
                )
        elif rc != 0 and not truncated:
            self.w.log(f"Lệnh {' '.join(shown)} trả mã {rc}: {record['stderr'][:200]}", level)

    # -- network state ----------------------------------------------------------------------
    def network(self, step: NetworkStep) -> None:
        raw: dict[str, Any] = {}
        for name, rel in step.inputs.items():
            try:
                text = (self.w.dir / rel).read_text(encoding="utf-8-sig")
                raw[name] = json.loads(text) if text.strip() else []
            except (OSError, ValueError) as exc:
                self.w.skip(NETWORK_REL, f"thiếu hoặc hỏng {rel}: {exc}", level="ERROR")
                return
        first = min(
            (self.started[r] for r in step.inputs.values() if r in self.started), default=utc_now()
        )
        if step.platform == "linux":
            dns: list[str] = []
            for f in step.dns_files:
                real = _resolve_in_root(self.root, Path(f)) if os.path.lexists(f) else None
                if real is not None and real.is_file():
                    dns += parse_resolv_conf(real.read_text(encoding="utf-8", errors="replace"))
            kinds = {
                i.get("ifname", ""): linux_iface_kind(
                    Path(step.sys_class_net), i.get("ifname", ""), i.get("link_type", "")
                )
                for i in raw.get("addr", [])
                if isinstance(i, dict)
            }
            state = network_from_linux(
                raw.get("addr", []),
                [*raw.get("route", []), *raw.get("route6", [])],
                raw.get("neigh", []),
                dns,
                kinds,
            )
            source = "ip -j addr/route/neigh, /etc/resolv.conf, /sys/class/net"
        else:
            state = network_from_windows(**{k: raw.get(k) for k in WINDOWS_NETWORK})
            source = "PowerShell Get-NetAdapter/Get-NetIPAddress/Get-NetRoute/Get-NetNeighbor"
        state = {"collected_at": iso(first), **state}
        data = json.dumps(state, ensure_ascii=False, indent=1).encode("utf-8") + b"\n"
        self.w.add_bytes(step.rel, data, source=source, method="derived")


def _drain(stream, sink: bytearray, keep: int = 65536) -> None:
    for block in iter(lambda: stream.read(8192), b""):
        if len(sink) < keep:
            sink.extend(block[: keep - len(sink)])
    stream.close()


# -- network state, normalised to the shared format ------------------------------------------


def parse_resolv_conf(text: str) -> list[str]:
    out = []
    for line in text.splitlines():
        parts = line.split("#", 1)[0].split()
        if len(parts) >= 2 and parts[0] == "nameserver":
            out.append(parts[1])
    return out


def _mac(value: Any) -> str | None:
    if not isinstance(value, str) or not value.strip():
        return None
    return value.strip().lower().replace("-", ":")


def linux_iface_kind(sys_class_net: Path, name: str, link_type: str) -> str:
    """ethernet|wifi|wwan|loopback|virtual|other, from sysfs. USB tethering drivers (phone
    sharing its mobile data) count as wwan."""
    if link_type == "loopback" or name == "lo":
        return "loopback"
    base = sys_class_net / name
    try:
        uevent = (base / "uevent").read_text(errors="replace")
    except OSError:
        uevent = ""
    devtype = re.search(r"^DEVTYPE=(\S+)", uevent, re.MULTILINE)
    if (
        (devtype and devtype.group(1) == "wlan")
        or (base / "wireless").exists()
        or (base / "phy80211").exists()
    ):
        return "wifi"
    if devtype and devtype.group(1) == "wwan":
        return "wwan"
    try:
        driver = os.path.basename(os.readlink(base / "device" / "driver"))
    except OSError:
        driver = ""
    if driver in (
        "rndis_host",
        "cdc_ether",
        "cdc_ncm",
        "cdc_mbim",
        "qmi_wwan",
        "ipheth",
        "huawei_cdc_ncm",
        "option",
        "sierra_net",
    ):
        return "wwan"
    try:
        real = os.path.realpath(base)
    except OSError:
        real = ""
    if "/devices/virtual/" in real or (base.exists() and not (base / "device").exists()):
        return "virtual"
    if link_type == "ether":
        return "ethernet" if base.exists() else "other"
    return "other"


def network_from_linux(
    addr: list, routes: list, neigh: list, dns: list[str], kinds: dict[str, str]
) -> dict[str, Any]:
    """The shared network.json body from `ip -j addr`, `ip -j route` (+ -6), `ip -j neigh`."""
    interfaces = []
    for i in addr:
        if not isinstance(i, dict):
            continue
        flags = i.get("flags", [])
        interfaces.append(
            {
                "name": i.get("ifname", ""),
                "up": "UP" in flags and "LOWER_UP" in flags,
                "kind": kinds.get(i.get("ifname", ""), "other"),
                "mac": _mac(i.get("address")),
                "addresses": [
                    f"{a['local']}/{a['prefixlen']}"
                    for a in i.get("addr_info", [])
                    if isinstance(a, dict) and "local" in a and "prefixlen" in a
                ],
                "operstate": i.get("operstate"),
            }
        )
    out_routes = [
        {"dst": r.get("dst", ""), "gateway": r.get("gateway"), "dev": r.get("dev")}
        for r in routes
        if isinstance(r, dict)
    ]
    lladdr = {n.get("dst"): _mac(n.get("lladdr")) for n in neigh if isinstance(n, dict)}
    gateways = {r["gateway"] for r in out_routes if r["gateway"]}
    return {
        "interfaces": interfaces,
        "routes": out_routes,
        "gateway_macs": {g: lladdr[g] for g in sorted(gateways) if lladdr.get(g)},
        "dns": list(dict.fromkeys(dns)),
    }


def _listify(value: Any) -> list:
    """ConvertTo-Json writes one object, not a list, when there is one item."""
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _windows_kind(a: dict[str, Any]) -> str:
    desc = str(a.get("InterfaceDescription") or "")
    media = f"{a.get('PhysicalMediaType') or ''} {a.get('MediaType') or ''}".lower()
    if "loopback" in desc.lower():
        return "loopback"
    if (
        "remote ndis" in desc.lower()
        or "wireless wan" in media
        or "mobile broadband" in desc.lower()
    ):
        return "wwan"  # phone tethering (RNDIS) or a 3G/4G modem
    if "802.11" in media or "wi-fi" in desc.lower() or "wireless" in desc.lower():
        return "wifi"
    if a.get("Virtual") is True or a.get("HardwareInterface") is False:
        return "virtual"
    if "802.3" in media:
        return "ethernet"
    return "other"


_NO_GATEWAY = ("", "0.0.0.0", "::")  # noqa: S104 — "no next hop" in Get-NetRoute, not a bind


def network_from_windows(
    adapters=None, addresses=None, routes=None, neighbours=None, dns=None
) -> dict[str, Any]:
    """The shared network.json body from the PowerShell cmdlets' JSON."""
    addrs: dict[str, list[str]] = {}
    for a in _listify(addresses):
        if isinstance(a, dict) and a.get("IPAddress"):
            ip = str(a["IPAddress"]).split("%")[0]
            addrs.setdefault(str(a.get("InterfaceAlias")), []).append(
                f"{ip}/{a.get('PrefixLength')}"
            )
    interfaces = []
    for a in _listify(adapters):
        if not isinstance(a, dict):
            continue
        name = str(a.get("Name") or "")
        status = a.get("Status")
        interfaces.append(
            {
                "name": name,
                "up": status == "Up" or status == 1,
                "kind": _windows_kind(a),
                "mac": _mac(a.get("MacAddress")),
                "addresses": addrs.get(name, []),
                "description": a.get("InterfaceDescription"),
            }
        )
    out_routes = []
    for r in _listify(routes):
        if not isinstance(r, dict):
            continue
        dst = str(r.get("DestinationPrefix") or "")
        hop = str(r.get("NextHop") or "")
        out_routes.append(
            {
                "dst": "default" if dst in ("0.0.0.0/0", "::/0") else dst,
                "gateway": None if hop in _NO_GATEWAY else hop,
                "dev": r.get("InterfaceAlias"),
            }
        )
    lladdr = {
        str(n.get("IPAddress")): _mac(n.get("LinkLayerAddress"))
        for n in _listify(neighbours)
        if isinstance(n, dict)
    }
    gateways = {r["gateway"] for r in out_routes if r["gateway"]}
    servers: list[str] = []
    for d in _listify(dns):
        if isinstance(d, dict):
            servers += [str(s) for s in _listify(d.get("ServerAddresses"))]
    return {
        "interfaces": interfaces,
        "routes": out_routes,
        "gateway_macs": {
            g: lladdr[g]
            for g in sorted(gateways)
            if lladdr.get(g) not in (None, "00:00:00:00:00:00")
        },
        "dns": list(dict.fromkeys(servers)),
    }


# -- entry point ------------------------------------------------------------------------------


def _is_windows_root(root: Path) -> bool:
    try:
        return any(e.name.lower() == "windows" and e.is_dir() for e in os.scandir(root)) and any(
            e.name.lower() == "system32" for e in os.scandir(_ci_child(root, "windows"))
        )
    except OSError:
        return False


def _ci_child(base: Path, name: str) -> Path:
    for e in os.scandir(base):
        if e.name.lower() == name:
            return Path(e.path)
    return base / name


def build_plan(
    out_dir: Path,
    *,
    root: str | os.PathLike[str] = "/",
    live: bool | None = None,
    limits: CollectLimits = CollectLimits(),
) -> Plan:
    """The plan for this machine (root "/" = the running system) or a mounted disk."""
    if sys.platform == "win32" and str(root) in ("/", "\\"):
        root = os.environ.get("SYSTEMDRIVE", "C:") + "\\"
    root_path = Path(root).absolute()
    running = (
        Path(os.path.abspath(os.sep))
        if sys.platform != "win32"
        else Path(os.environ.get("SYSTEMDRIVE", "C:") + "\\")
    )
    if live is None:
        live = root_path == running
    skip = out_dir.absolute()
    if sys.platform == "win32" and live:
        profiles, loaded = windows_profiles()
        return windows_plan(
            root_path,
            live=True,
            profiles=profiles,
            loaded_sids=loaded,
            system_root=os.environ.get("SYSTEMROOT", r"C:\Windows"),
            limits=limits,
            skip=skip,
        )
    if _is_windows_root(root_path):
        return windows_plan(root_path, live=False, limits=limits, skip=skip)
    return linux_plan(root_path, live=live, limits=limits, skip=skip)


def collect(
    out_dir: str | os.PathLike[str],
    *,
    root: str | os.PathLike[str] = "/",
    live: bool | None = None,
    limits: CollectLimits = CollectLimits(),
) -> dict[str, Any]:
    """Collect the machine at `root` into a new bundle at `out_dir`; returns the manifest.
    Raises BundleError only when out_dir cannot hold a new bundle; everything else that goes
    wrong is logged in the bundle and the collection goes on."""
    out = Path(out_dir).absolute()
    writer = BundleWriter(
        out, max_total_bytes=limits.max_total_bytes, max_file_bytes=limits.max_file_bytes
    )
    plan = None
    try:
        plan = build_plan(out, root=root, live=live, limits=limits)
        writer.log(
            f"Kế hoạch: hệ {plan.platform}, gốc {plan.root}, "
            f"{'máy đang chạy' if plan.live else 'ổ đĩa/ảnh gắn vào'}, "
            f"{len(plan.steps)} bước"
        )
        _Collector(writer, plan, limits).run()
    except Exception as exc:  # the log and the manifest must be written anyway
        writer.abort(f"Thu thập dừng vì lỗi: {type(exc).__name__}: {exc}")
    return writer.finish(
        platform=plan.platform if plan else "unknown",
        root=plan.root if plan else str(root),
        live=bool(plan.live) if plan else bool(live),
    )
