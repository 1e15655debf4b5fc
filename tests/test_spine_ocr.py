from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from pipeline.config import Settings
from pipeline.models import OcrLine
from pipeline.ocr import OcrEngine, OcrEngineError, get_engine, read_line, recognize_page
from tests.rendering import render_lines


class CountingEngine(OcrEngine):
    """The real RapidOCR engine, counting how often it is asked."""

    def __init__(self, inner: OcrEngine) -> None:
        self.inner = inner
        self.name = inner.name
        self.version = inner.version
        self.calls = 0

    def recognize(self, image: np.ndarray) -> list[OcrLine]:
        self.calls += 1
        return self.inner.recognize(image)

    def read_line(self, image: np.ndarray) -> OcrLine | None:
        self.calls += 1
        return self.inner.read_line(image)


@pytest.fixture(scope="module")
def engine() -> OcrEngine:
    return get_engine(Settings(workers=1))


@pytest.mark.slow
def test_cache_by_content_hash(tmp_path: Path, engine: OcrEngine) -> None:
    settings = Settings(home=tmp_path, workers=1)
    img = np.asarray(render_lines(["门诊费用清单", "合计：128.00"], width=700))
    counting = CountingEngine(engine)
    first, rot1 = recognize_page(img, settings, counting)
    calls = counting.calls
    assert calls >= 1
    second, rot2 = recognize_page(img.copy(), settings, counting)
    assert counting.calls == calls  # served from the cache
    assert [ln.text for ln in first] == [ln.text for ln in second]
    assert rot1 == rot2 == 0
    assert "门诊费用清单" in [ln.text for ln in first]
    # a different image is not a hit
    other = img.copy()
    other[:50, :50] = 0
    recognize_page(other, settings, counting)
    assert counting.calls > calls


@pytest.mark.slow
def test_one_line_reads_go_through_the_cache_too(tmp_path: Path, engine: OcrEngine) -> None:
    """A seal's ring strip read again (the same case resubmitted, a portal retry) is served from the
    OCR cache, without the engine; the page cache's entries are not mistaken for it."""
    settings = Settings(home=tmp_path, workers=1)
    page = np.asarray(render_lines(["财政票据监制章"], width=420))
    rows = np.nonzero((page[:, :, 0] < 160).any(axis=1))[0]
    strip = np.ascontiguousarray(page[rows[0] - 6 : rows[-1] + 6])  # one line, as a ring strip is
    counting = CountingEngine(engine)
    first = read_line(strip, settings, counting)
    assert counting.calls == 1 and first is not None and "监制" in first.text
    again = read_line(strip.copy(), settings, counting)
    assert counting.calls == 1  # served from the cache
    assert again is not None and (again.text, again.confidence) == (first.text, first.confidence)
    recognize_page(strip, settings, counting)  # the same pixels as a page: its own entry
    assert counting.calls == 2
    off = Settings(home=tmp_path, workers=1, ocr_cache=False)
    read_line(strip, off, counting)
    assert counting.calls == 3


@pytest.mark.slow
def test_large_photo_downscaled_and_boxes_mapped_back(tmp_path: Path, engine: OcrEngine) -> None:
    settings = Settings(home=tmp_path, workers=1, ocr_cache=False, ocr_max_side=1000)
    small = render_lines(["居民身份证"], width=1000, height=400, size=60)
    big = np.asarray(small.resize((3000, 1200)))
    counting = CountingEngine(engine)
    lines, _ = recognize_page(big, settings, counting)
    hit = [ln for ln in lines if "居民身份证" in ln.text]
    assert hit, [ln.text for ln in lines]
    x0, y0, x1, y1 = hit[0].box
    # the text was drawn at (80, 80) in the 1000-px image: (240, 240) in the 3000-px one
    assert 180 < x0 < 300 and 180 < y0 < 320
    assert x1 < 3000 and y1 < 1200


@pytest.mark.slow
def test_upside_down_page_read_upright(tmp_path: Path, engine: OcrEngine) -> None:
    settings = Settings(home=tmp_path, workers=1, ocr_cache=False)
    img = np.asarray(render_lines(["出院记录", "入院日期：2024年01月05日"]).rotate(180))
    lines, rot = recognize_page(img, settings, engine)
    assert rot == 180
    assert "出院记录" in [ln.text for ln in lines]


def test_paddle_engine_without_models_fails_clearly(tmp_path: Path) -> None:
    from pipeline.ocr.paddle import paddle_installed

    hint = "intake models prepare-paddle" if paddle_installed() else "make paddle-venv"
    settings = Settings(home=tmp_path, workers=1, ocr_engine="paddle")
    with pytest.raises(OcrEngineError, match=hint):
        get_engine(settings)
    empty = tmp_path / "det"
    empty.mkdir()
    settings = Settings(
        home=tmp_path,
        workers=1,
        ocr_engine="paddle",
        paddle_det_model_dir=empty,
        paddle_rec_model_dir=empty,
    )
    with pytest.raises(OcrEngineError, match="lacks inference.json" if paddle_installed() else hint):
        get_engine(settings)


def test_engine_loaded_once_per_process(tmp_path: Path) -> None:
    s = Settings(home=tmp_path, workers=1)
    assert get_engine(s) is get_engine(s)


_GO = None


def _open_cache(path: str) -> bool:
    from pipeline.ocr.base import OcrCache

    assert _GO is not None
    _GO.wait(10)  # every process opens the fresh cache at the same moment
    cache = OcrCache(Path(path))
    cache.put(f"k{os.getpid()}", [], 0)
    return True


def test_cache_opened_by_many_processes_at_once(tmp_path: Path) -> None:
    """Regression: worker processes starting together got "database is locked" and ran uncached."""
    import multiprocessing

    global _GO
    ctx = multiprocessing.get_context("fork")
    for round_ in range(3):
        _GO = ctx.Event()
        path = str(tmp_path / f"ocr{round_}.sqlite")
        with ctx.Pool(16) as pool:
            result = pool.map_async(_open_cache, [path] * 16)
            _GO.set()
            assert all(result.get(60))
