"""Material checks on what a document is and what it says: type, key fields, ID numbers, ID card
self-consistency.

Key fields per type are data (``key: true`` in ``extractors/specs.yaml``).
"""

from __future__ import annotations

from collections.abc import Iterator

from extractors import field_name, key_fields
from pipeline.codes import DOC_NAMES, DocType, Severity
from pipeline.messages import make_flag
from pipeline.models import Flag, evidence_of
from pipeline.plugins import CaseCheck, CaseContext, MaterialCheck, MaterialContext
from pipeline.text import ids as idnumber

#: a detection at least this confident makes a type mismatch a blocker; below, a warning
TYPE_CONFIDENT = 0.7
#: below this detection confidence the type is a guess: its missing fields are only doubtful
TYPE_GUESS = 0.5
#: a key field read with less OCR confidence than this is doubtful (warning)
FIELD_DOUBTFUL = 0.8
#: a material with fewer readable characters is left to the image-quality checks (not "unrecognized")
MIN_TEXT_CHARS = 8


def degraded(ctx: MaterialContext) -> bool:
    """Whether the capture itself is poor, as the image checks measure it (see ``PageFacts.degraded``);
    False when there are no pixels or the measures fail: then the text alone is judged."""
    from validators.image_quality import PageFacts

    try:
        return ctx.fact(PageFacts).degraded
    except Exception:  # no pixels, or the quality measures failed
        return False


def _name(t: DocType | None) -> str:
    return DOC_NAMES.get(t, str(t)) if t else "未知材料"


def type_mismatch(ctx: MaterialContext) -> Iterator[Flag]:
    declared = ctx.ref.declared_type
    doc = ctx.document
    if declared is None or doc is None or doc.type in (DocType.UNKNOWN, declared):
        return
    confident = doc.confidence >= TYPE_CONFIDENT and not degraded(ctx)
    yield make_flag(
        "material.type_mismatch",
        Severity.BLOCKER if confident else Severity.WARNING,
        material=ctx.ref.file,
        params={
            "declared": _name(declared),
            "detected": _name(doc.type),
            "declared_code": declared.value,
            "detected_code": doc.type.value,
            "confidence": f"{doc.confidence:.2f}",
        },
        expected=declared.value,
        found=doc.type.value,
    )


def _blank(ctx: MaterialContext) -> bool:
    """Every page of the material is blank or uniform (no pixels at all counts as blank)."""
    from pipeline.safety import page_blank

    seen = False
    for p in ctx.pages:  # one page's pixels at a time
        if not p.has_pixels:
            continue
        seen = True
        if not page_blank(p.image):
            return False
    return seen


def unrecognized(ctx: MaterialContext) -> Iterator[Flag]:
    doc = ctx.document
    if doc is None or doc.type != DocType.UNKNOWN:
        return
    chars = sum(len(ln.text.strip()) for p in ctx.texts for ln in p.lines)
    if chars < MIN_TEXT_CHARS and _blank(ctx):
        # a blank or uniform page is no document at all: a fact when it stands for a declared one
        declared = ctx.ref.declared_type is not None
        yield make_flag(
            "material.unrecognized#blank",
            Severity.BLOCKER if declared else Severity.WARNING,
            material=ctx.ref.file,
            params={"file": ctx.ref.file, "chars": chars},
        )
        return
    if chars < MIN_TEXT_CHARS or degraded(ctx):
        return  # too little legible, or a poor photo: the image-quality checks speak to it
    yield make_flag(
        "material.unrecognized",
        Severity.BLOCKER,
        material=ctx.ref.file,
        params={"file": ctx.ref.file, "chars": chars},
    )


def fields_missing(ctx: MaterialContext) -> Iterator[Flag]:
    doc = ctx.document
    if doc is None or doc.type == DocType.UNKNOWN:
        return
    dname = _name(doc.type)
    poor = None
    for key in key_fields(doc.type):
        fv = doc.fields.get(key)
        fname = field_name(key)
        if fv is None:
            # a poor photo, or a type we are unsure of: what is missing is doubt, not fact
            poor = (degraded(ctx) or doc.confidence < TYPE_GUESS) if poor is None else poor
            yield make_flag(
                "document.fields_missing#poor_capture" if poor else "document.fields_missing",
                Severity.WARNING if poor else Severity.BLOCKER,
                material=ctx.ref.file,
                params={"doc": dname, "field_name": fname, "key": key},
                field=key,
            )
        elif fv.confidence < FIELD_DOUBTFUL:
            yield make_flag(
                "document.fields_missing#low_confidence",
                Severity.WARNING,
                material=ctx.ref.file,
                params={"doc": dname, "field_name": fname, "key": key, "confidence": f"{fv.confidence:.2f}"},
                field=key,
                evidence=evidence_of(fv),
            )


#: digit pairs OCR confuses in printed ID numbers
_CONFUSED = {frozenset(p) for p in ("17", "08", "38", "56", "68", "06", "27", "49", "35", "1X", "7X")}


def _likely_misread(read: str, applicant: str | None) -> bool:
    """The number read differs from the applicant's valid number in one character OCR often confuses:
    more likely a misreading than a wrong number on the paper."""
    if not applicant or len(read) != len(applicant) or not idnumber.check(applicant).valid:
        return False
    diffs = [(a, b) for a, b in zip(read.upper(), applicant.upper(), strict=True) if a != b]
    return len(diffs) == 1 and frozenset(diffs[0]) in _CONFUSED


def id_number_invalid(ctx: MaterialContext) -> Iterator[Flag]:
    doc = ctx.document
    if doc is None:
        return
    for key, fv in doc.fields.items():
        if key != "id_number" and not key.endswith("_id_number"):
            continue
        res = idnumber.check(fv.value)
        if res.valid:
            continue
        if fv.confidence < FIELD_DOUBTFUL:
            continue  # read with low confidence: fields_missing already says it is doubtful
        if res.reason in ("length", "format"):
            # not a fully read 18-character number: covered (复印无效 box), cut off, or an OCR
            # fragment. That is doubt about the picture, never a wrong number (Tencent: -9105)
            yield make_flag(
                "document.fields_missing#id_occluded",
                Severity.WARNING,
                material=ctx.ref.file,
                params={"doc": _name(doc.type), "field": key, "n": len(fv.value), "detail": res.reason},
                field=key,
                evidence=evidence_of(fv),
            )
            continue
        doubtful = _likely_misread(fv.value, ctx.case.applicant.id_number)
        yield make_flag(
            "identity.id_number_invalid",
            Severity.WARNING if doubtful else Severity.BLOCKER,
            material=ctx.ref.file,
            params={
                "doc": _name(doc.type),
                "why": res.reason_text,
                "detail": res.reason,
                "doubt": "（识别置信度低）" if doubtful else "",
            },
            field=key,
            evidence=evidence_of(fv),
        )


def applicant_id_number_invalid(ctx: CaseContext) -> Iterator[Flag]:
    """The applicant's own ID number as filed in the application."""
    res = idnumber.check(ctx.case.applicant.id_number)
    if res.valid:
        return
    yield make_flag(
        "identity.id_number_invalid#applicant",
        Severity.BLOCKER,
        material=None,
        params={"why": res.reason_text, "detail": res.reason},
        field="applicant.id_number",
    )


def card_inconsistent(ctx: MaterialContext) -> Iterator[Flag]:
    doc = ctx.document
    if doc is None or doc.type != DocType.ID_CARD_FRONT:
        return
    number_fv = doc.fields.get("id_number")
    if number_fv is None or not idnumber.check(number_fv.value).valid:
        return  # an invalid number is flagged on its own
    number = number_fv.value
    for key, expected in (("birth_date", idnumber.birth_date(number)), ("sex", idnumber.sex(number))):
        fv = doc.fields.get(key)
        if fv is None or expected is None or fv.value == expected:
            continue
        fname = field_name(key)
        doubtful = min(fv.confidence, number_fv.confidence) < FIELD_DOUBTFUL
        yield make_flag(
            "identity.card_inconsistent",
            Severity.WARNING if doubtful else Severity.BLOCKER,
            material=ctx.ref.file,
            params={"field_name": fname, "key": key, "doubt": "（识别置信度低）" if doubtful else ""},
            field=key,
            evidence=[e for e in (evidence_of(fv) or []) + (evidence_of(number_fv) or [])] or None,
        )


# --------------------------------------------------------------------------- this family's checks, in order

MATERIAL_CHECKS: tuple[MaterialCheck, ...] = (
    type_mismatch,
    unrecognized,
    fields_missing,
    id_number_invalid,
    card_inconsistent,
)
CASE_CHECKS: tuple[CaseCheck, ...] = (applicant_id_number_invalid,)
