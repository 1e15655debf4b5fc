"""Where the care happens and which filing was ticked (seed 002, 二.2 "就医地或备案类型选择错误"):

* ``filing.destination_mismatch`` (added by the project): the filing's destination (``filing.destination``)
  names another city than the hospital's location (hospital catalogue), the 备案表's own 就医地, or the
  city of the referral's receiving hospital. Seed 002's example: 实际就医地为"浙江舟山普陀区"，却误选"浙江宁波".
* ``filing.type_mismatch#form``: the filing type ticked on the 备案表 is another than the service applied for
  ("属于'异地长期居住'人员，错选为'临时出差就医'，导致材料与备案类型不匹配").

Cities are compared, not districts: a filing is made to the 就医地市 (Jingmen measure 10, "直接备案到就医地市").
A hard fact (the catalogue's city, a form field read with confidence) returns the case; a doubtful reading
sends it to review.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from pipeline.codes import DocType, ServiceCode, Severity
from pipeline.messages import make_flag
from pipeline.models import FieldValue, Flag, evidence_of
from pipeline.plugins import CaseCheck, CaseContext
from validators.support.rules import catalogue_for, rules_for_case

#: a field read with less OCR confidence than this only supports a warning
CONFIDENT = 0.8

REMOTE_SERVICES = {
    ServiceCode.REMOTE_RETIREE_RELOCATION,
    ServiceCode.REMOTE_LONG_TERM_RESIDENCE,
    ServiceCode.REMOTE_POSTED_WORKER,
    ServiceCode.REMOTE_REFERRAL,
    ServiceCode.REMOTE_TEMPORARY,
}

#: the 备案表's ticked option -> the service it stands for (first 4 characters are enough)
FORM_TYPES: dict[str, ServiceCode] = {
    "异地安置": ServiceCode.REMOTE_RETIREE_RELOCATION,
    "异地长期": ServiceCode.REMOTE_LONG_TERM_RESIDENCE,
    "常驻异地": ServiceCode.REMOTE_POSTED_WORKER,
    "异地转诊": ServiceCode.REMOTE_REFERRAL,
    "其他临时": ServiceCode.REMOTE_TEMPORARY,
    "临时外出": ServiceCode.REMOTE_TEMPORARY,
}

_PROVINCE = re.compile(r"^.*?(?:省|自治区|特别行政区)")
_CITY = re.compile(r"^(.{2,}?(?:市|地区|自治州|盟))")
_MUNICIPALITIES = ("北京", "上海", "天津", "重庆")
#: provinces written without 省/自治区 ("浙江宁波")
_PROVINCES_SHORT = (
    "河北", "山西", "辽宁", "吉林", "黑龙江", "江苏", "浙江", "安徽", "福建", "江西", "山东", "河南", "湖北", "湖南",
    "广东", "海南", "四川", "贵州", "云南", "陕西", "甘肃", "青海", "台湾", "内蒙古", "广西", "西藏", "宁夏", "新疆",
)  # fmt: skip


def city_of(text: str | None) -> str | None:
    """The prefecture-level city a place name names: "浙江省舟山市普陀区" -> "舟山市", "上海市徐汇区" -> "上海市"."""
    if not text:
        return None
    t = re.sub(r"\s+", "", text)
    for name in _MUNICIPALITIES:
        if t.startswith(name):
            return name + "市"
    t = _PROVINCE.sub("", t, count=1)
    m = _CITY.match(t)
    if m:
        return m.group(1)
    for p in _PROVINCES_SHORT:
        if t.startswith(p) and 2 <= len(t) - len(p) <= 4:
            return t[len(p) :] + "市"  # "浙江宁波" -> "宁波市"
    return None


def _core(city: str) -> str:
    return re.sub(r"(市|地区|自治州|盟)$", "", city)


def same_city(a: str, b: str) -> bool:
    return _core(a) == _core(b)


def _severity(*fvs: FieldValue | None) -> Severity:
    if all(fv is None or fv.confidence >= CONFIDENT for fv in fvs):
        return Severity.BLOCKER
    return Severity.WARNING


def destination_mismatch(ctx: CaseContext) -> Iterator[Flag]:
    case = ctx.case
    if case.service not in REMOTE_SERVICES:
        return
    dest = case.filing.destination
    dest_city = city_of(dest)
    if not dest or dest_city is None:
        return
    cat = catalogue_for(ctx.hospitals)
    seen: set[str] = set()
    # 1. the hospital the filing names
    h = cat.match(case.filing.hospital) if case.filing.hospital else None
    if h is not None and not same_city(h.city, dest_city):
        seen.add(h.name)
        yield make_flag(
            "filing.destination_mismatch#hospital",
            Severity.BLOCKER,
            params={
                "destination": dest,
                "hospital": h.name,
                "where": f"{h.province}{h.city}{h.district or ''}",
            },
            field="destination",
            expected=h.city,
            found=dest,
        )
    # 2. the 备案表's own 就医地
    for m in ctx.of_type(DocType.REMOTE_CARE_FORM):
        fv = m.document.fields.get("destination") if m.document else None
        form_city = city_of(fv.value) if fv is not None else None
        if fv is None or form_city is None or same_city(form_city, dest_city):
            continue
        yield make_flag(
            "filing.destination_mismatch#form",
            _severity(fv),
            material=m.file,
            params={"destination": dest, "form_destination": fv.value},
            field="destination",
            expected=dest,
            found=fv.value,
            evidence=evidence_of(fv),
        )
    # 3. the referral's receiving hospital
    for m in ctx.of_type(DocType.REFERRAL_SLIP):
        fv = m.document.fields.get("to_hospital") if m.document else None
        to = cat.match(fv.value) if fv is not None else None
        if fv is None or to is None or to.name in seen or same_city(to.city, dest_city):
            continue
        seen.add(to.name)
        yield make_flag(
            "filing.destination_mismatch#referral",
            _severity(fv),
            material=m.file,
            params={"destination": dest, "hospital": to.name, "where": f"{to.province}{to.city}"},
            field="to_hospital",
            expected=dest,
            found=fv.value,
            evidence=evidence_of(fv),
        )


def form_filing_type(ctx: CaseContext) -> Iterator[Flag]:
    """The type ticked on the 备案表 against the service applied for."""
    case = ctx.case
    if case.service not in REMOTE_SERVICES:
        return
    rules = rules_for_case(case.region)
    if not rules.policy.compare_ticked_filing_type:  # off: see services.yaml policy (tick reading unreliable)
        return
    for m in ctx.of_type(DocType.REMOTE_CARE_FORM):
        fv = m.document.fields.get("filing_type") if m.document else None
        if fv is None or not fv.value:
            continue
        named = {svc for k, svc in FORM_TYPES.items() if k in fv.value}
        if len(named) != 1:  # none, or several options read together: the tick is not known
            continue
        (ticked,) = named
        if ticked == case.service:
            continue
        yield make_flag(
            "filing.type_mismatch#form",
            _severity(fv),
            material=m.file,
            params={
                "current_name": rules.service(case.service).item,
                "ticked": fv.value,
                "ticked_name": rules.service(ticked).item,
            },
            field="filing_type",
            expected=case.service.value,
            found=fv.value,
            suggested_service=ticked.value,
            evidence=evidence_of(fv),
        )


# --------------------------------------------------------------------------- this family's checks, in order

CASE_CHECKS: tuple[CaseCheck, ...] = (destination_mismatch, form_filing_type)
