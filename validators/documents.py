"""Material checks on what a document is and what it says: type, key fields, ID numbers, ID card
self-consistency.

Key fields per type are data (``key: true`` in ``extractors/specs.yaml``).
"""

from __future__ import annotations

from collections.abc import Iterator

from extractors._base import field_name, key_fields
from pipeline import idnumber
from pipeline.codes import DOC_NAMES, DocType, Severity
from pipeline.models import Evidence, FieldValue, Flag, flag
from pipeline.registry import CaseContext, MaterialContext, case_check, material_check

#: a detection at least this confident makes a type mismatch a blocker; below, a warning
TYPE_CONFIDENT = 0.7
#: below this detection confidence the type is a guess: its missing fields are only doubtful
TYPE_GUESS = 0.5
#: a key field read with less OCR confidence than this is doubtful (warning)
FIELD_DOUBTFUL = 0.8
#: a material with fewer readable characters is left to the image-quality checks (not "unrecognized")
MIN_TEXT_CHARS = 8


def _evidence(fv: FieldValue | None) -> list[Evidence] | None:
    if fv is None or fv.page is None:
        return None
    return [Evidence(page=fv.page, box=fv.box)]


def degraded(ctx: MaterialContext) -> bool:
    """Whether the capture itself is poor (blurred, too small, glare, cut off), as the image-quality
    check measures it: then what cannot be read is doubt about the photo, not a fact about the paper."""
    if "documents.degraded" in ctx.scratch:
        return bool(ctx.scratch["documents.degraded"])
    out = False
    try:
        from validators import image_quality as iq

        pages = iq.page_qualities(ctx)
        cfg = iq.load_config()
        for p in pages:
            blurry = p.blur >= cfg.blur.flag_at or (
                p.confidence is not None
                and p.confidence < cfg.blur.low_confidence
                and p.blur >= cfg.blur.confidence_blur_at
            )
            low = 0 < p.sharp.text_px < cfg.low_resolution.min_text_px
            if blurry or low or p.glare.share >= cfg.glare.flag_at or p.cut.incomplete:
                out = True
                break
    except Exception:  # no pixels, or the quality measures failed: judge the text alone
        out = False
    ctx.scratch["documents.degraded"] = out
    return out


def _name(t: DocType | None) -> str:
    return DOC_NAMES.get(t, str(t)) if t else "未知材料"


@material_check
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


@material_check
def unrecognized(ctx: MaterialContext) -> Iterator[Flag]:
    doc = ctx.document
    if doc is None or doc.type != DocType.UNKNOWN:
        return
    chars = sum(len(ln.text.strip()) for p in ctx.texts for ln in p.lines)
    if chars < MIN_TEXT_CHARS or degraded(ctx):
        return  # too little legible, or a poor photo: the image-quality checks speak to it
    yield flag(
        "material.unrecognized",
        Severity.BLOCKER,
        f"无法识别材料“{ctx.ref.file}”属于哪类申报材料，请确认上传的是所需材料，并上传完整、清晰的原件照片或扫描件。",
        material=ctx.ref.file,
        reason=f"no document type fits ({chars} characters read)",
    )


@material_check
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
                evidence=_evidence(fv),
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


@material_check
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
            yield flag(
                "document.fields_missing",
                Severity.WARNING,
                f"{_name(doc.type)}上的公民身份号码未能完整识别（可能被遮挡或不完整），需人工核对；"
                f"请上传号码完整、清晰可辨的{_name(doc.type)}。",
                material=ctx.ref.file,
                reason=f"{key} not fully read ({len(fv.value)} characters, {res.reason}): occluded or cut",
                field=key,
                evidence=_evidence(fv),
            )
            continue
        doubtful = _likely_misread(fv.value, ctx.case.applicant.id_number)
        yield flag(
            "identity.id_number_invalid",
            Severity.WARNING if doubtful else Severity.BLOCKER,
            f"{_name(doc.type)}上的公民身份号码不符合国家标准（{res.reason_text}），"
            "请核对号码，并上传清晰、正确的证件或材料。",
            material=ctx.ref.file,
            reason=f"GB 11643: {res.reason}" + (" (low OCR confidence)" if doubtful else ""),
            field=key,
            evidence=_evidence(fv),
        )


@case_check
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


@material_check
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
            evidence=[e for e in (_evidence(fv) or []) + (_evidence(number_fv) or [])] or None,
        )
