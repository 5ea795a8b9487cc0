"""The ledger: an append-only, hash-chained event log with Ed25519-signed checkpoints.

Pure Python — no Django here; bmnn.web.ledger stores it in the database.

- Every event carries seq (1, 2, …), UTC time, actor, action, object, a canonical-JSON
  payload, the previous event's hash and its own SHA-256 hash; the exact byte encoding is
  specified in bmnn.ledger.encoding so an inspector can re-implement it.
- Event #1 (genesis) records the fingerprint of the signing key.
- Checkpoints sign (seq, event hash, time, key fingerprint) every N events and on demand.
- verify_stream() / verify_rows() re-check everything from two streams in bounded memory;
  check_chunk() + join_chunks() let ranges be checked in parallel with the same verdict.
"""

from bmnn.ledger.chain import (
    GENESIS_ACTION,
    Checkpoint,
    Event,
    append,
    checkpoint_from_row,
    event_from_row,
    genesis,
    genesis_fingerprint,
    next_event,
)
from bmnn.ledger.encoding import (
    GENESIS_PREV_HASH,
    LedgerFormatError,
    canonical_json,
    checkpoint_message,
    event_hash,
    format_time,
    parse_time,
)
from bmnn.ledger.keys import (
    Signer,
    checkpoint_signature_valid,
    fingerprint,
    public_key_from_file,
    public_key_from_text,
    public_key_pem,
)
from bmnn.ledger.verify import (
    ChunkResult,
    Resume,
    VerifyResult,
    check_chunk,
    finish,
    join_chunks,
    verify_rows,
    verify_stream,
)

__all__ = [
    "GENESIS_ACTION",
    "GENESIS_PREV_HASH",
    "Checkpoint",
    "ChunkResult",
    "Event",
    "LedgerFormatError",
    "Resume",
    "Signer",
    "VerifyResult",
    "append",
    "canonical_json",
    "check_chunk",
    "checkpoint_from_row",
    "checkpoint_message",
    "checkpoint_signature_valid",
    "event_from_row",
    "event_hash",
    "fingerprint",
    "finish",
    "format_time",
    "genesis",
    "genesis_fingerprint",
    "join_chunks",
    "next_event",
    "parse_time",
    "public_key_from_file",
    "public_key_from_text",
    "public_key_pem",
    "verify_rows",
    "verify_stream",
]
