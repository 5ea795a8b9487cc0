"""The signing key: created once, privately, atomically; exported and read back."""

import dataclasses
import datetime as dt
import os
import stat
import sys
import threading

import pytest
from cryptography.hazmat.primitives.asymmetric.ec import SECP256R1, generate_private_key
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from bmnn.ledger import (
    Signer,
    checkpoint_signature_valid,
    public_key_from_file,
    public_key_from_text,
)
from bmnn.ledger.files import write_once
from bmnn.ledger.keys import KEY_FILE


def test_key_is_created_once_and_reloaded(tmp_path):
    first = Signer.load_or_create(tmp_path)
    again = Signer.load_or_create(tmp_path)
    assert first.fingerprint() == again.fingerprint()
    assert [p.name for p in tmp_path.iterdir()] == [KEY_FILE]


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX file modes")
def test_key_file_is_private(tmp_path):
    Signer.load_or_create(tmp_path)
    assert stat.S_IMODE(os.stat(tmp_path / KEY_FILE).st_mode) == 0o600


def test_load_without_a_key_fails(tmp_path):
    with pytest.raises(FileNotFoundError):
        Signer.load(tmp_path)


def test_concurrent_first_use_yields_one_key(tmp_path):
    barrier = threading.Barrier(8)
    fingerprints = []

    def create():
        barrier.wait()
        fingerprints.append(Signer.load_or_create(tmp_path).fingerprint())

    threads = [threading.Thread(target=create) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(fingerprints) == 8
    assert len(set(fingerprints)) == 1
    assert fingerprints[0] == Signer.load(tmp_path).fingerprint()
    assert [p.name for p in tmp_path.iterdir()] == [KEY_FILE]  # no temporary files left


def test_exported_text_is_read_back_with_lines_around_the_pem(tmp_path):
    signer = Signer.generate()
    text = "Khóa công khai\nDấu vân tay: …\n\n" + signer.public_key_pem() + "\nký tên\n"
    path = tmp_path / "khoa.txt"
    path.write_text(text, encoding="utf-8")
    assert public_key_from_text(text).public_bytes(
        Encoding.Raw, PublicFormat.Raw
    ) == signer.public_key.public_bytes(Encoding.Raw, PublicFormat.Raw)
    assert public_key_from_file(path).public_bytes(
        Encoding.Raw, PublicFormat.Raw
    ) == signer.public_key.public_bytes(Encoding.Raw, PublicFormat.Raw)


def test_non_ed25519_or_missing_key_is_refused():
    ec_pem = (
        generate_private_key(SECP256R1())
        .public_key()
        .public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    with pytest.raises(ValueError, match="Ed25519"):
        public_key_from_text(ec_pem)
    with pytest.raises(ValueError, match="BEGIN PUBLIC KEY"):
        public_key_from_text("không có khóa")


def test_checkpoint_signature_covers_every_field():
    signer = Signer.generate()
    at = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
    cp = signer.sign_checkpoint(100, "ab" * 32, at)
    assert cp.key_fingerprint == signer.fingerprint()
    assert checkpoint_signature_valid(cp, signer.public_key)
    for change in (
        {"seq": 101},
        {"event_hash": "cd" * 32},
        {"created_at": at + dt.timedelta(microseconds=1)},
        {"key_fingerprint": "X"},
        {"signature": "zz"},
    ):
        assert not checkpoint_signature_valid(dataclasses.replace(cp, **change), signer.public_key)
    assert not checkpoint_signature_valid(cp, Signer.generate().public_key)


def test_write_once_never_overwrites(tmp_path):
    target = tmp_path / "ledger-genesis.sha256"
    assert write_once(target, b"first\n")
    assert not write_once(target, b"second\n")
    assert target.read_bytes() == b"first\n"
    assert [p.name for p in tmp_path.iterdir()] == [target.name]
