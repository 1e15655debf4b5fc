"""Issue 16, silent passes: a blank or uniform page where a document is required is a finding;
a JPEG whose body is far shorter than its header announces is unreadable, never a grey page."""

from __future__ import annotations

import io
import struct
from datetime import date
from pathlib import Path

import numpy as np
from PIL import Image

from pipeline.codes import DocType, Severity
from pipeline.config import Settings
from pipeline.ingest import ingest
from pipeline.models import Case, Document, MaterialRef, Page, PageText
from pipeline.plugins import MaterialContext
from pipeline.safety import jpeg_incomplete, page_blank
from tests.rendering import render_lines
from validators.documents import unrecognized


def _jpeg(im: Image.Image, **kw: object) -> bytes:
    buf = io.BytesIO()
    im.save(buf, "JPEG", **kw)
    return buf.getvalue()


def lying_jpeg(width: int = 8000, height: int = 7000) -> bytes:
    """A 64x64 JPEG whose frame header claims ``width`` x ``height`` (a few hundred bytes)."""
    d = bytearray(_jpeg(Image.new("RGB", (64, 64), "white")))
    i = d.find(b"\xff\xc0")
    struct.pack_into(">HH", d, i + 5, height, width)
    return bytes(d)


def test_blank_pages() -> None:
    white = np.full((630, 1000, 3), 255, np.uint8)
    grey = np.full((800, 600, 3), 128, np.uint8)
    specks = white.copy()
    specks[100:102, 100:102] = 0
    assert page_blank(white) and page_blank(grey) and page_blank(specks)
    text = np.asarray(render_lines(["中华人民共和国居民身份证", "姓名 张三"]))
    noise = np.random.default_rng(1).integers(0, 255, (300, 300, 3), dtype=np.uint8)
    assert not page_blank(text) and not page_blank(noise)


def test_lying_jpeg_is_incomplete(tmp_path: Path) -> None:
    data = lying_jpeg()
    assert len(data) < 1000
    assert jpeg_incomplete(data) and "truncated" in (jpeg_incomplete(data) or "")
    p = tmp_path / "id_front.jpg"
    p.write_bytes(data)
    res = ingest(p, Settings(home=tmp_path, workers=1))
    assert res.error and "truncated" in res.error and not res.pages


def test_real_jpegs_are_complete() -> None:
    assert jpeg_incomplete(_jpeg(Image.new("RGB", (3000, 2000), "white"))) is None
    assert jpeg_incomplete(_jpeg(Image.new("RGB", (3000, 2000), "white"), progressive=True)) is None
    assert jpeg_incomplete(_jpeg(render_lines(["姓名 张三"]), subsampling=0)) is None


def _ctx(image: np.ndarray, declared: DocType | None) -> MaterialContext:
    case = Case.model_validate(
        {
            "case_id": "T-1",
            "service": "query.person",
            "submitted_on": date(2025, 3, 1).isoformat(),
            "applicant": {"name": "张三", "id_number": "420802198503121234"},
        }
    )
    h, w = image.shape[:2]
    return MaterialContext(
        case=case,
        ref=MaterialRef(file="id_front.jpg", declared_type=declared),
        settings=Settings(home="/tmp", ocr_cache=False),
        pages=[Page(index=0, width=w, height=h, source="image", image=image)],
        texts=[PageText(index=0, width=w, height=h, source="image", lines=[])],
        document=Document(type=DocType.UNKNOWN),
    )


def test_blank_declared_document_is_a_blocker() -> None:
    white = np.full((630, 1000, 3), 255, np.uint8)
    (f,) = list(unrecognized(_ctx(white, DocType.ID_CARD_FRONT)))
    assert f.code == "material.unrecognized" and f.severity == Severity.BLOCKER
    assert "空白" in (f.reason or "")


def test_blank_undeclared_page_is_a_warning() -> None:
    white = np.full((630, 1000, 3), 250, np.uint8)
    (f,) = list(unrecognized(_ctx(white, None)))
    assert f.code == "material.unrecognized" and f.severity == Severity.WARNING


def test_blank_pages_need_no_ocr(monkeypatch: object) -> None:
    import pipeline.ocr
    from pipeline.runner import _read_pages

    def boom(*_: object, **__: object) -> None:
        raise AssertionError("OCR ran on a blank page")

    monkeypatch.setattr(pipeline.ocr, "recognize_page", boom)  # type: ignore[attr-defined]
    white = np.full((4000, 3000, 3), 255, np.uint8)
    (t,) = _read_pages([Page(index=0, width=3000, height=4000, source="image", image=white)], Settings())
    assert t.lines == [] and t.width == 3000
