"""Turn a rendered document into the bytes of an uploaded file: clean render, phone photo, scan, PDF."""

from __future__ import annotations

import io
import time
from dataclasses import dataclass

from PIL import Image

from samples.generator import canvas, effects
from samples.generator.documents import Rendered

#: capture -> the file extension it produces
CAPTURES = {
    "clean": "jpg",
    "clean_png": "png",
    "photo": "jpg",
    "photo_large": "jpg",
    "scan": "jpg",
    "photocopy": "jpg",
    "pdf_text": "pdf",
    "pdf_scan": "pdf",
}
FAULTS = ("blur", "motion_blur", "low_res", "glare", "corner_cut")


@dataclass(frozen=True)
class Capture:
    kind: str = "clean"
    faults: tuple[str, ...] = ()
    glare_at: tuple[float, float] = (0.4, 0.45)  # where the reflection sits (fractions of the paper)

    @property
    def ext(self) -> str:
        return CAPTURES[self.kind]

    @property
    def label(self) -> str:
        return "+".join((self.kind, *self.faults))


def _save_jpeg(img: Image.Image, quality: int = 85) -> bytes:
    buf = io.BytesIO()
    img.convert("RGB").save(buf, "JPEG", quality=quality, optimize=True)
    return buf.getvalue()


def paper(r: Rendered) -> Image.Image:
    return canvas.render(r.pages[0], r.dpi)


def capture_bytes(r: Rendered, cap: Capture, seed: int) -> bytes:
    """The uploaded file for ``r`` as captured by ``cap``; deterministic for a seed."""
    if cap.kind == "pdf_text":
        return canvas.render_pdf(r.pages, title=r.doc_type.value)
    img = paper(r)
    if cap.kind in ("photo", "photo_large") or "corner_cut" in cap.faults:
        img = _photo(r, img, cap, seed)
    else:
        img = effects.flatten(img, (250, 250, 250) if r.card else (255, 255, 255))
        if "glare" in cap.faults:
            img = effects.glare(img, cap.glare_at, 0.16, seed)
        if cap.kind == "photocopy":
            img = effects.scan(effects.photocopy(img, seed), seed)
        elif cap.kind in ("scan", "pdf_scan"):
            img = effects.scan(img, seed)
    img = _faults(img, cap, seed)
    if cap.kind == "pdf_scan":
        buf = io.BytesIO()
        fixed = time.gmtime(1704067200)  # a fixed timestamp: the same seed gives the same bytes
        img.convert("RGB").save(buf, "PDF", resolution=150.0, quality=80, creationDate=fixed, modDate=fixed)
        return buf.getvalue()
    if cap.kind == "clean_png":
        buf = io.BytesIO()
        img.convert("RGB").save(buf, "PNG", optimize=True)
        return buf.getvalue()
    return _save_jpeg(img, 85 if cap.kind != "photo_large" else 80)


def _photo(r: Rendered, img: Image.Image, cap: Capture, seed: int) -> Image.Image:
    w, h = img.size
    landscape = w >= h
    if cap.kind == "photo_large":
        size = (4000, 3000) if landscape else (3000, 4000)
    elif r.card:
        size = (1280, 960)
    else:
        size = (1600, 1200) if landscape else (1200, 1600)
    fill = 0.68 if r.card else 0.86
    shift = (0.0, 0.0)
    if "corner_cut" in cap.faults:
        fill = 0.86 if r.card else 0.9
        shift = (0.17, 0.15)
    if "glare" in cap.faults:
        img = (
            effects.glare(effects.flatten(img), cap.glare_at, 0.16, seed)
            if not r.card
            else _card_glare(img, cap, seed)
        )
    photo, _ = effects.place_on_surface(img, size, seed, fill=fill, shift=shift)
    photo = effects.uneven_light(photo, seed + 2, 0.22)
    return effects.sensor_noise(photo, seed + 3, 1.5)


def _card_glare(img: Image.Image, cap: Capture, seed: int) -> Image.Image:
    alpha = img.getchannel("A") if img.mode == "RGBA" else None
    out = effects.glare(effects.flatten(img), cap.glare_at, 0.2, seed)
    if alpha is not None:
        out.putalpha(alpha)
    return out


def _faults(img: Image.Image, cap: Capture, seed: int) -> Image.Image:
    if "blur" in cap.faults:
        img = effects.gaussian_blur(img, max(img.size) / 380)
    if "motion_blur" in cap.faults:
        img = effects.motion_blur(img, max(9, round(max(img.size) / 90)), 20.0)
    if "low_res" in cap.faults:
        img = effects.low_resolution(img, 360)
    return img
