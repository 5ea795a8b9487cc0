"""In-memory ledgers for the pure tests: what bmnn.web.ledger writes, without a database."""

from __future__ import annotations

import dataclasses
import datetime as dt

from bmnn.ledger import Checkpoint, Event, Signer, append, genesis

T0 = dt.datetime(2026, 3, 1, 1, 2, 3, 456789, tzinfo=dt.UTC)


def build_ledger(
    n: int, every: int = 5, signer: Signer | None = None
) -> tuple[Signer, list[Event], list[Checkpoint]]:
    """A valid ledger of n events (genesis included), signed every `every` events."""
    signer = signer or Signer.generate()
    events = [genesis(signer.fingerprint(), signer.public_key_pem(), T0)]
    for i in range(2, n + 1):
        events.append(
            append(
                events[-1],
                actor=f"user:cán_bộ_{i % 3}",
                action="registry.item.register",
                obj=f"registry.Item:{i}",
                payload={"i": i, "tiêu đề": "Báo cáo tổng kết công tác bảo vệ bí mật nhà nước"},
                at=T0 + dt.timedelta(seconds=i),
            )
        )
    checkpoints = [
        signer.sign_checkpoint(ev.seq, ev.hash, ev.at + dt.timedelta(milliseconds=1))
        for ev in events
        if ev.seq % every == 0
    ]
    return signer, events, checkpoints


def rehash_from(events: list[Event], index: int) -> list[Event]:
    """What an attacker without the key does after editing events[index]: recompute every
    hash from there on so the chain is consistent again."""
    out = list(events[:index])
    for ev in events[index:]:
        prev = out[-1].hash if out else ev.prev_hash
        fixed = dataclasses.replace(ev, prev_hash=prev)
        out.append(dataclasses.replace(fixed, hash=fixed.computed_hash()))
    return out
