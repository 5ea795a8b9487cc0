"""OCR of page images with the Debian `tesseract` binary (tesseract-ocr + tesseract-ocr-vie).

Red stamps are the target (Circular 24/2020: level seals are in red ink), so a page is read in
two passes:
1. find the red regions (a red-ink mask, grouped into connected areas on a coarse grid), crop
   each one from the full-resolution image, keep only its red ink as black on white, remove
   the frame lines, upscale, and read them all in one tesseract call → Blocks part="stamp";
2. read the whole page (grey, at most _PAGE_PIXELS) → one Block per line. The whole page is
   always read, not only its top: catalogue phrases, fingerprints and black typed or photocopied
   marks can be anywhere, and a `clean` verdict must mean the page was read.

Only local binaries and the language files of the Debian packages are used; nothing is
downloaded. Input goes through a PNG in a private temporary folder; tesseract runs
single-threaded (OMP_THREAD_LIMIT=1) because the scanner's parallelism is its worker processes.

Measured (one core, A4 rendered at 200 dpi, tesseract 5.3 + vie "fast" model): a letter with a
stamp and 6 lines 0.6 s; a full page of 31 dense lines 2.1 s. The stamp pass adds 0.1-0.25 s.
Time grows with the amount of text (the LSTM), not the resolution: 150 dpi saved ~10%.
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass

import numpy as np
from PIL import Image

from bmnn.scan.model import Block, LimitExceeded, ScanError

TESSERACT = shutil.which("tesseract")
# "vie" alone: its model covers ASCII letters and digits as well, and adding "eng" costs ~35%
# more time per page (measured: 2.0 s → 2.7 s on a dense A4 page) for no gain on marks.
LANGUAGES = "vie"
CALL_TIMEOUT = 60.0  # seconds, one tesseract call, when no file clock bounds it further
_PAGE_PIXELS = 6_000_000  # whole-page OCR above this is downscaled (A4 at 250 dpi ≈ 5.8 M)
_MASK_SIDE = 1200  # the red mask is computed on a view with at most this many pixels a side
_CELL = 6  # grid cell (mask pixels) grouping red ink into regions
_MAX_REGIONS = 16  # the largest red regions OCR'd as stamps; the page pass still reads the rest
# psm 6 (one uniform block) read the stacked stamp crops best of 4, 6 and 7 (7 is one line only).
_STAMP_PSM = 6
_LINE_PX = 44.0
_HEADER = 0.18  # a line whose top is in the top 18% of the page is "header"
_FOOTER = 0.92


@functools.cache
def _languages() -> frozenset[str]:
    if not TESSERACT:
        return frozenset()
    try:
        out = subprocess.run(  # noqa: S603 - absolute path from shutil.which, fixed arguments
            [TESSERACT, "--list-langs"],
            capture_output=True,
            timeout=20,
            env=_env(),
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return frozenset()
    lines = out.stdout.decode("utf-8", "replace").splitlines()
    return frozenset(line.strip() for line in lines[1:] if line.strip())


def available() -> bool:
    """True when tesseract and its Vietnamese model are installed."""
    return bool(TESSERACT) and "vie" in _languages()


def _env() -> dict[str, str]:
    # A minimal environment: no inherited TESSDATA_PREFIX pointing somewhere unexpected, and
    # one OpenMP thread.
    return {"OMP_THREAD_LIMIT": "1", "PATH": "/usr/bin:/bin", "LC_ALL": "C.UTF-8"}


# ---------------------------------------------------------------------------------------------
# red ink


def red_mask(rgb: np.ndarray) -> np.ndarray:
    """Pixels of red ink: red clearly above both green and blue. Faded stamp ink (pinkish) still
    passes; black, grey, blue and magenta do not."""
    r = rgb[..., 0].astype(np.int16)
    g = rgb[..., 1].astype(np.int16)
    b = rgb[..., 2].astype(np.int16)
    return (r >= 100) & (r - g >= 55) & (r - b >= 45)


def find_red_regions(rgb: np.ndarray) -> list[tuple[int, int, int, int]]:
    """Boxes (left, top, right, bottom) in pixels of `rgb` around dense areas of red ink, largest
    first. Isolated red specks (scanner noise) are ignored."""
    h, w = rgb.shape[:2]
    step = max(1, -(-max(h, w) // _MASK_SIDE))
    mask = red_mask(rgb[::step, ::step])
    mh, mw = mask.shape
    gh, gw = mh // _CELL, mw // _CELL
    if gh == 0 or gw == 0:
        return []
    counts = mask[: gh * _CELL, : gw * _CELL].reshape(gh, _CELL, gw, _CELL).sum(axis=(1, 3))
    cells = counts >= 3  # a cell with one or two red pixels is a speck
    if not cells.any():
        return []
    # Dilate by one cell so the letters and words of one stamp join into one region.
    grown = cells.copy()
    padded = np.pad(cells, 1)
    for dy in (0, 1, 2):
        for dx in (0, 1, 2):
            grown |= padded[dy : dy + gh, dx : dx + gw]
    regions = []
    for y0, x0, y1, x1 in _components(grown):
        ink = int(counts[y0 : y1 + 1, x0 : x1 + 1].sum())
        if ink < 60 or (y1 - y0 + 1) < 2 or (x1 - x0 + 1) < 3:
            continue
        px = _CELL * step
        regions.append(
            (
                ink,
                (
                    max(0, x0 * px - px),
                    max(0, y0 * px - px),
                    min(w, (x1 + 1) * px + px),
                    min(h, (y1 + 1) * px + px),
                ),
            )
        )
    regions.sort(key=lambda r: -r[0])
    return [box for _, box in regions[:_MAX_REGIONS]]


def _components(grid: np.ndarray) -> list[tuple[int, int, int, int]]:
    """Bounding boxes (y0, x0, y1, x1, inclusive) of the 8-connected components of `grid`. The
    grid is small (a few hundred cells a side), so a plain flood fill is fast enough."""
    seen = np.zeros_like(grid, dtype=bool)
    gh, gw = grid.shape
    boxes = []
    for y, x in np.argwhere(grid):
        if seen[y, x]:
            continue
        seen[y, x] = True
        stack = [(int(y), int(x))]
        y0 = y1 = int(y)
        x0 = x1 = int(x)
        while stack:
            cy, cx = stack.pop()
            y0, y1, x0, x1 = min(y0, cy), max(y1, cy), min(x0, cx), max(x1, cx)
            for ny in (cy - 1, cy, cy + 1):
                if ny < 0 or ny >= gh:
                    continue
                for nx in (cx - 1, cx, cx + 1):
                    if 0 <= nx < gw and grid[ny, nx] and not seen[ny, nx]:
                        seen[ny, nx] = True
                        stack.append((ny, nx))
        boxes.append((y0, x0, y1, x1))
    return boxes


@dataclass
class _Stamp:
    box: tuple[int, int, int, int]  # in page pixels
    image: Image.Image  # black ink on white, upscaled, with a margin
    boxed: bool
    offset: int = 0  # top of this crop in the composite image
    found: bool = False  # tesseract read letters in it


def _prepare_stamp(rgb: np.ndarray, box: tuple[int, int, int, int]) -> _Stamp | None:
    left, top, right, bottom = box
    crop = rgb[top:bottom, left:right]
    ink = red_mask(crop)
    # Drop isolated specks (fewer than 3 inked pixels in their 3x3 neighbourhood).
    padded = np.pad(ink, 1).astype(np.uint8)
    h, w = ink.shape
    near = sum(padded[dy : dy + h, dx : dx + w] for dy in range(3) for dx in range(3))
    ink &= near >= 3
    ys, xs = np.nonzero(ink)
    if ys.size == 0:
        return None
    # Trim to the ink, so a seal's frame spans the whole crop.
    y0, y1, x0, x1 = ys.min(), ys.max() + 1, xs.min(), xs.max() + 1
    ink = ink[y0:y1, x0:x1]
    crop = crop[y0:y1, x0:x1]
    # Frame lines (single or double, Circular 24/2020 form 02/05): rows / columns that are
    # nearly all ink, plus their anti-aliased neighbours. Removing them keeps tesseract from
    # reading the frame as "|" or "_" and from merging it into the letters.
    rows = _frame_lines(ink.mean(axis=1))
    cols = _frame_lines(ink.mean(axis=0))
    boxed = bool(rows.any() and cols.any())
    ink[rows, :] = False
    ink[:, cols] = False
    inked_rows = ink.any(axis=1)
    if not inked_rows.any():
        return None  # only lines: a red rule or an empty frame
    run = best = 0
    for flag in inked_rows:
        run = run + 1 if flag else 0
        best = max(best, run)
    # Upscale so a line with its tone marks is ~44 px high (tried 40-56 on 54 stamps).
    scale = min(4.0, max(1.0, _LINE_PX / max(best, 1)))
    # Grey levels from "how red" each pixel is: dark red ink → black, paper and black text →
    # white. Keeping the anti-aliased edges (rather than the binary mask) read every test
    # stamp exactly at every letter size tried; the binary mask lost or doubled tone marks.
    c = crop.astype(np.int16)
    redness = c[..., 0] - np.maximum(c[..., 1], c[..., 2])
    grey = np.clip(255 - (redness - 20) * 2.5, 0, 255).astype(np.uint8)
    grey[rows, :] = 255
    grey[:, cols] = 255
    img = Image.fromarray(grey, mode="L")
    if scale > 1.0:
        img = img.resize((round(img.width * scale), round(img.height * scale)), Image.LANCZOS)
    framed = Image.new("L", (img.width + 40, img.height + 40), 255)
    framed.paste(img, (20, 20))
    return _Stamp(box=box, image=framed, boxed=boxed)


def _frame_lines(fraction: np.ndarray) -> np.ndarray:
    lines = fraction > 0.75
    for _ in range(3):
        near = np.zeros_like(lines)
        near[1:] |= lines[:-1]
        near[:-1] |= lines[1:]
        lines |= near & (fraction > 0.3)
    return lines


# ---------------------------------------------------------------------------------------------
# tesseract


@dataclass
class _Line:
    text: str
    conf: float
    left: int
    top: int
    right: int
    bottom: int


def _tesseract(image: Image.Image, psm: int, deadline: float | None) -> list[_Line]:
    if not available():
        raise ScanError("Không có công cụ nhận dạng chữ (tesseract + tiếng Việt) để đọc ảnh.")
    timeout = CALL_TIMEOUT
    if deadline is not None:
        timeout = min(timeout, deadline - time.monotonic())
        if timeout <= 0:
            raise LimitExceeded("Quá thời gian đọc cho phép khi nhận dạng chữ (OCR).")
    with tempfile.TemporaryDirectory(prefix="bmnn-ocr-") as tmp:  # mode 0700
        src = os.path.join(tmp, "page.png")
        image.save(src, format="PNG", compress_level=1)
        try:
            out = subprocess.run(  # noqa: S603 - absolute path from shutil.which, no shell
                [TESSERACT, src, "stdout", "-l", LANGUAGES, "--psm", str(psm), "tsv"],
                capture_output=True,
                timeout=timeout,
                env=_env(),
                stdin=subprocess.DEVNULL,
                cwd=tmp,
                check=False,
            )
        except subprocess.TimeoutExpired as exc:
            raise LimitExceeded("Nhận dạng chữ (OCR) quá thời gian cho phép.") from exc
        except OSError as exc:
            raise ScanError(f"Không chạy được công cụ nhận dạng chữ: {exc}") from exc
    if out.returncode != 0:
        err = out.stderr.decode("utf-8", "replace").strip().splitlines()
        raise ScanError(
            "Công cụ nhận dạng chữ (tesseract) báo lỗi" + (f": {err[-1]}" if err else ".")
        )
    return _parse_tsv(out.stdout.decode("utf-8", "replace"))


def _parse_tsv(tsv: str) -> list[_Line]:
    """Words of tesseract's TSV (level 5) grouped into their lines, in reading order."""
    lines: dict[tuple[int, int, int], list] = {}
    for row in tsv.splitlines()[1:]:
        cols = row.split("\t")
        if len(cols) < 12 or cols[0] != "5":
            continue
        word = cols[11].strip()
        if not word:
            continue
        key = (int(cols[2]), int(cols[3]), int(cols[4]))
        left, top, width, height = (int(c) for c in cols[6:10])
        lines.setdefault(key, []).append((word, float(cols[10]), left, top, width, height))
    result = []
    for words in lines.values():
        result.append(
            _Line(
                text=" ".join(w[0] for w in words),
                conf=sum(w[1] for w in words) / len(words),
                left=min(w[2] for w in words),
                top=min(w[3] for w in words),
                right=max(w[2] + w[4] for w in words),
                bottom=max(w[3] + w[5] for w in words),
            )
        )
    return result


# ---------------------------------------------------------------------------------------------
# the page


def _rgb(image: Image.Image) -> Image.Image:
    if image.mode == "RGB":
        return image
    if image.mode in ("I;16", "I;16B", "I;16L", "I"):
        # 16/32-bit grey: scale to 8 bits instead of letting convert() clip it to white.
        arr = np.asarray(image, dtype=np.float64)
        top = arr.max() or 1.0
        image = Image.fromarray((arr * (255.0 / top)).astype(np.uint8), mode="L")
    elif image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        # Transparent areas are paper, not black.
        rgba = image.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(white, rgba).convert("RGB")
    return image.convert("RGB")


def ocr_image(image: Image.Image, ctx=None, *, location: str = "") -> list[Block]:
    """Read a page image: red stamps first (part="stamp", color="red"), then every line of the
    page. Raises ScanError when tesseract is missing or fails, LimitExceeded past the file's
    time. `ctx` (an extract Context) bounds the time; `location` is put on every Block."""
    deadline = None
    if ctx is not None:
        ctx.check_time()
        deadline = ctx.started + ctx.limits.seconds_per_file
    rgb_img = _rgb(image)
    rgb = np.asarray(rgb_img)
    height, width = rgb.shape[:2]
    blocks: list[Block] = []

    stamps = [s for s in (_prepare_stamp(rgb, b) for b in find_red_regions(rgb)) if s]
    if stamps:
        blocks.extend(_read_stamps(stamps, deadline, location))

    page = rgb_img.convert("L")
    factor = 1.0
    if width * height > _PAGE_PIXELS:
        factor = (_PAGE_PIXELS / (width * height)) ** 0.5
        page = page.resize((max(1, round(width * factor)), max(1, round(height * factor))))
    reds = red_mask(rgb)
    dark = np.asarray(page) < 160 if factor == 1.0 else None
    for line in _tesseract(page, 3, deadline):
        left, top, right, bottom = (
            round(v / factor) for v in (line.left, line.top, line.right, line.bottom)
        )
        cx, cy = (left + right) / 2, (top + bottom) / 2
        if any(
            s.found and s.box[0] <= cx <= s.box[2] and s.box[1] <= cy <= s.box[3] for s in stamps
        ):
            continue  # already read, better, as a stamp
        red = _is_red(reds, dark, rgb, (left, top, right, bottom))
        part = "body"
        if top <= _HEADER * height:
            part = "header"
        elif top >= _FOOTER * height:
            part = "footer"
        text = line.text
        blocks.append(
            Block(
                text=text,
                location=location,
                part=part,
                color="red" if red else "",
                alone=len(text) <= 40 and (right - left) <= 0.45 * width,
                ocr=True,
            )
        )
    return blocks


def _read_stamps(stamps: list[_Stamp], deadline: float | None, location: str) -> list[Block]:
    """All stamp crops stacked in one image and read by one tesseract call (one process start
    per page, not per stamp); each line is given back to the crop it lies in."""
    gap = 30
    width = max(s.image.width for s in stamps)
    total = sum(s.image.height for s in stamps) + gap * (len(stamps) - 1)
    sheet = Image.new("L", (width, total), 255)
    y = 0
    for s in stamps:
        s.offset = y
        sheet.paste(s.image, (0, y))
        y += s.image.height + gap
    blocks = []
    for line in _tesseract(sheet, _STAMP_PSM, deadline):
        text = line.text.strip(" |_[]{}()!-—=.:;,ˆ^~`'\"")
        if not any(c.isalnum() for c in text):
            continue
        cy = (line.top + line.bottom) / 2
        owner = next((s for s in stamps if s.offset <= cy <= s.offset + s.image.height), stamps[-1])
        owner.found = True
        blocks.append(
            Block(
                text=text,
                location=location,
                part="stamp",
                color="red",
                boxed=owner.boxed,
                alone=True,
                ocr=True,
            )
        )
    return blocks


def _is_red(reds, dark, rgb, box) -> bool:
    left, top, right, bottom = box
    region = reds[top:bottom, left:right]
    if region.size == 0:
        return False
    if dark is None:
        sub = rgb[top:bottom, left:right]
        ink = sub.min(axis=2) < 160
    else:
        ink = dark[top:bottom, left:right] | region
    n_ink = int(ink.sum())
    return n_ink > 0 and int(region.sum()) >= 0.5 * n_ink


class OcrEngine:
    """The callable the engine puts in Context.ocr: engine(image) → blocks. Extractors that pass
    their Context (engine(image, ctx=ctx)) get OCR bounded by the file's time limit."""

    def __call__(self, image: Image.Image, ctx=None) -> list[Block]:
        return ocr_image(image, ctx)

    def __reduce__(self):  # picklable for worker processes
        return (OcrEngine, ())


def make_ocr() -> OcrEngine | None:
    """The OCR hook for Context.ocr, or None when tesseract + Vietnamese is not installed (then
    an image or a page without text is an `error`, never `clean`)."""
    return OcrEngine() if available() else None


def run_ocr(ctx, image: Image.Image, location: str) -> list[Block]:
    """OCR through ctx.ocr for extractors; fails closed when there is no OCR."""
    from dataclasses import replace

    if ctx.ocr is None:
        raise ScanError(
            "Trang/ảnh không có lớp chữ và không có công cụ nhận dạng chữ (OCR) để đọc; "
            "không thể kết luận tệp sạch."
        )
    ctx.check_time()
    if isinstance(ctx.ocr, OcrEngine):
        blocks = ocr_image(image, ctx, location=location)
    else:
        blocks = [replace(b, location=location) for b in ctx.ocr(image)]
    ctx.check_time()
    return blocks


def stamps_in(image: Image.Image, ctx, location: str) -> list[Block]:
    """Only the red stamps of an image (an image placed on a PDF page that has a text layer).
    No red ink → no tesseract call. Red ink but no OCR → ScanError (fail closed)."""
    rgb = np.asarray(_rgb(image))
    boxes = find_red_regions(rgb)
    stamps = [s for s in (_prepare_stamp(rgb, b) for b in boxes) if s]
    if not stamps:
        return []
    if ctx.ocr is None or not available():
        raise ScanError(
            "Tệp có hình ảnh mang dấu màu đỏ nhưng không có công cụ nhận dạng chữ (OCR) để đọc."
        )
    ctx.check_time()
    return _read_stamps(stamps, ctx.started + ctx.limits.seconds_per_file, location)
