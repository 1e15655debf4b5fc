"""Renderers for every document type of the contract, several layouts for the important ones.

Each renderer takes the case's :class:`Story` and per-material :class:`Opts` and returns the pages (vector
model, see :mod:`canvas`) and the ground truth: the contract's fields for that type, normalised the way
the report shows them (dates ``YYYY-MM-DD``, money ``"2514.50"``, ``long_term``, ``"true"``/``"false"``).
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

import numpy as np
from PIL import Image, ImageDraw

from pipeline.codes import DOC_FIELDS, DocType
from samples.generator import canvas as cv
from samples.generator.canvas import Ellipse, Line, Page, Raster, Rect, Seal, Text
from samples.generator.story import Story, money, upper

A4 = (210.0, 297.0)
CARD = (85.6, 54.0)
CARD_DPI = 260  # cards are photographed close: ~875 x 552 px for the card itself
BLUE_INK = (30, 40, 110)
FORM_RED = (170, 60, 50)

FILING_LABELS = {
    "remote.retiree_relocation": "异地安置退休人员",
    "remote.long_term_residence": "异地长期居住人员",
    "remote.posted_worker": "常驻异地工作人员",
    "remote.referral": "异地转诊人员",
    "remote.temporary": "其他临时外出就医人员",
}


@dataclass
class Opts:
    """Per-material choices: faults that live on the paper itself (not in the capture)."""

    seal: bool = True
    omit: frozenset[str] = frozenset()  # fields left blank on the paper (信息不全)
    override: dict[str, str] = field(default_factory=dict)  # printed values differing from the story
    seal_over_text: bool = False  # the stamp sits on top of key text
    qr_override: dict[str, str] = field(default_factory=dict)  # e-invoice QR payload differing from the print
    emergency_mark: bool | None = None  # medical record: print 急诊 (None = as the story says)
    seed: int = 0


@dataclass
class Rendered:
    doc_type: DocType
    layout: str
    holdout: bool
    pages: list[Page]
    truth: dict[str, str]
    dpi: int  # the resolution the paper is rasterised at (before capture)
    card: bool = False


# --------------------------------------------------------------------------- formatting


def cn_date(d: date) -> str:
    return f"{d.year}年{d.month:02d}月{d.day:02d}日"


def cn_date_short(d: date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


def dot_date(d: date) -> str:
    return f"{d:%Y.%m.%d}"


def iso(d: date | None) -> str:
    return d.isoformat() if d else ""


class Values:
    """The printed values of one document: story defaults, overridden per material; omitted ones blank."""

    def __init__(self, doc_type: DocType, opts: Opts, defaults: dict[str, str]) -> None:
        self.doc_type = doc_type
        self.opts = opts
        self.values = {**defaults, **{k: v for k, v in opts.override.items()}}

    def __getitem__(self, key: str) -> str:
        if key in self.opts.omit:
            return ""
        return self.values.get(key, "")

    def date(self, key: str) -> date | None:
        v = self[key]
        return date.fromisoformat(v) if v and v != "long_term" else None

    def truth(self) -> dict[str, str]:
        fields = DOC_FIELDS[self.doc_type]
        return {
            k: self.values[k]
            for k in fields
            if k in self.values and self.values[k] and k not in self.opts.omit
        }


def _fmt(d: date | None, style: Callable[[date], str] = cn_date) -> str:
    return style(d) if d else ""


# --------------------------------------------------------------------------- A4 helpers


def wrap(text: str, width_mm: float, size: float, face: str = "serif") -> list[str]:
    lines: list[str] = []
    cur = ""
    for ch in text:
        if cv.text_width_mm(cur + ch, size, face) > width_mm and cur:
            lines.append(cur)
            cur = ch
        else:
            cur += ch
    if cur:
        lines.append(cur)
    return lines


def para(
    p: Page,
    x: float,
    y: float,
    text: str,
    width: float,
    size: float = 11,
    face: str = "serif",
    lh: float = 1.75,
) -> float:
    """Draw wrapped text, first line indented by two characters; return the y below it."""
    step = size * cv.PT_MM * lh
    for i, line in enumerate(wrap("\u3000\u3000" + text, width, size, face)):
        p.add(Text(x, y + i * step, line, size, face))
    return y + step * len(wrap("\u3000\u3000" + text, width, size, face))


def table(
    p: Page,
    x: float,
    y: float,
    widths: list[float],
    rows: list[list[str]],
    row_h: float = 8.0,
    size: float = 10,
    face: str = "sans",
    align: list[str] | None = None,
    color: tuple[int, int, int] = cv.INK,
    ink: tuple[int, int, int] = cv.INK,
) -> float:
    """A ruled table; returns its bottom y."""
    total = sum(widths)
    for r, row in enumerate(rows):
        top = y + r * row_h
        cx = x
        for c, cell in enumerate(row):
            w = widths[c]
            a = (align or ["m"] * len(widths))[c]
            tx = {"l": cx + 1.5, "m": cx + w / 2, "r": cx + w - 1.5}[a]
            if cell:
                p.add(
                    Text(tx, top + (row_h - size * cv.PT_MM) / 2 - 0.4, cell, size, face, anchor=a, color=ink)
                )
            cx += w
    bottom = y + row_h * len(rows)
    for r in range(len(rows) + 1):
        p.add(Line(x, y + r * row_h, x + total, y + r * row_h, 0.25, color))
    edges = [x + sum(widths[:i]) for i in range(len(widths) + 1)]
    for r, row in enumerate(rows):
        filled = [i for i, cell in enumerate(row) if cell]
        last = filled[-1] if filled else len(row) - 1
        # a value followed by two or more empty cells spans them (a merged cell, as forms print it)
        merged_from = last + 1 if len(row) - 1 - last >= 2 and last >= 1 else len(row)
        for i, ex in enumerate(edges):
            if 0 < i < len(edges) - 1 and i >= merged_from:
                continue
            p.add(Line(ex, y + r * row_h, ex, y + (r + 1) * row_h, 0.25, color))
    return bottom


def kv(
    p: Page,
    x: float,
    y: float,
    label: str,
    value: str,
    size: float = 11,
    width: float = 50.0,
    face: str = "serif",
) -> None:
    """``label：value`` with the value on an underline (a filled-in form)."""
    p.add(Text(x, y, label + "：", size, face))
    lx = x + cv.text_width_mm(label + "：", size, face)
    p.add(Line(lx, y + size * cv.PT_MM + 1.0, x + width, y + size * cv.PT_MM + 1.0, 0.2))
    if value:
        p.add(Text(lx + 1.5, y - 0.3, value, size, "sans", color=BLUE_INK if face == "serif" else cv.INK))


def seal(p: Page, opts: Opts, cx: float, cy: float, name: str, bottom: str = "", r: float = 20.0) -> None:
    if not opts.seal:
        return
    rng = random.Random(opts.seed * 31 + len(name))
    p.add(
        Seal(
            cx + rng.uniform(-3, 3),
            cy + rng.uniform(-3, 3),
            r,
            name,
            bottom,
            angle=rng.uniform(-25, 25),
            seed=opts.seed,
        )
    )


def hospital_logo(p: Page, x: float, y: float, size: float = 13.0) -> None:
    """A coloured letterhead emblem (a cross in a ring), as hospitals print on their forms."""
    teal = (0, 118, 140)
    p.add(Ellipse(x, y, x + size, y + size, fill=teal))
    p.add(Ellipse(x + 1.2, y + 1.2, x + size - 1.2, y + size - 1.2, fill=(255, 255, 255)))
    c, a, b = x + size / 2, size * 0.12, size * 0.32
    p.add(Rect(c - a, y + size / 2 - b, c + a, y + size / 2 + b, 0.1, outline=None, fill=teal))
    p.add(Rect(c - b, y + size / 2 - a, c + b, y + size / 2 + a, 0.1, outline=None, fill=teal))


def hospital_header(p: Page, hospital: str, title: str, y: float = 18.0) -> float:
    hospital_logo(p, 16.0, y - 3.0)
    p.add(Text(105, y, hospital, 17, "serif-bold", anchor="m", spacing=0.6))
    p.add(Text(105, y + 10, title, 15, "serif-bold", anchor="m", spacing=1.5))
    return y + 22


# --------------------------------------------------------------------------- cards


def _portrait(
    p: Page, x0: float, y0: float, x1: float, y1: float, seed: int, bg: tuple[int, int, int] = (225, 232, 240)
) -> None:
    """A neutral head-and-shoulders silhouette standing in for the holder's photo (no real faces)."""
    rng = random.Random(seed)
    tone = rng.choice([(120, 100, 90), (140, 118, 104), (100, 84, 76)])
    hair = rng.choice([(25, 22, 22), (40, 32, 28), (60, 55, 50)])
    shirt = rng.choice([(40, 45, 60), (235, 235, 235), (70, 70, 80)])

    def fn(img: Image.Image, k: float) -> None:
        w, h = round((x1 - x0) * k), round((y1 - y0) * k)
        ph = Image.new("RGB", (w, h), bg)
        d = ImageDraw.Draw(ph)
        d.ellipse([0.05 * w, 0.74 * h, 0.95 * w, 1.45 * h], fill=shirt)
        d.rectangle([0.41 * w, 0.56 * h, 0.59 * w, 0.80 * h], fill=tone)
        d.ellipse([0.26 * w, 0.16 * h, 0.74 * w, 0.68 * h], fill=tone)
        d.chord([0.24 * w, 0.10 * h, 0.76 * w, 0.52 * h], 180, 360, fill=hair)
        img.paste(ph, (round(x0 * k), round(y0 * k)))

    p.add(Raster(fn))


def _guilloche(colors: tuple[tuple[int, int, int], tuple[int, int, int]], seed: int) -> Raster:
    def fn(img: Image.Image, k: float) -> None:
        w, h = img.size
        yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
        rng = np.random.default_rng(seed)
        a, b = np.array(colors[0], np.float32), np.array(colors[1], np.float32)
        t = (xx / w * 0.7 + yy / h * 0.3)[..., None]
        base = a * (1 - t) + b * t
        f1, f2 = rng.uniform(0.02, 0.04), rng.uniform(0.05, 0.08)
        wave = np.sin(xx / k * f1 * 40 + np.sin(yy / k * f2 * 12) * 3.0)
        lines = (np.abs(wave) < 0.06)[..., None]
        base = np.where(lines, base * 0.965, base)
        img.paste(Image.fromarray(np.clip(base, 0, 255).astype(np.uint8), "RGB"))

    return Raster(fn)


def _watermark(text: str) -> Raster:
    """The 'for this purpose only' text people lay over ID copies: two light diagonal lines inside the card."""

    def fn(img: Image.Image, k: float) -> None:
        w, h = img.size
        over = Image.new("L", (w, h), 0)
        d = ImageDraw.Draw(over)
        f = cv.font("sans-bold", round(4.6 * k))
        for cy in (0.40, 0.68):
            d.text((w / 2, h * cy), text, font=f, fill=70, anchor="mm")
        over = over.rotate(18, resample=Image.Resampling.BICUBIC, center=(w / 2, h / 2))
        layer = Image.new("RGB", (w, h), (70, 110, 200))
        img.paste(Image.composite(layer, img.convert("RGB"), over), (0, 0))

    return Raster(fn)


def id_card_front(s: Story, layout: str, o: Opts) -> Rendered:
    pp = s.person
    v = Values(
        DocType.ID_CARD_FRONT,
        o,
        {
            "name": pp.name,
            "sex": pp.sex,
            "ethnicity": pp.ethnicity,
            "birth_date": iso(pp.birth_date),
            "address": pp.address,
            "id_number": pp.id_number,
        },
    )
    p = Page(*CARD, corner_radius=3.2)
    p.add(_guilloche(((236, 240, 236), (242, 232, 226)), o.seed))
    lab = (60, 110, 170)
    p.add(Text(5.5, 6.0, "姓  名", 6.2, "sans", color=lab))
    p.add(Text(17.0, 5.2, v["name"], 9.6, "sans-bold"))
    p.add(Text(5.5, 13.2, "性  别", 6.2, "sans", color=lab))
    p.add(Text(17.0, 12.6, v["sex"], 8.4, "sans"))
    p.add(Text(27.0, 13.2, "民  族", 6.2, "sans", color=lab))
    p.add(Text(38.0, 12.6, v["ethnicity"], 8.4, "sans"))
    p.add(Text(5.5, 20.2, "出  生", 6.2, "sans", color=lab))
    b = v.date("birth_date")
    if b:
        p.add(Text(17.0, 19.6, f"{b.year}", 8.4, "sans"))
        p.add(Text(26.4, 20.2, "年", 6.2, "sans", color=lab))
        p.add(Text(31.0, 19.6, f"{b.month}", 8.4, "sans", anchor="m"))
        p.add(Text(34.5, 20.2, "月", 6.2, "sans", color=lab))
        p.add(Text(39.8, 19.6, f"{b.day}", 8.4, "sans", anchor="m"))
        p.add(Text(43.0, 20.2, "日", 6.2, "sans", color=lab))
    p.add(Text(5.5, 27.2, "住  址", 6.2, "sans", color=lab))
    addr = v["address"]
    for i in range(0, len(addr), 11):
        p.add(Text(17.0, 26.6 + (i // 11) * 4.3, addr[i : i + 11], 8.0, "sans"))
    p.add(Text(5.5, 45.6, "公民身份号码", 6.2, "sans", color=lab))
    p.add(Text(27.0, 44.8, v["id_number"], 9.4, "sans-bold", spacing=0.32))
    _portrait(p, 55.5, 6.0, 80.5, 38.5, o.seed, bg=(236, 238, 236))
    if layout == "watermarked":
        p.add(_watermark("仅供医保备案使用 他用无效"))
    return Rendered(
        DocType.ID_CARD_FRONT, layout, layout == "watermarked", [p], v.truth(), CARD_DPI, card=True
    )


def _emblem(p: Page, x: float, y: float, r: float) -> None:
    p.add(Ellipse(x - r, y - r, x + r, y + r, fill=(205, 40, 40)))
    p.add(Ellipse(x - 0.78 * r, y - 0.78 * r, x + 0.78 * r, y + 0.78 * r, outline=(240, 200, 60), width=0.6))
    p.add(
        Rect(x - 0.45 * r, y + 0.05 * r, x + 0.45 * r, y + 0.35 * r, 0.1, outline=None, fill=(240, 200, 60))
    )
    p.add(Rect(x - 0.3 * r, y - 0.45 * r, x + 0.3 * r, y - 0.05 * r, 0.1, outline=None, fill=(240, 200, 60)))


def id_card_back(s: Story, layout: str, o: Opts) -> Rendered:
    pp = s.person
    v = Values(
        DocType.ID_CARD_BACK,
        o,
        {
            "issuer": police_of(pp.address),
            "valid_from": iso(pp.id_valid_from),
            "valid_until": pp.valid_until_value,
        },
    )
    p = Page(*CARD, corner_radius=3.2)
    p.add(_guilloche(((232, 238, 240), (240, 236, 222)), o.seed + 7))
    _emblem(p, 13.5, 13.0, 8.5)
    p.add(Text(52.0, 8.0, "中华人民共和国", 12.5, "sans-bold", anchor="m", spacing=0.9))
    p.add(Text(52.0, 17.0, "居民身份证", 16, "sans-bold", anchor="m", spacing=1.6))
    lab = (30, 30, 30)
    p.add(Text(16.0, 39.0, "签发机关", 6.5, "sans", color=lab))
    p.add(Text(30.0, 38.5, v["issuer"], 8.2, "sans"))
    p.add(Text(16.0, 45.5, "有效期限", 6.5, "sans", color=lab))
    frm, until = v.date("valid_from"), v["valid_until"]
    if frm or until:
        end = "长期" if until == "long_term" else (dot_date(date.fromisoformat(until)) if until else "")
        p.add(Text(30.0, 45.0, f"{_fmt(frm, dot_date)}-{end}", 8.2, "sans"))
    if layout == "watermarked":
        p.add(_watermark("仅供医保备案使用 他用无效"))
    return Rendered(
        DocType.ID_CARD_BACK, layout, layout == "watermarked", [p], v.truth(), CARD_DPI, card=True
    )


def residence_permit(s: Story, layout: str, o: Opts) -> Rendered:
    pp = s.person
    dest_prov = s.destination[:3] if s.destination else "浙江省"
    v = Values(
        DocType.RESIDENCE_PERMIT,
        o,
        {
            "name": pp.name,
            "id_number": pp.id_number,
            "address": s.permit_address or f"{s.destination}兴建路{(s.rng_seed % 200) + 1}号",
            "valid_from": iso(s.permit_from),
            "valid_until": iso(s.permit_until),
        },
    )
    p = Page(*CARD, corner_radius=3.2)
    p.add(_guilloche(((228, 238, 246), (238, 244, 236)), o.seed + 3))
    p.add(
        Text(42.8, 3.5, f"{dest_prov}居住证", 11, "sans-bold", anchor="m", spacing=1.0, color=(20, 70, 140))
    )
    lab = (60, 100, 150)
    rows = [
        ("姓  名", v["name"], 8.8),
        ("性  别", pp.sex, 8.0),
        ("出  生", cn_date_short(pp.birth_date), 8.0),
    ]
    y = 11.5
    for label, val, size in rows:
        p.add(Text(5.0, y + 0.5, label, 6.0, "sans", color=lab))
        p.add(Text(16.0, y, val, size, "sans"))
        y += 6.0
    p.add(Text(5.0, y + 0.5, "住  址", 6.0, "sans", color=lab))
    addr = v["address"]
    for i in range(0, len(addr), 12):
        p.add(Text(16.0, y + (i // 12) * 3.9, addr[i : i + 12], 7.4, "sans"))
    p.add(Text(5.0, 41.5, "公民身份号码", 6.0, "sans", color=lab))
    p.add(Text(25.0, 40.8, v["id_number"], 9.2, "sans-bold", spacing=0.4))
    frm, until = v.date("valid_from"), v.date("valid_until")
    p.add(Text(5.0, 47.5, "有效期限", 6.0, "sans", color=lab))
    if frm or until:
        p.add(Text(16.0, 46.9, f"{_fmt(frm, dot_date)}-{_fmt(until, dot_date)}", 7.8, "sans"))
    p.add(Text(60.0, 47.5, s.permit_issuer or "舟山市公安局普陀分局", 5.6, "sans", anchor="m"))
    _portrait(p, 60.0, 10.0, 81.0, 38.0, o.seed + 1, bg=(232, 240, 248))
    return Rendered(DocType.RESIDENCE_PERMIT, layout, False, [p], v.truth(), CARD_DPI, card=True)


def ssc_card(s: Story, layout: str, o: Opts) -> Rendered:
    pp = s.person
    v = Values(DocType.SSC_CARD, o, {"name": pp.name, "id_number": pp.id_number, "ssc_number": pp.ssc_number})
    p = Page(*CARD, corner_radius=3.2)
    p.add(_guilloche(((210, 232, 240), (236, 246, 238)), o.seed + 5))
    p.add(Ellipse(4.0, 3.0, 12.0, 11.0, fill=(200, 40, 40)))
    p.add(Text(8.0, 4.6, "社", 9, "sans-bold", anchor="m", color=(255, 255, 255)))
    p.add(Text(14.0, 3.6, "中华人民共和国", 6.5, "sans", color=(20, 60, 120)))
    p.add(Text(14.0, 6.8, "社会保障卡", 11, "sans-bold", color=(20, 60, 120), spacing=0.6))
    p.add(Text(82.0, 4.0, "中国工商银行", 6.5, "sans-bold", anchor="r", color=(190, 30, 30)))
    p.add(Rect(6.0, 17.0, 16.0, 25.0, 0.2, outline=(150, 120, 40), fill=(215, 180, 90)))
    for yy in (19.0, 21.0, 23.0):
        p.add(Line(6.0, yy, 16.0, yy, 0.15, (150, 120, 40)))
    lab = (40, 70, 110)
    p.add(Text(6.0, 30.0, "姓  名", 6.2, "sans", color=lab))
    p.add(Text(22.0, 29.4, v["name"], 8.6, "sans-bold"))
    p.add(Text(6.0, 36.5, "社会保障号码", 6.2, "sans", color=lab))
    p.add(Text(22.0, 36.0, v["id_number"], 8.4, "sans", spacing=0.3))
    p.add(Text(6.0, 43.0, "社会保障卡号", 6.2, "sans", color=lab))
    p.add(Text(22.0, 42.5, v["ssc_number"], 8.4, "sans", spacing=0.3))
    p.add(Text(6.0, 49.0, "发卡日期", 6.2, "sans", color=lab))
    p.add(Text(22.0, 48.5, f"{pp.id_valid_from.year}年{pp.id_valid_from.month:02d}月", 7.6, "sans"))
    _portrait(p, 62.0, 15.0, 81.0, 40.0, o.seed + 2, bg=(250, 250, 252))
    return Rendered(DocType.SSC_CARD, layout, False, [p], v.truth(), CARD_DPI, card=True)


def police_of(address: str) -> str:
    """The public security bureau of an address: ``荆门市公安局东宝分局`` / ``钟祥市公安局``."""
    m = re.match(r"^(?:.+?(?:省|自治区))?(.+?(?:市|地区|自治州|盟))(.+?(?:区|县|市))", address)
    if not m:
        return "公安局户政科"
    city, county = m.group(1), m.group(2)
    return f"{city}公安局{county[:-1]}分局" if county.endswith("区") else f"{county}公安局"


def hukou_booklet(s: Story, layout: str, o: Opts) -> Rendered:
    pp = s.person
    address = s.hukou_address or pp.address
    v = Values(DocType.HUKOU_BOOKLET, o, {"name": pp.name, "id_number": pp.id_number, "address": address})
    W, H = 143.0, 105.0
    p = Page(W, H, background=(250, 246, 236))
    c = (150, 90, 70)
    p.add(Text(W / 2, 5.0, "常住人口登记卡", 13, "serif-bold", anchor="m", spacing=1.5, color=c))
    x = 6.0
    widths = [24.0, 30.0, 22.0, 28.0, 21.0]
    rows = [
        ["户主或与户主关系", "户主", "", "", ""],
        ["姓名", v["name"], "性别", pp.sex, ""],
        ["曾用名", "", "出生地", pp.region.place[:12], ""],
        ["民族", pp.ethnicity, "出生日期", cn_date_short(pp.birth_date), ""],
        ["公民身份号码", "", "", "", ""],
        ["住址", "", "", "", ""],
        ["服务处所", "", "职业", "", ""],
        ["何时由何地迁来本址", "", "", "", ""],
    ]
    rh = 9.5
    # " " in the value column of label-only rows: the value cell spans the rest of the row
    grid = [[r[0], " " if not r[2] else "", r[2], "", ""] for r in rows]
    table(p, x, 14.0, widths, grid, rh, 7.5, "serif", color=c, ink=c)
    for i, r in enumerate(rows):
        y = 14.0 + i * rh + (rh - 8.5 * cv.PT_MM) / 2 - 0.4
        if r[1]:
            p.add(Text(x + 26.0, y, r[1], 8.5, "sans", color=cv.INK))
        if r[3]:
            p.add(Text(x + 78.0, y, r[3], 8.5, "sans", color=cv.INK))
    p.add(Text(x + 26.0, 14.0 + 4 * rh + 2.0, v["id_number"], 9.0, "sans", spacing=0.4))
    p.add(Text(x + 26.0, 14.0 + 5 * rh + 2.2, v["address"], 8.0, "sans"))
    moved = pp.id_valid_from - timedelta(days=400)
    p.add(
        Text(x + 26.0, 14.0 + 7 * rh + 2.2, f"{cn_date_short(moved)}由{pp.region.place[:9]}迁来", 8.0, "sans")
    )
    p.add(
        Text(
            W - 8.0,
            H - 9.0,
            f"登记日期：{cn_date_short(pp.id_valid_from - timedelta(days=380))}",
            7.5,
            "serif",
            anchor="r",
            color=c,
        )
    )
    seal(p, o, W - 26.0, 30.0, police_of(v.values["address"]), "户口专用章", r=15.0)
    return Rendered(DocType.HUKOU_BOOKLET, layout, False, [p], v.truth(), 200)


# --------------------------------------------------------------------------- money documents


def _qr(content: str, x: float, y: float, size: float) -> Raster:
    def code() -> Image.Image:
        import zxingcpp

        bc = zxingcpp.create_barcode(content, zxingcpp.BarcodeFormat.QRCode)
        return Image.fromarray(np.array(bc.to_image(scale=4, add_quiet_zones=False))).convert("RGB")

    def fn(img: Image.Image, k: float) -> None:
        q = code().resize((round(size * k), round(size * k)), Image.Resampling.NEAREST)
        img.paste(q, (round(x * k), round(y * k)))

    return Raster(fn, pdf=(x, y, size, size, code))


def medical_invoice(s: Story, layout: str, o: Opts) -> Rendered:
    v = Values(
        DocType.MEDICAL_INVOICE,
        o,
        {
            "invoice_code": s.invoice_code,
            "invoice_number": s.invoice_number,
            "check_code": s.check_code,
            "payer_name": s.person.name,
            "payee": s.hospital.name,
            "issue_date": iso(s.invoice_date),
            "total_amount": money(s.total),
            # ground truth of the capital-numeral amount is the amount it spells, as a decimal string
            "total_amount_upper": money(s.total),
        },
    )
    if "total_amount" in o.override and "total_amount_upper" not in o.override:
        v.values["total_amount_upper"] = o.override["total_amount"]
    upper_text = upper(Decimal(v["total_amount_upper"])) if v["total_amount_upper"] else ""
    kind = "住院" if s.inpatient else "门诊"
    prov = s.hospital.province
    if layout == "electronic":
        W, H = 240.0, 140.0
        p = Page(W, H)
        fc = (150, 60, 40)
        q = {k: v[k] for k in ("invoice_code", "invoice_number", "check_code", "issue_date", "total_amount")}
        q.update(o.qr_override)
        qr_date = q["issue_date"].replace("-", "")
        # the fiscal e-bill payload: version, 票据代码, 票据号码, 校验码, 开票日期, 金额
        payload = (
            f"01,{q['invoice_code']},{q['invoice_number']},{q['check_code']},{qr_date},{q['total_amount']}"
        )
        p.add(_qr(payload, 10, 8, 24))
        p.add(
            Text(W / 2 - 4, 9.0, f"{prov}医疗{kind}收费票据（电子）", 14, "serif-bold", anchor="m", color=fc)
        )
        p.add(Line(W / 2 - 52, 17.5, W / 2 + 44, 17.5, 0.4, fc))
        p.add(Line(W / 2 - 52, 18.5, W / 2 + 44, 18.5, 0.4, fc))
        x2 = 170.0
        for i, (label, key) in enumerate(
            [("票据代码", "invoice_code"), ("票据号码", "invoice_number"), ("校 验 码", "check_code")]
        ):
            p.add(Text(x2, 8.0 + i * 5.6, f"{label}：", 9, "sans", color=fc))
            p.add(Text(x2 + 17.0, 8.0 + i * 5.6, v[key], 9, "sans"))
        p.add(Text(x2, 8.0 + 3 * 5.6, "开票日期：", 9, "sans", color=fc))
        p.add(Text(x2 + 17.0, 8.0 + 3 * 5.6, _fmt(v.date("issue_date"), cn_date), 9, "sans"))
        p.add(Text(12.0, 36.0, "交款人统一社会信用代码：", 9, "sans", color=fc))
        p.add(Text(52.0, 36.0, s.person.id_number, 9, "sans"))
        p.add(Text(130.0, 36.0, "交款人：", 9, "sans", color=fc))
        p.add(Text(144.0, 36.0, v["payer_name"], 9.5, "sans"))
        rows = [["项目名称", "金额（元）", "备注", "项目名称", "金额（元）", "备注"]]
        cats = s.categories()
        half = (len(cats) + 1) // 2
        for i in range(max(half, 4)):
            left = cats[i] if i < half else None
            right = cats[half + i] if half + i < len(cats) else None
            rows.append(
                [
                    left[0] if left else "",
                    money(left[1]) if left else "",
                    "",
                    right[0] if right else "",
                    money(right[1]) if right else "",
                    "",
                ]
            )
        bottom = table(p, 10, 42, [50, 32, 28, 50, 32, 28], rows, 7.0, 9, color=fc)
        p.add(Rect(10, bottom, 230, bottom + 8, 0.25, outline=fc))
        p.add(Text(12.0, bottom + 2.0, "金额合计（大写）", 9.5, "sans", color=fc))
        p.add(Text(42.0, bottom + 2.0, upper_text, 9.5, "sans"))
        p.add(Text(150.0, bottom + 2.0, "（小写）", 9.5, "sans", color=fc))
        if v["total_amount"]:
            p.add(Text(164.0, bottom + 2.0, "¥" + v["total_amount"], 9.5, "sans"))
        p.add(Rect(10, bottom + 8, 230, bottom + 26, 0.25, outline=fc))
        p.add(Text(12.0, bottom + 10.0, "备注", 9, "sans", color=fc))
        stay = (
            f"住院时间：{_fmt(s.admission, iso)}至{_fmt(s.discharge, iso)}  住院号：{s.record_no}"
            if s.inpatient
            else f"门诊号：{s.record_no}  就诊日期：{_fmt(s.visit_date, iso)}"
        )
        p.add(
            Text(
                24.0,
                bottom + 10.0,
                f"业务流水号：{s.record_no}{s.invoice_number[-4:]}  医疗机构类型：{s.hospital.level}医院",
                8.5,
                "sans",
            )
        )
        p.add(Text(24.0, bottom + 15.5, stay, 8.5, "sans"))
        p.add(
            Text(
                24.0,
                bottom + 21.0,
                "医保类型："
                + ("职工基本医疗保险" if s.person.age(s.submitted_on) > 30 else "城乡居民基本医疗保险"),
                8.5,
                "sans",
            )
        )
        y = bottom + 30.0
        p.add(Text(12.0, y, "收款单位（章）：", 9.5, "sans", color=fc))
        p.add(Text(40.0, y, v["payee"], 9.5, "sans"))
        p.add(Text(150.0, y, "复核人：", 9.5, "sans", color=fc))
        p.add(Text(164.0, y, "闫芳", 9.5, "sans"))
        p.add(Text(190.0, y, "收款人：", 9.5, "sans", color=fc))
        p.add(Text(204.0, y, "鲍静", 9.5, "sans"))
        if o.seal_over_text:  # the stamp sits right on the payee's name
            seal(
                p,
                o,
                40.0 + cv.text_width_mm(v["payee"], 9.5) / 2,
                y + 2.0,
                s.hospital.name,
                "收费专用章",
                r=17.0,
            )
        else:
            seal(
                p,
                o,
                48.0 + cv.text_width_mm(v["payee"], 9.5) + 18.0,
                y - 5.0,
                s.hospital.name,
                "收费专用章",
                r=17.0,
            )
        return Rendered(DocType.MEDICAL_INVOICE, layout, False, [p], v.truth(), 150)
    # printed: a pre-printed paper form filled by a dot-matrix/laser printer
    W, H = 210.0, 127.0
    p = Page(W, H, background=(252, 250, 244))
    fc = (175, 70, 60)
    off = random.Random(o.seed).uniform(-1.2, 1.2)
    ink = (35, 35, 80)
    p.add(Text(W / 2, 7.0, f"{prov}医疗{kind}收费票据", 15, "serif-bold", anchor="m", color=fc, spacing=0.8))
    p.add(Text(14.0, 17.0, "票据代码：", 9, "serif", color=fc))
    p.add(Text(31.0 + off, 16.6, v["invoice_code"], 9.5, "sans", color=ink))
    p.add(Text(140.0, 17.0, "No.", 11, "serif-bold", color=fc))
    p.add(Text(150.0, 16.5, v["invoice_number"], 11, "sans", color=(190, 30, 30)))
    p.add(Text(14.0, 23.0, "校验码：", 9, "serif", color=fc))
    p.add(Text(31.0 + off, 22.6, v["check_code"], 9.5, "sans", color=ink))
    p.add(Text(140.0, 23.0, "开票日期：", 9, "serif", color=fc))
    p.add(Text(158.0 + off, 22.6, _fmt(v.date("issue_date"), cn_date), 9.5, "sans", color=ink))
    p.add(Text(14.0, 29.0, "交款人：", 9, "serif", color=fc))
    p.add(Text(31.0 + off, 28.6, v["payer_name"], 9.5, "sans", color=ink))
    p.add(Text(80.0, 29.0, "住院号：" if s.inpatient else "门诊号：", 9, "serif", color=fc))
    p.add(Text(96.0 + off, 28.6, s.record_no, 9.5, "sans", color=ink))
    p.add(Text(140.0, 29.0, "性别：", 9, "serif", color=fc))
    p.add(Text(152.0 + off, 28.6, s.person.sex, 9.5, "sans", color=ink))
    cats = s.categories()
    rows = [["项 目", "金 额", "项 目", "金 额"]]
    half = (len(cats) + 1) // 2
    for i in range(max(half, 4)):
        left = cats[i] if i < half else None
        right = cats[half + i] if half + i < len(cats) else None
        rows.append(
            [
                left[0] if left else "",
                money(left[1]) if left else "",
                right[0] if right else "",
                money(right[1]) if right else "",
            ]
        )
    bottom = table(
        p,
        12,
        35,
        [46, 47, 46, 47],
        [[rows[0][0], rows[0][1], rows[0][2], rows[0][3]]] + [["", "", "", ""]] * (len(rows) - 1),
        7.0,
        9,
        "serif",
        color=fc,
        ink=fc,
    )
    for i, r in enumerate(rows[1:], start=1):
        y = 35 + i * 7.0 + 1.6
        for j, xx in enumerate((14.0 + off, 70.0 + off, 107.0 + off, 163.0 + off)):
            if r[j]:
                p.add(Text(xx, y, r[j], 9, "sans", color=ink))
    p.add(Text(14.0, bottom + 3.0, "合计（大写）", 9, "serif", color=fc))
    p.add(Text(38.0 + off, bottom + 2.6, upper_text, 9.5, "sans", color=ink))
    p.add(Text(140.0, bottom + 3.0, "（小写）", 9, "serif", color=fc))
    if v["total_amount"]:
        p.add(Text(155.0 + off, bottom + 2.6, "¥" + v["total_amount"], 9.5, "sans", color=ink))
    p.add(Line(12, bottom + 9.0, 198, bottom + 9.0, 0.25, fc))
    if s.inpatient:
        p.add(
            Text(
                14.0,
                bottom + 11.5,
                f"住院日期：{_fmt(s.admission, dot_date)}-{_fmt(s.discharge, dot_date)}",
                8.5,
                "sans",
                color=ink,
            )
        )
    p.add(Text(14.0, H - 12.0, "收款单位（章）：", 9, "serif", color=fc))
    p.add(Text(42.0 + off, H - 12.4, v["payee"], 9.5, "sans", color=ink))
    p.add(Text(150.0, H - 12.0, "收款人：", 9, "serif", color=fc))
    p.add(Text(165.0, H - 12.4, "柏敏", 9.5, "sans", color=ink))
    if o.seal_over_text:
        seal(
            p,
            o,
            42.0 + cv.text_width_mm(v["payee"], 9.5) / 2,
            H - 11.0,
            s.hospital.name,
            "收费专用章",
            r=16.0,
        )
    else:
        seal(p, o, 118.0, H - 20.0, s.hospital.name, "收费专用章", r=16.0)
    return Rendered(DocType.MEDICAL_INVOICE, layout, layout == "printed", [p], v.truth(), 150)


def expense_list(s: Story, layout: str, o: Opts) -> Rendered:
    start = s.admission if s.inpatient else s.visit_date
    end = s.discharge if s.inpatient else s.visit_date
    total = Decimal(o.override["total_amount"]) if "total_amount" in o.override else s.total
    v = Values(
        DocType.EXPENSE_LIST,
        o,
        {
            "patient_name": s.person.name,
            "hospital": s.hospital.name,
            "total_amount": money(s.total),
            "start_date": iso(start),
            "end_date": iso(end),
        },
    )
    p = Page(*A4)
    kind = "住院" if s.inpatient else "门急诊"
    if layout == "inpatient_table":
        y = hospital_header(p, v["hospital"], f"{kind}费用清单")
        p.add(Text(15, y, f"姓名：{v['patient_name']}", 10.5, "sans"))
        p.add(Text(62, y, f"性别：{s.person.sex}", 10.5, "sans"))
        p.add(Text(92, y, f"年龄：{s.person.age(s.submitted_on)}岁", 10.5, "sans"))
        p.add(Text(130, y, f"{'住院号' if s.inpatient else '门诊号'}：{s.record_no}", 10.5, "sans"))
        y += 7
        p.add(Text(15, y, f"科室：{s.ward}", 10.5, "sans"))
        d0, d1 = v.date("start_date"), v.date("end_date")
        p.add(Text(62, y, f"费用期间：{_fmt(d0, iso)} 至 {_fmt(d1, iso)}", 10.5, "sans"))
        y += 8
        rows = [["序号", "项目编码", "项目名称", "规格", "单位", "数量", "单价", "金额", "类别"]]
        for i, it in enumerate(s.items, 1):
            rows.append(
                [
                    str(i),
                    it.code,
                    it.name,
                    it.spec,
                    it.unit,
                    str(it.qty),
                    money(it.price),
                    money(it.amount),
                    it.grade,
                ]
            )
        y = table(
            p,
            12,
            y,
            [11, 20, 46, 22, 11, 12, 20, 26, 12],
            rows,
            7.2,
            9,
            "sans",
            align=["m", "m", "l", "m", "m", "r", "r", "r", "m"],
        )
        y += 4
        p.add(Text(15, y, f"费用合计：{v['total_amount']}元", 11, "sans-bold"))
        p.add(
            Text(
                110,
                y,
                f"其中：甲类 {money(sum((i.amount for i in s.items if i.grade == '甲'), Decimal(0)))}",
                10,
                "sans",
            )
        )
        p.add(Text(15, y + 8, f"打印日期：{_fmt(end, iso)}", 9.5, "sans"))
        p.add(Text(110, y + 8, "本清单仅供参保人员报销使用", 9.5, "sans"))
        seal(p, o, 160.0, y + 4.0, v["hospital"], "住院处" if s.inpatient else "门诊收费处", r=19.0)
        return Rendered(DocType.EXPENSE_LIST, layout, False, [p], v.truth(), 150)
    # daily: per-day blocks with subtotals
    y = 16.0
    p.add(Text(105, y, f"{v['hospital']}{kind}患者费用明细清单", 14, "sans-bold", anchor="m"))
    y += 10
    p.add(Text(14, y, f"患者姓名 {v['patient_name']}    病案号 {s.record_no}    病区 {s.ward}", 10, "sans"))
    y += 6
    d0, d1 = v.date("start_date"), v.date("end_date")
    if s.inpatient:
        p.add(Text(14, y, f"入院日期 {_fmt(d0, iso)}    出院日期 {_fmt(d1, iso)}", 10, "sans"))
    else:
        p.add(Text(14, y, f"费用日期 {_fmt(d0, iso)} 至 {_fmt(d1, iso)}", 10, "sans"))
    y += 7
    p.add(Line(12, y, 198, y, 0.4))
    p.add(Text(14, y + 1.5, "日期", 9.5, "sans-bold"))
    p.add(Text(38, y + 1.5, "项目名称", 9.5, "sans-bold"))
    p.add(Text(120, y + 1.5, "数量", 9.5, "sans-bold"))
    p.add(Text(150, y + 1.5, "单价", 9.5, "sans-bold"))
    p.add(Text(196, y + 1.5, "金额", 9.5, "sans-bold", anchor="r"))
    y += 7
    p.add(Line(12, y, 198, y, 0.25))
    for it in s.items:
        p.add(Text(14, y + 1.2, _fmt(d0, iso), 9, "sans"))
        p.add(Text(38, y + 1.2, f"{it.name} {it.spec}".strip(), 9, "sans"))
        p.add(Text(120, y + 1.2, f"{it.qty}{it.unit}", 9, "sans"))
        p.add(Text(150, y + 1.2, money(it.price), 9, "sans"))
        p.add(Text(196, y + 1.2, money(it.amount), 9, "sans", anchor="r"))
        y += 6.0
    p.add(Line(12, y + 1, 198, y + 1, 0.4))
    p.add(Text(196, y + 3.0, f"合计金额：{v['total_amount']}", 10.5, "sans-bold", anchor="r"))
    _ = total
    seal(p, o, 150.0, y + 22.0, v["hospital"], "费用清单专用章", r=18.0)
    return Rendered(DocType.EXPENSE_LIST, layout, True, [p], v.truth(), 150)


def settlement_statement(s: Story, layout: str, o: Opts) -> Rendered:
    total = s.total
    v = Values(
        DocType.SETTLEMENT_STATEMENT,
        o,
        {"patient_name": s.person.name, "hospital": s.hospital.name, "total_amount": money(total)},
    )
    p = Page(*A4)
    p.add(Text(105, 18, "基本医疗保险、大病保险住院结算单", 15, "serif-bold", anchor="m"))
    p.add(Text(15, 32, f"定点医疗机构：{v['hospital']}", 10.5, "sans"))
    p.add(Text(140, 32, f"结算日期：{_fmt(s.discharge, iso)}", 10.5, "sans"))
    pooled = (total * Decimal("0.62")).quantize(Decimal("0.01"))
    major = (total * Decimal("0.08")).quantize(Decimal("0.01"))
    own = total - pooled - major
    rows = [
        ["姓名", v["patient_name"], "性别", s.person.sex, "住院号", s.record_no],
        ["入院日期", _fmt(s.admission, iso), "出院日期", _fmt(s.discharge, iso), "险种", "基本医疗保险"],
        ["出院诊断", s.disease.name, "", "", "", ""],
        ["医疗总费用", v["total_amount"], "统筹基金支付", money(pooled), "大病保险支付", money(major)],
        ["个人账户支付", "0.00", "个人现金支付", money(own), "医疗救助支付", "0.00"],
    ]
    y = table(p, 12, 40, [28, 34, 30, 34, 30, 30], rows, 10, 10, "sans")
    p.add(Text(15, y + 6, "经办人：甘丽    复核人：邝强", 10.5, "sans"))
    seal(p, o, 150.0, y + 10.0, v["hospital"], "医保结算专用章", r=19.0)
    return Rendered(DocType.SETTLEMENT_STATEMENT, layout, False, [p], v.truth(), 150)


# --------------------------------------------------------------------------- medical documents


def discharge_record(s: Story, layout: str, o: Opts) -> Rendered:
    v = Values(
        DocType.DISCHARGE_RECORD,
        o,
        {
            "patient_name": s.person.name,
            "hospital": s.hospital.name,
            "admission_date": iso(s.admission),
            "discharge_date": iso(s.discharge),
            "diagnosis": s.disease.name,
        },
    )
    p = Page(*A4)
    a, d = v.date("admission_date"), v.date("discharge_date")
    days = (d - a).days if a and d else 0
    title = "出院记录" if layout == "record" else "出院小结"
    y = hospital_header(p, v["hospital"], title)
    story_text = [
        (
            "入院情况",
            f"患者因“{_complaint(s)}”入院。查体：T 36.8℃，P 82次/分，R 20次/分，BP 132/84mmHg，神志清，精神可。",
        ),
        ("诊疗经过", "入院后完善相关检查，给予抗感染、对症支持等治疗，病情好转。"),
        ("出院情况", "患者一般情况可，无发热，饮食睡眠可，生命体征平稳。"),
        ("出院医嘱", "1.注意休息，清淡饮食；2.按时服药，门诊随访；3.如有不适及时就诊。"),
    ]
    if layout == "record":
        p.add(Text(15, y, f"姓名：{v['patient_name']}", 11, "sans"))
        p.add(Text(75, y, f"性别：{s.person.sex}", 11, "sans"))
        p.add(Text(105, y, f"年龄：{s.person.age(s.submitted_on)}岁", 11, "sans"))
        p.add(Text(140, y, f"住院号：{s.record_no}", 11, "sans"))
        y += 8
        p.add(Text(15, y, f"科别：{s.ward}", 11, "sans"))
        p.add(Text(75, y, f"床号：{(s.rng_seed % 40) + 1}床", 11, "sans"))
        p.add(Line(15, y + 7, 195, y + 7, 0.4))
        y += 11
        p.add(Text(15, y, f"入院日期：{_fmt(a, cn_date)}", 11, "serif"))
        p.add(Text(105, y, f"出院日期：{_fmt(d, cn_date)}", 11, "serif"))
        y += 8
        p.add(Text(15, y, f"住院天数：{days}天", 11, "serif"))
        y += 8
        p.add(Text(15, y, f"入院诊断：{v['diagnosis']}", 11, "serif"))
        y += 8
        p.add(Text(15, y, f"出院诊断：{v['diagnosis']}", 11, "serif"))
        y += 10
        for head, body in story_text:
            p.add(Text(15, y, head + "：", 11, "serif-bold"))
            y = para(p, 15, y + 6.5, body, 180) + 3
    else:
        rows = [
            ["姓名", v["patient_name"], "性别", s.person.sex, "年龄", f"{s.person.age(s.submitted_on)}岁"],
            ["科室", s.ward, "床号", f"{(s.rng_seed % 40) + 1}", "住院号", s.record_no],
            ["入院时间", _fmt(a, iso), "出院时间", _fmt(d, iso), "住院天数", f"{days}天"],
        ]
        y = table(p, 15, y, [25, 40, 25, 35, 25, 30], rows, 9, 10.5, "sans") + 6
        p.add(Text(15, y, f"出院诊断：{v['diagnosis']}", 11, "sans-bold"))
        y += 9
        for head, body in story_text:
            p.add(Text(15, y, f"【{head}】", 11, "sans-bold"))
            y = para(p, 15, y + 6.5, body, 180, 10.5, "sans") + 3
    p.add(Text(120, y + 8, "医师签名：", 11, "serif"))
    p.add(Text(142, y + 7, "闫立新", 12, "serif", color=BLUE_INK))
    p.add(Text(120, y + 16, _fmt(d, cn_date), 11, "serif"))
    seal(p, o, 178.0, y + 12.0, v["hospital"], "病案管理专用章", r=16.0)
    return Rendered(DocType.DISCHARGE_RECORD, layout, layout == "summary", [p], v.truth(), 150)


def _complaint(s: Story) -> str:
    n = s.disease.name
    if "肺炎" in n:
        return "咳嗽、发热5天"
    if "阑尾" in n:
        return "转移性右下腹痛1天"
    if "心肌" in n:
        return "胸痛3小时"
    if "胆" in n:
        return "右上腹痛2天"
    if "骨折" in n:
        return "摔伤致右腕部肿痛2小时"
    if "孕" in n:
        return "停经39周，下腹阵痛3小时"
    return f"{n}复查"


def referral_slip(s: Story, layout: str, o: Opts) -> Rendered:
    src = s.referral_from or s.hospital
    dst = s.dest_hospital or s.hospital
    v = Values(
        DocType.REFERRAL_SLIP,
        o,
        {
            "patient_name": s.person.name,
            "id_number": s.person.id_number,
            "from_hospital": src.name,
            "to_hospital": dst.name,
            "diagnosis": s.disease.name,
            "issue_date": iso(s.visit_date),
        },
    )
    p = Page(*A4)
    issue = v.date("issue_date")
    if layout == "table":
        hospital_logo(p, 12.0, 14.0, 11.0)
        p.add(Text(105, 20, "基本医疗保险参保人员异地转诊转院审批表", 15, "serif-bold", anchor="m"))
        p.add(Text(15, 32, f"转出医院：{v['from_hospital']}", 10.5, "sans"))
        p.add(Text(140, 32, f"编号：ZZ{s.record_no}", 10.5, "sans"))
        rows = [
            ["姓名", v["patient_name"], "性别", s.person.sex, "年龄", f"{s.person.age(s.submitted_on)}"],
            ["身份证号码", v["id_number"], "", "", "联系电话", s.person.phone],
            ["临床诊断", v["diagnosis"], "", "", "", ""],
            ["转往医院", v["to_hospital"], "", "", "", ""],
            ["转往地区", s.destination or dst.destination, "", "", "", ""],
        ]
        y = table(
            p, 12, 40, [28, 56, 18, 28, 26, 30], rows, 11, 10.5, "sans", align=["m", "l", "m", "m", "m", "m"]
        )
        p.add(Rect(12, y, 198, y + 36, 0.25))
        p.add(Text(14, y + 2, "转诊理由：", 10.5, "sans"))
        para(
            p,
            14,
            y + 9,
            f"患者病情复杂，经科室讨论，本院诊疗条件有限，建议转往{v['to_hospital']}进一步诊治。",
            180,
            10.5,
            "sans",
        )
        p.add(Text(120, y + 28, "主治医师：", 10.5, "sans"))
        p.add(Text(140, y + 27.5, "滕海涛", 11, "serif", color=BLUE_INK))
        p.add(Rect(12, y + 36, 198, y + 78, 0.25))
        p.add(Text(14, y + 38, "医院医保办意见：", 10.5, "sans"))
        p.add(Text(30, y + 50, "同意转诊。", 12, "serif", color=BLUE_INK))
        p.add(Text(95, y + 66, f"日期：{_fmt(issue, cn_date)}", 10.5, "sans"))
        seal(p, o, 172.0, y + 54.0, v["from_hospital"], "医疗保险办公室", r=18.0)
        return Rendered(DocType.REFERRAL_SLIP, layout, False, [p], v.truth(), 150)
    # letter style
    y = hospital_header(p, v["from_hospital"], "转 诊 转 院 证 明")
    body = (
        f"兹有患者{v['patient_name']}，{s.person.sex}，{s.person.age(s.submitted_on)}岁，身份证号{v['id_number']}，"
        f"因“{v['diagnosis']}”在我院就诊，因病情需要，本院不具备进一步诊治条件，"
        f"经科室及医保办同意，转往{v['to_hospital']}（{s.destination or dst.destination}）诊治。"
    )
    y = para(p, 20, y + 6, body, 170, 12, "serif", 1.9) + 8
    p.add(Text(20, y, f"诊断：{v['diagnosis']}", 12, "serif"))
    p.add(Text(20, y + 10, "特此证明。", 12, "serif"))
    p.add(Text(20, y + 22, "经治医师：", 12, "serif"))
    p.add(Text(42, y + 21.5, "滕海涛", 13, "serif", color=BLUE_INK))
    p.add(Text(190, y + 30, v["from_hospital"], 12, "serif", anchor="r"))
    p.add(Text(190, y + 40, _fmt(issue, cn_date), 12, "serif", anchor="r"))
    seal(p, o, 118.0, y + 34.0, v["from_hospital"], "转诊专用章", r=19.0)
    return Rendered(DocType.REFERRAL_SLIP, layout, True, [p], v.truth(), 150)


def diagnosis_certificate(s: Story, layout: str, o: Opts) -> Rendered:
    emerg = s.emergency if o.emergency_mark is None else o.emergency_mark
    v = Values(
        DocType.DIAGNOSIS_CERTIFICATE,
        o,
        {
            "patient_name": s.person.name,
            "hospital": s.hospital.name,
            "diagnosis": s.disease.name,
            "issue_date": iso(s.visit_date),
            "emergency": "true" if emerg else "false",
        },
    )
    p = Page(*A4)
    y = hospital_header(p, v["hospital"], "急诊诊断证明书" if emerg else "诊 断 证 明 书")
    p.add(Text(15, y, f"姓名：{v['patient_name']}", 11, "serif"))
    p.add(Text(80, y, f"性别：{s.person.sex}", 11, "serif"))
    p.add(Text(115, y, f"年龄：{s.person.age(s.submitted_on)}岁", 11, "serif"))
    p.add(Text(150, y, f"科别：{'急诊科' if emerg else s.ward}", 11, "serif"))
    p.add(Line(15, y + 7, 195, y + 7, 0.4))
    y += 14
    p.add(Text(15, y, "诊断：", 12, "serif-bold"))
    p.add(Text(32, y, v["diagnosis"], 12, "serif"))
    y += 12
    p.add(Text(15, y, "建议：", 12, "serif-bold"))
    y = (
        para(
            p,
            15,
            y + 7,
            "注意休息，按时服药，定期复查，不适随诊。" + ("患者急诊就诊。" if emerg else ""),
            180,
            12,
        )
        + 10
    )
    p.add(Text(120, y, "医师：柏晓东", 11, "serif"))
    p.add(Text(120, y + 8, _fmt(v.date("issue_date"), cn_date), 11, "serif"))
    p.add(Text(15, y + 20, "（本证明加盖医院诊断证明专用章有效）", 9.5, "serif"))
    seal(p, o, 178.0, y + 2.0, v["hospital"], "诊断证明专用章", r=16.0)
    return Rendered(DocType.DIAGNOSIS_CERTIFICATE, layout, False, [p], v.truth(), 150)


def medical_record(s: Story, layout: str, o: Opts) -> Rendered:
    emerg = s.emergency if o.emergency_mark is None else o.emergency_mark
    v = Values(
        DocType.MEDICAL_RECORD,
        o,
        {
            "patient_name": s.person.name,
            "hospital": s.hospital.name,
            "visit_date": iso(s.visit_date),
            "diagnosis": s.disease.name,
            "emergency": "true" if emerg else "false",
        },
    )
    p = Page(*A4)
    y = hospital_header(p, v["hospital"], "急诊病历" if emerg else "门诊病历")
    vd = v.date("visit_date")
    p.add(Text(15, y, f"姓名：{v['patient_name']}", 11, "sans"))
    p.add(Text(70, y, f"性别：{s.person.sex}", 11, "sans"))
    p.add(Text(100, y, f"年龄：{s.person.age(s.submitted_on)}岁", 11, "sans"))
    p.add(Text(135, y, f"科室：{'急诊科' if emerg else s.ward}", 11, "sans"))
    y += 7.5
    p.add(
        Text(15, y, f"就诊日期：{_fmt(vd, iso)} {9 + s.rng_seed % 10:02d}:{s.rng_seed % 60:02d}", 11, "sans")
    )
    p.add(Text(100, y, f"{'急诊号' if emerg else '门诊号'}：{s.record_no}", 11, "sans"))
    p.add(Line(15, y + 7, 195, y + 7, 0.4))
    y += 12
    parts = [
        ("主诉", _complaint(s) + "。"),
        (
            "现病史",
            "患者自诉上述症状，无恶心呕吐，饮食睡眠一般，大小便正常。既往"
            + s.disease.name
            + "病史，规律服药。",
        ),
        ("体格检查", "神志清楚，心肺听诊未闻及明显异常，腹软，无压痛。"),
        ("辅助检查", "血常规、心电图已查，结果见报告单。"),
    ]
    for head, body in parts:
        p.add(Text(15, y, head + "：", 11, "sans-bold"))
        y = para(p, 15, y + 6.5, body, 180, 10.5, "sans") + 2
    p.add(Text(15, y + 2, f"初步诊断：{v['diagnosis']}", 11.5, "sans-bold"))
    y += 10
    p.add(Text(15, y, "处理：", 11, "sans-bold"))
    y = para(p, 15, y + 6.5, "予以对症治疗，门诊随访；病情变化随时就诊。", 180, 10.5, "sans")
    p.add(Text(130, y + 10, "医师签名：鲍志强", 11, "sans"))
    return Rendered(DocType.MEDICAL_RECORD, layout, False, [p], v.truth(), 150)


def prescription(s: Story, layout: str, o: Opts) -> Rendered:
    v = Values(
        DocType.PRESCRIPTION,
        o,
        {"patient_name": s.person.name, "hospital": s.hospital.name, "issue_date": iso(s.visit_date)},
    )
    p = Page(148.0, 210.0)  # A5
    p.add(Text(74, 10, v["hospital"], 13, "serif-bold", anchor="m"))
    p.add(Text(74, 18, "处 方 笺", 14, "serif-bold", anchor="m", spacing=2))
    p.add(Rect(120, 8, 140, 16, 0.3))
    p.add(Text(130, 9.2, "普通", 10, "sans", anchor="m"))
    y = 30.0
    p.add(Text(10, y, f"姓名：{v['patient_name']}", 10, "sans"))
    p.add(Text(62, y, f"性别：{s.person.sex}", 10, "sans"))
    p.add(Text(95, y, f"年龄：{s.person.age(s.submitted_on)}岁", 10, "sans"))
    y += 6.5
    p.add(Text(10, y, f"门诊号：{s.record_no}", 10, "sans"))
    p.add(Text(62, y, f"科别：{s.ward}", 10, "sans"))
    y += 6.5
    p.add(Text(10, y, f"临床诊断：{s.disease.name}", 10, "sans"))
    p.add(Text(95, y, f"日期：{_fmt(v.date('issue_date'), iso)}", 10, "sans"))
    p.add(Line(8, y + 6.5, 140, y + 6.5, 0.4))
    y += 10
    p.add(Text(10, y, "Rp.", 14, "serif-bold"))
    y += 9
    drugs = [it for it in s.items if it.category in ("西药费", "中成药费")] or s.items[:2]
    for it in drugs:
        p.add(Text(16, y, f"{it.name}  {it.spec}", 10.5, "sans"))
        p.add(Text(126, y, f"×{it.qty}{it.unit}", 10.5, "sans", anchor="r"))
        p.add(Text(20, y + 5.5, "用法：口服  每日一次", 9, "sans"))
        y += 12
    p.add(Line(8, 180, 140, 180, 0.4))
    p.add(Text(10, 183, "医师：隋建华", 10, "sans"))
    p.add(Text(60, 183, "审核：滕芳", 10, "sans"))
    p.add(Text(100, 183, f"金额：{money(sum((i.amount for i in drugs), Decimal(0)))}", 10, "sans"))
    p.add(Text(10, 191, "调配：邱静    核对/发药：隋敏", 10, "sans"))
    return Rendered(DocType.PRESCRIPTION, layout, False, [p], v.truth(), 150)


# --------------------------------------------------------------------------- forms and letters


def remote_care_form(s: Story, layout: str, o: Opts) -> Rendered:
    pp = s.person
    v = Values(
        DocType.REMOTE_CARE_FORM,
        o,
        {
            "name": pp.name,
            "id_number": pp.id_number,
            "filing_type": s.filing_label,
            "destination": s.destination,
        },
    )
    p = Page(*A4)
    p.add(Text(105, 18, "异地就医登记备案表", 17, "serif-bold", anchor="m", spacing=1.5))
    region_name = "新疆维吾尔自治区" if s.region == "xinjiang" else "湖北省荆门市"
    p.add(Text(15, 31, f"参保地：{region_name}", 10.5, "sans"))
    p.add(Text(195, 31, f"填表日期：{cn_date(s.submitted_on)}", 10.5, "sans", anchor="r"))
    ins = "职工基本医疗保险" if pp.age(s.submitted_on) > 30 else "城乡居民基本医疗保险"
    rows = [
        ["姓名", v["name"], "性别", pp.sex, "联系电话", pp.phone],
        ["公民身份号码", v["id_number"], "", "", "险种类型", ins],
        ["备案类型", "" if layout == "checkbox" else v["filing_type"], "", "", "", ""],
        ["就医地", v["destination"], "", "", "", ""],
        ["就医医院", (s.dest_hospital.name if s.dest_hospital else ""), "", "", "", ""],
        ["备案开始日期", cn_date(s.submitted_on), "", "", "", ""],
    ]
    rh = 12.0
    y0 = 38.0
    if layout == "checkbox":
        rows[2] = ["备案类型", "", "", "", "", ""]
        rh_types = 26.0
        y = table(
            p,
            12,
            y0,
            [30, 56, 16, 28, 26, 30],
            rows[:2],
            rh,
            10.5,
            "sans",
            align=["m", "l", "m", "m", "m", "m"],
        )
        p.add(Rect(12, y, 198, y + rh_types, 0.25))
        p.add(Line(42, y, 42, y + rh_types, 0.25))
        p.add(Text(27, y + rh_types / 2 - 2, "备案类型", 10.5, "sans", anchor="m"))
        for i, label in enumerate(FILING_LABELS.values()):
            xx = 46 + (i % 3) * 50
            yy = y + 3 + (i // 3) * 11
            p.add(Rect(xx, yy + 0.6, xx + 3.6, yy + 4.2, 0.25))
            p.add(Text(xx + 5, yy, label, 10, "sans"))
            if label == v["filing_type"]:
                p.add(Line(xx + 0.4, yy + 2.4, xx + 1.6, yy + 4.0, 0.5, BLUE_INK))
                p.add(Line(xx + 1.6, yy + 4.0, xx + 4.4, yy - 0.6, 0.5, BLUE_INK))
        y = table(
            p,
            12,
            y + rh_types,
            [30, 56, 16, 28, 26, 30],
            rows[3:],
            rh,
            10.5,
            "sans",
            align=["m", "l", "m", "m", "m", "m"],
        )
    else:
        y = table(
            p, 12, y0, [30, 56, 16, 28, 26, 30], rows, rh, 10.5, "sans", align=["m", "l", "m", "m", "m", "m"]
        )
    p.add(Rect(12, y, 198, y + 40, 0.25))
    p.add(Text(14, y + 3, "本人承诺：", 10.5, "sans-bold"))
    para(
        p,
        14,
        y + 10,
        "以上填报信息及提供的材料真实有效，如有虚假，本人愿承担相应的法律责任。",
        180,
        10.5,
        "sans",
    )
    p.add(Text(120, y + 26, f"申请人签字：{pp.name}", 10.5, "sans"))
    p.add(Text(120, y + 33, cn_date(s.submitted_on), 10.5, "sans"))
    p.add(Rect(12, y + 40, 198, y + 70, 0.25))
    p.add(Text(14, y + 43, "经办机构意见：", 10.5, "sans-bold"))
    p.add(Text(14, y + 62, "经办人：               审核人：", 10.5, "sans"))
    return Rendered(DocType.REMOTE_CARE_FORM, layout, layout == "checkbox", [p], v.truth(), 150)


def application_form(s: Story, layout: str, o: Opts) -> Rendered:
    pp = s.person
    v = Values(
        DocType.APPLICATION_FORM, o, {"name": pp.name, "id_number": pp.id_number, "form_title": s.form_title}
    )
    p = Page(*A4)
    title = v["form_title"]
    size = 16 if len(title) <= 14 else 14
    p.add(Text(105, 18, title, size, "serif-bold", anchor="m", spacing=0.8))
    p.add(Text(15, 31, "申请单位（盖章）：" if "单位" in title else "经办机构：", 10.5, "sans"))
    p.add(Text(195, 31, f"申请日期：{cn_date(s.submitted_on)}", 10.5, "sans", anchor="r"))
    rows = [
        ["姓名", v["name"], "性别", pp.sex, "民族", pp.ethnicity],
        ["公民身份号码", v["id_number"], "", "", "出生日期", iso(pp.birth_date)],
        ["户籍地址", pp.address[:22], "", "", "", ""],
        ["联系电话", pp.phone, "", "", "参保状态", "参保缴费"],
    ]
    if "慢特病" in title:
        rows.append(["申请病种", s.disease.name, "", "", "ICD-10", s.disease.icd10])
        rows.append(["定点医疗机构", s.hospital.name, "", "", "", ""])
    elif "救助" in title:
        rows.append(["救助对象类别", "低保对象", "", "", "", ""])
        rows.append(["就医医院", s.hospital.name, "", "", "总费用", money(s.total)])
    elif "变更" in title:
        rows.append(["变更项目", "联系电话", "", "", "", ""])
        rows.append(["变更前", "13" + pp.phone[2:7] + "0000", "", "", "变更后", pp.phone])
    else:
        rows.append(["参保类型", "城乡居民基本医疗保险", "", "", "", ""])
        rows.append(["申报类别", "新增", "", "", "", ""])
    y = table(
        p, 12, 38, [30, 56, 16, 28, 26, 30], rows, 12, 10.5, "sans", align=["m", "l", "m", "m", "m", "m"]
    )
    p.add(Rect(12, y, 198, y + 36, 0.25))
    p.add(Text(14, y + 3, "申请人声明：", 10.5, "sans-bold"))
    para(p, 14, y + 10, "本人承诺所填信息真实、准确，所提供材料真实有效。", 180, 10.5, "sans")
    p.add(Text(120, y + 26, f"申请人（签字）：{pp.name}", 10.5, "sans"))
    p.add(Rect(12, y + 36, 198, y + 66, 0.25))
    p.add(Text(14, y + 39, "经办机构审核意见：", 10.5, "sans-bold"))
    if "单位" in title or "定点" in title:  # a unit's form bears the unit's official seal
        p.add(Text(14, y + 26, f"申请单位（盖章）：{s.employer}", 10.5, "sans"))
        seal(p, o, 70.0, y + 22.0, s.employer or "单位", "", r=17.0)
    return Rendered(DocType.APPLICATION_FORM, layout, False, [p], v.truth(), 150)


def commitment_letter(s: Story, layout: str, o: Opts) -> Rendered:
    pp = s.person
    v = Values(
        DocType.COMMITMENT_LETTER,
        o,
        {"name": pp.name, "id_number": pp.id_number, "signed_date": iso(s.submitted_on)},
    )
    p = Page(*A4)
    p.add(Text(105, 24, "个人承诺书", 18, "serif-bold", anchor="m", spacing=3))
    body = (
        f"本人{v['name']}，公民身份号码{v['id_number']}，参保地为"
        f"{'新疆维吾尔自治区' if s.region == 'xinjiang' else '湖北省荆门市'}。"
        f"本人现长期居住于{s.destination or '就医地'}，申请办理异地就医备案。"
        "本人承诺所提供的信息真实、完整、有效，如有虚假，愿承担由此产生的一切法律责任，"
        "并退回违规享受的医保待遇。"
    )
    y = para(p, 22, 42, body, 166, 12.5, "serif", 2.0)
    p.add(Text(120, y + 25, "承诺人（签字）：", 12, "serif"))
    p.add(Text(157, y + 24, v["name"], 13, "serif", color=BLUE_INK))
    sd = v.date("signed_date")
    p.add(Text(120, y + 37, _fmt(sd, cn_date), 12, "serif"))
    return Rendered(DocType.COMMITMENT_LETTER, layout, False, [p], v.truth(), 150)


def work_dispatch_proof(s: Story, layout: str, o: Opts) -> Rendered:
    pp = s.person
    v = Values(
        DocType.WORK_DISPATCH_PROOF,
        o,
        {
            "name": pp.name,
            "employer": s.employer,
            "destination": s.destination,
            "issue_date": iso(s.submitted_on - timedelta(days=6)),
        },
    )
    p = Page(*A4)
    p.add(Text(105, 12, v["employer"], 11, "serif", anchor="m", color=(30, 70, 150)))
    p.add(Line(20, 17.5, 190, 17.5, 0.8, (200, 40, 40)))
    p.add(Line(20, 18.8, 190, 18.8, 0.3, (200, 40, 40)))
    p.add(Text(105, 26, "派 驻 证 明", 18, "serif-bold", anchor="m", spacing=2))
    body = (
        f"兹有{v['employer']}职工{v['name']}（公民身份号码：{pp.id_number}），因工作需要，"
        f"自{cn_date(s.contract_from or s.submitted_on)}起由我单位派驻{v['destination']}工作，"
        "派驻期间在当地常驻，特此证明。"
    )
    y = para(p, 22, 46, body, 166, 12.5, "serif", 2.0)
    p.add(
        Text(
            22, y + 8, "联系人：人力资源部  电话：0991-4567" + str(1000 + s.rng_seed % 9000)[:4], 11, "serif"
        )
    )
    p.add(Text(22, y + 18, "单位经办人：", 11, "serif"))
    p.add(Text(48, y + 17.5, "邝立平", 12.5, "serif", color=BLUE_INK))
    p.add(Text(188, y + 30, v["employer"], 12.5, "serif", anchor="r"))
    p.add(Text(188, y + 42, _fmt(v.date("issue_date"), cn_date), 12.5, "serif", anchor="r"))
    seal(p, o, 160.0, y + 32.0, v["employer"] or "单位", "", r=21.0)
    return Rendered(DocType.WORK_DISPATCH_PROOF, layout, False, [p], v.truth(), 150)


def labor_contract(s: Story, layout: str, o: Opts) -> Rendered:
    pp = s.person
    v = Values(
        DocType.LABOR_CONTRACT,
        o,
        {
            "name": pp.name,
            "employer": s.employer,
            "valid_from": iso(s.contract_from),
            "valid_until": iso(s.contract_until),
        },
    )
    p = Page(*A4)
    p.add(Text(105, 30, "劳 动 合 同 书", 22, "serif-bold", anchor="m", spacing=3))
    y = 58.0
    kv(p, 35, y, "甲方（用人单位）", v["employer"], 13, 175)
    kv(p, 35, y + 14, "乙方（劳动者）", v["name"], 13, 175)
    kv(p, 35, y + 28, "乙方身份证号码", pp.id_number, 13, 175)
    kv(p, 35, y + 42, "工作地点", s.destination, 13, 175)
    a, b = v.date("valid_from"), v.date("valid_until")
    p.add(Text(35, y + 62, "第一条  合同期限", 13, "serif-bold"))
    text = f"本合同为固定期限劳动合同，自{_fmt(a, cn_date)}起至{_fmt(b, cn_date)}止。"
    y2 = para(p, 35, y + 72, text, 140, 12.5, "serif", 1.9)
    p.add(Text(35, y2 + 6, "第二条  工作内容和工作地点", 13, "serif-bold"))
    y2 = para(
        p,
        35,
        y2 + 16,
        f"乙方同意根据甲方工作需要，在{s.destination}从事工程技术工作。",
        140,
        12.5,
        "serif",
        1.9,
    )
    p.add(Text(35, y2 + 30, "甲方（盖章）", 12.5, "serif"))
    p.add(Text(120, y2 + 30, f"乙方（签字）：{v['name']}", 12.5, "serif"))
    p.add(Text(35, y2 + 42, _fmt(a, cn_date), 12.5, "serif"))
    seal(p, o, 55.0, y2 + 36.0, v["employer"] or "单位", "合同专用章", r=20.0)
    return Rendered(DocType.LABOR_CONTRACT, layout, False, [p], v.truth(), 150)


def power_of_attorney(s: Story, layout: str, o: Opts) -> Rendered:
    pp = s.person
    agent = s.agent or pp
    v = Values(DocType.POWER_OF_ATTORNEY, o, {"principal_name": pp.name, "agent_name": agent.name})
    p = Page(*A4)
    p.add(Text(105, 26, "授 权 委 托 书", 18, "serif-bold", anchor="m", spacing=2))
    y = 44.0
    kv(p, 22, y, "委托人", v["principal_name"], 12.5, 95)
    kv(p, 100, y, "身份证号码", pp.id_number, 12.5, 190)
    kv(p, 22, y + 12, "受托人", v["agent_name"], 12.5, 95)
    kv(p, 100, y + 12, "身份证号码", agent.id_number, 12.5, 190)
    body = (
        f"本人因年老行动不便，无法亲自办理医疗保障业务，现委托{v['agent_name']}为我的合法代理人，"
        "代为办理异地就医备案相关手续，代理人在办理过程中签署的有关文件，我均予以承认。"
        "委托期限：自签字之日起至上述事项办结之日止。"
    )
    y = para(p, 22, y + 30, body, 166, 12.5, "serif", 2.0)
    p.add(Text(110, y + 20, f"委托人（签字）：{v['principal_name']}", 12, "serif"))
    p.add(Text(110, y + 32, f"受托人（签字）：{v['agent_name']}", 12, "serif"))
    p.add(Text(110, y + 44, cn_date(s.submitted_on), 12, "serif"))
    return Rendered(DocType.POWER_OF_ATTORNEY, layout, False, [p], v.truth(), 150)


def unrecognized(s: Story, layout: str, o: Opts) -> Rendered:
    """A readable page that is none of the contract's types: a supermarket receipt."""
    p = Page(80.0, 160.0, background=(250, 250, 246))
    rng = random.Random(o.seed)
    p.add(Text(40, 6, "惠民超市购物小票", 11, "sans-bold", anchor="m"))
    p.add(Text(4, 15, f"单号：{rng.randrange(10**8):08d}", 8, "sans"))
    p.add(Text(4, 20, f"时间：{iso(s.submitted_on)} 18:{rng.randrange(60):02d}", 8, "sans"))
    y = 28.0
    total = Decimal(0)
    for name in ["矿泉水550ml", "全麦面包", "纯牛奶250ml*12", "鸡蛋(散装)", "洗衣液2kg", "苹果"]:
        price = Decimal(rng.randint(150, 4990)) / 100
        total += price
        p.add(Text(4, y, name, 8, "sans"))
        p.add(Text(76, y, money(price), 8, "sans", anchor="r"))
        y += 5.5
    p.add(Line(4, y + 1, 76, y + 1, 0.2))
    p.add(Text(4, y + 4, "合计", 9, "sans-bold"))
    p.add(Text(76, y + 4, money(total), 9, "sans-bold", anchor="r"))
    p.add(Text(40, y + 16, "谢谢惠顾 欢迎再次光临", 8, "sans", anchor="m"))
    return Rendered(DocType.UNKNOWN, layout, False, [p], {}, 200)


Renderer = Callable[[Story, str, Opts], Rendered]

#: document type -> (renderer, layouts in order; the holdout layout last where there is one)
RENDERERS: dict[DocType, tuple[Renderer, tuple[str, ...]]] = {
    DocType.ID_CARD_FRONT: (id_card_front, ("standard", "watermarked")),
    DocType.ID_CARD_BACK: (id_card_back, ("standard", "watermarked")),
    DocType.RESIDENCE_PERMIT: (residence_permit, ("standard",)),
    DocType.HUKOU_BOOKLET: (hukou_booklet, ("registration_card",)),
    DocType.SSC_CARD: (ssc_card, ("standard",)),
    DocType.MEDICAL_INVOICE: (medical_invoice, ("electronic", "printed")),
    DocType.EXPENSE_LIST: (expense_list, ("inpatient_table", "daily")),
    DocType.DISCHARGE_RECORD: (discharge_record, ("record", "summary")),
    DocType.REFERRAL_SLIP: (referral_slip, ("table", "letter")),
    DocType.DIAGNOSIS_CERTIFICATE: (diagnosis_certificate, ("standard",)),
    DocType.MEDICAL_RECORD: (medical_record, ("standard",)),
    DocType.PRESCRIPTION: (prescription, ("standard",)),
    DocType.REMOTE_CARE_FORM: (remote_care_form, ("text", "checkbox")),
    DocType.APPLICATION_FORM: (application_form, ("standard",)),
    DocType.COMMITMENT_LETTER: (commitment_letter, ("standard",)),
    DocType.WORK_DISPATCH_PROOF: (work_dispatch_proof, ("standard",)),
    DocType.LABOR_CONTRACT: (labor_contract, ("standard",)),
    DocType.SETTLEMENT_STATEMENT: (settlement_statement, ("standard",)),
    DocType.POWER_OF_ATTORNEY: (power_of_attorney, ("standard",)),
    DocType.UNKNOWN: (unrecognized, ("receipt",)),
}


def render_document(
    doc_type: DocType, story: Story, layout: str | None = None, opts: Opts | None = None
) -> Rendered:
    fn, layouts = RENDERERS[doc_type]
    return fn(story, layout or layouts[0], opts or Opts())
