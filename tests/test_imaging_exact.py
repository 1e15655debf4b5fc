"""The faster image measures give exactly the values of the straightforward ones."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from validators.support import imaging


def _reference_close(img: np.ndarray, k: int) -> np.ndarray:
    return cv2.morphologyEx(img, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (k, k)))  # type: ignore[no-any-return]


@pytest.mark.parametrize("k", [3, 23, 45, 51, 75, 121])
@pytest.mark.parametrize("kind", ["grey", "sparse", "dense"])
def test_close_ellipse_is_opencvs_closing(k: int, kind: str) -> None:
    rng = np.random.default_rng(k)
    for h, w in [(1, 1), (7, 300), (90, 60), (160, 210)]:
        if kind == "grey":
            img = (rng.random((h, w)) * 255).astype(np.uint8)
        else:
            img = (rng.random((h, w)) < (0.03 if kind == "sparse" else 0.97)).astype(np.uint8)
        assert np.array_equal(imaging.close_ellipse(img, k), _reference_close(img, k)), (h, w, k)


def test_channel_spread_and_sum_are_numpys() -> None:
    rng = np.random.default_rng(0)
    px = (rng.random((5000, 3)) * 255).astype(np.float32) * np.float32(1.37)
    assert np.array_equal(imaging._channel_spread(px), px.max(axis=1) - px.min(axis=1))
    assert np.array_equal(imaging._channel_sum(px), px.sum(axis=1))


def _reference_colour(image: np.ndarray, mask: np.ndarray | None) -> tuple[float, float]:
    """colour_stats as first written: float32 copies of the page."""
    h, w = image.shape[:2]
    step = max(1, int(np.sqrt(h * w / 400_000)))
    im = image[::step, ::step].astype(np.float32)
    sel = mask[::step, ::step] if mask is not None else np.ones(im.shape[:2], bool)
    if sel.sum() < 100:
        sel = np.ones(im.shape[:2], bool)
    px = im[sel]
    level = px.sum(axis=1)
    bright = px[level >= np.percentile(level, 70)]
    white = np.maximum(np.median(bright, axis=0), 1.0)
    bal = px * (white.mean() / white)
    chroma = bal.max(axis=1) - bal.min(axis=1)
    return float(np.percentile(chroma, 99)), float((chroma > 30).mean())


def _reference_white_balanced(image: np.ndarray) -> np.ndarray:
    step = max(1, int(np.sqrt(image.shape[0] * image.shape[1] / 200_000)))
    px = image[::step, ::step].reshape(-1, 3).astype(np.float32)
    lum = px.sum(axis=1)
    bright = px[lum >= np.percentile(lum, 75)]
    white = np.maximum(np.median(bright, axis=0), 1.0)
    if float(white.min()) < 90:
        return image
    gain = float(white.max()) / white
    if float(np.abs(gain - 1).max()) < 0.02:
        return image
    return np.clip(image.astype(np.float32) * gain, 0, 255).astype(np.uint8)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_colour_stats_and_white_balance_are_the_float_formulas(seed: int) -> None:
    rng = np.random.default_rng(seed)
    h, w = 700 + 37 * seed, 900 - 51 * seed
    # warm paper, grey and coloured ink, a seal-red patch, noise
    img = np.empty((h, w, 3), np.float32)
    img[:] = (246, 236, 214)
    img[rng.random((h, w)) < 0.08] = (40, 40, 40)
    img[100:200, 300:420] = (200, 40, 50)
    img += rng.normal(0, 6, img.shape)
    img = np.clip(img, 0, 255).astype(np.uint8)
    mask = np.zeros((h, w), bool)
    mask[20:-20, 30:-30] = True
    for m in (mask, None, np.zeros((h, w), bool)):
        c = imaging.colour_stats(img, m)
        assert (c.chroma_p99, c.colourful_share) == _reference_colour(img, m)
    assert np.array_equal(imaging.white_balanced(img), _reference_white_balanced(img))


def _blobs(seed: int, h: int = 480, w: int = 640) -> np.ndarray:
    rng = np.random.default_rng(seed)
    m = np.zeros((h, w), np.uint8)
    for _ in range(1 + seed % 5):
        cx, cy = int(rng.integers(0, w)), int(rng.integers(0, h))
        ax, ay = int(rng.integers(5, w // 2)), int(rng.integers(5, h // 2))
        cv2.ellipse(m, (cx, cy), (ax, ay), float(rng.integers(0, 180)), 0, 360, 1, -1)
    m[rng.random((h, w)) < 0.002] = 1  # specks
    return m.astype(bool)


def _reference_hull(mask: np.ndarray) -> np.ndarray:
    """document_hull as first written: the hull of every pixel."""
    m8 = mask.astype(np.uint8)
    h, w = m8.shape
    f = min(1.0, 600 / max(h, w))
    small = cv2.resize(m8, (max(1, round(w * f)), max(1, round(h * f))), interpolation=cv2.INTER_NEAREST)
    pts = cv2.findNonZero(small)
    if pts is None:
        return mask.astype(bool)
    hull = np.zeros_like(small)
    cv2.fillConvexPoly(hull, cv2.convexHull(pts), 1)
    return cv2.resize(hull, (w, h), interpolation=cv2.INTER_NEAREST).astype(bool)  # type: ignore[no-any-return]


@pytest.mark.parametrize("seed", range(12))
def test_document_hull_from_row_ends_is_the_hull_of_every_pixel(seed: int) -> None:
    from validators.support.seal_rings import document_hull

    for shape in [(480, 640), (1500, 1100), (37, 900)]:
        m = _blobs(seed, *shape)
        assert np.array_equal(document_hull(m), _reference_hull(m)), (seed, shape)
    empty = np.zeros((50, 60), bool)
    assert np.array_equal(document_hull(empty), _reference_hull(empty))


@pytest.mark.parametrize("seed", range(6))
def test_region_box_is_the_box_of_its_pixels(seed: int) -> None:
    m = _blobs(seed)
    reg = imaging.DocumentRegion(m, None, {}, 0.0, False)
    ys, xs = np.nonzero(m)
    assert reg.box == (float(xs.min()), float(ys.min()), float(xs.max() + 1), float(ys.max() + 1))
    none = imaging.DocumentRegion(np.zeros((20, 30), bool), None, {}, 0.0, False)
    assert none.box == (0.0, 0.0, 30.0, 20.0)


def test_ring_coverages_in_one_pass_are_the_per_radius_ones() -> None:
    """Batched over candidates and radii, with the dtypes HoughCircles gives (float32) and floats."""
    from validators.support import seal_rings

    rng = np.random.default_rng(3)
    for i in range(40):
        m = _blobs(i, 300, 400) & (rng.random((300, 400)) < 0.6)
        dt = np.float32 if i % 2 else np.float64
        cx = rng.uniform(-50, 450, 7).astype(dt)
        cy = rng.uniform(-50, 350, 7).astype(dt)
        ax = rng.uniform(4, 150, 7).astype(dt)
        ay = rng.uniform(4, 150, 7).astype(dt)
        got = seal_rings._coverages(m, cx, cy, ax, ay)
        for j in range(7):
            want = [
                seal_rings._coverage(m, cx[j], cy[j], ax[j] * k, ay[j] * k, np.array([0.9, 0.95, 1.0, 1.04]))
                for k in (0.88, 0.94, 1.0, 1.06, 1.12)
            ]
            assert list(got[j]) == want, (i, j)


def _reference_red_mask(image: np.ndarray, min_red: float | None = None) -> np.ndarray:
    """red_mask as first written: HSV and int16 copies of the whole page."""
    image = imaging.white_balanced(image)
    r = imaging.redness(image)
    hue = cv2.cvtColor(image, cv2.COLOR_RGB2HSV)[:, :, 0]
    if min_red is None:
        min_red = max(22.0, 0.12 * float(np.percentile(imaging.to_gray(image), 90)))
    im = image.astype(np.int16)
    gb = im[:, :, 1] - im[:, :, 2]
    hue_ok = (hue <= 8) | (hue >= 160) | ((hue <= 13) & (r >= 1.5 * min_red))
    return (r >= min_red) & hue_ok & (gb <= np.maximum(20, r // 2))  # type: ignore[no-any-return]


@pytest.mark.parametrize("seed", range(4))
def test_red_mask_on_red_pixels_only_is_the_whole_page_formula(seed: int) -> None:
    rng = np.random.default_rng(seed)
    h, w = 500 + 13 * seed, 700 - 17 * seed
    img = np.empty((h, w, 3), np.float32)
    img[:] = (244, 232, 210)  # warm paper
    # every hue and strength somewhere: seal red, orange, brown, purple, gold, grey ink
    patch = rng.integers(0, 256, (h // 2, w // 2, 3))
    img[: h // 2, : w // 2] = patch
    img[h // 2 :, w // 2 :][rng.random((h - h // 2, w - w // 2)) < 0.2] = (205, 45, 60)
    img += rng.normal(0, 5, img.shape)
    img = np.clip(img, 0, 255).astype(np.uint8)
    for min_red in (None, 22.0, 40.0):
        assert np.array_equal(imaging.red_mask(img, min_red), _reference_red_mask(img, min_red))
    blank = np.full((60, 80, 3), 240, np.uint8)
    assert np.array_equal(imaging.red_mask(blank), _reference_red_mask(blank))
