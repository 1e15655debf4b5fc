"""Builders shared by the consistency tests: materials with read fields, and a case context."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from pipeline.codes import DocType
from pipeline.config import Settings
from pipeline.models import Applicant, Case, Document, FieldValue, Filing, MaterialResult
from pipeline.plugins import CaseContext


def mat(file: str, t: DocType, conf: float = 0.98, **fields: str) -> MaterialResult:
    fv = {k: FieldValue(value=v, confidence=conf, page=0, box=(10, 20, 200, 40)) for k, v in fields.items()}
    return MaterialResult(file=file, detected_type=t, document=Document(type=t, confidence=0.9, fields=fv))


def make_ctx(
    tmp_path: Path, *materials: MaterialResult, service: str = "reimburse.inpatient", **filing: Any
) -> CaseContext:
    case = Case(
        case_id="T-1",
        service=service,
        submitted_on=date(2024, 3, 20),
        applicant=Applicant(name="张伟明", id_number="420802198503121234"),
        filing=Filing(**filing),
    )
    return CaseContext(case=case, settings=Settings(home=tmp_path), materials=list(materials))
