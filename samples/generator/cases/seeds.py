"""Cases for the rules that follow the seeds (issue 14): the identity papers of seed 000 note ①, the accident
papers of (十七) 注②, the hospital catalogue, the destination check (seed 002 二.2), and
requirements that changed (no residence minimum, transfer with identity only, 急诊 proof not demanded,
参保登记 without 社会保障卡)."""

from __future__ import annotations

from datetime import date

from pipeline.codes import DocType
from samples.generator.spec import JM, XJ, CaseSpec, MaterialSpec, add, chain, without

_NO_ID = without(DocType.ID_CARD_FRONT, DocType.ID_CARD_BACK)

CASES: list[CaseSpec] = [
    CaseSpec(
        "passport_identity",
        "query.person",
        XJ,
        date(2025, 9, 16),
        edit=chain(_NO_ID, add(MaterialSpec(DocType.PASSPORT))),
        note="seed 000 note ①: 有效身份证件包括…护照",
    ),
    CaseSpec(
        "hk_macao_permit_enroll",
        "enroll.employee",
        XJ,
        date(2025, 10, 9),
        filing={"special_group": "hk_macao_taiwan", "employment": "flexible"},
        edit=chain(_NO_ID, add(MaterialSpec(DocType.HK_MACAO_PERMIT))),
        note="seed 000 (二) 注1①: 港澳台人员…需提供港澳居民来往内地通行证",
    ),
    CaseSpec(
        "hmt_residence_permit_change",
        "change.resident",
        JM,
        date(2025, 10, 21),
        person={"age": (22, 29)},
        enroll={"insurance_type": "resident"},
        edit=chain(_NO_ID, add(MaterialSpec(DocType.HMT_RESIDENCE_PERMIT))),
        note="seed 000 note ①: 港澳台居民居住证",
    ),
    CaseSpec(
        "foreign_permanent_residence_enroll",
        "enroll.employee",
        JM,
        date(2025, 11, 4),
        filing={"special_group": "foreigner", "employment": "flexible"},
        edit=chain(_NO_ID, add(MaterialSpec(DocType.FOREIGN_PERMANENT_RESIDENCE))),
        note="seed 000 (二) 注1②: 外国人…或外国人永久居留证",
    ),
    CaseSpec(
        "accident_certificate_outpatient",
        "reimburse.outpatient",
        XJ,
        date(2025, 11, 12),
        filing={"accident": True},
        edit=add(MaterialSpec(DocType.ACCIDENT_CERTIFICATE)),
        note="seed 000 (十七) 注②: 意外伤害就医的应提供交警事故认定书…",
    ),
    CaseSpec(
        "destination_city_mismatch",
        "remote.temporary",
        XJ,
        date(2025, 11, 18),
        must=["filing.destination_mismatch"],
        story={"dest": "舟山市普陀医院"},
        filing={"destination": "浙江省宁波市海曙区"},
        allow=["process.offline_confirmation"],
        note="seed 002 二.2: 实际就医地为“浙江舟山普陀区”，却误选“浙江宁波”",
    ),
    CaseSpec(
        "hospital_not_in_catalogue",
        "remote.temporary",
        JM,
        date(2025, 12, 2),
        must=["policy.hospital_not_networked"],
        decision="review",
        story={"dest": "宁波市第一医院"},
        note="issue 14: a hospital the catalogue does not list is review, never a silent pass",
    ),
    CaseSpec(
        "recent_permit_jm",
        "remote.long_term_residence",
        JM,
        date(2025, 12, 15),
        story={"permit_recent": True},
        note="seeds 000 (十二) and 001 set no minimum residence: a recent permit passes",
    ),
    CaseSpec(
        "transfer_cross_province_id_only",
        "transfer",
        XJ,
        date(2025, 12, 3),
        filing={"transfer_scope": "cross_province"},
        note="seed 000 (十): 办理材料：有效身份证件或医保电子凭证或社会保障卡",
    ),
    CaseSpec(
        "emergency_reimbursement_without_proof",
        "reimburse.inpatient",
        XJ,
        date(2025, 12, 10),
        filing={"emergency": True},
        note="seed 000 (十八) 注①: 急诊可要求提供急诊诊断证明 (not demanded at pre-review)",
    ),
    CaseSpec(
        "enroll_resident_ssc_only",
        "enroll.resident",
        XJ,
        date(2025, 12, 17),
        must=["material.missing"],
        edit=chain(_NO_ID, add(MaterialSpec(DocType.SSC_CARD))),
        note="seed 000 (三) + note ①: 参保登记 takes 有效身份证件; the 社会保障卡 is not one",
    ),
]
