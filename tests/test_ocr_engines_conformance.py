"""Every installed OCR engine honours the same contract: the same page gives the expected strings,
polygons of 4 points inside the image, confidences in 0..1, and boxes that stay on the text after
``recognize_page`` turns a rotated page upright."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest

from pipeline.config import Settings
from pipeline.ocr import OcrEngineError, get_engine, recognize_page
from pipeline.ocr.base import OcrEngine
from tests.rendering import render_lines


def _installed() -> list[tuple[str, dict[str, str]]]:
    out: list[tuple[str, dict[str, str]]] = [("rapidocr", {})]
    if importlib.util.find_spec("faster_paddle") is not None:
        out += [("faster-paddle", {"ocr_model": "tiny"}), ("faster-paddle", {"ocr_model": "small"})]
    return out


ENGINES = _installed()
IDS = [f"{name}-{opts.get('ocr_model', 'default')}" for name, opts in ENGINES]

PAGE_LINES = ["门诊收费票据", "姓名：张三", "合计：128.00", "2024年03月15日"]


def _settings(tmp_path: Path, name: str, opts: dict[str, str], **more: object) -> Settings:
    return Settings(home=tmp_path, workers=1, ocr_threads=1, ocr_engine=name, **opts, **more)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def page() -> np.ndarray:
    return np.asarray(render_lines(PAGE_LINES, width=900))


@pytest.mark.parametrize(("name", "opts"), ENGINES, ids=IDS)
def test_same_page_same_contract(tmp_path: Path, page: np.ndarray, name: str, opts: dict[str, str]) -> None:
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
    tmp_path: Path, page: np.ndarray, name: str, opts: dict[str, str]
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
def test_blank_and_grey_pages(tmp_path: Path, name: str, opts: dict[str, str]) -> None:
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
