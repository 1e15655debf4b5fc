"""A tiny vector page model (millimetres) drawn by two backends: Pillow (raster) and reportlab (text-layer PDF).

Documents are built as a list of primitives; the raster backend gives the "paper" a camera or scanner
sees, the PDF backend gives a born-digital file with a real text layer.
"""

from __future__ import annotations

import io
import math
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

FONT_DIR = "/usr/share/fonts/opentype/noto"
FONT_FILES = {
    "sans": "NotoSansCJK-Regular.ttc",
    "sans-bold": "NotoSansCJK-Bold.ttc",
    "serif": "NotoSerifCJK-Regular.ttc",
    "serif-bold": "NotoSerifCJK-Bold.ttc",
}
SC_INDEX = 2  # Simplified Chinese face inside the .ttc collections
PT_MM = 25.4 / 72.0
INK = (25, 25, 30)
RED = (210, 35, 40)


@lru_cache(maxsize=256)
def font(name: str, px: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(f"{FONT_DIR}/{FONT_FILES[name]}", max(6, px), index=SC_INDEX)


def text_width_mm(text: str, size_pt: float, face: str = "sans") -> float:
    """Advance width of ``text`` in millimetres (measured at 10 px/mm)."""
    f = font(face, round(size_pt * PT_MM * 10))
    return float(f.getlength(text)) / 10.0


# --------------------------------------------------------------------------- primitives


@dataclass
class Text:
    x: float
    y: float  # top of the text line
    text: str
    size: float = 10.5  # points
    face: str = "sans"
    anchor: str = "l"  # l, m, r
    color: tuple[int, int, int] = INK
    spacing: float = 0.0  # extra letter spacing in mm


@dataclass
class Line:
    x0: float
    y0: float
    x1: float
    y1: float
    width: float = 0.25
    color: tuple[int, int, int] = INK


@dataclass
class Rect:
    x0: float
    y0: float
    x1: float
    y1: float
    width: float = 0.25
    outline: tuple[int, int, int] | None = INK
    fill: tuple[int, int, int] | None = None


@dataclass
class Ellipse:
    x0: float
    y0: float
    x1: float
    y1: float
    fill: tuple[int, int, int] | None = None
    outline: tuple[int, int, int] | None = None
    width: float = 0.3


@dataclass
class Seal:
    """A red round official seal: ring, star, institution name along the ring, purpose text below."""

    cx: float
    cy: float
    r: float
    ring_text: str
    bottom_text: str = ""
    angle: float = 0.0  # degrees, stamps are rarely straight
    color: tuple[int, int, int] = RED
    opacity: float = 0.92
    seed: int = 0


@dataclass
class Raster:
    """A Pillow-only drawing (background patterns, portraits, QR codes): fn(image, px_per_mm)."""

    fn: Callable[[Image.Image, float], None]
    # for the PDF backend: (x, y, width, height) in mm and a picture to embed there; None = raster only
    pdf: tuple[float, float, float, float, Callable[[], Image.Image]] | None = None


Item = Text | Line | Rect | Ellipse | Seal | Raster


@dataclass
class Page:
    width: float  # mm
    height: float
    items: list[Item] = field(default_factory=list)
    background: tuple[int, int, int] = (255, 255, 255)
    corner_radius: float = 0.0  # cards have round corners

    def add(self, *items: Item) -> None:
        self.items.extend(items)

    def text(
        self, x: float, y: float, text: str, size: float = 10.5, face: str = "sans", **kw: object
    ) -> None:
        self.items.append(Text(x, y, text, size, face, **kw))  # type: ignore[arg-type]

    def line(self, x0: float, y0: float, x1: float, y1: float, width: float = 0.25) -> None:
        self.items.append(Line(x0, y0, x1, y1, width))


# --------------------------------------------------------------------------- raster backend


def render(page: Page, dpi: float) -> Image.Image:
    """Draw the page at ``dpi``: an RGB image (the paper as it is, before any capture effect)."""
    k = dpi / 25.4
    w, h = round(page.width * k), round(page.height * k)
    img = Image.new("RGB", (w, h), page.background)
    draw = ImageDraw.Draw(img)
    seals: list[Seal] = []
    for it in page.items:
        if isinstance(it, Text):
            _draw_text(draw, it, k)
        elif isinstance(it, Line):
            draw.line(
                [(it.x0 * k, it.y0 * k), (it.x1 * k, it.y1 * k)],
                fill=it.color,
                width=max(1, round(it.width * k)),
            )
        elif isinstance(it, Rect):
            draw.rectangle(
                [it.x0 * k, it.y0 * k, it.x1 * k, it.y1 * k],
                outline=it.outline,
                fill=it.fill,
                width=max(1, round(it.width * k)),
            )
        elif isinstance(it, Ellipse):
            draw.ellipse(
                [it.x0 * k, it.y0 * k, it.x1 * k, it.y1 * k],
                outline=it.outline,
                fill=it.fill,
                width=max(1, round(it.width * k)),
            )
        elif isinstance(it, Raster):
            it.fn(img, k)
            draw = ImageDraw.Draw(img)
        elif isinstance(it, Seal):
            seals.append(it)
    for s in seals:  # ink goes on last, over the text
        img = stamp(img, s, k)
    if page.corner_radius > 0:
        mask = Image.new("L", img.size, 0)
        ImageDraw.Draw(mask).rounded_rectangle(
            [0, 0, w - 1, h - 1], radius=round(page.corner_radius * k), fill=255
        )
        img.putalpha(mask)  # RGBA: transparent corners, composed onto a surface by the capture step
    return img


def _draw_text(draw: ImageDraw.ImageDraw, t: Text, k: float) -> None:
    px = round(t.size * PT_MM * k)
    f = font(t.face, px)
    anchor = {"l": "lt", "m": "mt", "r": "rt"}[t.anchor]
    if t.spacing <= 0:
        draw.text((t.x * k, t.y * k), t.text, font=f, fill=t.color, anchor=anchor)
        return
    gap = t.spacing * k
    total = sum(f.getlength(c) for c in t.text) + gap * (len(t.text) - 1)
    x = t.x * k - {"l": 0.0, "m": total / 2, "r": total}[t.anchor]
    for c in t.text:
        draw.text((x, t.y * k), c, font=f, fill=t.color, anchor="lt")
        x += f.getlength(c) + gap


def seal_image(s: Seal, k: float) -> Image.Image:
    """The seal alone as an 'L' ink mask (255 = full ink), already rotated."""
    rng = random.Random(s.seed)
    r = s.r * k
    size = round(2 * r + 8)
    c = size / 2
    m = Image.new("L", (size, size), 0)
    d = ImageDraw.Draw(m)
    ring = max(2, round(0.045 * r))
    d.ellipse([c - r, c - r, c + r, c + r], outline=255, width=ring)
    # five-pointed star
    rs, ri = 0.28 * r, 0.28 * r * 0.382
    pts = []
    for i in range(10):
        a = -math.pi / 2 + i * math.pi / 5
        rr = rs if i % 2 == 0 else ri
        pts.append((c + rr * math.cos(a), c + rr * math.sin(a)))
    d.polygon(pts, fill=255)
    # the institution's name along the upper ring, letters upright towards the centre
    text = s.ring_text
    n = len(text)
    span = min(250.0, 22.0 * n + 20)  # degrees covered
    fpx = round(min(0.30 * r, (2 * math.pi * 0.72 * r * span / 360) / max(n, 1) * 0.95))
    f = font("sans-bold", fpx)
    rt = r - ring - 0.62 * fpx
    for i, ch in enumerate(text):
        ang = -90 - span / 2 + span * (i + 0.5) / n  # degrees, 0 = east, clockwise on screen
        glyph = Image.new("L", (fpx * 2, fpx * 2), 0)
        ImageDraw.Draw(glyph).text((fpx, fpx), ch, font=f, fill=255, anchor="mm")
        glyph = glyph.rotate(-(ang + 90), resample=Image.Resampling.BICUBIC)
        gx = c + rt * math.cos(math.radians(ang)) - fpx
        gy = c + rt * math.sin(math.radians(ang)) - fpx
        m.paste(255, (round(gx), round(gy)), glyph)
    if s.bottom_text:
        bpx = round(0.17 * r)
        fb = font("sans-bold", bpx)
        d.text((c, c + 0.52 * r), s.bottom_text, font=fb, fill=255, anchor="mm")
    # uneven ink: speckles and a lighter side
    arr = np.asarray(m, dtype=np.float32) / 255.0
    nrng = np.random.default_rng(s.seed)
    noise = nrng.random(arr.shape, dtype=np.float32)
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float32) / size
    side = 0.88 + 0.12 * np.cos((xx * math.cos(rng.random() * 6.28) + yy) * 3.0)
    arr = arr * np.where(noise < 0.08, 0.5, 1.0) * side
    m = Image.fromarray(np.clip(arr * 255, 0, 255).astype(np.uint8)).filter(ImageFilter.GaussianBlur(0.6))
    return m.rotate(s.angle, resample=Image.Resampling.BICUBIC)


def stamp(img: Image.Image, s: Seal, k: float) -> Image.Image:
    """Press the seal onto the image: red ink multiplies with what is under it (text stays dark)."""
    mask = seal_image(s, k)
    alpha = mask.point(lambda v: round(v * s.opacity))
    x0 = round(s.cx * k - mask.width / 2)
    y0 = round(s.cy * k - mask.height / 2)
    rgba = img.mode == "RGBA"
    base = img.convert("RGB")
    region = base.crop((x0, y0, x0 + mask.width, y0 + mask.height))
    ink = Image.new("RGB", region.size, s.color)
    from PIL import ImageChops

    multiplied = ImageChops.multiply(region, ink)
    region = Image.composite(multiplied, region, alpha)
    base.paste(region, (x0, y0))
    if rgba:
        base.putalpha(img.getchannel("A"))
    return base


# --------------------------------------------------------------------------- PDF backend (text layer)

_CID = "STSong-Light"


def _register_cid() -> None:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont

    try:
        pdfmetrics.getFont(_CID)
    except KeyError:
        pdfmetrics.registerFont(UnicodeCIDFont(_CID))


def render_pdf(pages: list[Page], title: str = "") -> bytes:
    """A born-digital PDF (text layer in the built-in CID font STSong-Light), deterministic bytes."""
    from reportlab.lib.units import mm
    from reportlab.pdfgen.canvas import Canvas

    _register_cid()
    buf = io.BytesIO()
    first = pages[0]
    cv = Canvas(buf, pagesize=(first.width * mm, first.height * mm), invariant=1, pageCompression=1)
    cv.setTitle(title)
    cv.setAuthor("")
    cv.setCreator("")
    cv.setProducer("")
    for page in pages:
        cv.setPageSize((page.width * mm, page.height * mm))
        H = page.height * mm
        for it in page.items:
            if isinstance(it, Text):
                cv.setFillColorRGB(*(c / 255 for c in it.color))
                cv.setFont(_CID, it.size)
                base = H - it.y * mm - it.size * 0.88
                if it.spacing > 0:
                    cv.setFont(_CID, it.size)
                    tw = cv.stringWidth(it.text, _CID, it.size) + it.spacing * mm * (len(it.text) - 1)
                    x = it.x * mm - {"l": 0.0, "m": tw / 2, "r": tw}[it.anchor]
                    to = cv.beginText(x, base)
                    to.setFont(_CID, it.size)
                    to.setCharSpace(it.spacing * mm)
                    to.textOut(it.text)
                    to.setCharSpace(0)  # Tc is graphics state: it would carry over to every later string
                    cv.drawText(to)
                elif it.anchor == "m":
                    cv.drawCentredString(it.x * mm, base, it.text)
                elif it.anchor == "r":
                    cv.drawRightString(it.x * mm, base, it.text)
                else:
                    cv.drawString(it.x * mm, base, it.text)
            elif isinstance(it, Line):
                cv.setStrokeColorRGB(*(c / 255 for c in it.color))
                cv.setLineWidth(it.width * mm)
                cv.line(it.x0 * mm, H - it.y0 * mm, it.x1 * mm, H - it.y1 * mm)
            elif isinstance(it, Rect):
                if it.fill is not None:
                    cv.setFillColorRGB(*(c / 255 for c in it.fill))
                if it.outline is not None:
                    cv.setStrokeColorRGB(*(c / 255 for c in it.outline))
                    cv.setLineWidth(it.width * mm)
                cv.rect(
                    it.x0 * mm,
                    H - it.y1 * mm,
                    (it.x1 - it.x0) * mm,
                    (it.y1 - it.y0) * mm,
                    stroke=int(it.outline is not None),
                    fill=int(it.fill is not None),
                )
            elif isinstance(it, Seal):
                _pdf_seal(cv, it, H)
            elif isinstance(it, Raster) and it.pdf is not None:
                from reportlab.lib.utils import ImageReader

                x, y, w, h, make = it.pdf
                cv.drawImage(ImageReader(make()), x * mm, H - (y + h) * mm, w * mm, h * mm)
        cv.showPage()
    cv.save()
    return buf.getvalue()


def _pdf_seal(cv: object, s: Seal, H: float) -> None:
    """Seals of e-documents are images, not text: embed the stamp as a transparent picture."""
    from reportlab.lib.units import mm
    from reportlab.lib.utils import ImageReader

    k = 200 / 25.4
    mask = seal_image(s, k)
    alpha = mask.point(lambda v: round(v * s.opacity))
    img = Image.new("RGBA", mask.size, (*s.color, 0))
    img.putalpha(alpha)
    w, h = mask.width / k, mask.height / k
    cv.drawImage(  # type: ignore[attr-defined]
        ImageReader(img), (s.cx - w / 2) * mm, H - (s.cy + h / 2) * mm, w * mm, h * mm, mask="auto"
    )
