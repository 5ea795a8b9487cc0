"""The Ed25519 key that signs checkpoints: created once in the data dir, exported as PEM.

The private key is stored unencrypted (PKCS#8 PEM, file mode 0600) in the keys directory,
which lives in the data dir and is never committed; whoever can read that file can sign.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from bmnn.ledger.chain import Checkpoint
from bmnn.ledger.encoding import checkpoint_message, fingerprint_of_raw_key
from bmnn.ledger.files import write_once

KEY_FILE = "ledger-ed25519.pem"

_PEM_PUBLIC_RE = re.compile(
    r"-----BEGIN PUBLIC KEY-----\s+[A-Za-z0-9+/=\s]+?-----END PUBLIC KEY-----"
)


def fingerprint(public_key: Ed25519PublicKey) -> str:
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return fingerprint_of_raw_key(raw)


def public_key_from_text(text: str) -> Ed25519PublicKey:
    """The Ed25519 public key in `text`: a PEM block, possibly with lines around it (as
    `bmnn ledger export-key` prints it)."""
    match = _PEM_PUBLIC_RE.search(text)
    if not match:
        raise ValueError("Không tìm thấy khối '-----BEGIN PUBLIC KEY-----' trong tệp khóa.")
    key = serialization.load_pem_public_key(match.group(0).encode("ascii"))
    if not isinstance(key, Ed25519PublicKey):
        raise ValueError("Khóa công khai không phải Ed25519.")
    return key


def public_key_from_file(path: str | os.PathLike[str]) -> Ed25519PublicKey:
    return public_key_from_text(Path(path).read_text(encoding="utf-8"))


def public_key_pem(public_key: Ed25519PublicKey) -> str:
    return public_key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode("ascii")


def checkpoint_signature_valid(checkpoint: Checkpoint, public_key: Ed25519PublicKey) -> bool:
    try:
        signature = bytes.fromhex(checkpoint.signature)
        public_key.verify(signature, checkpoint.message())
    except (InvalidSignature, ValueError, TypeError):
        return False
    return True


class Signer:
    """Holds the private key; signs checkpoints."""

    def __init__(self, private_key: Ed25519PrivateKey):
        self._private_key = private_key
        self.public_key = private_key.public_key()

    @classmethod
    def generate(cls) -> Signer:
        return cls(Ed25519PrivateKey.generate())

    @staticmethod
    def key_path(directory: str | os.PathLike[str]) -> Path:
        return Path(directory) / KEY_FILE

    @classmethod
    def load(cls, directory: str | os.PathLike[str]) -> Signer:
        """The key in `directory`; FileNotFoundError if there is none yet."""
        data = cls.key_path(directory).read_bytes()
        key = serialization.load_pem_private_key(data, password=None)
        if not isinstance(key, Ed25519PrivateKey):
            raise ValueError("Tệp khóa của sổ nhật ký không chứa khóa Ed25519.")
        return cls(key)

    @classmethod
    def load_or_create(cls, directory: str | os.PathLike[str]) -> Signer:
        """The key in `directory`, generated there on first use (see files.write_once: two
        processes starting at once end up with the same key)."""
        path = cls.key_path(directory)
        if path.exists():
            return cls.load(directory)
        candidate = cls.generate()
        if write_once(path, candidate.private_key_pem()):
            return candidate
        return cls.load(directory)

    def private_key_pem(self) -> bytes:
        return self._private_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )

    def public_key_pem(self) -> str:
        return public_key_pem(self.public_key)

    def fingerprint(self) -> str:
        return fingerprint(self.public_key)

    def sign(self, data: bytes) -> bytes:
        return self._private_key.sign(data)

    def verify(self, data: bytes, signature: bytes) -> bool:
        try:
            self.public_key.verify(signature, data)
        except InvalidSignature:
            return False
        return True

    def sign_checkpoint(self, seq: int, event_hash: str, created_at: dt.datetime) -> Checkpoint:
        """Sign that event `seq` has hash `event_hash`, as of `created_at`."""
        if created_at.tzinfo is None:
            raise ValueError("Thời điểm ký phải có múi giờ (UTC), không được 'naive'.")
        created_at = created_at.astimezone(dt.UTC)
        fp = self.fingerprint()
        signature = self.sign(checkpoint_message(seq, event_hash, created_at, fp))
        return Checkpoint(
            seq=seq,
            event_hash=event_hash,
            created_at=created_at,
            key_fingerprint=fp,
            signature=signature.hex(),
        )
