"""Extractors: one module per family of formats, each behind one small interface and
registered in one table (`EXTRACTORS`), the Paperless-ngx way.

An extractor is a function `extract(data: bytes, ctx: Context) -> Document`. It must:
- never execute or render active content (macros, scripts, external links) and never open a
  network connection;
- raise ScanError with a Vietnamese reason for a file it cannot read, LimitExceeded for one
  that breaks a limit (ctx.limits), and call ctx.check_time() in long loops;
- keep the layout hints of Block (part, font, bold, color, boxed, alone) where the format has
  them, since they decide whether a "MẬT" is a stamp or a word in a sentence;
- return embedded files (archive members, attachments) as Member objects, within the limits:
  the engine scans them as "container!member".

`kind` is what bmnn.scan.sniff.sniff() names from the content (not the extension).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from bmnn.scan.limits import Limits
from bmnn.scan.model import Document, LimitExceeded

Extractor = Callable[[bytes, "Context"], Document]


@dataclass
class Context:
    """What an extractor may use: the limits, the clock of this file, and OCR."""

    limits: Limits = field(default_factory=Limits)
    name: str = ""  # the file's path or member name, for messages
    started: float = field(default_factory=time.monotonic)
    # OCR of an image (PIL.Image) → blocks; None when OCR is not available (then an image-only
    # page is an `error`, not `clean`). Set by the engine from bmnn.scan.ocr.
    ocr: Callable | None = None

    def check_time(self) -> None:
        if time.monotonic() - self.started > self.limits.seconds_per_file:
            raise LimitExceeded(
                f"Quá thời gian đọc cho phép ({self.limits.seconds_per_file:g} giây mỗi tệp)."
            )


# kind → extractor. Modules register themselves in _load(); kinds are the sniffer's names.
EXTRACTORS: dict[str, Extractor] = {}


def register(*kinds: str):
    def wrap(fn: Extractor) -> Extractor:
        for kind in kinds:
            if kind in EXTRACTORS:
                raise RuntimeError(f"two extractors for {kind!r}")
            EXTRACTORS[kind] = fn
        return fn

    return wrap


def extractor_for(kind: str) -> Extractor | None:
    _load()
    return EXTRACTORS.get(kind)


_LOADED = False


def _load() -> None:
    """Import every extractor module once, so their @register calls fill the table."""
    global _LOADED
    if _LOADED:
        return
    import importlib
    import pkgutil

    for info in pkgutil.iter_modules(__path__):
        importlib.import_module(f"{__name__}.{info.name}")
    _LOADED = True
