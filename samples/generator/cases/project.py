"""Faults added by the project (not in seed 002): a photocopied invoice, an altered e-bill number."""

from __future__ import annotations

from datetime import date

from pipeline.codes import DocType
from samples.generator.materials import Capture
from samples.generator.spec import JM, XJ, CaseSpec, with_

CASES: list[CaseSpec] = [
    CaseSpec(
        "photocopy_invoice",
        "reimburse.inpatient",
        XJ,
        date(2025, 10, 28),
        must=["image.photocopy"],
        decision="return",
        allow=["seal.missing"],
        edit=with_(DocType.MEDICAL_INVOICE, cap=Capture("photocopy")),
        note="a grayscale photocopy of the invoice where the original is required (its red seal turns grey)",
    ),
    CaseSpec(
        "qr_number_altered",
        "reimburse.inpatient",
        JM,
        date(2025, 11, 25),
        must=["invoice.qr_mismatch"],
        decision="review",
        edit=with_(DocType.MEDICAL_INVOICE, layout="electronic", opts={"qr": "other_number"}),
        note="the printed invoice number differs from the one in the e-bill's QR code (altered print)",
    ),
]
