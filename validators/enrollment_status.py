"""Enrollment status and eligibility (seed 002, cause 3: 参保状态异常或政策不符).

From the applicant's enrollment row (``ctx.enrollment``), case-level flags (``material=None``):

* ``enrollment.arrears`` (欠费/断缴), ``enrollment.suspended`` (暂停/中止 or 终止),
  ``enrollment.transfer_pending`` (转移接续中), ``enrollment.card_inactive`` (社保卡未激活): blockers,
  for the services whose rule lists that check;
* ``enrollment.ineligible``: the service is not open to this person: insurance type (employee-only
  items for a resident-insured person, and back), retirees only, region of enrollment.

Which check applies to which service, and every message, is data: ``data/eligibility.yaml``.
No enrollment store or no row: nothing here (``validators.identity`` reports ``enrollment.not_found``).
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from pipeline.codes import ServiceCode, Severity
from pipeline.config import read_yaml
from pipeline.messages import make_flag
from pipeline.models import Flag
from pipeline.plugins import CaseCheck, CaseContext
from pipeline.stores.enrollment import EnrollmentRecord, InsuranceType, Status
from validators.support.applicant import lookup_applicant

ELIGIBILITY_PATH = Path(__file__).resolve().parent / "data" / "eligibility.yaml"

StatusCheck = Literal["arrears", "suspended", "transfer_pending", "card_inactive"]
ALL_STATUS_CHECKS: tuple[StatusCheck, ...] = ("arrears", "suspended", "transfer_pending", "card_inactive")


class ServiceRule(BaseModel):
    model_config = ConfigDict(extra="forbid")

    personal: bool = True
    requires_enrollment: bool = True
    status_checks: list[StatusCheck] = Field(default_factory=lambda: list(ALL_STATUS_CHECKS))
    insurance_types: list[InsuranceType] | None = None
    insurance_types_when: list[Status] | None = None
    retired: bool | None = None
    same_region: bool = True
    documents_may_name_others: bool = False
    alternative: dict[InsuranceType, ServiceCode] = Field(default_factory=dict)


class IdentityPolicy(BaseModel):
    """Severities of name differences explained by a rare character (substitute, pinyin, placeholder)."""

    model_config = ConfigDict(extra="forbid")

    enrollment_name_variant: Severity = Severity.BLOCKER
    document_name_variant: Severity = Severity.WARNING


class Eligibility(BaseModel):
    model_config = ConfigDict(extra="forbid")

    identity: IdentityPolicy = Field(default_factory=IdentityPolicy)
    defaults: ServiceRule
    region_names: dict[str, str]
    insurance_names: dict[InsuranceType, str]
    service_names: dict[ServiceCode, str]
    services: dict[ServiceCode, dict[str, Any]]
    status_names: dict[str, str]

    @model_validator(mode="after")
    def _complete(self) -> Eligibility:
        missing = [s.value for s in ServiceCode if s not in self.services or s not in self.service_names]
        if missing:
            raise ValueError(f"services without an eligibility entry or a name: {missing}")
        for code, override in self.services.items():  # each entry must make a valid rule
            self._merge(code, override)
        return self

    def _merge(self, code: ServiceCode, override: dict[str, Any]) -> ServiceRule:
        try:
            return ServiceRule.model_validate({**self.defaults.model_dump(), **(override or {})})
        except ValueError as e:
            raise ValueError(f"{code.value}: {e}") from None

    def rule(self, service: ServiceCode | str) -> ServiceRule:
        code = ServiceCode(service)
        return _rule_cache(self, code)

    def region_name(self, region: str) -> str:
        return self.region_names.get(region.lower(), region)

    def service_name(self, service: ServiceCode | str) -> str:
        return self.service_names.get(ServiceCode(service), str(service))


_RULES: dict[tuple[int, ServiceCode], ServiceRule] = {}


def _rule_cache(elig: Eligibility, code: ServiceCode) -> ServiceRule:
    key = (id(elig), code)
    rule = _RULES.get(key)
    if rule is None:
        rule = _RULES[key] = elig._merge(code, elig.services.get(code, {}))
    return rule


@lru_cache(maxsize=4)
def load_eligibility(path: Path = ELIGIBILITY_PATH) -> Eligibility:
    raw = read_yaml(path.read_text(encoding="utf-8")) or {}
    return Eligibility.model_validate(raw)


def service_rule(service: ServiceCode | str) -> ServiceRule:
    return load_eligibility().rule(service)


# --------------------------------------------------------------------------- the checks (small units)


def status_flags(
    record: EnrollmentRecord, service: ServiceCode | str, elig: Eligibility | None = None
) -> Iterator[Flag]:
    """Arrears, suspension/termination, pending transfer, inactive card."""
    elig = elig or load_eligibility()
    rule = elig.rule(service)
    name = elig.service_name(service)
    checks = set(rule.status_checks)
    if record.status == "arrears" and "arrears" in checks:
        yield make_flag(
            "enrollment.arrears",
            Severity.BLOCKER,
            params={"service": name},
            field="status",
            found=record.status,
        )
    if record.status in ("suspended", "terminated") and "suspended" in checks:
        yield make_flag(
            "enrollment.suspended",
            Severity.BLOCKER,
            params={
                "service": name,
                "status_name": elig.status_names.get(record.status, ""),
                "status": record.status,
            },
            field="status",
            found=record.status,
        )
    if record.status == "transferring" and "transfer_pending" in checks:
        yield make_flag(
            "enrollment.transfer_pending",
            Severity.BLOCKER,
            params={"service": name},
            field="status",
            found=record.status,
        )
    if not record.card_activated and "card_inactive" in checks:
        yield make_flag(
            "enrollment.card_inactive",
            Severity.BLOCKER,
            params={"service": name},
            field="card_activated",
            found="false",
        )


def eligibility_flags(
    record: EnrollmentRecord,
    service: ServiceCode | str,
    case_region: str | None,
    elig: Eligibility | None = None,
) -> Iterator[Flag]:
    """The service is not open to this person: insurance type, retirement, region of enrollment."""
    elig = elig or load_eligibility()
    rule = elig.rule(service)
    name = elig.service_name(service)
    applies = rule.insurance_types_when is None or record.status in rule.insurance_types_when
    if rule.insurance_types is not None and applies and record.insurance_type not in rule.insurance_types:
        alt = rule.alternative.get(record.insurance_type)
        extra: dict[str, Any] = {"suggested_service": alt.value} if alt else {}
        params = {
            "service": name,
            "allowed": "或".join(elig.insurance_names[t] for t in rule.insurance_types),
            "insurance": elig.insurance_names[record.insurance_type],
            "allowed_codes": "/".join(rule.insurance_types),
            "found_code": record.insurance_type,
        }
        if ServiceCode(service) is ServiceCode.ENROLL_RESIDENT and record.insurance_type == "employee":
            key, extra = "enrollment.ineligible#resident_has_employee", {}
        elif alt:
            key, params["alternative"] = "enrollment.ineligible#insurance_alternative", elig.service_name(alt)
        else:
            key = "enrollment.ineligible#insurance"
        yield make_flag(
            key,
            Severity.BLOCKER,
            params=params,
            field="insurance_type",
            expected="/".join(rule.insurance_types),
            found=record.insurance_type,
            **extra,
        )
    if rule.retired is not None and record.retired != rule.retired:
        yield make_flag(
            "enrollment.ineligible#retired" if rule.retired else "enrollment.ineligible#not_retired",
            Severity.BLOCKER,
            params={"service": name, "service_code": ServiceCode(service).value},
            field="retired",
            expected=str(rule.retired).lower(),
            found=str(record.retired).lower(),
        )
    if rule.same_region and case_region and record.region != case_region.strip().lower():
        yield make_flag(
            "enrollment.ineligible#region",
            Severity.BLOCKER,
            params={
                "service": name,
                "region": elig.region_name(case_region),
                "enrolled_region": elig.region_name(record.region),
            },
            field="region",
            expected=case_region,
            found=record.region,
        )


def enrollment_status(ctx: CaseContext) -> list[Flag]:
    elig = load_eligibility()
    rule = elig.rule(ctx.case.service)
    if not rule.personal:
        return []
    found = lookup_applicant(ctx)
    if found is None or found.record is None:
        return []
    rec = found.record
    return [
        *status_flags(rec, ctx.case.service, elig),
        *eligibility_flags(rec, ctx.case.service, ctx.case.region, elig),
    ]


# --------------------------------------------------------------------------- this family's checks, in order

CASE_CHECKS: tuple[CaseCheck, ...] = (enrollment_status,)
