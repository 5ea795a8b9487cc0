"""Images (PNG, JPEG, TIFF, GIF, BMP): decoded with Pillow within the pixel limit, then OCR'd,
red stamps first (bmnn.scan.ocr). Every frame of a multi-page TIFF (or an animated GIF) is a
page and counts against Limits.max_ocr_pages. Without OCR an image is an `error`, never an
empty `clean` document.
"""

from __future__ import annotations

import io
import warnings

from PIL import Image, ImageOps

from bmnn.scan import ocr
from bmnn.scan.extract import Context, register
from bmnn.scan.model import Document, LimitExceeded, ScanError

# Only the decoder of the sniffed kind may open the data: a PNG never reaches the TIFF or the
# EPS plugin, whatever its bytes say.
_FORMATS = {
    "png": ("PNG",),
    "jpeg": ("JPEG", "MPO"),
    "tiff": ("TIFF",),
    "gif": ("GIF",),
    "bmp": ("BMP", "DIB"),
}


@register("png", "jpeg", "tiff", "gif", "bmp")
def extract(data: bytes, ctx: Context) -> Document:
    limits = ctx.limits
    kind = _kind(data)
    if ctx.ocr is None:
        raise ScanError(
            "Không có công cụ nhận dạng chữ (OCR) để đọc ảnh; không thể kết luận tệp sạch."
        )
    # Pillow's own bomb check, tied to our limit (it raises past twice this value); ours below
    # refuses anything past the limit itself, from the header, before decoding.
    Image.MAX_IMAGE_PIXELS = limits.max_pixels
    doc = Document()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=_FORMATS[kind]) as img:
                frames = getattr(img, "n_frames", 1)
                if frames > limits.max_ocr_pages:
                    raise LimitExceeded(
                        f"Ảnh có {frames} trang, vượt giới hạn {limits.max_ocr_pages} trang "
                        "nhận dạng chữ (OCR)."
                    )
                doc.pages = frames
                for index in range(frames):
                    ctx.check_time()
                    if index:
                        img.seek(index)
                    width, height = img.size
                    if width * height > limits.max_pixels:
                        raise LimitExceeded(
                            f"Ảnh {width}×{height} điểm vượt giới hạn {limits.max_pixels} điểm ảnh."
                        )
                    img.load()
                    if index == 0:
                        # In place: a copy would hold a second decoded image (3 bytes a
                        # pixel) for nothing when, as usual, there is no rotation to apply.
                        ImageOps.exif_transpose(img, in_place=True)
                    location = f"trang {index + 1}" if frames > 1 else "ảnh"
                    # OCR is done with this frame before the next seek replaces it.
                    doc.blocks.extend(ocr.run_ocr(ctx, img, location))
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise LimitExceeded(
            f"Ảnh vượt giới hạn {limits.max_pixels} điểm ảnh (nghi là ảnh bom giải nén)."
        ) from exc
    except ScanError:
        raise
    except MemoryError as exc:
        raise LimitExceeded("Ảnh cần quá nhiều bộ nhớ để giải mã.") from exc
    except (OSError, ValueError, SyntaxError, EOFError, IndexError, KeyError, TypeError) as exc:
        # Pillow signals truncated or malformed data with these (SyntaxError for bad headers).
        raise ScanError(f"Tệp ảnh hỏng hoặc không đọc được ({type(exc).__name__}).") from exc
    return doc


def _kind(data: bytes) -> str:
    from bmnn.scan.sniff import sniff

    kind = sniff(data)
    if kind not in _FORMATS:
        raise ScanError("Tệp không phải là ảnh được hỗ trợ (PNG, JPEG, TIFF, GIF, BMP).")
    return kind
