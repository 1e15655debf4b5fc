"""Forms and letters: the remote-care filing form (filled-in and tick-box), application forms, the
commitment letter, proof of posting, labour contract, power of attorney, and a page of no contract type."""

from __future__ import annotations

import random
from datetime import timedelta
from decimal import Decimal

from pipeline.codes import DocType
from samples.generator.canvas import Line, Page, Rect, Text
from samples.generator.documents._base import Drawn, Opts, Values, renderer
from samples.generator.documents._draw import A4, BLUE_INK, cn_date, fmt, iso, kv, para, seal, table
from samples.generator.story import Story, money

FILING_LABELS = {
    "remote.retiree_relocation": "异地安置退休人员",
    "remote.long_term_residence": "异地长期居住人员",
    "remote.posted_worker": "常驻异地工作人员",
    "remote.referral": "异地转诊人员",
    "remote.temporary": "其他临时外出就医人员",
}


_WIDTHS: list[float] = [30, 56, 16, 28, 26, 30]
_ALIGN = ["m", "l", "m", "m", "m", "m"]


def _remote_care_form(s: Story, o: Opts) -> tuple[Page, Values, list[list[str]]]:
    """The page with its heading, the printed values and the table's rows (备案类型 third)."""
    pp = s.person
    v = Values(
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
        ["备案类型", v["filing_type"], "", "", "", ""],
        ["就医地", v["destination"], "", "", "", ""],
        ["就医医院", (s.dest_hospital.name if s.dest_hospital else ""), "", "", "", ""],
        ["备案开始日期", cn_date(s.submitted_on), "", "", "", ""],
    ]
    return p, v, rows


def _remote_care_signature(p: Page, s: Story, y: float) -> None:
    """The applicant's promise and signature, and the office's box, below the table."""
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
    p.add(Text(120, y + 26, f"申请人签字：{s.person.name}", 10.5, "sans"))
    p.add(Text(120, y + 33, cn_date(s.submitted_on), 10.5, "sans"))
    p.add(Rect(12, y + 40, 198, y + 70, 0.25))
    p.add(Text(14, y + 43, "经办机构意见：", 10.5, "sans-bold"))
    p.add(Text(14, y + 62, "经办人：               审核人：", 10.5, "sans"))


@renderer(DocType.REMOTE_CARE_FORM, "text")
def remote_care_form_text(s: Story, o: Opts) -> Drawn:
    """The filing type written in its cell."""
    p, v, rows = _remote_care_form(s, o)
    y = table(p, 12, 38.0, _WIDTHS, rows, 12.0, 10.5, "sans", align=_ALIGN)
    _remote_care_signature(p, s, y)
    return Drawn([p], v)


@renderer(DocType.REMOTE_CARE_FORM, "checkbox", holdout=True)
def remote_care_form_checkbox(s: Story, o: Opts) -> Drawn:
    """Every filing type printed with a tick box; the chosen one ticked."""
    p, v, rows = _remote_care_form(s, o)
    rh, rh_types = 12.0, 26.0
    y = table(p, 12, 38.0, _WIDTHS, rows[:2], rh, 10.5, "sans", align=_ALIGN)
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
    y = table(p, 12, y + rh_types, _WIDTHS, rows[3:], rh, 10.5, "sans", align=_ALIGN)
    _remote_care_signature(p, s, y)
    return Drawn([p], v)


@renderer(DocType.APPLICATION_FORM, "standard")
def application_form(s: Story, o: Opts) -> Drawn:
    pp = s.person
    v = Values(o, {"name": pp.name, "id_number": pp.id_number, "form_title": s.form_title})
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
    return Drawn([p], v)


@renderer(DocType.COMMITMENT_LETTER, "standard")
def commitment_letter(s: Story, o: Opts) -> Drawn:
    pp = s.person
    v = Values(
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
    p.add(Text(120, y + 37, fmt(sd, cn_date), 12, "serif"))
    return Drawn([p], v)


@renderer(DocType.WORK_DISPATCH_PROOF, "standard")
def work_dispatch_proof(s: Story, o: Opts) -> Drawn:
    pp = s.person
    v = Values(
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
    p.add(Text(188, y + 42, fmt(v.date("issue_date"), cn_date), 12.5, "serif", anchor="r"))
    seal(p, o, 160.0, y + 32.0, v["employer"] or "单位", "", r=21.0)
    return Drawn([p], v)


@renderer(DocType.LABOR_CONTRACT, "standard")
def labor_contract(s: Story, o: Opts) -> Drawn:
    pp = s.person
    v = Values(
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
    text = f"本合同为固定期限劳动合同，自{fmt(a, cn_date)}起至{fmt(b, cn_date)}止。"
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
    p.add(Text(35, y2 + 42, fmt(a, cn_date), 12.5, "serif"))
    seal(p, o, 55.0, y2 + 36.0, v["employer"] or "单位", "合同专用章", r=20.0)
    return Drawn([p], v)


@renderer(DocType.POWER_OF_ATTORNEY, "standard")
def power_of_attorney(s: Story, o: Opts) -> Drawn:
    pp = s.person
    agent = s.agent or pp
    v = Values(o, {"principal_name": pp.name, "agent_name": agent.name})
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
    return Drawn([p], v)


@renderer(DocType.UNKNOWN, "receipt", dpi=200)
def unrecognized(s: Story, o: Opts) -> Drawn:
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
    return Drawn([p], Values(o, {}))  # no contract fields
