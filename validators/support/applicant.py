"""What the case checks share about the applicant: the enrollment record, looked up once per case."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import cached_property

from sqlalchemy.exc import SQLAlchemyError

from pipeline.pii import mask_id
from pipeline.plugins import CaseContext
from pipeline.stores.enrollment import EnrollmentError, EnrollmentRecord

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Lookup:
    record: EnrollmentRecord | None
    error: str | None = None  # why the lookup failed (no personal data)


class ApplicantFacts:
    """``ctx.fact(ApplicantFacts)``: the applicant's enrollment record, one lookup per case."""

    def __init__(self, ctx: CaseContext) -> None:
        self._ctx = ctx

    @cached_property
    def lookup(self) -> Lookup | None:
        """None when the case has no enrollment store; else the record (None if not found) or the
        error that kept the store from answering."""
        store = self._ctx.enrollment
        if store is None:
            return None
        number = self._ctx.case.applicant.id_number
        try:
            return Lookup(store.get(number))
        except (SQLAlchemyError, EnrollmentError) as e:
            log.warning("enrollment lookup failed for %s: %s", mask_id(number), type(e).__name__)
            return Lookup(None, error=type(e).__name__)

    @property
    def record(self) -> EnrollmentRecord | None:
        return self.lookup.record if self.lookup else None


def lookup_applicant(ctx: CaseContext) -> Lookup | None:
    return ctx.fact(ApplicantFacts).lookup
