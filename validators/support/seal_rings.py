"""Seal rings found by voting, for seals the outline test cannot isolate.

:func:`validators.support.imaging.find_seals` fits an ellipse to the outline of each red blob. On real
invoices a seal is stamped over red-brown printing (table rules, labels, the form's own text), so
its blob runs into the form's and no outline is an ellipse. Here the ring itself is looked for:
circles are voted for on the red-ink mask (Hough gradient), on the mask as it is and squeezed along
x or y (an oval seal, or a round one seen at an angle, becomes a circle), and each candidate is kept
only if it looks like a stamped ring and not like a patch of dense red print:

* the ring is inked in most directions (``min_ring``), sampled in a thin band around the radius;
* just outside the ring there is markedly less red than on it (a ring, not a red area);
* inside there is some red (text, star), but the inside is not solid (not a filled disc).

Pure functions on a boolean mask; no thresholds of the product here beyond the shape tests.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np

#: squeeze factors tried: (sx, sy) applied to the mask before voting for circles
SQUEEZES: tuple[tuple[float, float], ...] = ((1.0, 1.0), (0.66, 1.0), (1.0, 0.66))
_ANGLES = np.linspace(0, 2 * math.pi, 120, endpoint=False)


@dataclass(frozen=True)
class Ring:
    cx: float  # centre, mask pixels
    cy: float
    ax: float  # semi-axis along x (mask pixels)
    ay: float  # semi-axis along y
    ring: float  # share of directions inked on the ring
    outside: float  # share of directions inked just outside it
    fill: float  # share of red pixels inside 0.7 of the radius


def _coverage(mask: np.ndarray, cx: float, cy: float, ax: float, ay: float, radii: np.ndarray) -> float:
    """Share of directions in which some sample at the given relative radii is red."""
    h, w = mask.shape
    c, s = np.cos(_ANGLES)[:, None], np.sin(_ANGLES)[:, None]
    xs = np.rint(cx + ax * radii[None, :] * c).astype(int)
    ys = np.rint(cy + ay * radii[None, :] * s).astype(int)
    inside = (xs >= 0) & (xs < w) & (ys >= 0) & (ys < h)
    hit = np.zeros(xs.shape, bool)
    hit[inside] = mask[ys[inside], xs[inside]]
    on_page = inside.any(axis=1)
    if on_page.sum() < 0.4 * len(_ANGLES):  # mostly off the image: not judged
        return 0.0
    # a seal half off the page edge: judge the directions that lie on the image
    any_hit = np.asarray(hit.any(axis=1))
    return float(any_hit[on_page].mean())


_RADII_TRIED = (0.88, 0.94, 1.0, 1.06, 1.12)
_ON_RING = np.array([0.9, 0.95, 1.0, 1.04])


def _coverages(
    mask: np.ndarray, cx: np.ndarray, cy: np.ndarray, ax: np.ndarray, ay: np.ndarray
) -> np.ndarray:
    """``_coverage`` on the ring samples (``_ON_RING``) for each candidate (arrays of centres and
    semi-axes, N) and each radius in ``_RADII_TRIED``: an N x 5 array, sampled in one pass with the
    same products in the same order and dtypes as one call per candidate and radius (so the same
    pixels and the same figures)."""
    h, w = mask.shape
    c, s = np.cos(_ANGLES)[None, None, :, None], np.sin(_ANGLES)[None, None, :, None]
    axk = np.stack([ax * k for k in _RADII_TRIED], axis=1)[:, :, None, None]
    ayk = np.stack([ay * k for k in _RADII_TRIED], axis=1)[:, :, None, None]
    xs = np.rint(cx[:, None, None, None] + axk * _ON_RING * c).astype(int)
    ys = np.rint(cy[:, None, None, None] + ayk * _ON_RING * s).astype(int)
    inside = (xs >= 0) & (xs < w) & (ys >= 0) & (ys < h)
    hit = np.zeros(xs.shape, bool)
    hit[inside] = mask[ys[inside], xs[inside]]
    on_page = np.asarray(inside.any(axis=3))
    n_on = on_page.sum(axis=2)
    n_hit = (np.asarray(hit.any(axis=3)) & on_page).sum(axis=2)
    # a seal half off the page edge: judge the directions that lie on the image; mostly off: 0
    return np.where(n_on < 0.4 * len(_ANGLES), 0.0, n_hit / np.maximum(n_on, 1))


def _fill(mask: np.ndarray, cx: float, cy: float, ax: float, ay: float) -> float:
    h, w = mask.shape
    x0, x1 = max(0, int(cx - ax)), min(w, int(cx + ax) + 1)
    y0, y1 = max(0, int(cy - ay)), min(h, int(cy + ay) + 1)
    if x1 - x0 < 3 or y1 - y0 < 3:
        return 0.0
    yy, xx = np.mgrid[y0:y1, x0:x1].astype(np.float32)
    rn = ((xx - cx) / max(ax, 1.0)) ** 2 + ((yy - cy) / max(ay, 1.0)) ** 2
    inner = rn < 0.7**2
    return float(mask[y0:y1, x0:x1][inner].mean()) if inner.any() else 0.0


def _best_ring(
    mask: np.ndarray, cx: float, cy: float, ax: float, ay: float, min_ring: float, coverages: Sequence[float]
) -> tuple[float, float, float, float] | None:
    """(semi-axes, ring, outside) of the best radius given its ``_RADII_TRIED`` coverages, or None
    when none reaches ``min_ring``."""
    best_k, best_ring = 1.0, -1.0
    for k, ring in zip(_RADII_TRIED, coverages, strict=True):
        if ring > best_ring:
            best_k, best_ring = k, float(ring)
    if best_ring < min_ring:
        return None
    a, b = ax * best_k, ay * best_k
    return a, b, best_ring, _coverage(mask, cx, cy, a, b, np.array([1.18, 1.26, 1.34]))


def judge(mask: np.ndarray, cx: float, cy: float, ax: float, ay: float, min_ring: float = 0.0) -> Ring | None:
    """The best ring near (cx, cy, ax, ay) (radius tried from 0.88 to 1.12 of it), or None when no
    radius reaches ``min_ring``."""
    covs = _coverages(mask, np.asarray([cx]), np.asarray([cy]), np.asarray([ax]), np.asarray([ay]))[0]
    best = _best_ring(mask, cx, cy, ax, ay, min_ring, list(covs))
    if best is None:
        return None
    a, b, ring, out = best
    return Ring(cx, cy, a, b, ring, out, _fill(mask, cx, cy, a, b))


def find_rings(
    mask: np.ndarray,
    rmin: float,
    rmax: float,
    *,
    min_ring: float = 0.72,
    max_outside_ratio: float = 0.6,
    min_fill: float = 0.02,
    max_fill: float = 0.55,
    open_ring: float = 0.6,
    open_outside: float = 0.08,
) -> list[Ring]:
    """Stamped rings (round or axis-aligned oval) on a boolean red-ink mask, radii in pixels."""
    rings: list[Ring] = []
    if mask.sum() < 50 or rmax < 4:
        return rings
    m8 = mask.astype(np.uint8) * 255
    h, w = mask.shape
    f = min(1.0, 640 / max(h, w), 12 / max(rmin, 1.0))  # voting needs no more than ~12 px of radius
    for sx0, sy0 in SQUEEZES:
        sx, sy = sx0 * f, sy0 * f
        sq = cv2.resize(m8, (max(1, round(w * sx)), max(1, round(h * sy))), interpolation=cv2.INTER_AREA)
        sq = cv2.GaussianBlur(sq, (0, 0), 1.0)
        lo = max(4, int(rmin * min(sx, sy)))
        hi = max(lo + 2, int(rmax * max(sx, sy)))
        circles = cv2.HoughCircles(
            sq, cv2.HOUGH_GRADIENT, dp=1.5, minDist=lo, param1=60, param2=14, minRadius=lo, maxRadius=hi
        )
        if circles is None:
            continue
        cand = circles[0][:40]
        cxs, cys, axs, ays = cand[:, 0] / sx, cand[:, 1] / sy, cand[:, 2] / sx, cand[:, 2] / sy
        covs = _coverages(mask, cxs, cys, axs, ays)  # every candidate's ring at once
        for i in range(len(cand)):
            cx, cy, ax, ay = cxs[i], cys[i], axs[i], ays[i]
            if not rmin <= max(ax, ay) <= rmax * 1.15 or min(ax, ay) < 0.5 * rmin:
                continue
            if any(math.hypot(cx - o.cx, cy - o.cy) < 0.5 * min(o.ax, o.ay) for o in rings):
                continue
            # a ring with gaps (uneven ink, a faded side) is still a seal when nothing red is
            # around it; among red print it must be closed further
            best = _best_ring(mask, cx, cy, ax, ay, min(min_ring, open_ring), list(covs[i]))
            if best is None:
                continue
            a, b, on_ring, outside = best
            if on_ring < min_ring and outside > open_outside:
                continue
            if outside > max_outside_ratio * on_ring:
                continue
            fill = _fill(mask, cx, cy, a, b)  # only for the rings still in the running
            if not min_fill <= fill <= max_fill:
                continue
            rings.append(Ring(cx, cy, a, b, on_ring, outside, fill))
    return rings


def document_hull(mask: np.ndarray) -> np.ndarray:
    """The convex hull of the document's pixels, filled. On photographed pages the paper mask comes
    out patchy (red-brown print, shadows, stamps cut holes in it); a seal on the page lies inside
    the page's hull even when the mask has a hole under it. Red fabric beside the page does not."""
    m8 = mask.astype(np.uint8)
    h, w = m8.shape
    f = min(1.0, 600 / max(h, w))
    small = cv2.resize(m8, (max(1, round(w * f)), max(1, round(h * f))), interpolation=cv2.INTER_NEAREST)
    rows = np.flatnonzero(small.any(axis=1))
    if not len(rows):
        return mask.astype(bool)
    # the hull of a pixel set is the hull of each row's first and last pixel (every vertex is
    # one of them): hundreds of points instead of every pixel of the page
    ink = small[rows] > 0
    left = np.argmax(ink, axis=1)
    right = small.shape[1] - 1 - np.argmax(ink[:, ::-1], axis=1)
    pts = np.concatenate([np.stack([left, rows], axis=1), np.stack([right, rows], axis=1)])
    hull = np.zeros_like(small)
    cv2.fillConvexPoly(hull, cv2.convexHull(pts.astype(np.int32).reshape(-1, 1, 2)), 1)
    return cv2.resize(hull, (w, h), interpolation=cv2.INTER_NEAREST).astype(bool)


def seal_like_marks(
    mask: np.ndarray, dmin: float, dmax: float, *, min_ring: float = 0.3
) -> list[tuple[float, float, float, float]]:
    """Boxes of red marks shaped like a seal that may not have been recognised as one: a compact
    red blob of a seal's size (not a title, a rule or a box: those are long or hollow rectangles)
    with part of a ring around it. Used to turn "no seal" into doubt, never to count a seal."""
    h, w = mask.shape
    f = min(1.0, 800 / max(h, w))
    m8 = mask.astype(np.uint8)
    small = (
        cv2.resize(m8, (max(1, round(w * f)), max(1, round(h * f))), interpolation=cv2.INTER_AREA)
        if f < 1
        else m8
    )
    small = (small > 0).astype(np.uint8)
    k = max(3, int(min(small.shape) * 0.02)) | 1
    closed = cv2.morphologyEx(small, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (k, k)))
    n, labels, stats, _ = cv2.connectedComponentsWithStats(closed, connectivity=8)
    out: list[tuple[float, float, float, float]] = []
    for i in range(1, n):
        x, y, bw, bh, _area = (int(v) for v in stats[i])
        if not dmin * f <= max(bw, bh) <= dmax * f or not 0.5 <= bw / max(bh, 1) <= 2.0:
            continue
        comp = small[y : y + bh, x : x + bw] & (labels[y : y + bh, x : x + bw] == i)
        density = float(comp.mean())
        if not 0.03 <= density <= 0.7:
            continue
        # a hollow rectangle (a red box) has its ink on its border only, in straight runs
        border = np.concatenate([comp[0], comp[-1], comp[:, 0], comp[:, -1]]).mean()
        if border > 0.6:
            continue
        ring = judge(small.astype(bool), x + bw / 2, y + bh / 2, bw / 2, bh / 2)
        if ring is None or ring.ring < min_ring:
            continue
        out.append((x / f, y / f, (x + bw) / f, (y + bh) / f))
    return out
