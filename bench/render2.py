"""A second, independent render family for checking calibration (issue 15, item 4).

The image checks were tuned on the sample generator's renders (``samples/generator``, family 1).
This module draws the same kinds of documents another way, sharing no code with it: another font
(WenQuanYi Zen Hei, Debian ``fonts-wqy-zenhei``), other layouts, other paper, and seals in other
styles — ink density and transparency, bleed, uneven ink with gaps, single or double ring, round or
oval, rotated, partly off the page, orange-red, purple-red or faded pink — stamped over text; and
other glare shapes (an elliptical spot, a diagonal band, a washed corner). Calibration is done on
family 1 and checked here; nothing here is tuned to the detector.

    from bench import render2
    for doc in render2.corpus(40, seed=11): doc.image, doc.seals, doc.glare, doc.clean
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

from pipeline.codes import DocType

FONT_PATHS = [
    Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"),
    Path("/usr/share/fonts/wqy-zenhei/wqy-zenhei.ttc"),
]

Box = tuple[float, float, float, float]


def font(px: int) -> ImageFont.FreeTypeFont:
    for p in FONT_PATHS:
        if p.is_file():
            return ImageFont.truetype(str(p), px)
    raise FileNotFoundError("fonts-wqy-zenhei is not installed (apt-get install fonts-wqy-zenhei)")


def available() -> bool:
    return any(p.is_file() for p in FONT_PATHS)


@dataclass
class Doc:
    name: str
    doc_type: DocType
    image: np.ndarray
    seals: list[Box] = field(default_factory=list)
    seal_style: str = ""
    glare: bool = False
    clean: bool = True  # no capture fault (glare, partial seal) on it
    #: where text was drawn (one box per printed line, in ``image`` pixels), padded like a text
    #: detector's boxes: what the OCR's lines give the image checks (text height), without an OCR run
    lines: list[Box] = field(default_factory=list)
    look: str = ""  # glare corpus: the glare shape, or the clean look ("plain", "watermark", "lamp"...)


HOSPITALS = [
    "宜昌市中心人民医院",
    "襄阳市第一人民医院",
    "十堰市太和医院",
    "黄石市中医医院",
    "孝感市妇幼保健院",
]
ITEMS = ["西药费", "中成药费", "检查费", "化验费", "治疗费", "手术费", "床位费", "护理费", "材料费", "诊察费"]
TITLES = {
    DocType.MEDICAL_INVOICE: "湖北省医疗住院收费票据",
    DocType.REFERRAL_SLIP: "异地就医转诊备案表",
    DocType.DISCHARGE_RECORD: "出院小结",
    DocType.EXPENSE_LIST: "住院费用明细清单",
    DocType.DIAGNOSIS_CERTIFICATE: "疾病诊断证明",
}
PAPERS = [(255, 255, 255), (250, 247, 238), (246, 240, 222), (242, 244, 246)]
INKS = {
    "red": (214, 30, 36),
    "orange_red": (226, 64, 40),
    "purple_red": (176, 30, 82),
    "pink": (232, 110, 120),
}


# --------------------------------------------------------------------------- pages


class _Recorder:
    """An ``ImageDraw`` that also notes the box of every text it draws."""

    def __init__(self, img: Image.Image) -> None:
        self._d = ImageDraw.Draw(img)
        self.boxes: list[Box] = []

    def text(self, xy: tuple[float, float], txt: str, **kw: object) -> None:
        self._d.text(xy, txt, **kw)  # type: ignore[arg-type]
        kb = {k: v for k, v in kw.items() if k in ("font", "anchor")}
        x0, y0, x1, y1 = self._d.textbbox(xy, txt, **kb)  # type: ignore[arg-type]
        self.boxes.append((float(x0), float(y0), float(x1), float(y1)))

    def __getattr__(self, name: str) -> Any:
        return getattr(self._d, name)


def _page(rng: random.Random, dt: DocType, w: int = 1240, h: int = 1754) -> tuple[Image.Image, Box]:
    """A page of the type's text; returns it and where the institution's stamp belongs."""
    img, place, _ = _page_lines(rng, dt, w, h)
    return img, place


def _page_lines(
    rng: random.Random, dt: DocType, w: int = 1240, h: int = 1754
) -> tuple[Image.Image, Box, list[Box]]:
    """:func:`_page`, and the boxes of the text lines drawn on it."""
    paper = rng.choice(PAPERS)
    img = Image.new("RGB", (w, h), paper)
    d = _Recorder(img)
    hosp = rng.choice(HOSPITALS)
    d.text((w // 2, 110), TITLES[dt], font=font(56), fill=(20, 20, 20), anchor="mm")
    if dt == DocType.MEDICAL_INVOICE:  # invoice print in red-brown, like the real ones
        d.text((w // 2, 180), "（电子）", font=font(30), fill=(150, 60, 40), anchor="mm")
        d.text((90, 240), f"票据代码：4201{rng.randint(1000, 9999)}", font=font(28), fill=(150, 60, 40))
        d.text((700, 240), f"票据号码：00{rng.randint(100000, 999999)}", font=font(28), fill=(150, 60, 40))
    f = font(rng.choice([28, 30, 32]))
    y = 320
    rule = (150, 60, 40) if dt == DocType.MEDICAL_INVOICE else (60, 60, 60)
    d.text((90, y), f"医疗机构：{hosp}", font=f, fill=(20, 20, 20))
    y += 60
    d.text(
        (90, y),
        f"患者姓名：{rng.choice('王李张刘陈杨黄赵')}{rng.choice(['建国', '秀英', '志强', '丽华', '海燕'])}",
        font=f,
        fill=(20, 20, 20),
    )
    y += 70
    d.rectangle((80, y, w - 80, y + 560), outline=rule, width=2)
    for i, item in enumerate(rng.sample(ITEMS, 8)):
        yy = y + 20 + i * 66
        d.line((80, yy + 56, w - 80, yy + 56), fill=rule, width=1)
        d.text((110, yy), item, font=f, fill=(30, 30, 30))
        d.text((w - 360, yy), f"{rng.randint(10, 9000)}.{rng.randint(0, 99):02d}", font=f, fill=(30, 30, 30))
    y += 600
    for _ in range(rng.randint(3, 6)):
        txt = "".join(
            rng.choice("患者住院期间经治疗病情好转准予出院请按时复诊注意休息合理饮食") for _ in range(24)
        )
        d.text((90, y), txt, font=f, fill=(25, 25, 25))
        y += 52
    y += 40
    d.text((w - 620, y), f"{hosp}（盖章）", font=f, fill=(20, 20, 20))
    d.text(
        (w - 620, y + 60),
        f"{rng.randint(2024, 2025)}年{rng.randint(1, 12)}月{rng.randint(1, 28)}日",
        font=f,
        fill=(20, 20, 20),
    )
    return img, (w - 640.0, y - 80.0, w - 200.0, y + 140.0), d.boxes


# --------------------------------------------------------------------------- seals


def _seal_layer(rng: random.Random, diam: int, style: dict[str, object]) -> Image.Image:
    """A seal drawn as an RGBA layer (ink colour, alpha = ink density)."""
    oval = bool(style["oval"])
    w, h = (int(diam * 1.35), diam) if oval else (diam, diam)
    pad = 12
    lay = Image.new("L", (w + 2 * pad, h + 2 * pad), 0)
    d = ImageDraw.Draw(lay)
    ring = max(3, diam // 26)
    d.ellipse((pad, pad, pad + w, pad + h), outline=255, width=ring)
    if style["double"]:
        k = ring * 3
        d.ellipse((pad + k, pad + k, pad + w - k, pad + h - k), outline=255, width=max(2, ring // 2))
    cx, cy = pad + w / 2, pad + h / 2
    if not oval:  # the star
        r = diam * 0.13
        pts = [
            (
                cx + (r if i % 2 == 0 else r * 0.4) * math.sin(i * math.pi / 5),
                cy - (r if i % 2 == 0 else r * 0.4) * math.cos(i * math.pi / 5),
            )
            for i in range(10)
        ]
        d.polygon(pts, fill=255)
    name = rng.choice(HOSPITALS) + rng.choice(["收费专用章", "医务科", "财务专用章", ""])
    fpx = max(10, int(diam * 0.11))
    f = font(fpx)
    span = math.radians(250 if not oval else 210)
    rx, ry = w / 2 - ring * 2 - fpx * 0.7, h / 2 - ring * 2 - fpx * 0.7
    for i, ch in enumerate(name):
        a = -math.pi / 2 - span / 2 + span * (i + 0.5) / len(name)
        g = Image.new("L", (fpx * 2, fpx * 2), 0)
        ImageDraw.Draw(g).text((fpx // 2, fpx // 4), ch, font=f, fill=255)
        g = g.rotate(-math.degrees(a + math.pi / 2), resample=Image.Resampling.BICUBIC)
        lay.paste(255, (int(cx + rx * math.cos(a) - fpx), int(cy + ry * math.sin(a) - fpx)), g)
    if oval:
        d.text((cx, cy + h * 0.05), "发票专用章", font=font(max(10, int(diam * 0.1))), fill=255, anchor="mm")
    arr = np.asarray(lay).astype(np.float32) / 255.0
    if style["bleed"]:
        arr = (
            np.asarray(
                Image.fromarray((arr * 255).astype(np.uint8)).filter(ImageFilter.GaussianBlur(1.6))
            ).astype(np.float32)
            / 255.0
        )
        arr = np.clip(arr * 1.5, 0, 1)
    if style["uneven"]:  # ink pressed unevenly: one side fainter, speckled gaps
        yy, xx = np.mgrid[0 : arr.shape[0], 0 : arr.shape[1]]
        t = rng.uniform(0, 2 * math.pi)
        grad = 0.55 + 0.45 * (
            (np.cos(t) * (xx / arr.shape[1] - 0.5) + np.sin(t) * (yy / arr.shape[0] - 0.5)) + 0.5
        )
        speck = np.asarray(np.random.default_rng(rng.randint(0, 10**6)).random(arr.shape) > 0.18, np.float32)
        arr = arr * np.clip(grad, 0, 1) * speck
    arr *= float(style["density"])  # type: ignore[arg-type]
    ink = INKS[str(style["ink"])]
    rgba = np.zeros((*arr.shape, 4), np.uint8)
    rgba[..., :3] = ink
    rgba[..., 3] = (arr * 255).astype(np.uint8)
    layer = Image.fromarray(rgba, "RGBA")
    return layer.rotate(float(style["angle"]), resample=Image.Resampling.BICUBIC, expand=True)  # type: ignore[arg-type]


def _stamp(img: Image.Image, layer: Image.Image, cx: float, cy: float) -> Box:
    """Multiply the ink onto the page (ink over text), returns the box of the inked pixels."""
    base = np.asarray(img).astype(np.float32)
    lay = np.asarray(layer).astype(np.float32)
    h, w = lay.shape[:2]
    x, y = int(cx - w / 2), int(cy - h / 2)
    x0, y0, x1, y1 = max(0, x), max(0, y), min(base.shape[1], x + w), min(base.shape[0], y + h)
    sub = lay[y0 - y : y1 - y, x0 - x : x1 - x]
    a = sub[..., 3:4] / 255.0
    base[y0:y1, x0:x1] = base[y0:y1, x0:x1] * (1 - a) + base[y0:y1, x0:x1] * (sub[..., :3] / 255.0) * a
    img.paste(Image.fromarray(base.clip(0, 255).astype(np.uint8)))
    ys, xs = np.nonzero(sub[..., 3] > 20)
    return (float(x0 + xs.min()), float(y0 + ys.min()), float(x0 + xs.max()), float(y0 + ys.max()))


def seal_style(rng: random.Random, clean: bool) -> dict[str, object]:
    return {
        "ink": rng.choice(["red", "red", "orange_red", "purple_red"] + ([] if clean else ["pink"])),
        "density": rng.uniform(0.7, 0.95) if clean else rng.uniform(0.45, 0.7),
        "oval": rng.random() < 0.3,
        "double": rng.random() < 0.3,
        "bleed": rng.random() < 0.3,
        "uneven": rng.random() < (0.3 if clean else 0.8),
        "angle": rng.uniform(-25, 25),
    }


# --------------------------------------------------------------------------- glare


def add_glare(img: Image.Image, rng: random.Random) -> tuple[Image.Image, str]:
    """Wash part of the page out: an elliptical spot, a diagonal band or a corner."""
    w, h = img.size
    shape = rng.choice(["spot", "band", "corner"])
    m = Image.new("L", (w, h), 0)
    d = ImageDraw.Draw(m)
    if shape == "spot":
        cx, cy = rng.uniform(0.3, 0.7) * w, rng.uniform(0.3, 0.7) * h
        rx, ry = rng.uniform(0.12, 0.2) * w, rng.uniform(0.06, 0.12) * h
        d.ellipse((cx - rx, cy - ry, cx + rx, cy + ry), fill=255)
    elif shape == "band":
        x = rng.uniform(0.2, 0.6) * w
        d.polygon([(x, 0), (x + 0.18 * w, 0), (x + 0.05 * w, h), (x - 0.13 * w, h)], fill=255)
    else:
        d.pieslice((-0.5 * w, -0.35 * h, 0.5 * w, 0.35 * h), 0, 90, fill=255)
    m = m.filter(ImageFilter.GaussianBlur(w * 0.03))
    a = np.asarray(m).astype(np.float32)[..., None] / 255.0 * 0.97
    base = np.asarray(img).astype(np.float32)
    out = base * (1 - a) + 255.0 * a
    return Image.fromarray(out.clip(0, 255).astype(np.uint8)), shape


def _capture(img: Image.Image, rng: random.Random) -> Image.Image:
    """A phone photo of the page on a table: the page a little smaller, a table colour around it."""
    w, h = img.size
    table = rng.choice([(92, 70, 52), (180, 170, 160), (60, 64, 70)])
    bg = Image.new("RGB", (int(w * 1.12), int(h * 1.08)), table)
    bg.paste(img, (int(w * 0.06), int(h * 0.04)))
    bg = bg.rotate(rng.uniform(-3, 3), resample=Image.Resampling.BICUBIC, fillcolor=table)
    return bg.resize((int(bg.size[0] * 0.8), int(bg.size[1] * 0.8)), Image.Resampling.LANCZOS)


# --------------------------------------------------------------------------- corpus


def render(i: int, seed: int) -> Doc:
    """Document ``i`` of the family: every 3rd has no seal; every 4th is faulted (glare, faint or
    partial seal); the others are clean materials with one or two seals."""
    rng = random.Random(seed * 100_003 + i)
    dt = list(TITLES)[i % len(TITLES)]
    img, place = _page(rng, dt)
    clean = i % 4 != 3
    seals: list[Box] = []
    styles = []
    if i % 3 != 2:
        n = 2 if rng.random() < 0.2 else 1
        for k in range(n):
            st = seal_style(rng, clean)
            styles.append(st)
            diam = int(rng.uniform(0.17, 0.22) * img.size[0])
            cx = (place[0] + place[2]) / 2 - k * diam * 1.15
            cy = (place[1] + place[3]) / 2
            if not clean and rng.random() < 0.5:  # half off the page edge
                cx = img.size[0] - diam * 0.2
            seals.append(_stamp(img, _seal_layer(rng, diam, st), cx, cy))
    glare = False
    if not clean and rng.random() < 0.6:
        img, _ = add_glare(img, rng)
        glare = True
    photo = rng.random() < 0.5
    out = _capture(img, rng) if photo else img
    if photo:  # boxes follow the page into the photo (rotation ignored: a few pixels)
        sx = out.size[0] / (img.size[0] * 1.12)
        seals = [
            (
                (x0 + img.size[0] * 0.06) * sx,
                (y0 + img.size[1] * 0.04) * sx,
                (x1 + img.size[0] * 0.06) * sx,
                (y1 + img.size[1] * 0.04) * sx,
            )
            for x0, y0, x1, y1 in seals
        ]
    style = ";".join(
        f"{s['ink']},{'oval' if s['oval'] else 'round'}{',double' if s['double'] else ''}{',bleed' if s['bleed'] else ''}{',uneven' if s['uneven'] else ''},d{s['density']:.2f}"
        for s in styles
    )
    return Doc(
        name=f"f2-{seed}-{i:03d}-{dt.value}",
        doc_type=dt,
        image=np.asarray(out.convert("RGB")),
        seals=seals,
        seal_style=style,
        glare=glare,
        clean=clean,
    )


def corpus(n: int, seed: int = 11) -> Iterator[Doc]:
    for i in range(n):
        yield render(i, seed)


# --------------------------------------------------------------------------- glare corpus (issue 15)

#: glare shapes of the glare corpus; ``faint`` leaves the strokes visible but pale
GLARE_SHAPES = ("soft_spot", "spot", "streak", "band", "corner", "faint")
#: looks of the page under the glare (or of a clean page): hard negatives for a glare measure
LOOKS = ("plain", "plain", "watermark", "photocopy", "lamp", "shadow")


def _text_centre(rng: random.Random, lines: list[Box]) -> tuple[float, float]:
    """A point on the printed text (a glare spot over blank paper hides nothing: not a fault)."""
    x0, y0, x1, y1 = rng.choice([b for b in lines if b[2] - b[0] > 120] or lines)
    return rng.uniform(x0 + 0.2 * (x1 - x0), x1 - 0.2 * (x1 - x0)), (y0 + y1) / 2


def glare_alpha(shape: str, w: int, h: int, rng: random.Random, at: tuple[float, float]) -> np.ndarray:
    """How much of the light's white covers each pixel (0..1), for one glare ``shape`` around ``at``."""
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    cx, cy = at
    if shape in ("soft_spot", "faint"):  # a hotspot without a hard core: Gaussian fall-off
        rx, ry = rng.uniform(0.08, 0.18) * w, rng.uniform(0.04, 0.09) * h
        t = math.radians(rng.uniform(-30, 30))
        dx, dy = xx - cx, yy - cy
        u, v = dx * math.cos(t) + dy * math.sin(t), -dx * math.sin(t) + dy * math.cos(t)
        peak = rng.uniform(0.9, 1.0) if shape == "soft_spot" else rng.uniform(0.6, 0.78)
        return (peak * np.exp(-0.5 * ((u / rx) ** 2 + (v / ry) ** 2))).astype(np.float32)  # type: ignore[no-any-return]
    m = Image.new("L", (w, h), 0)
    d = ImageDraw.Draw(m)
    if shape == "spot":  # a blown-out ellipse with a soft rim
        rx, ry = rng.uniform(0.08, 0.16) * w, rng.uniform(0.04, 0.08) * h
        d.ellipse((cx - rx, cy - ry, cx + rx, cy + ry), fill=255)
        blur = w * rng.uniform(0.01, 0.03)
    elif shape == "streak":  # a specular streak: long and narrow, at an angle
        length, width = rng.uniform(0.35, 0.7) * w, rng.uniform(0.025, 0.05) * w
        t = math.radians(rng.uniform(-60, 60))
        ux, uy = math.cos(t) * length / 2, math.sin(t) * length / 2
        nx, ny = -math.sin(t) * width / 2, math.cos(t) * width / 2
        d.polygon(
            [
                (cx - ux + nx, cy - uy + ny),
                (cx + ux + nx, cy + uy + ny),
                (cx + ux - nx, cy + uy - ny),
                (cx - ux - nx, cy - uy - ny),
            ],
            fill=255,
        )
        blur = width * 0.3
    elif shape == "band":  # a broad diagonal band of window light
        x = cx - 0.05 * w
        d.polygon([(x, 0), (x + 0.16 * w, 0), (x + 0.06 * w, h), (x - 0.1 * w, h)], fill=255)
        blur = w * 0.02
    else:  # a washed-out corner, reaching over the text at ``at``
        corner = min([(0, 0), (w, 0), (0, h), (w, h)], key=lambda c: math.hypot(c[0] - cx, c[1] - cy))
        r = min(0.75 * w, max(0.3 * w, 1.15 * math.hypot(corner[0] - cx, (corner[1] - cy) / 0.8)))
        d.ellipse((corner[0] - r, corner[1] - 0.8 * r, corner[0] + r, corner[1] + 0.8 * r), fill=255)
        blur = w * 0.03
    m = m.filter(ImageFilter.GaussianBlur(blur))
    return np.asarray(m).astype(np.float32) / 255.0 * rng.uniform(0.92, 1.0)  # type: ignore[no-any-return]


def _apply_alpha(img: Image.Image, a: np.ndarray) -> Image.Image:
    base = np.asarray(img).astype(np.float32)
    out = base * (1 - a[..., None]) + 255.0 * a[..., None]
    return Image.fromarray(out.clip(0, 255).astype(np.uint8))


def _watermark(img: Image.Image, rng: random.Random) -> Image.Image:
    """A pale coloured watermark printed across the page (security paper, a hospital's logo text)."""
    w, h = img.size
    lay = Image.new("L", (w, h), 0)
    d = ImageDraw.Draw(lay)
    f = font(rng.choice([44, 56, 70]))
    word = rng.choice(["医疗收费票据", "监制", "仅供报销使用", "HUBEI"])
    step = rng.randint(180, 260)
    for yy in range(-h, 2 * h, step):
        for xx in range(-w, 2 * w, step * 2):
            d.text((xx, yy), word, font=f, fill=255)
    lay = lay.rotate(rng.uniform(20, 40), resample=Image.Resampling.BICUBIC)
    colour = np.array(
        rng.choice([(120, 170, 230), (240, 150, 160), (150, 210, 160), (200, 200, 200)]), np.float32
    )
    a = np.asarray(lay).astype(np.float32)[..., None] / 255.0 * rng.uniform(0.18, 0.3)
    base = np.asarray(img).astype(np.float32)
    out = base * (1 - a) + base * (colour / 255.0) * a
    return Image.fromarray(out.clip(0, 255).astype(np.uint8))


def _photocopy(img: Image.Image, rng: random.Random) -> Image.Image:
    g = np.asarray(img.convert("L")).astype(np.float32)
    g = np.clip((g - rng.uniform(30, 60)) * rng.uniform(1.2, 1.5), 0, 255) * rng.uniform(0.88, 0.97)
    nrng = np.random.default_rng(rng.randint(0, 10**6))
    g = np.clip(g + nrng.normal(0, 4, g.shape), 0, 255)
    return Image.fromarray(g.astype(np.uint8), "L").filter(ImageFilter.GaussianBlur(0.5)).convert("RGB")


def _light(img: Image.Image, rng: random.Random, look: str) -> Image.Image:
    """Uneven light that is not glare: a bright lamp corner (paper saturates, text stays dark:
    multiplicative) or a shadow across the page."""
    w, h = img.size
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    t = rng.uniform(0, 2 * math.pi)
    g = np.cos(t) * (xx / w - 0.5) + np.sin(t) * (yy / h - 0.5) + 0.5  # 0..1 across the page
    gain = 0.95 + 0.35 * g if look == "lamp" else 1.0 - 0.35 * g
    base = np.asarray(img).astype(np.float32)
    return Image.fromarray((base * gain[..., None]).clip(0, 255).astype(np.uint8))


def _pad_line(b: Box) -> Box:
    """A printed line's box as a text detector draws it: a little taller than the glyphs."""
    x0, y0, x1, y1 = b
    p = 0.15 * (y1 - y0)
    return (x0 - p, y0 - p, x1 + p, y1 + p)


def washed_chars(alpha: np.ndarray, lines: list[Box], at: float = 0.6) -> float:
    """How much printed text a glare washes out, in characters (square cells of the line height)
    where the light's white covers at least ``at`` (the strokes keep under 40 % of their contrast)."""
    total = 0.0
    for x0, y0, x1, y1 in lines:
        cell = alpha[int(y0) : int(y1) + 1, int(x0) : int(x1) + 1]
        total += float((cell >= at).sum()) / max(1.0, (y1 - y0) ** 2)
    return total


def render_glare(i: int, seed: int) -> Doc:
    """Document ``i`` of the glare corpus: 2 in 5 are glared (one of :data:`GLARE_SHAPES` over the
    text; ``glare`` when it washes out at least 2 characters, else ``clean`` and ``glare`` are both
    false: a minor light, left out of the figures), 3 in 5 are clean; both in every look of :data:`LOOKS` (a watermark, a photocopy, a lamp or
    a shadow are not glare), half of them photographed on a table. Seals as in :func:`render`."""
    rng = random.Random(seed * 7_919 + i * 31 + 5)
    dt = list(TITLES)[i % len(TITLES)]
    img, place, lines = _page_lines(rng, dt)
    if rng.random() < 0.6:
        st = seal_style(rng, True)
        diam = int(rng.uniform(0.17, 0.22) * img.size[0])
        _stamp(img, _seal_layer(rng, diam, st), (place[0] + place[2]) / 2, (place[1] + place[3]) / 2)
    look = rng.choice(LOOKS)
    if look == "watermark":
        img = _watermark(img, rng)
    elif look in ("lamp", "shadow"):
        img = _light(img, rng, look)
    glared = i % 5 in (1, 3)
    shape = ""
    minor = False
    if glared:
        shape = GLARE_SHAPES[(2 * (i // 5) + (i % 5 == 3)) % len(GLARE_SHAPES)]
        at = _text_centre(rng, lines)
        alpha = glare_alpha(shape, img.size[0], img.size[1], rng, at)
        img = _apply_alpha(img, alpha)
        # the fault is text washed out: a light that hides less than 2 characters' worth of the
        # printed lines (a streak over the margin) is neither glared nor clean (left out)
        minor = washed_chars(alpha, lines) < 2.0
    if look == "photocopy":  # glare photographed on a photocopy: the copy is grey under the light
        img = _photocopy(img, rng)
    photo = rng.random() < 0.5
    out = _capture(img, rng) if photo else img
    lines = [_pad_line(b) for b in lines]
    if photo:
        sx = out.size[0] / (img.size[0] * 1.12)
        dx, dy = img.size[0] * 0.06, img.size[1] * 0.04
        lines = [((x0 + dx) * sx, (y0 + dy) * sx, (x1 + dx) * sx, (y1 + dy) * sx) for x0, y0, x1, y1 in lines]
    return Doc(
        name=f"g2-{seed}-{i:03d}-{shape or 'clean'}-{look}{'-photo' if photo else ''}",
        doc_type=dt,
        image=np.asarray(out.convert("RGB")),
        glare=glared and not minor,
        clean=not glared,
        lines=lines,
        look=f"{shape or 'clean'}/{look}" + ("/minor" if minor else ""),
    )


def glare_corpus(n: int, seed: int) -> Iterator[Doc]:
    for i in range(n):
        yield render_glare(i, seed)
