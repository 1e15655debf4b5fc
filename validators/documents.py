"""Material checks on what a document is and what it says: type, key fields, ID numbers, ID card
self-consistency.

Key fields per type are data (``key: true`` in ``extractors/specs.yaml``).
"""

from __future__ import annotations

from collections.abc import Iterator

from extractors import field_name, key_fields
from pipeline.codes import DOC_NAMES, DocType, Severity
from pipeline.models import Flag, evidence_of, flag
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
    yield flag(
        "material.type_mismatch",
        Severity.BLOCKER if confident else Severity.WARNING,
        f"您标注为“{_name(declared)}”的材料识别为“{_name(doc.type)}”，请确认是否上传错误，"
        f"并上传正确的{_name(declared)}。",
        material=ctx.ref.file,
        reason=f"declared {declared.value}, detected {doc.type.value} (confidence {doc.confidence:.2f})",
        expected=declared.value,
        found=doc.type.value,
    )


def _blank(ctx: MaterialContext) -> bool:
    """Every page of the material is blank or uniform (no pixels at all counts as blank)."""
    from pipeline.safety import page_blank

    pages = [p.image for p in ctx.pages if p.image is not None]
    return bool(pages) and all(page_blank(im) for im in pages)


def unrecognized(ctx: MaterialContext) -> Iterator[Flag]:
    doc = ctx.document
    if doc is None or doc.type != DocType.UNKNOWN:
        return
    chars = sum(len(ln.text.strip()) for p in ctx.texts for ln in p.lines)
    if chars < MIN_TEXT_CHARS and _blank(ctx):
        # a blank or uniform page is no document at all: a fact when it stands for a declared one
        declared = ctx.ref.declared_type is not None
        yield flag(
            "material.unrecognized",
            Severity.BLOCKER if declared else Severity.WARNING,
            f"材料“{ctx.ref.file}”是空白页面，未见任何内容，请上传所需材料完整、清晰的原件照片或扫描件。",
            material=ctx.ref.file,
            reason=f"blank or uniform page ({chars} characters read)",
        )
        return
    if chars < MIN_TEXT_CHARS or degraded(ctx):
        return  # too little legible, or a poor photo: the image-quality checks speak to it
    yield flag(
        "material.unrecognized",
        Severity.BLOCKER,
        f"无法识别材料“{ctx.ref.file}”属于哪类申报材料，请确认上传的是所需材料，并上传完整、清晰的原件照片或扫描件。",
        material=ctx.ref.file,
        reason=f"no document type fits ({chars} characters read)",
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
            yield flag(
                "document.fields_missing",
                Severity.WARNING if poor else Severity.BLOCKER,
                f"{dname}上未能识别到“{fname}”，请上传信息完整、清晰可辨的{dname}。"
                if not poor
                else f"{dname}图像质量不佳，未能识别到“{fname}”，需人工核对；请重新上传清晰完整的{dname}。",
                material=ctx.ref.file,
                reason=f"key field {key} not found" + (" (poor capture)" if poor else ""),
                field=key,
            )
        elif fv.confidence < FIELD_DOUBTFUL:
            yield flag(
                "document.fields_missing",
                Severity.WARNING,
                f"{dname}上的“{fname}”识别不清，需人工核对；如有条件请上传更清晰的{dname}。",
                material=ctx.ref.file,
                reason=f"key field {key} read with low confidence {fv.confidence:.2f}",
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
        doubtful = fv.confidence < FIELD_DOUBTFUL or _likely_misread(fv.value, ctx.case.applicant.id_number)
        yield flag(
            "identity.id_number_invalid",
            Severity.WARNING if doubtful else Severity.BLOCKER,
            f"{_name(doc.type)}上的公民身份号码不符合国家标准（{res.reason_text}），"
            "请核对号码，并上传清晰、正确的证件或材料。",
            material=ctx.ref.file,
            reason=f"GB 11643: {res.reason}" + (" (low OCR confidence)" if doubtful else ""),
            field=key,
            evidence=evidence_of(fv),
        )


def applicant_id_number_invalid(ctx: CaseContext) -> Iterator[Flag]:
    """The applicant's own ID number as filed in the application."""
    res = idnumber.check(ctx.case.applicant.id_number)
    if res.valid:
        return
    yield flag(
        "identity.id_number_invalid",
        Severity.BLOCKER,
        f"申请中填写的公民身份号码不符合国家标准（{res.reason_text}），请核对后重新填写。",
        material=None,
        reason=f"applicant id_number fails GB 11643: {res.reason}",
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
        yield flag(
            "identity.card_inconsistent",
            Severity.WARNING if doubtful else Severity.BLOCKER,
            f"身份证上的{fname}与公民身份号码不一致，请核对证件真伪或上传正确的身份证。",
            material=ctx.ref.file,
            reason=f"printed {key} differs from the one the ID number encodes"
            + (" (low OCR confidence)" if doubtful else ""),
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
