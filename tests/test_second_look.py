"""The runner's second look (``pipeline.runner._looker``): one line read from a box of the UPRIGHT
page, whatever way the photo was taken; a page without pixels, a box off the page or an OCR error
gives None (a second look never fails a material)."""

from __future__ import annotations

from typing import Any

import numpy as np

from pipeline.config import Settings
from pipeline.models import OcrLine, Page, PageText
from pipeline.ocr.base import OcrEngine, OcrEngineError
from pipeline.runner import _looker


class _Colour(OcrEngine):
    """Reads the colour of what it is given (a test double that shows which pixels were cropped)."""

    name = "colour"
    version = "1"

    def recognize(self, image: np.ndarray) -> list[OcrLine]:
        raise AssertionError("a second look is recognition only")

    def read_line(self, image: np.ndarray) -> OcrLine | None:
        r, g, b = (int(v) for v in image.reshape(-1, 3).mean(axis=0).round())
        return OcrLine(text=f"{r},{g},{b}", polygon=[(0, 0), (1, 0), (1, 1), (0, 1)], confidence=0.9)


class _Broken(_Colour):
    def read_line(self, image: np.ndarray) -> OcrLine | None:
        raise OcrEngineError("no model")


def _photo_turned() -> tuple[Page, PageText]:
    """A page photographed turned a quarter anticlockwise: upright it is 200 wide, 100 high, with a
    red patch at x 150-180, y 20-40 of the upright page."""
    upright = np.full((100, 200, 3), 255, np.uint8)
    upright[20:40, 150:180] = (200, 0, 0)
    taken = np.ascontiguousarray(np.rot90(upright, k=1))  # what the camera gave: 200 high, 100 wide
    page = Page(index=0, width=100, height=200, source="image", image=taken)
    text = PageText(index=0, width=200, height=100, source="image", rotation=90, lines=[])
    return page, text


def test_the_box_is_cut_from_the_upright_page(tmp_path) -> None:  # type: ignore[no-untyped-def]
    page, text = _photo_turned()
    look = _looker([page], [text], Settings(home=tmp_path, ocr_cache=False), _Colour())
    line = look(0, (150.0, 20.0, 180.0, 40.0))
    assert line is not None and line.text == "200,0,0"
    white = look(0, (10.0, 60.0, 60.0, 90.0))
    assert white is not None and white.text == "255,255,255"


def test_nothing_to_read_gives_none(tmp_path) -> None:  # type: ignore[no-untyped-def]
    page, text = _photo_turned()
    settings = Settings(home=tmp_path, ocr_cache=False)
    assert (
        _looker([page], [text], settings, _Colour())(0, (400.0, 300.0, 500.0, 350.0)) is None
    )  # off the page
    assert _looker([page], [text], settings, _Colour())(3, (0.0, 0.0, 50.0, 50.0)) is None  # no such page
    assert _looker([page], [text], settings, _Broken())(0, (150.0, 20.0, 180.0, 40.0)) is None
    layer = Page(index=0, width=200, height=100, source="pdf_text", text_lines=[])
    assert _looker([layer], [text], settings, _Colour())(0, (150.0, 20.0, 180.0, 40.0)) is None


class _Within(_Colour):
    def read_line_within(self, image: np.ndarray, alphabet: str) -> OcrLine | None:
        return OcrLine(text=alphabet[:3], polygon=[(0, 0), (1, 0), (1, 1), (0, 1)], confidence=0.5)


def test_an_alphabet_reaches_the_engine_and_is_cached_apart(tmp_path) -> None:  # type: ignore[no-untyped-def]
    page, text = _photo_turned()
    look = _looker([page], [text], Settings(home=tmp_path), _Within())
    box = (150.0, 20.0, 180.0, 40.0)
    within = look(0, box, alphabet="零壹贰")
    plain = look(0, box)
    assert within is not None and within.text == "零壹贰"
    assert plain is not None and plain.text == "200,0,0"
    # an engine that cannot restrict its reading gives nothing, not an unrestricted reading
    assert (
        _looker([page], [text], Settings(home=tmp_path / "b"), _Colour())(0, box, alphabet="零壹贰") is None
    )


def _real_page(item_id: str, settings: Settings) -> tuple[PageText, Any]:
    """One image of the real set read as the runner reads an image page (real RapidOCR): its text
    and the runner's look at its pixels."""
    from pipeline.ocr import get_engine, recognize_page
    from samples import realset

    item = next(it for it in realset.load() if it.id == item_id)
    engine = get_engine(settings)
    img = item.image()
    lines, rot = recognize_page(img, settings, engine)
    h, w = img.shape[:2]
    uw, uh = (h, w) if rot in (90, 270) else (w, h)
    text = PageText(index=0, width=uw, height=uh, source="image", rotation=rot, lines=lines)
    page = Page(index=0, width=w, height=h, source="image", image=img)
    return text, _looker([page], [text], settings, engine)


def test_the_runner_reads_a_misread_amount_in_words_again_on_a_real_invoice(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Real set r34 (calibration), real RapidOCR end to end through the runner's look: the lines read
    the amount in words 金拾侧元整 (unreadable); the look, restricted to an amount's characters, reads
    壹拾捌元整 from the pixels: 18.00, the invoice's total."""
    from extractors.reader import read_document

    text, look = _real_page("r34", Settings(home=tmp_path, workers=1, ocr_threads=1))
    assert "total_amount_upper" not in read_document([text]).fields
    doc = read_document([text], look=look)
    up = doc.fields["total_amount_upper"]
    assert up.value == "18.00" and up.raw is not None and "侧" not in up.raw and up.confidence < 0.9
    assert (
        doc.fields["total_amount"].value == "18.00"
        and doc.fields["total_amount"].derived == "total_amount_upper"
    )


class _Finds(_Colour):
    """Finds one line: the red patch of ``_photo_turned`` wherever it is in what it is given (a test
    double that shows the region read, its enlargement and the coordinates given back)."""

    def __init__(self) -> None:
        self.shapes: list[tuple[int, ...]] = []

    def recognize(self, image: np.ndarray) -> list[OcrLine]:
        self.shapes.append(tuple(image.shape))
        ys, xs = np.nonzero((image[:, :, 0] > 150) & (image[:, :, 1] < 80))
        if not len(xs):
            return []
        x0, y0, x1, y1 = float(xs.min()), float(ys.min()), float(xs.max() + 1), float(ys.max() + 1)
        return [OcrLine(text="red", polygon=[(x0, y0), (x1, y0), (x1, y1), (x0, y1)], confidence=0.95)]


def test_a_band_is_read_again_enlarged_in_page_coordinates(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from pipeline.plugins import Rescan

    page, text = _photo_turned()
    engine = _Finds()
    look = _looker([page], [text], Settings(home=tmp_path, ocr_max_side=400), engine)
    assert isinstance(look, Rescan)
    lines = look.lines(0, (50.0, 0.0, 200.0, 60.0))
    # the band (150 x 60 of the upright page) was given to OCR enlarged to the longest side allowed
    assert engine.shapes == [(160, 400, 3)]
    assert [ln.text for ln in lines] == ["red"]
    assert all(abs(a - b) <= 1 for a, b in zip(lines[0].box, (150, 20, 180, 40), strict=True))
    # the same band again comes from the cache, not the engine
    assert [ln.text for ln in look.lines(0, (50.0, 0.0, 200.0, 60.0))] == ["red"]
    assert len(engine.shapes) == 1
    # a small band is enlarged by REGION_MAX_ENLARGE at most
    look.lines(0, (100.0, 0.0, 200.0, 50.0))
    assert engine.shapes[-1] == (150, 300, 3)


def test_a_band_with_nothing_to_read_gives_no_lines(tmp_path) -> None:  # type: ignore[no-untyped-def]
    page, text = _photo_turned()
    settings = Settings(home=tmp_path, ocr_cache=False)
    assert _looker([page], [text], settings, _Finds()).lines(0, (0.0, 60.0, 100.0, 100.0)) == []
    assert _looker([page], [text], settings, _Finds()).lines(0, (400.0, 300.0, 500.0, 350.0)) == []
    assert _looker([page], [text], settings, _Finds()).lines(2, (0.0, 0.0, 50.0, 50.0)) == []
    assert _looker([page], [text], settings, _Colour()).lines(0, (100.0, 0.0, 200.0, 50.0)) == []


def test_the_runner_finds_an_unboxed_invoice_number_in_the_header_read_again(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Real set r16 (calibration), real RapidOCR: the red number 1843916700 under the title is never
    boxed on the page (its line merges with the title's); the header band read again, enlarged,
    boxes it, and it lies inside the number range the form prints on its edge."""
    from extractors.reader import read_document

    text, look = _real_page("r16", Settings(home=tmp_path, workers=1, ocr_threads=1))
    assert "invoice_number" not in read_document([text]).fields
    doc = read_document([text], look=look)
    number = doc.fields["invoice_number"]
    assert number.value == "1843916700" and number.box is not None
    assert 700 < number.box[0] < 900 and 430 < number.box[1] < 520  # where it is printed, on the page


def test_a_band_wider_than_ocr_takes_is_given_to_it_downscaled(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """A band of a huge page is not given to OCR at full size: like a page, at ``ocr_max_side`` on its
    long side, its lines scaled back."""
    page, text = _photo_turned()
    engine = _Finds()
    look = _looker([page], [text], Settings(home=tmp_path, ocr_max_side=100), engine)
    lines = look.lines(0, (0.0, 0.0, 200.0, 100.0))
    assert engine.shapes == [(50, 100, 3)]
    assert [ln.text for ln in lines] == ["red"]
    assert all(abs(a - b) <= 2 for a, b in zip(lines[0].box, (150, 20, 180, 40), strict=True))
