"""Response and request models of the portal API: they make ``/openapi.json`` complete and typed.

The report is modelled after CONTRACT.md section 3 (the keys that must be there), with the project's
additional keys allowed (``additionalProperties``), so a client generated from the spec keeps working
when the report gains keys.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

Decision = Literal["pass", "review", "return"]
Status = Literal["queued", "running", "done", "failed"]


# --------------------------------------------------------------------------- errors (RFC 9457)


class ProblemItem(BaseModel):
    """One reason a request was refused: where (``body.storage_key``, ``query.wait``, …) and why.
    Never the value that was sent."""

    loc: str
    msg: str


class Problem(BaseModel):
    """RFC 9457 problem details (``application/problem+json``); the one shape of every error."""

    model_config = ConfigDict(json_schema_extra={"additionalProperties": True})

    type: str = Field(description="URI reference naming the kind of problem")
    title: str = Field(description="short summary of the kind of problem")
    status: int = Field(description="the HTTP status code")
    detail: str | None = Field(default=None, description="one line about this occurrence")
    instance: str | None = Field(default=None, description="the request path")
    request_id: str | None = Field(default=None, description="the X-Request-ID of the request")
    errors: list[ProblemItem] | None = Field(default=None, description="per-item reasons (validation)")


# --------------------------------------------------------------------------- the report (contract §3)


class ReportEvidence(BaseModel):
    model_config = ConfigDict(extra="allow")

    page: int
    box: list[float] | None = None


class ReportFlag(BaseModel):
    model_config = ConfigDict(extra="allow")

    code: str = Field(description="flag code (contract section 6)")
    category: str
    severity: Literal["blocker", "warning", "info"]
    material: str | None = Field(description="the file the flag is about; null for a case-level flag")
    message: str = Field(description="Chinese, addressed to the applicant")
    reason: str | None = None
    field: str | None = None
    expected: str | None = None
    found: str | None = None
    suggested_service: str | None = None
    evidence: list[ReportEvidence] | None = None


class ReportQuality(BaseModel):
    model_config = ConfigDict(extra="allow")

    seal_count: int
    blur: float
    glare: float
    incomplete: bool


class ReportMaterial(BaseModel):
    model_config = ConfigDict(extra="allow")

    file: str
    declared_type: str | None
    detected_type: str
    fields: dict[str, str] = Field(description="field name -> value (dates YYYY-MM-DD, money 0.00)")
    quality: ReportQuality
    type_confidence: float | None = None
    field_confidence: dict[str, float] | None = None
    pages: int | None = None
    sha256: str | None = None
    page_geometry: list[dict[str, Any]] | None = Field(
        default=None,
        description="per page: width, height (upright page pixels, as the evidence boxes), rotation "
        "(clockwise degrees applied to the stored file), render_scale (pixels per PDF point; 1 for images)",
    )


class Report(BaseModel):
    """The contract's report (section 3), as ``intake check --json`` prints it."""

    model_config = ConfigDict(extra="allow")

    case_id: str
    decision: Decision
    flags: list[ReportFlag]
    materials: list[ReportMaterial]
    service: str | None = None
    region: str | None = None
    engine: str | None = None
    seconds: float | None = None


# --------------------------------------------------------------------------- submissions


class SubmissionStatus(BaseModel):
    """A submission: its state and, once done, its report."""

    id: str
    status: Status
    case_id: str | None
    source: str
    created_at: str
    started_at: str | None
    finished_at: str | None
    attempts: int
    decision: Decision | None = Field(description="the report's decision, once done")
    error: str | None = Field(description="one line, when the submission failed")
    status_url: str
    report_url: str
    deliveries_url: str
    report: Report | None = Field(description="the report, once done")


class StorageSubmission(BaseModel):
    """A case already in the configured storage (local folder or S3/MinIO bucket), by its key."""

    model_config = ConfigDict(extra="forbid")

    storage_key: str = Field(
        min_length=1,
        max_length=1000,
        description="the case's folder / prefix in the storage, e.g. incoming/2026-11-25/XJ-2024-000123",
    )
    callback_url: str | None = Field(default=None, max_length=2000, description="http(s) URL to notify")


class DeliveryInfo(BaseModel):
    id: str
    event: str
    url: str
    status: Literal["pending", "delivered", "failed"]
    attempts: int
    last_status_code: int | None
    last_error: str | None
    created_at: str
    next_attempt_at: str | None
    delivered_at: str | None


class DeliveryList(BaseModel):
    submission_id: str
    deliveries: list[DeliveryInfo]


class Health(BaseModel):
    status: Literal["ok"]
    version: str
    engine: str
