"""Builders for the rule-check tests: cases and material results made directly (no OCR)."""

from __future__ import annotations

from datetime import date
from typing import Any

from pipeline.codes import DocType, ServiceCode, Severity
from pipeline.config import Settings
from pipeline.models import (
    Applicant,
    Case,
    Document,
    FieldValue,
    Filing,
    Flag,
    MaterialRef,
    MaterialResult,
    OcrLine,
    PageText,
    flag,
)
from pipeline.plugins import CaseContext

APPLICANT_ID = "420802198503121234"


def mat(
    file: str,
    detected: DocType | str | None = None,
    *,
    declared: DocType | str | None = "same",
    fields: dict[str, str] | None = None,
    conf: float = 0.95,
    type_conf: float = 0.9,
    flags: list[str] | None = None,
    text: str | None = None,
) -> MaterialResult:
    det = DocType(detected) if detected else DocType.UNKNOWN
    decl = det if declared == "same" else (DocType(declared) if declared else None)
    doc = Document(
        type=det,
        confidence=0.9,
        fields={
            k: FieldValue(value=v, confidence=conf, page=0, box=(1, 2, 3, 4))
            for k, v in (fields or {}).items()
        },
    )
    pages = []
    if text:
        pages = [
            PageText(
                index=0,
                width=100,
                height=100,
                source="image",
                lines=[OcrLine(text=text, polygon=[(0, 0), (10, 0), (10, 5), (0, 5)], confidence=0.9)],
            )
        ]
    out: list[Flag] = [flag(c, Severity.BLOCKER, "x", material=file) for c in (flags or [])]
    return MaterialResult(
        file=file,
        declared_type=decl,
        detected_type=det,
        type_confidence=type_conf,
        document=doc,
        pages=pages,
        flags=out,
    )


def make_case(
    service: ServiceCode | str,
    materials: list[MaterialResult] | None = None,
    *,
    region: str = "xinjiang",
    submitted_on: date = date(2024, 3, 5),
    **filing: Any,
) -> Case:
    return Case(
        case_id="T-1",
        service=ServiceCode(service),
        region=region,
        submitted_on=submitted_on,
        applicant=Applicant(name="张伟明", id_number=APPLICANT_ID),
        filing=Filing(**filing),
        materials=[MaterialRef(file=m.file, declared_type=m.declared_type) for m in materials or []],
    )


def make_ctx(
    service: ServiceCode | str,
    materials: list[MaterialResult],
    *,
    region: str = "xinjiang",
    enrollment: Any = None,
    submitted_on: date = date(2024, 3, 5),
    **filing: Any,
) -> CaseContext:
    case = make_case(service, materials, region=region, submitted_on=submitted_on, **filing)
    return CaseContext(case=case, settings=Settings(), materials=materials, enrollment=enrollment)


def codes(flags: Any) -> list[str]:
    return [f.code for f in flags]


def test_builders_make_valid_objects() -> None:
    m = mat("a.jpg", "referral_slip", fields={"from_hospital": "舟山医院"})
    ctx = make_ctx("remote.referral", [m], destination="浙江省舟山市", agent=True)
    assert ctx.case.filing.model_extra == {"agent": True}
    assert m.document is not None and m.document.value("from_hospital") == "舟山医院"
