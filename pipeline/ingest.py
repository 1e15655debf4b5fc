"""Ingestion: bytes -> pages.

The file kind comes from its magic bytes, never from its name. Images go through one guarded Pillow
helper (format allow-list, pixel limit as an error, EXIF orientation, odd modes normalised to RGB);
PDFs through pdfplumber (text layer) and pypdfium2 (pixels). Every failure becomes an
``IngestResult.error`` with a reason: it never raises to the caller, and the file is only read.
"""

from __future__ import annotations

import hashlib
import io
import logging
import shutil
import warnings
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image, ImageFile, ImageOps
from pydantic import BaseModel, ConfigDict, Field, PrivateAttr

from pipeline.config import Settings
from pipeline.ingest_limits import LimitExceeded, decoded_bytes, prescan_pdf, run_bounded
from pipeline.models import OcrLine, Page
from pipeline.pixels import PagePixels, make_spill_dir, write_page
from pipeline.safety import Refused, jpeg_incomplete, read_inside

log = logging.getLogger(__name__)

IMAGE_KINDS = {"jpeg": "JPEG", "png": "PNG", "tiff": "TIFF", "bmp": "BMP", "webp": "WEBP"}


class IngestResult(BaseModel):
    model_config = ConfigDict(arbitrary_types_allowed=True)

    file: str
    kind: str | None = None
    size: int = 0
    sha256: str | None = None
    pages: list[Page] = Field(default_factory=list)
    error: str | None = None
    notes: list[str] = Field(default_factory=list)
    _pixels: PagePixels | None = PrivateAttr(default=None)

    @property
    def pixels(self) -> PagePixels | None:
        """Where the pages' pixels are read back from when the material is too long to hold them
        (None when every page holds its own)."""
        return self._pixels

    def close(self) -> None:
        """Remove the spilled pages (the pages have no pixels afterwards). Idempotent."""
        if self._pixels is not None:
            self._pixels.close()

    def __enter__(self) -> IngestResult:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def sniff(head: bytes) -> str | None:
    """File kind from magic bytes."""
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head[:4] in (b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+"):
        return "tiff"
    if head.startswith(b"BM") and len(head) >= 14:
        return "bmp"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    if b"%PDF-" in head[:1024]:
        return "pdf"
    return None


def _describe(kind: str | None, head: bytes) -> str:
    if not head:
        return "the file is empty"
    if head[:4] == b"PK\x03\x04":
        return "a ZIP/Office file, not an image or PDF"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "a GIF image, which is not accepted (JPEG, PNG, TIFF, BMP, WebP or PDF)"
    try:
        head[:256].decode("utf-8")
        return "a text file, not an image or PDF"
    except UnicodeDecodeError:
        return "not an image or PDF (unknown file format)"


def set_pixel_limits(settings: Settings) -> None:
    """Pillow's decompression-bomb guard as an error at our limit (call in every worker process)."""
    Image.MAX_IMAGE_PIXELS = settings.max_pixels
    ImageFile.LOAD_TRUNCATED_IMAGES = False  # a cut body is unreadable, never a grey page
    warnings.simplefilter("error", Image.DecompressionBombWarning)


def to_rgb(im: Image.Image) -> Image.Image:
    """Any Pillow mode -> RGB uint8; transparency composited on white."""
    mode = im.mode
    if mode in ("I;16", "I;16B", "I;16L", "I;16N", "I"):
        arr = np.asarray(im, dtype=np.float64)
        hi = float(arr.max()) if arr.size else 0.0
        lo = float(arr.min()) if arr.size else 0.0
        scale = 255.0 / (hi - lo) if hi > lo else 0.0
        arr8 = ((arr - lo) * scale).clip(0, 255).astype(np.uint8)
        return Image.fromarray(arr8, "L").convert("RGB")
    if mode == "F":
        arr = np.asarray(im, dtype=np.float64)
        return Image.fromarray(arr.clip(0, 255).astype(np.uint8), "L").convert("RGB")
    if mode == "P":
        im = im.convert("RGBA") if "transparency" in im.info else im.convert("RGB")
        mode = im.mode
    if mode in ("RGBA", "LA", "PA", "RGBa", "La"):
        rgba = im.convert("RGBA")
        bg = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(bg, rgba).convert("RGB")
    if mode == "CMYK":
        return im.convert("RGB")
    if mode == "1":
        return im.convert("L").convert("RGB")
    return im.convert("RGB") if mode != "RGB" else im


def spills(n_pages: int, settings: Settings) -> bool:
    """Whether a material of ``n_pages`` pages keeps its pixels on disk rather than in memory."""
    return n_pages > settings.pixel_cache_pages


def _image_pages(data: bytes, kind: str, settings: Settings, result: IngestResult) -> list[Page]:
    pages: list[Page] = []
    with Image.open(io.BytesIO(data), formats=[IMAGE_KINDS[kind]]) as im:
        n = getattr(im, "n_frames", 1) if kind == "tiff" else 1
        if n > settings.max_pages:
            raise ValueError(f"{n} pages, more than the limit of {settings.max_pages}")
        store = PagePixels.create(settings.pixel_cache_pages) if spills(n, settings) else None
        result._pixels = store
        spilled = 0
        for i in range(n):
            if n > 1:
                im.seek(i)
            if im.width * im.height > settings.max_pixels:
                raise ValueError(
                    f"image of {im.width}x{im.height} pixels exceeds the limit of {settings.max_pixels:,}"
                )
            _bound_decode(im, kind, settings)
            im.load()
            frame = ImageOps.exif_transpose(im) if i == 0 else im.copy()
            rgb = _fit(to_rgb(frame if frame is not None else im), settings.max_page_pixels)
            del frame
            arr = np.asarray(rgb, dtype=np.uint8)
            del rgb
            dpi = im.info.get("dpi")
            page = Page(
                index=i,
                width=arr.shape[1],
                height=arr.shape[0],
                source="image",
                image=arr,
                dpi=float(dpi[0]) if isinstance(dpi, tuple) and dpi and dpi[0] else None,
            )
            if store is not None:
                spilled = _count_spill(spilled, arr, settings)
                store.put(i, arr)
                page.attach(store)
            del arr
            pages.append(page)
    if not pages:
        raise ValueError("the image has no frames")
    return pages


def _bound_decode(im: Image.Image, kind: str, settings: Settings) -> None:
    """Bound the memory of decoding from the header: a JPEG over the page budget is decoded at a
    smaller scale by libjpeg; anything else whose pixels would need too much memory is refused."""
    w, h = im.size
    if kind == "jpeg" and w * h > settings.max_page_pixels:
        f = (settings.max_page_pixels / (w * h)) ** 0.5
        im.draft("RGB", (max(1, int(w * f)), max(1, int(h * f))))
        w, h = im.size
    need = decoded_bytes(w, h, im.mode)
    if need > settings.max_decode_bytes:
        raise ValueError(
            f"decoding the {w}x{h} {im.mode} image needs {need / 2**20:,.0f} MB, "
            f"more than the limit of {settings.max_decode_bytes / 2**20:,.0f} MB"
        )


def _fit(im: Image.Image, max_pixels: int) -> Image.Image:
    """``im`` reduced (box filter) so that it has at most ``max_pixels`` pixels."""
    w, h = im.size
    if w * h <= max_pixels:
        return im
    f = (max_pixels / (w * h)) ** 0.5
    return im.resize((max(1, int(w * f)), max(1, int(h * f))), Image.Resampling.BOX)


def _count_spill(total: int, arr: np.ndarray, settings: Settings) -> int:
    """Bytes of pixels written for one material so far; refused past ``max_spill_bytes``."""
    total += arr.nbytes
    if total > settings.max_spill_bytes:
        raise LimitExceeded(
            f"the pages' pixels need more than {settings.max_spill_bytes / 2**20:,.0f} MB in all"
        )
    return total


def _pdf_text_lines(page: Any, scale: float) -> list[OcrLine]:
    lines: list[OcrLine] = []
    for tl in page.extract_text_lines(layout=False, strip=True, return_chars=False):
        text = " ".join(str(tl.get("text", "")).split())
        if not text:
            continue
        x0, top, x1, bottom = (float(tl[k]) * scale for k in ("x0", "top", "x1", "bottom"))
        lines.append(
            OcrLine(text=text, polygon=[(x0, top), (x1, top), (x1, bottom), (x0, bottom)], confidence=1.0)
        )
    return lines


def _pdf_pages(data: bytes, settings: Settings, result: IngestResult) -> list[Page]:
    """Pages of a PDF, bounded: streams checked before parsing, then parsed in a child process
    with a memory and a time limit (``pipeline.ingest_limits``). The pages of a PDF longer than the
    pixel cache are written to an owner-only folder one by one as they are rendered (the child
    never holds more than one page) and read back on demand (``pipeline.pixels``)."""
    reason = prescan_pdf(
        data,
        max_stream=settings.pdf_max_stream_bytes,
        max_total=settings.pdf_max_inflated_bytes,
        max_image=settings.max_pixels * 4,
        max_objects=settings.pdf_max_objects,
    )
    if reason:
        raise LimitExceeded(reason)
    # imported here, once per process, rather than in every forked child (0.2 s a PDF)
    import pdfplumber  # noqa: F401
    import pypdfium2  # noqa: F401

    spill = make_spill_dir()
    try:
        if not settings.pdf_isolate:
            pages, spilled = _pdf_pages_here(data, settings, spill)
        else:
            pages, spilled = run_bounded(
                _pdf_pages_here,
                (data, settings, spill),
                timeout=settings.pdf_timeout,
                memory_mb=settings.pdf_max_memory_mb,
            )
    except BaseException:
        shutil.rmtree(spill, ignore_errors=True)
        raise
    if not spilled:
        shutil.rmtree(spill, ignore_errors=True)
        return pages
    store = result._pixels = PagePixels(spill, settings.pixel_cache_pages)
    for page in pages:
        page.attach(store)
    return pages


def _pdf_pages_here(data: bytes, settings: Settings, spill: Path) -> tuple[list[Page], bool]:
    """The pages, and whether their pixels were written to ``spill`` rather than kept."""
    import pdfplumber
    import pypdfium2 as pdfium

    try:
        pdf = pdfplumber.open(io.BytesIO(data))
    except Exception as e:  # PdfminerException, PDFPasswordIncorrect, PSEOF, ...
        raise ValueError(_pdf_reason(e)) from None
    pages: list[Page] = []
    with pdf:
        try:
            n = len(pdf.pages)
        except Exception as e:
            raise ValueError(_pdf_reason(e)) from None
        if n == 0:
            raise ValueError("the PDF has no pages")
        if n > settings.max_pages:
            raise ValueError(f"the PDF has {n} pages, more than the limit of {settings.max_pages}")
        try:
            doc = pdfium.PdfDocument(data)
        except Exception as e:
            raise ValueError(_pdf_reason(e)) from None
        to_disk = spills(n, settings)
        spilled = 0
        try:
            for i, pl_page in enumerate(pdf.pages):
                w_pt, h_pt = float(pl_page.width), float(pl_page.height)
                scale = settings.pdf_dpi / 72.0
                budget = min(settings.max_pixels, settings.max_page_pixels)
                if w_pt * h_pt * scale * scale > budget:
                    scale = (budget / max(w_pt * h_pt, 1.0)) ** 0.5
                try:
                    text_lines = _pdf_text_lines(pl_page, scale)
                except Exception as e:
                    log.info("text layer of page %d unreadable: %s", i, e)
                    text_lines = []
                finally:
                    pl_page.close()  # pdfplumber's per-page caches (chars, layout) go with the page
                chars = sum(len(t.text.replace(" ", "")) for t in text_lines)
                pdf_page = doc[i]
                try:
                    bitmap = pdf_page.render(scale=scale)
                    try:
                        arr = np.asarray(bitmap.to_pil().convert("RGB"), dtype=np.uint8)
                    finally:
                        bitmap.close()
                finally:
                    pdf_page.close()
                has_text = chars >= settings.min_text_chars
                if to_disk:
                    spilled = _count_spill(spilled, arr, settings)
                    write_page(spill, i, arr)
                pages.append(
                    Page(
                        index=i,
                        width=arr.shape[1],
                        height=arr.shape[0],
                        source="pdf_text" if has_text else "pdf_scan",
                        image=None if to_disk else arr,
                        text_lines=text_lines if has_text else None,
                        dpi=scale * 72.0,
                    )
                )
                del arr
        finally:
            doc.close()
    return pages, to_disk


def _pdf_reason(e: BaseException) -> str:
    cause: Any = e.args[0] if getattr(e, "args", None) else e
    name = type(cause).__name__ if isinstance(cause, BaseException) else type(e).__name__
    text = f"{name} {cause}".lower()
    if "password" in text or "encrypt" in text:
        return "the PDF is encrypted (password protected)"
    return f"the PDF cannot be opened ({name}: {str(cause)[:120]})"


def ingest(path: Path, settings: Settings, case_dir: Path | None = None) -> IngestResult:
    """Read one material into pages. Never raises for bad input; never writes to ``path``.

    With ``case_dir`` the file is opened inside that folder only: symlinks, FIFOs and devices are
    refused (``pipeline.safety.read_inside``)."""
    result = IngestResult(file=path.name)
    if case_dir is not None:
        try:
            data = read_inside(case_dir, path.relative_to(case_dir).as_posix(), settings.max_file_bytes)
        except Refused as e:
            result.error = f"refused: {e}"
            return result
        except (OSError, ValueError) as e:
            result.error = f"the file cannot be read ({getattr(e, 'strerror', None) or type(e).__name__})"
            return result
        result.size = len(data)
        if len(data) > settings.max_file_bytes:
            result.error = f"file of more than {settings.max_file_bytes:,} bytes exceeds the limit"
            return result
    else:
        try:
            size = path.stat().st_size
        except OSError as e:
            result.error = f"the file cannot be read ({e.strerror})"
            return result
        result.size = size
        if size > settings.max_file_bytes:
            result.error = f"file of {size:,} bytes exceeds the limit of {settings.max_file_bytes:,}"
            return result
        try:
            data = path.read_bytes()
        except OSError as e:
            result.error = f"the file cannot be read ({e.strerror})"
            return result
    result.sha256 = hashlib.sha256(data).hexdigest()
    kind = sniff(data[:1024])
    result.kind = kind
    if kind is None:
        result.error = _describe(kind, data[:1024])
        return result
    if kind == "jpeg":
        short = jpeg_incomplete(data)
        if short:
            result.error = short
            return result
    try:
        if kind == "pdf":
            result.pages = _pdf_pages(data, settings, result)
        else:
            set_pixel_limits(settings)
            result.pages = _image_pages(data, kind, settings, result)
    except Image.DecompressionBombError as e:
        result.error = f"image too large (decompression bomb guard): {e}"[:200]
    except Image.DecompressionBombWarning as e:
        result.error = f"image too large (over {settings.max_pixels:,} pixels): {e}"[:200]
    except (ValueError, OSError, SyntaxError, EOFError) as e:
        msg = str(e) or type(e).__name__
        if "truncated" in msg.lower():
            msg = f"the image is truncated or corrupt ({msg})"
        elif "cannot identify" in msg.lower():
            msg = f"the {kind.upper()} data is corrupt ({msg})"
        result.error = msg[:300]
    except MemoryError:
        result.error = "the file needs more memory to decode than allowed"
    except Exception as e:  # a decoder bug must still become a finding, not a crash
        log.exception("unexpected ingestion failure")
        result.error = f"the file cannot be decoded ({type(e).__name__})"
    if result.error:
        result.pages = []
        result.close()
    return result
