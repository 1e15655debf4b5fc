"""Filing type: the facts and materials fit another remote-care filing type better (``filing.type_mismatch``).

Rules are data (``validators/rules/filing_types.yaml``): which filed services a rule watches, which
service it suggests, and which named facts must hold. The facts are the small predicates below
(``FACTS``); a rule naming an unknown fact fails at import.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from typing import Any

from pipeline.codes import DocType, Severity
from pipeline.messages import make_flag
from pipeline.models import Flag, MaterialResult
from pipeline.plugins import CaseCheck, CaseContext
from validators.support.applicant import ApplicantFacts
from validators.support.rules import (
    FilingTypeRule,
    RulesError,
    filing_type_rules,
    filing_value,
    place_matches,
    rules_for_case,
)

log = logging.getLogger(__name__)

Fact = Callable[[CaseContext], bool]
FACTS: dict[str, Fact] = {}


def fact(fn: Fact) -> Fact:
    FACTS[fn.__name__] = fn
    return fn


def _truthy(v: Any) -> bool:
    if isinstance(v, str):
        return v.strip().lower() in ("true", "yes", "1", "是")
    return bool(v)


def enrollment_row(ctx: CaseContext) -> Any:
    """The applicant's enrollment record, or None when unknown (the store's failure is reported by the
    runner and the identity checks)."""
    return ctx.fact(ApplicantFacts).record


def _detected(ctx: CaseContext, t: DocType) -> list[MaterialResult]:
    return [m for m in ctx.materials if m.detected_type == t]


def _field(m: MaterialResult, name: str) -> str | None:
    return m.document.value(name) if m.document else None


@fact
def retired(ctx: CaseContext) -> bool:
    row = enrollment_row(ctx)
    if row is None:
        return False
    v = row.get("retired") if isinstance(row, dict) else getattr(row, "retired", None)
    return _truthy(v)


@fact
def hukou_at_destination(ctx: CaseContext) -> bool:
    declared = filing_value(ctx.case.filing, "hukou_at_destination")
    if declared is not None:
        return _truthy(declared)
    dest = ctx.case.filing.destination
    return any(place_matches(_field(m, "address"), dest) for m in _detected(ctx, DocType.HUKOU_BOOKLET))


@fact
def work_dispatch_proof_present(ctx: CaseContext) -> bool:
    dest = ctx.case.filing.destination
    # a proof that names another destination does not speak for this filing
    return any(
        place_matches(_field(m, "destination"), dest) is not False
        for m in _detected(ctx, DocType.WORK_DISPATCH_PROOF)
    )


@fact
def labor_contract_present(ctx: CaseContext) -> bool:
    return bool(_detected(ctx, DocType.LABOR_CONTRACT))


@fact
def dispatched_by_employer(ctx: CaseContext) -> bool:
    return _truthy(filing_value(ctx.case.filing, "dispatched_by_employer"))


@fact
def residence_permit_at_destination(ctx: CaseContext) -> bool:
    dest = ctx.case.filing.destination
    # audit §4.4: a permit whose address was not read, or a case without a destination, is no evidence
    return any(
        place_matches(_field(m, "address"), dest) is True for m in _detected(ctx, DocType.RESIDENCE_PERMIT)
    )


@fact
def long_term_residence_declared(ctx: CaseContext) -> bool:
    if _truthy(filing_value(ctx.case.filing, "long_term_residence")):
        return True
    months = filing_value(ctx.case.filing, "residence_months")
    try:
        n = int(months) if months is not None else None
    except (TypeError, ValueError):
        n = None
    # the region's minimum if it sets one, else seed 002's example of 6 months as the hint of "long term"
    return n is not None and n >= (rules_for_case(ctx.case.region).policy.min_residence_months or 6)


def _check_facts() -> None:
    for r in filing_type_rules().rules:
        unknown = [f for f in (*r.all, *r.any) if f not in FACTS]
        if unknown:
            raise RulesError(
                f"filing_types.yaml rule {r.id}: unknown facts {unknown} (known: {sorted(FACTS)})"
            )


_check_facts()


def rule_fires(rule: FilingTypeRule, ctx: CaseContext) -> bool:
    if ctx.case.service not in rule.from_services:
        return False
    if not all(FACTS[f](ctx) for f in rule.all):
        return False
    return not rule.any or any(FACTS[f](ctx) for f in rule.any)


def filing_type(ctx: CaseContext) -> Iterator[Flag]:
    rules = rules_for_case(ctx.case.region)
    for rule in filing_type_rules().rules:
        if not rule_fires(rule, ctx):
            continue
        current = rules.service(ctx.case.service).item
        suggested = rules.service(rule.suggest).item
        yield make_flag(
            "filing.type_mismatch",
            Severity.BLOCKER,
            params={"current_name": current, "suggested_name": suggested, "why": rule.why},
            suggested_service=rule.suggest.value,
            rule=rule.id,
            expected=rule.suggest.value,
            found=ctx.case.service.value,
        )
        return  # one suggestion per case: the first matching rule


# --------------------------------------------------------------------------- this family's checks, in order

CASE_CHECKS: tuple[CaseCheck, ...] = (filing_type,)
