"""verify_stream over in-memory ledgers, no database: each attack is caught at the right seq."""

import dataclasses
import datetime as dt
import tracemalloc

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bmnn.ledger import (
    GENESIS_ACTION,
    LedgerFormatError,
    Signer,
    append,
    genesis,
    next_event,
    verify_stream,
)
from tests.ledger.builders import T0, build_ledger, rehash_from


def check(events, checkpoints, signer, **kwargs):
    return verify_stream(iter(events), iter(checkpoints), signer.public_key, **kwargs)


def test_intact_ledger_verifies():
    signer, events, cps = build_ledger(23, every=5)
    result = check(events, cps, signer, max_unsigned=5)
    assert result.ok, result.message
    assert result.first_bad_seq is None
    assert result.events_checked == 23
    assert result.checkpoints_checked == 4
    assert result.last_checkpoint == cps[-1]
    assert "23 sự kiện" in result.message


def test_chain_starts_with_genesis_recording_the_key():
    signer, events, _ = build_ledger(3)
    assert events[0].seq == 1
    assert events[0].prev_hash == "0" * 64
    assert events[0].action == GENESIS_ACTION
    assert events[0].payload_data()["key_fingerprint"] == signer.fingerprint()
    assert [e.prev_hash for e in events[1:]] == [e.hash for e in events[:-1]]


def test_edited_payload_is_found():
    signer, events, cps = build_ledger(12)
    events[7] = dataclasses.replace(events[7], payload='{"i":8,"tiêu đề":"đã sửa"}')
    result = check(events, cps, signer)
    assert not result.ok
    assert result.first_bad_seq == 8
    assert result.message.startswith("Sự kiện #8 bị sửa")
    assert result.events_checked == 7


@pytest.mark.parametrize("field", ["at", "actor", "action", "object", "prev_hash", "hash"])
def test_any_edited_field_is_found(field):
    signer, events, cps = build_ledger(9)
    old = events[5]
    new_value = {
        "at": old.at + dt.timedelta(microseconds=1),
        "actor": "user:khác",
        "action": "registry.item.destroy",
        "object": "registry.Item:999",
        "prev_hash": "f" * 64,
        "hash": "e" * 64,
    }[field]
    events[5] = dataclasses.replace(old, **{field: new_value})
    result = check(events, cps, signer)
    assert (result.ok, result.first_bad_seq) == (False, 6)
    assert result.message.startswith("Sự kiện #6 ")


def test_deleted_event_is_found():
    signer, events, cps = build_ledger(12)
    del events[8]  # seq 9
    result = check(events, cps, signer)
    assert (result.ok, result.first_bad_seq) == (False, 9)
    assert result.message.startswith("Sự kiện #9 bị thiếu")


def test_deleted_first_event_is_found():
    signer, events, cps = build_ledger(4)
    result = check(events[1:], cps, signer)
    assert (result.ok, result.first_bad_seq) == (False, 1)
    assert result.message.startswith("Sự kiện #1 bị thiếu")


def test_swapped_events_are_found():
    signer, events, cps = build_ledger(12)
    events[6], events[7] = events[7], events[6]  # seq 7 and 8
    result = check(events, cps, signer)
    assert (result.ok, result.first_bad_seq) == (False, 7)
    assert result.message.startswith("Sự kiện #7 ")


def test_swapped_contents_under_the_same_numbers_are_found():
    signer, events, cps = build_ledger(12)
    a, b = events[6], events[7]
    events[6] = dataclasses.replace(b, seq=7)
    events[7] = dataclasses.replace(a, seq=8)
    result = check(events, cps, signer)
    assert (result.ok, result.first_bad_seq) == (False, 7)
    assert result.message.startswith("Sự kiện #7 bị sửa")


def test_repeated_event_is_found():
    signer, events, cps = build_ledger(6)
    events.insert(4, events[3])
    result = check(events, cps, signer)
    assert (result.ok, result.first_bad_seq) == (False, 4)
    assert "bị lặp" in result.message


def test_tail_cut_after_a_checkpoint_is_found():
    signer, events, cps = build_ledger(12, every=5)  # checkpoints at 5 and 10
    result = check(events[:7], cps, signer)  # events 8..12 removed; checkpoint says #10
    assert (result.ok, result.first_bad_seq) == (False, 8)
    assert result.message.startswith("Sự kiện #8–#10 bị thiếu")


def test_chain_recomputed_without_the_key_is_found():
    signer, events, cps = build_ledger(17, every=5)  # checkpoints at 5, 10, 15
    events[7] = dataclasses.replace(events[7], payload='{"i":8,"tiêu đề":"đã sửa"}')
    forged = rehash_from(events, 7)
    # The chain itself is consistent again: only the signed checkpoints can tell.
    assert all(e.computed_hash() == e.hash for e in forged)
    result = check(forged, cps, signer)
    assert (result.ok, result.first_bad_seq) == (False, 6)
    assert result.message.startswith("Sự kiện #6–#10 bị sửa")
    assert result.checkpoints_checked == 1


def test_replaced_key_is_found_by_the_genesis_fingerprint():
    signer, events, cps = build_ledger(12, every=5)
    attacker = Signer.generate()
    resigned = [attacker.sign_checkpoint(cp.seq, cp.event_hash, cp.created_at) for cp in cps]
    # Verifying with the (replaced) key file: the genesis event still names the old key.
    local = check(events, resigned, attacker)
    assert (local.ok, local.first_bad_seq) == (False, 1)
    assert local.message.startswith("Sự kiện #1 (khởi tạo sổ) ghi khóa")
    # Verifying with the key exported earlier: the checkpoints are not signed by it.
    exported = check(events, resigned, signer)
    assert (exported.ok, exported.first_bad_seq) == (False, 1)
    assert "ký bằng khóa khác" in exported.message


def test_whole_ledger_rewritten_with_a_new_key_is_found_by_the_exported_key_and_genesis_hash():
    signer, events, _ = build_ledger(12, every=5)
    attacker = Signer.generate()
    new_genesis = genesis(attacker.fingerprint(), attacker.public_key_pem(), events[0].at)
    forged = rehash_from([new_genesis, *events[1:]], 1)
    forged_cps = [attacker.sign_checkpoint(e.seq, e.hash, e.at) for e in forged if e.seq % 5 == 0]
    exported = check(forged, forged_cps, signer)
    assert (exported.ok, exported.first_bad_seq) == (False, 1)
    remembered = check(forged, forged_cps, attacker, genesis_hash=events[0].hash)
    assert (remembered.ok, remembered.first_bad_seq) == (False, 1)
    assert "viết lại toàn bộ" in remembered.message


def test_forged_checkpoint_signature_is_found():
    signer, events, cps = build_ledger(12, every=5)
    cps[1] = dataclasses.replace(cps[1], signature="00" * 64)
    result = check(events, cps, signer)
    assert (result.ok, result.first_bad_seq) == (False, 6)
    assert "chữ ký không hợp lệ" in result.message


def test_removed_checkpoints_are_found_through_the_interval():
    signer, events, cps = build_ledger(17, every=5)
    events[7] = dataclasses.replace(events[7], payload='{"sửa":true}')
    forged = rehash_from(events, 7)
    result = check(forged, cps[:1], signer, max_unsigned=5)  # checkpoints 10 and 15 removed
    assert (result.ok, result.first_bad_seq) == (False, 6)
    assert result.message.startswith("Sự kiện #6–#17 không có điểm kiểm tra")


def test_checkpoint_for_a_missing_event_with_bad_signature_is_reported():
    signer, events, cps = build_ledger(6, every=5)
    fake = dataclasses.replace(cps[0], seq=50)
    result = check(events, [*cps, fake], signer)
    assert (result.ok, result.first_bad_seq) == (False, 7)
    assert "không hợp lệ" in result.message


def test_checkpoint_numbered_below_one_is_reported():
    signer, events, cps = build_ledger(6, every=5)
    result = check(events, [dataclasses.replace(cps[0], seq=0)], signer)
    assert (result.ok, result.first_bad_seq) == (False, 1)


def test_first_event_must_be_genesis():
    signer = Signer.generate()
    ev = append(None, actor="system", action="x", obj="o", payload={}, at=T0)
    result = check([ev], [], signer)
    assert (result.ok, result.first_bad_seq) == (False, 1)
    assert "ledger.genesis" in result.message


def test_malformed_row_reported_by_the_reader_names_its_seq():
    signer, events, cps = build_ledger(6)

    def reader():
        yield from events[:3]
        raise LedgerFormatError("thời gian không đúng dạng chuẩn", 4)

    result = verify_stream(reader(), iter(cps), signer.public_key)
    assert (result.ok, result.first_bad_seq) == (False, 4)
    assert result.message.startswith("Sự kiện #4 bị sửa")


def test_empty_ledger():
    signer = Signer.generate()
    assert check([], [], signer).ok
    assert check([], [], signer, allow_empty=False).first_bad_seq == 1
    wiped = check([], [], signer, genesis_hash="a" * 64)
    assert (wiped.ok, wiped.first_bad_seq) == (False, 1)
    _, _, cps = build_ledger(6, every=5, signer=signer)
    cut = check([], cps, signer)
    assert (cut.ok, cut.first_bad_seq) == (False, 1)


@settings(max_examples=60, deadline=None)
@given(
    n=st.integers(min_value=2, max_value=30),
    data=st.data(),
)
def test_any_single_edit_is_found_at_its_seq(n, data):
    signer, events, cps = build_ledger(n, every=4)
    index = data.draw(st.integers(min_value=0, max_value=n - 1))
    field = data.draw(st.sampled_from(["actor", "action", "object", "payload", "hash"]))
    old = events[index]
    value = data.draw(st.text(min_size=1).filter(lambda v: v != getattr(old, field)))
    events[index] = dataclasses.replace(old, **{field: value})
    result = check(events, cps, signer)
    assert not result.ok
    assert result.first_bad_seq == index + 1


def test_verification_streams_in_bounded_memory():
    signer = Signer.generate()
    count = 30_000

    def events():
        ev = genesis(signer.fingerprint(), signer.public_key_pem(), T0)
        yield ev
        for seq in range(2, count + 1):
            ev = next_event(
                seq, ev.hash, actor="user:an", action="a", obj=f"o:{seq}", payload={"s": seq}, at=T0
            )
            yield ev

    tracemalloc.start()
    try:
        result = verify_stream(events(), iter(()), signer.public_key)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert result.ok and result.events_checked == count
    # A list of 30 000 events alone would take well over 10 MB.
    assert peak < 1_000_000
