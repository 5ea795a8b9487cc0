"""The scan engine: walks files and folders, reads each file in a bounded worker process,
recurses into members (archive members, attachments, embedded objects) and gives every file
and member a FileResult. It fails closed: whatever it cannot read, or that breaks a limit, is
`error` with a reason, never `clean`.

Why a custom pool and not ProcessPoolExecutor: a stuck extractor (a C parser in a loop) must be
killed and replaced on its own, without losing the other workers' files, and a future of
ProcessPoolExecutor cannot be cancelled once it runs. Here every worker is a process with its
own pipe; the thread that drives it waits on the pipe with a deadline, and kills and replaces
the process when the deadline passes.

Protocol, worker → engine, per top-level file: ("start", id, path) when a file or member begins
(the deadline restarts there, so the time limit is per file and per member), ("result", id,
FileResult) when it ends (members before their container), ("done",) at the end. Ids follow
the depth-first order, so sorting by id gives the container's line before its members'.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import pkgutil
import queue
import re
import stat
import threading
import time
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field

from bmnn.scan.limits import MB, Limits
from bmnn.scan.model import FileResult, Finding, LimitExceeded, ScanError, highest_level

VERDICT_RANK = {"clean": 0, "secret": 1, "error": 2}

# The hard deadline is a little past the cooperative one (ctx.check_time), so an extractor
# that checks its clock reports its own reason first.
_GRACE_SECONDS = 1.0
_GRACE_FRACTION = 0.05
_READY_TIMEOUT = 120.0  # a worker importing lxml, pdfium, numpy on a slow disk
_WINDOW_PER_WORKER = 4  # files in flight or waiting to be yielded, per worker

# Extension → kinds the sniffer may give for a file that is what its name says.
_EXPECTED_KINDS = {
    "docx": {"docx"},
    "docm": {"docx"},
    "dotx": {"docx"},
    "xlsx": {"xlsx"},
    "xlsm": {"xlsx"},
    "pptx": {"pptx"},
    "odt": {"odt"},
    "ods": {"ods"},
    "odp": {"odp"},
    "zip": {"zip"},
    "doc": {"doc"},
    "dot": {"doc"},
    "xls": {"xls"},
    "ppt": {"ppt"},
    "msg": {"msg"},
    "pdf": {"pdf"},
    "rtf": {"rtf"},
    "png": {"png"},
    "jpg": {"jpeg"},
    "jpeg": {"jpeg"},
    "tif": {"tiff"},
    "tiff": {"tiff"},
    "gif": {"gif"},
    "bmp": {"bmp"},
    "htm": {"html"},
    "html": {"html"},
    "xhtml": {"html"},
    "eml": {"eml"},
    "txt": {"text"},
    "csv": {"text"},
    "md": {"text"},
    "log": {"text"},
}


class ConfigError(Exception):
    """A catalogue or fingerprint pack that cannot be loaded (message in Vietnamese)."""


@dataclass(frozen=True)
class ScanConfig:
    limits: Limits = field(default_factory=Limits)
    workers: int = 1
    catalogue: str | None = None  # path of the agency's catalogue (YAML or CSV)
    fingerprints: str | None = None  # path of a fingerprint pack
    ocr: bool = True  # OCR images and pages without text, when tesseract is installed
    # Modules every worker imports before its first file: site-specific extractors that
    # register themselves with bmnn.scan.extract.register.
    extra_modules: tuple[str, ...] = ()


# ---------------------------------------------------------------------------------------------
# Worker side


@dataclass
class _WorkerState:
    config: ScanConfig
    catalogue: object = None
    pack: object = None
    ocr: object = None


_STATE: _WorkerState | None = None


def _load_catalogue(path: str):
    from bmnn.scan.detect.catalogue import Catalogue

    return Catalogue.load(path)


def _load_pack(path: str):
    from bmnn.scan.fingerprint import FingerprintPack

    return FingerprintPack.load(path)


def _make_ocr():
    try:
        from bmnn.scan.ocr import make_ocr
    except ImportError:
        return None  # no OCR: image-only pages become `error`, never `clean`
    return make_ocr()


def _limit_memory(max_bytes: int) -> None:
    try:
        import resource
    except ImportError:  # Windows: no rlimit; the per-file limits still apply
        return
    _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    limit = max_bytes if hard == resource.RLIM_INFINITY else min(max_bytes, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))


def _worker_init(config: ScanConfig) -> None:
    global _STATE
    import importlib
    import signal

    # Ctrl+C is the engine's to handle: it stops the workers itself.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    from bmnn.scan import extract

    extract._load()
    for name in config.extra_modules:
        importlib.import_module(name)
    importlib.import_module("bmnn.scan.detect")
    state = _WorkerState(config)
    if config.catalogue:
        state.catalogue = _load_catalogue(config.catalogue)
    if config.fingerprints:
        state.pack = _load_pack(config.fingerprints)
    if config.ocr:
        state.ocr = _make_ocr()
    # After the imports: the limit is for what files make the worker allocate.
    _limit_memory(config.limits.max_memory_bytes)
    _STATE = state


def _worker_main(conn, config: ScanConfig) -> None:
    try:
        _worker_init(config)
    except BaseException as exc:  # report why, then stop: the engine fails the files closed
        conn.send(("fatal", f"{type(exc).__name__}: {exc}"))
        return
    conn.send(("ready",))
    while True:
        try:
            task = conn.recv()
        except EOFError:
            return
        if task is None:
            return
        kind, display, payload = task
        del task  # the bytes of a scan_bytes task must not outlive their scan (see _Task)
        _Task(conn).run(kind, display, [payload])
        del payload
        conn.send(("done",))


class _Budget:
    """The unpacked bytes left to one top-level file, across all its nesting levels."""

    def __init__(self, total: int) -> None:
        self.left = total


class _Task:
    """One top-level file and its members, depth first.

    A file's bytes travel down the calls in a one-item list (`held`) that the callee empties:
    a plain argument would keep a reference in every caller's frame, so a container's bytes,
    and every member already extracted, would stay in memory while its members are scanned.
    """

    def __init__(self, conn) -> None:
        self.conn = conn
        self.next_id = 0

    def run(self, kind: str, display: str, held: list) -> None:
        state = _STATE
        assert state is not None
        budget = _Budget(state.config.limits.max_unpacked_bytes)
        if kind == "path":
            self.scan(display, [], depth=0, budget=budget, read_from=held.pop())
        else:
            self.scan(display, held, depth=0, budget=budget)

    def scan(
        self, display, held, *, depth, budget, name=None, read_from=None, error=None
    ) -> FileResult:
        """Scan one file or member; `name` is its own name (the member's path inside its
        container), which the sniffer and the extension check use."""
        file_id = self.next_id
        self.next_id += 1
        self.conn.send(("start", file_id, display))
        started = time.monotonic()
        try:
            if error is not None:
                held.clear()
                raise error
            if read_from is not None:
                held = [_read_file(read_from, _STATE.config.limits.max_file_bytes)]
            name = os.path.basename(display) if name is None else name
            result = self.scan_content(display, name, held, started, depth, budget)
        except ScanError as exc:
            result = FileResult(display, "error", error=exc.reason)
        except MemoryError:
            result = FileResult(display, "error", error=_memory_reason())
        except RecursionError:
            result = FileResult(
                display, "error", error="Cấu trúc tệp lồng nhau quá sâu, không đọc được."
            )
        except Exception as exc:  # an extractor's bug or a parser's surprise: fail closed
            result = FileResult(display, "error", error=_unexpected_reason(exc))
        result.seconds = time.monotonic() - started
        self.conn.send(("result", file_id, result))
        return result

    def scan_content(self, display, name, held, started, depth, budget) -> FileResult:
        from bmnn.scan import detect, sniff
        from bmnn.scan.extract import Context, extractor_for

        state = _STATE
        limits = state.config.limits
        data = held.pop()
        if len(data) > limits.max_file_bytes:
            raise LimitExceeded(_size_reason(len(data), limits.max_file_bytes))
        kind = sniff.sniff(data, name)
        notes = _type_mismatch(name, kind)
        extractor = extractor_for(kind)
        if extractor is None:
            raise ScanError(
                f"Không đọc được định dạng tệp ({_kind_label(kind)}): không có bộ đọc cho loại "
                "tệp này, nên không thể khẳng định tệp không chứa bí mật."
            )
        ctx = Context(
            limits=dataclasses.replace(limits, max_unpacked_bytes=max(budget.left, 0)),
            name=display,
            started=started,
            ocr=state.ocr,
        )
        doc = extractor(data, ctx)
        del data
        ctx.check_time()
        chars = sum(len(block.text) for block in doc.blocks)
        if chars > limits.max_text_chars:
            raise LimitExceeded(
                f"Văn bản trích ra quá dài ({chars:,} ký tự, giới hạn {limits.max_text_chars:,})."
            )
        findings = list(detect.analyze(doc.blocks, catalogue=state.catalogue))
        if state.pack is not None:
            findings.extend(state.pack.match_blocks(doc.blocks))
        ctx.check_time()
        verdict, level, score = detect.verdict(findings)
        result = FileResult(display, verdict, level, score, findings + notes)
        members = doc.members
        del doc
        if len(members) > limits.max_members:
            raise LimitExceeded(
                f"Quá nhiều tệp bên trong ({len(members):,}, giới hạn {limits.max_members:,})."
            )
        # Every member is in memory from now until it is scanned, so all of them are charged
        # to the budget now, before the first is scanned: a nested container then gets only
        # what is really left, and what is held at once never exceeds max_unpacked_bytes.
        problems: list[ScanError | None] = []
        for member in members:
            if depth + 1 > limits.max_depth:
                problems.append(
                    LimitExceeded(
                        f"Tệp lồng nhau quá sâu (quá {limits.max_depth} cấp tệp nén/đính kèm)."
                    )
                )
                continue
            budget.left -= len(member.data)
            problems.append(
                LimitExceeded(
                    "Tổng dung lượng giải nén vượt giới hạn "
                    f"({limits.max_unpacked_bytes // MB} MB) — có thể là bom nén."
                )
                if budget.left < 0
                else None
            )
        children = []
        members.reverse()  # pop() from the end releases each member's bytes once scanned
        problems.reverse()
        while members:
            member = members.pop()
            child_name, child_own = f"{display}!{member.name}", member.name
            held = [member.data]
            del member
            children.append(
                self.scan(
                    child_name,
                    held,
                    depth=depth + 1,
                    budget=budget,
                    name=child_own,
                    error=problems.pop(),
                )
            )
        return aggregate(result, children)


def aggregate(result: FileResult, children: Iterable[FileResult]) -> FileResult:
    """A container carries the highest verdict and level of its members (error > secret >
    clean), besides its own findings."""
    children = list(children)
    if not children:
        return result
    worst = max(children, key=lambda child: VERDICT_RANK[child.verdict])
    if VERDICT_RANK[worst.verdict] > VERDICT_RANK[result.verdict]:
        result.verdict = worst.verdict
    result.level = highest_level([result.level, *(child.level for child in children)])
    result.score = max([result.score, *(child.score for child in children)])
    if result.verdict == "error" and result.error is None:
        failed = [child for child in children if child.verdict == "error"]
        # A failed member that is itself a container already names the file at the bottom:
        # name that one, so ten levels of nesting give one reason, not ten copies of it.
        inner = _INNER_FAILED.match(failed[0].error or "")
        example = (
            (failed[0].error or "")[inner.end() :]
            if inner
            else f"{failed[0].path}: {failed[0].error}"
        )
        result.error = f"{len(failed)} tệp bên trong không đọc được, ví dụ {example}"
    return result


# How aggregate() words a container whose members failed (the prefix of its reason).
_INNER_FAILED = re.compile(r"\d+ tệp bên trong không đọc được, ví dụ ")


def _read_file(path: str, limit: int) -> bytes:
    # O_NONBLOCK: a FIFO swapped in after the walk must not hang the worker.
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    except FileNotFoundError as exc:
        raise ScanError("Không tìm thấy tệp (có thể đã bị xóa trong khi quét).") from exc
    except OSError as exc:
        raise ScanError(f"Không mở được tệp: {exc.strerror}.") from exc
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise ScanError("Không phải tệp thông thường (thiết bị, ống dẫn…); không đọc.")
        # The size is checked before reading: a 2 GB file must not be loaded to learn it is big.
        if st.st_size > limit:
            raise LimitExceeded(_size_reason(st.st_size, limit))
        # One read of the whole size into one buffer: reading in chunks and joining them
        # holds the file twice, and a file near max_file_bytes would not fit the worker's
        # memory cap. More reads only when that one was short or the file grew meanwhile.
        chunks = [os.read(fd, st.st_size + 1)]
        total = len(chunks[0])
        while total <= limit and (chunk := os.read(fd, min(16 * MB, limit + 1 - total))):
            chunks.append(chunk)
            total += len(chunk)
        if total > limit:  # the file grew while being read
            raise LimitExceeded(_size_reason(total, limit))
        return chunks[0] if len(chunks) == 1 else b"".join(chunks)
    except OSError as exc:
        raise ScanError(f"Không đọc được tệp: {exc.strerror}.") from exc
    finally:
        os.close(fd)


def _type_mismatch(name: str, kind: str) -> list[Finding]:
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    expected = _EXPECTED_KINDS.get(ext)
    if expected is None or kind in expected:
        return []
    return [
        Finding(
            rule="file.type_mismatch",
            level=None,
            text=f".{ext}",
            location="tệp",
            score=0.0,
            explanation=(
                f"Phần mở rộng là .{ext} nhưng nội dung là {_kind_label(kind)}; "
                "tệp được đọc theo nội dung thật."
            ),
        )
    ]


def _kind_label(kind: str) -> str:
    return "không nhận ra" if kind == "unknown" else kind


def _size_reason(size: int, limit: int) -> str:
    return f"Tệp quá lớn ({size / MB:,.1f} MB, giới hạn {limit / MB:,.0f} MB)."


def _memory_reason() -> str:
    limit = _STATE.config.limits.max_memory_bytes if _STATE else Limits().max_memory_bytes
    return f"Tệp cần quá nhiều bộ nhớ để đọc (giới hạn {limit // MB} MB mỗi tiến trình đọc)."


def _unexpected_reason(exc: Exception) -> str:
    detail = str(exc).replace("\n", " ")[:200]
    return f"Lỗi khi đọc tệp ({type(exc).__name__}: {detail}); tệp không được coi là sạch."


# ---------------------------------------------------------------------------------------------
# Engine side


def _timeout_reason(limits: Limits, path: str) -> str:
    return (
        f"Quá thời gian đọc cho phép ({limits.seconds_per_file:g} giây mỗi tệp) khi đọc {path}; "
        "tiến trình đọc đã bị dừng."
    )


def _died_reason(exitcode) -> str:
    return f"Tiến trình đọc tệp dừng bất thường (mã {exitcode}); tệp không được coi là sạch."


class _Worker:
    """One worker process and its pipe, driven by one engine thread at a time."""

    def __init__(self, mpctx, config: ScanConfig) -> None:
        self.config = config
        self.conn, child = mpctx.Pipe()
        self.proc = mpctx.Process(target=_worker_main, args=(child, config), daemon=True)
        self.proc.start()
        child.close()
        self.alive = True
        self.ready = False
        self._closed = False
        self._kill_lock = threading.Lock()
        self.fatal: str | None = None

    def _wait_ready(self) -> None:
        if self.ready:
            return
        msg = None
        try:
            if self.conn.poll(_READY_TIMEOUT):
                msg = self.conn.recv()
        except (EOFError, OSError):
            msg = None
        if msg == ("ready",):
            self.ready = True
            return
        self.fatal = msg[1] if msg and msg[0] == "fatal" else "không khởi động được"
        self.kill()

    def run(self, task, display: str) -> list[FileResult]:
        limits = self.config.limits
        self._wait_ready()
        if not self.alive:
            reason = f"Không khởi động được tiến trình đọc tệp ({self.fatal})."
            return [FileResult(display, "error", error=reason)]
        hard = limits.seconds_per_file * (1 + _GRACE_FRACTION) + _GRACE_SECONDS
        started: dict[int, str] = {}
        results: dict[int, FileResult] = {}
        began = time.monotonic()
        deadline = began + hard
        failure = None
        try:
            self.conn.send(task)
        except OSError:  # died while idle (killed from outside, out of memory)
            self.proc.join(1)
            failure = _died_reason(self.proc.exitcode)
        while failure is None:
            try:
                if not self.conn.poll(max(deadline - time.monotonic(), 0)):
                    unfinished = [i for i in started if i not in results]
                    current = started[max(unfinished)] if unfinished else display
                    failure = _timeout_reason(limits, current)
                    break
                msg = self.conn.recv()
            except (EOFError, OSError):
                self.proc.join(1)
                failure = _died_reason(self.proc.exitcode)
                break
            if msg[0] == "start":
                started[msg[1]] = msg[2]
                deadline = time.monotonic() + hard
            elif msg[0] == "result":
                results[msg[1]] = msg[2]
            elif msg[0] == "done":
                break
        if failure is not None:
            self.kill()
            # Files begun and not finished: the stuck one and its containers.
            for file_id, path in started.items():
                if file_id not in results:
                    results[file_id] = FileResult(
                        path, "error", error=failure, seconds=time.monotonic() - began
                    )
            if not started:
                results[0] = FileResult(
                    display, "error", error=failure, seconds=time.monotonic() - began
                )
        return [results[file_id] for file_id in sorted(results)]

    def terminate(self) -> None:
        """Kill the process only: safe while another thread drives this worker (it then sees
        the pipe end and cleans up itself)."""
        if self.proc.is_alive():
            self.proc.kill()

    def kill(self) -> None:
        with self._kill_lock:  # closing a pipe twice could close an fd reused meanwhile
            if self._closed:
                return
            self._closed = True
            self.alive = False
            self.terminate()
            self.proc.join(5)
            self.conn.close()

    def stop(self) -> None:
        if not self.alive:
            return
        with contextlib.suppress(OSError):
            self.conn.send(None)
        self.proc.join(2)
        self.kill()


def _mp_context():
    import multiprocessing

    # forkserver: workers are forked from a clean server process, never from the engine,
    # whose threads (progress bar, pool drivers) must not be forked. spawn where absent.
    method = "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn"
    ctx = multiprocessing.get_context(method)
    if method == "forkserver":
        from bmnn.scan import extract

        names = [f"bmnn.scan.extract.{m.name}" for m in pkgutil.iter_modules(extract.__path__)]
        ctx.set_forkserver_preload(["bmnn.scan.engine", "bmnn.scan.detect", *names])
    return ctx


def check_config(config: ScanConfig) -> None:
    """Load the catalogue and the fingerprint pack once here, so a bad file is one clear
    message instead of every file failing in the workers."""
    if config.workers < 1:
        raise ConfigError("Số tiến trình đọc (--workers) phải từ 1 trở lên.")
    for path, loader, what in (
        (config.catalogue, _load_catalogue, "danh mục bí mật"),
        (config.fingerprints, _load_pack, "gói dấu vân tay"),
    ):
        if not path:
            continue
        try:
            loader(path)
        except Exception as exc:
            raise ConfigError(f"Không đọc được {what} {path}: {exc}") from exc


class Scanner:
    """A pool of worker processes kept for many scans (the HTTP gate keeps one). Thread-safe:
    each call takes an idle worker, and at most `config.workers` run at once."""

    def __init__(self, config: ScanConfig) -> None:
        check_config(config)
        self.config = config
        # One thread per worker: BLAS thread pools would multiply with the workers.
        for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
            os.environ.setdefault(var, "1")
        self._mpctx = _mp_context()
        self._slots = threading.BoundedSemaphore(config.workers)
        self._idle: queue.SimpleQueue[_Worker] = queue.SimpleQueue()
        self._all: list[_Worker] = []
        self._lock = threading.Lock()
        self._closed = False

    def __enter__(self) -> Scanner:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        with self._lock:
            self._closed = True
            workers, self._all = self._all, []
        for worker in workers:
            worker.stop()

    def _kill_all(self) -> None:
        # Idle workers are ours to close; busy ones are only killed, and the threads driving
        # them see the end of the pipe and clean up.
        while True:
            try:
                self._idle.get_nowait().kill()
            except queue.Empty:
                break
        with self._lock:
            workers = list(self._all)
        for worker in workers:
            worker.terminate()

    def _run(self, task, display: str) -> list[FileResult]:
        with self._slots:
            worker = self._idle_worker()
            if worker is None:
                with self._lock:
                    if self._closed:
                        raise RuntimeError("Scanner is closed") from None
                    worker = _Worker(self._mpctx, self.config)
                    self._all.append(worker)
            try:
                return worker.run(task, display)
            finally:
                if worker.alive:
                    self._idle.put(worker)
                else:  # killed after a timeout or a crash: the next file gets a fresh one
                    self._forget(worker)

    def _idle_worker(self) -> _Worker | None:
        while True:
            try:
                worker = self._idle.get_nowait()
            except queue.Empty:
                return None
            if worker.alive and worker.proc.is_alive():
                return worker
            worker.kill()  # died while idle
            self._forget(worker)

    def _forget(self, worker: _Worker) -> None:
        with self._lock:
            if worker in self._all:
                self._all.remove(worker)

    def scan_bytes(self, data: bytes, name: str) -> list[FileResult]:
        """Scan one file given as bytes (the HTTP gate): its line first, then its members'."""
        limit = self.config.limits.max_file_bytes
        if len(data) > limit:
            return [FileResult(name, "error", error=_size_reason(len(data), limit))]
        return self._run(("bytes", name, data), name)

    def scan_file(self, path: str) -> list[FileResult]:
        return self._run(("path", path, path), path)

    def iter_groups(self, paths: Iterable[str | os.PathLike]) -> Iterator[list[FileResult]]:
        """One list per top-level file (its line, then its members'), in the walk's order
        whatever the number of workers; at most a few files per worker are held at once."""
        window: deque[Future] = deque()
        limit = self.config.workers * _WINDOW_PER_WORKER
        with ThreadPoolExecutor(self.config.workers) as pool:
            try:
                for item in walk(paths):
                    if isinstance(item, FileResult):
                        done: Future = Future()
                        done.set_result([item])
                        window.append(done)
                    else:
                        window.append(pool.submit(self.scan_file, item))
                    while len(window) >= limit:
                        yield window.popleft().result()
                while window:
                    yield window.popleft().result()
            except BaseException:
                # Ctrl+C or a consumer that stopped early: do not wait for files in flight.
                for future in window:
                    future.cancel()
                self._kill_all()
                raise

    def scan_paths(self, paths: Iterable[str | os.PathLike]) -> Iterator[FileResult]:
        for group in self.iter_groups(paths):
            yield from group


def scan_paths(paths: Iterable[str | os.PathLike], *, config: ScanConfig) -> Iterator[FileResult]:
    """Every file under `paths` (files and folders, recursively) and every member, as
    FileResults, streamed in a stable order."""
    with Scanner(config) as scanner:
        yield from scanner.scan_paths(paths)


def scan_bytes(data: bytes, name: str, *, config: ScanConfig) -> list[FileResult]:
    with Scanner(config) as scanner:
        return scanner.scan_bytes(data, name)


# ---------------------------------------------------------------------------------------------
# Walking


def walk(paths: Iterable[str | os.PathLike]) -> Iterator[str | FileResult]:
    """Files to scan, in a stable order (names sorted in each folder), or a FileResult error
    for what cannot be walked. Symbolic links inside a folder are not followed: one pointing
    out of the folder is an `error` (its target is outside what was asked to be scanned, so
    the folder cannot be called clean), one pointing inside is skipped (its target is scanned
    at its own path)."""
    for path in paths:
        path = os.fspath(path)
        try:
            st = os.stat(path)  # a path the user named is followed, link or not
        except OSError:
            yield FileResult(path, "error", error="Không tìm thấy tệp hoặc thư mục.")
            continue
        if stat.S_ISDIR(st.st_mode):
            yield from _walk_dir(path, os.path.realpath(path))
        elif stat.S_ISREG(st.st_mode):
            yield path
        else:
            yield FileResult(path, "error", error=_special_reason())


def _special_reason() -> str:
    return "Không phải tệp thông thường (thiết bị, ống dẫn, socket…); không đọc."


def _inside(target: str, root: str) -> bool:
    return target == root or target.startswith(root.rstrip(os.sep) + os.sep)


def _walk_dir(directory: str, root: str) -> Iterator[str | FileResult]:
    try:
        with os.scandir(directory) as it:
            entries = sorted(it, key=lambda entry: entry.name)
    except OSError as exc:
        yield FileResult(directory, "error", error=f"Không đọc được thư mục: {exc.strerror}.")
        return
    for entry in entries:
        path = os.path.join(directory, entry.name)
        try:
            if entry.is_symlink():
                target = os.path.realpath(path)
                if not os.path.exists(target):
                    yield FileResult(path, "error", error="Liên kết tượng trưng hỏng.")
                elif not _inside(target, root):
                    yield FileResult(
                        path,
                        "error",
                        error=(
                            f"Liên kết tượng trưng trỏ ra ngoài thư mục được quét ({target}); "
                            "không theo liên kết."
                        ),
                    )
                continue
            if entry.is_dir(follow_symlinks=False):
                yield from _walk_dir(path, root)
            elif entry.is_file(follow_symlinks=False):
                yield path
            else:
                yield FileResult(path, "error", error=_special_reason())
        except OSError as exc:
            yield FileResult(path, "error", error=f"Không đọc được: {exc.strerror}.")
