"""Causes 3 and 4 of seed 002 (status and policy): the enrollment does not allow the service (arrears,
suspended, terminated, not retired ...), the policy does not cover it (disease, referral from an
unqualified clinic, permit too recent), or the destination hospital is not networked.
"""

from __future__ import annotations

from datetime import date

from samples.generator.spec import JM, XJ, CaseSpec

CASES: list[CaseSpec] = [
    CaseSpec(
        "arrears",
        "reimburse.inpatient",
        XJ,
        date(2024, 4, 23),
        must=["enrollment.arrears"],
        enroll={"status": "arrears"},
    ),
    CaseSpec(
        "suspended",
        "remote.long_term_residence",
        JM,
        date(2024, 9, 4),
        must=["enrollment.suspended"],
        enroll={"status": "suspended"},
    ),
    CaseSpec(
        "terminated",
        "chronic.qualification",
        XJ,
        date(2025, 1, 14),
        must=["enrollment.suspended"],
        enroll={"status": "terminated"},
        story={"disease": "慢性阻塞性肺疾病"},
    ),
    CaseSpec(
        "transfer_pending",
        "remote.referral",
        JM,
        date(2025, 6, 24),
        must=["enrollment.transfer_pending"],
        enroll={"status": "transferring"},
        story={"dest": "四川大学华西医院"},
    ),
    CaseSpec(
        "card_inactive",
        "reimburse.outpatient",
        XJ,
        date(2025, 9, 23),
        must=["enrollment.card_inactive"],
        enroll={"card_activated": "false"},
        story={"disease": "高血压", "inpatient": False},
    ),
    CaseSpec(
        "retiree_filing_non_retiree",
        "remote.retiree_relocation",
        XJ,
        date(2024, 8, 27),
        must=["enrollment.ineligible"],
        person={"age": (38, 45)},
        enroll={"retired": "false"},
        allow=["filing.type_mismatch"],
    ),
    CaseSpec(
        "allowance_resident_insured",
        "maternity.allowance",
        JM,
        date(2025, 11, 11),
        must=["enrollment.ineligible"],
        person={"sex": "女", "age": (24, 33)},
        story={"disease": "宫内孕39周单活胎"},
        enroll={"insurance_type": "resident"},
    ),
    CaseSpec(
        "disease_not_covered",
        "chronic.qualification",
        JM,
        date(2024, 11, 13),
        must=["policy.disease_not_covered"],
        story={"disease": "慢性胃炎"},
    ),
    CaseSpec(
        "disease_not_covered_xj",
        "chronic.qualification",
        XJ,
        date(2025, 12, 9),
        must=["policy.disease_not_covered"],
        story={"disease": "腰椎间盘突出症"},
    ),
    CaseSpec(
        "residence_too_short",
        "remote.long_term_residence",
        XJ,
        date(2024, 10, 8),
        # issue 14: no seed sets a minimum residence for Xinjiang or Jingmen; a recent permit passes
        must=[],
        story={"permit_recent": True},
    ),
    CaseSpec(
        "referral_from_clinic",
        "remote.referral",
        XJ,
        date(2025, 4, 15),
        must=["policy.referral_unqualified"],
        story={
            "dest": "复旦大学附属中山医院",
            "referral_from": "乌鲁木齐市天山区东门社区卫生服务站",
            "disease": "恶性肿瘤门诊放化疗",
        },
    ),
    CaseSpec(
        "referral_from_clinic_jm",
        "remote.referral",
        JM,
        date(2025, 12, 16),
        must=["policy.referral_unqualified"],
        story={
            "dest": "浙江大学医学院附属第一医院",
            "referral_from": "荆门市掇刀区白庙街道社区卫生服务站",
            "disease": "慢性肾病",
        },
    ),
    # ------------------------------------------------------------------ 4. hospital not networked (cause 4)
    CaseSpec(
        "hospital_not_networked",
        "remote.temporary",
        JM,
        date(2024, 7, 30),
        must=["policy.hospital_not_networked"],
        story={"dest": "舟山普陀安康私立医院"},
    ),
    CaseSpec(
        "hospital_not_networked_xj",
        "remote.long_term_residence",
        XJ,
        date(2025, 7, 14),
        must=["policy.hospital_not_networked"],
        story={"dest": "杭州西湖康泰门诊部"},
    ),
]
