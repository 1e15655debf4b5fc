"""Policy checks against regional catalogues (``validators/rules/*.yaml``):

* ``policy.disease_not_covered``   chronic qualification for a disease outside the region's catalogue
* ``policy.residence_too_short``   long-term residence filing with a residence permit younger than required
* ``policy.hospital_not_networked`` remote-care filing to a hospital without cross-region direct settlement
* ``policy.referral_unqualified``  referral slip from an institution that may not refer
* ``record.emergency_unmarked``    emergency filing whose records do not say 急诊
* ``process.offline_confirmation`` the destination requires confirming the filing at a service window

A finding that rests on a field read with low OCR confidence is a warning, otherwise a blocker.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

from pipeline.codes import DOC_NAMES, DocType, ServiceCode, Severity
from pipeline.messages import make_flag
from pipeline.models import FieldValue, Flag, MaterialResult, evidence_of
from pipeline.plugins import CaseCheck, CaseContext
from pipeline.text import to_date
from validators.support.rules import (
    Hospital,
    catalogue_for,
    disease_catalogue,
    filing_value,
    offline_confirmations,
    rules_for_case,
)

#: a field read with less OCR confidence than this only supports a warning
CONFIDENT = 0.8

REMOTE_SERVICES = {
    ServiceCode.REMOTE_RETIREE_RELOCATION,
    ServiceCode.REMOTE_LONG_TERM_RESIDENCE,
    ServiceCode.REMOTE_POSTED_WORKER,
    ServiceCode.REMOTE_REFERRAL,
    ServiceCode.REMOTE_TEMPORARY,
}
DIAGNOSIS_TYPES = (DocType.MEDICAL_RECORD, DocType.DIAGNOSIS_CERTIFICATE, DocType.DISCHARGE_RECORD)
EMERGENCY_TYPES = (DocType.MEDICAL_RECORD, DocType.DIAGNOSIS_CERTIFICATE)
_TRUE = {"true", "yes", "1", "是", "急诊"}
_FALSE = {"false", "no", "0", "否", "非急诊"}


def _fields(
    ctx: CaseContext, types: tuple[DocType, ...], name: str
) -> list[tuple[MaterialResult, FieldValue]]:
    out = []
    for m in ctx.materials:
        if m.detected_type in types and m.document is not None:
            fv = m.document.fields.get(name)
            if fv is not None and fv.value.strip():
                out.append((m, fv))
    return out


def _severity(*fvs: FieldValue | None) -> Severity:
    if all(fv is None or fv.confidence >= CONFIDENT for fv in fvs):
        return Severity.BLOCKER
    return Severity.WARNING


# --------------------------------------------------------------------------- diseases


def disease_not_covered(ctx: CaseContext) -> Iterator[Flag]:
    case = ctx.case
    if case.service != ServiceCode.CHRONIC_QUALIFICATION:
        return
    cat = disease_catalogue(rules_for_case(case.region).region)
    if case.filing.disease:
        if cat.match(case.filing.disease) is None:
            yield make_flag(
                "policy.disease_not_covered",
                Severity.BLOCKER,
                params={"disease": case.filing.disease, "catalogue_name": cat.name},
                field="disease",
                found=case.filing.disease,
            )
        return
    diagnoses = _fields(ctx, DIAGNOSIS_TYPES, "diagnosis")
    if not diagnoses or any(cat.match(fv.value) for _, fv in diagnoses):
        return
    m, fv = diagnoses[0]
    sev = _severity(*(f for _, f in diagnoses))
    yield make_flag(
        "policy.disease_not_covered" if sev == Severity.BLOCKER else "policy.disease_not_covered#uncertain",
        sev,
        material=m.file,
        params={"disease": fv.value, "catalogue_name": cat.name},
        field="diagnosis",
        found=fv.value,
        evidence=evidence_of(fv),
    )


# --------------------------------------------------------------------------- residence


def months_between(start: date, end: date) -> int:
    """Whole months from ``start`` to ``end`` (negative when end is earlier)."""
    months = (end.year - start.year) * 12 + (end.month - start.month)
    if end.day < start.day:
        months -= 1
    return months


_parse_date = to_date


def residence_too_short(ctx: CaseContext) -> Iterator[Flag]:
    case = ctx.case
    if case.service != ServiceCode.REMOTE_LONG_TERM_RESIDENCE:
        return
    required = rules_for_case(case.region).policy.min_residence_months
    if required <= 0:  # no minimum in this region (seeds 000, 001: none)
        return
    if ctx.of_type(
        DocType.COMMITMENT_LETTER
    ):  # seed 000 (十二): 或个人承诺书 — the promise stands in for proof
        return
    permits = [
        (m, fv, d)
        for m, fv in _fields(ctx, (DocType.RESIDENCE_PERMIT,), "valid_from")
        if (d := _parse_date(fv.value)) is not None
    ]
    if permits:
        m, fv, start = min(permits, key=lambda p: p[2])  # the longest residence shown
        months = max(0, months_between(start, case.submitted_on))
        if months < required:
            yield make_flag(
                "policy.residence_too_short",
                _severity(fv),
                material=m.file,
                params={"months": months, "required": required},
                field="valid_from",
                expected=f">= {required} months before {case.submitted_on.isoformat()}",
                found=fv.value,
                evidence=evidence_of(fv),
            )
        return
    raw = filing_value(case.filing, "residence_months")
    try:
        months_declared = int(raw) if raw is not None else None
    except (TypeError, ValueError):
        months_declared = None
    if months_declared is not None and months_declared < required:
        yield make_flag(
            "policy.residence_too_short",
            Severity.BLOCKER,
            params={"months": months_declared, "required": required},
            field="residence_months",
            found=str(months_declared),
        )


# --------------------------------------------------------------------------- hospitals


def hospital_not_networked(ctx: CaseContext) -> Iterator[Flag]:
    case = ctx.case
    if case.service not in REMOTE_SERVICES:
        return
    cat = catalogue_for(ctx.hospitals)
    named: list[tuple[str, MaterialResult | None, FieldValue | None]] = []
    if case.filing.hospital:
        named.append((case.filing.hospital, None, None))
    for slip, to in _fields(ctx, (DocType.REFERRAL_SLIP,), "to_hospital"):
        named.append((to.value, slip, to))
    seen: set[str] = set()
    for name, m, fv in named:
        h = cat.match(name)
        key = h.name if h else name
        if key in seen:
            continue
        seen.add(key)
        if h is None:
            # not in the catalogue: never a silent pass (issue 14); doubt, so review
            yield make_flag(
                "policy.hospital_not_networked#unknown",
                Severity.WARNING,
                material=m.file if m else None,
                params={"hospital": name, "catalogue": cat.label},
                field="to_hospital" if fv else "hospital",
                found=name,
                evidence=evidence_of(fv),
            )
        elif not (h.networked and h.designated):
            yield make_flag(
                "policy.hospital_not_networked",
                _severity(fv),
                material=m.file if m else None,
                params={"hospital": h.name},
                field="to_hospital" if fv else "hospital",
                found=name,
                evidence=evidence_of(fv),
            )


def _referral_problem(
    h: Hospital, region: str, min_level: int, local_required: bool, regions: set[str]
) -> str | None:
    if not h.designated:
        return "不是医保定点医疗机构"
    if min_level and h.level_rank < min_level:
        return f"为{h.level}医疗机构，低于二级" if h.level != "未定级" else "为未定级医疗机构"
    if not h.can_refer:
        return "未取得转诊资质"
    if local_required and region in regions and h.region != region:
        return "不是参保地规定的定点医疗机构"
    return None


def referral_unqualified(ctx: CaseContext) -> Iterator[Flag]:
    case = ctx.case
    if case.service != ServiceCode.REMOTE_REFERRAL:
        return
    rules = rules_for_case(case.region)
    cat = catalogue_for(ctx.hospitals)
    regions = {h.region for h in cat.hospitals if h.region}
    for m, fv in _fields(ctx, (DocType.REFERRAL_SLIP,), "from_hospital"):
        h = cat.match(fv.value)
        if h is None:  # not in the catalogue: its qualification cannot be confirmed (review)
            yield make_flag(
                "policy.referral_unqualified#unknown",
                Severity.WARNING,
                material=m.file,
                params={"hospital": fv.value, "catalogue": cat.label},
                field="from_hospital",
                found=fv.value,
                evidence=evidence_of(fv),
            )
            continue
        why = _referral_problem(
            h,
            case.region.strip().lower(),
            rules.policy.referral_min_level,
            rules.policy.referral_requires_local_institution,
            regions,
        )
        if why is None:
            continue
        yield make_flag(
            "policy.referral_unqualified",
            _severity(fv),
            material=m.file,
            params={"hospital": h.name, "why": why},
            field="from_hospital",
            found=fv.value,
            evidence=evidence_of(fv),
        )


# --------------------------------------------------------------------------- emergency records


def _flag_value(v: str) -> bool | None:
    s = v.strip().lower()
    if s in _TRUE:
        return True
    if s in _FALSE:
        return False
    return None


def emergency_unmarked(ctx: CaseContext) -> Iterator[Flag]:
    if ctx.case.filing.emergency is not True:
        return
    marks = [(m, fv, _flag_value(fv.value)) for m, fv in _fields(ctx, EMERGENCY_TYPES, "emergency")]
    if not marks or any(v is True for _, _, v in marks):
        return
    for m, fv, v in marks:
        if v is False:
            yield make_flag(
                "record.emergency_unmarked",
                _severity(fv),
                material=m.file,
                params={"doc_name": DOC_NAMES[m.detected_type]},
                field="emergency",
                expected="true",
                found=fv.value,
                evidence=evidence_of(fv),
            )


# --------------------------------------------------------------------------- in-person confirmation


def offline_confirmation(ctx: CaseContext) -> Iterator[Flag]:
    case = ctx.case
    destination = case.filing.destination
    if not destination and case.filing.hospital:
        h = catalogue_for(ctx.hospitals).match(case.filing.hospital)
        if h is not None:
            destination = f"{h.province}{h.city}{h.district or ''}"
    service_name = rules_for_case(case.region).service(case.service).item
    for c in offline_confirmations().for_case(case.region.strip().lower(), case.service, destination):
        yield make_flag(
            "process.offline_confirmation",
            Severity.WARNING,
            params={"service_name": service_name, "where": c.where, "bring": c.bring},
            rule=c.id,
        )


# --------------------------------------------------------------------------- this family's checks, in order

CASE_CHECKS: tuple[CaseCheck, ...] = (
    disease_not_covered,
    residence_too_short,
    hospital_not_networked,
    referral_unqualified,
    emergency_unmarked,
    offline_confirmation,
)
