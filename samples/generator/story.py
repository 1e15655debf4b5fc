"""The facts of one case (who, where, when, how much) that all its documents agree on."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

import cn2an

from samples.generator.catalog import Disease, Hospital, load_catalog
from samples.generator.people import Person

CENT = Decimal("0.01")


@dataclass(frozen=True)
class Item:
    code: str
    name: str
    category: str  # invoice line it is summed into
    spec: str
    unit: str
    price: Decimal
    qty: int
    grade: str  # 甲 / 乙 / 丙 (医保类别)

    @property
    def amount(self) -> Decimal:
        return (self.price * self.qty).quantize(CENT, ROUND_HALF_UP)


# name, category, spec, unit, price, per_day, grade
_INPATIENT = [
    ("床位费(三人间)", "床位费", "", "日", "45.00", True, "甲"),
    ("Ⅱ级护理", "护理费", "", "日", "24.00", True, "甲"),
    ("住院诊查费", "诊查费", "", "日", "12.00", True, "甲"),
    ("血常规(五分类)", "化验费", "", "次", "20.00", False, "甲"),
    ("肝功能全套", "化验费", "", "次", "96.00", False, "甲"),
    ("肾功能", "化验费", "", "次", "45.00", False, "甲"),
    ("胸部CT平扫", "检查费", "", "次", "260.00", False, "乙"),
    ("常规心电图", "检查费", "", "次", "25.00", False, "甲"),
    ("彩色多普勒超声", "检查费", "", "次", "180.00", False, "乙"),
    ("注射用头孢呋辛钠", "西药费", "0.75g", "支", "8.56", True, "甲"),
    ("0.9%氯化钠注射液", "西药费", "100ml", "袋", "3.20", True, "甲"),
    ("奥美拉唑肠溶胶囊", "西药费", "20mg*14粒", "盒", "18.90", False, "乙"),
    ("静脉输液", "治疗费", "", "组", "6.00", True, "甲"),
    ("一次性使用输液器", "卫生材料费", "", "套", "2.80", True, "丙"),
]
_OUTPATIENT = [
    ("门诊诊查费", "诊查费", "", "次", "12.00", "甲"),
    ("血常规(五分类)", "化验费", "", "次", "20.00", "甲"),
    ("糖化血红蛋白测定", "化验费", "", "次", "65.00", "乙"),
    ("硝苯地平控释片", "西药费", "30mg*7片", "盒", "35.80", "甲"),
    ("盐酸二甲双胍缓释片", "西药费", "0.5g*30片", "盒", "28.60", "甲"),
    ("阿托伐他汀钙片", "西药费", "20mg*7片", "盒", "22.30", "乙"),
    ("常规心电图", "检查费", "", "次", "25.00", "甲"),
    ("复方丹参滴丸", "中成药费", "27mg*180丸", "瓶", "26.50", "乙"),
]


def money(v: Decimal) -> str:
    return str(v.quantize(CENT, ROUND_HALF_UP))


def upper(v: Decimal) -> str:
    """The amount in capital Chinese numerals as invoices print it (cn2an's RMB style)."""
    return str(cn2an.an2cn(money(v), "rmb"))


@dataclass
class Story:
    person: Person
    submitted_on: date
    region: str  # policy region of the case
    hospital: Hospital  # where the person was treated
    disease: Disease
    rng_seed: int = 0
    admission: date | None = None
    discharge: date | None = None
    visit_date: date | None = None
    items: list[Item] = field(default_factory=list)
    invoice_code: str = ""
    invoice_number: str = ""
    check_code: str = ""
    invoice_date: date | None = None
    destination: str = ""
    dest_hospital: Hospital | None = None
    referral_from: Hospital | None = None
    filing_label: str = ""
    employer: str = ""
    contract_from: date | None = None
    contract_until: date | None = None
    permit_from: date | None = None
    permit_until: date | None = None
    permit_issuer: str = ""
    permit_address: str = ""  # address printed on the residence permit (at the destination)
    hukou_address: str = ""  # address on the household register page (retirees: where they settled)
    form_title: str = ""
    agent: Person | None = None
    emergency: bool = False
    inpatient: bool = True
    ward: str = "内科"
    record_no: str = ""

    @property
    def total(self) -> Decimal:
        return sum((it.amount for it in self.items), Decimal("0.00"))

    def categories(self) -> list[tuple[str, Decimal]]:
        out: dict[str, Decimal] = {}
        for it in self.items:
            out[it.category] = out.get(it.category, Decimal("0.00")) + it.amount
        return list(out.items())


def build_items(rng: random.Random, inpatient: bool, days: int) -> list[Item]:
    items: list[Item] = []
    if inpatient:
        for i, (name, cat, spec, unit, price, per_day, grade) in enumerate(_INPATIENT):
            if not per_day and rng.random() < 0.35:
                continue
            qty = days * (2 if "注射" in name or "氯化钠" in name else 1) if per_day else rng.randint(1, 2)
            items.append(Item(f"{110000 + i * 37:06d}", name, cat, spec, unit, Decimal(price), qty, grade))
    else:
        chosen = [row for row in _OUTPATIENT if row[0] == "门诊诊查费" or rng.random() < 0.6]
        for i, (name, cat, spec, unit, price, grade) in enumerate(chosen):
            qty = rng.randint(1, 3) if cat in ("西药费", "中成药费") else 1
            items.append(Item(f"{250000 + i * 53:06d}", name, cat, spec, unit, Decimal(price), qty, grade))
    return items


def new_story(
    rng: random.Random,
    person: Person,
    submitted_on: date,
    region: str,
    *,
    hospital: str | None = None,
    disease: str | None = None,
    inpatient: bool = True,
) -> Story:
    """A treatment story in the person's region, ending some days before ``submitted_on``."""
    cat = load_catalog()
    local = [h for h in cat.hospitals if h.region == region and h.referral_qualified]
    hosp = cat.hospital(hospital) if hospital else rng.choice(local)
    acute = [d for d in cat.diseases if d.acute]
    dis = cat.disease(disease) if disease else rng.choice(acute)
    discharge = submitted_on - timedelta(days=rng.randint(5, 40))
    days = rng.randint(4, 12)
    admission = discharge - timedelta(days=days)
    code_prefix = {"xinjiang": "65", "jingmen": "42"}.get(region, "33")
    s = Story(
        person=person,
        submitted_on=submitted_on,
        region=region,
        hospital=hosp,
        disease=dis,
        rng_seed=rng.randrange(1 << 30),
        admission=admission if inpatient else None,
        discharge=discharge if inpatient else None,
        visit_date=discharge if not inpatient else admission,
        items=build_items(rng, inpatient, days),
        invoice_code=f"{code_prefix}{rng.choice(['0601', '0602', '0501'])}{submitted_on.year % 100:02d}",
        invoice_number=f"{rng.randrange(10**9):010d}",
        check_code="".join(rng.choice("0123456789abcdef") for _ in range(6)),
        invoice_date=discharge,
        inpatient=inpatient,
        ward=rng.choice(["心血管内科", "呼吸内科", "普外科", "内分泌科", "骨科"]),
        record_no=f"{rng.randrange(10**7):07d}",
    )
    return s
