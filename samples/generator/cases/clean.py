"""Clean cases: nothing to flag (decision ``pass``), across services, regions, layouts and captures.

``CASES`` has one per service family; ``REMAINING_SERVICES`` (the services that had none) was added
later and comes last in :data:`samples.generator.cases.ALL`, so that the case ids of the others,
numbered in order, did not change.
"""

from __future__ import annotations

from datetime import date

from pipeline.codes import DocType
from samples.generator.materials import Capture
from samples.generator.spec import JM, PHOTO, SCAN, XJ, CaseSpec, MaterialSpec, add, chain, with_, without

CASES: list[CaseSpec] = [
    CaseSpec(
        "retiree_uyghur",
        "remote.retiree_relocation",
        XJ,
        date(2024, 3, 5),
        person={"special": "买买提·艾力", "age": (62, 70)},
        edit=with_(DocType.ID_CARD_FRONT, cap=PHOTO),
    ),
    CaseSpec(
        "long_term_permit",
        "remote.long_term_residence",
        JM,
        date(2024, 4, 18),
        edit=with_(DocType.RESIDENCE_PERMIT, cap=PHOTO),
    ),
    CaseSpec("posted_dispatch", "remote.posted_worker", XJ, date(2024, 5, 9), person={"age": (28, 45)}),
    CaseSpec(
        "posted_contract_checkbox",
        "remote.posted_worker",
        JM,
        date(2025, 2, 12),
        person={"age": (28, 45)},
        edit=chain(
            without(DocType.WORK_DISPATCH_PROOF),
            add(MaterialSpec(DocType.LABOR_CONTRACT, cap=SCAN)),
            with_(DocType.REMOTE_CARE_FORM, layout="checkbox"),
        ),
    ),
    CaseSpec(
        "referral_table",
        "remote.referral",
        XJ,
        date(2024, 6, 20),
        story={"dest": "复旦大学附属中山医院", "disease": "恶性肿瘤门诊放化疗"},
        edit=with_(DocType.REFERRAL_SLIP, cap=PHOTO),
    ),
    CaseSpec(
        "referral_letter",
        "remote.referral",
        JM,
        date(2025, 3, 3),
        story={"dest": "浙江大学医学院附属第一医院", "disease": "尿毒症透析"},
        edit=with_(DocType.REFERRAL_SLIP, layout="letter"),
    ),
    CaseSpec(
        "temporary_emergency",
        "remote.temporary",
        XJ,
        date(2024, 8, 2),
        story={"emergency": True, "dest": "舟山医院"},
        filing={"emergency": True},
        edit=add(MaterialSpec(DocType.MEDICAL_RECORD, cap=PHOTO)),
    ),
    CaseSpec(
        "temporary_plain", "remote.temporary", JM, date(2025, 1, 15), story={"dest": "四川大学华西医院"}
    ),
    CaseSpec(
        "long_term_commitment",
        "remote.long_term_residence",
        XJ,
        date(2025, 4, 7),
        edit=chain(without(DocType.RESIDENCE_PERMIT), add(MaterialSpec(DocType.COMMITMENT_LETTER))),
    ),
    CaseSpec(
        "retiree_agent_poa",
        "remote.retiree_relocation",
        JM,
        date(2025, 5, 20),
        person={"age": (72, 80)},
        allow=["identity.name_mismatch"],
        story={"agent": True},
        filing={"agent": True},
        edit=add(
            MaterialSpec(DocType.POWER_OF_ATTORNEY),
            MaterialSpec(DocType.ID_CARD_FRONT, file="agent_id_front.jpg", of_agent=True),
        ),
    ),
    CaseSpec(
        "chronic_hypertension", "chronic.qualification", JM, date(2024, 9, 10), story={"disease": "高血压"}
    ),
    CaseSpec(
        "chronic_diabetes_rare_name",
        "chronic.qualification",
        XJ,
        date(2024, 10, 22),
        person={"special": "李堃"},
        enroll={"name": "李堃"},
        story={"disease": "糖尿病"},
        edit=add(MaterialSpec(DocType.DIAGNOSIS_CERTIFICATE, cap=SCAN)),
    ),
    CaseSpec(
        "outpatient_clean",
        "reimburse.outpatient",
        XJ,
        date(2024, 11, 5),
        story={"disease": "高血压", "inpatient": False},
        enroll={"chronic_diseases": "高血压"},
    ),
    CaseSpec("inpatient_clean", "reimburse.inpatient", JM, date(2024, 7, 16)),
    CaseSpec(
        "inpatient_holdout_photos",
        "reimburse.inpatient",
        XJ,
        date(2024, 12, 3),
        edit=chain(
            with_(DocType.MEDICAL_INVOICE, layout="printed", cap=PHOTO),
            with_(DocType.EXPENSE_LIST, layout="daily", cap=PHOTO),
            with_(DocType.DISCHARGE_RECORD, layout="summary", cap=PHOTO),
        ),
    ),
    CaseSpec(
        "inpatient_born_digital",
        "reimburse.inpatient",
        JM,
        date(2025, 6, 11),
        edit=chain(
            with_(DocType.MEDICAL_INVOICE, cap=Capture("pdf_text")),
            with_(DocType.EXPENSE_LIST, cap=Capture("pdf_text")),
            with_(DocType.DISCHARGE_RECORD, cap=Capture("pdf_text"), declared=None),
        ),
    ),
    CaseSpec(
        "inpatient_scanned_pdf",
        "reimburse.inpatient",
        XJ,
        date(2025, 7, 8),
        edit=chain(
            with_(DocType.EXPENSE_LIST, cap=Capture("pdf_scan")),
            with_(DocType.DISCHARGE_RECORD, cap=Capture("pdf_scan")),
            with_(DocType.ID_CARD_FRONT, cap=Capture("photocopy")),
            with_(DocType.ID_CARD_BACK, cap=Capture("photocopy")),
        ),
    ),
    CaseSpec(
        "maternity_prenatal",
        "maternity.prenatal",
        JM,
        date(2024, 5, 28),
        person={"sex": "女", "age": (24, 34)},
        story={"disease": "早孕", "inpatient": False},
    ),
    CaseSpec(
        "maternity_medical",
        "maternity.medical",
        XJ,
        date(2024, 9, 30),
        person={"sex": "女", "age": (24, 34)},
        story={"disease": "宫内孕39周单活胎"},
        enroll={"insurance_type": "employee"},
    ),
    CaseSpec(
        "maternity_family_planning",
        "maternity.family_planning",
        JM,
        date(2025, 3, 26),
        person={"sex": "女", "age": (26, 38)},
        story={"disease": "早孕", "inpatient": False},
    ),
    CaseSpec(
        "maternity_allowance",
        "maternity.allowance",
        XJ,
        date(2025, 8, 14),
        person={"sex": "女", "age": (26, 35)},
        story={"disease": "宫内孕39周单活胎"},
        enroll={"insurance_type": "employee"},
    ),
    CaseSpec(
        "assistance_reimbursement",
        "assistance.reimbursement",
        JM,
        date(2024, 10, 9),
        enroll={"insurance_type": "resident"},
    ),
    CaseSpec("transfer_clean", "transfer", XJ, date(2025, 2, 27)),
    CaseSpec(
        "change_employee_ssc",
        "change.employee",
        JM,
        date(2024, 12, 18),
        person={"age": (30, 50)},
        enroll={"insurance_type": "employee"},
    ),
    CaseSpec(
        "enroll_resident",
        "enroll.resident",
        XJ,
        date(2025, 1, 8),
        person={"age": (19, 24)},
        enroll={"insurance_type": "resident"},
    ),
    CaseSpec(
        "change_resident",
        "change.resident",
        JM,
        date(2025, 9, 3),
        person={"age": (19, 28)},
        enroll={"insurance_type": "resident"},
    ),
    CaseSpec(
        "inpatient_stamp_over_text",
        "reimburse.inpatient",
        XJ,
        date(2025, 5, 6),
        edit=chain(
            with_(DocType.MEDICAL_INVOICE, opts={"seal_over_text": True}),
            with_(DocType.DISCHARGE_RECORD, cap=Capture("photo_large")),
        ),
    ),
    CaseSpec(
        "long_term_kazakh_hukou",
        "remote.long_term_residence",
        XJ,
        date(2025, 6, 30),
        person={"special": "努尔兰·哈力别克"},
        edit=chain(without(DocType.RESIDENCE_PERMIT), add(MaterialSpec(DocType.HUKOU_BOOKLET, cap=PHOTO))),
    ),
    CaseSpec(
        "outpatient_rare_ext_b",
        "reimburse.outpatient",
        JM,
        date(2025, 10, 13),
        person={"special": "王𠇔"},
        enroll={"name": "王𠇔", "chronic_diseases": "糖尿病"},
        story={"disease": "糖尿病", "inpatient": False},
        edit=with_(DocType.MEDICAL_INVOICE, cap=PHOTO),
    ),
    CaseSpec(
        "referral_watermarked_id",
        "remote.referral",
        XJ,
        date(2025, 11, 20),
        story={"dest": "北京协和医院", "disease": "器官移植术后抗排异治疗"},
        edit=chain(
            with_(DocType.ID_CARD_FRONT, layout="watermarked"),
            with_(DocType.ID_CARD_BACK, layout="watermarked"),
        ),
    ),
    CaseSpec(
        "chronic_kidney_uyghur",
        "chronic.qualification",
        XJ,
        date(2025, 12, 2),
        person={"special": "古丽娜尔·阿不都热合曼"},
        story={"disease": "慢性肾病"},
        edit=with_(DocType.MEDICAL_RECORD, cap=PHOTO),
    ),
]

REMAINING_SERVICES: list[CaseSpec] = [
    # people already in enrollment.csv file again (same_as: their person, no new enrollment row);
    # units file for themselves (the person is the unit's handler, not enrolled: no row either)
    CaseSpec(
        "enroll_employee_clean",
        "enroll.employee",
        XJ,
        date(2025, 8, 4),
        same_as="temporary_emergency",
        enroll={"absent": True},
        note="a resident-insured person registers for employee insurance",
    ),
    CaseSpec(
        "query_person_clean",
        "query.person",
        XJ,
        date(2025, 8, 6),
        same_as="inpatient_holdout_photos",
        enroll={"absent": True},
    ),
    CaseSpec(
        "withdrawal_clean",
        "account.withdrawal",
        XJ,
        date(2025, 8, 11),
        same_as="posted_dispatch",
        enroll={"absent": True},
    ),
    CaseSpec(
        "premium_subsidy_clean",
        "assistance.premium_subsidy",
        XJ,
        date(2025, 8, 13),
        same_as="referral_table",
        enroll={"absent": True},
        note="the required materials (救助对象身份证明, 缴费凭证) are not checked automatically: no uploads",
    ),
    CaseSpec("enroll_employer_clean", "enroll.employer", XJ, date(2025, 8, 18), enroll={"absent": True}),
    CaseSpec("change_employer_clean", "change.employer", XJ, date(2025, 8, 20), enroll={"absent": True}),
    CaseSpec(
        "query_employer_clean",
        "query.employer",
        XJ,
        date(2025, 8, 22),
        enroll={"absent": True},
        note="the only material (单位有效证明文件) is not checked automatically: no uploads",
    ),
    CaseSpec(
        "designation_hospital_clean",
        "designation.medical_institution",
        XJ,
        date(2025, 8, 25),
        enroll={"absent": True},
    ),
    CaseSpec(
        "designation_pharmacy_clean", "designation.pharmacy", XJ, date(2025, 8, 27), enroll={"absent": True}
    ),
    CaseSpec(
        "settlement_hospital_clean",
        "settlement.medical_institution",
        XJ,
        date(2025, 9, 1),
        enroll={"absent": True},
        note="clearing data comes over the insurance network: nothing is uploaded",
    ),
    CaseSpec(
        "settlement_pharmacy_clean",
        "settlement.pharmacy",
        XJ,
        date(2025, 9, 3),
        enroll={"absent": True},
        note="clearing data comes over the insurance network: nothing is uploaded",
    ),
]
