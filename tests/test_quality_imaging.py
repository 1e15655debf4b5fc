"""Pure image measures (validators.support.imaging) on rendered pages with known faults; no OCR."""

from __future__ import annotations

import numpy as np
import pytest

from tests.test_quality_render import (
    crop,
    downscale,
    gaussian_blur,
    glare,
    grayscale,
    motion_blur,
    photo,
    render_card,
    render_page,
    shift_lines,
)
from validators.image_quality import blur_score, load_config
from validators.support import imaging


@pytest.fixture(scope="module")
def page():  # type: ignore[no-untyped-def]
    return render_page(2, seals=1, size=(620, 877), font_px=15)  # half an A4 at 150 dpi: quick


def _iou(a: tuple[float, ...], b: tuple[float, ...]) -> float:
    x0, y0 = max(a[0], b[0]), max(a[1], b[1])
    x1, y1 = min(a[2], b[2]), min(a[3], b[3])
    inter = max(0.0, x1 - x0) * max(0.0, y1 - y0)
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union


# --------------------------------------------------------------------------- clarity


def test_upright_turns_clockwise() -> None:
    img = np.zeros((2, 3, 3), np.uint8)
    img[0, 0] = 255  # top-left
    up = imaging.upright(img, 90)
    assert up.shape[:2] == (3, 2)
    assert up[0, -1, 0] == 255  # top-left goes to top-right when turned clockwise


def test_blur_grows_with_gaussian_and_motion_blur(page) -> None:  # type: ignore[no-untyped-def]
    flag_at = load_config().blur.flag_at
    sharp = imaging.sharpness(page.image, page.lines)
    assert blur_score(sharp.relative) < 0.1
    assert sharp.lines >= 10
    scores = [
        blur_score(imaging.sharpness(gaussian_blur(page.image, s), page.lines).relative) for s in (1, 3, 6)
    ]
    assert scores == sorted(scores)
    assert scores[-1] >= flag_at
    moved = imaging.sharpness(motion_blur(page.image, 31, 20), page.lines)
    assert blur_score(moved.relative) >= flag_at


def test_small_sharp_text_is_low_resolution_not_blurry(page) -> None:  # type: ignore[no-untyped-def]
    small = downscale(page.image, 0.4)
    s = imaging.sharpness(small, shift_lines(page.lines, scale=0.4))
    assert s.text_px < load_config().low_resolution.min_text_px
    assert blur_score(s.relative) < load_config().blur.flag_at


def test_blur_without_text_lines_uses_tiles(page) -> None:  # type: ignore[no-untyped-def]
    assert (
        blur_score(imaging.sharpness(gaussian_blur(page.image, 8), []).relative) >= load_config().blur.flag_at
    )
    assert blur_score(imaging.sharpness(page.image, []).relative) < load_config().blur.flag_at


# --------------------------------------------------------------------------- glare


def test_glare_share_on_scan_and_photo(page) -> None:  # type: ignore[no-untyped-def]
    flag_at = load_config().glare.flag_at
    assert imaging.glare(page.image, page.lines).share < flag_at
    spot = glare(page.image, (0.4, 0.3), 0.14)
    g = imaging.glare(spot, page.lines)
    assert g.share >= flag_at and g.boxes
    # the reported box holds the spot's centre
    x0, y0, x1, y1 = g.boxes[0]
    h, w = spot.shape[:2]
    assert x0 < 0.4 * w < x1 and y0 < 0.3 * h < y1
    sc = 750 / 620 * 0.8
    clean_photo = photo(page.image, 3, out_size=(750, 1000), fill=0.8)
    assert imaging.glare(clean_photo, shift_lines(page.lines, scale=sc)).share < flag_at
    spot_photo = photo(spot, 3, out_size=(750, 1000), fill=0.8)
    assert imaging.glare(spot_photo, shift_lines(page.lines, scale=sc)).share >= flag_at


def test_a_pale_spot_no_text_line_reaches_is_not_glare(page) -> None:  # type: ignore[no-untyped-def]
    """Real set r28: pale strokes on a patterned table cloth that the document region took in make a
    spot no OCR line reaches. A light matters where it washes out text: such a spot is not glare."""
    flag_at = load_config().glare.flag_at
    spot = glare(page.image, (0.4, 0.3), 0.14)
    found = imaging.glare(spot, page.lines)
    assert found.share >= flag_at
    bx0, by0, bx1, by1 = found.boxes[0]
    elsewhere = [
        ln
        for ln in page.lines
        if not (ln.box[0] <= bx1 and bx0 <= ln.box[2] and ln.box[1] <= by1 and by0 <= ln.box[3])
    ]
    assert 0 < len(elsewhere) < len(page.lines)
    assert imaging.glare(spot, elsewhere).share < flag_at


def test_pale_card_pattern_is_not_glare() -> None:
    card = render_card(4)
    assert imaging.glare(card.image, card.lines).share < load_config().glare.flag_at


# --------------------------------------------------------------------------- completeness


def test_photo_inside_the_frame_is_complete(page) -> None:  # type: ignore[no-untyped-def]
    img = photo(page.image, 5, out_size=(750, 1000), fill=0.8)
    reg = imaging.find_document(img)
    assert not reg.fills_frame and reg.quad is not None
    assert not imaging.completeness(img, [], region=reg).incomplete


def test_photo_running_out_of_the_frame_is_cut(page) -> None:  # type: ignore[no-untyped-def]
    img = photo(page.image, 5, out_size=(750, 1000), fill=0.9, shift=(0.17, 0.15))
    c = imaging.completeness(img, [])
    assert set(c.cut_sides) == {"right", "bottom"}
    assert c.reason == "boundary" and len(c.boxes) == 2


def test_scan_with_text_cut_by_the_frame(page) -> None:  # type: ignore[no-untyped-def]
    assert not imaging.completeness(page.image, page.lines).incomplete
    w = page.image.shape[1]
    cut = crop(page.image, right=0.35)
    lines = [ln for ln in page.lines if ln.box[0] < w * 0.65]
    clipped = [
        ln.model_copy(update={"polygon": [(min(x, cut.shape[1] - 1.0), y) for x, y in ln.polygon]})
        for ln in lines
    ]
    c = imaging.completeness(cut, clipped)
    assert c.cut_sides == ["right"] and c.reason == "text"


def test_card_aspect_ratio() -> None:
    card = render_card(1)
    ratio = load_config().incomplete.card_ratio
    assert not imaging.completeness(card.image, [], card_ratio=ratio).incomplete
    c = imaging.completeness(crop(card.image, right=0.2), [], card_ratio=ratio)
    assert c.incomplete and c.reason == "aspect"


# --------------------------------------------------------------------------- seals


def test_seals_found_and_red_ink_that_is_not_a_seal_ignored() -> None:
    r = render_page(1, seals=2, red_title=True, red_table=True, red_box=True, red_handwriting=True)
    found = imaging.find_seals(r.image)
    assert len(found) == 2
    for truth in r.seals:
        assert max(_iou(truth, s.box) for s in found) > 0.8
    only_red_ink = render_page(1, seals=0, red_title=True, red_table=True, red_box=True, red_handwriting=True)
    assert imaging.find_seals(only_red_ink.image) == []


@pytest.mark.parametrize(("alpha", "on_photo"), [(0.9, True), (0.5, True), (0.25, False)])
def test_faint_seals_on_scan_and_photo(alpha: float, on_photo: bool) -> None:
    r = render_page(4, seals=1, seal_alpha=alpha, size=(620, 877), font_px=15)
    img = photo(r.image, 2, out_size=(750, 1000)) if on_photo else r.image
    (s,) = imaging.find_seals(img)
    if not on_photo:
        assert _iou(r.seals[0], s.box) > 0.8


def test_oval_invoice_seal() -> None:
    r = render_page(5, seals=1, oval=True, red_table=True)
    s = imaging.find_seals(r.image)
    assert len(s) == 1 and _iou(r.seals[0], s[0].box) > 0.8


def test_gold_emblem_and_red_disc_are_not_seals() -> None:
    back = render_card(2, back=True)
    assert imaging.find_seals(back.image) == []
    assert imaging.find_seals(photo(back.image, 1, out_size=(1000, 700))) == []


def test_seal_strip_is_a_horizontal_band() -> None:
    r = render_page(1, seals=1)
    s = imaging.find_seals(r.image)[0]
    strip = imaging.seal_strip(r.image, s, height=48)
    assert strip.shape[0] == 48 + 16 and strip.shape[1] > 4 * strip.shape[0]
    assert strip.dtype == np.uint8 and (strip < 128).mean() > 0.02  # the ring text, dark on white


# --------------------------------------------------------------------------- colour


def test_grayscale_copy_detected_even_under_warm_light(page) -> None:  # type: ignore[no-untyped-def]
    assert not imaging.colour_stats(page.image).grayscale  # the red seal
    gray = grayscale(page.image)
    assert imaging.colour_stats(gray).grayscale
    warm = (gray.astype(np.float32) * np.array([1.0, 0.95, 0.85])).astype(np.uint8)
    assert imaging.colour_stats(warm).grayscale


def test_seal_strip_at_the_page_edge_is_paper_not_garbage() -> None:
    """A seal cut by the page edge: the unwarp samples outside the crop. Those samples are paper
    (white) and the strip's bytes are the same every time (the OCR cache and recordings key on them);
    warpPolar left them uninitialised before."""
    r = render_page(1, seals=1)
    s = imaging.find_seals(r.image)[0]
    x0, x1 = round(s.box[0]), round(s.box[2])
    cut = np.ascontiguousarray(
        r.image[:, : (x0 + x1) // 2 + 10]
    )  # the right part of the seal is off the page
    strips = []
    for _ in range(4):
        np.full((4000, 4000), 7, np.uint8).sum()  # churn the allocator between runs
        strips.append(imaging.seal_strip(cut, s, height=48))
    assert all(np.array_equal(strips[0], t) for t in strips[1:])
    assert strips[0].min() >= 0 and (strips[0] < 128).mean() < 0.5  # mostly paper, not a black block
