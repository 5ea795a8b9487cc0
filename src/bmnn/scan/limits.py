"""The scanner's limits, with safe defaults. Breaking one makes the file `error` (LimitExceeded),
never `clean`. Every extractor receives them in its Context.

The memory cap is the one hard bound: the kernel enforces it on each worker's address space,
and a file that needs more is `error` ("cần quá nhiều bộ nhớ"). The other defaults are set
from it, so that for most files they, and not the cap, stop a file too large, with a clear
reason (measured on Linux, Python 3.11, see tests/scan/test_memory.py):
- a worker starts at about 145 MB of address space (Python, lxml, PDFium, NumPy, Pillow), and
  its RSS stays about 90 MB under its address space (libraries are mapped, not all resident);
- the parent, the forkserver and the resource tracker take about 100 MB of RSS together, so
  with one worker the scan stays under 500 MB of RSS in all even when a file hits the cap;
- a worker holds one top-level file (max_file_bytes; read in one buffer, not twice) and, for a
  container, the container's bytes plus all the members it extracted: the engine charges those
  to max_unpacked_bytes as soon as they are extracted, so that bound is also what members hold
  at once, across nesting levels. 2 × 128 MB + 145 MB fits in the cap;
- an image is decoded whole and OCR works on copies of it (about 15 bytes a pixel in all):
  16 M pixels fits (an A4 page scanned at 400 dpi is 15.5 M);
- text is what fits least: the text extractor and the detectors hold several copies of it (a
  60 MB UTF-8 text file is over the cap), which no size limit here can foresee per format.
Every limit can be raised (CLI options); a file that then does not fit in the worker's memory
is still `error`, never `clean`.
"""

from __future__ import annotations

from dataclasses import dataclass

MB = 1024 * 1024


@dataclass(frozen=True)
class Limits:
    max_file_bytes: int = 256 * MB  # one file or one member, refused unread above this
    max_depth: int = 5  # archives and attachments inside each other
    max_members: int = 10_000  # members of one archive
    max_unpacked_bytes: int = 128 * MB  # decompressed bytes of one top-level file, all levels
    max_ratio: int = 200  # compressed → uncompressed ratio of one member (zip bombs)
    max_pages: int = 2_000  # PDF pages, slides
    max_pixels: int = 16_000_000  # one image or rendered page
    max_ocr_pages: int = 200
    max_text_chars: int = 50_000_000  # extracted text of one file
    seconds_per_file: float = 120.0
    max_memory_bytes: int = 448 * MB  # address space of one worker process (see above)
