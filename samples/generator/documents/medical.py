"""Medical documents: discharge record (record and summary), referral slip (approval table and letter),
diagnosis certificate, outpatient/emergency record, prescription."""

from __future__ import annotations

from decimal import Decimal

from pipeline.codes import DocType
from samples.generator.canvas import Line, Page, Rect, Text
from samples.generator.documents._base import Drawn, Opts, Values, renderer
from samples.generator.documents._draw import (
    A4,
    BLUE_INK,
    cn_date,
    fmt,
    hospital_header,
    hospital_logo,
    iso,
    para,
    seal,
    table,
)
from samples.generator.story import Story, money


def _discharge_values(s: Story, o: Opts) -> Values:
    return Values(
        o,
        {
            "patient_name": s.person.name,
            "hospital": s.hospital.name,
            "admission_date": iso(s.admission),
            "discharge_date": iso(s.discharge),
            "diagnosis": s.disease.name,
        },
    )


def _discharge_text(s: Story) -> list[tuple[str, str]]:
    """The paragraphs of the record: heading, text."""
    return [
        (
            "入院情况",
            f"患者因“{_complaint(s)}”入院。查体：T 36.8℃，P 82次/分，R 20次/分，BP 132/84mmHg，神志清，精神可。",
        ),
        ("诊疗经过", "入院后完善相关检查，给予抗感染、对症支持等治疗，病情好转。"),
        ("出院情况", "患者一般情况可，无发热，饮食睡眠可，生命体征平稳。"),
        ("出院医嘱", "1.注意休息，清淡饮食；2.按时服药，门诊随访；3.如有不适及时就诊。"),
    ]


def _discharge_signature(p: Page, o: Opts, v: Values, y: float) -> None:
    p.add(Text(120, y + 8, "医师签名：", 11, "serif"))
    p.add(Text(142, y + 7, "闫立新", 12, "serif", color=BLUE_INK))
    p.add(Text(120, y + 16, fmt(v.date("discharge_date"), cn_date), 11, "serif"))
    seal(p, o, 178.0, y + 12.0, v["hospital"], "病案管理专用章", r=16.0)


@renderer(DocType.DISCHARGE_RECORD, "record")
def discharge_record(s: Story, o: Opts) -> Drawn:
    """出院记录: labelled lines, then the paragraphs."""
    v = _discharge_values(s, o)
    p = Page(*A4)
    a, d = v.date("admission_date"), v.date("discharge_date")
    days = (d - a).days if a and d else 0
    y = hospital_header(p, v["hospital"], "出院记录")
    p.add(Text(15, y, f"姓名：{v['patient_name']}", 11, "sans"))
    p.add(Text(75, y, f"性别：{s.person.sex}", 11, "sans"))
    p.add(Text(105, y, f"年龄：{s.person.age(s.submitted_on)}岁", 11, "sans"))
    p.add(Text(140, y, f"住院号：{s.record_no}", 11, "sans"))
    y += 8
    p.add(Text(15, y, f"科别：{s.ward}", 11, "sans"))
    p.add(Text(75, y, f"床号：{(s.rng_seed % 40) + 1}床", 11, "sans"))
    p.add(Line(15, y + 7, 195, y + 7, 0.4))
    y += 11
    p.add(Text(15, y, f"入院日期：{fmt(a, cn_date)}", 11, "serif"))
    p.add(Text(105, y, f"出院日期：{fmt(d, cn_date)}", 11, "serif"))
    y += 8
    p.add(Text(15, y, f"住院天数：{days}天", 11, "serif"))
    y += 8
    p.add(Text(15, y, f"入院诊断：{v['diagnosis']}", 11, "serif"))
    y += 8
    p.add(Text(15, y, f"出院诊断：{v['diagnosis']}", 11, "serif"))
    y += 10
    for head, body in _discharge_text(s):
        p.add(Text(15, y, head + "：", 11, "serif-bold"))
        y = para(p, 15, y + 6.5, body, 180) + 3
    _discharge_signature(p, o, v, y)
    return Drawn([p], v)


@renderer(DocType.DISCHARGE_RECORD, "summary", holdout=True)
def discharge_summary(s: Story, o: Opts) -> Drawn:
    """出院小结: a table of the stay, then the paragraphs under 【】 headings."""
    v = _discharge_values(s, o)
    p = Page(*A4)
    a, d = v.date("admission_date"), v.date("discharge_date")
    days = (d - a).days if a and d else 0
    y = hospital_header(p, v["hospital"], "出院小结")
    rows = [
        ["姓名", v["patient_name"], "性别", s.person.sex, "年龄", f"{s.person.age(s.submitted_on)}岁"],
        ["科室", s.ward, "床号", f"{(s.rng_seed % 40) + 1}", "住院号", s.record_no],
        ["入院时间", fmt(a, iso), "出院时间", fmt(d, iso), "住院天数", f"{days}天"],
    ]
    y = table(p, 15, y, [25, 40, 25, 35, 25, 30], rows, 9, 10.5, "sans") + 6
    p.add(Text(15, y, f"出院诊断：{v['diagnosis']}", 11, "sans-bold"))
    y += 9
    for head, body in _discharge_text(s):
        p.add(Text(15, y, f"【{head}】", 11, "sans-bold"))
        y = para(p, 15, y + 6.5, body, 180, 10.5, "sans") + 3
    _discharge_signature(p, o, v, y)
    return Drawn([p], v)


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


def _referral_values(s: Story, o: Opts) -> Values:
    src = s.referral_from or s.hospital
    dst = s.dest_hospital or s.hospital
    return Values(
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


def _to_region(s: Story) -> str:
    return s.destination or (s.dest_hospital or s.hospital).destination


@renderer(DocType.REFERRAL_SLIP, "table")
def referral_table(s: Story, o: Opts) -> Drawn:
    """The insurance office's approval form (异地转诊转院审批表)."""
    v = _referral_values(s, o)
    p = Page(*A4)
    issue = v.date("issue_date")
    hospital_logo(p, 12.0, 14.0, 11.0)
    p.add(Text(105, 20, "基本医疗保险参保人员异地转诊转院审批表", 15, "serif-bold", anchor="m"))
    p.add(Text(15, 32, f"转出医院：{v['from_hospital']}", 10.5, "sans"))
    p.add(Text(140, 32, f"编号：ZZ{s.record_no}", 10.5, "sans"))
    rows = [
        ["姓名", v["patient_name"], "性别", s.person.sex, "年龄", f"{s.person.age(s.submitted_on)}"],
        ["身份证号码", v["id_number"], "", "", "联系电话", s.person.phone],
        ["临床诊断", v["diagnosis"], "", "", "", ""],
        ["转往医院", v["to_hospital"], "", "", "", ""],
        ["转往地区", _to_region(s), "", "", "", ""],
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
    p.add(Text(95, y + 66, f"日期：{fmt(issue, cn_date)}", 10.5, "sans"))
    seal(p, o, 172.0, y + 54.0, v["from_hospital"], "医疗保险办公室", r=18.0)
    return Drawn([p], v)


@renderer(DocType.REFERRAL_SLIP, "letter", holdout=True)
def referral_letter(s: Story, o: Opts) -> Drawn:
    """A letter on the hospital's letterhead (转诊转院证明)."""
    v = _referral_values(s, o)
    p = Page(*A4)
    issue = v.date("issue_date")
    y = hospital_header(p, v["from_hospital"], "转 诊 转 院 证 明")
    body = (
        f"兹有患者{v['patient_name']}，{s.person.sex}，{s.person.age(s.submitted_on)}岁，身份证号{v['id_number']}，"
        f"因“{v['diagnosis']}”在我院就诊，因病情需要，本院不具备进一步诊治条件，"
        f"经科室及医保办同意，转往{v['to_hospital']}（{_to_region(s)}）诊治。"
    )
    y = para(p, 20, y + 6, body, 170, 12, "serif", 1.9) + 8
    p.add(Text(20, y, f"诊断：{v['diagnosis']}", 12, "serif"))
    p.add(Text(20, y + 10, "特此证明。", 12, "serif"))
    p.add(Text(20, y + 22, "经治医师：", 12, "serif"))
    p.add(Text(42, y + 21.5, "滕海涛", 13, "serif", color=BLUE_INK))
    p.add(Text(190, y + 30, v["from_hospital"], 12, "serif", anchor="r"))
    p.add(Text(190, y + 40, fmt(issue, cn_date), 12, "serif", anchor="r"))
    seal(p, o, 118.0, y + 34.0, v["from_hospital"], "转诊专用章", r=19.0)
    return Drawn([p], v)


@renderer(DocType.DIAGNOSIS_CERTIFICATE, "standard")
def diagnosis_certificate(s: Story, o: Opts) -> Drawn:
    emerg = s.emergency if o.emergency_mark is None else o.emergency_mark
    v = Values(
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
    p.add(Text(120, y + 8, fmt(v.date("issue_date"), cn_date), 11, "serif"))
    p.add(Text(15, y + 20, "（本证明加盖医院诊断证明专用章有效）", 9.5, "serif"))
    seal(p, o, 178.0, y + 2.0, v["hospital"], "诊断证明专用章", r=16.0)
    return Drawn([p], v)


@renderer(DocType.MEDICAL_RECORD, "standard")
def medical_record(s: Story, o: Opts) -> Drawn:
    emerg = s.emergency if o.emergency_mark is None else o.emergency_mark
    v = Values(
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
        Text(15, y, f"就诊日期：{fmt(vd, iso)} {9 + s.rng_seed % 10:02d}:{s.rng_seed % 60:02d}", 11, "sans")
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
    return Drawn([p], v)


@renderer(DocType.PRESCRIPTION, "standard")
def prescription(s: Story, o: Opts) -> Drawn:
    v = Values(
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
    p.add(Text(95, y, f"日期：{fmt(v.date('issue_date'), iso)}", 10, "sans"))
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
    return Drawn([p], v)
