from __future__ import annotations

import hashlib
import io
import struct
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from pipeline.config import Settings
from pipeline.ingest import ingest, sniff, to_rgb
from tests.rendering import render_lines, scanned_pdf, text_pdf


@pytest.fixture()
def settings(tmp_path: Path) -> Settings:
    return Settings(home=tmp_path / "home", workers=1)


def test_sniff_by_magic_bytes_not_extension(tmp_path: Path, settings: Settings) -> None:
    png = tmp_path / "photo.jpg"  # a PNG named .jpg
    render_lines(["测试"], width=200, height=100).save(png, "PNG")
    res = ingest(png, settings)
    assert res.error is None
    assert res.kind == "png"
    assert sniff(b"%PDF-1.7\n") == "pdf"
    assert sniff(b"hello") is None


def test_text_named_jpg_is_unreadable_with_reason(tmp_path: Path, settings: Settings) -> None:
    p = tmp_path / "id.jpg"
    p.write_text("这不是图片", encoding="utf-8")
    res = ingest(p, settings)
    assert res.pages == []
    assert res.error and "text file" in res.error


def test_truncated_jpeg_is_unreadable_and_untouched(tmp_path: Path, settings: Settings) -> None:
    buf = io.BytesIO()
    render_lines(["姓名 张伟明"], width=800, height=300).save(buf, "JPEG", quality=90)
    data = buf.getvalue()[:1500]
    p = tmp_path / "broken.jpg"
    p.write_bytes(data)
    before = hashlib.sha256(p.read_bytes()).hexdigest()
    res = ingest(p, settings)
    assert res.error and ("truncated" in res.error or "corrupt" in res.error)
    assert hashlib.sha256(p.read_bytes()).hexdigest() == before


def test_exif_orientation_applied(tmp_path: Path, settings: Settings) -> None:
    im = Image.new("RGB", (300, 100), "white")
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90 CW to display
    p = tmp_path / "o.jpg"
    im.save(p, "JPEG", exif=exif.tobytes())
    res = ingest(p, settings)
    assert res.error is None
    assert (res.pages[0].width, res.pages[0].height) == (100, 300)


@pytest.mark.parametrize("mode", ["RGBA", "LA", "P", "CMYK", "I;16", "L", "1"])
def test_modes_become_rgb(mode: str) -> None:
    im = Image.new("RGB", (20, 10), (200, 30, 30)).convert(mode)
    rgb = to_rgb(im)
    assert rgb.mode == "RGB"
    assert np.asarray(rgb).shape == (10, 20, 3)


def test_transparent_png_composited_on_white() -> None:
    im = Image.new("RGBA", (4, 4), (0, 0, 0, 0))
    assert np.asarray(to_rgb(im))[0, 0].tolist() == [255, 255, 255]


def test_sixteen_bit_tiff(tmp_path: Path, settings: Settings) -> None:
    arr = (np.arange(100 * 50, dtype=np.uint16).reshape(50, 100) * 13).astype(np.uint16)
    p = tmp_path / "scan.tif"
    Image.fromarray(arr).save(p)  # uint16 -> mode I;16
    res = ingest(p, settings)
    assert res.error is None and res.kind == "tiff"
    assert res.pages[0].image is not None and res.pages[0].image.dtype == np.uint8


def test_pixel_bomb_rejected(tmp_path: Path) -> None:
    # A PNG header claiming 40000 x 40000 pixels: refused before decoding.
    p = tmp_path / "bomb.png"
    Image.new("1", (40000, 40000)).save(p, optimize=True)
    res = ingest(p, Settings(home=tmp_path, workers=1, max_pixels=50_000_000))
    assert res.error and ("limit" in res.error or "too large" in res.error)


def test_file_size_limit(tmp_path: Path) -> None:
    p = tmp_path / "big.png"
    render_lines(["大"], width=400, height=400).save(p)
    res = ingest(p, Settings(home=tmp_path, workers=1, max_file_bytes=100))
    assert res.error and "exceeds" in res.error


def test_born_digital_pdf_uses_text_layer(tmp_path: Path, settings: Settings) -> None:
    p = tmp_path / "invoice.pdf"
    text_pdf(p, ["医疗收费电子票据", "交款人：张伟明", "合计（小写）：2514.50"])
    res = ingest(p, settings)
    assert res.error is None
    page = res.pages[0]
    assert page.source == "pdf_text"
    assert page.text_lines is not None
    texts = [ln.text for ln in page.text_lines]
    assert "医疗收费电子票据" in texts
    assert any("2514.50" in t for t in texts)
    assert page.image is not None  # rendered too, for seal and quality checks


def test_scanned_pdf_is_rendered_for_ocr(tmp_path: Path, settings: Settings) -> None:
    p = tmp_path / "scan.pdf"
    scanned_pdf(p, [render_lines(["出院记录"]), render_lines(["第二页"])])
    res = ingest(p, settings)
    assert res.error is None
    assert [pg.source for pg in res.pages] == ["pdf_scan", "pdf_scan"]
    assert all(pg.text_lines is None and pg.image is not None for pg in res.pages)


def test_pdf_page_limit(tmp_path: Path) -> None:
    p = tmp_path / "many.pdf"
    scanned_pdf(p, [render_lines([str(i)], width=200, height=100) for i in range(5)])
    res = ingest(p, Settings(home=tmp_path, workers=1, max_pages=3))
    assert res.error and "limit" in res.error


def test_broken_pdfs(tmp_path: Path, settings: Settings) -> None:
    good = tmp_path / "g.pdf"
    text_pdf(good, ["出院记录"])
    data = good.read_bytes()
    cases = {
        "header_only.pdf": b"%PDF-1.4\n",
        "truncated.pdf": data[: len(data) // 3],
    }
    for name, payload in cases.items():
        p = tmp_path / name
        p.write_bytes(payload)
        res = ingest(p, settings)
        assert res.error, name
        assert res.pages == []


def test_encrypted_pdf(tmp_path: Path, settings: Settings) -> None:
    from reportlab.lib import pdfencrypt
    from reportlab.pdfgen import canvas

    p = tmp_path / "locked.pdf"
    c = canvas.Canvas(str(p), encrypt=pdfencrypt.StandardEncryption("secret", canPrint=0))
    c.drawString(100, 700, "locked")
    c.save()
    res = ingest(p, settings)
    assert res.error and "encrypted" in res.error


def test_bmp_and_webp(tmp_path: Path, settings: Settings) -> None:
    im = render_lines(["门诊"], width=300, height=150)
    for fmt, name in (("BMP", "a.bmp"), ("WEBP", "a.webp")):
        im.save(tmp_path / name, fmt)
        res = ingest(tmp_path / name, settings)
        assert res.error is None, (fmt, res.error)
    # a BMP header alone is not a BMP
    (tmp_path / "x.bmp").write_bytes(b"BM" + struct.pack("<I", 10))
    assert ingest(tmp_path / "x.bmp", settings).error
