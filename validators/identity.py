"""Identity cross-match (seed 002, cause 2: 个人基础信息与系统登记不符).

The applicant (case.json) is matched against every document that carries a name (``name``,
``patient_name``, ``payer_name``, ``principal_name``) or an ID number (``id_number``), and against the
enrollment row of their ID number:

* ``identity.name_mismatch`` / ``identity.id_number_mismatch`` (per material): a real difference is a
  blocker; a difference one low-confidence or look-alike character explains (OCR), the whole name with
  a few characters of a neighbouring label, or a rare character written as its usual substitute,
  pinyin or a placeholder, is a warning for review; documents of an agent (授权委托书) are skipped;
* ``enrollment.not_found``: no row for the applicant's ID number (services that need one);
* ``enrollment.name_mismatch``: the registered name differs; when a rare character registered as a
  substitute, in pinyin or as a placeholder explains it, the message names the characters and tells the
  applicant to use the registered form or have it corrected (severity: ``identity`` in
  ``data/eligibility.yaml``; blocker by default, as the insurance system matches names exactly);
* ``enrollment.ssc_mismatch``: the social security card number (typed, or read from the card) differs
  from the registered one.

Normalisation and matching: :mod:`validators.support.names`; character tables: ``data/rare_chars.yaml``;
which services need an enrollment row: ``data/eligibility.yaml``. Messages name the differing
characters only, never a whole name or ID number.
"""

from __future__ import annotations

import logging
from functools import lru_cache
from pathlib import Path
from typing import Any

from pipeline.codes import DOC_NAMES, DocType, Severity
from pipeline.models import FieldValue, Flag, MaterialResult, evidence_of, flag
from pipeline.pii import mask_id, mask_name
from pipeline.plugins import CaseCheck, CaseContext
from pipeline.stores.enrollment import EnrollmentRecord
from pipeline.text.ids import normalize_id
from validators.enrollment_status import ServiceRule, load_eligibility, service_rule
from validators.support.applicant import lookup_applicant
from validators.support.names import Comparison, MatchKind, NameMatcher, NameTables

log = logging.getLogger(__name__)

RARE_CHARS_PATH = Path(__file__).resolve().parent / "data" / "rare_chars.yaml"

#: Fields that name the applicant on a document.
NAME_FIELDS = ("name", "patient_name", "payer_name", "principal_name")
#: Fields that may name someone else when the service allows it (a spouse's medical documents).
OTHER_PERSON_FIELDS = frozenset({"patient_name", "payer_name"})


@lru_cache(maxsize=1)
def matcher() -> NameMatcher:
    return NameMatcher(NameTables.load(RARE_CHARS_PATH))


def _doc_name(m: MaterialResult) -> str:
    t = m.document.type if m.document else m.detected_type
    return DOC_NAMES.get(DocType(t), "材料")


def _diff_text(c: Comparison) -> str:
    """「䶮」与「岩」 for the differing pieces (at most three)."""
    parts = [f"「{a or '（缺）'}」与「{b or '（缺）'}」" for a, b in c.diffs[:3]]
    return "、".join(parts)


# --------------------------------------------------------------------------- documents vs applicant


def _agent_names(materials: list[MaterialResult]) -> list[str]:
    out = []
    for m in materials:
        if m.document is not None:
            v = m.document.value("agent_name")
            if v:
                out.append(v)
    return out


def _is_agent(value: str, agents: list[str]) -> bool:
    return any(matcher().compare(a, value).kind is not MatchKind.DIFFERENT for a in agents)


def document_name_flag(
    m: MaterialResult, field: str, fv: FieldValue, applicant_name: str, *, other_person_ok: bool = False
) -> Flag | None:
    """One name field of one document against the applicant's name."""
    c = matcher().compare(applicant_name, fv.value, confidence=fv.confidence, ocr=True)
    if c.same:
        return None
    doc = _doc_name(m)
    common: dict[str, Any] = {
        "material": m.file,
        "field": field,
        "expected": mask_name(applicant_name),
        "found": mask_name(fv.value),
        "evidence": evidence_of(fv),
    }
    if c.kind is MatchKind.OCR_DOUBT:
        return flag(
            "identity.name_mismatch",
            Severity.WARNING,
            f"{doc}上的姓名与申请人姓名有一字之差（{_diff_text(c)}），可能是材料不清晰造成的识别误差，"
            "将由工作人员人工核对；如材料模糊，请重新上传清晰完整的照片或扫描件。",
            reason=f"one character differs, OCR doubt (confidence {fv.confidence:.2f})",
            **common,
        )
    if c.kind in (MatchKind.VARIANT, MatchKind.PINYIN):
        return flag(
            "identity.name_mismatch",
            load_eligibility().identity.document_name_variant,
            f"{doc}上的姓名与申请人姓名用字不同（{_diff_text(c)}），可能是生僻字的替代写法或拼音写法，"
            "将由工作人员人工核对。请确认申请填写的姓名与身份证一致。",
            reason=f"rare-character {'substitute' if c.kind is MatchKind.VARIANT else 'homophone/pinyin'}",
            **common,
        )
    if other_person_ok and field in OTHER_PERSON_FIELDS:
        return flag(
            "identity.name_mismatch",
            Severity.WARNING,
            f"{doc}上的患者姓名与申请人不同。如为配偶等家属的材料，将由工作人员核对关系；"
            "否则请上传申请人本人的材料。",
            reason="different name; the service allows a spouse's documents",
            **common,
        )
    return flag(
        "identity.name_mismatch",
        Severity.BLOCKER,
        f"{doc}上的姓名与申请人姓名不一致，请确认上传的是申请人本人的材料；"
        "如申请填写的姓名有误，请按身份证更正后重新提交。",
        reason="different name",
        **common,
    )


def document_id_flag(m: MaterialResult, fv: FieldValue, applicant_id: str) -> Flag | None:
    """The ID number of one document against the applicant's."""
    c = matcher().compare_ids(applicant_id, fv.value, confidence=fv.confidence, ocr=True)
    if c.same:
        return None
    doc = _doc_name(m)
    common: dict[str, Any] = {
        "material": m.file,
        "field": "id_number",
        "expected": mask_id(normalize_id(applicant_id)),
        "found": mask_id(normalize_id(fv.value)),
        "evidence": evidence_of(fv),
    }
    if c.kind is MatchKind.OCR_DOUBT:
        return flag(
            "identity.id_number_mismatch",
            Severity.WARNING,
            f"{doc}上的身份证号码与申请填写的号码有一位不同，可能是材料不清晰造成的识别误差，"
            "将由工作人员人工核对；如材料模糊，请重新上传清晰完整的照片或扫描件。",
            reason=f"one character differs, OCR doubt (confidence {fv.confidence:.2f})",
            **common,
        )
    return flag(
        "identity.id_number_mismatch",
        Severity.BLOCKER,
        f"{doc}上的身份证号码与申请填写的身份证号码不一致。请核对申请填写的号码（注意不要多输或少输数字）；"
        "如上传的不是申请人本人的材料，请重新上传本人材料。",
        reason="different ID number",
        **common,
    )


def document_flags(ctx: CaseContext, rule: ServiceRule) -> list[Flag]:
    applicant = ctx.case.applicant
    agents = _agent_names(ctx.materials)
    out: list[Flag] = []
    for m in ctx.materials:
        if m.document is None:
            continue
        fields = m.document.fields
        # a document of the agent (委托代理人), e.g. their ID card, names someone else by design
        own_names = [fields[f].value for f in NAME_FIELDS if f in fields and fields[f].value]
        if (
            agents
            and any(_is_agent(v, agents) for v in own_names)
            and not any(matcher().compare(applicant.name, v).same for v in own_names)
        ):
            continue
        for f in NAME_FIELDS:
            fv = fields.get(f)
            if fv is not None and fv.value:
                fl = document_name_flag(
                    m, f, fv, applicant.name, other_person_ok=rule.documents_may_name_others
                )
                if fl is not None:
                    out.append(fl)
        fv = fields.get("id_number")
        if fv is not None and fv.value:
            fl = document_id_flag(m, fv, applicant.id_number)
            if fl is not None:
                out.append(fl)
    return out


# --------------------------------------------------------------------------- applicant vs enrollment


def not_found_flag(applicant_id: str) -> Flag:
    return flag(
        "enrollment.not_found",
        Severity.BLOCKER,
        f"医保系统中未查询到身份证号码为{mask_id(normalize_id(applicant_id))}的参保登记信息。"
        "请核对申请填写的身份证号码是否正确（注意不要多输或少输数字）；如尚未参保，请先办理参保登记；"
        "如在外地参保，请向参保地医保经办机构申请。",
        reason="no enrollment row for the applicant's ID number",
        field="id_number",
    )


def enrollment_name_flag(applicant_name: str, record: EnrollmentRecord) -> Flag | None:
    c = matcher().compare(record.name, applicant_name)
    if c.same:
        return None
    common: dict[str, Any] = {
        "field": "name",
        "expected": mask_name(record.name),
        "found": mask_name(applicant_name),
    }
    if c.doubtful:
        # expected = registered, found = typed: show "typed / registered"
        pieces = "、".join(
            f"填写为「{b or '（缺）'}」，系统登记为「{a or '（缺）'}」" for a, b in c.diffs[:3]
        )
        return flag(
            "enrollment.name_mismatch",
            load_eligibility().identity.enrollment_name_variant,
            f"您填写的姓名与医保系统登记的姓名不一致（{pieces}），可能是生僻字在系统中以替代字或拼音登记。"
            "请按医保系统登记的姓名填写，或携带身份证到参保地医保经办机构办理参保信息变更，"
            "将登记姓名更正为与身份证一致后再申请。",
            reason=f"registered name differs: rare-character {c.kind.value}",
            **common,
        )
    return flag(
        "enrollment.name_mismatch",
        Severity.BLOCKER,
        "您填写的姓名与医保系统登记的姓名不一致。请核对姓名是否与身份证一致；"
        "如系统登记有误，请携带身份证到参保地医保经办机构办理参保信息变更登记后再申请。",
        reason="registered name differs",
        **common,
    )


def enrollment_ssc_flags(ctx: CaseContext, record: EnrollmentRecord) -> list[Flag]:
    if not record.ssc_number:
        return []
    out: list[Flag] = []
    typed = ctx.case.applicant.ssc_number
    if typed and normalize_id(typed) != record.ssc_number:
        out.append(
            flag(
                "enrollment.ssc_mismatch",
                Severity.BLOCKER,
                "您填写的社会保障卡号与医保系统登记的卡号不一致。请按社保卡卡面核对后更正；"
                "如已补换新卡，请先到社保卡服务网点确认新卡已启用。",
                reason="typed ssc_number differs from the enrollment row",
                field="ssc_number",
                expected=mask_id(record.ssc_number),
                found=mask_id(normalize_id(typed)),
            )
        )
    for m in ctx.materials:
        if m.document is None:
            continue
        fv = m.document.fields.get("ssc_number")
        if fv is None or not fv.value:
            continue
        c = matcher().compare_ids(record.ssc_number, fv.value, confidence=fv.confidence, ocr=True)
        if c.same:
            continue
        doubt = c.kind is MatchKind.OCR_DOUBT
        out.append(
            flag(
                "enrollment.ssc_mismatch",
                Severity.WARNING if doubt else Severity.BLOCKER,
                (
                    f"{_doc_name(m)}上的卡号与医保系统登记的社会保障卡号有一位不同，可能是识别误差，将由工作人员人工核对。"
                    if doubt
                    else f"{_doc_name(m)}上的卡号与医保系统登记的社会保障卡号不一致。请上传本人正在使用的社会保障卡；"
                    "如已补换新卡，请先到社保卡服务网点确认新卡已启用。"
                ),
                material=m.file,
                reason="card number " + ("OCR doubt" if doubt else "differs from the enrollment row"),
                field="ssc_number",
                expected=mask_id(record.ssc_number),
                found=mask_id(normalize_id(fv.value)),
                evidence=evidence_of(fv),
            )
        )
    return out


def enrollment_flags(ctx: CaseContext, rule: ServiceRule) -> list[Flag]:
    found = lookup_applicant(ctx)
    if found is None:  # no enrollment store for this run
        return []
    if found.error is not None:
        return [
            flag(
                "system.processing_failed",
                Severity.WARNING,
                "系统暂时无法查询参保登记信息，已转人工审核，您无需重新提交。",
                reason=f"enrollment lookup failed: {found.error}",
            )
        ]
    record = found.record
    if record is None:
        return [not_found_flag(ctx.case.applicant.id_number)] if rule.requires_enrollment else []
    out: list[Flag] = []
    fl = enrollment_name_flag(ctx.case.applicant.name, record)
    if fl is not None:
        out.append(fl)
    out.extend(enrollment_ssc_flags(ctx, record))
    return out


def identity_cross_match(ctx: CaseContext) -> list[Flag]:
    rule = service_rule(ctx.case.service)
    if not rule.personal:
        return []
    return [*document_flags(ctx, rule), *enrollment_flags(ctx, rule)]


# --------------------------------------------------------------------------- this family's checks, in order

CASE_CHECKS: tuple[CaseCheck, ...] = (identity_cross_match,)
