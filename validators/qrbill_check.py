"""Electronic bills: the QR code against the printed fields (material check, needs pixels).

The QR code is read exactly where the printed fields go through OCR, so a difference means either
an OCR slip (low field confidence: a warning) or a bill whose print was altered (a blocker for the
amount). The decoded fields go into the material's quality under ``qr`` for the report and for the
duplicate check (``validators.invoice_duplicate`` prefers the QR's code and number).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pipeline.codes import FLAG_CATEGORIES, DocType, Severity
from pipeline.messages import make_flag
from pipeline.models import Evidence, FieldValue, Flag
from pipeline.plugins import MaterialCheck, MaterialContext
from pipeline.stores.invoice_register import normalize_key
from validators.consistency import load_rules, parse_date, parse_money
from validators.support.qrbill import QrBill, read_bill

#: Code for a differing invoice code/number/check code; used once the contract table has it.
QR_MISMATCH_CODE = "invoice.qr_mismatch"


def _is_invoice(ctx: MaterialContext) -> bool:
    if ctx.document is not None and ctx.document.type != DocType.UNKNOWN:
        return ctx.document.type == DocType.MEDICAL_INVOICE
    return ctx.ref.declared_type == DocType.MEDICAL_INVOICE


def find_bill(ctx: MaterialContext) -> tuple[int, QrBill] | None:
    for i, page in enumerate(ctx.pages):
        image = page.image  # read back once per page (a long material keeps few pages in memory)
        if image is None:
            continue
        bill = read_bill(image)
        if bill is not None:
            return i, bill
    return None


def _ev(fv: FieldValue) -> list[Evidence] | None:
    return [Evidence(page=fv.page, box=fv.box)] if fv.page is not None else None


def compare(bill: QrBill, fields: dict[str, FieldValue]) -> list[tuple[str, str, str, FieldValue]]:
    """(field, qr value, printed value, printed FieldValue) for every field that differs."""
    out = []
    pairs: list[tuple[str, Any, Any]] = [
        ("total_amount", bill.amount, parse_money),
        ("issue_date", bill.issue_date, parse_date),
        ("invoice_code", bill.invoice_code, normalize_key),
        ("invoice_number", bill.invoice_number, normalize_key),
        ("check_code", bill.check_code, normalize_key),
    ]
    for name, qr_value, norm in pairs:
        fv = fields.get(name)
        if not qr_value or fv is None or not fv.value:
            continue
        printed, coded = norm(fv.value), norm(qr_value)
        if printed is None or coded is None or printed == "" or coded == "":
            continue
        if name == "total_amount" and abs(printed - coded) <= load_rules().amount_tolerance:
            continue
        if printed != coded:
            out.append((name, str(qr_value), fv.value, fv))
    return out


def qr_bill_check(ctx: MaterialContext) -> Iterable[Flag]:
    if not _is_invoice(ctx):
        return []
    found = find_bill(ctx)
    if found is None:
        return []
    page, bill = found
    fields = ctx.document.fields if ctx.document is not None else {}
    diffs = compare(bill, fields)
    summary = bill.summary() | {"page": page, "matches": not diffs}
    if diffs:
        summary["mismatch"] = [d[0] for d in diffs]
    ctx.quality.qr = summary

    rules = load_rules()
    flags: list[Flag] = []
    file = ctx.ref.file
    for name, coded, printed, fv in diffs:
        sev = Severity.BLOCKER if fv.confidence >= rules.min_confidence else Severity.WARNING
        if name == "total_amount":
            flags.append(
                make_flag(
                    "consistency.amount_mismatch#qr",
                    sev,
                    material=file,
                    params={"file": file, "printed": printed, "coded": coded},
                    field=name,
                    expected=coded,
                    found=printed,
                    evidence=_ev(fv),
                )
            )
        elif name == "issue_date":
            flags.append(
                make_flag(
                    "consistency.date_mismatch#qr",
                    sev,
                    material=file,
                    params={"file": file, "printed": printed, "coded": coded},
                    field=name,
                    expected=coded,
                    found=printed,
                    evidence=_ev(fv),
                )
            )
        elif QR_MISMATCH_CODE in FLAG_CATEGORIES:
            flags.append(
                make_flag(
                    QR_MISMATCH_CODE,
                    Severity.WARNING,
                    material=file,
                    params={"file": file, "field": name},
                    field=name,
                    expected=coded,
                    found=printed,
                    evidence=_ev(fv),
                )
            )
    return flags


# --------------------------------------------------------------------------- this family's checks, in order

MATERIAL_CHECKS: tuple[MaterialCheck, ...] = (qr_bill_check,)
