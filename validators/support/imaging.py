"""Pure image measures on an RGB uint8 page and its upright OCR lines.

Every function here takes pixels (H x W x 3, RGB, uint8) already turned upright the way the OCR
read them (see :func:`upright`) and, where it helps, the page's OCR lines in those pixels'
coordinates. Nothing here knows about cases, flags or thresholds of the product: the validators
decide, these functions measure.

Measures:

* :func:`sharpness` — edge width of the text (pixels of Gaussian-equivalent blur, taken on the text
  boxes the detector found), normalised by the text height; and the text height itself.
* :func:`glare` — share of the document area washed out by a specular spot or over-exposure.
* :func:`find_document` / :func:`completeness` — where the document lies in the frame, and which
  edges of it the frame cuts off.
* :func:`find_seals` — red official seals (round or oval rings with content inside), located.
* :func:`seal_strip` — the ring text of a seal unwarped into a straight strip, for OCR.
* :func:`colour_stats` — how colourful the document is (a grayscale photocopy is not).
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import cv2
import numpy as np

from pipeline.models import Box, OcrLine
from pipeline.ocr.base import upright as upright  # the page as OCR read it (one definition, re-exported)
from pipeline.order_stats import binned_percentile, channel_medians, hist_percentile, hist_u8

SQRT_2PI = math.sqrt(2 * math.pi)
#: Edge width (px) a perfectly sharp, pixel-sampled edge measures with our estimator.
PIXEL_EDGE_WIDTH = 0.95


def to_gray(image: np.ndarray) -> np.ndarray:
    if image.ndim == 2:
        return image
    return cv2.cvtColor(image, cv2.COLOR_RGB2GRAY)


def _clip_box(box: Box, shape: tuple[int, ...]) -> tuple[int, int, int, int] | None:
    h, w = shape[:2]
    x0, y0, x1, y1 = (round(v) for v in box)
    x0, y0, x1, y1 = max(0, x0), max(0, y0), min(w, x1), min(h, y1)
    if x1 - x0 < 4 or y1 - y0 < 4:
        return None
    return x0, y0, x1, y1


def horizontal_lines(lines: Sequence[OcrLine], min_height: float = 5.0) -> list[OcrLine]:
    """Lines that read left to right (wider than tall), high enough to measure."""
    out = []
    for ln in lines:
        x0, y0, x1, y1 = ln.box
        if (x1 - x0) >= 1.5 * (y1 - y0) and (y1 - y0) >= min_height:
            out.append(ln)
    return out


def text_height(lines: Sequence[OcrLine]) -> float:
    """Median height (px) of the horizontal text lines; 0 when there are none."""
    hs = [ln.height for ln in horizontal_lines(lines, 1.0)]
    return float(np.median(hs)) if hs else 0.0


# --------------------------------------------------------------------------- clarity


def edge_width(gray: np.ndarray) -> tuple[float, float] | None:
    """Blur of the edges in a patch, as the sigma (px) of the Gaussian that would explain it.

    A step of contrast ``c`` blurred by a Gaussian of sigma ``s`` has a steepest slope of
    ``c / (s * sqrt(2 pi))``; we read ``c`` from the patch's 2nd..98th percentiles and the slope
    from the 99.5th percentile of the gradient, separately along x and y (motion blur smears one
    direction only), and keep the worse. Returns (width, contrast), or None for a flat patch.
    """
    p = gray.astype(np.float32)
    if gray.dtype == np.uint8:  # from the histogram: the same figures without sorting the patch
        lo, hi = hist_percentile(np.bincount(gray.ravel(), minlength=256), [2, 98], np.float32)
    else:
        lo, hi = np.percentile(p, [2, 98])
    c = float(hi - lo)
    if c < 25:
        return None
    gx = np.abs(cv2.Sobel(p, cv2.CV_32F, 1, 0, ksize=3)[1:-1, 1:-1]) / 8.0
    gy = np.abs(cv2.Sobel(p, cv2.CV_32F, 0, 1, ksize=3)[1:-1, 1:-1]) / 8.0
    sx = float(np.percentile(gx, 99.5))
    sy = float(np.percentile(gy, 99.5))
    if sx <= 0 or sy <= 0:
        return None
    w = max(c / (SQRT_2PI * sx), c / (SQRT_2PI * sy))
    return w, c


@dataclass(frozen=True)
class Sharpness:
    edge_px: float  # median edge width (Gaussian sigma, px) over the text lines
    excess_px: float  # edge width beyond what pixel sampling alone gives
    text_px: float  # median text line height (px)
    relative: float  # excess_px / text_px: blur relative to the size of the text
    lines: int  # text lines measured
    worst_box: Box | None = None  # the blurriest line (for evidence)


def sharpness(image: np.ndarray, lines: Sequence[OcrLine]) -> Sharpness:
    """Blur of the text, normalised by the text's height (so it does not depend on resolution).

    Measured on the boxes of horizontal OCR lines. Without any line, the most contrasted tiles of
    the page are used and the text height is guessed from the page size.
    """
    gray = to_gray(image)
    widths: list[tuple[float, float, Box]] = []
    for ln in horizontal_lines(lines):
        cb = _clip_box(ln.box, gray.shape)
        if cb is None:
            continue
        x0, y0, x1, y1 = cb
        r = edge_width(gray[y0:y1, x0:x1])
        if r is not None:
            widths.append((r[0], ln.height, ln.box))
    if widths:
        ws = np.array([w for w, _, _ in widths])
        hs = np.array([h for _, h, _ in widths])
        rel = np.sqrt(np.maximum(ws**2 - PIXEL_EDGE_WIDTH**2, 0.0)) / np.maximum(hs, 1.0)
        worst = widths[int(np.argmax(rel))][2]
        edge = float(np.median(ws))
        th = float(np.median(hs))
        return Sharpness(
            edge_px=edge,
            excess_px=math.sqrt(max(edge**2 - PIXEL_EDGE_WIDTH**2, 0.0)),
            text_px=th,
            relative=float(np.median(rel)),
            lines=len(widths),
            worst_box=worst,
        )
    # no text found: the sharpest-looking tiles of the page
    h, w = gray.shape
    t = max(32, min(h, w) // 12)
    tiles = []
    for y in range(0, h - t + 1, t):
        for x in range(0, w - t + 1, t):
            r = edge_width(gray[y : y + t, x : x + t])
            if r is not None:
                tiles.append((r[1], r[0]))
    guess_h = max(8.0, min(h, w) / 40.0)
    if not tiles:
        return Sharpness(0.0, 0.0, 0.0, 0.0, 0)
    tiles.sort(reverse=True)
    best = [wd for _, wd in tiles[: max(3, len(tiles) // 5)]]
    edge = float(np.median(best))
    excess = math.sqrt(max(edge**2 - PIXEL_EDGE_WIDTH**2, 0.0))
    return Sharpness(edge, excess, 0.0, excess / guess_h, 0)


# --------------------------------------------------------------------------- document boundary


SIDES = ("left", "top", "right", "bottom")


@dataclass
class DocumentRegion:
    mask: np.ndarray  # bool, full resolution: the document's pixels
    quad: np.ndarray | None  # 4 x 2 corners (float, full resolution) when the outline is a quadrilateral
    touches: dict[str, float]  # per side: share of that image edge the document runs into
    area_share: float  # document area / image area
    fills_frame: bool  # no background visible: a scan or a tight crop

    @property
    def box(self) -> Box:
        rows, cols = np.asarray(self.mask.any(axis=1)), np.asarray(self.mask.any(axis=0))  # not every pixel
        if not cols.any():
            return (0.0, 0.0, float(self.mask.shape[1]), float(self.mask.shape[0]))
        x0, y0 = int(np.argmax(cols)), int(np.argmax(rows))
        x1, y1 = len(cols) - int(np.argmax(cols[::-1])), len(rows) - int(np.argmax(rows[::-1]))
        return (float(x0), float(y0), float(x1), float(y1))


def find_document(image: np.ndarray, max_side: int = 800) -> DocumentRegion:
    """The document (bright, unsaturated paper or card) against the background it was photographed on."""
    h, w = image.shape[:2]
    scale = min(1.0, max_side / max(h, w))
    small = cv2.resize(
        image, (max(1, round(w * scale)), max(1, round(h * scale))), interpolation=cv2.INTER_AREA
    )
    hsv = cv2.cvtColor(small, cv2.COLOR_RGB2HSV)
    score = hsv[:, :, 2].astype(np.float32) - 0.6 * hsv[:, :, 1].astype(np.float32)
    score = cv2.GaussianBlur(score, (0, 0), 2.0)
    s8 = np.clip(score, 0, 255).astype(np.uint8)
    sh, sw = s8.shape
    full = np.ones((sh, sw), bool)
    hist = hist_u8(s8)
    spread = float(hist_percentile(hist, 95, np.uint8) - hist_percentile(hist, 5, np.uint8))
    region = full
    if spread >= 40:
        thr, _ = cv2.threshold(s8, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
        bright: np.ndarray = (s8 > thr).astype(np.uint8)
        k = max(3, round(min(sh, sw) * 0.02)) | 1
        bright = cv2.morphologyEx(bright, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (k, k)))
        bright = cv2.morphologyEx(bright, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (k, k)))
        n, labels, stats, _ = cv2.connectedComponentsWithStats(bright, connectivity=8)
        if n > 1:
            i = 1 + int(np.argmax(stats[1:, cv2.CC_STAT_AREA]))
            if stats[i, cv2.CC_STAT_AREA] >= 0.08 * sh * sw:
                comp = (labels == i).astype(np.uint8)
                contours, _ = cv2.findContours(comp, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
                filled = np.zeros_like(comp)
                cv2.drawContours(filled, contours, -1, 1, thickness=-1)
                region = filled.astype(bool)
    area_share = float(region.mean())
    touches = {
        "left": float(region[:, 0].mean()),
        "right": float(region[:, -1].mean()),
        "top": float(region[0, :].mean()),
        "bottom": float(region[-1, :].mean()),
    }
    fills = area_share >= 0.96 or sum(v >= 0.5 for v in touches.values()) >= 3
    quad = None
    if not fills:
        contours, _ = cv2.findContours(region.astype(np.uint8), cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
        if contours:
            hull = cv2.convexHull(max(contours, key=cv2.contourArea))
            approx = cv2.approxPolyDP(hull, 0.02 * cv2.arcLength(hull, True), True)
            if len(approx) == 4:
                quad = approx.reshape(4, 2).astype(np.float32) / scale
    mask = cv2.resize(region.astype(np.uint8), (w, h), interpolation=cv2.INTER_NEAREST).astype(bool)
    return DocumentRegion(mask, quad, touches, area_share, fills)


@dataclass
class Completeness:
    cut_sides: list[str]  # image edges that cut the document off
    reason: str  # "boundary" (paper edge runs out of frame), "text" (text cut by frame), "aspect"
    boxes: list[Box] = field(default_factory=list)  # where (strips along the cut edges)

    @property
    def incomplete(self) -> bool:
        return bool(self.cut_sides)


def _edge_strip(side: str, w: int, h: int, depth: float) -> Box:
    d = max(4.0, depth)
    return {
        "left": (0.0, 0.0, d, float(h)),
        "right": (w - d, 0.0, float(w), float(h)),
        "top": (0.0, 0.0, float(w), d),
        "bottom": (0.0, h - d, float(w), float(h)),
    }[side]


def completeness(
    image: np.ndarray,
    lines: Sequence[OcrLine],
    *,
    region: DocumentRegion | None = None,
    card_ratio: float | None = None,
    touch_min: float = 0.06,
    text_margin: float = 0.004,
) -> Completeness:
    """Which frame edges cut the document off.

    * Background visible around the document: the paper running into an image edge over more than
      ``touch_min`` of that edge is cut there (a corner or an edge outside the frame).
    * The document fills the frame (scan or tight crop): text touching an image edge (within
      ``text_margin`` of the size) is cut there; a card (``card_ratio`` given, e.g. 1.586 for ID
      cards) whose frame ratio is off by more than 6 % is cut on its short side.
    """
    h, w = image.shape[:2]
    region = region or find_document(image)
    th = text_height(lines) or 0.02 * min(h, w)
    if not region.fills_frame:
        cut = [s for s in SIDES if region.touches[s] >= touch_min]
        return Completeness(cut, "boundary", [_edge_strip(s, w, h, th) for s in cut])
    cut_set: set[str] = set()
    mx, my = max(2.0, text_margin * w), max(2.0, text_margin * h)
    for ln in lines:
        x0, y0, x1, y1 = ln.box
        if x0 <= mx:
            cut_set.add("left")
        if x1 >= w - mx:
            cut_set.add("right")
        if y0 <= my:
            cut_set.add("top")
        if y1 >= h - my:
            cut_set.add("bottom")
    if cut_set:
        cut = [s for s in SIDES if s in cut_set]
        return Completeness(cut, "text", [_edge_strip(s, w, h, th) for s in cut])
    if card_ratio:
        ratio = max(w, h) / max(1, min(w, h))
        if abs(ratio / card_ratio - 1) > 0.06:
            side = "right" if (w >= h) == (ratio < card_ratio) else "bottom"
            return Completeness([side], "aspect", [_edge_strip(side, w, h, th)])
    return Completeness([], "")


def _ellipse_rows(k: int) -> list[tuple[int, int]] | None:
    """(row offset, half width) of each row of OpenCV's k x k elliptic structuring element, or None
    when a row is not one centred run."""
    se = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (k, k))
    a = k // 2
    rows = []
    for i in range(k):
        cols = np.nonzero(se[i])[0]
        if not len(cols):
            continue
        lo, hi = int(cols[0]) - a, int(cols[-1]) - a
        if lo != -hi or len(cols) != hi - lo + 1:
            return None
        rows.append((i - a, hi))
    return rows


def _morph_rows(img: np.ndarray, rows: list[tuple[int, int]], dilate: bool) -> np.ndarray:
    """Dilation (max) or erosion (min) by a structuring element given as centred row runs, pixels
    outside the image ignored (OpenCV's default border). The image widened by w along x is two
    shifted extremes of the image widened by w - 1, so the work grows with k, not k²."""
    ext = np.maximum if dilate else np.minimum
    h = img.shape[0]
    widths = {hw for _, hw in rows}
    widened: dict[int, np.ndarray] = {}
    cur = img
    for width in range(max(widths) + 1):
        if width > 0:
            nxt = cur.copy()
            ext(nxt[:, 1:], cur[:, :-1], out=nxt[:, 1:])
            ext(nxt[:, :-1], cur[:, 1:], out=nxt[:, :-1])
            cur = nxt
        if width in widths:
            widened[width] = cur
    out = np.full_like(img, 0 if dilate else np.iinfo(img.dtype).max)
    for dy, hw in rows:
        r = widened[hw]
        if abs(dy) >= h:
            continue
        if dy >= 0:
            ext(out[: h - dy], r[dy:], out=out[: h - dy])
        else:
            ext(out[-dy:], r[: h + dy], out=out[-dy:])
    return out


#: from this kernel size on, the row decomposition beats OpenCV's filter (measured on 1000 x 750)
_ROWS_FROM = 45


def close_ellipse(img: np.ndarray, k: int) -> np.ndarray:
    """Exactly ``cv2.morphologyEx(img, MORPH_CLOSE, ellipse(k, k))`` for an 8-bit image; large
    kernels by row decomposition (O(k) per pixel instead of O(k²))."""
    rows = _ellipse_rows(k) if img.dtype == np.uint8 and img.ndim == 2 and k >= _ROWS_FROM else None
    if rows is None:
        return cv2.morphologyEx(  # type: ignore[no-any-return]
            img, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (k, k))
        )
    return _morph_rows(_morph_rows(img, rows, dilate=True), rows, dilate=False)


def _channel_spread(px: np.ndarray) -> np.ndarray:
    """Per pixel max - min over the 3 channels of an (N, 3) array: the same values as
    ``px.max(axis=1) - px.min(axis=1)``, several times faster (numpy reduces a 3-wide axis slowly)."""
    a, b, c = px[:, 0], px[:, 1], px[:, 2]
    return np.maximum(np.maximum(a, b), c) - np.minimum(np.minimum(a, b), c)  # type: ignore[no-any-return]


def _channel_sum(px: np.ndarray) -> np.ndarray:
    """``px.sum(axis=1)`` of an (N, 3) float array, added in the same order."""
    return px[:, 0] + px[:, 1] + px[:, 2]  # type: ignore[no-any-return]


# --------------------------------------------------------------------------- glare


@dataclass(frozen=True)
class Glare:
    share: float  # share of the document area washed out (0..1)
    boxes: list[Box]  # washed-out spots
    paper: float  # paper brightness (median background level)
    #: printed text washed out, in characters (line heights along the OCR lines), of the biggest spot
    washed: float = 0.0


#: a faded stroke counts as black ink when its ink colour's spread is under this share of its strength
INK_TINT_MAX = 0.35

#: a stretch of a text line is washed out where its contrast (ink over its own paper) stays under this
#: share of the page's typical line contrast
WASH_CONTRAST = 0.45
#: ... over at least this many line heights (shorter: the gap between two words)
WASH_MIN_RUN = 0.9
#: the contrast profile's max filter (bridging the blank columns inside a character), in line
#: heights. It also shortens a washed-out stretch by as much: 0.4 finds family 2's narrow streaks
#: (calibration 60/65 -> 62/65 from 0.6). Before the punctuation cells were left out
#: (:func:`_blank_cells`) it read blurred pages without glare as glared (the blank around a blurred
#: `）：`: 5/48 test renders at 0.4, 1/48 at 0.6); with them left out, 0/48 at both
WASH_BRIDGE = 0.4
#: lines taller than this many text heights (titles, the box of a tilted overlay) are left out
WASH_MAX_LINE = 2.5


#: a washed stretch whose remaining ink is coloured (the spread of its mean colour over its strength,
#: as :data:`INK_TINT_MAX`) is coloured print -- an invoice's red number, a form's pale brown labels --
#: not black text faded by a light
WASH_TINT_MAX = 0.25
#: a stretch with no ink left at all (its strongest pixel under this, grey levels below the paper) is
#: washed out only where the light brightened the paper, by at least WASH_BLANK_BRIGHTER grey levels
#: over the page's paper: else it is the blank between two words of one OCR box (合    计)
WASH_MIN_INK = 10.0
WASH_BLANK_BRIGHTER = 6.0
#: a low-contrast stretch is washed out only where the light shows on its paper: lighter than the rest
#: of its line by WASH_LIGHTER grey levels, or within WASH_TOP_MARGIN of the page's lightest paper
#: (its 99th percentile: paper the light can brighten no further), or where it is most of its line
#: (WASH_WHOLE_LINE: no rest to compare with). Pale print -- a form's brown-grey labels on a
#: photographed invoice, real set r25 -- sits on the same paper as its line.
WASH_LIGHTER = 4.0
WASH_TOP_MARGIN = 8.0
WASH_WHOLE_LINE = 0.8
#: a spot of pale strokes counts only where the OCR lines through it lose contrast: their median
#: contrast over the spot under this share of the page's typical line contrast (None: not checked),
#: judged over SPOT_TEXT_MIN_LINES line heights of text at least (fewer: no evidence either way)
SPOT_TEXT_KEPT: float | None = 0.8
SPOT_TEXT_MIN_LINES = 3.0


def _spread_over_strength(sums: np.ndarray) -> np.ndarray:
    """Ink colour sums (last axis: the 3 channels) as a tint: the spread of the channels over their
    mean strength. 0 = grey ink."""
    return (sums.max(axis=-1) - sums.min(axis=-1)) / np.maximum(sums.mean(axis=-1), 1e-3)  # type: ignore[no-any-return]


def _stretch_tint(small: np.ndarray, ink: np.ndarray, x0: int, y0: int, x1: int, y1: int, k: int) -> float:
    """The colour of the ink left in a stretch of a line, as :func:`_ink_tint` (local background, a
    max filter of ``k`` per channel, minus the pixel), over its stronger half; 0 where no ink is left."""
    g = ink[y0:y1, x0:x1]
    top = float(g.max()) if g.size else 0.0
    if top < 6:
        return 0.0
    h, w = ink.shape
    ys, ye, xs, xe = max(0, y0 - k), min(h, y1 + k), max(0, x0 - k), min(w, x1 + k)
    patch = small[ys:ye, xs:xe]
    bgc = cv2.dilate(patch, np.ones((k, k), np.uint8))[y0 - ys : y1 - ys, x0 - xs : x1 - xs]
    sel = g >= 0.5 * top
    d = bgc[sel].astype(np.float32) - small[y0:y1, x0:x1][sel].astype(np.float32)
    return float(_spread_over_strength(d.sum(axis=0)))


def _pale_print(line_bg: np.ndarray, start: int, end: int, top: float) -> bool:
    """A low-contrast stretch ``start:end`` of a line (``line_bg``: the paper under the line) whose
    paper shows no light (see :data:`WASH_LIGHTER`): pale print, not text washed out."""
    s_bg = float(line_bg[:, start:end].mean())
    if end - start >= WASH_WHOLE_LINE * line_bg.shape[1] or s_bg >= top - WASH_TOP_MARGIN:
        return False
    rest = np.concatenate([line_bg[:, :start].ravel(), line_bg[:, end:].ravel()])
    return s_bg < float(np.median(rest)) + WASH_LIGHTER


def _blank_cells(text: str, x0: float, x1: float, a: float, b: float) -> float:
    """How much of ``a:b`` lies on the cells of punctuation and blanks, the line's text laid over its
    box ``x0:x1`` in proportion to the characters' widths (full-width 1, others 0.5). Such cells print
    little or no ink: blurred, they look faded, but there is no text there to wash out."""
    widths = [1.0 if unicodedata.east_asian_width(c) in "WF" else 0.5 for c in text]
    total = sum(widths)
    if not total or x1 <= x0:
        return 0.0
    em = (x1 - x0) / total
    pos, out = x0, 0.0
    for c, wd in zip(text, widths, strict=True):
        end = pos + wd * em
        if unicodedata.category(c)[0] in "PZ" and end > a and pos < b:
            out += min(b, end) - max(a, pos)
        pos = end
    return out


_Profile = tuple[int, int, int, np.ndarray, np.ndarray, str, float, float]


def _line_profiles(
    ink: np.ndarray, bg: np.ndarray, doc: np.ndarray, lines: Sequence[OcrLine], scale: float, th: float
) -> tuple[list[_Profile], float]:
    """Per horizontal OCR line (not taller than :data:`WASH_MAX_LINE` text heights) its contrast
    profile: per column the highest ink over the local paper in the line's inner rows, a max filter
    of :data:`WASH_BRIDGE` line height bridging the gaps inside characters; and the page's typical
    line contrast, the median over the lines of their 90th percentile (0 without lines). Each
    profile: (x0, y0, y1 of its inner rows, the profile, on the document per column, the line's
    text, the line box's x0 and x1), in the given pixels."""
    sh, sw = ink.shape
    profiles: list[_Profile] = []
    for ln in horizontal_lines(lines):
        x0, y0, x1, y1 = (v * scale for v in ln.box)
        lh = y1 - y0
        if lh > WASH_MAX_LINE * th:
            continue
        pad = 0.1 * lh  # a detector's box is a little taller than the glyphs
        cx0, cx1 = int(max(0.0, x0 + pad)), int(min(float(sw), x1 - pad))
        cy0, cy1 = int(max(0.0, y0 + pad)), int(min(float(sh), y1 - pad + 1))
        if cx1 - cx0 < 3 or cy1 - cy0 < 2:
            continue
        rel = ink[cy0:cy1, cx0:cx1] / np.maximum(bg[cy0:cy1, cx0:cx1], 1.0)
        col = rel.max(axis=0).astype(np.float32)
        k = max(3, int(WASH_BRIDGE * (cy1 - cy0))) | 1
        prof = cv2.dilate(col[None, :], np.ones((1, k), np.uint8))[0]
        on_doc = np.asarray(doc[cy0:cy1, cx0:cx1].all(axis=0))
        profiles.append((cx0, cy0, cy1, prof, on_doc, ln.text, x0, x1))
    if not profiles:
        return [], 0.0
    return profiles, float(np.median([np.percentile(p[3], 90) for p in profiles]))


def _lines_keep_contrast(
    profiles: Sequence[_Profile], typical: float, spot: np.ndarray, x: int, y: int, bw: int, bh: int
) -> bool:
    """Whether the OCR lines running through a spot keep their contrast there: the median of their
    profiles over the columns the spot covers (``spot``: its mask, bounding box (x, y, bw, bh)) at
    :data:`SPOT_TEXT_KEPT` of the page's typical line contrast or more, over
    :data:`SPOT_TEXT_MIN_LINES` line heights of columns at least. A light that fades strokes fades
    the text under them; pale texture beside dark text (a card's guilloche, real set r37) leaves the
    text as dark as elsewhere."""
    if SPOT_TEXT_KEPT is None or typical <= 0:
        return False
    vals: list[np.ndarray] = []
    heights = 0.0
    for cx0, cy0, cy1, prof, on_doc, _t, _x0, _x1 in profiles:
        if not (y <= (cy0 + cy1) / 2 <= y + bh):
            continue
        a, b = max(0, x - cx0), min(len(prof), x + bw - cx0)
        if b - a <= 0:
            continue
        # the columns of the line the spot covers (at its middle row), not the whole bounding box
        covered = spot[(cy0 + cy1) // 2, cx0 + a : cx0 + b].astype(bool) & on_doc[a:b]
        if not covered.any():
            continue
        vals.append(prof[a:b][covered])
        heights += float(covered.sum()) / max(1, cy1 - cy0)
    if heights < SPOT_TEXT_MIN_LINES or not vals:
        return False
    pooled = np.concatenate(vals)
    return bool(pooled.size) and float(np.median(pooled)) >= SPOT_TEXT_KEPT * typical


def _washed_text(
    ink: np.ndarray,
    bg: np.ndarray,
    doc: np.ndarray,
    lines: Sequence[OcrLine],
    scale: float,
    th: float,
    small: np.ndarray | None = None,
    paper: float = 255.0,
    measured: tuple[list[_Profile], float] | None = None,
) -> tuple[float, list[tuple[int, int, int, int, float]]]:
    """Printed text washed out along the OCR lines: per line, the contrast profile (per column the
    highest ink over the local paper in the line's inner rows, a max filter of :data:`WASH_BRIDGE` line height
    bridging the gaps inside characters); the page's typical line contrast is the median over the
    lines of their 90th percentile. A stretch under :data:`WASH_CONTRAST` of it, on the document,
    of at least :data:`WASH_MIN_RUN` line heights, is washed-out text. Stretches of neighbouring
    lines (within a line height) make one spot. Returns the biggest spot's length in line heights
    (characters) and every spot as (x0, y0, x1, y1, characters) in the given pixels."""
    profiles, typical = measured if measured is not None else _line_profiles(ink, bg, doc, lines, scale, th)
    if not profiles or typical < 40 / 255:  # no printed text to speak of
        return 0.0, []
    top = float(np.percentile(bg[doc], 99)) if doc.any() else 255.0
    rects: list[tuple[int, int, int, int, float, int]] = []  # box, characters, line height
    for cx0, cy0, cy1, prof, on_doc, text, x0, x1 in profiles:
        lh = cy1 - cy0
        low = np.concatenate([[0], ((prof < WASH_CONTRAST * typical) & on_doc).astype(np.int8), [0]])
        d = np.diff(low)
        for start, end in zip(np.nonzero(d == 1)[0].tolist(), np.nonzero(d == -1)[0].tolist(), strict=True):
            if end - start < WASH_MIN_RUN * lh:
                continue
            printed = end - start - _blank_cells(text, x0, x1, cx0 + start, cx0 + end)
            if printed < WASH_MIN_RUN * lh:
                continue  # mostly punctuation and blanks (the blank around a blurred `）：`)
            if float(ink[cy0:cy1, cx0 + start : cx0 + end].max()) < WASH_MIN_INK and (
                float(bg[cy0:cy1, cx0 + start : cx0 + end].mean()) < paper + WASH_BLANK_BRIGHTER
            ):
                continue  # a blank between words: no ink, and the line's own paper
            if _pale_print(bg[cy0:cy1, cx0 : cx0 + len(prof)], start, end, top):
                continue  # its paper no lighter than the rest of its line: pale print, not light
            if small is not None and (
                _stretch_tint(small, ink, cx0 + start, cy0, cx0 + end, cy1, max(3, int(th)) | 1)
                >= WASH_TINT_MAX
            ):
                continue  # coloured print, not faded black text
            rects.append((cx0 + start, cy0, cx0 + end, cy1, (end - start) / lh, lh))
    if not rects:
        return 0.0, []
    # stretches within a line height of each other (neighbouring lines, the same line) make one spot
    parent = list(range(len(rects)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i, a in enumerate(rects):
        for j in range(i + 1, len(rects)):
            b = rects[j]
            g = max(a[5], b[5])
            if a[0] - g <= b[2] and b[0] - g <= a[2] and a[1] - g <= b[3] and b[1] - g <= a[3]:
                parent[root(i)] = root(j)
    spots: dict[int, list[float]] = {}
    for i, r in enumerate(rects):
        j = root(i)
        if j not in spots:
            spots[j] = [r[0], r[1], r[2], r[3], 0.0]
        s = spots[j]
        s[0], s[1], s[2], s[3] = min(s[0], r[0]), min(s[1], r[1]), max(s[2], r[2]), max(s[3], r[3])
        s[4] += r[4]
    out = [(int(s[0]), int(s[1]), int(s[2]), int(s[3]), float(s[4])) for s in spots.values()]
    return max(s[4] for s in out), out


def _ink_tint(small: np.ndarray, sel: np.ndarray, lab: np.ndarray, n: int, k: int) -> np.ndarray:
    """Per stroke (label), the spread of its ink's mean colour over the ink's mean strength: the ink
    is the local background (max over ``k`` x ``k``, per channel) minus the pixel. 0 = grey ink."""
    bgc = cv2.dilate(small, np.ones((k, k), np.uint8))
    inkc = bgc[sel].astype(np.float32) - small[sel].astype(np.float32)
    sums = np.zeros((n, 3), np.float32)
    for c in range(3):
        np.add.at(sums[:, c], lab, inkc[:, c])
    return _spread_over_strength(sums)


def glare(
    image: np.ndarray,
    lines: Sequence[OcrLine],
    region: DocumentRegion | None = None,
    *,
    min_spot: float = 0.004,
    min_faded_strokes: int = 6,
    min_washed: float = 2.0,
    text_layer: bool = False,
) -> Glare:
    """Share of the document washed out by a specular spot or over-exposure, and the printed text
    washed out (``washed``, in characters).

    A glare spot fades the text under it towards white: around the spot, strokes are still there
    but much paler than the page's typical text; in its core they are gone and the paper is
    near white. So: find pale, unsaturated strokes (peak darkness under 45 % of the typical text
    darkness, not specks), group them, fill the washed-out core they surround (with the near-white
    paper next to them), and keep groups of at least ``min_faded_strokes`` strokes covering at least
    ``min_spot`` of the document. A bright lamp corner (text still dark), pale printing on cards
    (guilloche, too faint to be text) and coloured watermarks (saturated) do not count.

    The OCR lines tell where text is printed: a stretch of a line whose contrast against its own
    paper is nearly gone is washed-out text, even where too few pale strokes are left around it (a
    blown-out core over a few characters, a streak, a photocopy): ``washed`` is the biggest such
    spot in characters (:func:`_washed_text`), its spots of at least ``min_washed`` characters are
    added to ``boxes``; ``share`` stays the stroke spots' alone. It trusts the lines to sit on their
    text (OCR's own boxes in the page's frame): lines of a PDF's text layer (``text_layer``) were
    not read from the pixels (one line spans blank table cells) and are no evidence.
    """
    h, w = image.shape[:2]
    scale = min(1.0, 1000 / max(h, w))
    small = cv2.resize(
        image, (max(1, round(w * scale)), max(1, round(h * scale))), interpolation=cv2.INTER_AREA
    )
    sh, sw = small.shape[:2]
    gray8 = to_gray(small)
    gray = gray8.astype(np.float32)
    reg = region or find_document(image)
    doc = cv2.resize(reg.mask.astype(np.uint8), (sw, sh), interpolation=cv2.INTER_NEAREST).astype(bool)
    doc = cv2.erode(doc.astype(np.uint8), np.ones((5, 5), np.uint8)).astype(bool)  # not the paper's edge
    if doc.sum() < 100:
        return Glare(0.0, [], 0.0)
    th = max(4.0, (text_height(lines) or 0.02 * min(h, w)) * scale)
    k = max(5, int(th * 1.5)) | 1
    # closing only takes maxima and minima: on the 8-bit grey it gives the same values, 3-4x faster
    src = gray8 if gray8.dtype == np.uint8 else gray
    bg = close_ellipse(src, k)
    bg = bg.astype(np.float32)
    bg = cv2.GaussianBlur(bg, (0, 0), k / 4)
    paper = float(np.median(bg[doc]))
    ink = np.clip(bg - gray, 0, 255)
    text = [tuple(v * scale for v in ln.box) for ln in lines]
    measured = ([], 0.0) if text_layer else _line_profiles(ink, bg, doc, lines, scale, th)
    keep, boxes = _stroke_spots(
        small,
        gray8,
        gray,
        bg,
        ink,
        doc,
        th,
        scale,
        paper,
        min_spot,
        min_faded_strokes,
        text,
        lambda spot, x, y, bw, bh: _lines_keep_contrast(measured[0], measured[1], spot, x, y, bw, bh),
    )
    washed, spots = (
        (0.0, []) if text_layer else _washed_text(ink, bg, doc, lines, scale, th, small, paper, measured)
    )
    # the share stays the stroke spots' (it needs no line positions); the washed-out text is told
    # apart, with its spots among the boxes
    boxes += [
        (x0 / scale, y0 / scale, x1 / scale, y1 / scale) for x0, y0, x1, y1, c in spots if c >= min_washed
    ]
    share = 0.0 if keep is None else float(keep.sum() / float(doc.sum()))
    return Glare(min(1.0, share), boxes, paper, washed)


def _stroke_spots(
    small: np.ndarray,
    gray8: np.ndarray,
    gray: np.ndarray,
    bg: np.ndarray,
    ink: np.ndarray,
    doc: np.ndarray,
    th: float,
    scale: float,
    paper: float,
    min_spot: float,
    min_faded_strokes: int,
    text: Sequence[tuple[float, ...]] = (),
    text_kept: Callable[[np.ndarray, int, int, int, int], bool] | None = None,
) -> tuple[np.ndarray | None, list[Box]]:
    """The spots of pale strokes of :func:`glare`: their mask on the working pixels (None: no spot
    possible) and their boxes in the page's pixels."""
    sh, sw = small.shape[:2]
    inked = ((ink >= 28) & doc).astype(np.uint8)
    n, labels, stats, _ = cv2.connectedComponentsWithStats(inked, connectivity=8)
    if n <= 1:
        return None, []
    # per-stroke figures over the inked pixels only (label 0, the paper, is never used): the same
    # values as over the whole page, without touching every pixel
    sel = inked.astype(bool)
    lab = labels[sel]
    peak = np.zeros(n, np.float32)
    np.maximum.at(peak, lab, ink[sel])
    # colour of each stroke against the paper's own colour (the light's tint removed): faded black
    # text stays neutral, a pale blue watermark or a coloured label does not
    px = small[sel].astype(np.float32)
    p80 = hist_percentile(hist_u8(gray8, doc), 80, np.float32)
    white = channel_medians(small, doc & (gray >= p80))
    bal = px * (float(white.mean()) / np.maximum(white, 1.0))
    chroma = _channel_spread(bal)
    areas = stats[:, cv2.CC_STAT_AREA]
    satmax = np.zeros(n, np.float32)  # mean balanced chroma per stroke
    np.add.at(satmax, lab, chroma)
    satmax /= np.maximum(areas, 1)
    min_area = max(3.0, (th / 8) ** 2)
    strokes = (areas >= min_area) & (np.arange(n) > 0)
    if not strokes.any():
        return None, []
    typical = float(np.percentile(peak[strokes], 75))
    if typical < 80:
        return None, []
    faint = strokes & (peak <= 0.45 * typical)
    if int(faint.sum()) < min_faded_strokes:  # no spot can gather enough faded strokes
        return None, []
    pale = faint & (satmax < 14)
    if int(pale.sum()) < int(faint.sum()):
        # under a white light on tinted paper a faded black stroke turns bluish against the paper's
        # colour: judge those by their ink's own colour, the local background (a max filter) minus
        # the pixel, which stays grey for faded black ink and is coloured for a watermark or a label
        pale |= faint & (_ink_tint(small, sel, lab, n, max(3, int(th)) | 1) < INK_TINT_MAX)
    if int(pale.sum()) < min_faded_strokes:
        return None, []
    faded = pale[labels]
    ck = max(5, int(th * 2.5)) | 1
    sat = cv2.cvtColor(small, cv2.COLOR_RGB2HSV)[:, :, 1]
    near_white = (bg >= min(paper + 8.0, 248.0)) & (sat < 40) & doc  # brighter than the paper around
    grown = close_ellipse(faded.astype(np.uint8), ck)
    cand = grown | (near_white & (cv2.dilate(grown, np.ones((ck, ck), np.uint8)) > 0)).astype(np.uint8)
    contours, _ = cv2.findContours(cand, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    filled = np.zeros_like(cand)
    cv2.drawContours(filled, contours, -1, 1, thickness=-1)
    filled &= doc.astype(np.uint8)
    m, lab2, st2, _ = cv2.connectedComponentsWithStats(filled, connectivity=8)

    def per_component(ids: np.ndarray) -> np.ndarray:
        counts = np.zeros(m, np.int64)
        if len(ids):
            cy = stats[ids, cv2.CC_STAT_TOP] + stats[ids, cv2.CC_STAT_HEIGHT] // 2
            cx = stats[ids, cv2.CC_STAT_LEFT] + stats[ids, cv2.CC_STAT_WIDTH] // 2
            np.add.at(counts, lab2[cy.clip(0, sh - 1), cx.clip(0, sw - 1)], 1)
        return counts

    pale_at = per_component(np.nonzero(pale)[0])
    all_at = per_component(np.nonzero(strokes & (satmax < 14))[0])  # black text only: not labels in colour
    doc_area = float(doc.sum())
    keep = np.zeros_like(doc)
    boxes: list[Box] = []
    for i in range(1, m):
        x, y, bw, bh, a = (int(v) for v in st2[i])
        if a < min_spot * doc_area:
            continue
        # faded text: many pale strokes there (blurred text has a few pale strokes among dark ones)
        if pale_at[i] < min_faded_strokes or pale_at[i] < 0.3 * all_at[i]:
            continue
        # a light matters where it washes out text: a spot no OCR line reaches is pale texture (a
        # table cloth the document region took in, real set r28), unless the page has no line at all
        if text and not any(t[0] <= x + bw and x <= t[2] and t[1] <= y + bh and y <= t[3] for t in text):
            continue
        # the text under a light fades with its strokes: lines through the spot as dark as elsewhere
        # mean pale texture beside the text (a card's guilloche, real set r37), not a light
        if text_kept is not None and text_kept(lab2 == i, x, y, bw, bh):
            continue
        keep |= lab2 == i
        boxes.append((x / scale, y / scale, (x + bw) / scale, (y + bh) / scale))
    return keep, boxes


# --------------------------------------------------------------------------- seals


@dataclass(frozen=True)
class Seal:
    box: Box
    center: tuple[float, float]
    axes: tuple[float, float]  # full lengths of the fitted ellipse's axes (px)
    angle: float  # ellipse rotation (degrees, OpenCV convention)
    ring: float  # share of directions in which the ring is red (0..1)
    fill: float  # share of red inside the ring (text, star)
    redness: float  # median redness of its pixels (faint seals are low)


def redness(image: np.ndarray) -> np.ndarray:
    """Per pixel: how much red stands above green and blue (0..255, int16)."""
    im = image.astype(np.int16)
    return im[:, :, 0] - np.maximum(im[:, :, 1], im[:, :, 2])


def white_balanced(image: np.ndarray) -> np.ndarray:
    """The image with its paper made neutral: each channel scaled so that the paper's colour (the
    median of the brightest pixels) becomes grey. Yellowed invoice paper and warm lamp light give
    the paper itself a redness of 20 or more; the faint side of a seal is then no redder than the
    paper, and brown-red print looks as red as the seal."""
    step = max(1, int(math.sqrt(image.shape[0] * image.shape[1] / 200_000)))
    sub = np.ascontiguousarray(image[::step, ::step])
    # the channel sum takes 766 values: its percentile and the bright pixels' per-channel medians
    # come from histograms (the same figures as sorting float32 copies)
    lum = sub[:, :, 0].astype(np.uint16) + sub[:, :, 1] + sub[:, :, 2]
    p75 = hist_percentile(np.bincount(lum.ravel(), minlength=766), 75, np.float32)
    bright = lum >= p75
    if int(np.count_nonzero(bright)) < 10:
        return image
    white = np.maximum(channel_medians(sub, bright), 1.0)
    if float(white.min()) < 90:  # a dark image: no paper to balance on
        return image
    gain = float(white.max()) / white
    if float(np.abs(gain - 1).max()) < 0.02:
        return image
    # per channel the scaled value depends on the 8-bit value alone: a lookup table gives exactly
    # ``clip(image * gain)`` without a float copy of the page
    lut = np.clip(np.arange(256, dtype=np.float32)[:, None] * gain, 0, 255).astype(np.uint8)
    return cv2.LUT(np.ascontiguousarray(image), lut.reshape(1, 256, 3))  # type: ignore[no-any-return]


def red_mask(image: np.ndarray, min_red: float | None = None) -> np.ndarray:
    """Red ink (seals, red print): red above green and blue, hue red (not gold, not brown),
    judged against the paper's own colour (see :func:`white_balanced`)."""
    image = np.ascontiguousarray(white_balanced(image))
    r = image[:, :, 0].astype(np.int16) - np.maximum(image[:, :, 1], image[:, :, 2])  # redness()
    if min_red is None:
        level = float(hist_percentile(hist_u8(to_gray(image)), 90, np.uint8))
        min_red = max(22.0, 0.12 * level)
    out = np.ascontiguousarray(r >= min_red)
    # hue and the green-blue balance only where red stands out at all (few pixels of a page):
    # each pixel's HSV is its own, so converting those pixels alone gives the same values
    idx = np.flatnonzero(out)
    if not len(idx):
        return out
    px = image.reshape(-1, 3)[idx]
    rr = r.ravel()[idx]
    hue = cv2.cvtColor(px.reshape(-1, 1, 3), cv2.COLOR_RGB2HSV)[:, 0, 0]
    # gold/brown has green well above blue; seal red keeps green and blue close, and purple-red
    # stamp pads (blue above green) are seal ink too
    gb = px[:, 1].astype(np.int16) - px[:, 2]
    # strongly red ink may lean to orange (uneven stamp pad, scanner): a wider hue band when it is
    # well above the threshold; brown-red print and yellow watermarks stay below it
    hue_ok = (hue <= 8) | (hue >= 160) | ((hue <= 13) & (rr >= 1.5 * min_red))
    out.ravel()[idx] = hue_ok & (gb <= np.maximum(20, rr // 2))
    return out


def _ellipse_residuals(pts: np.ndarray, ell: tuple) -> np.ndarray:
    (cx, cy), (ma, mb), ang = ell
    a, b = max(ma, 1.0) / 2, max(mb, 1.0) / 2
    t = math.radians(ang)
    x = pts[:, 0] - cx
    y = pts[:, 1] - cy
    xr = x * math.cos(t) + y * math.sin(t)
    yr = -x * math.sin(t) + y * math.cos(t)
    return np.abs(np.sqrt((xr / a) ** 2 + (yr / b) ** 2) - 1.0)


def _robust_ellipse(pts: np.ndarray, tol: float) -> tuple[tuple, float] | None:
    """An ellipse fitted to the outline, refitted without the points far from it (spurs of red
    rules or text touching the ring); returns it with the share of outline points within ``tol``."""
    if len(pts) < 20:
        return None
    ell = cv2.fitEllipse(pts)
    for _ in range(3):
        res = _ellipse_residuals(pts, ell)
        keep = res < max(tol, float(np.percentile(res, 70)))
        if keep.sum() < 20:
            return None
        ell = cv2.fitEllipse(pts[keep])
    return ell, float((_ellipse_residuals(pts, ell) < tol).mean())


def _strip_lines(mask: np.ndarray, ink: np.ndarray, length: int) -> np.ndarray:
    """Remove straight rules (table lines, boxes, underlines) longer than ``length`` from the red
    mask. Rules are found on all the ink (``ink``), so a dark rule that turns red where a seal is
    pressed over it is removed too; a seal's ring is curved and has no long straight run."""
    f = 2 if min(ink.shape) > 400 else 1  # half resolution is plenty to find long rules
    small: np.ndarray = ink.astype(np.uint8) * 255
    if f > 1:
        small = cv2.resize(small, (ink.shape[1] // f, ink.shape[0] // f), interpolation=cv2.INTER_AREA)
        small = (small > 60).astype(np.uint8) * 255
    n = max(10, length // f)
    gap = max(2, n // 12)  # rules on photos come out dashed in the masks
    segs = cv2.HoughLinesP(small, 1, np.pi / 360, threshold=int(n * 0.6), minLineLength=n, maxLineGap=gap)
    if segs is None:
        return mask
    lines = np.zeros(mask.shape, np.uint8)
    for x0, y0, x1, y1 in segs.reshape(-1, 4):
        cv2.line(lines, (int(x0) * f, int(y0) * f), (int(x1) * f, int(y1) * f), 1, thickness=2 + f)
    return mask & ~lines.astype(bool)


#: Diagnostics: set to a list to record why seal candidates were turned down (calibration only).
DEBUG: list | None = None


def _reject(where: str, env: dict) -> None:
    if DEBUG is not None:
        DEBUG.append((where, {k: env.get(k) for k in ("x", "y", "bw", "bh", "ring", "fill")}))


def find_seals(
    image: np.ndarray,
    *,
    min_diameter: float | None = None,
    max_diameter: float | None = None,
    min_ring: float = 0.6,
    max_residual: float = 0.05,
    min_inliers: float = 0.8,
) -> list[Seal]:
    """Red round or oval seals: a closed red ring (ellipse) with red content inside (text, star).

    Rejected as not seals: red titles and text (not round), table rules and boxes (straight lines
    are removed first; a rectangle does not fit an ellipse), handwriting (no closed ring), hand
    drawn circles (empty inside), filled red discs and gold emblems (solid inside / gold around).
    """
    h, w = image.shape[:2]
    side = min(h, w)
    scale = min(1.0, 1400 / max(h, w))
    small = (
        cv2.resize(image, (round(w * scale), round(h * scale)), interpolation=cv2.INTER_AREA)
        if scale < 1
        else image
    )
    ss = min(small.shape[:2])
    dmin = (min_diameter if min_diameter is not None else max(20.0, 0.06 * side)) * scale
    dmax = (max_diameter if max_diameter is not None else 0.7 * side) * scale
    mask = red_mask(small)
    if mask.sum() < 50:
        return []
    raw_mask = mask
    # rules are only looked for where red blobs big enough to be seals are (Hough is costly)
    kc = max(3, int(ss * 0.025)) | 1
    rough = cv2.morphologyEx(
        mask.astype(np.uint8), cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (kc, kc))
    )
    n0, _, st0, _ = cv2.connectedComponentsWithStats(rough, connectivity=8)
    big = [b for b in st0[1:] if max(b[2], b[3]) >= dmin and min(b[2], b[3]) >= 0.45 * dmin]
    if not big:
        return []
    pad = int(0.03 * ss)
    gx0 = max(0, min(int(b[0]) for b in big) - pad)
    gy0 = max(0, min(int(b[1]) for b in big) - pad)
    gx1 = min(small.shape[1], max(int(b[0] + b[2]) for b in big) + pad)
    gy1 = min(small.shape[0], max(int(b[1] + b[3]) for b in big) + pad)
    gray = to_gray(small)
    level = float(hist_percentile(hist_u8(gray[::4, ::4]), 90, np.uint8))
    faint_red = redness(small[gy0:gy1, gx0:gx1]) >= 30
    ink = (gray[gy0:gy1, gx0:gx1] < level - 60) | mask[gy0:gy1, gx0:gx1] | faint_red
    mask = mask.copy()
    mask[gy0:gy1, gx0:gx1] = _strip_lines(
        mask[gy0:gy1, gx0:gx1], ink, max(25, int(dmin * 1.1), int(0.16 * ss))
    )
    # group the pieces of one seal (ring arcs cut by removed rules, text, star) into one blob
    closed = cv2.morphologyEx(
        mask.astype(np.uint8), cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (kc, kc))
    )
    n, labels, stats, _ = cv2.connectedComponentsWithStats(closed, connectivity=8)
    # per candidate only (patches): the whole page as int16 is not needed
    seals: list[Seal] = []
    for i in range(1, n):
        x, y, bw, bh, area = (int(v) for v in stats[i])
        if max(bw, bh) < dmin or max(bw, bh) > dmax or min(bw, bh) < 0.45 * dmin:
            _reject("size", locals())
            continue
        if not 0.5 <= bw / bh <= 2.0:
            _reject("aspect", locals())
            continue
        comp = (labels[y : y + bh, x : x + bw] == i).astype(np.uint8)
        # the outline is the convex hull: a ring with a gap (a rule removed where it crossed) is
        # still an ellipse; a box, a rounded stamp or a word is not
        if int(stats[i, cv2.CC_STAT_AREA]) < 20:
            _reject("too few pixels", locals())
            continue
        # the hull of a component is the hull of its outer boundary (far fewer points than pixels)
        rim, _ = cv2.findContours(comp, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
        hull_img = np.zeros_like(comp)
        cv2.fillConvexPoly(hull_img, cv2.convexHull(np.concatenate(rim)), 1)
        contours, _ = cv2.findContours(hull_img, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
        outline = max(contours, key=len).reshape(-1, 2).astype(np.float32)
        if len(outline) < 20:
            _reject("outline", locals())
            continue
        fitted = _robust_ellipse(outline, max_residual)
        if fitted is None:
            _reject("no ellipse", locals())
            continue
        ell, inliers = fitted
        (ecx, ecy), (ea, eb), eang = ell
        if min(ea, eb) < 0.4 * dmin or not 0.45 <= ea / max(eb, 1) <= 2.2:
            _reject("ellipse shape", locals())
            continue
        if inliers < min_inliers:
            _reject("not an ellipse", locals())
            continue
        comp = mask[y : y + bh, x : x + bw].astype(np.uint8) & comp
        # ring coverage and inner content, sampled in the ellipse's own coordinates
        t = math.radians(eang)
        a2, b2 = ea / 2, eb / 2
        angles = np.linspace(0, 2 * math.pi, 90, endpoint=False)
        ring_hits = 0
        sub_mask = mask[y : y + bh, x : x + bw]
        for ang in angles:
            hit = False
            for rr in (0.8, 0.86, 0.92, 0.97, 1.0):
                px = ecx + rr * (a2 * math.cos(ang) * math.cos(t) - b2 * math.sin(ang) * math.sin(t))
                py = ecy + rr * (a2 * math.cos(ang) * math.sin(t) + b2 * math.sin(ang) * math.cos(t))
                ix, iy = round(px), round(py)
                if 0 <= iy < bh and 0 <= ix < bw and comp[iy, ix]:
                    hit = True
                    break
            ring_hits += hit
        ring = ring_hits / len(angles)
        if ring < min_ring:
            _reject("no closed ring", locals())
            continue
        yy, xx = np.mgrid[0:bh, 0:bw].astype(np.float32)
        dx, dy = xx - ecx, yy - ecy
        xr = dx * math.cos(t) + dy * math.sin(t)
        yr = -dx * math.sin(t) + dy * math.cos(t)
        rn = np.sqrt((xr / max(a2, 1)) ** 2 + (yr / max(b2, 1)) ** 2)
        inner = rn < 0.72
        fill = float(sub_mask[inner].mean()) if inner.any() else 0.0
        if fill < 0.015 or fill > 0.6:  # empty circle (hand drawn) or a filled disc
            _reject("empty or solid inside", locals())
            continue
        # gold around or inside: a national emblem, not a seal
        patch = small[y : y + bh, x : x + bw].astype(np.int16)
        gold = (patch[:, :, 0] > 120) & (patch[:, :, 1] > 90) & (patch[:, :, 1] - patch[:, :, 2] > 50)
        if float(gold[rn < 1.05].mean()) > 0.08:
            _reject("gold emblem", locals())
            continue
        sel = sub_mask & (rn < 1.05)
        red_med = float(np.median(redness(small[y : y + bh, x : x + bw])[sel])) if sel.any() else 0.0
        inv = 1.0 / scale
        seals.append(
            Seal(
                box=(x * inv, y * inv, (x + bw) * inv, (y + bh) * inv),
                center=((x + ecx) * inv, (y + ecy) * inv),
                axes=(ea * inv, eb * inv),
                angle=eang,
                ring=ring,
                fill=fill,
                redness=red_med,
            )
        )
    # seals stamped over red print: their blob runs into the form's, no outline is an ellipse;
    # look for the ring itself (see validators.support.seal_rings)
    from validators.support.seal_rings import find_rings

    inv = 1.0 / scale

    def overlap(a: Box, b: Box) -> float:
        iw = min(a[2], b[2]) - max(a[0], b[0])
        ih = min(a[3], b[3]) - max(a[1], b[1])
        if iw <= 0 or ih <= 0:
            return 0.0
        return iw * ih / max(1.0, min((a[2] - a[0]) * (a[3] - a[1]), (b[2] - b[0]) * (b[3] - b[1])))

    for rg in find_rings(raw_mask, 0.5 * dmin, 0.5 * dmax):
        x0, y0 = max(0, int(rg.cx - rg.ax)), max(0, int(rg.cy - rg.ay))
        x1, y1 = min(small.shape[1], int(rg.cx + rg.ax) + 1), min(small.shape[0], int(rg.cy + rg.ay) + 1)
        # a seal whose outline was fitted is better placed than a voted ring over it
        if any(overlap((x0 * inv, y0 * inv, x1 * inv, y1 * inv), s.box) > 0.3 for s in seals):
            continue
        patch = small[y0:y1, x0:x1].astype(np.int16)
        gold = (patch[:, :, 0] > 120) & (patch[:, :, 1] > 90) & (patch[:, :, 1] - patch[:, :, 2] > 50)
        if patch.size == 0 or float(gold.mean()) > 0.08:
            _reject("gold emblem", {"x": x0, "y": y0, "bw": x1 - x0, "bh": y1 - y0})
            continue
        sel = raw_mask[y0:y1, x0:x1]
        red_med = float(np.median(redness(small[y0:y1, x0:x1])[sel])) if sel.any() else 0.0
        seals.append(
            Seal(
                box=(x0 * inv, y0 * inv, x1 * inv, y1 * inv),
                center=(rg.cx * inv, rg.cy * inv),
                axes=(2 * rg.ax * inv, 2 * rg.ay * inv),
                angle=0.0,
                ring=rg.ring,
                fill=rg.fill,
                redness=red_med,
            )
        )
    # a seal's inner text can itself look like a small seal: keep the outer one
    seals.sort(key=lambda s: -(s.box[2] - s.box[0]) * (s.box[3] - s.box[1]))
    kept: list[Seal] = []
    for s in seals:
        cx, cy = s.center
        if not any(k.box[0] <= cx <= k.box[2] and k.box[1] <= cy <= k.box[3] for k in kept):
            kept.append(s)
    return kept


def seal_strip(image: np.ndarray, seal: Seal, height: int = 48) -> np.ndarray:
    """The seal's ring text unwarped (polar) into a straight strip, red ink as dark on white, RGB.

    The strip starts at the bottom of the seal and runs clockwise (left, top, right), so the usual
    upper-arc inscription reads left to right, upright.
    """
    x0, y0, x1, y1 = (round(v) for v in seal.box)
    pad = 4
    h, w = image.shape[:2]
    x0, y0, x1, y1 = max(0, x0 - pad), max(0, y0 - pad), min(w, x1 + pad), min(h, y1 + pad)
    crop = image[y0:y1, x0:x1]
    r = redness(crop).astype(np.float32)
    ink = np.clip(r * (255.0 / max(40.0, float(np.percentile(r, 99)))), 0, 255)
    ink_img = (255 - ink).astype(np.uint8)
    # make an oval round: scale along the ellipse's axes (seals are rarely rotated: use x/y)
    bw, bh = x1 - x0, y1 - y0
    d = max(bw, bh)
    ink_img = cv2.resize(ink_img, (d, d), interpolation=cv2.INTER_CUBIC)
    cx = (seal.center[0] - x0) * d / max(bw, 1)
    cy = (seal.center[1] - y0) * d / max(bh, 1)
    radius = d / 2
    n_ang = max(360, int(2 * math.pi * radius))
    # Paper (white) around the crop, so that no sample of the unwarp falls outside its source: warpPolar
    # leaves such outliers uninitialised (different pixels run to run) and WARP_FILL_OUTLIERS makes
    # them black, i.e. ink. Same strip, deterministic bytes (the OCR cache and recordings key on them).
    pad_w = math.ceil(radius) + 2
    ink_img = cv2.copyMakeBorder(ink_img, pad_w, pad_w, pad_w, pad_w, cv2.BORDER_CONSTANT, value=255)
    polar = cv2.warpPolar(
        ink_img,
        (int(radius), n_ang),
        (cx + pad_w, cy + pad_w),
        radius,
        cv2.WARP_POLAR_LINEAR + cv2.INTER_LINEAR + cv2.WARP_FILL_OUTLIERS,
    )  # rows: angle (clockwise from +x), cols: radius
    band = polar[:, int(radius * 0.5) : int(radius * 0.97)]
    band = np.roll(band, -n_ang // 4, axis=0)  # start at the bottom (90 degrees)
    strip = np.ascontiguousarray(band.T[::-1, :])  # rows: radius (outside at the top), cols: angle
    scale = height / max(1, strip.shape[0])
    strip = cv2.resize(strip, (max(1, int(strip.shape[1] * scale)), height), interpolation=cv2.INTER_AREA)
    strip = cv2.copyMakeBorder(strip, 8, 8, 8, 8, cv2.BORDER_CONSTANT, value=255)
    return np.stack([strip] * 3, axis=-1)


# --------------------------------------------------------------------------- colour


@dataclass(frozen=True)
class Colour:
    chroma_p99: float  # 99th percentile of the white-balanced chroma (max - min channel)
    colourful_share: float  # share of pixels with chroma > 30

    @property
    def grayscale(self) -> bool:
        return self.chroma_p99 < 14 and self.colourful_share < 0.002


def colour_stats(image: np.ndarray, mask: np.ndarray | None = None) -> Colour:
    """How colourful the document is after removing the colour cast of the light (white balance on
    the paper). A grayscale photocopy, even photographed under warm light, has next to no chroma."""
    h, w = image.shape[:2]
    step = max(1, int(math.sqrt(h * w / 400_000)))
    im = image[::step, ::step]
    im = np.ascontiguousarray(im)
    sel = mask[::step, ::step] if mask is not None else None
    if sel is None or np.count_nonzero(sel) < 100:
        sel = np.ones(im.shape[:2], bool)
    # the same figures as over float32 copies of the selected pixels: the channel sum's percentile
    # and the bright pixels' medians from histograms; each channel's white-balanced value is a
    # lookup of its 8-bit value (cv2.LUT to float32 gives the very products of the float formula)
    level = im[:, :, 0].astype(np.uint16) + im[:, :, 1] + im[:, :, 2]
    p70 = hist_percentile(np.bincount(level[sel], minlength=766), 70, np.float32)
    white = channel_medians(im, sel & (level >= p70))
    white = np.maximum(white, np.float32(1.0))
    gain = white.mean() / white
    lut = np.arange(256, dtype=np.float32)[:, None] * gain  # (256, 3)
    bal = cv2.LUT(im, lut.reshape(1, 256, 3))
    b0, b1, b2 = bal[:, :, 0], bal[:, :, 1], bal[:, :, 2]
    chroma = (np.maximum(np.maximum(b0, b1), b2) - np.minimum(np.minimum(b0, b1), b2))[sel]
    return Colour(float(binned_percentile(chroma, 99)), float(np.count_nonzero(chroma > 30) / len(chroma)))
