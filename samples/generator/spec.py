"""The language of the case catalogue: a case (:class:`CaseSpec`), its materials (:class:`MaterialSpec`),
edits of a service's default materials (:func:`with_`, :func:`without`, :func:`add`, :func:`chain`) and
those defaults per service (:func:`default_materials`).

Every case isolates its fault(s): the rest of the case is complete and consistent, so a flag that is not
in ``must`` (nor in the case's ``allow`` list) is a false positive.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from pipeline.codes import DocType
from samples.generator.materials import Capture

XJ, JM = "xinjiang", "jingmen"  # the two insured regions (case ids XJ-... and JM-...)
SAME = "same"  # declared_type = the real type

FILE_NAMES = {
    DocType.ID_CARD_FRONT: "id_front",
    DocType.ID_CARD_BACK: "id_back",
    DocType.RESIDENCE_PERMIT: "residence_permit",
    DocType.HUKOU_BOOKLET: "hukou",
    DocType.SSC_CARD: "ssc_card",
    DocType.MEDICAL_INVOICE: "invoice",
    DocType.EXPENSE_LIST: "expense_list",
    DocType.DISCHARGE_RECORD: "discharge",
    DocType.REFERRAL_SLIP: "referral",
    DocType.DIAGNOSIS_CERTIFICATE: "diagnosis",
    DocType.MEDICAL_RECORD: "medical_record",
    DocType.PRESCRIPTION: "prescription",
    DocType.REMOTE_CARE_FORM: "filing_form",
    DocType.APPLICATION_FORM: "application",
    DocType.COMMITMENT_LETTER: "commitment",
    DocType.WORK_DISPATCH_PROOF: "dispatch_proof",
    DocType.LABOR_CONTRACT: "labor_contract",
    DocType.SETTLEMENT_STATEMENT: "settlement",
    DocType.POWER_OF_ATTORNEY: "power_of_attorney",
    DocType.PASSPORT: "passport",
    DocType.HK_MACAO_PERMIT: "hk_macao_permit",
    DocType.HMT_RESIDENCE_PERMIT: "hmt_residence_permit",
    DocType.FOREIGN_PERMANENT_RESIDENCE: "permanent_residence",
    DocType.ACCIDENT_CERTIFICATE: "accident_certificate",
    DocType.UNKNOWN: "receipt",
}


@dataclass
class MaterialSpec:
    """One material of a case."""

    doc: DocType
    file: str | None = None
    layout: str | None = None
    cap: Capture = field(default_factory=Capture)
    opts: dict[str, Any] = field(default_factory=dict)
    declared: DocType | str | None = SAME
    broken: str | None = None  # corrupt_jpeg, truncated_pdf, encrypted_pdf, text_as_jpg
    listed: bool = True
    present: bool = True
    of_agent: bool = False  # the agent's ID card (power of attorney cases)

    @property
    def name(self) -> str:
        if self.file:
            return self.file
        ext = {
            "corrupt_jpeg": "jpg",
            "text_as_jpg": "jpg",
            "truncated_pdf": "pdf",
            "encrypted_pdf": "pdf",
        }.get(self.broken or "", self.cap.ext)
        return f"{FILE_NAMES[self.doc]}.{ext}"


#: a change of a case's default materials
Edit = Callable[[list[MaterialSpec]], list[MaterialSpec]]


@dataclass
class CaseSpec:
    """One case: service, region, who, the materials and what a correct pipeline says about it."""

    key: str
    service: str
    region: str
    submitted: date
    must: list[str] = field(default_factory=list)
    allow: list[str] = field(default_factory=list)
    decision: str | None = None  # default: pass when nothing must be flagged, else return
    person: dict[str, Any] = field(default_factory=dict)  # new_person kwargs (+ special=<name>)
    story: dict[str, Any] = field(default_factory=dict)
    enroll: dict[str, Any] = field(default_factory=dict)  # overrides of the enrollment row; absent=True
    applicant: dict[str, Any] = field(default_factory=dict)  # overrides in case.json's applicant
    filing: dict[str, Any] = field(default_factory=dict)
    materials: list[MaterialSpec] | None = None  # default: what the service requires
    edit: Edit | None = None  # change the default materials
    same_as: str | None = None  # reuse the person and story of an earlier case (duplicate invoice)
    note: str = ""


# --------------------------------------------------------------------------- edits of the default materials


def without(*docs: DocType) -> Edit:
    """Drop the materials of these types."""
    return lambda ms: [m for m in ms if m.doc not in docs]


def with_(doc: DocType, **changes: Any) -> Edit:
    """Change the materials of type ``doc`` (any :class:`MaterialSpec` field)."""

    def f(ms: list[MaterialSpec]) -> list[MaterialSpec]:
        return [replace(m, **changes) if m.doc == doc else m for m in ms]

    return f


def add(*extra: MaterialSpec) -> Edit:
    """Append materials."""
    return lambda ms: [*ms, *extra]


def chain(*fs: Edit) -> Edit:
    """Apply edits in order."""

    def f(ms: list[MaterialSpec]) -> list[MaterialSpec]:
        for g in fs:
            ms = g(ms)
        return ms

    return f


PHOTO = Capture("photo")
SCAN = Capture("scan")


# --------------------------------------------------------------------------- defaults per service
#
# What each service requires, which form it files and which services a unit files for itself restate
# validators/rules/services.yaml (and eligibility.yaml) ON PURPOSE: the corpus is an *independent oracle*
# of those rules. Do not import the rules here: a mistake in services.yaml must show up as a wrong flag
# on the sample cases, not be copied into them.

FORM_TITLES = {
    "chronic.qualification": "门诊慢特病病种待遇认定申请表",
    "assistance.reimbursement": "医疗救助申请表",
    "change.employee": "基本医疗保险职工参保信息变更登记表",
    "change.resident": "基本医疗保险城乡居民参保信息变更登记表",
    "enroll.resident": "城乡居民基本医疗保险参保登记表",
    "enroll.employee": "职工基本医疗保险参保登记表",
    "enroll.employer": "基本医疗保险单位参保信息登记表",
    "change.employer": "基本医疗保险参保单位信息变更登记表",
    "account.withdrawal": "职工基本医疗保险个人账户一次性支取申请表",
    "designation.medical_institution": "定点医疗机构申请表",
    "designation.pharmacy": "定点零售药店申请表",
}

#: services a unit (employer, hospital, pharmacy) files for itself: the person is only its handler
UNIT_SERVICES = {
    "enroll.employer",
    "change.employer",
    "query.employer",
    "designation.medical_institution",
    "designation.pharmacy",
    "settlement.medical_institution",
    "settlement.pharmacy",
}
PHARMACIES = {"xinjiang": "新疆康宁大药房连锁有限公司", "jingmen": "荆门市百姓大药房有限公司"}


_ID = (DocType.ID_CARD_FRONT, DocType.ID_CARD_BACK)
_FORM = DocType.REMOTE_CARE_FORM
_BILLS = (DocType.MEDICAL_INVOICE, DocType.EXPENSE_LIST)
_APPLICATION = DocType.APPLICATION_FORM

#: what each service requires (the automatically checked materials)
REQUIRED: dict[str, tuple[DocType, ...]] = {
    "remote.retiree_relocation": (*_ID, _FORM, DocType.HUKOU_BOOKLET),
    "remote.long_term_residence": (*_ID, _FORM, DocType.RESIDENCE_PERMIT),
    "remote.posted_worker": (*_ID, _FORM, DocType.WORK_DISPATCH_PROOF),
    "remote.referral": (*_ID, _FORM, DocType.REFERRAL_SLIP),
    "remote.temporary": (*_ID, _FORM),
    "chronic.qualification": (*_ID, _APPLICATION, DocType.MEDICAL_RECORD),
    "reimburse.outpatient": (*_ID, *_BILLS, DocType.PRESCRIPTION),
    "reimburse.inpatient": (*_ID, *_BILLS, DocType.DISCHARGE_RECORD),
    "maternity.prenatal": (*_ID, *_BILLS, DocType.DIAGNOSIS_CERTIFICATE),
    "maternity.medical": (*_ID, *_BILLS, DocType.DISCHARGE_RECORD),
    "maternity.family_planning": (*_ID, *_BILLS, DocType.DIAGNOSIS_CERTIFICATE),
    "maternity.allowance": (*_ID, DocType.DISCHARGE_RECORD),
    "assistance.reimbursement": (*_ID, DocType.SETTLEMENT_STATEMENT, _APPLICATION),
    "transfer": _ID,
    "change.employee": (DocType.SSC_CARD, _APPLICATION),
    "change.resident": (*_ID, _APPLICATION),
    "enroll.resident": (*_ID, _APPLICATION),
    "enroll.employee": (*_ID, _APPLICATION),
    "query.person": _ID,
    "account.withdrawal": (*_ID, _APPLICATION),
    "assistance.premium_subsidy": (),  # 救助对象身份证明, 缴费凭证: not checked automatically
    "enroll.employer": (_APPLICATION,),
    "change.employer": (_APPLICATION,),
    "query.employer": (),  # 单位有效证明文件: not checked automatically
    "designation.medical_institution": (_APPLICATION,),
    "designation.pharmacy": (_APPLICATION, DocType.LABOR_CONTRACT, DocType.LABOR_CONTRACT),
    "settlement.medical_institution": (),  # 清算数据 pushed over the insurance network
    "settlement.pharmacy": (),
}

#: file names where one service requires two materials of a type
_FILES = {"designation.pharmacy": [None, "labor_contract_pharmacist.jpg", "labor_contract_manager.jpg"]}


def default_materials(service: str) -> list[MaterialSpec]:
    """One clean material of every type ``service`` requires."""
    docs = REQUIRED[service]
    files = _FILES.get(service, [None] * len(docs))
    return [MaterialSpec(doc, file=file) for doc, file in zip(docs, files, strict=True)]


DESTINATIONS = [
    "舟山医院",
    "浙江大学医学院附属第一医院",
    "复旦大学附属中山医院",
    "四川大学华西医院",
    "北京协和医院",
]
