"""Verification of a ledger read as two streams (events, checkpoints), in bounded memory.

What is checked, in sequence order, stopping at the first defect:
- seq runs 1, 2, 3, … without gaps or repeats;
- each event's hash matches its content and its prev_hash matches the previous event's hash;
- event #1 is the genesis event and records the fingerprint of the key we verify with
  (and, when the data dir remembers it, has the genesis hash recorded at initialisation);
- each checkpoint is signed by that key and signs the hash its event has now;
- no checkpoint points past the last event (a cut tail);
- optionally, no more than `max_unsigned` events follow the last valid checkpoint
  (the ledger signs every N events, so a longer unsigned tail means checkpoints were removed).

An attacker who edits an event and recomputes every later hash keeps the chain consistent;
only a signed checkpoint can tell, so such a defect is reported for the whole span since the
last valid checkpoint: first_bad_seq is the first event no longer proven intact.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from bmnn.ledger.chain import Checkpoint, Event, genesis_fingerprint
from bmnn.ledger.encoding import GENESIS_PREV_HASH, LedgerFormatError, format_time
from bmnn.ledger.keys import checkpoint_signature_valid, fingerprint


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    message: str
    first_bad_seq: int | None
    events_checked: int
    checkpoints_checked: int
    last_checkpoint: Checkpoint | None


class _Defect(Exception):
    def __init__(self, seq: int, message: str):
        super().__init__(message)
        self.seq = seq
        self.message = message


def _span(first: int, last: int) -> str:
    return f"#{first}–#{last}" if first < last else f"#{last}"


class _Verifier:
    def __init__(
        self,
        public_key: Ed25519PublicKey,
        max_unsigned: int | None,
        genesis_hash: str | None,
        allow_empty: bool,
    ):
        self.public_key = public_key
        self.fp = fingerprint(public_key)
        self.max_unsigned = max_unsigned
        self.genesis_hash = genesis_hash
        self.allow_empty = allow_empty
        self.events_checked = 0
        self.checkpoints_checked = 0
        self.last_checkpoint: Checkpoint | None = None
        self.last_seq = 0
        self.signed_upto = 0  # every event up to here is covered by a valid checkpoint

    def run(self, events: Iterable[Event], checkpoints: Iterable[Checkpoint]) -> None:
        cps = iter(checkpoints)
        pending = self._next_checkpoint(cps)
        prev_hash = GENESIS_PREV_HASH
        for event in self._events(iter(events)):
            self._check_event(event, prev_hash)
            prev_hash = event.hash
            self.last_seq = event.seq
            self.events_checked += 1
            while pending is not None and pending.seq <= event.seq:
                self._check_checkpoint(pending, event)
                pending = self._next_checkpoint(cps)
        self._check_end(pending)

    def _events(self, it: Iterator[Event]) -> Iterator[Event]:
        while True:
            try:
                event = next(it)
            except StopIteration:
                return
            except LedgerFormatError as exc:
                seq = exc.seq if exc.seq is not None else self.last_seq + 1
                raise _Defect(seq, f"Sự kiện #{seq} bị sửa: {exc}") from exc
            yield event

    def _next_checkpoint(self, cps: Iterator[Checkpoint]) -> Checkpoint | None:
        try:
            return next(cps, None)
        except LedgerFormatError as exc:
            first = self.signed_upto + 1
            where = f"#{exc.seq}" if exc.seq is not None else f"sau #{self.signed_upto}"
            raise _Defect(
                first,
                f"Điểm kiểm tra tại sự kiện {where} bị sửa ({exc}): các sự kiện từ #{first} "
                "không còn được chứng thực.",
            ) from exc

    def _check_event(self, event: Event, prev_hash: str) -> None:
        expected = self.last_seq + 1
        if event.seq > expected:
            after = (
                f"sau #{expected - 1} là #{event.seq}"
                if expected > 1
                else f"sổ bắt đầu từ #{event.seq}"
            )
            raise _Defect(
                expected, f"Sự kiện #{expected} bị thiếu (bị xóa hoặc sai thứ tự): {after}."
            )
        if event.seq < expected:
            raise _Defect(
                event.seq,
                f"Sự kiện #{event.seq} bị lặp hoặc sai thứ tự: xuất hiện lại sau #{expected - 1}.",
            )
        try:
            intact = event.computed_hash() == event.hash
        except (TypeError, ValueError):
            intact = False
        if not intact:
            raise _Defect(
                event.seq,
                f"Sự kiện #{event.seq} bị sửa: mã băm lưu trong sổ không khớp với nội dung.",
            )
        if event.prev_hash != prev_hash:
            raise _Defect(
                event.seq,
                f"Sự kiện #{event.seq} bị sửa hoặc bị chèn: không nối tiếp mã băm của "
                f"sự kiện #{event.seq - 1}.",
            )
        if event.seq == 1:
            self._check_genesis(event)

    def _check_genesis(self, event: Event) -> None:
        recorded = genesis_fingerprint(event)
        if recorded is None:
            raise _Defect(
                1, "Sự kiện #1 bị sửa: không phải sự kiện khởi tạo sổ (ledger.genesis) ghi khóa ký."
            )
        if recorded != self.fp:
            raise _Defect(
                1,
                f"Sự kiện #1 (khởi tạo sổ) ghi khóa có dấu vân tay {recorded}, khác với khóa "
                f"dùng để kiểm tra ({self.fp}): khóa ký đã bị thay, hoặc đang kiểm tra bằng "
                "khóa của sổ khác.",
            )
        if self.genesis_hash is not None and event.hash != self.genesis_hash:
            raise _Defect(
                1,
                "Sự kiện #1 (khởi tạo sổ) bị thay: mã băm khác với mã ghi lại lúc khởi tạo "
                "trong thư mục dữ liệu — sổ có thể đã bị viết lại toàn bộ.",
            )

    def _check_checkpoint(self, cp: Checkpoint, event: Event) -> None:
        first = self.signed_upto + 1
        if cp.seq != event.seq:
            raise _Defect(
                first,
                f"Điểm kiểm tra tại #{cp.seq} không ứng với sự kiện nào (bị sửa hoặc sai thứ "
                f"tự): các sự kiện từ #{first} không còn được chứng thực.",
            )
        span = _span(first, cp.seq)
        if cp.key_fingerprint != self.fp:
            raise _Defect(
                first,
                f"Điểm kiểm tra tại sự kiện #{cp.seq} được ký bằng khóa khác (dấu vân tay "
                f"{cp.key_fingerprint}), không phải khóa dùng để kiểm tra ({self.fp}): "
                f"sự kiện {span} không được chứng thực.",
            )
        if not checkpoint_signature_valid(cp, self.public_key):
            raise _Defect(
                first,
                f"Điểm kiểm tra tại sự kiện #{cp.seq} có chữ ký không hợp lệ (bị sửa hoặc giả "
                f"mạo): sự kiện {span} không được chứng thực.",
            )
        if cp.event_hash != event.hash:
            raise _Defect(
                first,
                f"Sự kiện {span} bị sửa: mã băm của sự kiện #{cp.seq} khác với mã đã ký trong "
                f"điểm kiểm tra lúc {format_time(cp.created_at)} — chuỗi băm đã bị tính lại "
                "sau khi sửa.",
            )
        self.signed_upto = cp.seq
        self.last_checkpoint = cp
        self.checkpoints_checked += 1

    def _check_end(self, pending: Checkpoint | None) -> None:
        last = self.last_seq
        if pending is not None:
            valid = pending.key_fingerprint == self.fp and checkpoint_signature_valid(
                pending, self.public_key
            )
            if valid:
                raise _Defect(
                    last + 1,
                    f"Sự kiện {_span(last + 1, pending.seq)} bị thiếu: điểm kiểm tra đã ký tại "
                    f"#{pending.seq} nhưng sổ chỉ còn đến #{last} — phần cuối sổ đã bị cắt.",
                )
            raise _Defect(
                last + 1,
                f"Điểm kiểm tra tại #{pending.seq} không hợp lệ và trỏ tới sự kiện không có "
                f"trong sổ (sổ chỉ có đến #{last}).",
            )
        if last == 0:
            if self.genesis_hash is not None:
                raise _Defect(
                    1,
                    "Sự kiện #1 bị thiếu: sổ đã được khởi tạo (thư mục dữ liệu còn ghi mã băm "
                    "khởi tạo) nhưng nay không còn sự kiện nào.",
                )
            if not self.allow_empty:
                raise _Defect(1, "Sự kiện #1 bị thiếu: sổ nhật ký trống.")
            return
        unsigned = last - self.signed_upto
        if self.max_unsigned is not None and unsigned > self.max_unsigned:
            raise _Defect(
                self.signed_upto + 1,
                f"Sự kiện {_span(self.signed_upto + 1, last)} không có điểm kiểm tra đã ký, "
                f"trong khi sổ ký sau mỗi {self.max_unsigned} sự kiện: điểm kiểm tra có thể đã "
                "bị xóa. (Nếu vừa giảm BMNN_LEDGER_CHECKPOINT_EVERY, hãy chạy "
                "'bmnn ledger checkpoint'.)",
            )

    def success_message(self) -> str:
        if self.events_checked == 0:
            return "Sổ nhật ký chưa có sự kiện nào."
        parts = [
            f"Sổ nhật ký toàn vẹn: {self.events_checked} sự kiện (#1–#{self.last_seq}), "
            f"{self.checkpoints_checked} điểm kiểm tra có chữ ký hợp lệ"
        ]
        if self.last_checkpoint is not None:
            cp = self.last_checkpoint
            parts.append(f", điểm cuối tại #{cp.seq} ({format_time(cp.created_at)})")
        unsigned = self.last_seq - self.signed_upto
        if unsigned:
            parts.append(
                f"; {unsigned} sự kiện sau điểm kiểm tra cuối mới được bảo vệ bằng chuỗi băm"
            )
        parts.append(f". Khóa: {self.fp}.")
        return "".join(parts)


def verify_stream(
    events: Iterable[Event],
    checkpoints: Iterable[Checkpoint],
    public_key: Ed25519PublicKey,
    *,
    max_unsigned: int | None = None,
    genesis_hash: str | None = None,
    allow_empty: bool = True,
) -> VerifyResult:
    """Verify a ledger. Both streams must be in ascending seq order; each is read once.

    max_unsigned: the checkpoint interval in force; a longer unsigned tail is a defect.
    genesis_hash: the hash of event #1 remembered at initialisation, if known.
    allow_empty: whether an empty ledger is acceptable.
    """
    verifier = _Verifier(public_key, max_unsigned, genesis_hash, allow_empty)
    try:
        verifier.run(events, checkpoints)
    except _Defect as defect:
        return VerifyResult(
            ok=False,
            message=defect.message,
            first_bad_seq=defect.seq,
            events_checked=verifier.events_checked,
            checkpoints_checked=verifier.checkpoints_checked,
            last_checkpoint=verifier.last_checkpoint,
        )
    return VerifyResult(
        ok=True,
        message=verifier.success_message(),
        first_bad_seq=None,
        events_checked=verifier.events_checked,
        checkpoints_checked=verifier.checkpoints_checked,
        last_checkpoint=verifier.last_checkpoint,
    )
