"""Classification and field reading of every document type from OCR lines laid out like real forms."""

from __future__ import annotations

import pytest

from extractors import build_extractors
from extractors.reader import classify, read_document
from pipeline.codes import DOC_FIELDS, DocType
from pipeline.models import OcrLine, PageText


def _line(text: str, x: float, y: float, h: float, conf: float) -> OcrLine:
    w = sum(h if ord(c) > 0x2E80 else h * 0.55 for c in text)
    return OcrLine(text=text, polygon=[(x, y), (x + w, y), (x + w, y + h), (x, y + h)], confidence=conf)


def form(
    rows: list[list[str]], title: str | None = None, w: int = 1240, h: int = 1754, conf: float = 0.97
) -> list[PageText]:
    """A page: an optional big centred title, then rows of cells spread over the width."""
    lines = []
    y = 80.0
    if title:
        lines.append(_line(title, w / 2 - len(title) * 24, y, 48, conf))
        y += 110
    for cells in rows:
        if cells:
            step = (w - 120) / len(cells)
            for i, c in enumerate(cells):
                if c:
                    lines.append(_line(c, 60 + i * step, y, 30, conf))
        y += 56
    return [PageText(index=0, width=w, height=h, source="image", lines=lines)]


def _boxed_page(boxes: list[tuple[str, float, float, float, float]], conf: float) -> list[PageText]:
    """A photographed page (1050 x 1400) of OCR lines at the given boxes (text, x0, y0, x1, y1)."""
    lines = [
        OcrLine(text=t, polygon=[(x0, y0), (x1, y0), (x1, y1), (x0, y1)], confidence=conf)
        for t, x0, y0, x1, y1 in boxes
    ]
    return [PageText(index=0, width=1050, height=1400, source="image", lines=lines)]


def card(rows: list[tuple[str, float, float]], w: int = 856, h: int = 540) -> list[PageText]:
    lines = [_line(t, x, y, 28, 0.98) for t, x, y in rows]
    return [PageText(index=0, width=w, height=h, source="image", lines=lines)]


DOCS: dict[str, tuple[DocType, list[PageText], dict[str, str]]] = {
    "id_front": (
        DocType.ID_CARD_FRONT,
        card(
            [
                ("姓名", 60, 50),
                ("张伟明", 150, 50),
                ("性别", 60, 110),
                ("男", 150, 110),
                ("民族", 260, 110),
                ("汉", 350, 110),
                ("出生", 60, 170),
                ("1985年3月12日", 150, 170),
                ("住址", 60, 230),
                ("湖北省荆门市东宝区泉口", 150, 230),
                ("街道幸福路88号", 150, 270),
                ("公民身份号码", 60, 440),
                ("420802198503121236", 280, 440),
            ]
        ),
        {
            "name": "张伟明",
            "sex": "男",
            "ethnicity": "汉",
            "birth_date": "1985-03-12",
            "address": "湖北省荆门市东宝区泉口街道幸福路88号",
            "id_number": "420802198503121236",
        },
    ),
    "id_front_merged": (
        DocType.ID_CARD_FRONT,
        card(
            [
                ("姓名阿依古丽·买买提", 60, 50),
                ("性别女民族维吾尔", 60, 110),
                ("出生1990年11月2日", 60, 170),
                ("住址新疆乌鲁木齐市天山区解放南路1号", 60, 230),
                ("公民身份号码65010219901102002x", 60, 440),
            ]
        ),
        {
            "name": "阿依古丽·买买提",
            "sex": "女",
            "ethnicity": "维吾尔",
            "birth_date": "1990-11-02",
            "address": "新疆乌鲁木齐市天山区解放南路1号",
            "id_number": "65010219901102002X",
        },
    ),
    "id_back": (
        DocType.ID_CARD_BACK,
        card(
            [
                ("中华人民共和国", 300, 60),
                ("居民身份证", 320, 130),
                ("签发机关", 150, 380),
                ("荆门市公安局东宝分局", 280, 380),
                ("有效期限", 150, 440),
                ("2015.03.12-长期", 280, 440),
            ]
        ),
        {"issuer": "荆门市公安局东宝分局", "valid_from": "2015-03-12", "valid_until": "long_term"},
    ),
    "residence_permit": (
        DocType.RESIDENCE_PERMIT,
        card(
            [
                ("中华人民共和国居住证", 250, 20),
                ("姓名", 60, 70),
                ("李娜", 150, 70),
                ("性别女", 60, 120),
                ("出生1992年5月6日", 60, 170),
                ("住址浙江省舟山市普陀区东港街道", 60, 220),
                ("公民身份号码", 60, 330),
                ("650102199205060028", 260, 330),
                ("签发机关", 60, 390),
                ("舟山市公安局普陀分局", 200, 390),
                ("有效期限", 60, 450),
                ("2022.01.10-2027.01.10", 200, 450),
            ]
        ),
        {
            "name": "李娜",
            "id_number": "650102199205060028",
            "address": "浙江省舟山市普陀区东港街道",
            "valid_from": "2022-01-10",
            "valid_until": "2027-01-10",
        },
    ),
    "hukou": (
        DocType.HUKOU_BOOKLET,
        form(
            [
                ["户别", "家庭户", "户主姓名", "张伟明"],
                ["姓名", "张小明", "与户主关系", "子"],
                ["性别", "男", "出生地", "湖北省荆门市"],
                ["公民身份号码", "420802201001011238"],
                ["住址", "湖北省荆门市东宝区泉口街道88号"],
            ],
            title="常住人口登记卡",
        ),
        {"name": "张小明", "id_number": "420802201001011238", "address": "湖北省荆门市东宝区泉口街道88号"},
    ),
    "ssc": (
        DocType.SSC_CARD,
        card(
            [
                ("中华人民共和国", 200, 30),
                ("社会保障卡", 450, 30),
                ("姓名", 60, 200),
                ("王芳", 160, 200),
                ("社会保障号码", 60, 260),
                ("650103198807150024", 280, 260),
                ("卡号", 60, 320),
                ("A12345678", 160, 320),
            ]
        ),
        {"name": "王芳", "id_number": "650103198807150024", "ssc_number": "A12345678"},
    ),
    "invoice_printed": (
        DocType.MEDICAL_INVOICE,
        form(
            [
                ["票据代码：65010224", "", "票据号码：NO.00321567"],
                ["交款人：李秀英", "", "开票日期：2024年02月28日"],
                ["项目名称", "金额", "项目名称", "金额"],
                ["西药费", "1,200.00", "检查费", "1314.50"],
                ["合计（大写）贰仟伍佰壹拾肆元伍角", "", "（小写）¥2514.50"],
                ["收款单位（章）：新疆医科大学第一附属医院", "", "收款人：王五"],
            ],
            title="新疆维吾尔自治区医疗住院收费票据",
        ),
        {
            "invoice_code": "65010224",
            "invoice_number": "00321567",
            "payer_name": "李秀英",
            "payee": "新疆医科大学第一附属医院",
            "issue_date": "2024-02-28",
            "total_amount": "2514.50",
            "total_amount_upper": "2514.50",
        },
    ),
    "expense_list": (
        DocType.EXPENSE_LIST,
        form(
            [
                ["医院名称：荆门市第一人民医院"],
                ["姓名：赵强", "住院号：20240311", "科室：心内科"],
                ["入院日期：2024-01-03", "出院日期：2024-01-12"],
                ["项目名称", "规格", "单价", "数量", "金额"],
                ["床位费", "", "45.00", "9", "405.00"],
                ["合计：405.00元"],
            ],
            title="住院费用清单",
        ),
        {
            "patient_name": "赵强",
            "hospital": "荆门市第一人民医院",
            "total_amount": "405.00",
            "start_date": "2024-01-03",
            "end_date": "2024-01-12",
        },
    ),
    "discharge_summary": (
        DocType.DISCHARGE_RECORD,
        form(
            [
                ["舟山医院"],
                ["姓名：孙丽", "性别：女", "年龄：56岁", "住院号：889123"],
                ["入院日期：2024年1月3日", "出院日期：2024年1月15日"],
                ["入院诊断：冠状动脉粥样硬化性心脏病"],
                ["出院诊断：冠状动脉粥样硬化性心脏病"],
                ["诊疗经过：入院后完善相关检查"],
            ],
            title="出院小结",
        ),
        {
            "patient_name": "孙丽",
            "hospital": "舟山医院",
            "admission_date": "2024-01-03",
            "discharge_date": "2024-01-15",
            "diagnosis": "冠状动脉粥样硬化性心脏病",
        },
    ),
    "referral": (
        DocType.REFERRAL_SLIP,
        form(
            [
                ["姓名：张伟明", "性别：男", "年龄：39"],
                ["身份证号码：420802198503121236"],
                ["转出医院：荆门市第一人民医院"],
                ["转入医院：舟山医院"],
                ["临床诊断：肺恶性肿瘤"],
                ["转诊原因：本院不具备诊疗条件"],
                ["", "", "日期：2024-02-28"],
            ],
            title="异地转诊转院申请单",
        ),
        {
            "patient_name": "张伟明",
            "id_number": "420802198503121236",
            "from_hospital": "荆门市第一人民医院",
            "to_hospital": "舟山医院",
            "diagnosis": "肺恶性肿瘤",
            "issue_date": "2024-02-28",
        },
    ),
    "diagnosis_cert": (
        DocType.DIAGNOSIS_CERTIFICATE,
        form(
            [
                ["喀什地区第一人民医院"],
                ["姓名：热依拉", "性别：女", "科别：急诊科"],
                ["诊断：急性阑尾炎"],
                ["建议：住院治疗"],
                ["", "医师：张三", "日期：2024.03.01"],
            ],
            title="诊断证明书",
        ),
        {
            "patient_name": "热依拉",
            "hospital": "喀什地区第一人民医院",
            "diagnosis": "急性阑尾炎",
            "issue_date": "2024-03-01",
            "emergency": "true",
        },
    ),
    "medical_record": (
        DocType.MEDICAL_RECORD,
        form(
            [
                ["荆门市中医医院"],
                ["姓名：刘洋", "性别：男", "科别：内分泌科"],
                ["就诊日期：2024-02-10"],
                ["主诉：口干多饮3月"],
                ["初步诊断：2型糖尿病"],
                ["处理：二甲双胍0.5g tid"],
            ],
            title="门诊病历",
        ),
        {
            "patient_name": "刘洋",
            "hospital": "荆门市中医医院",
            "visit_date": "2024-02-10",
            "diagnosis": "2型糖尿病",
            "emergency": "false",
        },
    ),
    "prescription": (
        DocType.PRESCRIPTION,
        form(
            [
                ["荆门市第二人民医院"],
                ["姓名：陈静", "性别：女", "年龄：33岁", "科别：内科"],
                ["临床诊断：上呼吸道感染", "日期：2024-03-02"],
                ["Rp:"],
                ["阿莫西林胶囊 0.25g×24粒 用法：口服"],
                ["医师：王五", "审核：", "调配：", "核对："],
            ],
            title="处方笺",
        ),
        {"patient_name": "陈静", "hospital": "荆门市第二人民医院", "issue_date": "2024-03-02"},
    ),
    "remote_care_form": (
        DocType.REMOTE_CARE_FORM,
        form(
            [
                ["姓名", "张伟明", "性别", "男"],
                ["公民身份号码", "420802198503121236"],
                ["备案类型", "异地转诊人员"],
                ["就医地", "浙江省舟山市普陀区"],
                ["申请日期", "2024-03-01"],
            ],
            title="基本医疗保险异地就医登记备案表",
        ),
        {
            "name": "张伟明",
            "id_number": "420802198503121236",
            "filing_type": "异地转诊人员",
            "destination": "浙江省舟山市普陀区",
        },
    ),
    "application_form": (
        DocType.APPLICATION_FORM,
        form(
            [
                ["姓名", "王芳", "性别", "女"],
                ["公民身份号码", "650103198807150024"],
                ["申请事项", "个人账户一次性支取"],
            ],
            title="参保人员个人账户一次性支取申请表",
        ),
        {"name": "王芳", "id_number": "650103198807150024", "form_title": "参保人员个人账户一次性支取申请表"},
    ),
    "commitment": (
        DocType.COMMITMENT_LETTER,
        form(
            [
                ["本人承诺所提供的材料真实有效，如有虚假，愿承担相应法律责任。"],
                ["承诺人：张伟明"],
                ["身份证号码：420802198503121236"],
                ["", "", "日期：2024年3月1日"],
            ],
            title="个人承诺书",
        ),
        {"name": "张伟明", "id_number": "420802198503121236", "signed_date": "2024-03-01"},
    ),
    "dispatch": (
        DocType.WORK_DISPATCH_PROOF,
        form(
            [
                ["兹有我单位员工"],
                ["姓名：周杰", "身份证号：650102198001010011"],
                ["单位名称：新疆天山建设集团有限公司"],
                ["派驻地：广东省深圳市南山区"],
                ["特此证明。"],
                ["", "", "2024年1月5日"],
            ],
            title="常驻异地工作派出证明",
        ),
        {
            "name": "周杰",
            "employer": "新疆天山建设集团有限公司",
            "destination": "广东省深圳市南山区",
            "issue_date": "2024-01-05",
        },
    ),
    "labor_contract": (
        DocType.LABOR_CONTRACT,
        form(
            [
                ["甲方（用人单位）：新疆天山建设集团有限公司"],
                ["乙方（劳动者）：周杰"],
                ["合同期限：2021年7月1日至2026年6月30日"],
                ["工作内容：工程管理"],
            ],
            title="劳动合同书",
        ),
        {
            "name": "周杰",
            "employer": "新疆天山建设集团有限公司",
            "valid_from": "2021-07-01",
            "valid_until": "2026-06-30",
        },
    ),
    "settlement": (
        DocType.SETTLEMENT_STATEMENT,
        form(
            [
                ["姓名：赵强", "医疗机构名称：荆门市第一人民医院"],
                ["医疗总费用：12,345.60", "统筹基金支付：8000.00"],
                ["个人自付：4345.60", "起付线：800.00"],
            ],
            title="基本医疗保险住院费用报销结算单",
        ),
        {"patient_name": "赵强", "hospital": "荆门市第一人民医院", "total_amount": "12345.60"},
    ),
    "poa": (
        DocType.POWER_OF_ATTORNEY,
        form(
            [
                ["委托人：张伟明", "身份证号码：420802198503121236"],
                ["受托人：李娜", "身份证号码：650102199205060028"],
                ["委托事项：代为办理异地就医备案"],
            ],
            title="授权委托书",
        ),
        {"principal_name": "张伟明", "agent_name": "李娜"},
    ),
    # issue 14: seed 000 note ① identity papers and the accident papers of (十七) 注②
    "passport": (
        DocType.PASSPORT,
        card(
            [
                ("中华人民共和国护照", 300, 30),
                ("姓名", 360, 100),
                ("张伟明", 360, 135),
                ("护照号", 360, 190),
                ("E12345678", 360, 225),
                ("国籍", 360, 280),
                ("中国", 360, 315),
                ("出生日期", 360, 370),
                ("1985.03.12", 360, 405),
                ("有效期至", 360, 460),
                ("2031.06.30", 360, 495),
            ],
            w=1250,
            h=880,
        ),
        {
            "name": "张伟明",
            "passport_number": "E12345678",
            "birth_date": "1985-03-12",
            "valid_until": "2031-06-30",
        },
    ),
    "hk_macao_permit": (
        DocType.HK_MACAO_PERMIT,
        card(
            [
                ("港澳居民来往内地通行证", 200, 30),
                ("姓名", 50, 110),
                ("陈家豪", 190, 110),
                ("出生日期", 50, 170),
                ("1988.07.21", 190, 170),
                ("有效期限", 50, 230),
                ("2019.05.02-2029.05.01", 190, 230),
                ("证件号码", 50, 440),
                ("H12345678", 190, 440),
            ]
        ),
        {
            "name": "陈家豪",
            "permit_number": "H12345678",
            "birth_date": "1988-07-21",
            "valid_until": "2029-05-01",
        },
    ),
    "hmt_residence_permit": (
        DocType.HMT_RESIDENCE_PERMIT,
        card(
            [
                ("港澳台居民居住证", 250, 30),
                ("姓名", 50, 110),
                ("陈家豪", 160, 110),
                ("住址", 50, 230),
                ("浙江省杭州市上城区解放路8号", 160, 230),
                ("公民身份号码", 50, 410),
                ("810000199001011230", 250, 410),
                ("有效期限", 50, 470),
                ("2023.01.05-2028.01.04", 160, 470),
            ]
        ),
        {
            "name": "陈家豪",
            "id_number": "810000199001011230",
            "address": "浙江省杭州市上城区解放路8号",
            "valid_from": "2023-01-05",
            "valid_until": "2028-01-04",
        },
    ),
    "foreign_permanent_residence": (
        DocType.FOREIGN_PERMANENT_RESIDENCE,
        card(
            [
                ("中华人民共和国外国人永久居留身份证", 120, 30),
                ("中文姓名", 50, 110),
                ("林美玲", 190, 110),
                ("国籍", 50, 170),
                ("新加坡", 190, 170),
                ("有效期限", 50, 290),
                ("2020.03.01-2030.02.28", 190, 290),
                ("证件号码", 50, 460),
                ("936000198805120013", 190, 460),
            ]
        ),
        {
            "name": "林美玲",
            "card_number": "936000198805120013",
            "nationality": "新加坡",
            "valid_until": "2030-02-28",
        },
    ),
    "accident_certificate": (
        DocType.ACCIDENT_CERTIFICATE,
        form(
            [
                ["第20241234号"],
                ["出具单位：乌鲁木齐市公安局交通警察支队"],
                ["当事人：张伟明"],
                ["事故时间：2024年03月01日"],
                ["当事人驾驶电动自行车与小型轿车发生碰撞，对方负事故全部责任。"],
                ["认定日期：2024年03月10日"],
            ],
            title="道路交通事故认定书",
        ),
        {"party_name": "张伟明", "issuer": "乌鲁木齐市公安局交通警察支队", "issue_date": "2024-03-10"},
    ),
}


def test_every_type_has_an_extractor_and_a_case() -> None:
    assert set(build_extractors()) == {t for t in DocType if t != DocType.UNKNOWN}
    assert {t for t, _, _ in DOCS.values()} == set(build_extractors())


@pytest.mark.parametrize("name", sorted(DOCS))
def test_reads_type_and_fields(name: str) -> None:
    t, pages, expected = DOCS[name]
    doc = read_document(pages, None)
    assert doc.type == t, classify(pages).scores
    got = {k: v.value for k, v in doc.fields.items()}
    assert got == expected
    assert set(got) <= set(DOC_FIELDS[t])
    for fv in doc.fields.values():
        assert 0.0 <= fv.confidence <= 1.0


def test_unknown_when_nothing_fits() -> None:
    pages = form([["今天天气很好，我们去公园散步。"], ["晚上吃了面条。"]], title="日记")
    doc = read_document(pages, DocType.MEDICAL_INVOICE)
    assert doc.type == DocType.UNKNOWN and doc.fields == {}
    empty = [PageText(index=0, width=100, height=100, source="image", lines=[])]
    assert read_document(empty, None).type == DocType.UNKNOWN


def test_detection_is_confident_on_clear_documents() -> None:
    for t, pages, _ in DOCS.values():
        c = classify(pages)
        assert c.type == t
        assert c.confidence >= 0.7, (t, c.confidence)


def test_text_layer_lines_with_spaces_between_cells() -> None:
    # born-digital PDFs: one text line per printed line, cells separated by runs of spaces
    def tl(text: str, y: float) -> OcrLine:
        return _line(text, 60, y, 24, 1.0)

    lines = [
        tl("荆门市第一人民医院", 60),
        tl("住院费用清单", 110),
        tl("姓名：赵强      性别：男      住院号：20240311", 180),
        tl("费用期间：2024-01-03 至 2024-01-12", 220),
        tl("项目名称        数量        金额", 260),
        tl("床位费          9           405.00", 300),
        tl("费用合计：405.00元", 340),
    ]
    pages = [PageText(index=0, width=1190, height=1684, source="pdf_text", lines=lines)]
    doc = read_document(pages, DocType.EXPENSE_LIST)
    assert doc.type == DocType.EXPENSE_LIST
    assert {k: v.value for k, v in doc.fields.items()} == {
        "patient_name": "赵强",
        "hospital": "荆门市第一人民医院",
        "total_amount": "405.00",
        "start_date": "2024-01-03",
        "end_date": "2024-01-12",
    }


def test_declared_type_breaks_near_ties_only() -> None:
    _, pages, _ = DOCS["medical_record"]
    assert read_document(pages, DocType.PRESCRIPTION).type == DocType.MEDICAL_RECORD


VARIANTS: list[tuple[DocType, list[PageText], dict[str, str]]] = [
    (
        DocType.MEDICAL_INVOICE,
        form(
            [
                ["发票代码 144031900111", "发票号码 12345678"],
                ["患者姓名 王小红", "收费日期 2023/9/18"],
                ["合计金额（大写）：人民币壹仟零贰拾元整", "（小写）：￥1,020.00"],
                ["医疗机构名称：复旦大学附属中山医院"],
            ],
            title="上海市医疗门诊收费票据",
        ),
        {
            "invoice_code": "144031900111",
            "invoice_number": "12345678",
            "payer_name": "王小红",
            "issue_date": "2023-09-18",
            "total_amount": "1020.00",
            "total_amount_upper": "1020.00",
            "payee": "复旦大学附属中山医院",
        },
    ),
    (
        DocType.DISCHARGE_RECORD,
        form(
            [
                ["姓 名", "吴 刚", "性 别", "男"],
                ["入院时间", "2023.09.01", "出院时间", "2023.09.18"],
                ["出院诊断：", "急性心肌梗死"],
            ],
            title="华中科技大学同济医学院附属协和医院出院记录",
        ),
        {
            "patient_name": "吴刚",
            "hospital": "华中科技大学同济医学院附属协和医院",
            "admission_date": "2023-09-01",
            "discharge_date": "2023-09-18",
            "diagnosis": "急性心肌梗死",
        },
    ),
    (
        DocType.ID_CARD_BACK,
        card(
            [
                ("中华人民共和国", 300, 60),
                ("居民身份证", 320, 130),
                ("签发机关 钟祥市公安局", 150, 380),
                ("有效期限 2010.05.06-2030.05.06", 150, 440),
            ]
        ),
        {"issuer": "钟祥市公安局", "valid_from": "2010-05-06", "valid_until": "2030-05-06"},
    ),
]


@pytest.mark.parametrize("i", range(len(VARIANTS)))
def test_label_variants_of_other_provinces(i: int) -> None:
    t, pages, expected = VARIANTS[i]
    doc = read_document(pages, None)
    assert doc.type == t
    assert {k: v.value for k, v in doc.fields.items() if k in expected} == expected


def test_blurred_card_with_only_the_number_left_is_an_id_front_with_low_confidence() -> None:
    pages = card(
        [
            ("李志强", 400, 300),
            ("1968", 460, 500),
            ("新疆维西尔自", 460, 590),
            ("652801196810078919", 580, 800),
        ],
        w=1600,
        h=1200,
    )
    doc = read_document(pages, DocType.ID_CARD_FRONT)
    assert doc.type == DocType.ID_CARD_FRONT
    assert doc.confidence < 0.7  # doubt: never a confident type mismatch
    assert doc.value("id_number") == "652801196810078919"


def test_value_parsers_for_stamped_names_and_check_codes() -> None:
    from extractors._base import _parse_check_code, _parse_hospital

    assert _parse_hospital("新疆维吾尔自治区人民医院收费专用章人民医院") == "新疆维吾尔自治区人民医院"
    assert _parse_hospital("(章)荆门市第一人民医院") == "荆门市第一人民医院"
    assert _parse_hospital("转诊转院证明") is None  # no institution suffix
    assert _parse_check_code("clad38") == "c1ad38"  # OCR's l inside a hex code
    assert _parse_check_code("A1B2C3") == "A1B2C3"


def test_checkbox_options_without_a_readable_tick_give_no_filing_type() -> None:
    from extractors._base import _parse_filing_type

    assert _parse_filing_type("异地安置退休人员 异地长期居住人员 常驻异地工作人员") is None
    assert _parse_filing_type("☑异地转诊人员 □异地安置退休人员") == "异地转诊人员"
    assert _parse_filing_type("异地长期居住人员") == "异地长期居住人员"


def test_invoice_whose_title_is_stamped_over_is_known_by_its_printed_form_labels() -> None:
    """Real set r28: a Shanghai outpatient invoice whose title 医疗门(急)诊收费票据 is covered by a
    pharmacy stamp and a seal. No title and few of the generic keywords are read; the labels printed
    on the national invoice form (业务流水号, 医疗机构类型, 医保类型, 社会保障号码, 收款单位(章), 收款员)
    still say what it is."""
    rows = [
        ["2020-5-1515:0海楼药房取"],
        ["业务流水号:1901010438978330", "医疗"],
        ["姓名:凌龙珍", "医疗机构类型:二级综合医院", "NO.1936890500"],
        ["性别:女", "医保类型:医保病人", "社会保障号码:KO1897329"],
        ["项目", "金额(元)", "项目编码", "名称", "规格", "数量", "单价", "金额(元)"],
        ["中成药费:61.42", "(乙106)心可舒片", "0.31g×72片", "2.00", "30.710", "61.42"],
        ["西药费:47.82", "(甲)酒石酸美托洛", "25mg×20片", "2.00", "7.5600", "15.12"],
        ["合计(大写):壹佰零玖元贰角肆分"],
        ["现金支付:34.40", "个人账户支付:0.00"],
        ["医保统筹支付:0.00", "附加支付:74.88"],
        ["第三方支付:34.40", "应收34.40预收34.40找零0.00"],
        ["收款单位(章):上海市浦东新区浦南医院", "收款员:9151", "日期:2020-05-1515:03:17"],
    ]
    c = classify(form(rows))
    assert c.type == DocType.MEDICAL_INVOICE, c.scores
    # the form labels alone are not enough for a page that is something else: a settlement statement
    # shares its payment labels, not the invoice's header
    statement = [
        ["基本医疗保险住院结算单"],
        ["定点医疗机构:荆门市第一人民医院", "结算日期:2024-09-23"],
        ["姓名:罗斌", "性别:男", "住院号:2995239"],
        ["医疗费用总额:8000.00", "统筹基金支付:5000.00"],
        ["个人账户支付:0.00", "现金支付:3000.00"],
    ]
    assert classify(form(statement)).type == DocType.SETTLEMENT_STATEMENT


def test_shanghai_outpatient_invoice_number_date_and_total() -> None:
    """Real set r06/r07/r11 (calibration): the Shanghai outpatient form labels its number 收据号, prints
    its date as 打印时间 (or 日期 run into the time), and its total only in words (合计(大写)); the
    total in figures is then the amount in words, marked as derived from it."""
    rows = [
        ["(微信结算)收据号:1930504720"],
        ["复旦大学附属眼耳鼻喉科医院", "上海市"],
        ["医疗门(急)诊收费票据"],
        ["业务流水号:1001162713", "医疗机构类型:三级甲等专科医院"],
        ["姓名:代志红", "性别:男", "医保类型:(自费)", "社会保障号码:"],
        ["项目", "金额(元)", "项目编码", "名称", "规格", "数量", "单价", "金额(元)"],
        ["诊疗费", "197.00", "专家门诊"],
        ["合计(大写)贰佰壹拾陆元整"],
        ["现金支付:216.00", "个人账户支付:0.00"],
        ["打印时间:2020.04.1008:44:46"],
        ["收款员:L639"],
    ]
    doc = read_document(form(rows))
    assert doc.type == DocType.MEDICAL_INVOICE
    f = doc.fields
    assert f["invoice_number"].value == "1930504720"
    assert f["issue_date"].value == "2020-04-10"
    assert f["total_amount_upper"].value == "216.00"
    assert f["total_amount"].value == "216.00" and f["total_amount"].derived == "total_amount_upper"
    # a total in figures on the form is read as such, not derived
    rows[8] = ["合计(小写):216.00", "现金支付:216.00"]
    f = read_document(form(rows)).fields
    assert f["total_amount"].value == "216.00" and not f["total_amount"].derived


def test_an_amount_in_words_with_a_misread_numeral_gives_no_total() -> None:
    """Real set r11: 肆佰贰拾柒元 (427.40) read as 肆佰筑拾柒元; the part after the misread numeral (17.40) is not
    the total, in words or in figures."""
    rows = [
        ["医疗门(急)诊收费票据"],
        ["业务流水号:1901010439054765", "医疗机构类型:三级甲等"],
        ["姓名:王金元", "医保类型:门诊三类", "社会保障号码:N15066472"],
        ["合计(大写):肆佰筑拾柒元肆角零分"],
        ["现金支付:353.20", "个人账户支付:0.00"],
        ["收款单位(章):上海市第六人民医院", "收款员:79095", "日期:2020051515:41:53"],
    ]
    doc = read_document(form(rows))
    assert doc.type == DocType.MEDICAL_INVOICE
    assert "total_amount_upper" not in doc.fields and "total_amount" not in doc.fields
    assert doc.fields["issue_date"].value == "2020-05-15"


def test_invoice_total_in_figures_unlabelled_is_the_one_beside_the_words() -> None:
    """Real set r22/r23 (calibration): a form printing no 小写 label. The ¥ amount printed after the
    amount in words is the total, not the first ¥ amount on the page (a line item, 诊查费(自费)¥3.00);
    where no ¥ amount agrees with the words (r23: its ¥ read as 到), the total is derived from them."""
    rows = [
        ["上海交通大学医学院附属第九人民医院", "医疗门(急)诊收费票据"],
        ["业务流水号:36D0046640", "医疗机构类型:三级甲等", "NO.2011387581"],
        ["姓名:周伟", "性别:男", "医保类型:城保", "社会保障号码:402523676"],
        ["项目", "金额(元)", "项目编码", "名称", "规格", "数量", "单价", "金额(元)"],
        ["诊查费(自费)¥3.00", "中医骨伤科专科门诊"],
        ["诊查费", "15.00"],
        ["合计(大写):", "壹拾捌元¥18.00"],
        ["现金支付:", "18.00 个人账户支付:", "0.00"],
        ["收款单位(章):", "收款员:", "日期:2021-05-2210:36:40"],
    ]
    f = read_document(form(rows)).fields
    assert f["total_amount_upper"].value == "18.00"
    assert f["total_amount"].value == "18.00" and not f["total_amount"].derived
    rows[6] = ["合计(大写):", "壹佰伍拾元到50.00"]
    rows[4] = ["诊查费(自费)¥0.00", "中医骨伤科专科门诊"]
    f = read_document(form(rows)).fields
    assert f["total_amount"].value == "150.00" and f["total_amount"].derived == "total_amount_upper"
    # no amount in words: the first ¥ amount stays the guess, as before
    rows[6] = ["合计(大写):"]
    assert read_document(form(rows)).fields["total_amount"].value == "0.00"


def test_shanghai_invoice_number_in_the_printed_range_and_date_stamp_without_label() -> None:
    """Real set r14/r16 (calibration): OCR missed the No. before the red invoice number and put the
    date stamp (20200804 08:35:55) in a box apart from its label 日期. The number is the standalone
    figure that lies in the range of numbers the form prints on its edge (1840000001-1850000000); the
    date is a row holding nothing but a date and its time."""
    rows = [
        ["上海市第六人民医院", "医疗门(急)诊收费票据", "1844727020"],
        ["业务流水号601019032938180", "医疗机构类型:", "社会保障号码:"],
        ["姓名", "归金元", "性别:", "医保类型:"],
        ["项目", "金额(元)", "项目编码", "名称", "规格", "数量", "单价", "金额(元)"],
        ["挂号费", "6", "诊疗费", "19"],
        ["合计(大写):贰拾伍元"],
        ["1840000001-1850000000", "现金支付:", "个人账户支付:"],
        ["(现金)移动支付15.5", "2001010032938180"],
        ["上海市第六人民医院", "2020080408:35:55"],
        ["收款单位(章)", "收款员:", "日期:"],
    ]
    f = read_document(form(rows)).fields
    assert f["invoice_number"].value == "1844727020"
    assert f["issue_date"].value == "2020-08-04"
    # a standalone figure outside the printed range is no invoice number
    rows[0] = ["上海市第六人民医院", "医疗门(急)诊收费票据", "1944727020"]
    assert "invoice_number" not in read_document(form(rows)).fields


def test_invoice_amount_in_words_misread_is_read_again_restricted_to_its_characters() -> None:
    """Real set r11/r34 (calibration): OCR misread one numeral of the amount in words (肆佰筑拾柒元, 金拾侧元整),
    so it is unreadable. The reader asks for that stretch once more, read only among the characters an
    amount in words can hold; a reading that parses is the amount (trusted a little less than a first
    reading), and the total in figures is derived from it. No look when the amount was read, none at
    the label alone, and a restricted reading that does not parse is not taken."""
    rows = [
        ["上海市第六人民医院", "医疗门(急)诊收费票据", "No.1843562227"],
        ["业务流水号:1901010439054765", "医疗机构类型:三级甲等"],
        ["姓名:王金元", "医保类型:门诊三类", "社会保障号码:N15066472"],
        ["合计(大写):", "肆佰筑拾柒元肆角零分"],
        ["现金支付:353.20", "个人账户支付:0.00"],
        ["收款单位(章):上海市第六人民医院", "收款员:79095", "日期:2020051515:41:53"],
    ]
    asked: list[tuple[int, tuple[float, float, float, float], str | None]] = []

    def look(reading: str | None):  # type: ignore[no-untyped-def]
        def read(
            page: int, box: tuple[float, float, float, float], alphabet: str | None = None
        ) -> OcrLine | None:
            asked.append((page, box, alphabet))
            return None if reading is None else _line(reading, box[0], box[1], box[3] - box[1], 0.8)

        return read

    doc = read_document(form(rows), look=look("肆佰贰拾柒元肆角零分"))
    f = doc.fields
    assert f["total_amount_upper"].value == "427.40" and f["total_amount_upper"].confidence == pytest.approx(
        0.72
    )
    assert f["total_amount"].value == "427.40" and f["total_amount"].derived == "total_amount_upper"
    [(page, (x0, y0, _x1, y1), alphabet)] = asked
    assert alphabet is not None and set("零壹贰叁肆伍陆柒捌玖拾佰仟元角分整") <= set(alphabet)
    assert "合" not in alphabet and "0" not in alphabet
    # the box holds the amount's stretch, not its label (form() spreads two cells over the width)
    assert page == 0 and x0 > 560 and y1 - y0 < 40
    # a restricted reading that does not parse is not taken
    asked.clear()
    f = read_document(form(rows), look=look("肆佰贰元拾")).fields
    assert "total_amount_upper" not in f and "total_amount" not in f and len(asked) == 1
    # an amount in words read on the first pass is not looked at again
    asked.clear()
    rows[3] = ["合计(大写):", "肆佰贰拾柒元肆角零分"]
    f = read_document(form(rows), look=look("壹元")).fields
    assert f["total_amount_upper"].value == "427.40" and not asked


def test_invoice_issue_date_is_the_day_it_was_printed_before_the_day_charged() -> None:
    """Real set r01 (calibration): the Shanghai form prints 收费日期 (the day charged) and 打印日期 (the
    day the invoice was printed, i.e. issued); there the charge date was crossed out by hand. An
    invoice's date of issue (开票日期) is the day it was printed: 打印日期 comes before 收费日期."""
    rows = [
        ["复旦大学附属眼耳鼻喉科医院", "医疗门(急)诊收费票据", "收据号:1940631579"],
        ["业务流水号:1001162713", "医疗机构类型:三级甲等专科医院"],
        ["姓名:代志红", "性别:男", "医保类型:(自费)", "社会保障号码:"],
        ["合计(大写)叁佰玖拾元整"],
        ["收费日期:2020.06.1510:00:12"],
        ["L6410就诊日期:2020.05.150954:28", "打印日期:2020.05.1510:08:43"],
    ]
    assert read_document(form(rows)).fields["issue_date"].value == "2020-05-15"
    # a form with a 开票日期 keeps it first
    rows.append(["开票日期:2020-05-14"])
    assert read_document(form(rows)).fields["issue_date"].value == "2020-05-14"


def test_a_form_word_under_an_empty_name_label_is_no_name() -> None:
    """Real set r30 (held-out; seen while measuring): the invoice's 姓名： is printed with no name beside
    it, and the table header 项目 just under it was read as the payer's name, a name to be compared
    with the applicant's. A word the forms print as a label (or the head of one: 项目 of 项目名称) is
    no person's name."""
    from extractors._base import _parse_name

    assert _parse_name("项目") is None and _parse_name("金额") is None and _parse_name("姓名") is None
    assert _parse_name("王金元") == "王金元" and _parse_name("方圆") == "方圆"
    boxes = [
        ("上海中医药大学附属龙华医院", 100, 400, 520, 440),
        ("医疗门(急)诊收费票据", 560, 400, 900, 440),
        ("业务流水号:1901010439040349", 112, 450, 330, 472),
        ("医疗机构类型:三级甲等", 350, 450, 560, 472),
        ("姓名：", 112, 476, 152, 498),
        ("性别：", 299, 475, 341, 497),
        ("医保类型：", 360, 476, 440, 498),
        ("社会保障号码：", 600, 476, 700, 498),
        ("项目", 172, 506, 207, 528),
        ("金额(元)", 290, 506, 360, 528),
        ("项目编码", 466, 497, 528, 519),
        ("合计(大写):壹佰贰拾壹元捌角柒分", 112, 700, 400, 722),
        ("收款单位(章)", 112, 880, 200, 900),
        ("收款员：", 420, 880, 480, 900),
    ]
    doc = read_document(_boxed_page(boxes, 0.99))
    assert doc.type == DocType.MEDICAL_INVOICE
    assert "payer_name" not in doc.fields


def test_an_amount_in_words_boxed_apart_from_its_label_is_looked_at_too() -> None:
    """Real set r19 (calibration): 合计(大写): sits a little above its amount, which OCR read 贰指集元醛 and
    joined with the cell to its right (任意医生): one numeral and 元 on a row without 大写. The label
    beside it makes it an amount in words to look at again."""
    boxes = [
        ("上海市第十人民医院", 100, 420, 400, 452),
        ("医疗门(急)诊收费票据", 578, 444, 799, 474),
        ("NO.1836509937", 703, 468, 888, 498),
        ("业务流水号：", 136, 478, 206, 497),
        ("医疗机构类型：", 347, 480, 428, 497),
        ("社会保障号码：", 611, 501, 690, 518),
        ("任意医生", 426, 684, 492, 709),
        ("贰指集元醛", 206, 697, 287, 714),
        ("合计(大写)：", 139, 704, 204, 724),
        ("现金支付：", 138, 730, 195, 748),
        ("收款单位（章）", 140, 902, 221, 919),
    ]
    asked: list[tuple[float, float, float, float]] = []

    def look(
        page: int, box: tuple[float, float, float, float], alphabet: str | None = None
    ) -> OcrLine | None:
        asked.append(box)
        return _line("贰拾柒元整", box[0], box[1], box[3] - box[1], 0.5) if alphabet else None

    doc = read_document(_boxed_page(boxes, 0.9), look=look)
    assert doc.type == DocType.MEDICAL_INVOICE
    assert doc.fields["total_amount_upper"].value == "27.00" and doc.fields["total_amount"].value == "27.00"
    [(x0, _y0, x1, _y1)] = asked
    assert 190 < x0 < 206 and x1 < 300  # the amount's stretch, not the cell joined to it


def test_no_yen_guess_for_the_total_when_an_amount_in_words_is_there_but_unreadable() -> None:
    """With an amount in words on the form, an unlabelled ¥ amount is taken only when it agrees with
    the words; words OCR misread cannot be agreed with, so no ¥ amount is guessed (the first on the
    page is a line item here), and the second look's reading gives the total."""
    rows = [
        ["上海交通大学医学院附属第九人民医院", "医疗门(急)诊收费票据"],
        ["业务流水号:36D0046640", "医疗机构类型:三级甲等", "NO.2011387581"],
        ["姓名:周伟", "性别:男", "医保类型:城保", "社会保障号码:402523676"],
        ["诊查费(自费)¥3.00", "中医骨伤科专科门诊"],
        ["合计(大写):", "壹拾侧元"],
        ["收款单位(章):", "收款员:", "日期:2021-05-2210:36:40"],
    ]
    assert "total_amount" not in read_document(form(rows)).fields

    def look(
        page: int, box: tuple[float, float, float, float], alphabet: str | None = None
    ) -> OcrLine | None:
        return _line("壹拾捌元", box[0], box[1], box[3] - box[1], 0.8) if alphabet else None

    f = read_document(form(rows), look=look).fields
    assert f["total_amount"].value == "18.00" and f["total_amount"].derived == "total_amount_upper"


class _Band:
    """A look that reads a band again (``Rescan``): gives back the lines it is handed, and notes the
    bands asked for (a test double for the runner's look)."""

    def __init__(self, lines: list[OcrLine]) -> None:
        self.found = lines
        self.bands: list[tuple[float, float, float, float]] = []

    def __call__(
        self, page: int, box: tuple[float, float, float, float], alphabet: str | None = None
    ) -> None:
        return None

    def lines(self, page: int, box: tuple[float, float, float, float]) -> list[OcrLine]:
        self.bands.append(box)
        return [ln for ln in self.found if box[1] <= ln.box[1] and ln.box[3] <= box[3]]


def _line_at(text: str, x0: float, y0: float, x1: float, y1: float) -> OcrLine:
    return OcrLine(text=text, polygon=[(x0, y0), (x1, y0), (x1, y1), (x0, y1)], confidence=0.97)


_NO_NUMBER = [
    ("上海市第六人民医院", 145, 440, 411, 482),
    ("医疗门（急）诊收费票据", 466, 450, 806, 487),
    ("姓名：", 144, 522, 175, 540),
    ("项目", 195, 547, 225, 566),
    ("西药费", 175, 569, 226, 590),
    ("222.03", 306, 565, 357, 586),
    ("合计(大写):", 146, 722, 214, 744),
    ("贰佰贰拾贰元叁分", 220, 722, 335, 744),
    ("1840000001-1850000000", 131, 746, 151, 889),
    ("日期：", 560, 877, 600, 900),
    ("2020070312:52:44", 691, 877, 822, 900),
]


def test_a_missing_invoice_number_is_looked_for_in_the_header_band_read_again() -> None:
    pages = _boxed_page(list(_NO_NUMBER), 0.97)
    assert "invoice_number" not in read_document(pages).fields
    band = _Band(
        [
            _line_at("医疗门（急）诊收费票据", 468, 451, 805, 486),  # the page's line again: not added twice
            _line_at("1843916700", 752, 472, 904, 497),  # boxed at the larger scale
            _line_at("9999999999", 700, 860, 820, 880),  # outside the band: never given
        ]
    )
    doc = read_document(pages, look=band)
    assert doc.fields["invoice_number"].value == "1843916700"
    assert len(band.bands) == 1
    _, top, _, bottom = band.bands[0]
    assert top < 440 and 560 < bottom < 640  # the top 40 % of the text (440 .. 900), a little padded


def test_no_band_is_read_again_when_nothing_is_missing_or_nothing_new_is_found() -> None:
    rows = [*_NO_NUMBER, ("No.1843916700", 752, 472, 904, 497)]
    band = _Band([_line_at("1111111111", 752, 500, 904, 520)])
    assert read_document(_boxed_page(rows, 0.97), look=band).fields["invoice_number"].value == "1843916700"
    assert band.bands == []  # read on the first pass: no band read
    empty = _Band([])
    assert "invoice_number" not in read_document(_boxed_page(list(_NO_NUMBER), 0.97), look=empty).fields
    assert len(empty.bands) == 1
    # a figure found in the band but outside the printed number range is no invoice number
    other = _Band([_line_at("2001010002935431", 209, 479, 326, 504)])
    assert "invoice_number" not in read_document(_boxed_page(list(_NO_NUMBER), 0.97), look=other).fields
