"""Identity papers other than the resident ID card (seed 000 note ①: 护照、港澳居民来往内地通行证、港澳台居民居住证、
外国人永久居留证) and the accident papers of (十七)(十八) 注② (事故认定书、判决书、调解协议书). Added in issue 14.

The synthetic holder is the case's person; the cards print that person's name and numbers."""

from __future__ import annotations

from datetime import timedelta

from pipeline.codes import DocType
from samples.generator.canvas import Line, Page, Rect, Text
from samples.generator.documents._base import Drawn, Opts, Values, renderer
from samples.generator.documents._draw import A4, CARD, CARD_DPI, cn_date, dot_date, fmt, iso, para, seal
from samples.generator.documents.cards import _guilloche, _portrait
from samples.generator.story import Story

LAB = (70, 90, 120)


def _years(s: Story, n: int) -> tuple[str, str]:
    start = s.submitted_on - timedelta(days=400 + s.rng_seed % 300)
    return iso(start), iso(start.replace(year=start.year + n) - timedelta(days=1))


def _span(v: Values, years: int) -> str:
    """ "YYYY.MM.DD-YYYY.MM.DD" of a card valid for ``years`` up to ``valid_until``."""
    until = v.date("valid_until")
    if until is None:
        return ""
    start = until.replace(year=until.year - years) + timedelta(days=1)
    return f"{dot_date(start)}-{dot_date(until)}"


def _card_rows(p: Page, rows: list[tuple[str, str, float]], x_lab: float = 5.0, x_val: float = 19.0) -> float:
    y = 12.0
    for label, val, size in rows:
        p.add(Text(x_lab, y + 0.5, label, 6.2, "sans", color=LAB))
        p.add(Text(x_val, y, val, size + 0.8, "sans"))
        y += 6.6
    return y


@renderer(DocType.PASSPORT, "standard", dpi=CARD_DPI, card=True)
def passport(s: Story, o: Opts) -> Drawn:
    pp = s.person
    _, until = _years(s, 10)
    v = Values(
        o,
        {
            "name": pp.name,
            "passport_number": f"E{(s.rng_seed * 7919) % 100_000_000:08d}",
            "birth_date": iso(pp.birth_date),
            "valid_until": until,
        },
    )
    p = Page(125.0, 88.0, corner_radius=2.0)
    p.add(_guilloche(((236, 228, 240), (226, 238, 236)), o.seed + 11))
    p.add(
        Text(62.5, 5.0, "中华人民共和国 护照", 9.5, "sans-bold", anchor="m", color=(120, 30, 40), spacing=1.0)
    )
    p.add(
        Text(62.5, 9.5, "PEOPLE'S REPUBLIC OF CHINA  PASSPORT", 5.0, "sans", anchor="m", color=(120, 30, 40))
    )
    _portrait(p, 6.0, 16.0, 36.0, 56.0, o.seed + 1, bg=(236, 236, 240))
    rows = [
        ("姓名", v["name"]),
        ("护照号", v["passport_number"]),
        ("国籍", "中国"),
        ("出生日期", fmt(v.date("birth_date"), dot_date)),
        ("有效期限", _span(v, 10)),
        ("有效期至", fmt(v.date("valid_until"), dot_date)),
    ]
    y = 17.0
    for label, val in rows:
        p.add(Text(42.0, y + 0.4, label, 6.4, "sans", color=LAB))
        p.add(Text(62.0, y, val, 8.8, "sans-bold" if label == "护照号" else "sans"))
        y += 9.5
    p.add(Text(4.0, 80.0, f"P<CHN{pp.id_number[-6:]}<<<<<<<<<<<<<<<<<<<<<<<<<", 6.0, "sans"))
    return Drawn([p], v)


@renderer(DocType.HK_MACAO_PERMIT, "standard", dpi=CARD_DPI, card=True)
def hk_macao_permit(s: Story, o: Opts) -> Drawn:
    pp = s.person
    _, until = _years(s, 10)
    v = Values(
        o,
        {
            "name": pp.name,
            "permit_number": f"H{(s.rng_seed * 104729) % 100_000_000:08d}",
            "birth_date": iso(pp.birth_date),
            "valid_until": until,
        },
    )
    p = Page(*CARD, corner_radius=3.2)
    p.add(_guilloche(((226, 236, 246), (240, 236, 228)), o.seed + 13))
    p.add(
        Text(
            42.8,
            3.6,
            "港澳居民来往内地通行证",
            8.6,
            "sans-bold",
            anchor="m",
            color=(30, 70, 140),
            spacing=0.6,
        )
    )
    y = _card_rows(p, [("姓  名", v["name"], 8.6), ("出生日期", fmt(v.date("birth_date"), dot_date), 7.6)])
    p.add(Text(5.0, y + 0.5, "有效期限", 6.2, "sans", color=LAB))
    p.add(Text(19.0, y, _span(v, 10), 8.2, "sans"))
    p.add(Text(5.0, 44.5, "证件号码", 6.2, "sans", color=LAB))
    p.add(Text(19.0, 43.8, v["permit_number"], 9.0, "sans-bold", spacing=0.4))
    p.add(Text(5.0, 50.0, "签发机关  公安部出入境管理局", 5.4, "sans"))
    _portrait(p, 60.0, 11.0, 81.0, 38.0, o.seed + 1)
    return Drawn([p], v)


@renderer(DocType.HMT_RESIDENCE_PERMIT, "standard", dpi=CARD_DPI, card=True)
def hmt_residence_permit(s: Story, o: Opts) -> Drawn:
    pp = s.person
    frm, until = _years(s, 5)
    v = Values(
        o,
        {
            "name": pp.name,
            "id_number": pp.id_number,
            "address": s.permit_address
            or f"{s.destination or '浙江省杭州市上城区'}解放路{(s.rng_seed % 90) + 1}号",
            "valid_from": frm,
            "valid_until": until,
        },
    )
    p = Page(*CARD, corner_radius=3.2)
    p.add(_guilloche(((232, 240, 232), (236, 232, 244)), o.seed + 17))
    p.add(Text(42.8, 3.6, "港澳台居民居住证", 10, "sans-bold", anchor="m", color=(20, 90, 60), spacing=1.0))
    y = _card_rows(p, [("姓  名", v["name"], 8.6), ("性  别", pp.sex, 7.6)], x_val=16.0)
    p.add(Text(5.0, y + 0.5, "住  址", 6.2, "sans", color=LAB))
    addr = v["address"]
    for i in range(0, len(addr), 12):
        p.add(Text(16.0, y + (i // 12) * 3.9, addr[i : i + 12], 8.2, "sans"))
    p.add(Text(5.0, 41.5, "公民身份号码", 6.2, "sans", color=LAB))
    p.add(Text(25.0, 40.8, v["id_number"], 9.0, "sans-bold", spacing=0.4))
    p.add(Text(5.0, 47.5, "有效期限", 6.2, "sans", color=LAB))
    if v["valid_from"] or v["valid_until"]:
        p.add(
            Text(
                16.0,
                46.9,
                f"{fmt(v.date('valid_from'), dot_date)}-{fmt(v.date('valid_until'), dot_date)}",
                7.6,
                "sans",
            )
        )
    _portrait(p, 60.0, 10.0, 81.0, 36.0, o.seed + 1)
    return Drawn([p], v)


@renderer(DocType.FOREIGN_PERMANENT_RESIDENCE, "standard", dpi=CARD_DPI, card=True)
def foreign_permanent_residence(s: Story, o: Opts) -> Drawn:
    pp = s.person
    _, until = _years(s, 10)
    v = Values(
        o,
        {
            "name": pp.name,
            "card_number": f"9{(s.rng_seed * 1299709) % 10**17:017d}",
            "nationality": "新加坡",
            "valid_until": until,
        },
    )
    p = Page(*CARD, corner_radius=3.2)
    p.add(_guilloche(((240, 232, 226), (228, 236, 244)), o.seed + 19))
    p.add(
        Text(
            42.8, 3.6, "中华人民共和国外国人永久居留身份证", 7.4, "sans-bold", anchor="m", color=(120, 60, 20)
        )
    )
    y = _card_rows(
        p,
        [
            ("中文姓名", v["name"], 8.6),
            ("国  籍", v["nationality"], 7.6),
            ("出生日期", fmt(pp.birth_date, dot_date), 7.6),
        ],
    )
    p.add(Text(5.0, y + 0.5, "有效期限", 6.2, "sans", color=LAB))
    p.add(Text(19.0, y, _span(v, 10), 8.2, "sans"))
    p.add(Text(5.0, 47.0, "证件号码", 6.2, "sans", color=LAB))
    p.add(Text(19.0, 46.3, v["card_number"], 8.6, "sans-bold", spacing=0.3))
    _portrait(p, 60.0, 11.0, 81.0, 38.0, o.seed + 1)
    return Drawn([p], v)


@renderer(DocType.ACCIDENT_CERTIFICATE, "standard")
def accident_certificate(s: Story, o: Opts) -> Drawn:
    pp = s.person
    issuer = "乌鲁木齐市公安局交通警察支队" if s.region == "xinjiang" else "荆门市公安局交通警察支队"
    when = (s.admission or s.visit_date or s.submitted_on) - timedelta(days=1)
    v = Values(o, {"party_name": pp.name, "issuer": issuer, "issue_date": iso(when + timedelta(days=9))})
    p = Page(*A4)
    p.add(Text(105, 22, "道路交通事故认定书", 18, "serif-bold", anchor="m", spacing=2))
    p.add(Text(105, 31, f"第{when.year}{(s.rng_seed % 9000) + 1000}号", 10.5, "serif", anchor="m"))
    p.add(Text(22, 44, f"出具单位：{v['issuer']}", 11.5, "serif"))
    p.add(Text(22, 54, f"当事人：{v['party_name']}", 11.5, "serif"))
    p.add(Text(22, 64, f"事故时间：{cn_date(when)}", 11.5, "serif"))
    body = (
        f"{cn_date(when)}，当事人{pp.name}驾驶电动自行车在城区道路正常行驶时，与一辆小型轿车发生碰撞，"
        "造成当事人受伤。经调查，对方车辆未按规定让行，负事故全部责任；当事人无责任。"
    )
    y = para(p, 22, 76, body, 166, 11.5, "serif", 2.0)
    p.add(Rect(20, 40, 190, y + 8, 0.3))
    p.add(Line(20, y + 8, 190, y + 8, 0.3))
    p.add(Text(120, y + 28, f"认定日期：{fmt(v.date('issue_date'), cn_date)}", 11.5, "serif"))
    seal(p, o, 150, y + 22, issuer, "交通事故处理专用章")
    return Drawn([p], v)
