"""Capture effects and faults: pure, seeded functions from an RGB(A) PIL image to an RGB PIL image.

The paper comes from :func:`canvas.render`; a capture turns it into what a phone or a scanner hands over.
"""

from __future__ import annotations

import io
import math

import cv2
import numpy as np
from PIL import Image, ImageFilter

# --------------------------------------------------------------------------- surfaces


def surface(size: tuple[int, int], seed: int, kind: str | None = None) -> Image.Image:
    """A background the document lies on: wood, desk laminate, fabric or a dark table."""
    rng = np.random.default_rng(seed)
    w, h = size
    kind = kind or str(rng.choice(["wood", "desk", "fabric", "dark"]))
    base: np.ndarray
    tex: np.ndarray
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    if kind == "wood":
        base = np.array([150, 105, 65], np.float32)
        grain = np.sin(yy / h * rng.uniform(40, 70) + np.sin(xx / w * rng.uniform(2, 5)) * 3.0)
        tex = 0.85 + 0.12 * grain[..., None]
    elif kind == "fabric":
        base = np.array(rng.choice([[70, 90, 130], [120, 60, 60], [90, 110, 90]]), np.float32)
        tex = 0.9 + 0.06 * (np.sin(xx * 1.3) * np.sin(yy * 1.3))[..., None]
    elif kind == "dark":
        base = np.array([45, 45, 50], np.float32)
        tex = np.ones((h, w, 1), np.float32)
    else:
        base = np.array([200, 196, 186], np.float32)
        tex = 0.95 + 0.03 * np.sin(xx / w * 7.0)[..., None]
    coarse = rng.normal(0, 6, (h // 4 + 1, w // 4 + 1, 1)).astype(np.float32)
    noise = cv2.resize(coarse, (w, h), interpolation=cv2.INTER_LINEAR)[..., None]
    arr = base * tex + noise
    return Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8), "RGB")


# --------------------------------------------------------------------------- geometry


def place_on_surface(
    doc: Image.Image,
    out_size: tuple[int, int],
    seed: int,
    fill: float = 0.78,
    tilt: float = 0.06,
    rotation: float = 3.0,
    shift: tuple[float, float] = (0.0, 0.0),
    kind: str | None = None,
) -> tuple[Image.Image, np.ndarray]:
    """Photograph ``doc`` lying on a surface: perspective (``tilt``), small rotation, the document
    covering about ``fill`` of the frame; ``shift`` (fractions of the frame) moves it, e.g. partly out
    of the frame. Returns the photo and the document's four corners in it."""
    rng = np.random.default_rng(seed)
    W, H = out_size
    bg = surface(out_size, seed + 1, kind)
    rgba = doc.convert("RGBA")
    w, h = rgba.size
    scale = fill * min(W / w, H / h)
    dw, dh = w * scale, h * scale
    cx, cy = W / 2 + shift[0] * W, H / 2 + shift[1] * H
    a = math.radians(rng.uniform(-rotation, rotation))
    corners = np.array(
        [[-dw / 2, -dh / 2], [dw / 2, -dh / 2], [dw / 2, dh / 2], [-dw / 2, dh / 2]], np.float32
    )
    rot = np.array([[math.cos(a), -math.sin(a)], [math.sin(a), math.cos(a)]], np.float32)
    corners = corners @ rot.T + np.array([cx, cy], np.float32)
    jitter = rng.uniform(-tilt, tilt, (4, 2)).astype(np.float32) * np.array([dw, dh], np.float32) * 0.5
    # a camera held a bit above the bottom edge: the far (top) edge is shorter
    keystone = rng.uniform(0, tilt) * dw * 0.5
    corners += jitter
    corners[0, 0] += keystone
    corners[1, 0] -= keystone
    src = np.array([[0, 0], [w, 0], [w, h], [0, h]], np.float32)
    m = cv2.getPerspectiveTransform(src, corners)
    arr = np.asarray(rgba)
    warped = cv2.warpPerspective(
        arr, m, (W, H), flags=cv2.INTER_AREA, borderMode=cv2.BORDER_CONSTANT, borderValue=(0, 0, 0, 0)
    )
    # a soft shadow under the paper
    alpha = warped[..., 3].astype(np.float32) / 255.0
    shadow = cv2.GaussianBlur(alpha, (0, 0), max(2.0, W / 250))
    dy, dx = round(H / 150), round(W / 180)
    shadow = np.pad(shadow, ((dy, 0), (dx, 0)))[:H, :W]
    base = np.asarray(bg).astype(np.float32) * (1 - 0.35 * shadow[..., None])
    out = base * (1 - alpha[..., None]) + warped[..., :3].astype(np.float32) * alpha[..., None]
    return Image.fromarray(np.clip(out, 0, 255).astype(np.uint8), "RGB"), corners


def flatten(doc: Image.Image, color: tuple[int, int, int] = (255, 255, 255)) -> Image.Image:
    """RGBA (round-cornered card) onto a plain colour."""
    if doc.mode != "RGBA":
        return doc.convert("RGB")
    bg = Image.new("RGB", doc.size, color)
    bg.paste(doc, (0, 0), doc)
    return bg


def rotate_small(
    img: Image.Image, degrees: float, fill: tuple[int, int, int] = (255, 255, 255)
) -> Image.Image:
    return img.rotate(degrees, resample=Image.Resampling.BICUBIC, expand=False, fillcolor=fill)


# --------------------------------------------------------------------------- light and sensor


def uneven_light(img: Image.Image, seed: int, strength: float = 0.25) -> Image.Image:
    """A light falloff across the frame (a lamp to one side, vignetting)."""
    rng = np.random.default_rng(seed)
    w, h = img.size
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    lx, ly = rng.uniform(0, w), rng.uniform(0, h)
    d = np.sqrt(((xx - lx) / w) ** 2 + ((yy - ly) / h) ** 2)
    gain = 0.97 - strength * d / d.max()  # never brighter than the paper: no blown-out (glare-like) areas
    vig = 1 - 0.12 * (((xx - w / 2) / w) ** 2 + ((yy - h / 2) / h) ** 2) * 4
    warm = (
        np.array([1.0, 0.98, 0.94], np.float32)
        if rng.random() < 0.5
        else np.array([0.97, 0.99, 1.02], np.float32)
    )
    arr = np.asarray(img.convert("RGB")).astype(np.float32) * (gain * vig)[..., None] * warm
    return Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8), "RGB")


def sensor_noise(img: Image.Image, seed: int, sigma: float = 4.0) -> Image.Image:
    rng = np.random.default_rng(seed)
    arr = np.asarray(img.convert("RGB")).astype(np.float32)
    arr += rng.normal(0, sigma, arr.shape).astype(np.float32)
    return Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8), "RGB")


def jpeg(img: Image.Image, quality: int = 85) -> Image.Image:
    """Round-trip through JPEG (compression artefacts)."""
    buf = io.BytesIO()
    img.convert("RGB").save(buf, "JPEG", quality=quality)
    buf.seek(0)
    return Image.open(buf).convert("RGB")


# --------------------------------------------------------------------------- faults


def gaussian_blur(img: Image.Image, sigma: float) -> Image.Image:
    return img.filter(ImageFilter.GaussianBlur(sigma))


def motion_blur(img: Image.Image, length: int, angle: float) -> Image.Image:
    line = np.zeros((length, length), np.float32)
    line[length // 2, :] = 1.0
    rot = cv2.getRotationMatrix2D((length / 2 - 0.5, length / 2 - 0.5), angle, 1.0)
    k: np.ndarray = cv2.warpAffine(line, rot, (length, length))
    k /= max(float(k.sum()), 1e-6)
    arr = cv2.filter2D(np.asarray(img.convert("RGB")), -1, k)
    return Image.fromarray(arr, "RGB")


def low_resolution(img: Image.Image, long_side: int) -> Image.Image:
    w, h = img.size
    s = long_side / max(w, h)
    return img.resize((max(1, round(w * s)), max(1, round(h * s))), Image.Resampling.BILINEAR)


def glare(img: Image.Image, center: tuple[float, float], radius: float, seed: int) -> Image.Image:
    """A specular reflection: a blown-out bright ellipse (center and radius as fractions of the frame)."""
    rng = np.random.default_rng(seed)
    w, h = img.size
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    cx, cy = center[0] * w, center[1] * h
    rx, ry = radius * w * rng.uniform(1.0, 1.5), radius * w * rng.uniform(0.6, 0.9)
    d = np.sqrt(((xx - cx) / rx) ** 2 + ((yy - cy) / ry) ** 2)
    g = np.clip(1.35 - d, 0, 1) ** 0.6
    arr = np.asarray(img.convert("RGB")).astype(np.float32)
    arr = arr + (265 - arr) * g[..., None]
    return Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8), "RGB")


def photocopy(img: Image.Image, seed: int) -> Image.Image:
    """Grayscale photocopy: no colour (red seals turn grey), high contrast, toner specks, grey margins."""
    rng = np.random.default_rng(seed)
    g: np.ndarray = np.asarray(img.convert("L")).astype(np.float32)
    g = np.clip((g - 60) * 1.5, 0, 255)
    specks = rng.random(g.shape) < 0.0015
    g[specks] = rng.uniform(0, 90, specks.sum())
    g = np.clip(g + rng.normal(0, 5, g.shape), 0, 255) * 0.96
    out = Image.fromarray(g.astype(np.uint8), "L").filter(ImageFilter.GaussianBlur(0.5))
    return out.convert("RGB")


def scan(img: Image.Image, seed: int, skew: float = 1.2) -> Image.Image:
    """A flatbed scan: slight skew, a faint grey border, paper tone, a little noise."""
    rng = np.random.default_rng(seed)
    out = rotate_small(img.convert("RGB"), float(rng.uniform(-skew, skew)), fill=(238, 238, 236))
    arr = np.asarray(out).astype(np.float32) * np.array([0.99, 0.985, 0.97], np.float32)
    arr += rng.normal(0, 1.5, arr.shape).astype(np.float32)
    return Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8), "RGB")
