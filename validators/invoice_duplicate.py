"""``invoice.duplicate``: the same invoice (code + number) filed twice.

* Inside one case: the same invoice uploaded twice (same code + number, or the very same file).
* Across cases: through the persistent register (``ctx.register``, see ``pipeline.stores.invoice_register``);
  an invoice recorded by another case before this one is a duplicate. Every invoice of the case
  is recorded, so a later case finds it; re-running a case never flags it against itself.

The code and number come from the bill's QR code when it was decoded (exact), otherwise from the
printed fields. A key read with low OCR confidence gives a warning instead of a blocker.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from pipeline.codes import DocType, Severity
from pipeline.messages import make_flag
from pipeline.models import Evidence, Flag, MaterialResult
from pipeline.plugins import CaseCheck, CaseContext
from pipeline.stores.invoice_register import applicant_key, normalize_key
from validators.consistency import fmt_money, load_rules, parse_date, parse_money

#: ``CaseContext.scratch`` key: the (code, number) of every invoice this run recorded


@dataclass
class InvoiceKey:
    code: str
    number: str
    confident: bool
    from_qr: bool
    evidence: list[Evidence] | None

    @property
    def key(self) -> tuple[str, str]:
        return (self.code, self.number)

    def label(self) -> str:
        return f"{self.code}-{self.number}"


def _qr(m: MaterialResult) -> dict[str, Any] | None:
    return m.quality.qr


def invoice_key(m: MaterialResult, min_confidence: float) -> InvoiceKey | None:
    qr = _qr(m)
    if qr:
        code, number = normalize_key(qr.get("invoice_code")), normalize_key(qr.get("invoice_number"))
        if code and number:
            return InvoiceKey(code, number, True, True, None)
    if m.document is None:
        return None
    fc, fn = m.document.fields.get("invoice_code"), m.document.fields.get("invoice_number")
    if fc is None or fn is None:
        return None
    code, number = normalize_key(fc.value), normalize_key(fn.value)
    if not code or not number:
        return None
    ev = [Evidence(page=f.page, box=f.box) for f in (fc, fn) if f.page is not None] or None
    return InvoiceKey(code, number, min(fc.confidence, fn.confidence) >= min_confidence, False, ev)


def _record(register: Any, ctx: CaseContext, k: InvoiceKey, m: MaterialResult) -> list[str]:
    doc = m.document
    amount = parse_money(doc.value("total_amount")) if doc else None
    issued = parse_date(doc.value("issue_date")) if doc else None
    case_id = ctx.case.case_id
    args = (case_id, k.code, k.number, fmt_money(amount) if amount is not None else None, issued)
    who = applicant_key(ctx.case.applicant.id_number)
    # the invoices this run checked: the runner stores the decision on these rows only
    ctx.checked_invoices.append(k.key)
    if hasattr(register, "check_and_record"):
        return list(register.check_and_record(*args, applicant=who))
    others = list(register.seen_elsewhere(case_id, k.code, k.number))
    register.record(*args)
    return others


def invoice_duplicates(ctx: CaseContext) -> Iterable[Flag]:
    rules = load_rules()
    flags: list[Flag] = []
    by_key: dict[tuple[str, str], MaterialResult] = {}
    by_hash: dict[str, MaterialResult] = {}
    for m in ctx.of_type(DocType.MEDICAL_INVOICE):
        k = invoice_key(m, rules.min_confidence)
        first = by_hash.get(m.sha256) if m.sha256 else None
        same_file = first is not None
        if first is None and k is not None:
            first = by_key.get(k.key)
        if first is not None:
            flags.append(
                make_flag(
                    "invoice.duplicate#same_file" if same_file else "invoice.duplicate",
                    Severity.BLOCKER if same_file or (k is not None and k.confident) else Severity.WARNING,
                    material=m.file,
                    params={"file": m.file, "first": first.file},
                    field=None if same_file else "invoice_number",
                    found=k.label() if k else None,
                    other_files=[first.file],
                    evidence=k.evidence if k else None,
                )
            )
            continue
        if m.sha256:
            by_hash[m.sha256] = m
        if k is None:
            continue
        by_key[k.key] = m
        if ctx.register is None:
            continue
        others = _record(ctx.register, ctx, k, m)
        if others:
            flags.append(
                make_flag(
                    "invoice.duplicate#other_case",
                    Severity.BLOCKER if k.confident else Severity.WARNING,
                    material=m.file,
                    params={"file": m.file, "code": k.code, "number": k.number, "count": len(others)},
                    field="invoice_number",
                    found=k.label(),
                    other_cases=others,
                    evidence=k.evidence,
                )
            )
    return flags


# --------------------------------------------------------------------------- this family's checks, in order

CASE_CHECKS: tuple[CaseCheck, ...] = (invoice_duplicates,)
