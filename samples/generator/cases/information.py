"""Cause 2 of seed 002 (information): what the applicant or the papers state does not match (ID
numbers, names, birth dates, SSC numbers, the filed destination).
"""

from __future__ import annotations

from datetime import date

from pipeline.codes import DocType
from samples.generator.spec import JM, XJ, CaseSpec, with_

CASES: list[CaseSpec] = [
    CaseSpec(
        "id_number_typo",
        "remote.temporary",
        XJ,
        date(2024, 2, 26),
        must=["identity.id_number_invalid"],
        story={"dest": "复旦大学附属中山医院"},
        allow=["identity.id_number_mismatch", "enrollment.not_found"],
        applicant={"id_number": "bad_check_digit"},
    ),
    CaseSpec(
        "card_birth_inconsistent",
        "transfer",
        XJ,
        date(2024, 12, 24),
        must=["identity.card_inconsistent"],
        edit=with_(DocType.ID_CARD_FRONT, opts={"override": {"birth_date": "shift_year"}}),
    ),
    CaseSpec(
        "name_mismatch_discharge",
        "reimburse.inpatient",
        XJ,
        date(2025, 1, 28),
        must=["identity.name_mismatch"],
        edit=with_(DocType.DISCHARGE_RECORD, opts={"override": {"patient_name": "homophone"}}),
    ),
    CaseSpec(
        "id_mismatch_referral",
        "remote.referral",
        JM,
        date(2025, 3, 11),
        must=["identity.id_number_mismatch"],
        story={"dest": "北京协和医院"},
        edit=with_(DocType.REFERRAL_SLIP, opts={"override": {"id_number": "relative"}}),
    ),
    CaseSpec(
        "enrollment_not_found",
        "reimburse.outpatient",
        JM,
        date(2024, 3, 19),
        must=["enrollment.not_found"],
        enroll={"absent": True},
        story={"disease": "高血压", "inpatient": False},
    ),
    CaseSpec(
        "rare_name_pinyin_enrollment",
        "remote.long_term_residence",
        XJ,
        date(2024, 6, 13),
        must=["enrollment.name_mismatch"],
        person={"special": "刘䶮"},
    ),
    CaseSpec(
        "rare_name_substitute_enrollment",
        "chronic.qualification",
        JM,
        date(2025, 7, 1),
        must=["enrollment.name_mismatch"],
        person={"special": "张喆"},
        story={"disease": "类风湿关节炎"},
    ),
    CaseSpec(
        "ssc_mismatch",
        "change.employee",
        XJ,
        date(2025, 5, 27),
        must=["enrollment.ssc_mismatch"],
        person={"age": (30, 50)},
        enroll={"ssc_number": "other", "insurance_type": "employee"},
        applicant={"ssc_number": "card"},
    ),
    CaseSpec(
        "wrong_destination",
        "remote.referral",
        XJ,
        date(2025, 10, 2),
        must=["consistency.hospital_mismatch"],
        story={"dest": "舟山医院"},
        filing={"destination": "浙江省宁波市海曙区", "hospital": "宁波市第一医院"},
        # issue 14: the destination check names the same fault (form and slip say 舟山, the filing 宁波)
        allow=["filing.destination_mismatch", "filing.type_mismatch", "policy.hospital_not_networked"],
        note="seed 002: 实际就医地为浙江舟山，却误选浙江宁波 — the filing names another city than the referral and form",
    ),
]
