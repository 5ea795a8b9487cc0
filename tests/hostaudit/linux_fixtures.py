"""Fixture builders for the Linux side of bmnn.hostaudit: a folder laid out like a Linux disk
(or a live bundle) with real files: identity files, passwd, binary wtmp records,
NetworkManager keyfiles and state, journal lines as `journalctl -o json` prints them, BlueZ
pairing files, apt/dpkg logs and the dpkg database, Chromium/Firefox history of a user,
TeamViewer/AnyDesk logs, and the live collector's `bmnn/live/network.json`.

`build_linux_root(root)` writes the whole set; every part can be left out or dated (`when`, UTC)
so tests can put events before or after 2026-03-01.
"""

from __future__ import annotations

import json
import struct
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from tests.hostaudit.files_fixtures import (
    anydesk_trace_lines,
    chromium_history,
    firefox_places,
)
from tests.hostaudit.helpers import write_file

DEFAULT_WHEN = datetime(2026, 4, 1, 2, 3, 4, tzinfo=UTC)
HOSTNAME = "may-mat-01"
MACHINE_ID = "3f1c2b7a9d8e4f60a1b2c3d4e5f60718"
BOOT_ID = "0c1d2e3f405162738495a6b7c8d9e0f1"
VN = timedelta(hours=7)

# utmp(5) record, x86-64 glibc: 384 bytes.
UTMP = struct.Struct("<h2xi32s4s32s256shhiii16s20x")
USER_PROCESS, DEAD_PROCESS, BOOT_TIME = 7, 8, 2

UUID_OFFICE = "5b8e1c3a-2f4d-4e6a-9b7c-0d1e2f3a4b5c"
UUID_CAFE = "a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d"
UUID_MOBILE = "0f9e8d7c-6b5a-4c3d-2e1f-0a9b8c7d6e5f"
UUID_DELETED = "deadbeef-0000-4000-8000-00000000c0de"
SECRET_PSK = "MatKhau-Cafe-123"  # planted in a keyfile; must never come out


def _write(root: Path, rel: str, data: str | bytes) -> Path:
    return write_file(root / rel, data)


def local(when: datetime, fmt: str) -> str:
    return (when.astimezone(UTC) + VN).strftime(fmt)


def epoch(when: datetime) -> int:
    return int(when.timestamp())


# -- identity, accounts, logons -------------------------------------------------------------------
def write_identity(root: Path, *, timezone: str = "Asia/Ho_Chi_Minh") -> None:
    _write(root, "etc/hostname", HOSTNAME + "\n")
    _write(root, "etc/machine-id", MACHINE_ID + "\n")
    _write(
        root,
        "etc/os-release",
        'PRETTY_NAME="Ubuntu 24.04.1 LTS"\nNAME="Ubuntu"\n'
        'VERSION_ID="24.04"\nID=ubuntu\nID_LIKE=debian\n',
    )
    _write(root, "etc/timezone", timezone + "\n")
    _write(
        root,
        "etc/passwd",
        "\n".join(
            [
                "root:x:0:0:root:/root:/bin/bash",
                "daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin",
                "nguyenvana:x:1000:1000:Nguyễn Văn A,,,:/home/nguyenvana:/bin/bash",
                "tranthib:x:1001:1001:Trần Thị B:/home/tranthib:/bin/bash",
                "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin",
            ]
        )
        + "\n",
    )


def utmp_record(
    ut_type: int,
    when: datetime,
    *,
    user: str = "",
    line: str = "",
    host: str = "",
    pid: int = 1000,
    addr: bytes = b"",
) -> bytes:
    return UTMP.pack(
        ut_type,
        pid,
        line.encode(),
        line[-4:].encode(),
        user.encode(),
        host.encode(),
        0,
        0,
        0,
        epoch(when),
        123456,
        addr.ljust(16, b"\0"),
    )


def write_wtmp(root: Path, when: datetime, *, truncated: bool = False) -> Path:
    records = [
        utmp_record(
            BOOT_TIME, when - timedelta(hours=1), user="reboot", line="~", host="6.8.0-45-generic"
        ),
        utmp_record(USER_PROCESS, when, user="nguyenvana", line="tty2", host="tty2", pid=1500),
        utmp_record(
            USER_PROCESS,
            when + timedelta(minutes=10),
            user="tranthib",
            line="pts/0",
            host="203.0.113.99",
            pid=2100,
            addr=bytes([203, 0, 113, 99]),
        ),
        utmp_record(DEAD_PROCESS, when + timedelta(minutes=40), line="pts/0", pid=2100),
    ]
    data = b"".join(records)
    if truncated:
        data += b"\x07\x00" + b"\x00" * 100  # a record cut off in the middle
    return _write(root, "var/log/wtmp", data)


# -- NetworkManager -------------------------------------------------------------------------------
def keyfile_office(when: datetime) -> str:
    return f"""[connection]
id=LAN Co quan
uuid={UUID_OFFICE}
type=ethernet
interface-name=enp3s0
timestamp={epoch(when - timedelta(days=30))}

[ethernet]

[ipv4]
address1=10.10.5.21/24,10.10.5.1
dns=10.10.5.1;
method=manual

[ipv6]
method=disabled
"""


def keyfile_cafe(when: datetime) -> str:
    return f"""[connection]
id=QuanCaPhe-Free
uuid={UUID_CAFE}
type=wifi
interface-name=wlp2s0
timestamp={epoch(when)}

[wifi]
mode=infrastructure
ssid=QuanCaPhe-Free

[wifi-security]
auth-alg=open
key-mgmt=wpa-psk
psk={SECRET_PSK}

[ipv4]
method=auto

[ipv6]
addr-gen-mode=stable-privacy
method=auto
"""


def keyfile_mobile() -> str:
    return f"""[connection]
id=Viettel 4G
uuid={UUID_MOBILE}
type=gsm
autoconnect=false

[gsm]
apn=v-internet
password=secret-too

[ipv4]
method=auto
"""


def write_networkmanager(root: Path, when: datetime) -> None:
    d = "etc/NetworkManager/system-connections"
    _write(root, f"{d}/LAN Co quan.nmconnection", keyfile_office(when))
    _write(root, f"{d}/QuanCaPhe-Free.nmconnection", keyfile_cafe(when))
    _write(root, f"{d}/Viettel 4G.nmconnection", keyfile_mobile())
    state = "var/lib/NetworkManager"
    _write(
        root,
        f"{state}/timestamps",
        "[timestamps]\n"
        f"{UUID_CAFE}={epoch(when + timedelta(hours=1))}\n"
        f"{UUID_DELETED}={epoch(when - timedelta(days=3))}\n",
    )
    _write(
        root,
        f"{state}/seen-bssids",
        f"[seen-bssids]\n{UUID_CAFE}=A4:2B:B0:11:22:33,A4:2B:B0:11:22:34,\n",
    )
    _write(
        root,
        f"{state}/internal-{UUID_CAFE}-wlp2s0.lease",
        "# This is private data. Do not parse.\nADDRESS=192.168.1.23\nNETMASK=255.255.255.0\n"
        "ROUTER=192.168.1.1\nSERVER_ADDRESS=192.168.1.1\nDNS=192.168.1.1\nLIFETIME=86400\n",
    )


# -- the journal ----------------------------------------------------------------------------------
def journal_line(
    when: datetime,
    message: str,
    *,
    identifier: str = "kernel",
    pid: int | None = None,
    seq: int = 1,
) -> str:
    """One entry as `journalctl -o json` prints it (all values are strings)."""
    entry = {
        "__CURSOR": f"s=0f1e2d3c4b5a69788796a5b4c3d2e1f0;i={seq:x};b={BOOT_ID};m=1;t=0;x=0",
        "__REALTIME_TIMESTAMP": str(int(when.timestamp() * 1_000_000)),
        "__MONOTONIC_TIMESTAMP": str(1_000_000 + seq),
        "_BOOT_ID": BOOT_ID,
        "_MACHINE_ID": MACHINE_ID,
        "_HOSTNAME": HOSTNAME,
        "PRIORITY": "6",
        "SYSLOG_IDENTIFIER": identifier,
        "MESSAGE": message,
    }
    if identifier == "kernel":
        entry.update({"_TRANSPORT": "kernel", "SYSLOG_FACILITY": "0"})
    else:
        entry.update(
            {
                "_TRANSPORT": "journal",
                "_PID": str(pid or 800),
                "_COMM": identifier,
                "_SYSTEMD_UNIT": f"{identifier}.service",
            }
        )
    return json.dumps(entry, ensure_ascii=False)


def usb_storage_lines(
    when: datetime,
    *,
    bus: str = "1-1",
    serial: str = "4C530001230101117344",
    vid: str = "0781",
    pid: str = "5567",
    host: int = 6,
    disk: str = "sdb",
) -> list[tuple[datetime, str, str]]:
    t = [when + timedelta(milliseconds=100 * i) for i in range(12)]
    return [
        (t[0], f"usb {bus}: new high-speed USB device number 5 using xhci_hcd", "kernel"),
        (
            t[1],
            f"usb {bus}: New USB device found, idVendor={vid}, idProduct={pid}, bcdDevice= 1.00",
            "kernel",
        ),
        (t[2], f"usb {bus}: New USB device strings: Mfr=1, Product=2, SerialNumber=3", "kernel"),
        (t[3], f"usb {bus}: Product: Cruzer Blade", "kernel"),
        (t[4], f"usb {bus}: Manufacturer: SanDisk", "kernel"),
        (t[5], f"usb {bus}: SerialNumber: {serial}", "kernel"),
        (t[6], f"usb-storage {bus}:1.0: USB Mass Storage device detected", "kernel"),
        (t[7], f"scsi host{host}: usb-storage {bus}:1.0", "kernel"),
        (
            t[8],
            f"sd {host}:0:0:0: [{disk}] 31266816 512-byte logical blocks: (16.0 GB/14.9 GiB)",
            "kernel",
        ),
        (t[9], f"sd {host}:0:0:0: [{disk}] Attached SCSI removable disk", "kernel"),
        (
            t[10] + timedelta(seconds=2),
            f"Mounted /dev/{disk}1 at /media/nguyenvana/KINGSTON on behalf of uid 1000",
            "udisksd",
        ),
    ]


def phone_tether_lines(when: datetime, bus: str = "1-2") -> list[tuple[datetime, str, str]]:
    t = [when + timedelta(milliseconds=100 * i) for i in range(8)]
    return [
        (
            t[0],
            f"usb {bus}: New USB device found, idVendor=04e8, idProduct=6863, bcdDevice= 4.00",
            "kernel",
        ),
        (t[1], f"usb {bus}: Product: SAMSUNG_Android", "kernel"),
        (t[2], f"usb {bus}: Manufacturer: SAMSUNG", "kernel"),
        (t[3], f"usb {bus}: SerialNumber: R58M12ABCDE", "kernel"),
        (
            t[4],
            f"rndis_host {bus}:1.0 usb0: register 'rndis_host' at usb-0000:00:14.0-2, "
            "RNDIS device, 5a:11:22:33:44:55",
            "kernel",
        ),
        (t[5] + timedelta(minutes=20), f"usb {bus}: USB disconnect, device number 7", "kernel"),
    ]


def network_lines(when: datetime) -> list[tuple[datetime, str, str]]:
    ts = f"{when.timestamp():.4f}"
    nm = "NetworkManager"
    return [
        (
            when - timedelta(seconds=30),
            f"<info>  [{ts}] manager: (wlp2s0): new 802.11 Wi-Fi "
            "device (/org/freedesktop/NetworkManager/Devices/3)",
            nm,
        ),
        (
            when - timedelta(seconds=29),
            f"<info>  [{ts}] manager: (lo): new Loopback device "
            "(/org/freedesktop/NetworkManager/Devices/1)",
            nm,
        ),
        (
            when,
            f"<info>  [{ts}] device (wlp2s0): Activation: starting connection "
            f"'QuanCaPhe-Free' ({UUID_CAFE})",
            nm,
        ),
        (
            when + timedelta(seconds=1),
            "wlp2s0: SME: Trying to authenticate with "
            "a4:2b:b0:11:22:33 (SSID='QuanCaPhe-Free' freq=2437 MHz)",
            "wpa_supplicant",
        ),
        (
            when + timedelta(seconds=2),
            "wlp2s0: CTRL-EVENT-CONNECTED - Connection to "
            "a4:2b:b0:11:22:33 completed [id=0 id_str=]",
            "wpa_supplicant",
        ),
        (
            when + timedelta(seconds=2),
            f"<info>  [{ts}] device (wlp2s0): Activation: (wifi) "
            "Stage 2 of 5 (Device Configure) successful. Connected to "
            'wireless network "QuanCaPhe-Free"',
            nm,
        ),
        (
            when + timedelta(seconds=3),
            f"<info>  [{ts}] device (wlp2s0): Activation: successful, device activated.",
            nm,
        ),
        (
            when + timedelta(seconds=3),
            f"<info>  [{ts}] policy: set 'QuanCaPhe-Free' (wlp2s0) "
            "as default for IPv4 routing and DNS",
            nm,
        ),
        (
            when + timedelta(seconds=4),
            f"<info>  [{ts}] manager: NetworkManager state is now CONNECTED_GLOBAL",
            nm,
        ),
        (
            when + timedelta(seconds=5),
            f"<info>  [{ts}] connectivity: (wlp2s0) connectivity "
            "state changed from LIMITED to FULL",
            nm,
        ),
        (
            when + timedelta(hours=1),
            f"<info>  [{ts}] device (wlp2s0): state change: activated "
            "-> deactivating (reason 'user-requested', sys-iface-state:"
            " 'managed')",
            nm,
        ),
        (
            when + timedelta(hours=1, seconds=1),
            "wlp2s0: CTRL-EVENT-DISCONNECTED bssid=a4:2b:b0:11:22:33 reason=3 locally_generated=1",
            "wpa_supplicant",
        ),
        (
            when + timedelta(hours=1, seconds=2),
            f"<info>  [{ts}] connectivity: (wlp2s0) connectivity state changed from FULL to NONE",
            nm,
        ),
    ]


def write_journal(root: Path, lines: list[tuple[datetime, str, str]], extra=()) -> Path:
    ordered = sorted(lines, key=lambda item: item[0])
    text = [journal_line(t, m, identifier=i, seq=n) for n, (t, m, i) in enumerate(ordered, 1)]
    return _write(root, "bmnn/journal.jsonl", "\n".join([*text, *extra]) + "\n")


# -- Bluetooth, packages, browsers, remote access, live state -------------------------------------
PHONE_MAC = "AC:5F:3E:12:34:56"
HEADSET_MAC = "00:1B:66:AA:BB:CC"
ADAPTER_MAC = "5C:F3:70:01:02:03"


def write_bluetooth(root: Path) -> None:
    base = f"var/lib/bluetooth/{ADAPTER_MAC}"
    _write(root, f"{base}/settings", "[General]\nDiscoverable=false\n")
    _write(
        root,
        f"{base}/{PHONE_MAC}/info",
        "[General]\nName=Galaxy A54 của A\nClass=0x5a020c\n"
        "SupportedTechnologies=BR/EDR;\nTrusted=true\nBlocked=false\n\n[LinkKey]\n"
        "Key=0123456789ABCDEF0123456789ABCDEF\nType=4\nPINLength=0\n",
    )
    _write(
        root,
        f"{base}/{HEADSET_MAC}/info",
        "[General]\nName=JBL Tune 510BT\nClass=0x240404\nTrusted=false\n",
    )
    _write(root, f"{base}/cache/{PHONE_MAC}", "[General]\nName=Galaxy A54\n")


def write_packages(root: Path, when: datetime) -> None:
    start = local(when, "%Y-%m-%d  %H:%M:%S")
    end = local(when + timedelta(seconds=40), "%Y-%m-%d  %H:%M:%S")
    _write(
        root,
        "var/log/apt/history.log",
        f"""
Start-Date: {local(when - timedelta(days=60), "%Y-%m-%d  %H:%M:%S")}
Commandline: apt-get install -y vim
Install: vim:amd64 (2:9.1.0016-1ubuntu7), vim-runtime:amd64 (2:9.1.0016-1ubuntu7, automatic)
End-Date: {local(when - timedelta(days=60), "%Y-%m-%d  %H:%M:%S")}

Start-Date: {local(when - timedelta(days=10), "%Y-%m-%d  %H:%M:%S")}
Commandline: apt install bleachbit
Requested-By: nguyenvana (1000)
Install: bleachbit:amd64 (4.6.0-3)
End-Date: {local(when - timedelta(days=10), "%Y-%m-%d  %H:%M:%S")}

Start-Date: {start}
Commandline: apt install ./teamviewer_15.51.5_amd64.deb
Requested-By: nguyenvana (1000)
Install: teamviewer:amd64 (15.51.5), libqt5webkit5:amd64 (5.212.0~alpha4-36, automatic)
End-Date: {end}

Start-Date: {local(when + timedelta(days=1), "%Y-%m-%d  %H:%M:%S")}
Commandline: apt purge bleachbit
Purge: bleachbit:amd64 (4.6.0-3)
End-Date: {local(when + timedelta(days=1), "%Y-%m-%d  %H:%M:%S")}
""".lstrip(),
    )
    _write(
        root,
        "var/log/dpkg.log",
        "\n".join(
            [
                f"{local(when, '%Y-%m-%d %H:%M:%S')} install teamviewer:amd64 <none> 15.51.5",
                f"{local(when, '%Y-%m-%d %H:%M:%S')} status half-installed "
                "teamviewer:amd64 15.51.5",
                f"{local(when + timedelta(seconds=20), '%Y-%m-%d %H:%M:%S')} status installed "
                "teamviewer:amd64 15.51.5",
                f"{local(when, '%Y-%m-%d %H:%M:%S')} status installed "
                "vim:amd64 2:9.1.0016-1ubuntu7",
            ]
        )
        + "\n",
    )
    _write(
        root,
        "var/lib/dpkg/status",
        """Package: teamviewer
Status: install ok installed
Priority: optional
Section: net
Maintainer: TeamViewer GmbH <support@teamviewer.com>
Architecture: amd64
Version: 15.51.5
Description: Remote control and meeting solution.
 TeamViewer provides easy, fast and secure remote access.

Package: anydesk
Status: deinstall ok config-files
Maintainer: philandro Software GmbH <info@anydesk.com>
Version: 6.3.2

Package: openvpn
Status: install ok installed
Maintainer: Ubuntu Developers <ubuntu-devel-discuss@lists.ubuntu.com>
Version: 2.6.9-1ubuntu4
Description: virtual private network daemon

Package: bash
Status: install ok installed
Maintainer: Ubuntu Developers <ubuntu-devel-discuss@lists.ubuntu.com>
Version: 5.2.21-2ubuntu4
Description: GNU Bourne Again SHell
""",
    )


def write_browsers(root: Path, when: datetime) -> dict[str, Path]:
    home = "home/nguyenvana"
    return {
        "chrome": chromium_history(
            root / f"{home}/.config/google-chrome/Default/History",
            [("https://dantri.com.vn/", "Dân trí", when)],
        ),
        "firefox": firefox_places(
            root / f"{home}/.mozilla/firefox/x1y2z3.default-release/places.sqlite",
            [("https://www.youtube.com/watch?v=abc", "YouTube", when + timedelta(minutes=5))],
        ),
    }


def write_remote_logs(root: Path, when: datetime) -> None:
    _write(
        root,
        "home/nguyenvana/.anydesk/ad.trace",
        "\n".join(anydesk_trace_lines(when, "987654321", "helpdesk", "198.51.100.30")) + "\n",
    )
    fmt = "%Y/%m/%d %H:%M:%S.321"
    _write(
        root,
        "var/log/teamviewer15/TeamViewer15_Logfile.log",
        f"{local(when, fmt)} 1200 1300 S0   UDPv4: punch received a=203.0.113.8:5938: (*)\n",
    )


def live_network(when: datetime, *, connected: bool = True) -> dict:
    interfaces = [
        {
            "name": "lo",
            "up": True,
            "kind": "loopback",
            "mac": "00:00:00:00:00:00",
            "addresses": ["127.0.0.1/8", "::1/128"],
        },
        {
            "name": "enp3s0",
            "up": True,
            "kind": "ethernet",
            "mac": "3c:52:82:aa:bb:cc",
            "addresses": ["10.10.5.21/24", "fe80::3e52:82ff:feaa:bbcc/64"],
        },
        {
            "name": "wlp2s0",
            "up": connected,
            "kind": "wifi",
            "mac": "f4:8c:50:11:22:33",
            "addresses": ["192.168.1.23/24"] if connected else [],
        },
    ]
    routes = [{"dst": "10.10.5.0/24", "gateway": None, "dev": "enp3s0"}]
    if connected:
        routes += [
            {"dst": "default", "gateway": "192.168.1.1", "dev": "wlp2s0"},
            {"dst": "192.168.1.0/24", "gateway": None, "dev": "wlp2s0"},
        ]
    return {
        "collected_at": when.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "interfaces": interfaces,
        "routes": routes,
        "gateway_macs": {"192.168.1.1": "A4:2B:B0:11:22:33"},
        "dns": ["192.168.1.1"],
    }


def write_live(root: Path, when: datetime, *, connected: bool = True) -> Path:
    return _write(
        root,
        "bmnn/live/network.json",
        json.dumps(live_network(when, connected=connected), indent=2),
    )


# -- the whole Linux root -------------------------------------------------------------------------
@dataclass
class LinuxImage:
    root: Path
    when: datetime
    usb_serial: str = "4C530001230101117344"
    paths: dict[str, Path] = field(default_factory=dict)


def build_linux_root(
    root: Path,
    *,
    when: datetime = DEFAULT_WHEN,
    journal: bool = True,
    live: bool = True,
    connected: bool = True,
) -> LinuxImage:
    """A Linux machine that drafted secrets and also: joined a café Wi-Fi (keyfile, state,
    journal) and reached the Internet, had a SanDisk stick and a tethering Samsung phone, paired
    a phone over Bluetooth, installed TeamViewer, was reached by AnyDesk, browsed the web, and
    (if `live`) was still connected when collected. `journal`/`live` False = a mounted image."""
    image = LinuxImage(root=root, when=when)
    write_identity(root)
    image.paths["wtmp"] = write_wtmp(root, when)
    write_networkmanager(root, when)
    if journal:
        lines = (
            network_lines(when)
            + usb_storage_lines(when + timedelta(hours=2))
            + phone_tether_lines(when + timedelta(hours=3))
        )
        image.paths["journal"] = write_journal(root, lines)
    write_bluetooth(root)
    write_packages(root, when)
    image.paths.update(write_browsers(root, when + timedelta(minutes=10)))
    write_remote_logs(root, when + timedelta(hours=4))
    if live:
        image.paths["live"] = write_live(root, when + timedelta(days=2), connected=connected)
    return image
