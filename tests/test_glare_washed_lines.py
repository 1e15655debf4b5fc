"""Glare read along the text lines: where a light washes out the printed text, a stretch of an OCR
line keeps next to no contrast (ink against its own paper) while the page's other lines keep theirs.
The stroke measure needs at least 6 pale strokes around a spot, so a blown-out core over a few
characters, on a photocopy or a streak across some lines was missed; ``imaging.glare`` now also
reports ``washed``, the printed text washed out in characters (line heights along the lines) of the
biggest such spot, and ``image.glare`` is raised at ``glare.washed_chars`` of them too."""

from __future__ import annotations

import numpy as np
import pytest

from bench import render2
from bench.glare_bench import boxes_to_lines
from pipeline.models import OcrLine
from samples import realset
from validators.image_quality import is_glared, load_config
from validators.support import imaging


def _page() -> tuple[np.ndarray, list[OcrLine]]:
    """A plain page: 12 lines of 20 dark 'characters' (blocks with gaps, like strokes), 24 px high."""
    rng = np.random.default_rng(3)
    img = np.full((700, 900, 3), 238, np.uint8)
    lines = []
    for i in range(12):
        y0 = 60 + i * 48
        for c in range(20):
            x0 = 80 + c * 30
            for _ in range(4):  # a few strokes per character
                dx, dy = rng.integers(0, 20), rng.integers(0, 18)
                if rng.random() < 0.5:
                    img[y0 + dy : y0 + dy + 3, x0 : x0 + 22] = 30
                else:
                    img[y0 : y0 + 24, x0 + dx : x0 + dx + 3] = 30
        box = (76.0, y0 - 4.0, 80 + 20 * 30 + 4.0, y0 + 28.0)
        lines.append(
            OcrLine(
                text="字" * 20,
                polygon=[(box[0], box[1]), (box[2], box[1]), (box[2], box[3]), (box[0], box[3])],
                confidence=0.9,
            )
        )
    return img, lines


def _light(img: np.ndarray, cx: float, cy: float, rx: float, ry: float, peak: float = 0.97) -> np.ndarray:
    """A blown-out spot (a light pulling the pixels towards white), hard core and a soft rim."""
    yy, xx = np.mgrid[0 : img.shape[0], 0 : img.shape[1]].astype(np.float32)
    d = np.sqrt(((xx - cx) / rx) ** 2 + ((yy - cy) / ry) ** 2)
    a = peak * np.clip(1.6 - d, 0, 1)[..., None]
    return (img * (1 - a) + 255 * a).clip(0, 255).astype(np.uint8)  # type: ignore[no-any-return]


def test_a_small_blown_out_spot_over_a_few_characters_is_found() -> None:
    img, lines = _page()
    cfg = load_config().glare
    clean = imaging.glare(img, lines)
    assert clean.washed < cfg.washed_chars and not is_glared(clean, cfg)
    spot = _light(img, 300, 230, 60, 30)  # over about 4 characters of 2 lines
    # the stroke measure alone (no line evidence) misses it: too few pale strokes
    assert not is_glared(imaging.glare(spot, lines, text_layer=True), cfg)
    g = imaging.glare(spot, lines)
    assert g.washed >= cfg.washed_chars and is_glared(g, cfg)
    assert g.boxes  # where: evidence for the reviewer


def test_lines_of_a_pdf_text_layer_are_no_evidence() -> None:
    """A PDF's text layer spans blank stretches (one line across table cells): not read from pixels."""
    img, lines = _page()
    spot = _light(img, 300, 230, 60, 30)
    assert imaging.glare(spot, lines, text_layer=True).washed == 0.0


def test_a_grey_line_among_black_ones_is_not_washed_out() -> None:
    """Text printed grey everywhere on one line (a hint, a label) is not a stretch of faded text...
    unless it is as pale as washed-out text: the measure compares with the page's typical line."""
    img, lines = _page()
    grey = img.copy()
    y0 = 60 + 5 * 48
    band = grey[y0 - 2 : y0 + 26, 60:700]
    band[band < 100] = 140  # grey ink, 60 % of the black's contrast
    assert imaging.glare(grey, lines).washed < load_config().glare.washed_chars


@pytest.mark.skipif(not render2.available(), reason="fonts-wqy-zenhei not installed")
@pytest.mark.parametrize("i", [48, 63])  # g2-21-048-spot-photocopy, g2-21-063-spot-plain-photo
def test_blown_out_spots_of_render_family_2_missed_before_are_found(i: int) -> None:
    doc = render2.render_glare(i, 21)
    assert doc.glare
    cfg = load_config().glare
    lines = boxes_to_lines(doc.lines)
    assert not is_glared(imaging.glare(doc.image, lines, text_layer=True), cfg)  # the stroke measure
    assert is_glared(imaging.glare(doc.image, lines), cfg)


@pytest.mark.skipif(not render2.available(), reason="fonts-wqy-zenhei not installed")
def test_clean_pages_of_render_family_2_have_no_washed_text() -> None:
    """Clean calibration pages (watermarks, photocopies, lamp light, shadows): none reaches the cut."""
    cfg = load_config().glare
    docs = [d for d in render2.glare_corpus(25, 21) if d.clean]
    assert len(docs) >= 12
    for d in docs:
        g = imaging.glare(d.image, boxes_to_lines(d.lines))
        assert g.washed < cfg.washed_chars, d.name


def test_the_auditor_is_told_how_much_text_was_washed_out(tmp_path) -> None:
    """Found along the lines only, the glare's share of the page is under 1 %: the auditor's reason
    names the characters washed out, not a share of "0 %"."""
    from pipeline.codes import DocType
    from tests.test_quality_checks import _ctx
    from validators.image_quality import image_quality

    img, lines = _page()
    spot = _light(img, 300, 230, 60, 30)
    ctx = _ctx(spot, lines, DocType.EXPENSE_LIST, tmp_home=str(tmp_path))
    glare = [f for f in image_quality(ctx) if f.code == "image.glare"]
    assert len(glare) == 1
    assert "个字" in glare[0].reason and "0%" not in glare[0].reason, glare[0].reason
    assert "反光" in glare[0].message


def _recolour_line(
    img: np.ndarray, i: int, rgb: tuple[int, int, int], c0: int = 0, c1: int = 20
) -> np.ndarray:
    """Characters c0..c1 of line i printed in another colour (255 = blank)."""
    out = img.copy()
    y0 = 60 + i * 48
    band = out[y0 - 2 : y0 + 26, 80 + c0 * 30 : 80 + c1 * 30]
    band[band.min(axis=2) < 100] = rgb
    return out


def test_coloured_print_is_not_washed_out_text() -> None:
    """An invoice's number printed in pink (real set r41, r29), as pale in grey as washed-out text:
    its ink is coloured, so it is print, not black text faded by a light."""
    img, lines = _page()
    cfg = load_config().glare
    pink = _recolour_line(img, 4, (225, 120, 135), 4, 12)
    grey = _recolour_line(img, 4, (152, 152, 152), 4, 12)  # the same lightness, without colour
    assert imaging.glare(grey, lines).washed >= cfg.washed_chars
    assert imaging.glare(pink, lines).washed < cfg.washed_chars


def test_the_blank_between_two_words_of_one_box_is_not_washed_out() -> None:
    """One OCR box over 合    计 (real set r42): the blank between has no ink at all; a light that
    washes text out leaves a faded rim, a blank does not."""
    img, lines = _page()
    gap = _recolour_line(img, 7, (238, 238, 238), 8, 12)  # 4 characters left out of the line
    assert imaging.glare(gap, lines).washed < load_config().glare.washed_chars


def _dimmed(img: np.ndarray, top: float = 0.72) -> np.ndarray:
    """The page photographed under uneven light: its upper part darker (paper 171 -> 238 down the page)."""
    gain = np.linspace(top, 1.0, img.shape[0], dtype=np.float32)[:, None, None]
    return (img.astype(np.float32) * gain).clip(0, 255).astype(np.uint8)  # type: ignore[no-any-return]


def test_pale_grey_print_on_paper_no_lighter_than_its_line_is_not_washed_out() -> None:
    """Real set r25: a photographed invoice whose table-header labels (单价, 元) are printed in a pale
    brown-grey, as pale as washed-out text, on paper in the shade. A light that washes text out also
    lights the paper under it; pale print sits on the same paper as the rest of its line."""
    img, lines = _page()
    cfg = load_config().glare
    pale = _dimmed(_recolour_line(img, 2, (170, 168, 165), 6, 13))
    assert imaging.glare(pale, lines).washed < cfg.washed_chars
    # the same stretch washed out by a light: its paper is lighter than the rest of the line
    lit = _dimmed(_light(img, 80 + 9.5 * 30, 60 + 2 * 48 + 12, 80, 22))
    g = imaging.glare(lit, lines)
    assert g.washed >= cfg.washed_chars and is_glared(g, cfg)


def test_blurred_punctuation_is_no_washed_out_text() -> None:
    """A blurred page without glare: full-width punctuation (`）：` of 合计（大写）：) prints little
    ink, and blurred, its cells look like faded text. Stacked on three lines they made a 2-character
    spot, an `image.glare` on a page with no light on it. Punctuation and blank cells of a line's text
    are no text to wash out; the same page with a light on its text still is glared."""
    from tests.test_quality_render import gaussian_blur, glare, render_page

    cfg = load_config().glare
    r = render_page(1, size=(620, 877), font_px=15, seals=1)
    for sigma in (2, 3, 4):
        g = imaging.glare(gaussian_blur(r.image, sigma), r.lines)
        assert g.washed < cfg.washed_chars and not is_glared(g, cfg), sigma
    lit = imaging.glare(glare(r.image, (0.35, 0.3), 0.12), r.lines)
    assert is_glared(lit, cfg)


def test_blank_cells_follow_the_characters_widths() -> None:
    # 合计（大写）： laid over 0..105 (7 full-width cells of 15): （ at 30-45, ） at 75-90, ： at 90-105
    assert imaging._blank_cells("合计（大写）：", 0, 105, 75, 105) == pytest.approx(30)
    assert imaging._blank_cells("合计（大写）：", 0, 105, 0, 30) == 0
    # half-width characters take half a cell: "a b" over 0..30 puts the blank at 10-20
    assert imaging._blank_cells("a b", 0, 30, 0, 30) == pytest.approx(10)


def test_pale_guilloche_beside_dark_text_is_no_glare(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Real set r37 (calibration; a specimen ID card, real OCR): pale blue-grey guilloche specks around
    the labels 性别/出生/住址 made a spot of pale strokes (6 % of the card), yet the text through it
    is as dark as anywhere. A light fades the text under it with the strokes; where the OCR lines
    through a spot keep their contrast, the spot is pale texture, not glare. The same card with a
    light over that text still is glared."""
    from pipeline.config import Settings
    from pipeline.ocr import recognize_page

    item = next(it for it in realset.load() if it.id == "r37")
    assert not item.glare
    settings = Settings(home=tmp_path, workers=1, ocr_threads=1)
    lines, rot = recognize_page(item.image(), settings)
    img = imaging.upright(item.image(), rot)
    cfg = load_config().glare
    g = imaging.glare(img, lines, imaging.find_document(img))
    assert not is_glared(g, cfg), (g.share, g.washed)
    # a light blown out over the same text: its pale strokes stay a spot (the stroke measure's share)
    lit = _light(img, 170, 150, 110, 60, peak=1.0)
    g = imaging.glare(lit, lines, imaging.find_document(lit))
    assert g.share >= cfg.flag_at and is_glared(g, cfg)
