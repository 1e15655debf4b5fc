"""Validity periods against the submission date.

* ``document.expired`` (blocker): ``valid_until`` before ``case.submitted_on``.
* ``document.expired`` (warning): the document runs out within the service's processing time
  (default 30 days): it may lapse while the filing is handled.
* ``identity.card_inconsistent`` (warning): an ID card's validity span that is not one the law
  allows (5, 10 or 20 years, or long-term), the "invalid validity span" of commercial ID checks.

``long_term`` (长期) never expires. Documents, fields and windows: ``validators/data/validity.yaml``.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from pipeline.codes import DOC_NAMES, DocType, Severity
from pipeline.config import read_yaml
from pipeline.messages import make_flag
from pipeline.models import Flag, evidence_of
from pipeline.plugins import MaterialCheck, MaterialContext
from pipeline.text import to_date

DATA = Path(__file__).resolve().parent / "data" / "validity.yaml"
LONG_TERM = "long_term"


class DocValidity(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    until: str
    from_: str | None = Field(default=None, alias="from")
    spans_years: list[int] = Field(default_factory=list)
    long_term_allowed: bool = True  # informational: a long-term value never expires


class ValidityRules(BaseModel):
    model_config = ConfigDict(extra="forbid")

    default_processing_days: int = Field(ge=0)
    processing_days: dict[str, int] = Field(default_factory=dict)
    documents: dict[DocType, DocValidity]


@lru_cache(maxsize=2)
def load_rules(path: Path = DATA) -> ValidityRules:
    return ValidityRules.model_validate(read_yaml(path.read_text(encoding="utf-8")))


parse_date = to_date


def add_years(d: date, years: int) -> date:
    try:
        return d.replace(year=d.year + years)
    except ValueError:  # 29 February
        return d.replace(year=d.year + years, day=28)


def span_allowed(start: date, end: date, spans: list[int], tolerance_days: int = 1) -> bool:
    return any(abs((end - add_years(start, y)).days) <= tolerance_days for y in spans)


def service_processing_days(region: str, service: str, default: int) -> int:
    """The service's processing time (seed 000 办理时限) in calendar days: 即时办结 0, N 工作日 ≈ N·7/5,
    N 自然日 N; the longest of its limits. ``default`` when the rules give none."""
    from validators.support.rules import rules_for_case

    try:
        limits = rules_for_case(region).service(service).time_limits
    except Exception:
        return default
    days = [
        0
        if t.kind == "immediate"
        else -(-(t.days or 0) * 7 // 5)
        if t.kind == "working_days"
        else t.days or 0
        for t in limits
        if t.label is None
        or "线上" not in t.label  # the 2-day national online channel is not the service's own time
    ]
    return max(days) if days else default


def validity(ctx: MaterialContext) -> Iterator[Flag]:
    doc = ctx.document
    if doc is None:
        return
    rules = load_rules()
    spec = rules.documents.get(doc.type)
    if spec is None:
        return
    fv = doc.fields.get(spec.until)
    if fv is None or not fv.value:
        return
    name = DOC_NAMES[doc.type]
    submitted = ctx.case.submitted_on
    raw = fv.value.strip()
    if raw == LONG_TERM:  # 长期: never expires
        return
    until = parse_date(raw)
    if until is None:
        return  # unreadable dates are document.fields_missing's business
    if until < submitted:
        yield make_flag(
            "document.expired",
            Severity.BLOCKER,
            params=dict(doc=name, until=until.isoformat(), submitted=submitted.isoformat()),
            field=spec.until,
            expected=f">= {submitted.isoformat()}",
            found=until.isoformat(),
            evidence=evidence_of(fv),
        )
        return
    limit = rules.processing_days.get(ctx.case.service.value)
    if limit is None:
        limit = service_processing_days(ctx.case.region, ctx.case.service, rules.default_processing_days)
    days = (until - submitted).days
    if until <= submitted + timedelta(days=limit):
        yield make_flag(
            "document.expired#expiring",
            Severity.WARNING,
            params=dict(
                doc=name,
                until=until.isoformat(),
                submitted=submitted.isoformat(),
                days=days,
                limit=limit,
            ),
            field=spec.until,
            found=until.isoformat(),
            evidence=evidence_of(fv),
        )
    if spec.spans_years and spec.from_:
        start = parse_date(doc.value(spec.from_))
        if start is not None and not span_allowed(start, until, spec.spans_years):
            years = (until - start).days / 365.25
            yield make_flag(
                "identity.card_inconsistent#span",
                Severity.WARNING,
                params=dict(
                    doc=name,
                    start=start.isoformat(),
                    until=until.isoformat(),
                    span=f"约{years:.1f}年",
                    allowed="/".join(f"{y}年" for y in spec.spans_years) + "/长期",
                ),
                field=spec.until,
                found=f"{start.isoformat()}..{until.isoformat()}",
                evidence=evidence_of(fv),
            )


# --------------------------------------------------------------------------- this family's checks, in order

MATERIAL_CHECKS: tuple[MaterialCheck, ...] = (validity,)
