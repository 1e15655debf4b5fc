"""Percentiles and medians of 8-bit pixels from their histogram, bit for bit what NumPy returns.

``np.percentile`` and ``np.median`` partition a copy of the whole array: on a page of a million
pixels that is most of the cost of several image measures, although an 8-bit page has only 256
distinct values. Here the order statistics are read off the cumulative histogram and interpolated
exactly as NumPy 2's ``linear`` method does (same virtual index, same ``_lerp``, same result
dtype), so a measure gives the same number as before, only sooner. ``tests/test_order_stats.py``
compares every function with NumPy on random and real pages.

Histograms come from :func:`hist_u8` (OpenCV's ``calcHist``, with an optional mask) or
:func:`np.bincount`; a bin ``i`` stands for the value ``values[i]`` (by default ``i`` itself).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import cv2
import numpy as np


def hist_u8(image: np.ndarray, mask: np.ndarray | None = None, channel: int = 0) -> np.ndarray:
    """Counts of the 256 values of one channel of an 8-bit image (where ``mask`` is set)."""
    img = np.ascontiguousarray(image)
    m = None if mask is None else np.ascontiguousarray(mask, dtype=np.uint8)
    h = cv2.calcHist([img], [channel], m, [256], [0, 256])
    return np.rint(h.ravel()).astype(np.int64)


def _order_stat(cum: np.ndarray, k: int) -> int:
    """Bin of the k-th smallest value (0-based) given the cumulative counts."""
    return int(np.searchsorted(cum, k, side="right"))


def _lerp(a: Any, b: Any, t: Any) -> Any:
    """NumPy's ``_lerp`` on scalars (the same expressions, so the same rounding and dtype)."""
    diff = b - a
    out = a + diff * t
    if t >= 0.5:
        out = b - diff * (1 - t)
    return out


def _percentile(order_stat: Callable[[int], Any], n: int, q: float | Sequence[float]) -> Any:
    """NumPy 2's linear-method percentile of ``n`` values given the k-th smallest (``order_stat``,
    returning a scalar of the array's dtype). ``q`` a Python number gives a scalar (NumPy's weak
    promotion: a float32 array stays float32); a sequence an array (its float64 weights promote the
    result to float64)."""
    if n == 0:
        raise ValueError("no values")
    weak = type(q) in (int, float)
    out = []
    for qi in np.atleast_1d(np.true_divide(q, 100)):
        v = (n - 1) * qi  # NumPy's virtual index for the linear method (float64)
        prev = np.floor(v)
        nxt = prev + 1
        if v >= n - 1:
            prev = nxt = np.float64(n - 1)
        elif v < 0:
            prev = nxt = np.float64(0)
        gamma = v - prev
        out.append(_lerp(order_stat(int(prev)), order_stat(int(nxt)), float(gamma) if weak else gamma))
    return out[0] if weak else np.array(out)


def hist_percentile(
    counts: np.ndarray,
    q: float | Sequence[float],
    dtype: Any = np.float32,
    values: np.ndarray | None = None,
) -> Any:
    """``np.percentile(a, q)`` of the array ``a`` (of ``dtype``) whose values have these counts."""
    cum = np.cumsum(counts)
    vals = np.arange(len(counts)) if values is None else values

    def order_stat(k: int) -> Any:
        return np.asarray(vals[_order_stat(cum, k)], dtype=dtype)[()]

    return _percentile(order_stat, int(cum[-1]) if len(cum) else 0, q)


def binned_percentile(a: np.ndarray, q: float | Sequence[float]) -> Any:
    """``np.percentile(a, q)`` of a 1-D array of finite values >= 0 (e.g. chroma): the values are
    binned by their integer part, and only the bin holding a wanted order statistic is sorted."""
    n = len(a)
    if n == 0:
        raise ValueError("no values")
    bins = a.astype(np.int64)  # truncation: the integer part of a value >= 0
    cum = np.cumsum(np.bincount(bins))

    def order_stat(k: int) -> Any:
        b = _order_stat(cum, k)
        below = int(cum[b - 1]) if b > 0 else 0
        vals = a[bins == b]
        return np.partition(vals, k - below)[k - below]

    return _percentile(order_stat, n, q)


def hist_median(counts: np.ndarray, dtype: Any = np.float32, values: np.ndarray | None = None) -> Any:
    """``np.median(a)`` of the array ``a`` (of ``dtype``) whose values have these counts."""
    cum = np.cumsum(counts)
    n = int(cum[-1])
    if n == 0:
        raise ValueError("no values")
    vals = np.arange(len(counts)) if values is None else values
    mid = np.asarray(vals[_order_stat(cum, n // 2)], dtype=dtype)
    if n % 2:
        return np.mean(mid[None])
    low = np.asarray(vals[_order_stat(cum, n // 2 - 1)], dtype=dtype)
    return np.mean(np.stack([low, mid]))


def channel_medians(image: np.ndarray, mask: np.ndarray | None = None, dtype: Any = np.float32) -> np.ndarray:
    """``np.median(image[mask].astype(dtype), axis=0)`` of an 8-bit H x W x 3 image: per channel."""
    return np.array([hist_median(hist_u8(image, mask, c), dtype) for c in range(image.shape[2])], dtype=dtype)
