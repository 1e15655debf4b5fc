"""Test helpers: render Chinese text as images and PDFs (real fonts, real pixels)."""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

FONT_DIR = Path("/usr/share/fonts/opentype/noto")
SANS = FONT_DIR / "NotoSansCJK-Regular.ttc"
SERIF = FONT_DIR / "NotoSerifCJK-Regular.ttc"


def font(size: int = 36, serif: bool = False) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(SERIF if serif else SANS), size, index=2)


def render_lines(
    lines: list[str], width: int = 1240, height: int | None = None, size: int = 36, margin: int = 80
) -> Image.Image:
    f = font(size)
    step = int(size * 2.2)
    height = height or margin * 2 + step * len(lines)
    im = Image.new("RGB", (width, height), "white")
    d = ImageDraw.Draw(im)
    for i, text in enumerate(lines):
        d.text((margin, margin + i * step), text, font=f, fill=(20, 20, 20))
    return im


def text_pdf(path: Path, lines: list[str]) -> None:
    """A born-digital PDF with a real text layer (CID font, as many Chinese e-documents use)."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    c = canvas.Canvas(str(path), pagesize=A4)
    c.setFont("STSong-Light", 14)
    y = A4[1] - 80
    for text in lines:
        c.drawString(60, y, text)
        y -= 28
    c.showPage()
    c.save()


def scanned_pdf(path: Path, pages: list[Image.Image], dpi: int = 150) -> None:
    pages[0].save(path, "PDF", resolution=dpi, save_all=True, append_images=pages[1:])
