"""A small writer of Windows registry hive files (REGF), so tests can make real hives on Linux.

It writes what Windows' own readers expect: a 4 KiB base block with its XOR checksum, hive bins of
4 KiB multiples, and nk (keys), vk (values), lh/lf/li/ri (subkey lists), sk (one shared security
descriptor) and db (big data) cells. Key last-written FILETIMEs are settable, so fixtures can put
a device's registry traces before or after a legal date. Only what tests need: no volatile keys,
no class names, no transaction logs.

    hive = HiveWriter("SYSTEM")
    k = hive.key(r"ControlSet001\\Enum\\USBSTOR\\Disk&Ven_X&Prod_Y&Rev_1\\123&0", written=when)
    k.sz("FriendlyName", "X Y USB Device")
    k.filetime("Properties\\{83da6326-...}\\0066", None, when)   # a default value of 0xFFFF0010
    hive.write(tmp_path / "SYSTEM")
"""

from __future__ import annotations

import struct
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

REG_NONE = 0
REG_SZ = 1
REG_EXPAND_SZ = 2
REG_BINARY = 3
REG_DWORD = 4
REG_MULTI_SZ = 7
REG_QWORD = 11
DEVPROP_FILETIME = 0xFFFF0010  # DEVPROP_TYPE_FILETIME | 0xFFFF0000, as PnP properties store it

_EPOCH_1601 = datetime(1601, 1, 1, tzinfo=UTC)
_HBIN = 4096
_BIG_DATA_SEGMENT = 16344  # largest value data a v1.4+ hive keeps in one cell (0x3FD8)
_LEAF_MAX = 512  # elements per subkey leaf before an index root (ri) is needed
_DEFAULT_WRITTEN = datetime(2025, 1, 1, tzinfo=UTC)


def to_filetime(when: datetime) -> int:
    """100 ns intervals since 1601-01-01 UTC; naive datetimes are taken as UTC."""
    when = when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)
    delta = when - _EPOCH_1601
    return (delta.days * 86400 + delta.seconds) * 10_000_000 + delta.microseconds * 10


def systemtime_bytes(local: datetime) -> bytes:
    """A 16-byte SYSTEMTIME (year, month, weekday, day, hour, minute, second, ms; u16 each)."""
    weekday = (local.weekday() + 1) % 7  # SYSTEMTIME counts from Sunday = 0
    return struct.pack(
        "<8H",
        local.year,
        local.month,
        weekday,
        local.day,
        local.hour,
        local.minute,
        local.second,
        local.microsecond // 1000,
    )


def lh_hash(name: str) -> int:
    """The hash an lh leaf stores for a subkey name (upper-cased, base 37, 32 bits)."""
    h = 0
    for ch in name.upper():
        h = (h * 37 + ord(ch)) & 0xFFFFFFFF
    return h


@dataclass
class WValue:
    name: str
    type: int
    data: bytes


@dataclass
class WKey:
    name: str
    written: datetime = _DEFAULT_WRITTEN
    values: dict[str, WValue] = field(default_factory=dict)
    children: dict[str, WKey] = field(default_factory=dict)  # upper-case name -> key

    # -- building -----------------------------------------------------------------------------
    def key(self, path: str, written: datetime | None = None) -> WKey:
        """The subkey at `path` (backslash-separated), created with its parents if absent."""
        node = self
        for part in [p for p in path.split("\\") if p]:
            child = node.children.get(part.upper())
            if child is None:
                child = WKey(part)
                node.children[part.upper()] = child
            node = child
        if written is not None:
            node.written = written
        return node

    def raw(self, name: str | None, type_: int, data: bytes) -> WKey:
        """Any value; `name` None or "" is the key's default value."""
        self.values[(name or "").upper()] = WValue(name or "", type_, bytes(data))
        return self

    def sz(self, name: str | None, text: str, type_: int = REG_SZ) -> WKey:
        return self.raw(name, type_, (text + "\0").encode("utf-16-le"))

    def strings(self, values: dict[str, str]) -> WKey:
        """Several REG_SZ values at once."""
        for name, text in values.items():
            self.sz(name, text)
        return self

    def dwords(self, values: dict[str, int]) -> WKey:
        """Several REG_DWORD values at once."""
        for name, number in values.items():
            self.dword(name, number)
        return self

    def expand_sz(self, name: str | None, text: str) -> WKey:
        return self.sz(name, text, REG_EXPAND_SZ)

    def binary(self, name: str | None, data: bytes) -> WKey:
        return self.raw(name, REG_BINARY, data)

    def dword(self, name: str | None, number: int) -> WKey:
        # Negative numbers are stored as Windows stores a LONG in a DWORD (e.g. Bias -420).
        return self.raw(name, REG_DWORD, struct.pack("<i" if number < 0 else "<I", number))

    def qword(self, name: str | None, number: int) -> WKey:
        return self.raw(name, REG_QWORD, struct.pack("<Q", number))

    def multi_sz(self, name: str | None, items: Iterable[str]) -> WKey:
        text = "".join(f"{s}\0" for s in items) + "\0"
        return self.raw(name, REG_MULTI_SZ, text.encode("utf-16-le"))

    def filetime(self, subkey: str, name: str | None, when: datetime) -> WKey:
        """A PnP property: default value of type 0xFFFF0010 holding a FILETIME, in `subkey`."""
        target = self.key(subkey) if subkey else self
        target.raw(name, DEVPROP_FILETIME, struct.pack("<Q", to_filetime(when)))
        return self


class HiveWriter(WKey):
    """The root key of a hive, and the code that lays it out as a REGF file."""

    def __init__(
        self,
        file_name: str,
        *,
        written: datetime = _DEFAULT_WRITTEN,
        leaf: str = "lh",
        minor_version: int = 5,
    ):
        super().__init__("ROOT", written)
        self.file_name = file_name  # the base block's (partial) path, e.g. "SYSTEM"
        if leaf not in ("lh", "lf", "li"):
            raise ValueError("leaf must be lh, lf or li")
        self.leaf = leaf
        self.minor_version = minor_version
        self.written_at = written

    # -- layout -------------------------------------------------------------------------------
    def to_bytes(self) -> bytes:
        out = _Layout()
        self._sk: int | None = None
        # The root key is the first cell of the first bin (some readers rely on it).
        root = self._write_key(out, self, parent=0, flags=0x2C)  # HIVE_ENTRY|NO_DELETE|COMP_NAME
        assert self._sk is not None
        out.patch_sk_refcount(self._sk, self._count_keys())
        data = out.finish()
        return self._base_block(root, len(data)) + data

    def write(self, path: str | Path) -> Path:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(self.to_bytes())
        return path

    def _count_keys(self) -> int:
        stack, n = [self], 0
        while stack:
            k = stack.pop()
            n += 1
            stack.extend(k.children.values())
        return n

    def _base_block(self, root_offset: int, bins_size: int) -> bytes:
        b = bytearray(4096)
        struct.pack_into(
            "<4sIIQIIIIII",
            b,
            0,
            b"regf",
            1,
            1,
            to_filetime(self.written_at),
            1,
            self.minor_version,
            0,
            1,
            root_offset,
            bins_size,
        )
        struct.pack_into("<I", b, 44, 1)  # clustering factor
        name = self.file_name[-31:].encode("utf-16-le")
        b[48 : 48 + len(name)] = name
        checksum = 0
        for (dword,) in struct.iter_unpack("<I", bytes(b[:508])):
            checksum ^= dword
        if checksum == 0xFFFFFFFF:
            checksum = 0xFFFFFFFE
        elif checksum == 0:
            checksum = 1
        struct.pack_into("<I", b, 508, checksum)
        return bytes(b)

    @staticmethod
    def _security_cell(out: _Layout) -> int:
        def sid(auth: int, *subs: int) -> bytes:
            return struct.pack("<BB6s", 1, len(subs), auth.to_bytes(6, "big")) + b"".join(
                struct.pack("<I", s) for s in subs
            )

        everyone, admins, system = sid(1, 0), sid(5, 32, 544), sid(5, 18)
        ace = struct.pack("<BBHI", 0, 0x02, 8 + len(everyone), 0x000F003F) + everyone
        acl = struct.pack("<BBHHH", 2, 0, 8 + len(ace), 1, 0) + ace
        owner_off = 20
        group_off = owner_off + len(admins)
        dacl_off = group_off + len(system)
        sd = struct.pack("<BBHIIII", 1, 0, 0x8004, owner_off, group_off, 0, dacl_off)
        sd += admins + system + acl
        off = out.alloc(20 + len(sd))
        out.put(off, struct.pack("<2sHIIII", b"sk", 0, off, off, 0, len(sd)) + sd)
        return off

    def _write_key(self, out: _Layout, key: WKey, parent: int, flags: int = 0x20) -> int:
        name_b, comp = _name_bytes(key.name)
        if not comp:
            flags &= ~0x20
        nk = out.alloc(76 + len(name_b))
        if self._sk is None:  # one security descriptor shared by every key
            self._sk = self._security_cell(out)
        sk = self._sk
        values = list(key.values.values())
        value_list = 0xFFFFFFFF
        max_vname = max_vdata = 0
        if values:
            vk_offsets = [self._write_value(out, v) for v in values]
            value_list = out.alloc(4 * len(vk_offsets))
            out.put(value_list, struct.pack(f"<{len(vk_offsets)}I", *vk_offsets))
            max_vname = max(len(_name_bytes(v.name)[0]) for v in values)
            max_vdata = max(len(v.data) for v in values)
        children = sorted(key.children.values(), key=lambda k: k.name.upper())
        child_offsets = [self._write_key(out, c, nk) for c in children]
        subkey_list = (
            self._write_subkey_list(out, children, child_offsets) if children else (0xFFFFFFFF)
        )
        max_sname = max((len(c.name) * 2 for c in children), default=0)
        body = struct.pack(
            "<2sHQIIIIIIIIIIIIIIIHH",
            b"nk",
            flags,
            to_filetime(key.written),
            0,
            parent,
            len(children),
            0,
            subkey_list,
            0xFFFFFFFF,
            len(values),
            value_list,
            sk,
            0xFFFFFFFF,
            max_sname,
            0,
            max_vname,
            max_vdata,
            0,
            len(name_b),
            0,
        )
        out.put(nk, body + name_b)
        return nk

    def _write_value(self, out: _Layout, v: WValue) -> int:
        name_b, comp = _name_bytes(v.name)
        size = len(v.data)
        if size <= 4:
            # Small data lives in the data-offset field itself; bit 31 of the size says so.
            size_field = size | 0x80000000
            data_field = struct.unpack("<I", v.data.ljust(4, b"\0"))[0]
        elif size > _BIG_DATA_SEGMENT and self.minor_version >= 4:
            size_field, data_field = size, self._write_big_data(out, v.data)
        else:
            size_field = size
            data_field = out.alloc(size)
            out.put(data_field, v.data)
        vk = out.alloc(20 + len(name_b))
        out.put(
            vk,
            struct.pack(
                "<2sHIIIHH",
                b"vk",
                len(name_b),
                size_field,
                data_field,
                v.type,
                1 if comp and name_b else 0,
                0,
            )
            + name_b,
        )
        return vk

    @staticmethod
    def _write_big_data(out: _Layout, data: bytes) -> int:
        segments = []
        for i in range(0, len(data), _BIG_DATA_SEGMENT):
            chunk = data[i : i + _BIG_DATA_SEGMENT]
            off = out.alloc(len(chunk))
            out.put(off, chunk)
            segments.append(off)
        seg_list = out.alloc(4 * len(segments))
        out.put(seg_list, struct.pack(f"<{len(segments)}I", *segments))
        db = out.alloc(8)
        out.put(db, struct.pack("<2sHI", b"db", len(segments), seg_list))
        return db

    def _write_subkey_list(self, out: _Layout, children: list[WKey], offsets: list[int]) -> int:
        leaves = []
        for i in range(0, len(children), _LEAF_MAX):
            leaves.append(
                self._write_leaf(out, children[i : i + _LEAF_MAX], offsets[i : i + _LEAF_MAX])
            )
        if len(leaves) == 1:
            return leaves[0]
        ri = out.alloc(4 + 4 * len(leaves))
        out.put(ri, struct.pack(f"<2sH{len(leaves)}I", b"ri", len(leaves), *leaves))
        return ri

    def _write_leaf(self, out: _Layout, children: list[WKey], offsets: list[int]) -> int:
        if self.leaf == "li":
            cell = out.alloc(4 + 4 * len(children))
            out.put(cell, struct.pack(f"<2sH{len(children)}I", b"li", len(children), *offsets))
            return cell
        parts = [struct.pack("<2sH", self.leaf.encode(), len(children))]
        for child, off in zip(children, offsets, strict=True):
            if self.leaf == "lh":
                parts.append(struct.pack("<II", off, lh_hash(child.name)))
            else:
                hint = child.name[:4].encode("latin-1", errors="replace").ljust(4, b"\0")
                parts.append(struct.pack("<I4s", off, hint))
        blob = b"".join(parts)
        cell = out.alloc(len(blob))
        out.put(cell, blob)
        return cell


def _name_bytes(name: str) -> tuple[bytes, bool]:
    """Key/value names are stored as ASCII when they can be (the COMP_NAME flag), else UTF-16."""
    try:
        return name.encode("ascii"), True
    except UnicodeEncodeError:
        return name.encode("utf-16-le"), False


class _Layout:
    """Cells packed into hive bins. Offsets are relative to the first bin, as in the format."""

    def __init__(self) -> None:
        self.buf = bytearray()
        self.bin_start = 0
        self.bin_end = 0

    def _new_bin(self, need: int) -> None:
        self._close_bin()
        size = max(_HBIN, -(-(need + 32) // _HBIN) * _HBIN)
        self.bin_start = len(self.buf)
        self.bin_end = self.bin_start + size
        header = struct.pack("<4sIIQQI", b"hbin", self.bin_start, size, 0, 0, 0)
        self.buf += header

    def _close_bin(self) -> None:
        free = self.bin_end - len(self.buf)
        if free > 0:  # the rest of a bin is one free cell (positive size)
            self.buf += struct.pack("<i", free) + bytes(free - 4)

    def alloc(self, payload: int) -> int:
        size = -(-(payload + 4) // 8) * 8
        if not self.buf or len(self.buf) + size > self.bin_end:
            self._new_bin(size)
        off = len(self.buf)
        self.buf += struct.pack("<i", -size) + bytes(size - 4)
        return off

    def put(self, off: int, payload: bytes) -> None:
        self.buf[off + 4 : off + 4 + len(payload)] = payload

    def patch_sk_refcount(self, sk: int, count: int) -> None:
        struct.pack_into("<I", self.buf, sk + 4 + 12, count)

    def finish(self) -> bytes:
        self._close_bin()
        return bytes(self.buf)
