"""The ledger in the database (run on SQLite, and on PostgreSQL with BMNN_DATABASE_URL)."""

import json

import pytest
from django.db import DatabaseError, connection, transaction

from bmnn import config
from bmnn.ledger import GENESIS_ACTION, Signer, canonical_json, genesis, schema
from bmnn.web import ledger
from tests.ledger.conftest import checkpoint_seqs, fill

pytestmark = pytest.mark.django_db


def head() -> int:
    return ledger.status()["events"]


def test_record_appends_a_chained_event_with_canonical_payload():
    before = head()
    with transaction.atomic():
        event = ledger.record(
            "user:nguyen_van_an",
            "people.delegation.create",
            "people.Delegation:12",
            {"đến": "2026-12-31", "a": [1, 2]},
        )
    assert event.seq == max(before, 1) + 1
    assert event.payload == '{"a":[1,2],"đến":"2026-12-31"}'
    assert event.at.utcoffset().total_seconds() == 0
    assert event.computed_hash() == event.hash
    assert ledger.recent(limit=1) == [event]
    assert ledger.recent(limit=2)[1].hash == event.prev_hash


@pytest.fixture
def empty_ledger(attacker):
    """An empty ledger, guards back on, as on a new installation (rolled back afterwards)."""
    attacker.sql(f"DELETE FROM {schema.EVENT_TABLE}")
    attacker.sql(f"DELETE FROM {schema.CHECKPOINT_TABLE}")
    for statement in schema.guard_sql(connection.vendor):
        attacker.sql(statement)
    (config.keys_dir() / ledger.GENESIS_FILE).unlink(missing_ok=True)
    return attacker


def test_first_event_is_preceded_by_genesis_recording_the_key(empty_ledger):
    (event,) = fill(1)
    assert event.seq == 2
    first = empty_ledger.event(1)
    assert first.action == GENESIS_ACTION
    assert first.prev_hash == "0" * 64
    assert event.prev_hash == first.hash
    assert first.payload_data()["key_fingerprint"] == ledger.status()["fingerprint"]
    assert ledger.verify().ok


@pytest.mark.parametrize(
    ("actor", "payload", "error"),
    [("", {}, ValueError), ("system", {"x": object()}, TypeError), ("system", [1], TypeError)],
)
def test_invalid_event_writes_nothing_not_even_genesis(empty_ledger, actor, payload, error):
    with transaction.atomic():
        with pytest.raises(error):
            ledger.record(actor, "test.ledger.fill", "test.Thing:1", payload)
        assert head() == 0


def test_record_outside_a_transaction_is_refused(transactional_db):
    before = head()
    with pytest.raises(ledger.LedgerError, match=r"transaction\.atomic"):
        ledger.record("system", "test.ledger.fill", "test.Thing:1", {})
    assert head() == before


def test_rolled_back_transaction_leaves_no_event():
    before = head()
    with pytest.raises(RuntimeError), transaction.atomic():
        ledger.record("system", "test.ledger.fill", "test.Thing:1", {})
        raise RuntimeError("dịch vụ thất bại")
    assert head() == before


def test_checkpoint_signed_every_n_events(every5):
    events = fill(11)
    expected = [e.seq for e in events if e.seq % every5 == 0]
    assert len(expected) >= 2
    assert set(expected) <= set(checkpoint_seqs())
    status = ledger.status()
    assert status["last_checkpoint"].seq == expected[-1]
    assert status["last_checkpoint"].event_hash == events[expected[-1] - events[0].seq].hash


def test_checkpoint_now_signs_the_head_once():
    events = fill(2)
    cp = ledger.checkpoint_now()
    assert (cp.seq, cp.event_hash) == (events[-1].seq, events[-1].hash)
    assert cp.key_fingerprint == ledger.status()["fingerprint"]
    assert ledger.checkpoint_now() == cp
    result = ledger.verify()
    assert result.ok, result.message
    assert result.last_checkpoint == cp


def test_status_and_last_verify_cache(every5):
    fill(6)
    result = ledger.verify()
    assert result.ok, result.message
    status = ledger.status()
    assert status["events"] == result.events_checked
    assert status["last_verify"] == result
    assert status["last_verify_at"] is not None
    assert status["fingerprint"] in ledger.public_key_text()


def test_recent_filters_by_actor_and_object():
    fill(3, actor="user:le_thi_binh")
    with transaction.atomic():
        target = ledger.record("user:tran_van_c", "x.y", "registry.Item:77", {})
    mine = ledger.recent(limit=10, actor="user:le_thi_binh")
    assert len(mine) == 3
    assert [e.seq for e in mine] == sorted((e.seq for e in mine), reverse=True)
    assert ledger.recent(obj="registry.Item:77") == [target]
    assert ledger.recent(actor="user:le_thi_binh", obj="registry.Item:77") == []


def test_public_key_text_is_accepted_by_verify(tmp_path):
    fill(3)
    path = tmp_path / "khoa-cong-khai.txt"
    path.write_text(ledger.public_key_text(), encoding="utf-8")
    result = ledger.verify(public_key_path=str(path))
    assert result.ok, result.message


def test_verify_reads_in_batches(monkeypatch, every5):
    fill(12)
    monkeypatch.setattr(ledger, "_BATCH", 4)
    sizes, kinds = [], []
    real = connection.chunked_cursor

    def spy():
        wrapper = real()
        kinds.append(type(wrapper.cursor).__name__)
        fetchmany = wrapper.fetchmany

        def counted(size=None):
            sizes.append(size)
            return fetchmany(size)

        wrapper.fetchmany = counted
        return wrapper

    monkeypatch.setattr(connection, "chunked_cursor", spy)
    result = ledger.verify()
    assert result.ok, result.message
    assert len(kinds) == 2  # one stream of checkpoints, one of events
    assert set(sizes) == {4}
    assert len(sizes) >= result.events_checked // 4
    if connection.vendor == "postgresql":
        assert all("ServerSide" in kind or "ServerCursor" in kind for kind in kinds)


# ---------------------------------------------------------------------------- guards


@pytest.mark.parametrize("table", [schema.EVENT_TABLE, schema.CHECKPOINT_TABLE])
@pytest.mark.parametrize("statement", ["UPDATE {t} SET seq = seq", "DELETE FROM {t}"])
def test_guards_refuse_update_and_delete(table, statement):
    fill(1)
    ledger.checkpoint_now()
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cur,
    ):
        cur.execute(statement.format(t=table))


@pytest.mark.parametrize("table", [schema.EVENT_TABLE, schema.CHECKPOINT_TABLE])
def test_guards_refuse_truncate_on_postgresql(table):
    if connection.vendor != "postgresql":
        pytest.skip("TRUNCATE exists only on PostgreSQL")
    fill(1)
    ledger.checkpoint_now()
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cur,
    ):
        cur.execute(f"TRUNCATE {table}")


# ---------------------------------------------------------------------------- tampering


def test_edited_payload_is_found(attacker):
    target = fill(6)[2].seq
    attacker.sql(
        f"UPDATE {schema.EVENT_TABLE} SET payload = %s WHERE seq = %s",
        [canonical_json({"i": 2, "mức": "Tuyệt mật"}), target],
    )
    result = ledger.verify()
    assert (result.ok, result.first_bad_seq) == (False, target)
    assert result.message.startswith(f"Sự kiện #{target} bị sửa")


def test_deleted_event_is_found(attacker):
    target = fill(6)[3].seq
    attacker.sql(f"DELETE FROM {schema.EVENT_TABLE} WHERE seq = %s", [target])
    result = ledger.verify()
    assert (result.ok, result.first_bad_seq) == (False, target)
    assert result.message.startswith(f"Sự kiện #{target} bị thiếu")


def test_swapped_events_are_found(attacker):
    events = fill(6)
    a, b = events[2].seq, events[3].seq
    attacker.sql(f"UPDATE {schema.EVENT_TABLE} SET seq = -1 WHERE seq = %s", [a])
    attacker.sql(f"UPDATE {schema.EVENT_TABLE} SET seq = %s WHERE seq = %s", [a, b])
    attacker.sql(f"UPDATE {schema.EVENT_TABLE} SET seq = %s WHERE seq = -1", [b])
    result = ledger.verify()
    assert (result.ok, result.first_bad_seq) == (False, a)
    assert result.message.startswith(f"Sự kiện #{a} bị sửa")


def test_tail_cut_after_a_checkpoint_is_found(attacker, every5):
    fill(12)
    signed = checkpoint_seqs()[-1]
    cut_from = signed - 2
    attacker.sql(f"DELETE FROM {schema.EVENT_TABLE} WHERE seq >= %s", [cut_from])
    result = ledger.verify()
    assert (result.ok, result.first_bad_seq) == (False, cut_from)
    assert result.message.startswith(f"Sự kiện #{cut_from}–#{signed} bị thiếu")


def test_chain_recomputed_without_the_key_is_found(attacker, every5):
    fill(12)
    first_cp, second_cp = checkpoint_seqs()[-2:]
    target = first_cp + 2
    attacker.sql(
        f"UPDATE {schema.EVENT_TABLE} SET actor = %s WHERE seq = %s", ["user:ke_gian", target]
    )
    attacker.recompute_from(target)
    result = ledger.verify()
    assert (result.ok, result.first_bad_seq) == (False, first_cp + 1)
    assert result.message.startswith(f"Sự kiện #{first_cp + 1}–#{second_cp} bị sửa")


def test_removed_checkpoints_are_found(attacker, every5):
    fill(16)  # at least three checkpoints of ours, so the unsigned tail exceeds 5
    kept = checkpoint_seqs()[-3]
    target = kept + 2
    attacker.sql(f"UPDATE {schema.EVENT_TABLE} SET object = 'x' WHERE seq = %s", [target])
    attacker.recompute_from(target)
    attacker.sql(f"DELETE FROM {schema.CHECKPOINT_TABLE} WHERE seq > %s", [kept])
    result = ledger.verify()
    assert (result.ok, result.first_bad_seq) == (False, kept + 1)
    assert "không có điểm kiểm tra" in result.message


def test_replaced_key_is_found(attacker, every5, tmp_path):
    fill(7)
    exported = tmp_path / "khoa-da-xuat.txt"
    exported.write_text(ledger.public_key_text(), encoding="utf-8")
    new_key = Signer.generate()
    Signer.key_path(config.keys_dir()).write_bytes(new_key.private_key_pem())
    attacker.resign_checkpoints(new_key)

    local = ledger.verify()
    assert (local.ok, local.first_bad_seq) == (False, 1)
    assert local.message.startswith("Sự kiện #1 (khởi tạo sổ) ghi khóa")
    carried = ledger.verify(public_key_path=str(exported))
    assert (carried.ok, carried.first_bad_seq) == (False, 1)
    assert "ký bằng khóa khác" in carried.message


def test_whole_ledger_rewritten_with_a_new_key_is_found(attacker, every5, tmp_path):
    fill(7)
    exported = tmp_path / "khoa-da-xuat.txt"
    exported.write_text(ledger.public_key_text(), encoding="utf-8")
    original_genesis = attacker.event(1)
    ledger._remember_genesis(original_genesis.hash)  # what the first commit wrote

    new_key = Signer.generate()
    Signer.key_path(config.keys_dir()).write_bytes(new_key.private_key_pem())
    forged = genesis(new_key.fingerprint(), new_key.public_key_pem(), original_genesis.at)
    attacker.sql(
        f"UPDATE {schema.EVENT_TABLE} SET payload = %s, hash = %s WHERE seq = 1",
        [forged.payload, forged.hash],
    )
    attacker.recompute_from(2)
    with connection.cursor() as cur:
        cur.execute(f"SELECT seq, hash FROM {schema.EVENT_TABLE}")
        hashes = dict(cur.fetchall())
    for seq in checkpoint_seqs():
        attacker.sql(
            f"UPDATE {schema.CHECKPOINT_TABLE} SET event_hash = %s WHERE seq = %s",
            [hashes[seq], seq],
        )
    attacker.resign_checkpoints(new_key)

    remembered = ledger.verify()
    assert (remembered.ok, remembered.first_bad_seq) == (False, 1)
    assert "viết lại toàn bộ" in remembered.message
    carried = ledger.verify(public_key_path=str(exported))
    assert (carried.ok, carried.first_bad_seq) == (False, 1)


def test_malformed_time_is_reported_not_crashed(attacker):
    target = fill(3)[1].seq
    attacker.sql(
        f"UPDATE {schema.EVENT_TABLE} SET at = %s WHERE seq = %s",
        ["2026-02-30T00:00:00.000000Z", target],
    )
    result = ledger.verify()
    assert (result.ok, result.first_bad_seq) == (False, target)
    assert result.message.startswith(f"Sự kiện #{target} bị sửa")


def test_missing_key_file_is_reported():
    fill(1)
    Signer.key_path(config.keys_dir()).unlink()
    result = ledger.verify()
    assert not result.ok
    assert "--public-key" in result.message


def test_unreadable_public_key_file_is_reported(tmp_path):
    fill(1)
    result = ledger.verify(public_key_path=str(tmp_path / "khong-co.pem"))
    assert not result.ok
    assert "Không đọc được khóa công khai" in result.message


def test_status_survives_a_damaged_checkpoint_row(attacker):
    fill(1)
    cp = ledger.checkpoint_now()
    attacker.sql(
        f"UPDATE {schema.CHECKPOINT_TABLE} SET created_at = 'hôm qua' WHERE seq = %s", [cp.seq]
    )
    assert ledger.status()["last_checkpoint"] is None
    assert not ledger.verify().ok


def test_cached_result_belongs_to_this_database():
    fill(1)
    ledger.verify()
    path = config.data_dir() / ledger.LAST_VERIFY_FILE
    data = json.loads(path.read_text(encoding="utf-8"))
    path.write_text(json.dumps({**data, "database": "sqlite::/khac"}), encoding="utf-8")
    assert ledger.status()["last_verify"] is None
