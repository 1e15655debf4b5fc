"""Cards and registers: ID card (front and back), residence permit, social security card, hukou page."""

from __future__ import annotations

import random
import re
from datetime import date, timedelta

import numpy as np
from PIL import Image, ImageDraw

from pipeline.codes import DocType
from samples.generator import canvas as cv
from samples.generator.canvas import Ellipse, Line, Page, Raster, Rect, Text
from samples.generator.documents._base import Drawn, Opts, Values, renderer
from samples.generator.documents._draw import CARD, CARD_DPI, cn_date_short, dot_date, fmt, iso, seal, table
from samples.generator.story import Story


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


WATERMARK = "仅供医保备案使用 他用无效"


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


@renderer(DocType.ID_CARD_FRONT, "standard", dpi=CARD_DPI, card=True)
def id_card_front(s: Story, o: Opts) -> Drawn:
    pp = s.person
    v = Values(
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
    return Drawn([p], v)


@renderer(DocType.ID_CARD_FRONT, "watermarked", holdout=True, dpi=CARD_DPI, card=True)
def id_card_front_watermarked(s: Story, o: Opts) -> Drawn:
    """The front with the 'for this purpose only' text people lay over ID copies."""
    drawn = id_card_front(s, o)
    drawn.pages[0].add(_watermark(WATERMARK))
    return drawn


def _emblem(p: Page, x: float, y: float, r: float) -> None:
    p.add(Ellipse(x - r, y - r, x + r, y + r, fill=(205, 40, 40)))
    p.add(Ellipse(x - 0.78 * r, y - 0.78 * r, x + 0.78 * r, y + 0.78 * r, outline=(240, 200, 60), width=0.6))
    p.add(
        Rect(x - 0.45 * r, y + 0.05 * r, x + 0.45 * r, y + 0.35 * r, 0.1, outline=None, fill=(240, 200, 60))
    )
    p.add(Rect(x - 0.3 * r, y - 0.45 * r, x + 0.3 * r, y - 0.05 * r, 0.1, outline=None, fill=(240, 200, 60)))


@renderer(DocType.ID_CARD_BACK, "standard", dpi=CARD_DPI, card=True)
def id_card_back(s: Story, o: Opts) -> Drawn:
    pp = s.person
    v = Values(
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
        p.add(Text(30.0, 45.0, f"{fmt(frm, dot_date)}-{end}", 8.2, "sans"))
    return Drawn([p], v)


@renderer(DocType.ID_CARD_BACK, "watermarked", holdout=True, dpi=CARD_DPI, card=True)
def id_card_back_watermarked(s: Story, o: Opts) -> Drawn:
    drawn = id_card_back(s, o)
    drawn.pages[0].add(_watermark(WATERMARK))
    return drawn


@renderer(DocType.RESIDENCE_PERMIT, "standard", dpi=CARD_DPI, card=True)
def residence_permit(s: Story, o: Opts) -> Drawn:
    pp = s.person
    dest_prov = s.destination[:3] if s.destination else "浙江省"
    v = Values(
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
        p.add(Text(16.0, 46.9, f"{fmt(frm, dot_date)}-{fmt(until, dot_date)}", 7.8, "sans"))
    p.add(Text(60.0, 47.5, s.permit_issuer or "舟山市公安局普陀分局", 5.6, "sans", anchor="m"))
    _portrait(p, 60.0, 10.0, 81.0, 38.0, o.seed + 1, bg=(232, 240, 248))
    return Drawn([p], v)


@renderer(DocType.SSC_CARD, "standard", dpi=CARD_DPI, card=True)
def ssc_card(s: Story, o: Opts) -> Drawn:
    pp = s.person
    v = Values(o, {"name": pp.name, "id_number": pp.id_number, "ssc_number": pp.ssc_number})
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
    return Drawn([p], v)


def police_of(address: str) -> str:
    """The public security bureau of an address: ``荆门市公安局东宝分局`` / ``钟祥市公安局``."""
    m = re.match(r"^(?:.+?(?:省|自治区))?(.+?(?:市|地区|自治州|盟))(.+?(?:区|县|市))", address)
    if not m:
        return "公安局户政科"
    city, county = m.group(1), m.group(2)
    return f"{city}公安局{county[:-1]}分局" if county.endswith("区") else f"{county}公安局"


@renderer(DocType.HUKOU_BOOKLET, "registration_card", dpi=200)
def hukou_booklet(s: Story, o: Opts) -> Drawn:
    pp = s.person
    address = s.hukou_address or pp.address
    v = Values(o, {"name": pp.name, "id_number": pp.id_number, "address": address})
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
    return Drawn([p], v)
