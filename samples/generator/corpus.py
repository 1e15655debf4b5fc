"""The labelled corpus: case specifications and the builder that writes case folders + enrollment.csv.

Every case isolates its fault(s): the rest of the case is complete and consistent, so a flag that is not
in ``must`` (nor in the case's ``allow`` list) is a false positive.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import random
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from pipeline.codes import DocType
from pipeline.enrollment import COLUMNS
from samples.case_ids import CaseIds
from samples.expected import Expected, ExpectedMaterial
from samples.generator.catalog import load_catalog
from samples.generator.documents import FILING_LABELS, RENDERERS, Opts, Rendered, render_document
from samples.generator.materials import Capture, capture_bytes
from samples.generator.people import Person, add_years, corrupt_check_digit, new_person
from samples.generator.story import Story, money, new_story

T = DocType
ENROLLMENT_COLUMNS = list(COLUMNS)  # the contract's enrollment columns, in order
SAME = "same"  # declared_type = the real type

FILE_NAMES = {
    T.ID_CARD_FRONT: "id_front",
    T.ID_CARD_BACK: "id_back",
    T.RESIDENCE_PERMIT: "residence_permit",
    T.HUKOU_BOOKLET: "hukou",
    T.SSC_CARD: "ssc_card",
    T.MEDICAL_INVOICE: "invoice",
    T.EXPENSE_LIST: "expense_list",
    T.DISCHARGE_RECORD: "discharge",
    T.REFERRAL_SLIP: "referral",
    T.DIAGNOSIS_CERTIFICATE: "diagnosis",
    T.MEDICAL_RECORD: "medical_record",
    T.PRESCRIPTION: "prescription",
    T.REMOTE_CARE_FORM: "filing_form",
    T.APPLICATION_FORM: "application",
    T.COMMITMENT_LETTER: "commitment",
    T.WORK_DISPATCH_PROOF: "dispatch_proof",
    T.LABOR_CONTRACT: "labor_contract",
    T.SETTLEMENT_STATEMENT: "settlement",
    T.POWER_OF_ATTORNEY: "power_of_attorney",
    T.UNKNOWN: "receipt",
}


@dataclass
class M:
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


@dataclass
class C:
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
    materials: list[M] | None = None  # default: what the service requires
    edit: Callable[[list[M]], list[M]] | None = None  # change the default materials
    same_as: str | None = None  # reuse the person and story of an earlier case (duplicate invoice)
    note: str = ""


# --------------------------------------------------------------------------- defaults per service

ID = [M(T.ID_CARD_FRONT), M(T.ID_CARD_BACK)]

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


def default_materials(service: str) -> list[M]:
    ident = [replace(m) for m in ID]
    form = M(T.REMOTE_CARE_FORM)
    table: dict[str, list[M]] = {
        "remote.retiree_relocation": [*ident, form, M(T.HUKOU_BOOKLET)],
        "remote.long_term_residence": [*ident, form, M(T.RESIDENCE_PERMIT)],
        "remote.posted_worker": [*ident, form, M(T.WORK_DISPATCH_PROOF)],
        "remote.referral": [*ident, form, M(T.REFERRAL_SLIP)],
        "remote.temporary": [*ident, form],
        "chronic.qualification": [*ident, M(T.APPLICATION_FORM), M(T.MEDICAL_RECORD)],
        "reimburse.outpatient": [*ident, M(T.MEDICAL_INVOICE), M(T.EXPENSE_LIST), M(T.PRESCRIPTION)],
        "reimburse.inpatient": [*ident, M(T.MEDICAL_INVOICE), M(T.EXPENSE_LIST), M(T.DISCHARGE_RECORD)],
        "maternity.prenatal": [*ident, M(T.MEDICAL_INVOICE), M(T.EXPENSE_LIST), M(T.DIAGNOSIS_CERTIFICATE)],
        "maternity.medical": [*ident, M(T.MEDICAL_INVOICE), M(T.EXPENSE_LIST), M(T.DISCHARGE_RECORD)],
        "maternity.family_planning": [
            *ident,
            M(T.MEDICAL_INVOICE),
            M(T.EXPENSE_LIST),
            M(T.DIAGNOSIS_CERTIFICATE),
        ],
        "maternity.allowance": [*ident, M(T.DISCHARGE_RECORD)],
        "assistance.reimbursement": [*ident, M(T.SETTLEMENT_STATEMENT), M(T.APPLICATION_FORM)],
        "transfer": [*ident],
        "change.employee": [M(T.SSC_CARD), M(T.APPLICATION_FORM)],
        "change.resident": [*ident, M(T.APPLICATION_FORM)],
        "enroll.resident": [*ident, M(T.APPLICATION_FORM)],
        "enroll.employee": [*ident, M(T.APPLICATION_FORM)],
        "query.person": [*ident],
        "account.withdrawal": [*ident, M(T.APPLICATION_FORM)],
        "assistance.premium_subsidy": [],  # 救助对象身份证明, 缴费凭证: not checked automatically
        "enroll.employer": [M(T.APPLICATION_FORM)],
        "change.employer": [M(T.APPLICATION_FORM)],
        "query.employer": [],  # 单位有效证明文件: not checked automatically
        "designation.medical_institution": [M(T.APPLICATION_FORM)],
        "designation.pharmacy": [
            M(T.APPLICATION_FORM),
            M(T.LABOR_CONTRACT, file="labor_contract_pharmacist.jpg"),
            M(T.LABOR_CONTRACT, file="labor_contract_manager.jpg"),
        ],
        "settlement.medical_institution": [],  # 清算数据 pushed over the insurance network
        "settlement.pharmacy": [],
    }
    return table[service]


DESTINATIONS = [
    "舟山医院",
    "浙江大学医学院附属第一医院",
    "复旦大学附属中山医院",
    "四川大学华西医院",
    "北京协和医院",
]


# --------------------------------------------------------------------------- the corpus


def _without(*docs: DocType) -> Callable[[list[M]], list[M]]:
    return lambda ms: [m for m in ms if m.doc not in docs]


def _with(doc: DocType, **changes: Any) -> Callable[[list[M]], list[M]]:
    def f(ms: list[M]) -> list[M]:
        return [replace(m, **changes) if m.doc == doc else m for m in ms]

    return f


def _chain(*fs: Callable[[list[M]], list[M]]) -> Callable[[list[M]], list[M]]:
    def f(ms: list[M]) -> list[M]:
        for g in fs:
            ms = g(ms)
        return ms

    return f


def _add(*extra: M) -> Callable[[list[M]], list[M]]:
    return lambda ms: [*ms, *extra]


PHOTO = Capture("photo")
SCAN = Capture("scan")
D = date


def corpus() -> list[C]:
    """The sample cases, in build order (ids are given by region and order)."""
    xj, jm = "xinjiang", "jingmen"
    cases: list[C] = [
        # ------------------------------------------------------------------ clean, one per service family
        C(
            "retiree_uyghur",
            "remote.retiree_relocation",
            xj,
            D(2024, 3, 5),
            person={"special": "买买提·艾力", "age": (62, 70)},
            edit=_with(T.ID_CARD_FRONT, cap=PHOTO),
        ),
        C(
            "long_term_permit",
            "remote.long_term_residence",
            jm,
            D(2024, 4, 18),
            edit=_with(T.RESIDENCE_PERMIT, cap=PHOTO),
        ),
        C("posted_dispatch", "remote.posted_worker", xj, D(2024, 5, 9), person={"age": (28, 45)}),
        C(
            "posted_contract_checkbox",
            "remote.posted_worker",
            jm,
            D(2025, 2, 12),
            person={"age": (28, 45)},
            edit=_chain(
                _without(T.WORK_DISPATCH_PROOF),
                _add(M(T.LABOR_CONTRACT, cap=SCAN)),
                _with(T.REMOTE_CARE_FORM, layout="checkbox"),
            ),
        ),
        C(
            "referral_table",
            "remote.referral",
            xj,
            D(2024, 6, 20),
            story={"dest": "复旦大学附属中山医院", "disease": "恶性肿瘤门诊放化疗"},
            edit=_with(T.REFERRAL_SLIP, cap=PHOTO),
        ),
        C(
            "referral_letter",
            "remote.referral",
            jm,
            D(2025, 3, 3),
            story={"dest": "浙江大学医学院附属第一医院", "disease": "尿毒症透析"},
            edit=_with(T.REFERRAL_SLIP, layout="letter"),
        ),
        C(
            "temporary_emergency",
            "remote.temporary",
            xj,
            D(2024, 8, 2),
            story={"emergency": True, "dest": "舟山医院"},
            filing={"emergency": True},
            edit=_add(M(T.MEDICAL_RECORD, cap=PHOTO)),
        ),
        C("temporary_plain", "remote.temporary", jm, D(2025, 1, 15), story={"dest": "四川大学华西医院"}),
        C(
            "long_term_commitment",
            "remote.long_term_residence",
            xj,
            D(2025, 4, 7),
            edit=_chain(_without(T.RESIDENCE_PERMIT), _add(M(T.COMMITMENT_LETTER))),
        ),
        C(
            "retiree_agent_poa",
            "remote.retiree_relocation",
            jm,
            D(2025, 5, 20),
            person={"age": (72, 80)},
            allow=["identity.name_mismatch"],
            story={"agent": True},
            filing={"agent": True},
            edit=_add(M(T.POWER_OF_ATTORNEY), M(T.ID_CARD_FRONT, file="agent_id_front.jpg", of_agent=True)),
        ),
        C("chronic_hypertension", "chronic.qualification", jm, D(2024, 9, 10), story={"disease": "高血压"}),
        C(
            "chronic_diabetes_rare_name",
            "chronic.qualification",
            xj,
            D(2024, 10, 22),
            person={"special": "李堃"},
            enroll={"name": "李堃"},
            story={"disease": "糖尿病"},
            edit=_add(M(T.DIAGNOSIS_CERTIFICATE, cap=SCAN)),
        ),
        C(
            "outpatient_clean",
            "reimburse.outpatient",
            xj,
            D(2024, 11, 5),
            story={"disease": "高血压", "inpatient": False},
            enroll={"chronic_diseases": "高血压"},
        ),
        C("inpatient_clean", "reimburse.inpatient", jm, D(2024, 7, 16)),
        C(
            "inpatient_holdout_photos",
            "reimburse.inpatient",
            xj,
            D(2024, 12, 3),
            edit=_chain(
                _with(T.MEDICAL_INVOICE, layout="printed", cap=PHOTO),
                _with(T.EXPENSE_LIST, layout="daily", cap=PHOTO),
                _with(T.DISCHARGE_RECORD, layout="summary", cap=PHOTO),
            ),
        ),
        C(
            "inpatient_born_digital",
            "reimburse.inpatient",
            jm,
            D(2025, 6, 11),
            edit=_chain(
                _with(T.MEDICAL_INVOICE, cap=Capture("pdf_text")),
                _with(T.EXPENSE_LIST, cap=Capture("pdf_text")),
                _with(T.DISCHARGE_RECORD, cap=Capture("pdf_text"), declared=None),
            ),
        ),
        C(
            "inpatient_scanned_pdf",
            "reimburse.inpatient",
            xj,
            D(2025, 7, 8),
            edit=_chain(
                _with(T.EXPENSE_LIST, cap=Capture("pdf_scan")),
                _with(T.DISCHARGE_RECORD, cap=Capture("pdf_scan")),
                _with(T.ID_CARD_FRONT, cap=Capture("photocopy")),
                _with(T.ID_CARD_BACK, cap=Capture("photocopy")),
            ),
        ),
        C(
            "maternity_prenatal",
            "maternity.prenatal",
            jm,
            D(2024, 5, 28),
            person={"sex": "女", "age": (24, 34)},
            story={"disease": "早孕", "inpatient": False},
        ),
        C(
            "maternity_medical",
            "maternity.medical",
            xj,
            D(2024, 9, 30),
            person={"sex": "女", "age": (24, 34)},
            story={"disease": "宫内孕39周单活胎"},
            enroll={"insurance_type": "employee"},
        ),
        C(
            "maternity_family_planning",
            "maternity.family_planning",
            jm,
            D(2025, 3, 26),
            person={"sex": "女", "age": (26, 38)},
            story={"disease": "早孕", "inpatient": False},
        ),
        C(
            "maternity_allowance",
            "maternity.allowance",
            xj,
            D(2025, 8, 14),
            person={"sex": "女", "age": (26, 35)},
            story={"disease": "宫内孕39周单活胎"},
            enroll={"insurance_type": "employee"},
        ),
        C(
            "assistance_reimbursement",
            "assistance.reimbursement",
            jm,
            D(2024, 10, 9),
            enroll={"insurance_type": "resident"},
        ),
        C("transfer_clean", "transfer", xj, D(2025, 2, 27)),
        C(
            "change_employee_ssc",
            "change.employee",
            jm,
            D(2024, 12, 18),
            person={"age": (30, 50)},
            enroll={"insurance_type": "employee"},
        ),
        C(
            "enroll_resident",
            "enroll.resident",
            xj,
            D(2025, 1, 8),
            person={"age": (19, 24)},
            enroll={"insurance_type": "resident"},
        ),
        C(
            "change_resident",
            "change.resident",
            jm,
            D(2025, 9, 3),
            person={"age": (19, 28)},
            enroll={"insurance_type": "resident"},
        ),
        C(
            "inpatient_stamp_over_text",
            "reimburse.inpatient",
            xj,
            D(2025, 5, 6),
            edit=_chain(
                _with(T.MEDICAL_INVOICE, opts={"seal_over_text": True}),
                _with(T.DISCHARGE_RECORD, cap=Capture("photo_large")),
            ),
        ),
        C(
            "long_term_kazakh_hukou",
            "remote.long_term_residence",
            xj,
            D(2025, 6, 30),
            person={"special": "努尔兰·哈力别克"},
            edit=_chain(_without(T.RESIDENCE_PERMIT), _add(M(T.HUKOU_BOOKLET, cap=PHOTO))),
        ),
        C(
            "outpatient_rare_ext_b",
            "reimburse.outpatient",
            jm,
            D(2025, 10, 13),
            person={"special": "王𠇔"},
            enroll={"name": "王𠇔", "chronic_diseases": "糖尿病"},
            story={"disease": "糖尿病", "inpatient": False},
            edit=_with(T.MEDICAL_INVOICE, cap=PHOTO),
        ),
        C(
            "referral_watermarked_id",
            "remote.referral",
            xj,
            D(2025, 11, 20),
            story={"dest": "北京协和医院", "disease": "器官移植术后抗排异治疗"},
            edit=_chain(
                _with(T.ID_CARD_FRONT, layout="watermarked"), _with(T.ID_CARD_BACK, layout="watermarked")
            ),
        ),
        C(
            "chronic_kidney_uyghur",
            "chronic.qualification",
            xj,
            D(2025, 12, 2),
            person={"special": "古丽娜尔·阿不都热合曼"},
            story={"disease": "慢性肾病"},
            edit=_with(T.MEDICAL_RECORD, cap=PHOTO),
        ),
        # ------------------------------------------------------------------ 1. materials (seed 002 cause 1)
        C(
            "missing_referral",
            "remote.referral",
            xj,
            D(2024, 4, 2),
            must=["material.missing"],
            story={"dest": "舟山医院"},
            edit=_without(T.REFERRAL_SLIP),
        ),
        C(
            "missing_discharge",
            "reimburse.inpatient",
            jm,
            D(2024, 8, 21),
            must=["material.missing"],
            edit=_without(T.DISCHARGE_RECORD),
        ),
        C(
            "unreadable_corrupt_jpeg",
            "reimburse.inpatient",
            xj,
            D(2024, 9, 12),
            must=["material.unreadable"],
            allow=["material.missing", "material.type_mismatch"],
            edit=_with(T.EXPENSE_LIST, broken="corrupt_jpeg"),
        ),
        C(
            "unreadable_truncated_pdf",
            "reimburse.inpatient",
            jm,
            D(2024, 10, 30),
            must=["material.unreadable"],
            allow=["material.missing", "material.type_mismatch"],
            edit=_with(T.DISCHARGE_RECORD, broken="truncated_pdf"),
        ),
        C(
            "unreadable_encrypted_pdf",
            "remote.referral",
            jm,
            D(2025, 1, 21),
            must=["material.unreadable"],
            story={"dest": "复旦大学附属中山医院"},
            allow=["material.missing", "material.type_mismatch"],
            edit=_with(T.REFERRAL_SLIP, broken="encrypted_pdf"),
        ),
        C(
            "unreadable_text_as_jpg",
            "chronic.qualification",
            xj,
            D(2025, 2, 5),
            must=["material.unreadable"],
            story={"disease": "冠心病"},
            allow=["material.missing", "material.type_mismatch"],
            edit=_with(T.MEDICAL_RECORD, broken="text_as_jpg"),
        ),
        C(
            "not_uploaded",
            "remote.long_term_residence",
            xj,
            D(2025, 3, 18),
            must=["material.not_uploaded"],
            edit=_add(M(T.COMMITMENT_LETTER, file="commitment_scan.jpg", present=False)),
        ),
        C(
            "unlisted_file",
            "remote.posted_worker",
            jm,
            D(2025, 4, 24),
            must=["material.unlisted"],
            decision="review",
            person={"age": (28, 45)},
            edit=_add(M(T.ID_CARD_FRONT, file="IMG_20250424_093512.jpg", cap=PHOTO, listed=False)),
            allow=["material.unrecognized"],
        ),
        C(
            "unrecognized_receipt",
            "reimburse.outpatient",
            jm,
            D(2024, 6, 4),
            must=["material.unrecognized"],
            story={"disease": "高血压", "inpatient": False},
            enroll={"chronic_diseases": "高血压"},
            edit=_add(M(T.UNKNOWN, file="other_1.jpg", cap=PHOTO, declared=None)),
        ),
        C(
            "declared_types_swapped",
            "transfer",
            jm,
            D(2025, 5, 13),
            must=["material.type_mismatch"],
            edit=_chain(
                _with(T.ID_CARD_FRONT, declared=T.ID_CARD_BACK),
                _with(T.ID_CARD_BACK, declared=T.ID_CARD_FRONT),
            ),
        ),
        C(
            "blurry_id",
            "remote.temporary",
            xj,
            D(2024, 7, 3),
            must=["image.blurry"],
            decision="review",
            allow=["document.fields_missing"],
            story={"dest": "浙江大学医学院附属第一医院"},
            edit=_with(T.ID_CARD_FRONT, cap=Capture("photo", ("blur",))),
        ),
        C(
            "motion_blur_invoice",
            "reimburse.outpatient",
            xj,
            D(2025, 6, 17),
            must=["image.blurry"],
            decision="review",
            allow=["document.fields_missing"],
            story={"disease": "冠心病", "inpatient": False},
            enroll={"chronic_diseases": "冠心病"},
            edit=_with(T.MEDICAL_INVOICE, cap=Capture("photo", ("motion_blur",))),
        ),
        C(
            "low_resolution_id",
            "transfer",
            jm,
            D(2024, 11, 26),
            must=["image.low_resolution"],
            decision="review",
            allow=["document.fields_missing", "image.blurry"],
            edit=_with(T.ID_CARD_FRONT, cap=Capture("clean", ("low_res",))),
        ),
        C(
            "glare_id",
            "remote.temporary",
            jm,
            D(2025, 7, 22),
            must=["image.glare"],
            decision="review",
            allow=["document.fields_missing"],
            story={"dest": "北京协和医院"},
            edit=_with(T.ID_CARD_FRONT, cap=Capture("photo", ("glare",), glare_at=(0.35, 0.45))),
        ),
        C(
            "glare_invoice",
            "reimburse.inpatient",
            xj,
            D(2025, 8, 26),
            must=["image.glare"],
            decision="review",
            allow=["document.fields_missing"],
            edit=_with(T.MEDICAL_INVOICE, cap=Capture("clean", ("glare",), glare_at=(0.55, 0.6))),
        ),
        C(
            "corner_cut_id_back",
            "remote.long_term_residence",
            xj,
            D(2025, 9, 15),
            must=["image.incomplete"],
            decision="review",
            allow=["document.fields_missing"],
            edit=_with(T.ID_CARD_BACK, cap=Capture("photo", ("corner_cut",))),
        ),
        C(
            "corner_cut_discharge",
            "reimburse.inpatient",
            jm,
            D(2025, 10, 21),
            must=["image.incomplete"],
            decision="review",
            allow=["document.fields_missing"],
            edit=_with(T.DISCHARGE_RECORD, cap=Capture("photo", ("corner_cut",))),
        ),
        C(
            "fields_missing_referral",
            "remote.referral",
            jm,
            D(2024, 5, 15),
            must=["document.fields_missing"],
            story={"dest": "舟山医院"},
            edit=_with(T.REFERRAL_SLIP, opts={"omit": frozenset({"diagnosis", "issue_date"})}),
        ),
        C(
            "expired_id_card",
            "remote.referral",
            xj,
            D(2024, 7, 29),
            must=["document.expired"],
            person={"expired_id": True, "age": (25, 40)},
            story={"dest": "四川大学华西医院"},
        ),
        C(
            "expired_labor_contract",
            "remote.posted_worker",
            jm,
            D(2025, 2, 18),
            must=["document.expired"],
            person={"age": (28, 45)},
            story={"contract_expired": True},
            edit=_chain(_without(T.WORK_DISPATCH_PROOF), _add(M(T.LABOR_CONTRACT))),
        ),
        C(
            "expired_residence_permit",
            "remote.long_term_residence",
            jm,
            D(2025, 8, 5),
            must=["document.expired"],
            story={"permit_expired": True},
        ),
        C(
            "seal_missing_referral",
            "remote.referral",
            xj,
            D(2024, 10, 16),
            must=["seal.missing"],
            story={"dest": "浙江大学医学院附属第一医院"},
            edit=_with(T.REFERRAL_SLIP, opts={"seal": False}),
        ),
        C(
            "seal_missing_invoice",
            "reimburse.inpatient",
            jm,
            D(2025, 4, 1),
            must=["seal.missing"],
            edit=_with(T.MEDICAL_INVOICE, opts={"seal": False}),
        ),
        C(
            "seal_missing_dispatch",
            "remote.posted_worker",
            xj,
            D(2025, 11, 4),
            must=["seal.missing"],
            person={"age": (28, 45)},
            edit=_with(T.WORK_DISPATCH_PROOF, opts={"seal": False}, cap=PHOTO),
        ),
        C(
            "emergency_unmarked",
            "remote.temporary",
            jm,
            D(2024, 12, 10),
            must=["record.emergency_unmarked"],
            filing={"emergency": True},
            story={"emergency": True, "dest": "舟山医院"},
            edit=_add(M(T.MEDICAL_RECORD, opts={"emergency_mark": False})),
        ),
        # ------------------------------------------------------------------ 2. information (seed 002 cause 2)
        C(
            "id_number_typo",
            "remote.temporary",
            xj,
            D(2024, 2, 26),
            must=["identity.id_number_invalid"],
            story={"dest": "复旦大学附属中山医院"},
            allow=["identity.id_number_mismatch", "enrollment.not_found"],
            applicant={"id_number": "bad_check_digit"},
        ),
        C(
            "card_birth_inconsistent",
            "transfer",
            xj,
            D(2024, 12, 24),
            must=["identity.card_inconsistent"],
            edit=_with(T.ID_CARD_FRONT, opts={"override": {"birth_date": "shift_year"}}),
        ),
        C(
            "name_mismatch_discharge",
            "reimburse.inpatient",
            xj,
            D(2025, 1, 28),
            must=["identity.name_mismatch"],
            edit=_with(T.DISCHARGE_RECORD, opts={"override": {"patient_name": "homophone"}}),
        ),
        C(
            "id_mismatch_referral",
            "remote.referral",
            jm,
            D(2025, 3, 11),
            must=["identity.id_number_mismatch"],
            story={"dest": "北京协和医院"},
            edit=_with(T.REFERRAL_SLIP, opts={"override": {"id_number": "relative"}}),
        ),
        C(
            "enrollment_not_found",
            "reimburse.outpatient",
            jm,
            D(2024, 3, 19),
            must=["enrollment.not_found"],
            enroll={"absent": True},
            story={"disease": "高血压", "inpatient": False},
        ),
        C(
            "rare_name_pinyin_enrollment",
            "remote.long_term_residence",
            xj,
            D(2024, 6, 13),
            must=["enrollment.name_mismatch"],
            person={"special": "刘䶮"},
        ),
        C(
            "rare_name_substitute_enrollment",
            "chronic.qualification",
            jm,
            D(2025, 7, 1),
            must=["enrollment.name_mismatch"],
            person={"special": "张喆"},
            story={"disease": "类风湿关节炎"},
        ),
        C(
            "ssc_mismatch",
            "change.employee",
            xj,
            D(2025, 5, 27),
            must=["enrollment.ssc_mismatch"],
            person={"age": (30, 50)},
            enroll={"ssc_number": "other", "insurance_type": "employee"},
            applicant={"ssc_number": "card"},
        ),
        C(
            "wrong_destination",
            "remote.referral",
            xj,
            D(2025, 10, 2),
            must=["consistency.hospital_mismatch"],
            story={"dest": "舟山医院"},
            filing={"destination": "浙江省宁波市海曙区", "hospital": "宁波市第一医院"},
            allow=["filing.type_mismatch", "policy.hospital_not_networked"],
            note="seed 002: 实际就医地为浙江舟山，却误选浙江宁波 — the filing names another city than the referral and form",
        ),
        # ------------------------------------------------------------------ 3. status and policy (cause 3)
        C(
            "arrears",
            "reimburse.inpatient",
            xj,
            D(2024, 4, 23),
            must=["enrollment.arrears"],
            enroll={"status": "arrears"},
        ),
        C(
            "suspended",
            "remote.long_term_residence",
            jm,
            D(2024, 9, 4),
            must=["enrollment.suspended"],
            enroll={"status": "suspended"},
        ),
        C(
            "terminated",
            "chronic.qualification",
            xj,
            D(2025, 1, 14),
            must=["enrollment.suspended"],
            enroll={"status": "terminated"},
            story={"disease": "慢性阻塞性肺疾病"},
        ),
        C(
            "transfer_pending",
            "remote.referral",
            jm,
            D(2025, 6, 24),
            must=["enrollment.transfer_pending"],
            enroll={"status": "transferring"},
            story={"dest": "四川大学华西医院"},
        ),
        C(
            "card_inactive",
            "reimburse.outpatient",
            xj,
            D(2025, 9, 23),
            must=["enrollment.card_inactive"],
            enroll={"card_activated": "false"},
            story={"disease": "高血压", "inpatient": False},
        ),
        C(
            "retiree_filing_non_retiree",
            "remote.retiree_relocation",
            xj,
            D(2024, 8, 27),
            must=["enrollment.ineligible"],
            person={"age": (38, 45)},
            enroll={"retired": "false"},
            allow=["filing.type_mismatch"],
        ),
        C(
            "allowance_resident_insured",
            "maternity.allowance",
            jm,
            D(2025, 11, 11),
            must=["enrollment.ineligible"],
            person={"sex": "女", "age": (24, 33)},
            story={"disease": "宫内孕39周单活胎"},
            enroll={"insurance_type": "resident"},
        ),
        C(
            "disease_not_covered",
            "chronic.qualification",
            jm,
            D(2024, 11, 13),
            must=["policy.disease_not_covered"],
            story={"disease": "慢性胃炎"},
        ),
        C(
            "disease_not_covered_xj",
            "chronic.qualification",
            xj,
            D(2025, 12, 9),
            must=["policy.disease_not_covered"],
            story={"disease": "腰椎间盘突出症"},
        ),
        C(
            "residence_too_short",
            "remote.long_term_residence",
            xj,
            D(2024, 10, 8),
            must=["policy.residence_too_short"],
            story={"permit_recent": True},
        ),
        C(
            "referral_from_clinic",
            "remote.referral",
            xj,
            D(2025, 4, 15),
            must=["policy.referral_unqualified"],
            story={
                "dest": "复旦大学附属中山医院",
                "referral_from": "乌鲁木齐市天山区东门社区卫生服务站",
                "disease": "恶性肿瘤门诊放化疗",
            },
        ),
        C(
            "referral_from_clinic_jm",
            "remote.referral",
            jm,
            D(2025, 12, 16),
            must=["policy.referral_unqualified"],
            story={
                "dest": "浙江大学医学院附属第一医院",
                "referral_from": "荆门市掇刀区白庙街道社区卫生服务站",
                "disease": "慢性肾病",
            },
        ),
        # ------------------------------------------------------------------ 4. hospital not networked (cause 4)
        C(
            "hospital_not_networked",
            "remote.temporary",
            jm,
            D(2024, 7, 30),
            must=["policy.hospital_not_networked"],
            story={"dest": "舟山普陀安康私立医院"},
        ),
        C(
            "hospital_not_networked_xj",
            "remote.long_term_residence",
            xj,
            D(2025, 7, 14),
            must=["policy.hospital_not_networked"],
            story={"dest": "杭州西湖康泰门诊部"},
        ),
        # ------------------------------------------------------------------ 5. filing type (cause 5)
        C(
            "retiree_chose_referral",
            "remote.referral",
            jm,
            D(2024, 6, 26),
            must=["filing.type_mismatch"],
            allow=["material.missing"],
            person={"age": (61, 70)},
            enroll={"retired": "true"},
            story={"dest": "舟山医院", "form_label": "异地安置退休人员", "hukou_at_dest": True},
            edit=_chain(_without(T.REFERRAL_SLIP), _add(M(T.HUKOU_BOOKLET))),
            note="seed 002: 退休后在舟山长期居住的人员，误选“异地转诊”而非“异地安置退休”",
        ),
        C(
            "long_term_chose_temporary",
            "remote.temporary",
            xj,
            D(2025, 8, 19),
            must=["filing.type_mismatch"],
            story={"dest": "浙江大学医学院附属第一医院", "form_label": "异地长期居住人员"},
            edit=_add(M(T.RESIDENCE_PERMIT)),
        ),
        # ------------------------------------------------------------------ 6. process (cause 6)
        C(
            "zhoushan_offline_confirmation",
            "remote.referral",
            xj,
            D(2024, 11, 19),
            must=["process.offline_confirmation"],
            decision="review",
            story={"dest": "舟山市普陀医院", "disease": "恶性肿瘤门诊放化疗"},
            note="seed 002: 舟山部分区县要求异地转诊人员携带转诊单到医保窗口现场确认",
        ),
        # ------------------------------------------------------------------ consistency across documents
        C(
            "amount_list_vs_invoice",
            "reimburse.inpatient",
            jm,
            D(2024, 12, 30),
            must=["consistency.amount_mismatch"],
            edit=_with(T.EXPENSE_LIST, opts={"override": {"total_amount": "plus_27"}}),
        ),
        C(
            "amount_upper_vs_lower",
            "maternity.medical",
            jm,
            D(2025, 5, 8),
            must=["consistency.amount_mismatch"],
            person={"sex": "女", "age": (24, 34)},
            story={"disease": "宫内孕39周单活胎"},
            enroll={"insurance_type": "employee"},
            edit=_with(T.MEDICAL_INVOICE, opts={"override": {"total_amount_upper": "minus_100"}}),
        ),
        C(
            "invoice_before_admission",
            "reimburse.inpatient",
            xj,
            D(2025, 3, 25),
            must=["consistency.date_mismatch"],
            edit=_with(T.MEDICAL_INVOICE, opts={"override": {"issue_date": "minus_20_days"}}),
        ),
        C(
            "discharge_dates_vs_list",
            "reimburse.inpatient",
            jm,
            D(2025, 9, 9),
            must=["consistency.date_mismatch"],
            edit=_with(T.DISCHARGE_RECORD, opts={"override": {"discharge_date": "plus_9_days"}}),
        ),
        C(
            "invoice_other_hospital",
            "reimburse.inpatient",
            xj,
            D(2024, 5, 21),
            must=["consistency.hospital_mismatch"],
            edit=_with(T.MEDICAL_INVOICE, opts={"override": {"payee": "other_hospital"}}),
        ),
        C(
            "invoice_duplicate",
            "reimburse.inpatient",
            jm,
            D(2024, 8, 6),
            must=["invoice.duplicate"],
            same_as="inpatient_clean",
            edit=_chain(_with(T.MEDICAL_INVOICE, cap=PHOTO), _with(T.ID_CARD_FRONT, cap=SCAN)),
        ),
        # ------------------------------------------------------------------ added by the project
        C(
            "photocopy_invoice",
            "reimburse.inpatient",
            xj,
            D(2025, 10, 28),
            must=["image.photocopy"],
            decision="return",
            allow=["seal.missing"],
            edit=_with(T.MEDICAL_INVOICE, cap=Capture("photocopy")),
            note="a grayscale photocopy of the invoice where the original is required (its red seal turns grey)",
        ),
        C(
            "qr_number_altered",
            "reimburse.inpatient",
            jm,
            D(2025, 11, 25),
            must=["invoice.qr_mismatch"],
            decision="review",
            edit=_with(T.MEDICAL_INVOICE, layout="electronic", opts={"qr": "other_number"}),
            note="the printed invoice number differs from the one in the e-bill's QR code (altered print)",
        ),
        # ------------------------------------------------------------------ clean, the remaining services
        # people already in enrollment.csv file again (same_as: their person, no new enrollment row);
        # units file for themselves (the person is the unit's handler, not enrolled: no row either)
        C(
            "enroll_employee_clean",
            "enroll.employee",
            xj,
            D(2025, 8, 4),
            same_as="temporary_emergency",
            enroll={"absent": True},
            note="a resident-insured person registers for employee insurance",
        ),
        C(
            "query_person_clean",
            "query.person",
            xj,
            D(2025, 8, 6),
            same_as="inpatient_holdout_photos",
            enroll={"absent": True},
        ),
        C(
            "withdrawal_clean",
            "account.withdrawal",
            xj,
            D(2025, 8, 11),
            same_as="posted_dispatch",
            enroll={"absent": True},
        ),
        C(
            "premium_subsidy_clean",
            "assistance.premium_subsidy",
            xj,
            D(2025, 8, 13),
            same_as="referral_table",
            enroll={"absent": True},
            note="the required materials (救助对象身份证明, 缴费凭证) are not checked automatically: no uploads",
        ),
        C("enroll_employer_clean", "enroll.employer", xj, D(2025, 8, 18), enroll={"absent": True}),
        C("change_employer_clean", "change.employer", xj, D(2025, 8, 20), enroll={"absent": True}),
        C(
            "query_employer_clean",
            "query.employer",
            xj,
            D(2025, 8, 22),
            enroll={"absent": True},
            note="the only material (单位有效证明文件) is not checked automatically: no uploads",
        ),
        C(
            "designation_hospital_clean",
            "designation.medical_institution",
            xj,
            D(2025, 8, 25),
            enroll={"absent": True},
        ),
        C("designation_pharmacy_clean", "designation.pharmacy", xj, D(2025, 8, 27), enroll={"absent": True}),
        C(
            "settlement_hospital_clean",
            "settlement.medical_institution",
            xj,
            D(2025, 9, 1),
            enroll={"absent": True},
            note="clearing data comes over the insurance network: nothing is uploaded",
        ),
        C(
            "settlement_pharmacy_clean",
            "settlement.pharmacy",
            xj,
            D(2025, 9, 3),
            enroll={"absent": True},
            note="clearing data comes over the insurance network: nothing is uploaded",
        ),
    ]
    return cases


# --------------------------------------------------------------------------- building


@dataclass
class Built:
    case_id: str
    folder: Path
    materials: int
    bytes: int


def _seed(base: int, key: str) -> int:
    return int.from_bytes(hashlib.sha256(f"{base}:{key}".encode()).digest()[:6], "big")


def _person(rng: random.Random, c: C) -> Person:
    cat = load_catalog()
    kw = dict(c.person)
    special = kw.pop("special", None)
    sp = None
    if special:
        sp = next(x for x in [*cat.people.rare, *cat.people.minority] if x.name == special)
    if c.service == "remote.retiree_relocation" and "age" not in kw:
        kw["age"] = (61, 72)
    return new_person(rng, c.region, c.submitted, special=sp, **kw)


def _story(rng: random.Random, c: C, person: Person) -> Story:
    cat = load_catalog()
    sk = c.story
    inpatient = sk.get("inpatient", True)
    disease = sk.get("disease")
    if disease is None and c.service.startswith(("remote.", "chronic.")):
        disease = rng.choice([d.name for d in cat.diseases if d.chronic])
    s = new_story(rng, person, c.submitted, c.region, disease=disease, inpatient=inpatient)
    if c.service.startswith("remote."):
        dest_name = sk.get("dest") or rng.choice(DESTINATIONS)
        dest = cat.hospital(dest_name)
        s.dest_hospital = dest
        s.destination = dest.destination
        s.filing_label = sk.get("form_label") or FILING_LABELS[c.service]
        if sk.get("referral_from"):
            s.referral_from = cat.hospital(sk["referral_from"])
        else:
            s.referral_from = s.hospital
        s.visit_date = c.submitted - timedelta(days=rng.randint(2, 12))
        if sk.get("emergency"):
            s.emergency = True
            s.hospital = dest
            s.visit_date = c.submitted - timedelta(days=rng.randint(1, 5))
        s.permit_issuer = (
            f"{dest.city}公安局{dest.county.replace('区', '')}分局"
            if dest.county.endswith("区")
            else f"{dest.county}公安局"
        )
        s.permit_address = f"{dest.destination}{rng.choice(['兴建路', '新港大道', '文化路', '和平路'])}{rng.randint(1, 300)}号"
        if sk.get("permit_recent"):
            s.permit_from = c.submitted - timedelta(days=rng.randint(45, 90))
        elif sk.get("permit_expired"):
            s.permit_from = add_years(c.submitted, -5) - timedelta(days=rng.randint(30, 200))
        else:
            s.permit_from = c.submitted - timedelta(days=rng.randint(400, 1200))
        s.permit_until = add_years(s.permit_from, 5)
        if c.service == "remote.retiree_relocation" or sk.get("hukou_at_dest"):
            s.hukou_address = s.permit_address
        s.employer = rng.choice(cat.people.employers.get(c.region, ["新疆天润建设工程有限公司"]))
        if sk.get("contract_expired"):
            s.contract_until = c.submitted - timedelta(days=rng.randint(20, 120))
            s.contract_from = add_years(s.contract_until, -3) + timedelta(days=1)
        else:
            s.contract_from = c.submitted - timedelta(days=rng.randint(100, 700))
            s.contract_until = add_years(s.contract_from, 3) - timedelta(days=1)
    if c.service == "chronic.qualification":
        s.inpatient = False
        s.visit_date = c.submitted - timedelta(days=rng.randint(3, 20))
    if c.service in FORM_TITLES:
        s.form_title = FORM_TITLES[c.service]
    if c.service in UNIT_SERVICES:
        if c.service.endswith("medical_institution"):
            s.employer = s.hospital.name
        elif c.service.endswith("pharmacy"):
            s.employer = PHARMACIES[c.region]
            s.contract_from = c.submitted - timedelta(days=rng.randint(100, 700))  # the staff's contracts
            s.contract_until = add_years(s.contract_from, 3) - timedelta(days=1)
        else:
            s.employer = rng.choice(cat.people.employers.get(c.region, ["新疆天润建设工程有限公司"]))
    if sk.get("agent"):
        s.agent = new_person(rng, c.region, c.submitted, age=(35, 50))
    if c.service == "maternity.prenatal" or c.service == "maternity.family_planning":
        s.ward = "妇产科"
    return s


_HOMOPHONES = {
    "明": "铭",
    "伟": "玮",
    "华": "骅",
    "丽": "莉",
    "静": "婧",
    "敏": "珉",
    "涛": "韬",
    "军": "君",
    "芳": "方",
    "强": "蔷",
}


def _homophone(name: str) -> str:
    for i in range(len(name) - 1, 0, -1):
        if name[i] in _HOMOPHONES:
            return name[:i] + _HOMOPHONES[name[i]] + name[i + 1 :]
    return name[:-1] + ("娟" if name[-1] != "娟" else "涓")


def _resolve_override(m: M, s: Story, rng: random.Random, other: Person) -> dict[str, str]:
    """Turn symbolic overrides (``shift_year``, ``plus_27`` ...) into printed values."""
    out: dict[str, str] = {}
    for k, v in m.opts.get("override", {}).items():
        if v == "shift_year":
            b = s.person.birth_date
            out[k] = b.replace(year=b.year + 1 if b.month != 2 or b.day != 29 else b.year + 4).isoformat()
        elif v == "homophone":
            out[k] = _homophone(s.person.name)
        elif v == "relative":
            out[k] = other.id_number
        elif v == "plus_27":
            out[k] = money(s.total + 27)
        elif v == "minus_100":
            out[k] = money(s.total - 100)
        elif v == "minus_20_days":
            assert s.admission is not None
            out[k] = (s.admission - timedelta(days=20)).isoformat()
        elif v == "plus_9_days":
            assert s.discharge is not None
            out[k] = (s.discharge + timedelta(days=9)).isoformat()
        elif v == "other_hospital":
            cat = load_catalog()
            out[k] = next(
                h.name
                for h in cat.hospitals
                if h.region == s.region and h.referral_qualified and h.name != s.hospital.name
            )
        else:
            out[k] = v
    return out


#: how the materials of the corpus are captured when a case does not say (the faults come on top)
CAPTURE_MIX = (("clean", 0.45), ("photo", 0.40), ("scan", 0.15))
HOLDOUT_SHARE = 0.25


def _variety(mats: list[M], seed: int, c: C) -> list[M]:
    """Realistic variety: layouts (a quarter on the holdout layout of a type) and, in passing cases, captures
    (phone photos and scans besides clean renders). Explicit choices in the spec are kept."""
    out = []
    for i, m in enumerate(mats):
        rng = random.Random(_seed(seed, f"{c.key}/{i}/variety"))
        layouts = RENDERERS[m.doc][1]
        layout = m.layout
        if layout is None and len(layouts) > 1:
            layout = layouts[-1] if rng.random() < HOLDOUT_SHARE else layouts[0]
        cap = m.cap
        if not c.must and not m.broken and m.cap == Capture():
            x, acc = rng.random(), 0.0
            for kind, share in CAPTURE_MIX:
                acc += share
                if x < acc:
                    cap = Capture(kind)
                    break
        out.append(replace(m, layout=layout, cap=cap))
    return out


def _qr_override(m: M, s: Story) -> dict[str, str]:
    if m.opts.get("qr") == "other_number":  # the printed number was altered; the QR keeps the real one
        n = s.invoice_number
        return {"invoice_number": n[:-3] + f"{(int(n[-3:]) + 417) % 1000:03d}"}
    return {}


def _broken_bytes(kind: str, good: bytes, seed: int) -> bytes:
    rng = random.Random(seed)
    if kind == "corrupt_jpeg":
        head = good[:600]
        return head + bytes(rng.randrange(256) for _ in range(4000))
    if kind == "truncated_pdf":
        return good[: len(good) // 3]
    if kind == "text_as_jpg":
        return "出院记录见附件，照片稍后补传。\n联系电话：0724-2345678\n".encode()
    raise ValueError(kind)


def _encrypted_pdf(r: Rendered) -> bytes:
    from reportlab.lib import pdfencrypt
    from reportlab.lib.units import mm
    from reportlab.pdfgen.canvas import Canvas

    from samples.generator.canvas import _register_cid

    _register_cid()
    buf = io.BytesIO()
    enc = pdfencrypt.StandardEncryption("intake-user", ownerPassword="intake-owner", canPrint=0, strength=128)
    page = r.pages[0]
    c = Canvas(buf, pagesize=(page.width * mm, page.height * mm), invariant=1, encrypt=enc)
    c.setFont("STSong-Light", 14)
    c.drawString(30 * mm, (page.height - 30) * mm, "转诊转院证明")
    c.showPage()
    c.save()
    return buf.getvalue()


def build_corpus(out: Path, seed: int = 2024, only: set[str] | None = None) -> list[Built]:
    """Write every case folder under ``out`` plus ``out/../enrollment.csv``-style ``enrollment.csv`` in ``out``'s
    parent when ``out`` is named ``cases``; else in ``out``. Deterministic for a seed."""
    out.mkdir(parents=True, exist_ok=True)
    specs = corpus()
    ids = CaseIds.load()  # stable: a case keeps its id whatever its position in corpus()
    enrollment: dict[str, dict[str, str]] = {}
    memo: dict[str, tuple[Person, Story]] = {}
    built: list[Built] = []
    for c in specs:
        case_id = ids.assign(c.key, c.region, c.submitted)
        rng = random.Random(_seed(seed, c.key))
        if c.same_as:
            person, prev = memo[c.same_as]
            story = replace(prev, submitted_on=c.submitted)
            if c.service in FORM_TITLES:
                story = replace(story, form_title=FORM_TITLES[c.service])
        else:
            person = _person(rng, c)
            story = _story(rng, c, person)
        memo[c.key] = (person, story)
        if only is not None and c.key not in only:
            continue
        other = new_person(random.Random(_seed(seed, c.key + "/other")), c.region, c.submitted)
        folder = out / case_id
        if folder.exists():
            shutil.rmtree(folder)
        folder.mkdir(parents=True)
        mats = c.materials if c.materials is not None else default_materials(c.service)
        if c.edit:
            mats = c.edit(mats)
        listed: list[dict[str, Any]] = []
        truth: dict[str, ExpectedMaterial] = {}
        total = 0
        if c.region == "jingmen":  # Jingmen's online channels generate the filing form as a PDF (measure 13)
            mats = [
                replace(m, cap=Capture("pdf_text"))
                if m.doc == T.REMOTE_CARE_FORM and m.cap == Capture() and m.layout is None and not m.broken
                else m
                for m in mats
            ]
        mats = _variety(mats, seed, c)
        for i, m in enumerate(mats):
            mseed = _seed(seed, f"{c.key}/{i}")
            st = story
            if m.of_agent and story.agent is not None:
                st = replace(story, person=story.agent)
            opts = Opts(
                seal=m.opts.get("seal", True),
                omit=m.opts.get("omit", frozenset()),
                override=_resolve_override(m, story, rng, other),
                seal_over_text=m.opts.get("seal_over_text", False),
                qr_override=_qr_override(m, story),
                emergency_mark=m.opts.get("emergency_mark"),
                seed=mseed % 100000,
            )
            r = render_document(m.doc, st, m.layout, opts)
            name = m.name
            if m.broken == "encrypted_pdf":
                data = _encrypted_pdf(r)
            elif m.broken:
                good = capture_bytes(
                    r, Capture("clean") if m.broken != "truncated_pdf" else Capture("pdf_text"), mseed
                )
                data = _broken_bytes(m.broken, good, mseed)
            else:
                data = capture_bytes(r, m.cap, mseed)
            if m.present:
                (folder / name).write_bytes(data)
                total += len(data)
            if m.listed:
                declared = (
                    m.doc.value
                    if m.declared == SAME
                    else (m.declared.value if isinstance(m.declared, DocType) else None)
                )
                if m.doc == DocType.UNKNOWN and m.declared == SAME:
                    declared = None
                listed.append({"file": name, "declared_type": declared})
            if m.present:
                truth[name] = ExpectedMaterial(
                    type=r.doc_type.value if not m.broken else "unknown",
                    fields=r.truth if not m.broken else {},
                    layout=r.layout,
                    holdout=r.holdout,
                    capture=m.broken or m.cap.label,
                    broken=m.broken or None,
                    intended_type=r.doc_type.value if m.broken else None,
                    listed=m.listed,
                )
        applicant = {"name": person.name, "id_number": person.id_number, "ssc_number": None}
        if c.applicant.get("id_number") == "bad_check_digit":
            applicant["id_number"] = corrupt_check_digit(person.id_number)
        if c.applicant.get("ssc_number") == "card":
            applicant["ssc_number"] = person.ssc_number
        filing: dict[str, Any] = {}
        if c.service.startswith("remote."):
            filing = {
                "destination": story.destination,
                "hospital": story.dest_hospital.name if story.dest_hospital else None,
                "disease": story.disease.name if c.service == "remote.referral" else None,
                "emergency": bool(story.emergency),
            }
        elif c.service == "chronic.qualification":
            filing = {"hospital": story.hospital.name, "disease": story.disease.name}
        elif c.service.startswith(("reimburse.", "maternity.", "assistance.")):
            filing = {"hospital": story.hospital.name, "disease": story.disease.name, "emergency": False}
        filing.update(c.filing)
        case_json = {
            "case_id": case_id,
            "service": c.service,
            "region": c.region,
            "submitted_on": c.submitted.isoformat(),
            "applicant": applicant,
            "filing": filing,
            "materials": listed,
        }
        decision = c.decision or ("return" if c.must else "pass")
        expected = Expected(
            decision=decision,
            must=sorted(c.must),
            allow=sorted(c.allow),
            key=c.key,
            note=c.note,
            materials=truth,
        )
        _write_json(folder / "case.json", case_json)
        expected.write(folder / "expected.json")
        row = _enrollment_row(c, person, story)
        if row is not None:
            enrollment[row["id_number"]] = row
        built.append(Built(case_id, folder, len([m for m in mats if m.present]), total))
    if ids.changed:
        ids.save()
    if only is None:
        _write_enrollment(
            out.parent / "enrollment.csv" if out.name == "cases" else out / "enrollment.csv", enrollment
        )
    return built


def _enrollment_row(c: C, person: Person, story: Story) -> dict[str, str] | None:
    e = dict(c.enroll)
    if e.pop("absent", False):
        return None
    age = person.age(c.submitted)
    retired = age >= 60
    ins = "employee" if (age > 30 and c.service != "assistance.reimbursement") else "resident"
    if c.service == "remote.posted_worker":
        ins = "employee"
    ssc = person.ssc_number
    if e.get("ssc_number") == "other":
        ssc = ssc[0] + "".join(str((int(ch) + 3) % 10) for ch in ssc[1:])
        e.pop("ssc_number")
    row = {
        "id_number": person.id_number,
        "name": person.enrolled_as or person.name,
        "ssc_number": ssc,
        "insurance_type": ins,
        "status": "active",
        "card_activated": "true",
        "region": c.region,
        "retired": "true" if retired else "false",
        "chronic_diseases": "",
    }
    if c.service == "remote.retiree_relocation" and "retired" not in e:
        row["retired"] = "true"
    row.update({k: str(v) for k, v in e.items()})
    return row


def _write_json(path: Path, obj: Any) -> None:
    path.write_text(json.dumps(obj, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def _write_enrollment(path: Path, rows: dict[str, dict[str, str]]) -> None:
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=ENROLLMENT_COLUMNS, lineterminator="\n")
    w.writeheader()
    for key in sorted(rows):
        w.writerow(rows[key])
    path.write_text(buf.getvalue(), encoding="utf-8")
