"""Wi-Fi profiles Windows keeps: `ProgramData/Microsoft/Wlansvc/Profiles/Interfaces/{if}/{p}.xml`.

Each file is a WLANProfile document (namespace http://www.microsoft.com/networking/WLAN/profile/v1):
name, SSIDConfig/SSID (hex and name), connectionType (ESS = access point, IBSS = ad hoc),
connectionMode (auto/manual) and MSM/security/authEncryption. The key material in
sharedKey/keyMaterial is never read: only the named fields below are taken from the tree, and
the evidence holds only those fields (the file's hash, not its text).

The XML comes from the audited disk, so it is untrusted: a DOCTYPE or ENTITY declaration is
refused before parsing, and lxml runs without entity expansion, DTD loading or network.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from lxml import etree

from bmnn import safexml

from ..context import AuditContext
from ..model import Observation

NAME = "wlan_profiles"
PATTERN = "ProgramData/Microsoft/Wlansvc/Profiles/Interfaces/*/*.xml"
_MAX_BYTES = 1 << 20  # a profile is a few KB; anything this big is not one

_PARSER = safexml.parser()


def analyse(ctx: AuditContext) -> Iterator[Observation]:
    files = ctx.root.glob(PATTERN)
    if not files:
        ctx.missing(NAME, PATTERN, "Không có hồ sơ Wi-Fi nào của dịch vụ Wlansvc.")
        return
    for rel in files:
        try:
            data = ctx.root.read_bytes(rel, limit=_MAX_BYTES + 1)
        except OSError as exc:
            ctx.error(NAME, rel, f"Không đọc được hồ sơ Wi-Fi: {exc}")
            continue
        problem, facts = parse_profile(data)
        if problem:
            ctx.error(NAME, rel, problem)
            continue
        parts = rel.split("/")
        facts["interface_guid"] = parts[-2]
        facts["profile_guid"] = parts[-1].rsplit(".", 1)[0]
        ssid = facts.get("ssid") or facts.get("profile_name") or facts["profile_guid"]
        raw = "; ".join(f"{k}={facts[k]}" for k in sorted(facts) if k in _RAW_FIELDS)
        yield Observation(
            "wifi_profile",
            f"WLAN:{ssid}",
            NAME,
            facts,
            (),
            (ctx.evidence(rel, "WLANProfile", raw),),
        )


_RAW_FIELDS = (
    "profile_name",
    "ssid",
    "ssid_hex",
    "connection_type",
    "connection_mode",
    "authentication",
    "encryption",
)


def parse_profile(data: bytes) -> tuple[str, dict]:
    """(Vietnamese problem or "", facts) of one WLANProfile document."""
    if len(data) > _MAX_BYTES:
        return "Tệp hồ sơ Wi-Fi quá lớn, không phải hồ sơ hợp lệ.", {}
    folded = data.upper().replace(b"\x00", b"")  # UTF-16 text folds to ASCII for the check
    if b"<!DOCTYPE" in folded or b"<!ENTITY" in folded:
        return "Hồ sơ Wi-Fi khai báo DOCTYPE/ENTITY, không được phép (nghi tệp độc hại).", {}
    try:
        root = etree.fromstring(data, _PARSER)
    except etree.XMLSyntaxError as exc:
        return f"Hồ sơ Wi-Fi có XML hỏng: {exc}", {}
    if root is None or etree.QName(root).localname != "WLANProfile":
        return "Tệp không phải hồ sơ WLANProfile.", {}
    facts: dict = {}
    _put(facts, "profile_name", _child_text(root, "name"))
    ssid = _first(root, "SSIDConfig", "SSID")
    if ssid is not None:
        _put(facts, "ssid_hex", _child_text(ssid, "hex"))
        _put(facts, "ssid", _child_text(ssid, "name"))
        if "ssid" not in facts and "ssid_hex" in facts:
            with contextlib.suppress(ValueError):  # bad hex: the SSID stays unknown
                facts["ssid"] = bytes.fromhex(facts["ssid_hex"]).decode("utf-8", "replace")
    _put(facts, "non_broadcast", _child_text(_first(root, "SSIDConfig"), "nonBroadcast"))
    _put(facts, "connection_type", _child_text(root, "connectionType"))
    _put(facts, "connection_mode", _child_text(root, "connectionMode"))
    auth = _first(root, "MSM", "security", "authEncryption")
    _put(facts, "authentication", _child_text(auth, "authentication"))
    _put(facts, "encryption", _child_text(auth, "encryption"))
    _put(facts, "use_onex", _child_text(auth, "useOneX"))
    if "profile_name" not in facts and "ssid" not in facts:
        return "Hồ sơ Wi-Fi không có tên và SSID.", {}
    return "", facts


def _children(node, local: str):
    if node is None:
        return []
    return [c for c in node if isinstance(c.tag, str) and etree.QName(c).localname == local]


def _first(node, *path: str):
    for local in path:
        found = _children(node, local)
        if not found:
            return None
        node = found[0]
    return node


def _child_text(node, local: str) -> str:
    found = _children(node, local)
    return (found[0].text or "").strip() if found else ""


def _put(facts: dict, key: str, value: str) -> None:
    if value:
        facts[key] = value
