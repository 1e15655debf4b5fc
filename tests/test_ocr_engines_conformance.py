"""Every installed OCR engine honours the same contract: the same page gives the expected strings,
polygons of 4 points inside the image, confidences in 0..1, and boxes that stay on the text after
``recognize_page`` turns a rotated page upright."""

from __future__ import annotations

import importlib.util
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pytest

from pipeline.config import Settings
from pipeline.ocr import OcrEngineError, get_engine, recognize_page
from pipeline.ocr.base import OcrEngine
from tests.rendering import render_lines


def _installed() -> list[tuple[str, dict[str, object]]]:
    # RapidOCR as shipped, and recognising each line at its own width (INTAKE_OCR_REC_MIN_WIDTH)
    out: list[tuple[str, dict[str, object]]] = [("rapidocr", {}), ("rapidocr", {"ocr_rec_min_width": 96})]
    if importlib.util.find_spec("faster_paddle") is not None:
        out += [("faster-paddle", {"ocr_model": "tiny"}), ("faster-paddle", {"ocr_model": "small"})]
    return out


ENGINES = _installed()
IDS = [f"{name}-{'-'.join(map(str, opts.values())) or 'default'}" for name, opts in ENGINES]

PAGE_LINES = ["门诊收费票据", "姓名：张三", "合计：128.00", "2024年03月15日"]


def _settings(tmp_path: Path, name: str, opts: Mapping[str, object], **more: object) -> Settings:
    return Settings(home=tmp_path, workers=1, ocr_threads=1, ocr_engine=name, **opts, **more)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def page() -> np.ndarray:
    return np.asarray(render_lines(PAGE_LINES, width=900))


@pytest.mark.parametrize(("name", "opts"), ENGINES, ids=IDS)
def test_same_page_same_contract(
    tmp_path: Path, page: np.ndarray, name: str, opts: dict[str, object]
) -> None:
    engine = get_engine(_settings(tmp_path, name, opts))
    lines = engine.recognize(page)
    text = "".join(ln.text for ln in lines).replace(" ", "")
    for want in ("门诊收费票据", "张三", "128.00", "2024年03月15日"):
        assert want in text, (want, [ln.text for ln in lines])
    h, w = page.shape[:2]
    for ln in lines:
        assert len(ln.polygon) == 4
        assert all(-1 <= x <= w + 1 and -1 <= y <= h + 1 for x, y in ln.polygon), ln
        assert 0.0 <= ln.confidence <= 1.0
        assert ln.text == ln.text.strip() and ln.text
    # the line "合计：128.00" was drawn at y = 80 + 2 * 79 (36-px font, 2.2 line step, 80-px margin)
    total = next(ln for ln in lines if "128.00" in ln.text)
    x0, y0, x1, y1 = total.box
    assert x1 > x0
    assert 60 <= x0 <= 120 and 215 <= y0 <= 250 and y1 <= 300, total.box


@pytest.mark.parametrize(("name", "opts"), ENGINES, ids=IDS)
def test_rotated_page_boxes_on_the_upright_page(
    tmp_path: Path, page: np.ndarray, name: str, opts: dict[str, object]
) -> None:
    settings = _settings(tmp_path, name, opts, ocr_cache=False)
    upright, rot0 = recognize_page(page, settings)
    assert rot0 == 0
    turned = np.ascontiguousarray(np.rot90(page, k=1))  # a quarter turn counter-clockwise
    lines, rot = recognize_page(turned, settings)
    assert rot == 90
    ref = next(ln for ln in upright if "128.00" in ln.text).box
    got = next(ln for ln in lines if "128.00" in ln.text).box
    # the evidence box is in the upright page's coordinates, where the text is
    assert all(abs(a - b) <= 12 for a, b in zip(ref, got, strict=True)), (ref, got)


@pytest.mark.parametrize(("name", "opts"), ENGINES, ids=IDS)
def test_blank_and_grey_pages(tmp_path: Path, name: str, opts: dict[str, object]) -> None:
    engine: OcrEngine = get_engine(_settings(tmp_path, name, opts))
    assert engine.recognize(np.full((300, 400, 3), 255, np.uint8)) == []
    grey = np.asarray(render_lines(["出院记录"], width=600).convert("L"))
    assert "出院记录" in "".join(ln.text for ln in engine.recognize(grey))


def test_faster_paddle_refuses_models_not_in_the_wheel() -> None:
    pytest.importorskip("faster_paddle")
    from pipeline.ocr.faster_paddle import FasterPaddleEngine

    with pytest.raises(OcrEngineError, match="never downloaded"):
        FasterPaddleEngine(model="medium")


def test_faster_paddle_tiny_and_small_are_distinct_cache_entries(tmp_path: Path) -> None:
    pytest.importorskip("faster_paddle")
    tiny = get_engine(_settings(tmp_path, "faster-paddle", {"ocr_model": "tiny"}))
    small = get_engine(_settings(tmp_path, "faster-paddle", {"ocr_model": "small"}))
    assert tiny is not small
    assert tiny.version != small.version
    assert get_engine(_settings(tmp_path, "faster-paddle", {"ocr_model": "tiny"})) is tiny


def test_faster_paddle_thread_budget_honoured(tmp_path: Path) -> None:
    pytest.importorskip("faster_paddle")
    from pipeline.ocr.faster_paddle import FasterPaddleEngine

    eng = get_engine(_settings(tmp_path, "faster-paddle", {"ocr_model": "tiny"}))
    assert isinstance(eng, FasterPaddleEngine)
    assert eng.config["threads"] == 1


def test_rapidocr_recognition_width_is_its_own_cache_entry(tmp_path: Path) -> None:
    """The two recognition widths read slightly different text: their readings never share a cache
    entry, and the cache's identity (known without loading the engine) is the engine's own."""
    from pipeline.ocr.base import _identity

    shipped = get_engine(_settings(tmp_path, "rapidocr", {}))
    own_width = get_engine(_settings(tmp_path, "rapidocr", {"ocr_rec_min_width": 96}))
    assert own_width is not shipped
    assert own_width.version != shipped.version
    for engine, opts in ((shipped, {}), (own_width, {"ocr_rec_min_width": 96})):
        assert _identity(_settings(tmp_path, "rapidocr", opts)) == (engine.name, engine.version)


def test_rapidocr_short_line_read_at_its_own_width(tmp_path: Path) -> None:
    """A short field (two characters) is recognised the same at its own width as padded to 320."""
    strip = np.asarray(render_lines(["汉族"], width=160))
    ys, xs = np.nonzero(strip.min(axis=2) < 128)
    crop = np.ascontiguousarray(strip[ys.min() - 6 : ys.max() + 7, xs.min() - 6 : xs.max() + 7])
    reads = []
    for opts in ({}, {"ocr_rec_min_width": 96}):
        line = get_engine(_settings(tmp_path, "rapidocr", opts)).read_line(crop)
        assert line is not None
        reads.append(line.text)
    assert reads == ["汉族", "汉族"], reads
