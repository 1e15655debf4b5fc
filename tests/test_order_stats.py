"""Percentiles and medians from histograms are bit for bit NumPy's (value and dtype)."""

from __future__ import annotations

import numpy as np
import pytest

from pipeline.order_stats import channel_medians, hist_median, hist_percentile, hist_u8

QS = [0, 1, 2, 5, 50, 70, 75, 80, 90, 95, 98, 99, 99.5, 100]


def _same(got: object, want: object) -> bool:
    g, w = np.asarray(got), np.asarray(want)
    return g.dtype == w.dtype and g.shape == w.shape and np.array_equal(g, w)


@pytest.mark.parametrize("n", [1, 2, 3, 7, 10, 11, 100, 101, 999, 4096, 12345])
@pytest.mark.parametrize("spread", [1, 3, 256])
def test_percentile_of_uint8_and_its_float32_copy(n: int, spread: int) -> None:
    rng = np.random.default_rng(n * 7 + spread)
    a = rng.integers(120, 120 + spread, n).clip(0, 255).astype(np.uint8)
    counts = np.bincount(a, minlength=256)
    for q in QS:
        assert _same(hist_percentile(counts, q, np.uint8), np.percentile(a, q)), (n, q)
        f = a.astype(np.float32)
        assert _same(hist_percentile(counts, q, np.float32), np.percentile(f, q)), (n, q)
    assert _same(hist_percentile(counts, [2, 98], np.float32), np.percentile(a.astype(np.float32), [2, 98]))
    assert _same(hist_percentile(counts, [1, 50, 99], np.uint8), np.percentile(a, [1, 50, 99]))


@pytest.mark.parametrize("n", [1, 2, 5, 6, 1000, 1001, 54321])
def test_median_of_uint8_as_float32_and_as_is(n: int) -> None:
    rng = np.random.default_rng(n)
    a = rng.integers(0, 256, n).astype(np.uint8)
    counts = np.bincount(a, minlength=256)
    assert _same(hist_median(counts, np.float32), np.median(a.astype(np.float32)))
    assert _same(hist_median(counts, np.uint8), np.median(a))


def test_percentile_of_channel_sums_divided_by_three() -> None:
    """page_blank's grey: the float64 mean of the 3 channels, i.e. sums 0..765 over 3."""
    rng = np.random.default_rng(5)
    img = rng.integers(0, 256, (301, 257, 3)).astype(np.uint8)
    grey = img.mean(axis=2)
    s = img[:, :, 0].astype(np.int64) + img[:, :, 1] + img[:, :, 2]
    counts = np.bincount(s.ravel(), minlength=766)
    values = np.arange(766, dtype=np.float64) / 3
    assert _same(hist_percentile(counts, [1, 50, 99], np.float64, values), np.percentile(grey, [1, 50, 99]))
    level = s.astype(np.float32)
    assert _same(hist_percentile(counts, 70, np.float32), np.percentile(level, 70))


def test_histograms_and_channel_medians_with_a_mask() -> None:
    rng = np.random.default_rng(9)
    img = rng.integers(0, 256, (200, 150, 3)).astype(np.uint8)
    mask = rng.random((200, 150)) < 0.37
    for c in range(3):
        assert np.array_equal(hist_u8(img, mask, c), np.bincount(img[:, :, c][mask], minlength=256))
    assert _same(channel_medians(img, mask), np.median(img[mask].astype(np.float32), axis=0))
    assert _same(
        channel_medians(img[::3, ::2]), np.median(img[::3, ::2].reshape(-1, 3).astype(np.float32), axis=0)
    )


def _reference_page_blank(image: np.ndarray) -> bool:
    from pipeline.safety import BLANK_INK_SHARE, BLANK_SPREAD, INK_DELTA

    step = max(1, int(max(image.shape[0], image.shape[1]) // 800))
    grey = image[::step, ::step].mean(axis=2)
    lo, med, hi = np.percentile(grey, [1, 50, 99])
    if hi - lo < BLANK_SPREAD:
        return True
    return float(np.mean(np.abs(grey - med) > INK_DELTA)) < BLANK_INK_SHARE


@pytest.mark.parametrize("ink", [0.0, 0.0002, 0.0004, 0.0006, 0.01, 0.3])
@pytest.mark.parametrize("paper", [128, 250])
def test_page_blank_from_the_histogram_is_the_float_formula(ink: float, paper: int) -> None:
    from pipeline.safety import page_blank

    rng = np.random.default_rng(int(ink * 1e5) + paper)
    img = np.clip(rng.normal(paper, 3, (900, 1300, 3)), 0, 255).astype(np.uint8)
    img[rng.random((900, 1300)) < ink] = (20, 30, 25)
    assert page_blank(img) == _reference_page_blank(img)


@pytest.mark.parametrize("n", [1, 2, 3, 10, 101, 5000, 123457])
def test_binned_percentile_of_non_negative_floats(n: int) -> None:
    from pipeline.order_stats import binned_percentile

    rng = np.random.default_rng(n)
    for a in (
        (rng.random(n) * 300).astype(np.float32),
        (rng.integers(0, 40, n) * np.float32(1.37)).astype(np.float32),  # many ties
        np.zeros(n, np.float32),
        rng.random(n) * 5,  # float64
    ):
        for q in QS:
            assert _same(binned_percentile(a, q), np.percentile(a, q)), (n, q, a.dtype)
        assert _same(binned_percentile(a, [1, 99]), np.percentile(a, [1, 99]))
