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

Two ways in, one set of rules:
- verify_stream() takes Event/Checkpoint objects (the pure API, and what the tests build);
- verify_rows() takes the rows as the database returns them, in batches. An ordinary row is
  checked inline (types, canonical time, SHA-256 of the frame built in one go, link); any row
  that is not ordinary goes through the very code verify_stream() runs, so what is reported
  for a damaged row — seq, message, counts — is the same either way.
- check_chunk() and join_chunks() let separate processes verify ranges of seq at once: each
  range is checked from an assumed starting point, and join_chunks() keeps a range's result
  only when the ranges before it were intact and end exactly where it assumed. Otherwise it
  returns the state right after the last checkpoint proven so far, and verify_rows() goes on
  from there in order, so the first defect is reported exactly as a single pass reports it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from bmnn.ledger.chain import (
    Checkpoint,
    Event,
    checkpoint_from_row,
    event_from_row,
    genesis_fingerprint,
)
from bmnn.ledger.encoding import (
    EVENT_TAG,
    GENESIS_PREV_HASH,
    LedgerFormatError,
    format_time,
)
from bmnn.ledger.keys import checkpoint_signature_valid, fingerprint

# Rows as stored: (seq, at, actor, action, object, payload, prev_hash, hash) and
# (seq, event_hash, created_at, key_fingerprint, signature).
EventRow = tuple
CheckpointRow = tuple

# The fixed head of every event frame (see encoding.frame/event_hash).
_FRAME_HEAD = f"{len(EVENT_TAG)}:{EVENT_TAG},"
_NO_CHECKPOINT = float("inf")
# A canonical time with every digit turned into 0 (see encoding._TIME_RE).
_DIGITS_TO_ZERO = bytes.maketrans(b"123456789", b"000000000")
_TIME_SHAPE = b"0000-00-00T00:00:00.000000Z"


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    message: str
    first_bad_seq: int | None
    events_checked: int
    checkpoints_checked: int
    last_checkpoint: Checkpoint | None


@dataclass(frozen=True)
class Resume:
    """Where a verifier stands after event `last_seq`: everything up to it checked and intact,
    checkpoints up to `signed_upto` checked; the next rows to read are those above last_seq."""

    last_seq: int = 0
    prev_hash: str = GENESIS_PREV_HASH
    events_checked: int = 0
    checkpoints_checked: int = 0
    signed_upto: int = 0
    last_checkpoint: Checkpoint | None = None


@dataclass(frozen=True)
class ChunkResult:
    """What check_chunk found in one range of seq, assuming the range starts at first_seq."""

    first_seq: int
    first_prev: str | None  # prev_hash of the range's first row (None: no usable first row)
    intact: bool  # no defect in the range under that assumption
    events: int  # events checked without defect
    checkpoints: int  # checkpoints checked without defect
    last_seq: int
    last_hash: str | None
    pending: bool  # a checkpoint of the range was left unmatched at its end
    last_checkpoint: Checkpoint | None  # the last checkpoint checked without defect
    # A checkpoint one can resume after (see _Verifier.restart_point), with the counts right
    # after it, relative to the range; None if there is none in the range.
    restart: tuple[Checkpoint, int, int] | None


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
        resume: Resume | None = None,
    ):
        resume = resume or Resume()
        self.public_key = public_key
        self.fp = fingerprint(public_key)
        self.max_unsigned = max_unsigned
        self.genesis_hash = genesis_hash
        self.allow_empty = allow_empty
        self.events_checked = resume.events_checked
        self.checkpoints_checked = resume.checkpoints_checked
        self.last_checkpoint: Checkpoint | None = resume.last_checkpoint
        self.last_seq = resume.last_seq
        self.prev_hash: str | None = resume.prev_hash
        # every event up to here is covered by a valid checkpoint
        self.signed_upto = resume.signed_upto
        self.pending: Checkpoint | None = None
        # Checkpoints with the counts right after them: the last one checked, and the last
        # one known to be a sound place to resume (see restart_point).
        self.candidate: tuple[Checkpoint, int, int] | None = None
        self.proven: tuple[Checkpoint, int, int] | None = None

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
                self._check_checkpoint(pending, event.seq, event.hash)
                pending = self._next_checkpoint(cps)
        self._check_end(pending)

    def run_rows(
        self,
        batches: Iterable[Sequence[EventRow]],
        checkpoint_rows: Iterable[CheckpointRow],
        *,
        finish: bool = True,
    ) -> None:
        """The same checks as run(), on stored rows. The inline test below accepts only a
        row that run() would accept with the same effect; every other row is handed to
        _check_event through event_from_row, exactly as run() would see it."""
        cps = (checkpoint_from_row(row) for row in checkpoint_rows)
        pending = self._next_checkpoint(cps)
        due = _NO_CHECKPOINT if pending is None else pending.seq
        prev_hash = self.prev_hash
        expected = self.last_seq + 1
        count = self.events_checked
        sha256 = hashlib.sha256
        calendar = dt.datetime.fromisoformat
        for batch in batches:
            for row in batch:
                try:
                    seq, at, actor, action, obj, payload, prev, stored = row
                    # Only str has .encode() (bytes, int, None fail here) and only a str can
                    # equal prev_hash or a hex digest: no separate type checks are needed.
                    ordinary = (
                        type(seq) is int
                        and seq == expected
                        and seq != 1  # the genesis checks live in _check_event
                        # prev_hash is a checked hash: 64 ASCII characters (or None)
                        and prev == prev_hash
                        # == _TIME_RE.match(at): every digit 0-9, every separator in place
                        and at.encode().translate(_DIGITS_TO_ZERO) == _TIME_SHAPE
                    )
                    if ordinary:
                        calendar(at)  # the shape pins the spelling, this the calendar
                        # A canonical time is 27 ASCII characters and format_time(parse_time
                        # (at)) == at, so the stored text is what event_hash frames.
                        number = str(seq)
                        text = (
                            f"{_FRAME_HEAD}{len(number)}:{number},27:{at},"
                            f"{len(actor.encode())}:{actor},{len(action.encode())}:{action},"
                            f"{len(obj.encode())}:{obj},{len(payload.encode())}:{payload},"
                            f"64:{prev},"
                        )
                        ordinary = sha256(text.encode()).hexdigest() == stored
                except (AttributeError, TypeError, ValueError):
                    ordinary = False  # an odd row: the exact path below says what is wrong
                if ordinary:
                    prev_hash = stored
                    expected += 1
                    count += 1
                    if seq >= due:
                        self.last_seq, self.events_checked = seq, count
                        pending = self._checkpoints_upto(pending, cps, seq, stored)
                        due = _NO_CHECKPOINT if pending is None else pending.seq
                    continue
                self.last_seq, self.events_checked = expected - 1, count
                event = self._event(row)
                self._check_event(event, prev_hash)
                prev_hash = event.hash
                expected = event.seq + 1
                count += 1
                self.last_seq, self.events_checked = event.seq, count
                pending = self._checkpoints_upto(pending, cps, event.seq, event.hash)
                due = _NO_CHECKPOINT if pending is None else pending.seq
        self.last_seq, self.events_checked, self.prev_hash = expected - 1, count, prev_hash
        self.pending = pending
        if finish:
            self._check_end(pending)

    def _checkpoints_upto(
        self, pending: Checkpoint | None, cps: Iterator[Checkpoint], seq: int, hash_: str
    ) -> Checkpoint | None:
        while pending is not None and pending.seq <= seq:
            self._check_checkpoint(pending, seq, hash_)
            pending = self._next_checkpoint(cps)
        return pending

    def _event(self, row: EventRow) -> Event:
        try:
            return event_from_row(row)
        except LedgerFormatError as exc:
            seq = exc.seq if exc.seq is not None else self.last_seq + 1
            raise _Defect(seq, f"Sự kiện #{seq} bị sửa: {exc}") from exc

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

    def _check_checkpoint(self, cp: Checkpoint, seq: int, hash_: str) -> None:
        first = self.signed_upto + 1
        if cp.seq != seq:
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
        if cp.event_hash != hash_:
            raise _Defect(
                first,
                f"Sự kiện {span} bị sửa: mã băm của sự kiện #{cp.seq} khác với mã đã ký trong "
                f"điểm kiểm tra lúc {format_time(cp.created_at)} — chuỗi băm đã bị tính lại "
                "sau khi sửa.",
            )
        self.signed_upto = cp.seq
        self.last_checkpoint = cp
        self.checkpoints_checked += 1
        candidate = self.candidate
        if candidate is not None and seq > candidate[0].seq:
            self.proven = candidate
        self.candidate = (cp, self.events_checked, self.checkpoints_checked)

    def restart_point(self, finished: bool) -> tuple[Checkpoint, int, int] | None:
        """The last checkpoint c after which a single pass may resume by reading the rows
        with seq > c: one is sound once an event above c was accepted (so no row numbered
        c or less follows it, the rows being in seq order), or when every row was read."""
        candidate = self.candidate
        if candidate is not None and (finished or self.last_seq > candidate[0].seq):
            return candidate
        return self.proven

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


def _outcome(verifier: _Verifier, defect: _Defect | None) -> VerifyResult:
    if defect is not None:
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


def verify_rows(
    event_batches: Iterable[Sequence[EventRow]],
    checkpoint_rows: Iterable[CheckpointRow],
    public_key: Ed25519PublicKey,
    *,
    max_unsigned: int | None = None,
    genesis_hash: str | None = None,
    allow_empty: bool = True,
    resume: Resume | None = None,
) -> VerifyResult:
    """verify_stream() on stored rows: event rows in batches (lists of tuples as the database
    returns them), checkpoint rows one by one, both in ascending seq order.

    resume: go on from a state join_chunks() returned; the streams then hold only the rows
    with seq above resume.last_seq (both tables).
    """
    verifier = _Verifier(public_key, max_unsigned, genesis_hash, allow_empty, resume)
    try:
        verifier.run_rows(event_batches, checkpoint_rows)
    except _Defect as defect:
        return _outcome(verifier, defect)
    return _outcome(verifier, None)


def check_chunk(
    event_batches: Iterable[Sequence[EventRow]],
    checkpoint_rows: Iterable[CheckpointRow],
    public_key: Ed25519PublicKey,
    *,
    first_seq: int,
    genesis_hash: str | None = None,
) -> ChunkResult:
    """Check one range of seq as if everything before it were intact and it began with event
    `first_seq`, linked to whatever prev_hash its first row holds (join_chunks compares that
    with the hash the range before ends on). The streams hold the rows of the range only:
    lower bound first_seq (none for the first range), upper bound the next range's first_seq
    (none for the last range)."""
    batches = iter(event_batches)
    first_batch: Sequence[EventRow] = ()
    for first_batch in batches:
        if first_batch:
            break
    first_prev = None
    if first_seq == 1:
        first_prev = GENESIS_PREV_HASH
    elif first_batch:
        row = first_batch[0]
        if isinstance(row, tuple) and len(row) == 8 and _is_hash(row[6]):
            first_prev = row[6]
    start = Resume(last_seq=first_seq - 1, prev_hash=first_prev)  # type: ignore[arg-type]
    verifier = _Verifier(public_key, None, genesis_hash, True, start)

    def rows() -> Iterator[Sequence[EventRow]]:
        yield first_batch
        yield from batches

    try:
        verifier.run_rows(rows(), checkpoint_rows, finish=False)
        intact = True
    except _Defect:
        intact = False
    return ChunkResult(
        first_seq=first_seq,
        first_prev=first_prev,
        intact=intact,
        events=verifier.events_checked,
        checkpoints=verifier.checkpoints_checked,
        last_seq=verifier.last_seq,
        last_hash=verifier.prev_hash,
        pending=verifier.pending is not None,
        last_checkpoint=verifier.last_checkpoint,
        restart=verifier.restart_point(finished=intact),
    )


def _is_hash(value: object) -> bool:
    return type(value) is str and len(value) == 64 and value.isascii()


def join_chunks(chunks: Sequence[ChunkResult]) -> tuple[Resume, bool]:
    """Join the results of consecutive ranges (in seq order, covering every row).

    Returns (state, True) when every range was intact and each began exactly where the one
    before ended: the whole ledger is then checked and only the end checks remain. Otherwise
    (state, False): state is the point right after the last checkpoint proven in order (or
    the very start), from which verify_rows() must go on, in order, to the end.
    """
    state = Resume()
    restart = Resume()
    carried = False  # a checkpoint left unmatched at the end of the range before
    for chunk in chunks:
        joins = (
            not carried
            and chunk.first_seq == state.last_seq + 1
            and chunk.first_prev is not None
            and chunk.first_prev == state.prev_hash
        )
        if not joins:
            return restart, False
        if chunk.restart is not None:
            # Resuming right after a checkpoint re-reads the next checkpoint row exactly when
            # a single pass would have read it, so even a damaged row there is reported alike.
            point, events, checkpoints = chunk.restart
            restart = Resume(
                last_seq=point.seq,
                prev_hash=point.event_hash,
                events_checked=state.events_checked + events,
                checkpoints_checked=state.checkpoints_checked + checkpoints,
                signed_upto=point.seq,
                last_checkpoint=point,
            )
        cp = chunk.last_checkpoint
        if not chunk.intact or chunk.last_hash is None:
            return restart, False
        state = Resume(
            last_seq=chunk.last_seq,
            prev_hash=chunk.last_hash,
            events_checked=state.events_checked + chunk.events,
            checkpoints_checked=state.checkpoints_checked + chunk.checkpoints,
            signed_upto=state.signed_upto if cp is None else cp.seq,
            last_checkpoint=state.last_checkpoint if cp is None else cp,
        )
        carried = chunk.pending
    if carried:
        return restart, False
    return state, True


def finish(
    state: Resume,
    public_key: Ed25519PublicKey,
    *,
    max_unsigned: int | None = None,
    genesis_hash: str | None = None,
    allow_empty: bool = True,
) -> VerifyResult:
    """The end checks and the result, for a ledger join_chunks() found intact up to `state`."""
    verifier = _Verifier(public_key, max_unsigned, genesis_hash, allow_empty, state)
    try:
        verifier._check_end(None)
    except _Defect as defect:
        return _outcome(verifier, defect)
    return _outcome(verifier, None)


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
        return _outcome(verifier, defect)
    return _outcome(verifier, None)
