"""The one device-id parser (devid): instance ids, device paths and wrapper ids of every source,
and one USB stick named the same by USBSTOR, setupapi, Partition 1006 and Kernel-PnP 400."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bmnn.hostaudit import consistency, devid
from bmnn.hostaudit.analysers import by_name
from bmnn.hostaudit.context import AuditContext
from bmnn.hostaudit.root import ArtefactRoot
from tests.hostaudit import files_fixtures as ff
from tests.hostaudit.windows_fixtures import (
    CLASS_DISK,
    DISK_INTERFACE,
    GENERIC_IDENTITY,
    SANDISK_IDENTITY,
    SANDISK_SERIAL,
    build_windows_image,
)

STOR = "Disk&Ven_SanDisk&Prod_Cruzer_Blade&Rev_1.00"


@pytest.mark.parametrize(
    ("text", "identity", "facts"),
    [
        (
            "USB\\VID_0781&PID_5567\\4C530001230101117344",
            "USB:0781/5567/4C530001230101117344",
            {"vid": "0781", "pid": "5567", "serial_synthesised": False},
        ),
        (
            "USB\\VID_046D&PID_C52B&MI_00\\7&2A4F1C4B&0&0000",
            "USB:046d/c52b/7&2A4F1C4B&0&0000",
            {"serial_synthesised": True, "usb_interface": "00"},
        ),
        (
            f"USBSTOR\\{STOR}\\4C530001230101117344&0",
            "USBSTOR:SanDisk/Cruzer_Blade/4C530001230101117344",
            {"serial": "4C530001230101117344", "revision": "1.00", "device_class": "disk"},
        ),
        (  # no vendor string, a serial Windows made up: the LUN "&0" is still not the serial
            "USBSTOR\\Disk&Ven_&Prod_USB_DISK_2.0&Rev_PMAP\\7&1B2C3D&0",
            "USBSTOR:/USB_DISK_2.0/7&1B2C3D",
            {"serial_synthesised": True, "device_class": "disk"},
        ),
        (  # a USBSTOR device part not in the Ven_/Prod_ form is still a USB disk
            "USBSTOR\\garbage\\1",
            "USBSTOR:/garbage/1",
            {"device_class": "disk"},
        ),
        (  # MountedDevices / EMDMgmt device path
            f"\\??\\USBSTOR#{STOR}#4C530001230101117344&0#{DISK_INTERFACE}",
            "USBSTOR:SanDisk/Cruzer_Blade/4C530001230101117344",
            {"serial": "4C530001230101117344", "device_class": "disk"},
        ),
        (  # Kernel-PnP: the stick's volume
            f"STORAGE\\Volume\\_??_USBSTOR#{STOR}#4C530001230101117344&0#{DISK_INTERFACE}",
            "USBSTOR:SanDisk/Cruzer_Blade/4C530001230101117344",
            {"device_class": "disk"},
        ),
        (  # Windows Portable Devices key name, all upper-case as Windows writes it there
            "WPDBUSENUMROOT#UMB#2&37C186B&1&STORAGE#VOLUME#_??_USBSTOR#DISK&VEN_SANDISK&PROD_"
            "CRUZER_BLADE&REV_1.00#4C530001230101117344&0#",
            "USBSTOR:SANDISK/CRUZER_BLADE/4C530001230101117344",
            {"device_class": "disk"},
        ),
        (
            "SWD\\WPDBUSENUM\\_??_USB#VID_04E8&PID_6860&MS_COMP_MTP&SAMSUNG_ANDROID#6&2a3b&0&0000#"
            "{6ac27878-a6fa-4155-ba85-f98f491d4f33}",
            "USB:04e8/6860/6&2a3b&0&0000",
            {"device_class": "wpd", "serial_synthesised": True},
        ),
        (
            "BTHENUM\\{0000110a-0000-1000-8000-00805f9b34fb}_LOCALMFG&000f\\7&2a1b&0&AC5F3E123456_C00000000",
            "BT:ac:5f:3e:12:34:56",
            {"device_class": "bluetooth"},
        ),
    ],
)
def test_parse(text: str, identity: str, facts: dict) -> None:
    device = devid.parse(text)
    assert device is not None and device.identity == identity
    assert facts.items() <= device.facts().items()
    assert device.facts()["instance_id"] == text


@pytest.mark.parametrize(
    "text",
    [
        "PCI\\VEN_8086&DEV_A370\\3&1",
        "ACPI\\PNP0A08\\0",
        "USB\\ROOT_HUB30\\4&1",
        "USBSTOR\\Disk&Ven_X&Prod_Y",  # no instance: not one device
        "SWD\\WPDBUSENUM\\{6ac27878-a6fa-4155-ba85-f98f491d4f33}#0000000000007E00",
        "",
    ],
)
def test_parse_ignores_what_is_not_a_usb_or_bluetooth_device(text: str) -> None:
    assert devid.parse(text) is None


def test_case_of_an_id_changes_nothing_but_its_spelling() -> None:
    mixed = devid.parse(f"USBSTOR\\{STOR}\\4c530001230101117344&0")
    upper = devid.parse(f"USBSTOR\\{STOR.upper()}\\4C530001230101117344&0")
    assert mixed is not None and upper is not None
    assert mixed.identity != upper.identity  # each source's spelling is kept as evidence
    assert devid.identity_key(mixed.identity) == devid.identity_key(upper.identity)
    assert mixed.ref == upper.ref


def test_storage_identity_spells_the_vendor_and_model_as_usbstor_does() -> None:
    assert devid.storage_identity("SanDisk ", "Cruzer Blade", "4C53") == (
        "USBSTOR:SanDisk/Cruzer_Blade/4C53"
    )
    assert devid.device_class("{4D36E967-E325-11CE-BFC1-08002BE10318}") == "disk"
    assert devid.device_class("{00000000-0000-0000-0000-000000000000}") == "other"


def test_one_stick_has_one_identity_and_serial_in_every_windows_source(tmp_path) -> None:
    """USBSTOR (registry), setupapi written upper-case as Windows 7 does, Partition/Diagnostic
    1006 (its ParentId names the USB device) and Kernel-PnP 400: the same stick everywhere."""
    build_windows_image(tmp_path)
    when = ff.DEFAULT_WHEN
    upper_id = f"USBSTOR\\{STOR.upper()}\\{SANDISK_SERIAL}&0"
    ff.write_setupapi(tmp_path, [ff.setupapi_section(upper_id, when, class_guid=CLASS_DISK)])
    ff.write_event_jsonl(
        tmp_path, ff.PARTITION, [ff.partition_1006(7, when, serial=SANDISK_SERIAL)]
    )
    ff.write_event_jsonl(
        tmp_path,
        ff.KERNEL_PNP,
        [
            ff.event(
                ff.KERNEL_PNP,
                "Microsoft-Windows-Kernel-PnP",
                400,
                8,
                when + timedelta(seconds=4),
                {"DeviceInstanceId": f"USBSTOR\\{STOR}\\{SANDISK_SERIAL}&0", "ClassGuid": ""},
            )
        ],
    )
    ctx = AuditContext(ArtefactRoot(tmp_path))
    observations = [
        o for name in ("usb", "setupapi", "win_events") for o in by_name(name).load()(ctx)
    ]
    stick = [
        o
        for o in observations
        if o.kind in ("usb_storage", "usb_event")
        and o.identity.upper().startswith("USBSTOR:")
        and o.identity != GENERIC_IDENTITY  # the image's other drive
    ]
    sources = {(o.analyser, o.facts.get("event_id")) for o in stick}
    assert sources == {("usb", None), ("setupapi", None), ("win_events", 1006), ("win_events", 400)}
    assert {devid.identity_key(o.identity) for o in stick} == {devid.identity_key(SANDISK_IDENTITY)}
    assert {consistency.storage_serials(o)[0] for o in stick} == {SANDISK_SERIAL}
    assert {o.facts["device_class"] for o in stick} == {"disk"}
    # Nothing looks wiped: every trace of the stick is in USBSTOR.
    derived = consistency.derive(ctx, observations)
    assert not [o for o in derived if o.facts["signal"] == "usb_trace_without_usbstor"]
