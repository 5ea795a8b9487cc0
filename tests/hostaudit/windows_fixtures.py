"""A folder laid out like a mounted Windows disk, with real hive files made by hive_writer:
SYSTEM, SOFTWARE, SAM and each user's NTUSER.DAT, holding USB storage (a SanDisk with its serial,
a drive whose serial Windows synthesised), phones (an iPhone, a Samsung MTP phone), an RNDIS
tethering interface, a printer, a Bluetooth pairing, network profiles (wired, Wi-Fi, mobile),
adapters, installed programs and lock-down policies.

    image = build_windows_image(tmp_path, WindowsImageOptions(omit={"networklist"}))
    image.root  # the folder to audit

Dates are parameters so a test can put the history before or after 01/03/2026. Network dates
are LOCAL times of the machine (SE Asia Standard Time, UTC+7) as NetworkList stores them.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from tests.hostaudit.hive_writer import HiveWriter, WKey, systemtime_bytes, to_filetime

PROPS = r"Properties\{83da6326-97a6-4088-9453-a1923f573b29}"
CLASS_USB = "{36fc9e60-c465-11cf-8056-444553540000}"
CLASS_DISK = "{4d36e967-e325-11ce-bfc1-08002be10318}"
CLASS_NET = "{4d36e972-e325-11ce-bfc1-08002be10318}"
CLASS_PRINTER = "{4d36e979-e325-11ce-bfc1-08002be10318}"
CLASS_WPD = "{eec5ad98-8080-425f-922a-dabf3de3f69a}"
DISK_INTERFACE = "{53f56307-b6bf-11d0-94f2-00a0c91efb8b}"

# What the image holds, for tests to compare with.
SANDISK_DEVICE = "Disk&Ven_SanDisk&Prod_Cruzer_Blade&Rev_1.00"
SANDISK_SERIAL = "4C530001230623113044"
SANDISK_IDENTITY = f"USBSTOR:SanDisk/Cruzer_Blade/{SANDISK_SERIAL}"
SANDISK_VOLUME_GUID = "{e5f6a7b8-1234-11ef-9a6b-806e6f6e6963}"
SANDISK_VSN_DECIMAL = 1165573081  # 0x45793BD9
SANDISK_VSN = "4579-3BD9"
SANDISK_LABEL = "TAILIEU"
GENERIC_DEVICE = "Disk&Ven_Generic&Prod_Flash_Disk&Rev_8.07"
GENERIC_INSTANCE = "7&2A8B9C1D&0"
GENERIC_IDENTITY = "USBSTOR:Generic/Flash_Disk/7&2A8B9C1D"
IPHONE_SERIAL = "00008030001E2C3A0C87802E"
IPHONE_IDENTITY = f"USB:05ac/12a8/{IPHONE_SERIAL}"
SAMSUNG_SERIAL = "R58M12ABCDE"
SAMSUNG_IDENTITY = f"USB:04e8/6860/{SAMSUNG_SERIAL}"
SAMSUNG_MODEL = "Galaxy A52"
PIXEL_SERIAL = "9B061FFAZ001"
PIXEL_IDENTITY = f"USB:18d1/4ee4/{PIXEL_SERIAL}"
PRINTER_IDENTITY = "USB:03f0/2b17/VNC3K12345"
BT_MAC = "00:1a:7d:da:71:13"
WIRED_PROFILE = "{0b1c2d3e-4f50-4a6b-8c7d-9e0f1a2b3c4d}"
WIFI_PROFILE = "{1c2d3e4f-5061-4b7c-9d8e-0f1a2b3c4d5e}"
MOBILE_PROFILE = "{2d3e4f50-6172-4c8d-ae9f-1a2b3c4d5e6f}"
WIFI_SSID = "Cafe Sua Da"
WIFI_GATEWAY_MAC = "a4:2b:b0:11:22:33"
WIRED_GATEWAY_MAC = "00:1b:21:aa:bb:cc"
ETH_GUID = "{7a1b2c3d-0001-4e5f-8a9b-0c1d2e3f4a5b}"
WIFI_GUID = "{7a1b2c3d-0002-4e5f-8a9b-0c1d2e3f4a5b}"
RNDIS_GUID = "{7a1b2c3d-0003-4e5f-8a9b-0c1d2e3f4a5b}"
MACHINE_GUID = "3f2504e0-4f89-41d3-9a0c-0305e82c3301"
DOMAIN_SID = "S-1-5-21-1004336348-1177238915-682003330"
USER_RID = 1001
USER_SID = f"{DOMAIN_SID}-{USER_RID}"
INSTALL_UNIX = 1_735_700_400  # 2025-01-01 03:00 UTC

VN = timedelta(hours=7)


@dataclass
class WindowsImageOptions:
    computer_name: str = "MAY-SOAN-THAO-01"
    user: str = "nguyenvana"
    # USB storage PnP properties (UTC FILETIMEs).
    usb_first_install: datetime = datetime(2025, 11, 3, 2, 15, tzinfo=UTC)
    usb_last_arrival: datetime = datetime(2026, 3, 10, 1, 30, tzinfo=UTC)
    usb_last_removal: datetime = datetime(2026, 3, 10, 3, 45, tzinfo=UTC)
    # NetworkList dates, LOCAL time of the machine (naive).
    wifi_created: datetime = datetime(2025, 10, 1, 8, 0, 0)
    wifi_last_connected: datetime = datetime(2026, 3, 12, 9, 30, 0)
    wired_created: datetime = datetime(2025, 1, 2, 7, 45, 0)
    wired_last_connected: datetime = datetime(2026, 4, 1, 8, 5, 0)
    mobile_created: datetime = datetime(2025, 12, 20, 20, 10, 0)
    mobile_last_connected: datetime = datetime(2025, 12, 21, 6, 0, 0)
    # Lock-down policies; None leaves the value out.
    deny_all: int | None = None
    no_drive_type_autorun: int | None = 255
    usbstor_start: int = 3
    deny_device_classes: tuple[str, ...] = ()  # Device Installation Restrictions, class GUIDs
    timezone_key: str = "SE Asia Standard Time"
    bias: int = -420
    # Parts to leave out: system, software, sam, ntuser, usbstor, usb, mounted_devices, bthport,
    # tcpip, timezone, computer_name, select, networklist, signatures, network_cards, uninstall,
    # policies, wpd, emdmgmt, profile_list, properties.
    omit: frozenset[str] | set[str] = field(default_factory=frozenset)


@dataclass
class WindowsImage:
    root: Path
    options: WindowsImageOptions
    hives: dict[str, Path]


def _usbstor_path(device: str, instance: str) -> str:
    return f"_??_USBSTOR#{device}#{instance}#{DISK_INTERFACE}"


def _times(key: WKey, o: WindowsImageOptions, first: datetime | None = None) -> None:
    """The four PnP property times of a device instance (0064..0067)."""
    if "properties" in o.omit:
        return
    first = first or o.usb_first_install
    key.filetime(rf"{PROPS}\0064", None, first)
    key.filetime(rf"{PROPS}\0065", None, first)
    key.filetime(rf"{PROPS}\0066", None, o.usb_last_arrival)
    key.filetime(rf"{PROPS}\0067", None, o.usb_last_removal)


def build_system(o: WindowsImageOptions) -> HiveWriter:
    h = HiveWriter("SYSTEM")
    if "select" not in o.omit:
        h.key("Select").dwords({"Current": 1, "Default": 1, "LastKnownGood": 1, "Failed": 0})
    cs = h.key("ControlSet001")
    # An older control set that must NOT be read: Select\Current points to 001.
    h.key(r"ControlSet002\Control\ComputerName\ComputerName").sz("ComputerName", "TEN-CU")
    if "computer_name" not in o.omit:
        cs.key(r"Control\ComputerName\ComputerName").sz("ComputerName", o.computer_name)
        cs.key(r"Services\Tcpip\Parameters").strings(
            {"Hostname": o.computer_name.lower(), "Domain": ""}
        )
    if "timezone" not in o.omit:
        tz = cs.key(r"Control\TimeZoneInformation")
        tz.strings({"TimeZoneKeyName": o.timezone_key, "StandardName": "@tzres.dll,-562"})
        tz.dwords({"Bias": o.bias, "ActiveTimeBias": o.bias, "StandardBias": 0, "DaylightBias": 0})
        tz.dword("DynamicDaylightTimeDisabled", 0)
        tz.binary("StandardStart", bytes(16)).binary("DaylightStart", bytes(16))  # no DST
    if "usbstor" not in o.omit:
        k = cs.key(rf"Enum\USBSTOR\{SANDISK_DEVICE}\{SANDISK_SERIAL}&0", written=o.usb_last_arrival)
        k.strings(
            {
                "FriendlyName": "SanDisk Cruzer Blade USB Device",
                "ContainerID": "{a1b2c3d4-0000-5678-9abc-def012345678}",
                "ClassGUID": CLASS_DISK,
                "Service": "disk",
                "DeviceDesc": "@disk.inf,%disk_devdesc%;Disk drive",
                "Mfg": "@disk.inf,%genmanufacturer%;(Standard disk drives)",
            }
        )
        k.multi_sz("HardwareID", [r"USBSTOR\DiskSanDisk_Cruzer_Blade___1.00", r"USBSTOR\GenDisk"])
        k.key(r"Device Parameters\Partmgr").sz("DiskId", "{9c1f3a2e-5b6d-11ef-8a6b-806e6f6e6963}")
        _times(k, o)
        g = cs.key(
            rf"Enum\USBSTOR\{GENERIC_DEVICE}\{GENERIC_INSTANCE}",
            written=datetime(2025, 6, 1, 4, 0, tzinfo=UTC),
        )
        g.strings({"FriendlyName": "Generic Flash Disk USB Device", "ClassGUID": CLASS_DISK})
        _times(g, o, first=datetime(2025, 6, 1, 3, 58, tzinfo=UTC))
    if "usb" not in o.omit:
        usb = cs.key(r"Enum\USB")
        usb.key(r"ROOT_HUB30\4&1a2b3c4d&0&0").sz("Service", "USBHUB3")
        k = usb.key(rf"VID_0781&PID_5567\{SANDISK_SERIAL}", written=o.usb_last_arrival)
        k.strings(
            {
                "Service": "USBSTOR",
                "ClassGUID": CLASS_USB,
                "Class": "USB",
                "DeviceDesc": "@usbstor.inf,%usbstor.devicedesc%;USB Mass Storage Device",
                "ParentIdPrefix": "8&1f2e3d4c&0",
            }
        )
        _times(k, o)
        # iPhone: a composite parent with the serial, and its interfaces.
        k = usb.key(rf"VID_05AC&PID_12A8\{IPHONE_SERIAL}")
        k.strings(
            {
                "Service": "usbccgp",
                "ClassGUID": CLASS_USB,
                "ParentIdPrefix": "6&1b2c3d4e&0",
                "DeviceDesc": "@usb.inf,%composite%;Apple Mobile Device USB Composite Device",
                "Mfg": "@usb.inf,%apple%;Apple, Inc.",
                "ContainerID": "{c0ffee00-1111-2222-3333-444455556666}",
            }
        )
        _times(k, o, first=datetime(2025, 9, 9, 1, 0, tzinfo=UTC))
        usb.key(r"VID_05AC&PID_12A8&MI_00\6&1b2c3d4e&0&0000").strings(
            {
                "Service": "WUDFWpdFs",
                "ClassGUID": CLASS_WPD,
                "Class": "WPD",
                "FriendlyName": "Apple iPhone",
            }
        )
        usb.key(r"VID_05AC&PID_12A8&MI_01\6&1b2c3d4e&0&0001").strings(
            {
                "Service": "usbaapl64",
                "ClassGUID": CLASS_USB,
                "DeviceDesc": "Apple Mobile Device USB Device",
            }
        )
        # Samsung phone in MTP mode.
        samsung_container = "{5a5a5a5a-0000-1111-2222-333344445555}"
        k = usb.key(rf"VID_04E8&PID_6860\{SAMSUNG_SERIAL}")
        k.strings(
            {
                "Service": "usbccgp",
                "ClassGUID": CLASS_USB,
                "ParentIdPrefix": "7&2b4c6a7&0",
                "DeviceDesc": "SAMSUNG Mobile USB Composite Device",
                "ContainerID": samsung_container,
            }
        )
        _times(k, o, first=datetime(2026, 3, 5, 2, 0, tzinfo=UTC))
        usb.key(r"VID_04E8&PID_6860&MI_00\7&2b4c6a7&0&0000").strings(
            {
                "Service": "WUDFWpdMtp",
                "ClassGUID": CLASS_WPD,
                "Class": "WPD",
                "FriendlyName": SAMSUNG_MODEL,
                "ContainerID": samsung_container,
            }
        )
        # Android phone sharing its Internet connection over USB (RNDIS).
        k = usb.key(rf"VID_18D1&PID_4EE4\{PIXEL_SERIAL}")
        k.strings({"Service": "usbccgp", "ClassGUID": CLASS_USB, "ParentIdPrefix": "8&3c5d7e9&0"})
        _times(k, o, first=datetime(2026, 3, 20, 6, 0, tzinfo=UTC))
        usb.key(r"VID_18D1&PID_4EE4&MI_00\8&3c5d7e9&0&0000").strings(
            {
                "Service": "usb_rndisx",
                "ClassGUID": CLASS_NET,
                "Class": "Net",
                "DeviceDesc": "@oem12.inf,%rndis%;Remote NDIS based Internet Sharing Device",
            }
        )
        # A printer (an allowed exception for the rules).
        usb.key(r"VID_03F0&PID_2B17\VNC3K12345").strings(
            {
                "Service": "usbprint",
                "ClassGUID": CLASS_PRINTER,
                "Class": "Printer",
                "FriendlyName": "HP LaserJet 1020",
            }
        )
    if "wpd" not in o.omit:
        wpd = cs.key(r"Enum\SWD\WPDBUSENUM")
        wpd.key("{7f1e2d3c-aaaa-bbbb-cccc-000000000001}#0000000000100000").strings(
            {
                "FriendlyName": SAMSUNG_MODEL,
                "ContainerID": "{5a5a5a5a-0000-1111-2222-333344445555}",
            }
        )
        # A USB drive as a portable device: named by its letter, as Windows does without a label.
        wpd.key(_usbstor_path(SANDISK_DEVICE, SANDISK_SERIAL + "&0")).sz("FriendlyName", "E:\\")
    if "bthport" not in o.omit:
        bt = cs.key(r"Services\BTHPORT\Parameters")
        d = bt.key(rf"Devices\{BT_MAC.replace(':', '')}")
        d.binary("Name", SAMSUNG_MODEL.encode() + b"\0").dword("COD", 0x5A020C)  # a phone
        d.qword("LastSeen", to_filetime(datetime(2026, 3, 5, 2, 30, tzinfo=UTC)))
        d.qword("LastConnected", to_filetime(datetime(2026, 3, 5, 2, 10, tzinfo=UTC)))
        bt.key(r"Keys\5cf37063a1b2").binary(BT_MAC.replace(":", ""), bytes(range(16)))
    cs.key(r"Services\USBSTOR").dword("Start", o.usbstor_start)
    if "tcpip" not in o.omit:
        ifs = cs.key(r"Services\Tcpip\Parameters\Interfaces")
        eth = ifs.key(ETH_GUID).dword("EnableDHCP", 0)
        eth.multi_sz("IPAddress", ["10.1.2.3"]).multi_sz("SubnetMask", ["255.255.255.0"])
        eth.multi_sz("DefaultGateway", ["10.1.2.1"])
        wifi = ifs.key(WIFI_GUID).dword("EnableDHCP", 1)
        wifi.strings(
            {
                "DhcpIPAddress": "192.168.1.23",
                "DhcpSubnetMask": "255.255.255.0",
                "DhcpServer": "192.168.1.1",
                "DhcpDomain": "home",
            }
        )
        wifi.multi_sz("DhcpDefaultGateway", ["192.168.1.1"])
        wifi.dwords(
            {
                "LeaseObtainedTime": int(datetime(2026, 3, 12, 2, 30, tzinfo=UTC).timestamp()),
                "LeaseTerminatesTime": int(datetime(2026, 3, 13, 2, 30, tzinfo=UTC).timestamp()),
            }
        )
        ifs.key(RNDIS_GUID).dword("EnableDHCP", 1).sz("DhcpIPAddress", "192.168.42.129")
    if "mounted_devices" not in o.omit:
        md = h.key("MountedDevices")
        fixed = bytes.fromhex("a1b2c3d4") + struct.pack("<Q", 0x100000)  # MBR signature+offset
        md.binary("\\DosDevices\\C:", fixed)
        md.binary("\\??\\Volume{0a0b0c0d-0000-0000-0000-100000000000}", fixed)
        usb_path = _usbstor_path(SANDISK_DEVICE, SANDISK_SERIAL + "&0").encode("utf-16-le")
        md.binary("\\DosDevices\\E:", usb_path)
        md.binary(f"\\??\\Volume{SANDISK_VOLUME_GUID}", usb_path)
    return h


def _profile(k: WKey, name: str, name_type: int, category: int, dates: tuple[datetime, datetime]):
    """A NetworkList profile; its dates are local SYSTEMTIMEs, as Windows writes them."""
    k.strings({"ProfileName": name, "Description": name})
    k.dwords({"Managed": 0, "Category": category, "NameType": name_type})
    k.binary("DateCreated", systemtime_bytes(dates[0]))
    k.binary("DateLastConnected", systemtime_bytes(dates[1]))


def _signature(k: WKey, profile: str, name: str, dns_suffix: str, gateway_mac: str) -> None:
    k.strings(
        {"ProfileGuid": profile, "Description": name, "DnsSuffix": dns_suffix, "FirstNetwork": name}
    )
    k.dword("Source", 8)
    k.binary("DefaultGatewayMac", bytes.fromhex(gateway_mac.replace(":", "")))


def _uninstall(
    k: WKey, name: str, publisher: str, version: str, date: str = "", location: str = ""
) -> None:
    k.strings({"DisplayName": name, "Publisher": publisher, "DisplayVersion": version})
    if date:
        k.sz("InstallDate", date)
    if location:
        k.sz("InstallLocation", location)


def build_software(o: WindowsImageOptions) -> HiveWriter:
    h = HiveWriter(r"emRoot\System32\Config\SOFTWARE")
    ms = h.key("Microsoft")
    ms.key("Cryptography").sz("MachineGuid", MACHINE_GUID)
    cv = ms.key(r"Windows NT\CurrentVersion", written=datetime(2025, 1, 1, 3, 30, tzinfo=UTC))
    cv.strings(
        {
            "ProductName": "Windows 10 Pro",
            "EditionID": "Professional",
            "DisplayVersion": "22H2",
            "CurrentBuild": "19045",
            "CurrentBuildNumber": "19045",
            "RegisteredOwner": "Phòng Hành chính",
        }
    )
    cv.dwords({"UBR": 4291, "InstallDate": INSTALL_UNIX})
    if "profile_list" not in o.omit:
        pl = cv.key("ProfileList")
        system = r"%systemroot%\system32\config\systemprofile"
        pl.key("S-1-5-18").expand_sz("ProfileImagePath", system)
        load = to_filetime(datetime(2026, 4, 2, 1, 0, tzinfo=UTC))
        user = pl.key(USER_SID).expand_sz("ProfileImagePath", rf"C:\Users\{o.user}")
        user.dwords(
            {"LocalProfileLoadTimeHigh": load >> 32, "LocalProfileLoadTimeLow": load & 0xFFFFFFFF}
        )
    if "networklist" not in o.omit:
        nl = cv.key("NetworkList")
        _profile(
            nl.key(rf"Profiles\{WIRED_PROFILE}"),
            "MANG-NOI-BO",
            0x06,
            2,
            (o.wired_created, o.wired_last_connected),
        )
        _profile(
            nl.key(rf"Profiles\{WIFI_PROFILE}"),
            WIFI_SSID,
            0x47,
            0,
            (o.wifi_created, o.wifi_last_connected),
        )
        _profile(
            nl.key(rf"Profiles\{MOBILE_PROFILE}"),
            "Viettel",
            0xF3,
            0,
            (o.mobile_created, o.mobile_last_connected),
        )
        if "signatures" not in o.omit:
            sig = nl.key(r"Signatures\Unmanaged")
            # Windows writes the profile GUID in upper case here.
            _signature(
                sig.key("010103000F0000F0080000000F0000F0A1B2C3D4E5F60718293A4B5C6D7E8F90"),
                WIFI_PROFILE.upper(),
                WIFI_SSID,
                "<none>",
                WIFI_GATEWAY_MAC,
            )
            _signature(
                sig.key("010103000F0000F0080000000F0000F0B2C3D4E5F60718293A4B5C6D7E8F9001"),
                WIRED_PROFILE,
                "MANG-NOI-BO",
                "coquan.local",
                WIRED_GATEWAY_MAC,
            )
    if "network_cards" not in o.omit:
        nc = cv.key("NetworkCards")
        for number, description, guid in (
            ("2", "Intel(R) Ethernet Connection (7) I219-LM", ETH_GUID),
            ("5", "Intel(R) Wi-Fi 6 AX201 160MHz", WIFI_GUID),
            ("9", "Remote NDIS based Internet Sharing Device", RNDIS_GUID),
        ):
            nc.key(number).strings({"Description": description, "ServiceName": guid})
    if "emdmgmt" not in o.omit:
        name = _usbstor_path(SANDISK_DEVICE, SANDISK_SERIAL + "&0")
        emd = cv.key(rf"EMDMgmt\{name}{SANDISK_LABEL}_{SANDISK_VSN_DECIMAL}")
        emd.qword("LastTestedTime", 0).dword("DeviceStatus", 2)
        cache = ms.key(r"Windows Search\VolumeInfoCache\E:")
        cache.sz("VolumeLabel", SANDISK_LABEL).dword("DriveType", 2)  # 2: removable
    if "wpd" not in o.omit:
        wpd = ms.key(r"Windows Portable Devices\Devices")
        wpd_class = "{6ac27878-a6fa-4155-ba85-f98f491d4f33}"
        wpd.key(f"USB#VID_04E8&PID_6860&MI_00#7&2b4c6a7&0&0000#{wpd_class}").sz(
            "FriendlyName", SAMSUNG_MODEL
        )
        wpd.key(f"USB#VID_05AC&PID_12A8&MI_00#6&1b2c3d4e&0&0000#{wpd_class}").sz(
            "FriendlyName", "Apple iPhone"
        )
        volume = (
            "WPDBUSENUMROOT#UMB#2&37C186B&0&STORAGE#VOLUME#_??_USBSTOR#"
            f"DISK&VEN_SANDISK&PROD_CRUZER_BLADE&REV_1.00#{SANDISK_SERIAL}&0#"
        )
        wpd.key(volume).sz("FriendlyName", SANDISK_LABEL)
    if "uninstall" not in o.omit:
        un = ms.key(r"Windows\CurrentVersion\Uninstall")
        _uninstall(
            un.key("UltraViewer_is1", written=datetime(2026, 3, 15, 2, 0, tzinfo=UTC)),
            "UltraViewer version 6.6.110",
            "DucFabulous",
            "6.6.110",
            "20260315",
            r"C:\Program Files (x86)\UltraViewer",
        )
        _uninstall(
            un.key("OpenVPN"), "OpenVPN 2.6.8-I001 amd64", "OpenVPN, Inc.", "2.6.8", "20251120"
        )
        _uninstall(un.key("CCleaner"), "CCleaner", "Piriform", "6.20", "20260402")
        _uninstall(un.key("7-Zip"), "7-Zip 23.01 (x64)", "Igor Pavlov", "23.01", "20250105")
        un.key("KB5034441").sz("ParentKeyName", "OperatingSystem")  # no DisplayName: skipped
        wow = h.key(r"WOW6432Node\Microsoft\Windows\CurrentVersion\Uninstall")
        _uninstall(wow.key("TeamViewer"), "TeamViewer", "TeamViewer", "15.51.5", "20251201")
    if "policies" not in o.omit:
        pol = h.key(r"Policies\Microsoft\Windows\RemovableStorageDevices")
        if o.deny_all is not None:
            pol.dword("Deny_All", o.deny_all)
        if o.deny_device_classes:
            restrictions = h.key(r"Policies\Microsoft\Windows\DeviceInstall\Restrictions")
            restrictions.dword("DenyDeviceClasses", 1)
            listed = restrictions.key("DenyDeviceClasses")
            for i, guid in enumerate(o.deny_device_classes, 1):
                listed.sz(str(i), guid)
        explorer = ms.key(r"Windows\CurrentVersion\Policies\Explorer")
        if o.no_drive_type_autorun is not None:
            explorer.dword("NoDriveTypeAutoRun", o.no_drive_type_autorun)
    return h


def build_ntuser(o: WindowsImageOptions) -> HiveWriter:
    h = HiveWriter(rf"\??\C:\Users\{o.user}\ntuser.dat")
    mp = h.key(r"Software\Microsoft\Windows\CurrentVersion\Explorer\MountPoints2")
    mp.key(SANDISK_VOLUME_GUID, written=o.usb_last_arrival)
    mp.key("##fileserver#tailieu", written=datetime(2025, 12, 1, 2, 0, tzinfo=UTC))
    if "uninstall" not in o.omit:
        un = h.key(r"Software\Microsoft\Windows\CurrentVersion\Uninstall")
        _uninstall(un.key("Zalo"), "Zalo", "VNG Corp.", "24.9.1", "20260310")
        _uninstall(
            un.key("OneDriveSetup.exe"), "Microsoft OneDrive", "Microsoft Corporation", "24.1.0"
        )
    return h


def _sam_f(last_logon: datetime, disabled: bool, rid: int, logons: int) -> bytes:
    f = bytearray(0x50)
    struct.pack_into("<HH", f, 0, 2, 1)
    struct.pack_into("<Q", f, 0x08, to_filetime(last_logon))
    struct.pack_into("<Q", f, 0x18, to_filetime(datetime(2025, 1, 1, 4, 0, tzinfo=UTC)))
    struct.pack_into("<Q", f, 0x20, 0x7FFFFFFFFFFFFFFF)  # never expires
    struct.pack_into("<I", f, 0x30, rid)
    struct.pack_into("<H", f, 0x38, 0x0211 if disabled else 0x0210)
    struct.pack_into("<HH", f, 0x40, 0, logons)
    return bytes(f)


def _sam_v(user: str, full_name: str) -> bytes:
    strings = [b"", user.encode("utf-16-le"), full_name.encode("utf-16-le"), b""]
    head = bytearray(0xCC)
    body = bytearray()
    for i, s in enumerate(strings):
        struct.pack_into("<III", head, 12 * i, len(body), len(s), 0)
        body += s + bytes(-len(s) % 4)
    return bytes(head + body)


def build_sam(o: WindowsImageOptions) -> HiveWriter:
    h = HiveWriter(r"\SystemRoot\System32\Config\SAM")
    acct = h.key(r"SAM\Domains\Account")
    a, b, c = (int(x) for x in DOMAIN_SID.split("-")[4:])
    acct.binary(
        "V",
        bytes(0x40)
        + b"\x01\x04\x00\x00\x00\x00\x00\x05\x15\x00\x00\x00"
        + struct.pack("<3I", a, b, c),
    )
    users = acct.key("Users")
    for name, rid, disabled, full in (
        ("Administrator", 500, True, ""),
        (o.user, USER_RID, False, "Nguyễn Văn A"),
    ):
        users.key(rf"Names\{name}").raw(None, rid, b"")  # the RID is the value's type
        u = users.key(f"{rid:08X}")
        u.binary("F", _sam_f(datetime(2026, 4, 2, 1, 0, tzinfo=UTC), disabled, rid, 42))
        u.binary("V", _sam_v(name, full))
    return h


def build_windows_image(base: Path, options: WindowsImageOptions | None = None) -> WindowsImage:
    """Write the image under `base` (created) and say where each hive is."""
    o = options or WindowsImageOptions()
    base.mkdir(parents=True, exist_ok=True)
    config = base / "Windows" / "System32" / "config"
    config.mkdir(parents=True, exist_ok=True)
    hives: dict[str, Path] = {}
    if "system" not in o.omit:
        hives["SYSTEM"] = build_system(o).write(config / "SYSTEM")
    if "software" not in o.omit:
        hives["SOFTWARE"] = build_software(o).write(config / "SOFTWARE")
    if "sam" not in o.omit:
        hives["SAM"] = build_sam(o).write(config / "SAM")
    if "ntuser" not in o.omit:
        hives["NTUSER"] = build_ntuser(o).write(base / "Users" / o.user / "NTUSER.DAT")
    return WindowsImage(base, o, hives)


def local_to_utc(local: datetime) -> datetime:
    """A local time of the fixture machine (UTC+7) in UTC."""
    return (local - VN).replace(tzinfo=UTC)
