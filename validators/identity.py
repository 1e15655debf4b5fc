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

from pipeline.codes import DOC_NAMES, DocType, ServiceCode, Severity
from pipeline.messages import make_flag
from pipeline.models import FieldValue, Flag, MaterialResult, evidence_of
from pipeline.pii import mask_id, mask_name
from pipeline.plugins import CaseCheck, CaseContext
from pipeline.stores.enrollment import EnrollmentRecord
from pipeline.text.ids import normalize_id
from validators.enrollment_status import ServiceRule, load_eligibility, service_rule
from validators.support.applicant import lookup_applicant
from validators.support.names import Comparison, MatchKind, NameMatcher, NameTables
from validators.support.rules import filing_value

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
        return make_flag(
            "identity.name_mismatch#ocr_doubt",
            Severity.WARNING,
            params={"doc": doc, "diff": _diff_text(c), "confidence": f"{fv.confidence:.2f}"},
            **common,
        )
    if c.kind in (MatchKind.VARIANT, MatchKind.PINYIN):
        return make_flag(
            "identity.name_mismatch#variant",
            load_eligibility().identity.document_name_variant,
            params={
                "doc": doc,
                "diff": _diff_text(c),
                "kind": "替代字" if c.kind is MatchKind.VARIANT else "同音字或拼音",
            },
            **common,
        )
    if other_person_ok and field in OTHER_PERSON_FIELDS:
        return make_flag(
            "identity.name_mismatch#other_person",
            Severity.WARNING,
            params={"doc": doc},
            **common,
        )
    return make_flag(
        "identity.name_mismatch",
        Severity.BLOCKER,
        params={"doc": doc},
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
        return make_flag(
            "identity.id_number_mismatch#ocr_doubt",
            Severity.WARNING,
            params={"doc": doc, "confidence": f"{fv.confidence:.2f}"},
            **common,
        )
    return make_flag(
        "identity.id_number_mismatch",
        Severity.BLOCKER,
        params={"doc": doc},
        **common,
    )


def document_flags(ctx: CaseContext, rule: ServiceRule) -> list[Flag]:
    applicant = ctx.case.applicant
    agents = _agent_names(ctx.materials)
    out: list[Flag] = []
    # seed 000 (九) 注①: 因死亡支取的提供继承人身份证 — an ID card naming someone else is the heir's (review)
    heir_case = (
        ctx.case.service == ServiceCode.ACCOUNT_WITHDRAWAL
        and filing_value(ctx.case.filing, "withdrawal_reason") == "death"
    )
    for m in ctx.materials:
        if m.document is None:
            continue
        fields = m.document.fields
        if heir_case and m.detected_type == DocType.ID_CARD_FRONT:
            nfv = fields.get("name")
            if nfv is not None and nfv.value and not matcher().compare(applicant.name, nfv.value).same:
                out.append(
                    make_flag(
                        "identity.name_mismatch#heir",
                        Severity.WARNING,
                        material=m.file,
                        params={"doc": _doc_name(m)},
                        field="name",
                        expected=mask_name(applicant.name),
                        found=mask_name(nfv.value),
                    )
                )
                continue
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
    return make_flag(
        "enrollment.not_found",
        Severity.BLOCKER,
        params={"id_masked": mask_id(normalize_id(applicant_id))},
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
        return make_flag(
            "enrollment.name_mismatch#variant",
            load_eligibility().identity.enrollment_name_variant,
            params={"pieces": pieces, "kind": c.kind.value},
            **common,
        )
    return make_flag(
        "enrollment.name_mismatch",
        Severity.BLOCKER,
        **common,
    )


def enrollment_ssc_flags(ctx: CaseContext, record: EnrollmentRecord) -> list[Flag]:
    if not record.ssc_number:
        return []
    out: list[Flag] = []
    typed = ctx.case.applicant.ssc_number
    if typed and normalize_id(typed) != record.ssc_number:
        out.append(
            make_flag(
                "enrollment.ssc_mismatch",
                Severity.BLOCKER,
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
            make_flag(
                "enrollment.ssc_mismatch#card_doubt" if doubt else "enrollment.ssc_mismatch#card",
                Severity.WARNING if doubt else Severity.BLOCKER,
                material=m.file,
                params={"doc": _doc_name(m)},
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
            make_flag(
                "system.processing_failed#enrollment_lookup",
                Severity.WARNING,
                params={"error": found.error},
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
