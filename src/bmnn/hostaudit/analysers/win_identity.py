"""Who the audited Windows machine is, and who uses it: computer name, MachineGuid, Windows
edition, build and install date, time zone; user profiles (ProfileList) and local accounts (SAM,
when its hive is there), merged by SID.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from ..context import AuditContext
from ..model import Evidence, Observation, Timestamp
from ..registry import Hive, Key, filetime, signed32
from ..timezone import TZ_KEY

NAME = "win_identity"

COMPUTER_NAME = r"CurrentControlSet\Control\ComputerName\ComputerName"
TCPIP_PARAMETERS = r"CurrentControlSet\Services\Tcpip\Parameters"
CRYPTOGRAPHY = r"Microsoft\Cryptography"
CURRENT_VERSION = r"Microsoft\Windows NT\CurrentVersion"
PROFILE_LIST = rf"{CURRENT_VERSION}\ProfileList"
SAM_ACCOUNT = r"SAM\Domains\Account"

WELL_KNOWN_SIDS = {"S-1-5-18": "SYSTEM", "S-1-5-19": "LOCAL SERVICE", "S-1-5-20": "NETWORK SERVICE"}
_NEVER = 0x7FFFFFFFFFFFFFFF  # a SAM time that was never set / never expires
_DOMAIN_SID_HEAD = b"\x01\x04\x00\x00\x00\x00\x00\x05\x15\x00\x00\x00"  # S-1-5-21-a-b-c


def _safe_filetime(n: int) -> datetime | None:
    if n in (0, _NEVER):
        return None
    try:
        return filetime(n)
    except ValueError:
        return None


# -- the machine ----------------------------------------------------------------------------
def _identity(ctx: AuditContext, system: Hive | None, software: Hive | None) -> Observation | None:
    facts: dict[str, Any] = {}
    evidence: list[Evidence] = []
    times: list[Timestamp] = []

    def take(hive: Hive | None, path: str, names: dict[str, str]) -> Key | None:
        key = hive.key(path) if hive is not None else None
        if hive is not None and key is not None:
            f, ev = hive.read(key, names)
            for k, v in f.items():
                facts.setdefault(k, v)
            evidence.extend(ev)
        return key

    take(system, COMPUTER_NAME, {"ComputerName": "computer_name"})
    take(system, TCPIP_PARAMETERS, {"Hostname": "tcpip_hostname", "Domain": "domain"})
    take(software, CRYPTOGRAPHY, {"MachineGuid": "machine_guid"})
    cv = take(
        software,
        CURRENT_VERSION,
        {
            "ProductName": "os_product_name",
            "EditionID": "os_edition",
            "DisplayVersion": "os_display_version",
            "ReleaseId": "os_release_id",
            "CurrentBuild": "os_build",
            "CurrentBuildNumber": "os_build_number",
            "UBR": "os_ubr",
            "RegisteredOwner": "registered_owner",
            "RegisteredOrganization": "registered_organization",
            "InstallDate": "install_date_unix",
            "InstallTime": "install_time_filetime",
            "SystemRoot": "system_root",
        },
    )
    tz = take(
        system,
        TZ_KEY,
        {
            "TimeZoneKeyName": "timezone_key_name",
            "Bias": "timezone_bias",
            "ActiveTimeBias": "timezone_active_bias",
        },
    )
    if not facts:
        return None
    for f in ("timezone_bias", "timezone_active_bias"):
        if isinstance(facts.get(f), int):
            facts[f] = signed32(facts[f])  # minutes; UTC = local + bias
    if tz is not None:
        facts["timezone"] = ctx.local_tz()[1]
    if "computer_name" in facts or "tcpip_hostname" in facts:
        facts["hostname"] = facts.get("computer_name") or facts["tcpip_hostname"]
    build = facts.get("os_build") or facts.get("os_build_number")
    name = facts.get("os_product_name")
    if isinstance(name, str):
        facts["os_name"] = name
        # Windows 11 still writes "Windows 10" in ProductName; its builds start at 22000.
        if name.startswith("Windows 10") and str(build).isdigit() and int(str(build)) >= 22000:
            facts["os_name"] = "Windows 11" + name[len("Windows 10") :]
    installed = None
    if isinstance(facts.get("install_time_filetime"), int):
        installed = _safe_filetime(facts["install_time_filetime"])
    if (
        installed is None
        and isinstance(facts.get("install_date_unix"), int)
        and facts["install_date_unix"] > 0
    ):
        installed = datetime.fromtimestamp(facts["install_date_unix"], UTC)
    if installed is not None:
        times.append(Timestamp("installed", installed, "UTC"))
    if cv is not None:
        times.append(Timestamp("key_last_written", cv.last_written, "UTC"))
    label = facts.get("hostname") or facts.get("machine_guid") or "?"
    return Observation("identity", f"HOST:{label}", NAME, facts, times, evidence)


# -- users ----------------------------------------------------------------------------------
def _profiles(software: Hive) -> dict[str, tuple[dict[str, Any], list[Timestamp], list[Evidence]]]:
    out = {}
    root = software.key(PROFILE_LIST)
    for k in root.subkeys() if root is not None else []:
        if not k.name.upper().startswith("S-1-"):
            continue
        facts, evidence = software.read(
            k,
            {
                "ProfileImagePath": "profile_path",
                "LocalProfileLoadTimeHigh": "_load_hi",
                "LocalProfileLoadTimeLow": "_load_lo",
                "LocalProfileUnloadTimeHigh": "_unload_hi",
                "LocalProfileUnloadTimeLow": "_unload_lo",
            },
        )
        times = [Timestamp("key_last_written", k.last_written, "UTC")]
        for prefix, name in (("_load", "profile_loaded"), ("_unload", "profile_unloaded")):
            hi, lo = facts.pop(f"{prefix}_hi", None), facts.pop(f"{prefix}_lo", None)
            if isinstance(hi, int) and isinstance(lo, int):
                when = _safe_filetime(hi << 32 | lo)
                if when is not None:
                    times.append(Timestamp(name, when, "UTC"))
        sid = k.name.upper()
        facts["sid"] = sid
        path = str(facts.get("profile_path", ""))
        facts["user"] = WELL_KNOWN_SIDS.get(sid) or path.replace("/", "\\").rsplit("\\", 1)[-1]
        facts["account_type"] = "system" if sid in WELL_KNOWN_SIDS else "user"
        out[sid] = (facts, times, [software.evidence(k), *evidence])
    return out


def _domain_sid(sam: Hive) -> str | None:
    key = sam.key(SAM_ACCOUNT)
    v = key.value("V") if key is not None else None
    if v is None or not isinstance(v.data, bytes):
        return None
    at = v.raw.rfind(_DOMAIN_SID_HEAD)
    if at < 0 or at + 24 > len(v.raw):
        return None
    a, b, c = struct.unpack_from("<3I", v.raw, at + 12)
    return f"S-1-5-21-{a}-{b}-{c}"


def _v_string(v: bytes, entry: int) -> str | None:
    """String number `entry` of a SAM user's V value (1 user name, 2 full name, 3 comment)."""
    head = 12 * entry
    if len(v) < head + 8:
        return None
    off, length = struct.unpack_from("<II", v, head)
    start = 0xCC + off
    if length == 0 or start + length > len(v):
        return None
    return v[start : start + length].decode("utf-16-le", errors="replace").strip() or None


def _sam_users(
    ctx: AuditContext, sam: Hive
) -> list[tuple[dict[str, Any], list[Timestamp], list[Evidence]]]:
    users = sam.key(rf"{SAM_ACCOUNT}\Users")
    names = users.subkey("Names") if users is not None else None
    if users is None or names is None:
        ctx.missing(
            NAME, f"{sam.rel}:{SAM_ACCOUNT}\\Users", "Hive SAM không có danh sách tài khoản."
        )
        return []
    domain = _domain_sid(sam)
    out = []
    for nk in names.subkeys():
        default = nk.value(None)
        if default is None:
            continue
        rid = default.type  # the RID is kept as the default value's TYPE
        facts: dict[str, Any] = {"user": nk.name, "rid": rid, "account_type": "local"}
        evidence = [sam.evidence(nk, default)]
        times = []
        if domain:
            facts["sid"] = f"{domain}-{rid}"
        account = users.subkey(f"{rid:08X}")
        f = account.value("F") if account is not None else None
        if account is not None and f is not None and len(f.raw) >= 0x44:
            raw = f.raw
            evidence.append(sam.evidence(account, f))
            for off, name in (
                (0x08, "last_logon"),
                (0x18, "password_last_set"),
                (0x28, "last_failed_logon"),
            ):
                when = _safe_filetime(struct.unpack_from("<Q", raw, off)[0])
                if when is not None:
                    times.append(Timestamp(name, when, "UTC"))
            acb = struct.unpack_from("<H", raw, 0x38)[0]
            facts["disabled"] = bool(acb & 0x0001)
            facts["logon_count"] = struct.unpack_from("<H", raw, 0x42)[0]
        v = account.value("V") if account is not None else None
        if account is not None and v is not None:
            full = _v_string(v.raw, 2)
            if full:
                facts["full_name"] = full
                evidence.append(sam.evidence(account, "V"))
        out.append((facts, times, evidence))
    return out


def _users(ctx: AuditContext, software: Hive | None) -> Iterator[Observation]:
    profiles = _profiles(software) if software is not None else {}
    sam = ctx.hive("SAM")
    merged = []
    for facts, times, evidence in _sam_users(ctx, sam) if sam is not None else []:
        profile = profiles.pop(str(facts.get("sid", "")), None)
        facts["sources"] = ["SAM"]
        if profile is not None:
            pf, pt, pe = profile
            facts = {**pf, **facts, "sources": ["ProfileList", "SAM"]}
            times, evidence = [*pt, *times], [*pe, *evidence]
        merged.append((facts, times, evidence))
    for pf, pt, pe in profiles.values():
        merged.append(({**pf, "sources": ["ProfileList"]}, pt, pe))
    for facts, times, evidence in merged:
        yield Observation("user", f"USER:{facts['user']}", NAME, facts, times, evidence)


def analyse(ctx: AuditContext) -> Iterator[Observation]:
    system = ctx.hive("SYSTEM")
    software = ctx.hive("SOFTWARE")
    identity = _identity(ctx, system, software)
    if identity is not None:
        yield identity
    yield from _users(ctx, software)
