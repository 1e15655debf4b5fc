"""Money documents: the medical invoice (fiscal e-bill and pre-printed paper form), the expense list
(inpatient table and per-day list) and the insurance settlement statement."""

from __future__ import annotations

import random
from decimal import Decimal

import numpy as np
from PIL import Image

from pipeline.codes import DocType
from samples.generator import canvas as cv
from samples.generator.canvas import Line, Page, Raster, Rect, Text
from samples.generator.documents._base import Drawn, Opts, Values, renderer
from samples.generator.documents._draw import A4, cn_date, dot_date, fmt, hospital_header, iso, seal, table
from samples.generator.story import Story, money, upper


def _qr(content: str, x: float, y: float, size: float) -> Raster:
    def code() -> Image.Image:
        import zxingcpp

        bc = zxingcpp.create_barcode(content, zxingcpp.BarcodeFormat.QRCode)
        return Image.fromarray(np.array(bc.to_image(scale=4, add_quiet_zones=False))).convert("RGB")

    def fn(img: Image.Image, k: float) -> None:
        q = code().resize((round(size * k), round(size * k)), Image.Resampling.NEAREST)
        img.paste(q, (round(x * k), round(y * k)))

    return Raster(fn, pdf=(x, y, size, size, code))


def _invoice_values(s: Story, o: Opts) -> tuple[Values, str]:
    """The printed values of the invoice and the capital-numeral amount as printed."""
    v = Values(
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
    return v, upper_text


def _category_cells(s: Story) -> list[tuple[str, str, str, str]]:
    """The fee categories in two columns (name, amount, name, amount), at least four rows."""
    cats = s.categories()
    half = (len(cats) + 1) // 2
    out = []
    for i in range(max(half, 4)):
        left = cats[i] if i < half else None
        right = cats[half + i] if half + i < len(cats) else None
        out.append(
            (
                left[0] if left else "",
                money(left[1]) if left else "",
                right[0] if right else "",
                money(right[1]) if right else "",
            )
        )
    return out


def _ebill_remarks(p: Page, s: Story, bottom: float, fc: tuple[int, int, int]) -> None:
    """The e-bill's 备注 box: serial number, stay or visit, insurance type."""
    p.add(Rect(10, bottom + 8, 230, bottom + 26, 0.25, outline=fc))
    p.add(Text(12.0, bottom + 10.0, "备注", 9, "sans", color=fc))
    stay = (
        f"住院时间：{fmt(s.admission, iso)}至{fmt(s.discharge, iso)}  住院号：{s.record_no}"
        if s.inpatient
        else f"门诊号：{s.record_no}  就诊日期：{fmt(s.visit_date, iso)}"
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


def _ebill_payee(p: Page, s: Story, v: Values, o: Opts, y: float, fc: tuple[int, int, int]) -> None:
    """The payee, reviewer and cashier line, and the payee's seal."""
    p.add(Text(12.0, y, "收款单位（章）：", 9.5, "sans", color=fc))
    p.add(Text(40.0, y, v["payee"], 9.5, "sans"))
    p.add(Text(150.0, y, "复核人：", 9.5, "sans", color=fc))
    p.add(Text(164.0, y, "闫芳", 9.5, "sans"))
    p.add(Text(190.0, y, "收款人：", 9.5, "sans", color=fc))
    p.add(Text(204.0, y, "鲍静", 9.5, "sans"))
    if o.seal_over_text:  # the stamp sits right on the payee's name
        cx, cy = 40.0 + cv.text_width_mm(v["payee"], 9.5) / 2, y + 2.0
    else:
        cx, cy = 48.0 + cv.text_width_mm(v["payee"], 9.5) + 18.0, y - 5.0
    seal(p, o, cx, cy, s.hospital.name, "收费专用章", r=17.0)


@renderer(DocType.MEDICAL_INVOICE, "electronic")
def invoice_electronic(s: Story, o: Opts) -> Drawn:
    """The fiscal e-bill (医疗收费票据（电子）) with its QR code."""
    v, upper_text = _invoice_values(s, o)
    kind = "住院" if s.inpatient else "门诊"
    prov = s.hospital.province
    W, H = 240.0, 140.0
    p = Page(W, H)
    fc = (150, 60, 40)
    q = {k: v[k] for k in ("invoice_code", "invoice_number", "check_code", "issue_date", "total_amount")}
    q.update(o.qr_override)
    qr_date = q["issue_date"].replace("-", "")
    # the fiscal e-bill payload: version, 票据代码, 票据号码, 校验码, 开票日期, 金额
    payload = f"01,{q['invoice_code']},{q['invoice_number']},{q['check_code']},{qr_date},{q['total_amount']}"
    p.add(_qr(payload, 10, 8, 24))
    p.add(Text(W / 2 - 4, 9.0, f"{prov}医疗{kind}收费票据（电子）", 14, "serif-bold", anchor="m", color=fc))
    p.add(Line(W / 2 - 52, 17.5, W / 2 + 44, 17.5, 0.4, fc))
    p.add(Line(W / 2 - 52, 18.5, W / 2 + 44, 18.5, 0.4, fc))
    x2 = 170.0
    for i, (label, key) in enumerate(
        [("票据代码", "invoice_code"), ("票据号码", "invoice_number"), ("校 验 码", "check_code")]
    ):
        p.add(Text(x2, 8.0 + i * 5.6, f"{label}：", 9, "sans", color=fc))
        p.add(Text(x2 + 17.0, 8.0 + i * 5.6, v[key], 9, "sans"))
    p.add(Text(x2, 8.0 + 3 * 5.6, "开票日期：", 9, "sans", color=fc))
    p.add(Text(x2 + 17.0, 8.0 + 3 * 5.6, fmt(v.date("issue_date"), cn_date), 9, "sans"))
    p.add(Text(12.0, 36.0, "交款人统一社会信用代码：", 9, "sans", color=fc))
    p.add(Text(52.0, 36.0, s.person.id_number, 9, "sans"))
    p.add(Text(130.0, 36.0, "交款人：", 9, "sans", color=fc))
    p.add(Text(144.0, 36.0, v["payer_name"], 9.5, "sans"))
    rows = [["项目名称", "金额（元）", "备注", "项目名称", "金额（元）", "备注"]]
    rows += [[a, b, "", c, d, ""] for a, b, c, d in _category_cells(s)]
    bottom = table(p, 10, 42, [50, 32, 28, 50, 32, 28], rows, 7.0, 9, color=fc)
    p.add(Rect(10, bottom, 230, bottom + 8, 0.25, outline=fc))
    p.add(Text(12.0, bottom + 2.0, "金额合计（大写）", 9.5, "sans", color=fc))
    p.add(Text(42.0, bottom + 2.0, upper_text, 9.5, "sans"))
    p.add(Text(150.0, bottom + 2.0, "（小写）", 9.5, "sans", color=fc))
    if v["total_amount"]:
        p.add(Text(164.0, bottom + 2.0, "¥" + v["total_amount"], 9.5, "sans"))
    _ebill_remarks(p, s, bottom, fc)
    _ebill_payee(p, s, v, o, bottom + 30.0, fc)
    return Drawn([p], v)


@renderer(DocType.MEDICAL_INVOICE, "printed", holdout=True)
def invoice_printed(s: Story, o: Opts) -> Drawn:
    """A pre-printed paper form filled by a dot-matrix/laser printer."""
    v, upper_text = _invoice_values(s, o)
    kind = "住院" if s.inpatient else "门诊"
    prov = s.hospital.province
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
    p.add(Text(158.0 + off, 22.6, fmt(v.date("issue_date"), cn_date), 9.5, "sans", color=ink))
    p.add(Text(14.0, 29.0, "交款人：", 9, "serif", color=fc))
    p.add(Text(31.0 + off, 28.6, v["payer_name"], 9.5, "sans", color=ink))
    p.add(Text(80.0, 29.0, "住院号：" if s.inpatient else "门诊号：", 9, "serif", color=fc))
    p.add(Text(96.0 + off, 28.6, s.record_no, 9.5, "sans", color=ink))
    p.add(Text(140.0, 29.0, "性别：", 9, "serif", color=fc))
    p.add(Text(152.0 + off, 28.6, s.person.sex, 9.5, "sans", color=ink))
    rows = [["项 目", "金 额", "项 目", "金 额"]]
    rows += [list(cells) for cells in _category_cells(s)]
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
                f"住院日期：{fmt(s.admission, dot_date)}-{fmt(s.discharge, dot_date)}",
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
        cx, cy = 42.0 + cv.text_width_mm(v["payee"], 9.5) / 2, H - 11.0
    else:
        cx, cy = 118.0, H - 20.0
    seal(p, o, cx, cy, s.hospital.name, "收费专用章", r=16.0)
    return Drawn([p], v)


def _expense_values(s: Story, o: Opts) -> Values:
    """The printed values of the list (its period: the stay, or the day of the visit)."""
    start = s.admission if s.inpatient else s.visit_date
    end = s.discharge if s.inpatient else s.visit_date
    v = Values(
        o,
        {
            "patient_name": s.person.name,
            "hospital": s.hospital.name,
            "total_amount": money(s.total),
            "start_date": iso(start),
            "end_date": iso(end),
        },
    )
    return v


@renderer(DocType.EXPENSE_LIST, "inpatient_table")
def expense_table(s: Story, o: Opts) -> Drawn:
    """One ruled table of every item (项目编码, 规格, 类别 ...)."""
    v = _expense_values(s, o)
    p = Page(*A4)
    kind = "住院" if s.inpatient else "门急诊"
    y = hospital_header(p, v["hospital"], f"{kind}费用清单")
    p.add(Text(15, y, f"姓名：{v['patient_name']}", 10.5, "sans"))
    p.add(Text(62, y, f"性别：{s.person.sex}", 10.5, "sans"))
    p.add(Text(92, y, f"年龄：{s.person.age(s.submitted_on)}岁", 10.5, "sans"))
    p.add(Text(130, y, f"{'住院号' if s.inpatient else '门诊号'}：{s.record_no}", 10.5, "sans"))
    y += 7
    p.add(Text(15, y, f"科室：{s.ward}", 10.5, "sans"))
    d0, d1 = v.date("start_date"), v.date("end_date")
    p.add(Text(62, y, f"费用期间：{fmt(d0, iso)} 至 {fmt(d1, iso)}", 10.5, "sans"))
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
    printed_on = s.discharge if s.inpatient else s.visit_date  # the last day as the story has it
    p.add(Text(15, y + 8, f"打印日期：{fmt(printed_on, iso)}", 9.5, "sans"))
    p.add(Text(110, y + 8, "本清单仅供参保人员报销使用", 9.5, "sans"))
    seal(p, o, 160.0, y + 4.0, v["hospital"], "住院处" if s.inpatient else "门诊收费处", r=19.0)
    return Drawn([p], v)


@renderer(DocType.EXPENSE_LIST, "daily", holdout=True)
def expense_daily(s: Story, o: Opts) -> Drawn:
    """Per-day blocks with subtotals."""
    v = _expense_values(s, o)
    p = Page(*A4)
    kind = "住院" if s.inpatient else "门急诊"
    y = 16.0
    p.add(Text(105, y, f"{v['hospital']}{kind}患者费用明细清单", 14, "sans-bold", anchor="m"))
    y += 10
    p.add(Text(14, y, f"患者姓名 {v['patient_name']}    病案号 {s.record_no}    病区 {s.ward}", 10, "sans"))
    y += 6
    d0, d1 = v.date("start_date"), v.date("end_date")
    if s.inpatient:
        p.add(Text(14, y, f"入院日期 {fmt(d0, iso)}    出院日期 {fmt(d1, iso)}", 10, "sans"))
    else:
        p.add(Text(14, y, f"费用日期 {fmt(d0, iso)} 至 {fmt(d1, iso)}", 10, "sans"))
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
        p.add(Text(14, y + 1.2, fmt(d0, iso), 9, "sans"))
        p.add(Text(38, y + 1.2, f"{it.name} {it.spec}".strip(), 9, "sans"))
        p.add(Text(120, y + 1.2, f"{it.qty}{it.unit}", 9, "sans"))
        p.add(Text(150, y + 1.2, money(it.price), 9, "sans"))
        p.add(Text(196, y + 1.2, money(it.amount), 9, "sans", anchor="r"))
        y += 6.0
    p.add(Line(12, y + 1, 198, y + 1, 0.4))
    p.add(Text(196, y + 3.0, f"合计金额：{v['total_amount']}", 10.5, "sans-bold", anchor="r"))
    seal(p, o, 150.0, y + 22.0, v["hospital"], "费用清单专用章", r=18.0)
    return Drawn([p], v)


@renderer(DocType.SETTLEMENT_STATEMENT, "standard")
def settlement_statement(s: Story, o: Opts) -> Drawn:
    total = s.total
    v = Values(
        o,
        {"patient_name": s.person.name, "hospital": s.hospital.name, "total_amount": money(total)},
    )
    p = Page(*A4)
    p.add(Text(105, 18, "基本医疗保险、大病保险住院结算单", 15, "serif-bold", anchor="m"))
    p.add(Text(15, 32, f"定点医疗机构：{v['hospital']}", 10.5, "sans"))
    p.add(Text(140, 32, f"结算日期：{fmt(s.discharge, iso)}", 10.5, "sans"))
    pooled = (total * Decimal("0.62")).quantize(Decimal("0.01"))
    major = (total * Decimal("0.08")).quantize(Decimal("0.01"))
    own = total - pooled - major
    rows = [
        ["姓名", v["patient_name"], "性别", s.person.sex, "住院号", s.record_no],
        ["入院日期", fmt(s.admission, iso), "出院日期", fmt(s.discharge, iso), "险种", "基本医疗保险"],
        ["出院诊断", s.disease.name, "", "", "", ""],
        ["医疗总费用", v["total_amount"], "统筹基金支付", money(pooled), "大病保险支付", money(major)],
        ["个人账户支付", "0.00", "个人现金支付", money(own), "医疗救助支付", "0.00"],
    ]
    y = table(p, 12, 40, [28, 34, 30, 34, 30, 30], rows, 10, 10, "sans")
    p.add(Text(15, y + 6, "经办人：甘丽    复核人：邝强", 10.5, "sans"))
    seal(p, o, 150.0, y + 10.0, v["hospital"], "医保结算专用章", r=19.0)
    return Drawn([p], v)
