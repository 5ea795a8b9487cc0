"""The scanner's limits, with safe defaults. Breaking one makes the file `error` (LimitExceeded),
never `clean`. Every extractor receives them in its Context."""

from __future__ import annotations

from dataclasses import dataclass

MB = 1024 * 1024


@dataclass(frozen=True)
class Limits:
    max_file_bytes: int = 256 * MB  # one file or one member
    max_depth: int = 5  # archives and attachments inside each other
    max_members: int = 10_000  # members of one archive
    max_unpacked_bytes: int = 1024 * MB  # total decompressed bytes of one top-level file
    max_ratio: int = 200  # compressed → uncompressed ratio of one member (zip bombs)
    max_pages: int = 2_000  # PDF pages, slides
    max_pixels: int = 80_000_000  # one image or rendered page (~ A4 at 600 dpi is 35 M)
    max_ocr_pages: int = 200
    max_text_chars: int = 50_000_000  # extracted text of one file
    seconds_per_file: float = 120.0
    max_memory_bytes: int = 480 * MB  # address-space limit of a worker process (RSS < 500 MB)
