"""Synthetic pages for the image-quality tests and the calibration bench.

Renders A4-like pages and cards with Noto CJK, draws red official seals and the red ink that is not a
seal (titles, table rules, boxes, handwriting, a gold emblem), and applies capture faults (blur, low
resolution, glare, crop, grayscale, phone photo). Deterministic by seed. The tests at the bottom only
check that the renderer does what the other tests rely on.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

from pipeline.models import OcrLine

SANS = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"
SERIF = "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc"
BOLD = "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc"

PHRASES = [
    "患者姓名：张伟明  性别：男  年龄：46岁",
    "就诊科室：心血管内科  住院号：20240312",
    "入院日期：2024年03月12日  出院日期：2024年03月25日",
    "诊断：高血压病3级（极高危）冠状动脉粥样硬化性心脏病",
    "经我院专家会诊，因病情需要，建议转往上级医院进一步治疗。",
    "医疗机构名称：新疆维吾尔自治区人民医院",
    "收费项目 金额（元） 西药费 1,204.50 检查费 860.00",
    "合计（大写）：贰仟伍佰壹拾肆元伍角整  合计（小写）：2514.50",
    "本人承诺所提供材料真实有效，如有虚假愿承担相应法律责任。",
    "参保地：荆门市  就医地：乌鲁木齐市  备案类型：转诊转院",
    "经办人签字：  联系电话：0991-8562301",
    "主治医师：阿依古丽·买买提  科室负责人：李建国",
    "特此证明。  开具日期：2024年02月28日",
    "工作单位：荆门市恒达建设工程有限公司  派驻地：喀什地区",
]

HOSPITALS = ["新疆维吾尔自治区人民医院", "荆门市第一人民医院", "舟山医院", "喀什地区第一人民医院"]


def font(size: int, path: str = SANS) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(path, size, index=2)


@dataclass
class Rendered:
    image: np.ndarray
    seals: list[tuple[int, int, int, int]] = field(default_factory=list)  # true seal boxes
    text_height: int = 0
    lines: list[OcrLine] = field(default_factory=list)  # what a perfect OCR would return


def _line(
    d: ImageDraw.ImageDraw, xy: tuple[float, float], text: str, f: ImageFont.FreeTypeFont, **kw: object
) -> OcrLine:
    """Draw a line of text and return it as an OCR line (box padded like a text detector's)."""
    d.text(xy, text, font=f, **kw)  # type: ignore[arg-type]
    x0, y0, x1, y1 = d.textbbox(xy, text, font=f, anchor=kw.get("anchor"))  # type: ignore[arg-type]
    pad = (y1 - y0) * 0.2
    poly = [(x0 - pad, y0 - pad), (x1 + pad, y0 - pad), (x1 + pad, y1 + pad), (x0 - pad, y1 + pad)]
    return OcrLine(text=text, polygon=poly, confidence=0.99)


def shift_lines(lines: list[OcrLine], dx: float = 0, dy: float = 0, scale: float = 1.0) -> list[OcrLine]:
    return [
        OcrLine(
            text=ln.text,
            polygon=[((x + dx) * scale, (y + dy) * scale) for x, y in ln.polygon],
            confidence=ln.confidence,
        )
        for ln in lines
    ]


# --------------------------------------------------------------------------- seals and red ink


def seal_layer(diameter: int, text: str, *, oval: bool = False, seed: int = 0) -> Image.Image:
    """A red official seal on a transparent layer: ring, star, institution name along the ring."""
    rng = random.Random(seed)
    w = diameter
    h = int(diameter * 0.75) if oval else diameter
    pad = 4
    layer = Image.new("RGBA", (w + 2 * pad, h + 2 * pad), (0, 0, 0, 0))
    d = ImageDraw.Draw(layer)
    red = (220 + rng.randint(-15, 15), 20 + rng.randint(0, 25), 30 + rng.randint(0, 25), 255)
    ring = max(3, diameter // 30)
    d.ellipse((pad, pad, pad + w, pad + h), outline=red, width=ring)
    cx, cy = pad + w / 2, pad + h / 2
    if not oval:
        r_star = diameter * 0.16
        pts = []
        for i in range(10):
            r = r_star if i % 2 == 0 else r_star * 0.4
            a = -math.pi / 2 + i * math.pi / 5
            pts.append((cx + r * math.cos(a), cy + r * math.sin(a)))
        d.polygon(pts, fill=red)
    # ring text: each character rotated along the upper arc
    n = len(text)
    fsize = max(8, int(diameter * (0.13 if not oval else 0.12)))
    f = font(fsize, SERIF)
    span = math.radians(240 if not oval else 200)
    rx = w / 2 - ring - fsize * 0.75
    ry = h / 2 - ring - fsize * 0.75
    for i, ch in enumerate(text):
        a = -math.pi / 2 - span / 2 + span * (i + 0.5) / n
        x = cx + rx * math.cos(a)
        y = cy + ry * math.sin(a)
        glyph = Image.new("RGBA", (fsize * 2, fsize * 2), (0, 0, 0, 0))
        ImageDraw.Draw(glyph).text((fsize // 2, fsize // 3), ch, font=f, fill=red)
        glyph = glyph.rotate(-math.degrees(a + math.pi / 2), resample=Image.Resampling.BICUBIC)
        layer.alpha_composite(glyph, (int(x - fsize), int(y - fsize)))
    if oval:
        f2 = font(max(8, int(diameter * 0.1)), SERIF)
        d.text((cx, cy + h * 0.12), "财务专用章", font=f2, fill=red, anchor="mm")
    return layer


def stamp(
    img: Image.Image, layer: Image.Image, xy: tuple[int, int], alpha: float = 0.9
) -> tuple[int, int, int, int]:
    """Multiply the seal onto the page (ink over text), returns its box."""
    base = np.asarray(img.convert("RGB")).astype(np.float32)
    lay = np.asarray(layer).astype(np.float32)
    x, y = xy
    h, w = lay.shape[:2]
    x0, y0 = max(0, x), max(0, y)
    x1, y1 = min(base.shape[1], x + w), min(base.shape[0], y + h)
    sub = lay[y0 - y : y1 - y, x0 - x : x1 - x]
    a = sub[:, :, 3:4] / 255.0 * alpha
    ink = sub[:, :, :3] / 255.0
    region = base[y0:y1, x0:x1]
    base[y0:y1, x0:x1] = region * (1 - a) + region * ink * a
    img.paste(Image.fromarray(base.clip(0, 255).astype(np.uint8)))
    ys, xs = np.nonzero(sub[:, :, 3] > 0)
    return (x0 + int(xs.min()), y0 + int(ys.min()), x0 + int(xs.max()), y0 + int(ys.max()))


# --------------------------------------------------------------------------- pages


def render_page(
    seed: int = 0,
    *,
    size: tuple[int, int] = (1240, 1754),
    font_px: int = 30,
    seals: int = 0,
    oval: bool = False,
    seal_alpha: float = 0.9,
    red_title: bool = False,
    red_table: bool = False,
    red_box: bool = False,
    red_handwriting: bool = False,
    n_lines: int = 14,
) -> Rendered:
    rng = random.Random(seed)
    w, h = size
    img = Image.new("RGB", (w, h), (255, 255, 255))
    d = ImageDraw.Draw(img)
    title = rng.choice(["转诊转院单", "诊断证明书", "医疗收费票据", "工作单位派出证明", "住院费用结算单"])
    tf = font(int(font_px * 1.6), BOLD)
    title_color = (200, 30, 35) if red_title else (0, 0, 0)
    out = [_line(d, (w // 2, int(h * 0.07)), title, tf, fill=title_color, anchor="mm")]
    f = font(font_px, rng.choice([SANS, SERIF]))
    margin = int(w * 0.08)
    y = int(h * 0.13)
    step = int(font_px * 2.0)
    for _ in range(n_lines):
        text = rng.choice(PHRASES)
        while f.getlength(text) > w - 2 * margin:
            text = text[:-1]
        out.append(_line(d, (margin, y), text, f, fill=(15, 15, 15)))
        y += step
        if y > h * 0.8:
            break
    if red_table:
        ty = int(h * 0.82)
        col = (205, 40, 40)
        for i in range(4):
            d.line((margin, ty + i * 40, w - margin, ty + i * 40), fill=col, width=2)
        for x in np.linspace(margin, w - margin, 5):
            d.line((int(x), ty, int(x), ty + 120), fill=col, width=2)
        d.text((margin + 10, ty + 5), "项目名称  数量  单价  金额", font=font(24), fill=(0, 0, 0))
    if red_box:
        d.rectangle(
            (w - margin - 260, int(h * 0.02), w - margin, int(h * 0.02) + 90), outline=(210, 30, 30), width=4
        )
        d.text((w - margin - 240, int(h * 0.02) + 25), "票据代码 22060124", font=font(26), fill=(210, 30, 30))
    if red_handwriting:
        pts = [(margin + 40 + i * 9, int(h * 0.9) + int(18 * math.sin(i * 0.7))) for i in range(40)]
        d.line(pts, fill=(190, 25, 40), width=4)
        d.line([(p[0] + 30, p[1] + 25) for p in pts[::2]], fill=(190, 25, 40), width=4)
    boxes = []
    for i in range(seals):
        diam = int(w * (0.19 if not oval else 0.2))
        layer = seal_layer(diam, rng.choice(HOSPITALS) + ("" if oval else "公章"), oval=oval, seed=seed + i)
        x = int(w * 0.55) - i * int(w * 0.35)
        yy = int(h * 0.62) + rng.randint(-40, 40)
        boxes.append(stamp(img, layer, (x, yy), alpha=seal_alpha))
    return Rendered(np.asarray(img).copy(), boxes, font_px, out)


def render_card(seed: int = 0, *, width: int = 856, back: bool = False, emblem: bool = True) -> Rendered:
    """An ID-card-like card (85.6 x 54 mm ratio), pale blue, text in black; the back has a gold emblem."""
    rng = random.Random(seed)
    w = width
    h = round(width / 1.586)
    img = Image.new("RGB", (w, h), (236, 242, 248))
    d = ImageDraw.Draw(img)
    for i in range(0, w, 12):  # guilloche-like pale pattern
        d.arc((i - 200, -100, i + 200, h + 100), 0, 360, fill=(220, 230, 242), width=1)
    fpx = max(8, int(w * 0.032))
    f = font(fpx)
    out: list[OcrLine] = []
    if back:
        if emblem:
            cx, cy, r = int(w * 0.14), int(h * 0.25), int(h * 0.15)
            d.ellipse((cx - r, cy - r, cx + r, cy + r), fill=(212, 175, 55), outline=(180, 140, 30), width=3)
            d.ellipse((cx - r // 2, cy - r // 2, cx + r // 2, cy + r // 2), fill=(200, 40, 40))
            d.regular_polygon((cx, cy, r // 3), 5, fill=(240, 200, 60))
        big = font(int(fpx * 1.6), BOLD)
        out.append(_line(d, (int(w * 0.3), int(h * 0.18)), "中华人民共和国", big, fill=(0, 0, 0)))
        out.append(
            _line(d, (int(w * 0.32), int(h * 0.33)), "居民身份证", font(int(fpx * 2.0), BOLD), fill=(0, 0, 0))
        )
        out.append(
            _line(d, (int(w * 0.18), int(h * 0.68)), "签发机关  荆门市公安局东宝分局", f, fill=(0, 0, 0))
        )
        out.append(
            _line(d, (int(w * 0.18), int(h * 0.8)), "有效期限  2015.03.12-2035.03.12", f, fill=(0, 0, 0))
        )
    else:
        rows = [
            "姓名  张伟明",
            "性别  男    民族  汉",
            "出生  1985 年 3 月 12 日",
            "住址  湖北省荆门市东宝区",
            "      龙泉街道象山大道18号",
        ]
        y = int(h * 0.1)
        for row in rows:
            out.append(_line(d, (int(w * 0.06), y), row.strip(), f, fill=(0, 0, 0)))
            y += int(fpx * 1.9)
        out.append(
            _line(d, (int(w * 0.06), int(h * 0.82)), "公民身份号码  420802198503121234", f, fill=(0, 0, 0))
        )
        d.rectangle((int(w * 0.66), int(h * 0.12), int(w * 0.92), int(h * 0.72)), fill=(200, 205, 215))
    del rng
    return Rendered(np.asarray(img).copy(), [], fpx, out)


# --------------------------------------------------------------------------- faults


def gaussian_blur(img: np.ndarray, sigma: float) -> np.ndarray:
    return cv2.GaussianBlur(img, (0, 0), sigma)


def motion_blur(img: np.ndarray, length: int, angle: float = 0.0) -> np.ndarray:
    k = np.zeros((length, length), np.float32)
    k[length // 2, :] = 1.0
    m = cv2.getRotationMatrix2D((length / 2 - 0.5, length / 2 - 0.5), angle, 1.0)
    k = np.asarray(cv2.warpAffine(k, m, (length, length)), np.float32)
    k /= k.sum()
    return cv2.filter2D(img, -1, k)


def downscale(img: np.ndarray, factor: float) -> np.ndarray:
    h, w = img.shape[:2]
    return cv2.resize(
        img, (max(1, round(w * factor)), max(1, round(h * factor))), interpolation=cv2.INTER_AREA
    )


def glare(img: np.ndarray, center: tuple[float, float], radius: float, strength: float = 1.0) -> np.ndarray:
    """A specular spot: blend towards white with a soft-edged disc (center, radius relative to width)."""
    h, w = img.shape[:2]
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    cx, cy, r = center[0] * w, center[1] * h, radius * w
    dist = np.sqrt((xx - cx) ** 2 + (yy - cy) ** 2) / r
    a = np.clip(1.4 - dist, 0, 1) ** 0.7 * strength
    out = img.astype(np.float32) * (1 - a[..., None]) + 255 * a[..., None]
    return out.clip(0, 255).astype(np.uint8)


def crop(img: np.ndarray, left: float = 0, top: float = 0, right: float = 0, bottom: float = 0) -> np.ndarray:
    h, w = img.shape[:2]
    return img[int(h * top) : h - int(h * bottom), int(w * left) : w - int(w * right)].copy()


def grayscale(img: np.ndarray) -> np.ndarray:
    g = cv2.cvtColor(img, cv2.COLOR_RGB2GRAY)
    return np.stack([g] * 3, axis=-1)


def photo(
    img: np.ndarray,
    seed: int = 0,
    *,
    out_size: tuple[int, int] | None = None,
    fill: float = 0.8,
    shift: tuple[float, float] = (0.0, 0.0),
    light: float = 0.85,
    noise: float = 3.0,
    jpeg: int = 85,
) -> np.ndarray:
    """A phone photo of the document on a table: perspective, dim uneven light, noise, JPEG."""
    rng = np.random.default_rng(seed)
    h, w = img.shape[:2]
    ow, oh = out_size or (int(w / fill * 1.05), int(h / fill * 1.05))
    scale = min(ow * fill / w, oh * fill / h)
    dw, dh = w * scale, h * scale
    cx, cy = ow / 2 + shift[0] * ow, oh / 2 + shift[1] * oh
    j = 0.03 * min(dw, dh)
    dst = np.array(
        [
            [cx - dw / 2, cy - dh / 2],
            [cx + dw / 2, cy - dh / 2],
            [cx + dw / 2, cy + dh / 2],
            [cx - dw / 2, cy + dh / 2],
        ],
        np.float32,
    ) + rng.uniform(-j, j, (4, 2)).astype(np.float32)
    src = np.array([[0, 0], [w, 0], [w, h], [0, h]], np.float32)
    m = cv2.getPerspectiveTransform(src, dst)
    table = np.array([110, 85, 60], np.float32) + rng.uniform(-20, 20, 3).astype(np.float32)
    bg = np.empty((oh, ow, 3), np.float32)
    bg[:] = table
    bg += 6 * rng.standard_normal((oh, ow, 1), dtype=np.float32)
    warped = cv2.warpPerspective(
        img, m, (ow, oh), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=0
    )
    mask = cv2.warpPerspective(np.full((h, w), 255, np.uint8), m, (ow, oh)) > 127
    out = np.where(mask[..., None], warped.astype(np.float32), bg)
    yy, xx = np.mgrid[0:oh, 0:ow].astype(np.float32)
    grad = light * (1 - 0.12 * (xx / ow) - 0.08 * (yy / oh))
    out = out * grad[..., None] + noise * rng.standard_normal(out.shape, dtype=np.float32)
    out8 = out.clip(0, 255).astype(np.uint8)
    ok, buf = cv2.imencode(".jpg", out8[:, :, ::-1], [cv2.IMWRITE_JPEG_QUALITY, jpeg])
    assert ok
    back = cv2.imdecode(buf, cv2.IMREAD_COLOR)
    assert back is not None
    return np.asarray(back)[:, :, ::-1].copy()


# --------------------------------------------------------------------------- self-checks


def test_page_is_deterministic_and_seals_are_red() -> None:
    a = render_page(3, seals=1)
    b = render_page(3, seals=1)
    assert np.array_equal(a.image, b.image)
    x0, y0, x1, y1 = a.seals[0]
    patch = a.image[y0:y1, x0:x1].astype(int)
    red = (patch[..., 0] - np.maximum(patch[..., 1], patch[..., 2])) > 80
    assert red.mean() > 0.05


def test_card_has_card_ratio() -> None:
    c = render_card(1)
    h, w = c.image.shape[:2]
    assert abs(w / h - 1.586) < 0.01
