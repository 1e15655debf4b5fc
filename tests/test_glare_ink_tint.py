"""Glare on tinted paper: a faded black stroke under a white light turns bluish against the paper's
own colour, so the glare measure took it for a coloured mark and missed the spot. Faded strokes are
also judged by their ink's own colour (local background minus pixel): grey for faded black ink,
coloured for a watermark or a label (``imaging._ink_tint``, ``INK_TINT_MAX``)."""

from __future__ import annotations

import numpy as np
import pytest

from bench import render2
from bench.glare_bench import boxes_to_lines, measure
from validators.image_quality import load_config
from validators.support import imaging

pytestmark = pytest.mark.skipif(not render2.available(), reason="fonts-wqy-zenhei not installed")


def test_a_faint_wash_out_on_cream_paper_is_found_now(monkeypatch: pytest.MonkeyPatch) -> None:
    """g2-21-088 (render family 2, calibration part): text washed to a third of its contrast."""
    doc = render2.render_glare(88, 21)
    assert doc.glare
    flag_at = load_config().glare.flag_at
    monkeypatch.setattr(imaging, "INK_TINT_MAX", -1.0)  # the measure before: colour against the paper
    assert measure(doc.image, boxes_to_lines(doc.lines))[0] < flag_at
    monkeypatch.undo()
    assert measure(doc.image, boxes_to_lines(doc.lines))[0] >= flag_at


def test_clean_watermarked_pages_stay_clean() -> None:
    """Clean family-2 pages under a coloured watermark (the tint's hard negatives): no glare."""
    docs = [d for d in render2.glare_corpus(40, 21) if d.clean and "watermark" in d.name]
    assert len(docs) >= 3
    for d in docs:
        assert measure(d.image, boxes_to_lines(d.lines))[0] == 0.0, d.name


def test_ink_tint_is_zero_for_grey_ink_and_large_for_blue() -> None:
    page = np.full((40, 80, 3), (240, 232, 215), np.uint8)  # cream paper
    page[:, :40] = (252, 252, 252)  # a white light over the left half
    page[10:30, 10:30] = (200, 200, 200)  # faded black ink under it
    page[10:30, 50:70] = (150, 170, 225)  # a pale blue watermark stroke
    labels = np.zeros((40, 80), np.int32)
    labels[10:30, 10:30], labels[10:30, 50:70] = 1, 2
    sel = labels > 0
    tint = imaging._ink_tint(page, sel, labels[sel], 3, 45)
    assert tint[2] > imaging.INK_TINT_MAX > 0.2 > tint[1]
