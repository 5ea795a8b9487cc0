"""Rules x observations: the law in force on each event's date, allow-lists, and fail-closed
results (a missing hive is never a pass). Observations are built by hand here; the end-to-end
tests run the same rules over real fixture files."""

from __future__ import annotations

from datetime import UTC, datetime

from bmnn.hostaudit.config import AuditConfig
from bmnn.hostaudit.evaluate import Result, evaluate
from bmnn.hostaudit.model import Evidence, Observation, Problem, Timestamp
from bmnn.hostaudit.rulebook import load_rulebook

NOW = datetime(2026, 6, 1, tzinfo=UTC)
SOFTWARE = "Windows/System32/config/SOFTWARE"
LAN = AuditConfig.from_dict(
    {
        "independent_lan": {"subnets": ["10.10.0.0/16"], "gateway_macs": ["00:1B:21:AA:BB:CC"]},
        "intranet_hosts": ["bmnn.noibo"],
        "approved_usb": [{"serial": "AA0011223344", "description": "USB mã hóa 01"}],
        "allowed_printers": [{"vid": "03f0", "pid": "2b17"}],
        "clauses": {"usb": {"ref": "Quy chế của Sở, Điều 7, khoản 2", "quote": "Cấm USB lạ."}},
    }
)


def obs(kind, identity, facts=None, times=(), analyser="test", source="f") -> Observation:
    return Observation(
        kind,
        identity,
        analyser,
        facts or {},
        [Timestamp(n, t, "UTC") for n, t in times],
        [Evidence(source, f"{identity}\\value", "ab" * 32, "00")],
    )


def run(observations, problems=(), *, platform="windows", config=None, check=None):
    results = evaluate(
        load_rulebook(),
        observations,
        list(problems),
        platform=platform,
        config=config,
        now=NOW,
        tool_version="9.9",
    )
    by_id = {r.check_id: r for r in results}
    return by_id[check] if check else by_id


def profile(created, last, mac="a4:2b:b0:11:22:33", name_type="wireless") -> Observation:
    return obs(
        "network_profile",
        "WLAN:Cafe",
        {"profile_guid": "{x}", "name_type": name_type, "gateway_mac": mac},
        [("date_created", created), ("date_last_connected", last)],
        analyser="win_network",
        source=SOFTWARE,
    )


def citations(r: Result) -> list[tuple[str, list[str]]]:
    return [(f.time.name if f.time else "", [b.citation for b in f.basis]) for f in r.findings]


# -- the law in force on the event's date --------------------------------------------------
def test_history_before_and_after_1_march_2026_cites_the_right_law() -> None:
    r = run([profile(datetime(2025, 10, 1, 1), datetime(2026, 3, 12, 2))], check="BMNN-NET-001")
    assert r.result == "fail"
    assert citations(r) == [
        ("date_created", ["Luật 29/2018/QH14, Điều 5, khoản 5"]),
        ("date_last_connected", ["Luật 117/2025/QH15, Điều 5, khoản 2"]),
    ]
    old, new = (f.basis[0] for f in r.findings)
    assert "đã kết nối hoặc đang kết nối" in old.quote and old.confidence == "confirmed"
    assert "trừ mạng LAN độc lập" in new.quote
    assert r.rulebook_version == load_rulebook().version and r.tool_version == "9.9"


def test_an_event_before_the_2018_law_took_effect_is_still_cited_under_its_history_wording():
    r = run([profile(datetime(2019, 5, 1), datetime(2019, 6, 1))], check="BMNN-NET-001")
    assert r.result == "fail"
    assert all(f.basis[0].citation.startswith("Luật 29/2018/QH14") for f in r.findings)
    assert "trước ngày 01/07/2020" in r.findings[0].note


def test_approved_lan_gateway_passes_after_2026_but_not_before() -> None:
    p = profile(
        datetime(2025, 1, 2), datetime(2026, 4, 1), mac="00-1b-21-aa-bb-cc", name_type="wired"
    )
    r = run([p], config=LAN, check="BMNN-NET-001")
    assert r.result == "fail"  # the 2025 connection: any computer network counted then
    assert [f.time.name for f in r.findings] == ["date_created"]
    assert [f.time.name for f in r.exempted] == ["date_last_connected"]
    assert "00:1b:21:aa:bb:cc" in r.exempted[0].note
    only_after = profile(datetime(2026, 3, 2), datetime(2026, 4, 1), mac="00:1b:21:aa:bb:cc")
    r2 = run([only_after], config=LAN, check="BMNN-NET-001")
    assert r2.result == "pass" and len(r2.exempted) == 2 and not r2.findings


def test_a_mobile_network_is_never_an_independent_lan() -> None:
    p = profile(
        datetime(2026, 3, 2), datetime(2026, 4, 1), mac="00:1b:21:aa:bb:cc", name_type="mobile"
    )
    assert run([p], config=LAN, check="BMNN-NET-001").result == "fail"


def test_one_unknown_gateway_among_several_is_enough_to_fail() -> None:
    p = obs(
        "network_profile",
        "NET:x",
        {
            "profile_guid": "{y}",
            "gateway_mac": "00:1b:21:aa:bb:cc",
            "gateway_macs": ["00:1b:21:aa:bb:cc", "11:22:33:44:55:66"],
        },
        [("date_last_connected", datetime(2026, 4, 1))],
        analyser="win_network",
    )
    assert run([p], config=LAN, check="BMNN-NET-001").result == "fail"


def test_undated_evidence_exempt_only_under_one_law_is_unknown() -> None:
    p = obs(
        "network_profile",
        "NET:LAN",
        {"profile_guid": "{z}", "gateway_mac": "00:1b:21:aa:bb:cc"},
        analyser="win_network",
    )
    r = run([p], config=LAN, check="BMNN-NET-001")
    assert r.result == "unknown"
    assert any("không rõ thời điểm" in n for n in r.notes)
    undated_fail = run(
        [obs("network_profile", "NET:Other", {"profile_guid": "{w}"}, analyser="win_network")],
        check="BMNN-NET-001",
    )
    assert undated_fail.result == "fail"
    assert len(undated_fail.findings[0].basis) == 2  # both versions, the event date unknown


# -- connected now -------------------------------------------------------------------------------
def now_iface(addresses, default_route=False, gateway="", mac="", kind="ethernet") -> Observation:
    return obs(
        "connected_now",
        "IF:eth0",
        {
            "kind": kind,
            "up": True,
            "addresses": addresses,
            "default_route": default_route,
            "gateway": gateway,
            "gateway_mac": mac,
        },
        [("collected_at", datetime(2026, 5, 20))],
        analyser="connected_now",
    )


def test_connected_now_outside_the_lan_fails_under_117_2025_directly() -> None:
    r = run([now_iface(["192.168.1.23/24"], True, "192.168.1.1")], config=LAN, check="BMNN-NET-004")
    assert r.result == "fail"
    assert citations(r) == [("collected_at", ["Luật 117/2025/QH15, Điều 5, khoản 2"])]


def test_connected_now_inside_the_approved_lan_passes_with_a_note() -> None:
    ok = now_iface(["10.10.5.21/24", "fe80::1/64"], True, "10.10.5.1", "00:1b:21:aa:bb:cc")
    r = run([ok], config=LAN, check="BMNN-NET-004")
    assert r.result == "pass" and r.exempted and "10.10.5.21/24" in r.exempted[0].note
    # A default route through a gateway outside the LAN is a way out, whatever the address.
    out = now_iface(["10.10.5.21/24"], True, "172.16.0.1")
    assert run([out], config=LAN, check="BMNN-NET-004").result == "fail"


def test_docker_bridge_is_not_a_connection_but_virtual_with_default_route_is() -> None:
    bridge = now_iface(["172.17.0.1/16"], kind="virtual")
    assert run([bridge], platform="linux", check="BMNN-NET-004").result == "pass"
    tun = now_iface(["100.64.0.2/32"], True, "100.64.0.1", kind="virtual")
    assert run([tun], platform="linux", check="BMNN-NET-004").result == "fail"


def test_offline_image_has_no_current_state_so_connected_now_is_unknown() -> None:
    missing = Problem("connected_now", "missing", "bmnn/live/network.json", "Không có dữ liệu")
    r = run([], [missing], check="BMNN-NET-004")
    assert r.result == "unknown" and "bmnn/live/network.json" in r.notes[0]


# -- browsers ------------------------------------------------------------------------------------
def visit(url, host, when=datetime(2026, 4, 2, 3)) -> Observation:
    return obs(
        "browser_visit",
        f"URL:{host}",
        {"url": url, "host": host},
        [("visit_time", when)],
        analyser="browsers",
    )


def test_internet_visits_fail_and_intranet_or_local_visits_do_not() -> None:
    visits = [
        visit("https://dantri.com.vn/a", "dantri.com.vn"),
        visit("http://vanban.bmnn.noibo/x", "vanban.bmnn.noibo"),
        visit("http://10.10.1.5/portal", "10.10.1.5"),
        visit("http://localhost:8000/", "localhost"),
        visit("file:///C:/tai-lieu.docx", ""),
        visit("chrome://settings", "settings"),
    ]
    r = run(visits, config=LAN, check="BMNN-NET-003")
    assert r.result == "fail"
    assert [f.identity for f in r.findings] == ["URL:dantri.com.vn"]
    assert {f.identity for f in r.exempted} == {
        "URL:vanban.bmnn.noibo",
        "URL:10.10.1.5",
        "URL:localhost",
    }


def test_intranet_visit_without_config_is_internet() -> None:
    r = run([visit("http://vanban.bmnn.noibo/x", "vanban.bmnn.noibo")], check="BMNN-NET-003")
    assert r.result == "fail"


# -- USB, printers, agency clauses -----------------------------------------------------------
def usb(serial, synthesised=False, when=datetime(2026, 3, 10, 1)) -> Observation:
    return obs(
        "usb_storage",
        f"USBSTOR:Kingston/DT/{serial}",
        {"serial": serial, "serial_synthesised": synthesised, "device_class": "disk"},
        [("first_install_date", when), ("key_last_written", when)],
        analyser="usb",
    )


def test_approved_encrypted_usb_is_not_a_finding_and_others_are() -> None:
    r = run(
        [usb("aa0011223344&0"), usb("7&2A8B9C1D&0", synthesised=True)],
        config=LAN,
        check="BMNN-USB-001",
    )
    assert r.result == "fail"
    assert [f.identity for f in r.exempted] == ["USBSTOR:Kingston/DT/aa0011223344&0"]
    assert "USB mã hóa 01" in r.exempted[0].note
    assert [f.identity for f in r.findings] == ["USBSTOR:Kingston/DT/7&2A8B9C1D&0"]
    assert [f.time.name for f in r.findings] == ["first_install_date"]  # not key_last_written


def test_agency_clause_from_config_is_cited_first() -> None:
    r = run([usb("XYZ987654321")], config=LAN, check="BMNN-USB-001")
    first, law = r.findings[0].basis
    assert first.agency and first.citation == "Quy chế của Sở, Điều 7, khoản 2"
    assert first.quote == "Cấm USB lạ." and first.confidence == "confirmed"
    assert law.citation == "Luật 29/2018/QH14, Điều 12, khoản 2"
    assert law.confidence == "baseline"  # after 01/03/2026 the 2018 article is the baseline
    plain = run([usb("XYZ987654321")], check="BMNN-USB-001").findings[0].basis[0]
    assert "chưa khai báo" in plain.citation and plain.confidence == "unknown"


def test_allow_listed_printer_passes_with_a_note() -> None:
    printer = obs(
        "usb_device",
        "USB:03f0/2b17/VN1",
        {"device_class": "printer", "vid": "03f0", "pid": "2b17"},
        analyser="usb",
    )
    r = run([printer], config=LAN, check="BMNN-USB-002")
    assert r.result == "pass" and r.exempted
    assert "danh sách được phép" in r.exempted[0].note
    assert run([printer], check="BMNN-USB-002").result == "fail"


# -- fail closed --------------------------------------------------------------------------------
def test_missing_hive_is_unknown_never_pass() -> None:
    missing = Problem("registry", "missing", SOFTWARE, "Không có tệp hive SOFTWARE.")
    r = run([], [missing], check="BMNN-NET-001")
    assert r.result == "unknown" and "SOFTWARE" in r.notes[0]
    assert run([], check="BMNN-NET-001").result == "pass"


def test_broken_source_is_error_and_a_violation_still_fails() -> None:
    broken = Problem("registry", "error", SOFTWARE, "Tệp hive SOFTWARE bị hỏng.")
    assert run([], [broken], check="BMNN-SW-001").result == "error"
    zalo = obs(
        "software",
        "SW:Zalo",
        {"category": "chat_sync", "product": "Zalo"},
        [("installed", datetime(2026, 3, 9))],
        analyser="win_software",
    )
    r = run([zalo], [broken], check="BMNN-SW-001")
    assert r.result == "fail" and any("Chưa đọc được" in n for n in r.notes)


def test_analyser_crash_is_error_for_the_checks_reading_it() -> None:
    crash = Problem("win_software", "error", "", "Bộ phân tích win_software gặp lỗi: boom")
    results = run([], [crash])
    assert results["BMNN-RA-001"].result == "error"
    assert results["BMNN-USB-001"].result == "pass"


def test_missing_event_channel_makes_internet_check_unknown() -> None:
    ncsi = Problem(
        "eventlog",
        "missing",
        "Windows/System32/winevt/Logs/Microsoft-Windows-NCSI%4Operational.evtx",
        "x",
    )
    results = run([], [ncsi])
    assert results["BMNN-NET-002"].result == "unknown"
    assert results["BMNN-AF-001"].result == "pass"  # NCSI holds no log-cleared events


def test_platform_and_role_give_notapplicable() -> None:
    results = run([], platform="linux")
    assert results["BMNN-CFG-001"].result == "notapplicable"
    assert "windows" in results["BMNN-CFG-001"].reason
    internet = AuditConfig.from_dict({"role": "internet"})
    assert run([], config=internet, check="BMNN-NET-001").result == "notapplicable"
    assert run([], platform="unknown", check="BMNN-NET-001").result == "unknown"


# -- posture (expect mode) ----------------------------------------------------------------------
def policy(name, value) -> Observation:
    return obs(
        "policy",
        f"POLICY:{name}",
        {"policy": name, "value": value, "scope": "machine"},
        [("key_last_written", datetime(2024, 1, 1))],
        analyser="win_posture",
    )


def test_removable_storage_policy_expectations() -> None:
    locked = [policy("removable_storage.deny_all", 1), policy("usbstor.start", 3)]
    assert run(locked, check="BMNN-CFG-001").result == "pass"
    driver_off = [policy("removable_storage.deny_all", "absent"), policy("usbstor.start", 4)]
    assert run(driver_off, check="BMNN-CFG-001").result == "pass"
    r = run(
        [policy("removable_storage.deny_all", "absent"), policy("usbstor.start", 3)],
        check="BMNN-CFG-001",
    )
    assert r.result == "fail" and len(r.findings) == 2
    # A state seen at collection is judged on the audit date, not on the key's write time.
    assert {f.time.name for f in r.findings} == {"audit_time"}
    assert run([], check="BMNN-CFG-001").result == "unknown"


def test_results_say_what_they_cite_on_the_audit_date_when_nothing_was_found() -> None:
    r = run([], check="BMNN-NET-001")
    assert r.result == "pass"
    assert [b.citation for b in r.basis] == ["Luật 117/2025/QH15, Điều 5, khoản 2"]
    d = r.as_dict()
    assert d["result_vi"] == "đạt" and d["basis"][0]["confidence_vi"] == "đã xác nhận"


def test_one_device_spelled_in_two_cases_is_one_object() -> None:
    """Windows 7 setupapi writes "USBSTOR:KINGSTON/DT/…" where the registry has "Kingston"."""
    setupapi = obs(
        "usb_event",
        "USBSTOR:KINGSTON/DT/XYZ987654321",
        {"serial": "XYZ987654321", "device_class": "disk"},
        [("setupapi_first_install", datetime(2026, 3, 9, 1))],
        analyser="setupapi",
    )
    r = run([usb("XYZ987654321"), setupapi], check="BMNN-USB-001")
    assert r.result == "fail" and len(r.findings) == 2
    assert r.reason == "2 bằng chứng vi phạm (1 đối tượng)."
