"""Is the machine locked down? Removable-storage access policy, device-installation restrictions,
the USB storage driver's start mode and AutoRun, each as a `policy` observation holding the value
found or "absent" (read, and not set). Nothing is reported for a hive that could not be read:
an unread policy is unknown, never "absent".
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ..context import AuditContext
from ..model import Observation, Timestamp
from ..registry import Hive

NAME = "win_posture"

REMOVABLE_STORAGE = r"Policies\Microsoft\Windows\RemovableStorageDevices"
DEVICE_INSTALL = r"Policies\Microsoft\Windows\DeviceInstall\Restrictions"
EXPLORER_POLICIES = r"Microsoft\Windows\CurrentVersion\Policies\Explorer"
USBSTOR_SERVICE = r"CurrentControlSet\Services\USBSTOR"

# Removable-storage classes of the Group Policy "Removable Storage Access".
STORAGE_CLASSES: dict[str, str] = {
    "{53f5630d-b6bf-11d0-94f2-00a0c91efb8b}": "removable_disks",
    "{53f56308-b6bf-11d0-94f2-00a0c91efb8b}": "cd_dvd",
    "{53f56311-b6bf-11d0-94f2-00a0c91efb8b}": "floppy",
    "{53f5630b-b6bf-11d0-94f2-00a0c91efb8b}": "tape",
    "{6ac27878-a6fa-4155-ba85-f98f491d4f33}": "wpd_devices",
    "{f33fdc04-d1ac-4e8e-9a30-19bbd4b108ae}": "wpd_devices_legacy",
    # Not a class of the Group Policy, but some lock-down scripts write the disk interface GUID.
    "{53f56307-b6bf-11d0-94f2-00a0c91efb8b}": "disk_interface",
}
ACCESS_VALUES = ("Deny_Read", "Deny_Write", "Deny_Execute")
DEVICE_INSTALL_VALUES = (
    "DenyRemovableDevices",
    "DenyDeviceClasses",
    "DenyDeviceIDs",
    "DenyUnspecified",
    "AllowDeviceClasses",
    "AllowDeviceIDs",
)
# NoDriveTypeAutoRun bits (Explorer): which drive types AutoRun is turned off for.
AUTORUN_BITS: dict[int, str] = {
    0x01: "unknown",
    0x04: "removable",
    0x08: "fixed",
    0x10: "network",
    0x20: "cdrom",
    0x40: "ramdisk",
    0x80: "unknown_type",
}
USBSTOR_START: dict[int, str] = {
    0: "boot",
    1: "system",
    2: "automatic",
    3: "on_demand",
    4: "disabled",
}


def _policy(
    ctx: AuditContext,
    hive: Hive,
    path: str,
    value_name: str,
    policy: str,
    scope: str,
    user: str | None = None,
    extra: dict[str, Any] | None = None,
    list_subkey: bool = False,
) -> Observation:
    """One policy value: what it holds, or "absent" when the (readable) hive does not set it.
    With `list_subkey`, a list policy (DenyDeviceClasses) also gathers its subkey's items."""
    key = hive.key(path)
    value = key.value(value_name) if key is not None else None
    facts: dict[str, Any] = {
        "policy": policy,
        "scope": scope,
        "hive": hive.name,
        "key": key.path if key is not None else path,
        "value_name": value_name,
        **(extra or {}),
    }
    if user is not None:
        facts["user"] = user
    times = []
    if value is None:
        facts["value"] = "absent"
        evidence = [
            hive.evidence(key, value_name)
            if key is not None
            else ctx.evidence(hive.rel, f"{path}\\{value_name}", "")
        ]
    else:
        facts["value"] = value.data.strip() if isinstance(value.data, str) else value.data
        evidence = [hive.evidence(key, value)] if key is not None else []
    if key is not None:
        times.append(Timestamp("key_last_written", key.last_written, "UTC"))
        items_key = key.subkey(value_name) if list_subkey else None
        if items_key is not None:
            items = [
                str(v.data).strip()
                for v in items_key.values().values()
                if isinstance(v.data, str) and v.data.strip()
            ]
            facts["items"] = items
            evidence.append(hive.evidence(items_key))
    return Observation(
        "policy", f"POLICY:{policy}" + (f"@{user}" if user else ""), NAME, facts, times, evidence
    )


def _autorun(obs: Observation) -> Observation:
    value = obs.facts["value"]
    if not isinstance(value, int):
        return obs
    facts = dict(obs.facts)
    facts["autorun_disabled_for"] = [name for bit, name in AUTORUN_BITS.items() if value & bit]
    return Observation(obs.kind, obs.identity, obs.analyser, facts, obs.times, obs.evidence)


def _machine(ctx: AuditContext, software: Hive) -> Iterator[Observation]:
    yield _policy(
        ctx, software, REMOVABLE_STORAGE, "Deny_All", "removable_storage.deny_all", "machine"
    )
    for guid, cls in STORAGE_CLASSES.items():
        for access in ACCESS_VALUES:
            yield _policy(
                ctx,
                software,
                rf"{REMOVABLE_STORAGE}\{guid}",
                access,
                f"removable_storage.{cls}.{access.lower()}",
                "machine",
                extra={"storage_class": cls, "class_guid": guid},
            )
    for value_name in DEVICE_INSTALL_VALUES:
        yield _policy(
            ctx,
            software,
            DEVICE_INSTALL,
            value_name,
            f"device_install.{value_name.lower()}",
            "machine",
            list_subkey=value_name
            in ("DenyDeviceClasses", "DenyDeviceIDs", "AllowDeviceClasses", "AllowDeviceIDs"),
        )
    yield _autorun(
        _policy(
            ctx,
            software,
            EXPLORER_POLICIES,
            "NoDriveTypeAutoRun",
            "autorun.no_drive_type_autorun",
            "machine",
        )
    )
    yield _policy(ctx, software, EXPLORER_POLICIES, "NoAutorun", "autorun.no_autorun", "machine")


def _user(ctx: AuditContext, user: str, hive: Hive) -> Iterator[Observation]:
    yield _policy(
        ctx,
        hive,
        rf"Software\{REMOVABLE_STORAGE}",
        "Deny_All",
        "removable_storage.deny_all",
        "user",
        user,
    )
    yield _autorun(
        _policy(
            ctx,
            hive,
            rf"Software\{EXPLORER_POLICIES}",
            "NoDriveTypeAutoRun",
            "autorun.no_drive_type_autorun",
            "user",
            user,
        )
    )


def analyse(ctx: AuditContext) -> Iterator[Observation]:
    software = ctx.hive("SOFTWARE")
    if software is not None:
        yield from _machine(ctx, software)
    system = ctx.hive("SYSTEM")
    if system is not None and system.control_set() is not None:
        obs = _policy(ctx, system, USBSTOR_SERVICE, "Start", "usbstor.start", "machine")
        if isinstance(obs.facts["value"], int):
            facts = dict(obs.facts, start_mode=USBSTOR_START.get(obs.facts["value"], "unknown"))
            obs = Observation(obs.kind, obs.identity, obs.analyser, facts, obs.times, obs.evidence)
        yield obs
    for user, hive in ctx.user_hives():
        yield from _user(ctx, user, hive)
