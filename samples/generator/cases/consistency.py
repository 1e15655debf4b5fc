"""Consistency across documents: amounts, dates and hospitals that disagree; a duplicate invoice."""

from __future__ import annotations

from datetime import date

from pipeline.codes import DocType
from samples.generator.spec import JM, PHOTO, SCAN, XJ, CaseSpec, chain, with_

CASES: list[CaseSpec] = [
    CaseSpec(
        "amount_list_vs_invoice",
        "reimburse.inpatient",
        JM,
        date(2024, 12, 30),
        must=["consistency.amount_mismatch"],
        edit=with_(DocType.EXPENSE_LIST, opts={"override": {"total_amount": "plus_27"}}),
    ),
    CaseSpec(
        "amount_upper_vs_lower",
        "maternity.medical",
        JM,
        date(2025, 5, 8),
        must=["consistency.amount_mismatch"],
        person={"sex": "女", "age": (24, 34)},
        story={"disease": "宫内孕39周单活胎"},
        enroll={"insurance_type": "employee"},
        edit=with_(DocType.MEDICAL_INVOICE, opts={"override": {"total_amount_upper": "minus_100"}}),
    ),
    CaseSpec(
        "invoice_before_admission",
        "reimburse.inpatient",
        XJ,
        date(2025, 3, 25),
        must=["consistency.date_mismatch"],
        edit=with_(DocType.MEDICAL_INVOICE, opts={"override": {"issue_date": "minus_20_days"}}),
    ),
    CaseSpec(
        "discharge_dates_vs_list",
        "reimburse.inpatient",
        JM,
        date(2025, 9, 9),
        must=["consistency.date_mismatch"],
        edit=with_(DocType.DISCHARGE_RECORD, opts={"override": {"discharge_date": "plus_9_days"}}),
    ),
    CaseSpec(
        "invoice_other_hospital",
        "reimburse.inpatient",
        XJ,
        date(2024, 5, 21),
        must=["consistency.hospital_mismatch"],
        edit=with_(DocType.MEDICAL_INVOICE, opts={"override": {"payee": "other_hospital"}}),
    ),
    CaseSpec(
        "invoice_duplicate",
        "reimburse.inpatient",
        JM,
        date(2024, 8, 6),
        must=["invoice.duplicate"],
        same_as="inpatient_clean",
        edit=chain(with_(DocType.MEDICAL_INVOICE, cap=PHOTO), with_(DocType.ID_CARD_FRONT, cap=SCAN)),
    ),
]
