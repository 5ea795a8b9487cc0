"""Who and what the Linux machine is: host name, machine-id, OS, time zone, user accounts, and
logons from `var/log/wtmp`.

wtmp is an array of glibc `struct utmp` records, 384 bytes each on x86-64 and other 64-bit
Linux (utmp(5)): ut_type (short, 2 padding bytes), ut_pid, ut_line[32], ut_id[4],
ut_user[32], ut_host[256], ut_exit (2 shorts), ut_session, ut_tv (tv_sec, tv_usec as int32),
ut_addr_v6 (4 x int32), 20 unused bytes. A USER_PROCESS record is a logon; the next
DEAD_PROCESS on the same line is its logout. A logon with a remote host came over the network.
"""

from __future__ import annotations

import ipaddress
import re
import struct
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

from ..context import UTC_LABEL, AuditContext
from ..model import Observation, Timestamp

NAME = "linux_identity"

UTMP = struct.Struct("<h2xi32s4s32s256shhiii16s20x")  # 384 bytes
USER_PROCESS, DEAD_PROCESS, BOOT_TIME = 7, 8, 2
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# "Hosts" that are this machine; compared only, never bound.
_LOCAL_HOSTS = ("", "localhost", "::1", "0.0.0.0")  # noqa: S104


def analyse(ctx: AuditContext) -> Iterator[Observation]:
    identity = _identity(ctx)
    if identity:
        yield identity
    yield from _users(ctx)
    yield from _wtmp(ctx)


def _read(ctx: AuditContext, rel: str) -> str | None:
    real = ctx.root.find(rel)
    if real is None:
        ctx.missing(NAME, rel, f"Không có tệp {rel}.")
        return None
    try:
        return ctx.root.read_text(real)
    except OSError as exc:
        ctx.error(NAME, real, f"Không đọc được tệp: {exc}")
        return None


def os_release(text: str) -> dict[str, str]:
    """KEY=value lines of os-release(5), quotes removed."""
    out = {}
    for line in text.splitlines():
        key, sep, value = line.strip().partition("=")
        if sep and key and not key.startswith("#"):
            out[key] = value.strip().strip("\"'")
    return out


def _identity(ctx: AuditContext) -> Observation | None:
    facts: dict = {"platform": "linux"}
    evidence = []
    for rel, key in (("etc/hostname", "hostname"), ("etc/machine-id", "machine_id")):
        text = _read(ctx, rel)
        if text is not None and text.strip():
            facts[key] = text.strip().splitlines()[0].strip()
            evidence.append(ctx.evidence(ctx.root.find(rel), "line 1", facts[key]))
    text = _read(ctx, "etc/os-release")
    if text is not None:
        release = os_release(text)
        for key, fact in (
            ("PRETTY_NAME", "os_name"),
            ("ID", "os_id"),
            ("VERSION_ID", "os_version"),
        ):
            if release.get(key):
                facts[fact] = release[key]
        evidence.append(
            ctx.evidence(
                ctx.root.find("etc/os-release"), "PRETTY_NAME", release.get("PRETTY_NAME", "")
            )
        )
    _tz, label = ctx.local_tz()
    facts["timezone"] = label
    if tz_rel := ctx.root.find("etc/timezone"):
        evidence.append(ctx.evidence(tz_rel, "line 1", label))
    if not evidence:
        return None
    name = facts.get("hostname") or facts.get("machine_id") or "?"
    return Observation("identity", f"HOST:{name}", NAME, facts, (), tuple(evidence))


def _users(ctx: AuditContext) -> Iterator[Observation]:
    text = _read(ctx, "etc/passwd")
    if text is None:
        return
    rel = ctx.root.find("etc/passwd")
    for number, line in enumerate(text.splitlines(), 1):
        fields = line.split(":")
        if len(fields) < 7 or line.startswith("#"):
            if line.strip() and not line.startswith("#"):
                ctx.error(NAME, rel, f"Dòng {number} của etc/passwd không đúng định dạng.")
            continue
        name, _pw, uid, gid, gecos, home, shell = fields[:7]
        if not uid.isdigit():
            ctx.error(NAME, rel, f"Dòng {number} của etc/passwd có UID không phải số.")
            continue
        # Human accounts (UID >= 1000, not "nobody") and root: system accounts cannot log on.
        if int(uid) != 0 and (int(uid) < 1000 or int(uid) == 65534):
            continue
        facts = {
            "user": name,
            "uid": int(uid),
            "gid": int(gid) if gid.isdigit() else None,
            "gecos": gecos,
            "home": home,
            "shell": shell,
            "can_login": not shell.endswith(("nologin", "false")),
        }
        yield Observation(
            "user", f"USER:{name}", NAME, facts, (), (ctx.evidence(rel, f"line {number}", line),)
        )


def _cstr(raw: bytes) -> str:
    return raw.split(b"\x00", 1)[0].decode("utf-8", errors="replace")


def _address(raw: bytes) -> str:
    if not any(raw):
        return ""
    if not any(raw[4:]):
        return str(ipaddress.IPv4Address(raw[:4]))
    return str(ipaddress.IPv6Address(raw))


_LOCAL_HOST = re.compile(r"^(:\d+(\.\d+)?|tty\w*|pts/\d+|127\.[\d.]+|localhost)$")


def is_remote_host(host: str) -> bool:
    """Whether a utmp host names another machine. Local sessions write nothing, an X display
    (":0") or, with GDM on Wayland, their terminal ("tty2")."""
    h = host.strip().lower()
    return not (h in _LOCAL_HOSTS or _LOCAL_HOST.match(h))


def _wtmp(ctx: AuditContext) -> Iterator[Observation]:
    rel = ctx.root.find("var/log/wtmp")
    if rel is None:
        ctx.missing(NAME, "var/log/wtmp", "Không có nhật ký đăng nhập var/log/wtmp.")
        return
    try:
        data = ctx.root.read_bytes(rel)
    except OSError as exc:
        ctx.error(NAME, rel, f"Không đọc được var/log/wtmp: {exc}")
        return
    if len(data) % UTMP.size:
        ctx.error(
            NAME,
            rel,
            f"var/log/wtmp bị cắt cụt ({len(data) % UTMP.size} byte thừa ở "
            "cuối); bản ghi cuối không đọc được.",
        )
    records = []
    for index in range(len(data) // UTMP.size):
        chunk = data[index * UTMP.size : (index + 1) * UTMP.size]
        (ut_type, pid, line, _id, user, host, _term, _exit, _session, sec, usec, addr) = (
            UTMP.unpack(chunk)
        )
        if sec < 0 or not 0 <= usec < 1_000_000:
            ctx.error(NAME, rel, f"Bản ghi wtmp {index} có thời điểm không hợp lệ.")
            continue
        when = _EPOCH + timedelta(seconds=sec, microseconds=usec)
        line_s, user_s, host_s = _cstr(line), _cstr(user), _cstr(host)
        raw = (
            f"ut_type={ut_type} ut_pid={pid} ut_line={line_s} ut_user={user_s} "
            f"ut_host={host_s} ut_tv={sec}.{usec:06d}"
        )
        records.append((index, ut_type, pid, line_s, user_s, host_s, _address(addr), when, raw))
    for pos, (index, ut_type, pid, line, user, host, addr, when, raw) in enumerate(records):
        if ut_type != USER_PROCESS or not user:
            continue
        logout = next(
            (
                r[7]
                for r in records[pos + 1 :]
                if (r[1] == DEAD_PROCESS and r[3] == line) or r[1] == BOOT_TIME
            ),
            None,
        )
        remote = is_remote_host(host) or bool(addr and is_remote_host(addr))
        facts = {
            "user": user,
            "line": line,
            "host": host,
            "address": addr,
            "pid": pid,
            "remote": remote,
        }
        if remote:
            facts["remote_host"] = host or addr  # a logon over the network
        times = [Timestamp("logon_time", when, UTC_LABEL)]
        if logout is not None:
            times.append(Timestamp("logoff_time", logout, UTC_LABEL))
        yield Observation(
            "logon",
            f"LOGON:{user}",
            NAME,
            facts,
            tuple(times),
            (ctx.evidence(rel, f"record {index} (byte {index * UTMP.size})", raw),),
        )
