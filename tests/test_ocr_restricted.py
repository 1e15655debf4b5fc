"""A line read among a few characters only (constrained CTC decoding): the second look at an amount in
words that OCR misread (real set r11 肆佰贰拾柒元 read 肆佰筑拾柒元). RapidOCR's recogniser scores every
character of its dictionary at each step; restricted to an amount's characters, the best of those
is taken."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import ImageFilter

from extractors.medical_invoice import UPPER_ALPHABET
from pipeline.config import Settings
from pipeline.ocr import get_engine, read_line
from pipeline.ocr.base import OcrEngine
from pipeline.ocr.rapid import RapidOcrEngine
from pipeline.text import parse_upper_amount
from tests.rendering import render_lines


def _strip(text: str, blur: float = 0.0) -> np.ndarray:
    img = render_lines([text], width=40 * len(text) + 40, height=76, margin=20, size=36)
    if blur:
        img = img.filter(ImageFilter.GaussianBlur(blur))
    return np.ascontiguousarray(np.asarray(img))


@pytest.fixture(scope="module")
def rapid() -> RapidOcrEngine:
    return RapidOcrEngine()


def test_restricted_reading_holds_only_the_alphabet_and_reads_the_amount(rapid: RapidOcrEngine) -> None:
    line = rapid.read_line_within(_strip("肆佰贰拾柒元肆角零分"), UPPER_ALPHABET)
    assert line is not None and line.text == "肆佰贰拾柒元肆角零分" and 0.5 < line.confidence <= 1.0
    assert parse_upper_amount(line.text) == "427.40"
    # text that is no amount is forced into the alphabet: a reading to parse, never to trust blindly
    other = rapid.read_line_within(_strip("现金支付"), UPPER_ALPHABET)
    assert other is None or set(other.text) <= set(UPPER_ALPHABET)
    # the unrestricted reading of the same strip is the engine's own
    plain = rapid.read_line(_strip("现金支付"))
    assert plain is not None and plain.text == "现金支付"


def test_restricted_reading_on_a_blurred_amount_is_an_amount(rapid: RapidOcrEngine) -> None:
    img = _strip("壹拾捌元整", blur=1.6)
    line = rapid.read_line_within(img, UPPER_ALPHABET)
    assert line is not None and set(line.text) <= set(UPPER_ALPHABET)
    assert parse_upper_amount(line.text) == "18.00"


def test_an_engine_that_cannot_restrict_gives_none(tmp_path: Path) -> None:
    class Plain(OcrEngine):
        name = "plain"

        def recognize(self, image: np.ndarray) -> list:  # type: ignore[type-arg]
            return []

    assert Plain().read_line_within(_strip("壹元"), UPPER_ALPHABET) is None


def test_restricted_readings_are_cached_apart_from_plain_ones(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path, workers=1, ocr_threads=1)
    engine = get_engine(settings)
    img = _strip("贰佰贰拾贰元叁分")
    within = read_line(img, settings, engine, alphabet=UPPER_ALPHABET)
    plain = read_line(img, settings, engine)
    assert within is not None and plain is not None
    assert set(within.text) <= set(UPPER_ALPHABET) and parse_upper_amount(within.text) == "222.03"
    # the second calls are cache hits: no engine needed
    assert (
        read_line(img, settings, None, load=lambda: pytest.fail("engine loaded"), alphabet=UPPER_ALPHABET)
        == within
    )
    assert read_line(img, settings, None, load=lambda: pytest.fail("engine loaded")) == plain
