"""The checks, family by family, in the order they run.

A family (one module) defines its checks and lists them, in order, in ``MATERIAL_CHECKS`` (run in the
worker that holds a material's pixels) and ``CASE_CHECKS`` (run once per case on all materials). The
families run in the order below: the failure causes of seed 002 (materials, information, identity and
status, filing type, policy), then consistency across documents.
"""

from __future__ import annotations

from pipeline.plugins import CaseCheck, MaterialCheck
from validators import (
    consistency,
    destination,
    documents,
    enrollment_status,
    expiry,
    filing_type,
    identity,
    image_quality,
    invoice_duplicate,
    policy,
    qrbill_check,
    requirements,
    seals,
)

MATERIAL_CHECKS: tuple[MaterialCheck, ...] = (
    *documents.MATERIAL_CHECKS,
    *expiry.MATERIAL_CHECKS,
    *image_quality.MATERIAL_CHECKS,
    *qrbill_check.MATERIAL_CHECKS,
    *seals.MATERIAL_CHECKS,
)

CASE_CHECKS: tuple[CaseCheck, ...] = (
    *requirements.CASE_CHECKS,
    *documents.CASE_CHECKS,
    *identity.CASE_CHECKS,
    *enrollment_status.CASE_CHECKS,
    *filing_type.CASE_CHECKS,
    *destination.CASE_CHECKS,
    *policy.CASE_CHECKS,
    *consistency.CASE_CHECKS,
    *invoice_duplicate.CASE_CHECKS,
)
