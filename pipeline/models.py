"""Pydantic models at the edges of every stage.

(``CaseError`` lives in ``pipeline.errors`` and is re-exported here for ``load_case``'s callers.)

Data moves one way: bytes -> pages -> OCR lines -> typed document with fields -> flags -> report.
"""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

import numpy as np
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationError,
    field_validator,
    model_validator,
)

from pipeline.codes import FLAG_CATEGORIES, Decision, DocType, ServiceCode, Severity
from pipeline.errors import CaseError
from pipeline.pii import mask_id, mask_name

# --------------------------------------------------------------------------- the case (case.json)


class Applicant(BaseModel):
    model_config = ConfigDict(extra="allow", str_strip_whitespace=True)

    name: str = Field(min_length=1)
    id_number: str = Field(min_length=1)
    ssc_number: str | None = None

    def __repr_args__(self) -> Any:  # never show personal data in reprs or tracebacks
        yield "name", mask_name(self.name)
        yield "id_number", mask_id(self.id_number)
        yield "ssc_number", mask_id(self.ssc_number) if self.ssc_number else None


class Filing(BaseModel):
    model_config = ConfigDict(extra="allow")

    destination: str | None = None
    hospital: str | None = None
    disease: str | None = None
    emergency: bool | None = None


class MaterialRef(BaseModel):
    model_config = ConfigDict(extra="allow")

    file: str = Field(min_length=1)
    declared_type: DocType | None = None

    @field_validator("file")
    @classmethod
    def _plain_name(cls, v: str) -> str:
        p = Path(v)
        if p.is_absolute() or ".." in p.parts:
            raise ValueError("must be a file name inside the case folder")
        return v


class Case(BaseModel):
    model_config = ConfigDict(extra="allow")

    case_id: str = Field(min_length=1)
    service: ServiceCode
    region: str = "xinjiang"
    submitted_on: date
    applicant: Applicant
    filing: Filing = Field(default_factory=Filing)
    materials: list[MaterialRef] = Field(default_factory=list)

    @field_validator("filing", mode="before")
    @classmethod
    def _null_filing(cls, v: Any) -> Any:
        return {} if v is None else v

    @model_validator(mode="after")
    def _unique_files(self) -> Case:
        seen: set[str] = set()
        for m in self.materials:
            if m.file in seen:
                raise ValueError(f"file listed twice in materials: {m.file}")
            seen.add(m.file)
        return self


def _describe_validation_error(e: ValidationError) -> str:
    # Location and message only: never the input value (it may be personal data).
    parts = []
    for err in e.errors(include_input=False, include_url=False):
        loc = ".".join(str(x) for x in err["loc"]) or "case"
        parts.append(f"{loc}: {err['msg']}")
    return "; ".join(parts)


def load_case(case_dir: Path) -> Case:
    """Parse ``case_dir/case.json`` or raise :class:`CaseError` with one readable line."""
    from pipeline.safety import MAX_CASE_JSON_BYTES, Refused, loads_case_json, printable, read_inside

    path = case_dir / "case.json"
    shown = printable(str(case_dir))
    if not case_dir.is_dir():
        raise CaseError(f"not a folder: {shown}")
    if not path.is_file() and not path.is_symlink():
        raise CaseError(f"no case.json in {shown}")
    try:
        data = read_inside(case_dir, "case.json", MAX_CASE_JSON_BYTES)
    except Refused as e:
        raise CaseError(f"case.json refused: {e}") from None
    except OSError as e:
        raise CaseError(f"case.json cannot be read ({e.strerror or type(e).__name__})") from None
    if len(data) > MAX_CASE_JSON_BYTES:
        raise CaseError(f"case.json is larger than {MAX_CASE_JSON_BYTES:,} bytes")
    try:
        raw = loads_case_json(data)
    except UnicodeDecodeError as e:
        raise CaseError(f"case.json is not UTF-8: {e.reason} at byte {e.start}") from None
    except json.JSONDecodeError as e:
        raise CaseError(f"case.json is not valid JSON: {e.msg} (line {e.lineno}, column {e.colno})") from None
    except (ValueError, RecursionError) as e:
        raise CaseError(f"case.json is not acceptable: {e}") from None
    if not isinstance(raw, dict):
        raise CaseError("case.json must hold a JSON object")
    try:
        return Case.model_validate(raw)
    except ValidationError as e:
        raise CaseError(f"case.json is invalid: {_describe_validation_error(e)}") from None


# --------------------------------------------------------------------------- pages and OCR

Box = tuple[float, float, float, float]  # x0, y0, x1, y1 in page pixels


class OcrLine(BaseModel):
    """One line of text with its quadrilateral (4 points, clockwise from top-left) and confidence."""

    text: str
    polygon: list[tuple[float, float]]
    confidence: float = Field(ge=0.0, le=1.0)

    @property
    def box(self) -> Box:
        xs = [p[0] for p in self.polygon]
        ys = [p[1] for p in self.polygon]
        return (min(xs), min(ys), max(xs), max(ys))

    @property
    def height(self) -> float:
        _, y0, _, y1 = self.box
        return y1 - y0

    @property
    def center(self) -> tuple[float, float]:
        x0, y0, x1, y1 = self.box
        return ((x0 + x1) / 2, (y0 + y1) / 2)


class Page(BaseModel):
    """One page of a material: pixels (RGB uint8) and/or a text layer.

    The pixels are either held (``Page(image=...)``) or fetched on demand from the material's page
    store (``pipeline.pixels.PagePixels``, see :meth:`attach`): ``page.image`` reads the same way in
    both cases, and a long material keeps only a few pages in memory."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    index: int
    width: int
    height: int
    source: Literal["image", "pdf_text", "pdf_scan"]
    text_lines: list[OcrLine] | None = None  # from a PDF text layer; None when OCR is needed
    dpi: float | None = None
    _image: np.ndarray | None = PrivateAttr(default=None)
    _store: Any = PrivateAttr(default=None)

    def __init__(self, image: np.ndarray | None = None, **data: Any) -> None:
        super().__init__(**data)
        self._image = image

    @property
    def image(self) -> np.ndarray | None:
        """H x W x 3, RGB, uint8; None for a page without pixels."""
        if self._image is not None:
            return self._image
        if self._store is not None:
            return self._store.get(self.index)  # type: ignore[no-any-return]
        return None

    @property
    def has_pixels(self) -> bool:
        """Whether the page has pixels, without reading them."""
        return self._image is not None or self._store is not None

    def attach(self, store: Any) -> None:
        """Fetch this page's pixels from ``store`` (``store.get(index)``) instead of holding them."""
        self._image = None
        self._store = store


class PageText(BaseModel):
    """What a page says, without its pixels (travels between processes)."""

    index: int
    width: int
    height: int
    source: Literal["image", "pdf_text", "pdf_scan"]
    rotation: int = 0  # degrees the page was turned to read it upright
    lines: list[OcrLine] = Field(default_factory=list)
    render_scale: float = 1.0  # pixels per PDF point for rendered PDF pages; 1.0 for images

    def geometry(self) -> dict[str, Any]:
        """The upright page's size in the pixels the boxes use, the clockwise turn applied to the
        stored file to read it, and the render scale (report addition: ``page_geometry``)."""
        return {
            "page": self.index,
            "width": self.width,
            "height": self.height,
            "rotation": self.rotation,
            "render_scale": round(self.render_scale, 6),
        }

    @property
    def text(self) -> str:
        return "\n".join(line.text for line in self.lines)


# --------------------------------------------------------------------------- documents


class FieldValue(BaseModel):
    value: str
    confidence: float = Field(default=1.0, ge=0.0, le=1.0)
    page: int | None = None
    box: Box | None = None
    raw: str | None = None  # the text it was read from, before normalisation
    derived: str | None = None  # not read: derived from this other field (e.g. sex from id_number)


class Document(BaseModel):
    type: DocType
    confidence: float = Field(default=0.0, ge=0.0, le=1.0)
    fields: dict[str, FieldValue] = Field(default_factory=dict)

    def value(self, name: str) -> str | None:
        f = self.fields.get(name)
        return f.value if f else None

    def date(self, name: str) -> date | None:
        """A date field as a date (extractors write ISO dates); None when absent or ``long_term``."""
        from pipeline.text.dates import to_date

        v = self.value(name)
        return to_date(v) if v and v != "long_term" else None

    def money(self, name: str) -> Decimal | None:
        """A money field as a Decimal (extractors write ``"0.00"`` strings); None when absent."""
        from pipeline.text.money import to_decimal

        return to_decimal(self.value(name))


class Quality(BaseModel):
    """The contract's four measures, then the project's additions (absent from the report when unset)."""

    model_config = ConfigDict(extra="forbid")

    seal_count: int = 0
    blur: float = Field(default=0.0, ge=0.0, le=1.0)
    glare: float = Field(default=0.0, ge=0.0, le=1.0)
    incomplete: bool = False
    # added by the project
    photocopy: bool | None = None  # every page colourless
    seals: list[dict[str, Any]] | None = None  # per seal: page, box, ring text, matches_institution
    seal_unverified: str | None = None  # why a missing seal could not be judged (glare, blur, ...)
    qr: dict[str, Any] | None = None  # the e-bill's QR code as read, and whether it matches the print


# --------------------------------------------------------------------------- flags and report


class Evidence(BaseModel):
    page: int
    box: Box | None = None


def evidence_of(fv: FieldValue | None) -> list[Evidence] | None:
    """Where a field was read, as a flag's evidence; None when unknown."""
    if fv is None or fv.page is None:
        return None
    return [Evidence(page=fv.page, box=fv.box)]


class Flag(BaseModel):
    model_config = ConfigDict(extra="allow")

    code: str
    category: str
    severity: Severity
    material: str | None = None
    message: str
    reason: str | None = None  # short, for the auditor
    field: str | None = None
    expected: str | None = None
    found: str | None = None
    suggested_service: str | None = None
    evidence: list[Evidence] | None = None

    @field_validator("code")
    @classmethod
    def _known_code(cls, v: str) -> str:
        if v not in FLAG_CATEGORIES:
            raise ValueError(f"unknown flag code {v!r}")
        return v

    def to_json(self) -> dict[str, Any]:
        d = self.model_dump(mode="json", exclude_none=True)
        d["material"] = self.material  # always present, null for case-level flags
        return d


def flag(
    code: str,
    severity: Severity | str,
    message: str,
    *,
    material: str | None = None,
    **extra: Any,
) -> Flag:
    """Build a flag; the category comes from the contract's table."""
    return Flag(
        code=code,
        category=FLAG_CATEGORIES[code],
        severity=Severity(severity),
        material=material,
        message=message,
        **extra,
    )


class MaterialResult(BaseModel):
    """Everything the pipeline learnt about one material (no pixels)."""

    file: str
    declared_type: DocType | None = None
    detected_type: DocType = DocType.UNKNOWN
    type_confidence: float = 0.0
    sha256: str | None = None
    kind: str | None = None  # jpeg, png, pdf, ...
    pages: list[PageText] = Field(default_factory=list)
    document: Document | None = None
    quality: Quality = Field(default_factory=Quality)
    flags: list[Flag] = Field(default_factory=list)
    seconds: float = 0.0
    timing: dict[str, float] = Field(default_factory=dict)  # stage seconds (pipeline.timing); not in the JSON

    def to_json(self) -> dict[str, Any]:
        fields = {k: v.value for k, v in (self.document.fields.items() if self.document else [])}
        out: dict[str, Any] = {
            "file": self.file,
            "declared_type": self.declared_type.value if self.declared_type else None,
            "detected_type": self.detected_type.value,
            "fields": fields,
            "quality": self.quality.model_dump(mode="json", exclude_none=True),
            "type_confidence": round(self.type_confidence, 3),
            "field_confidence": {
                k: round(v.confidence, 3) for k, v in (self.document.fields.items() if self.document else [])
            },
            "pages": len(self.pages),
            "sha256": self.sha256,
            "page_geometry": [p.geometry() for p in self.pages],
        }
        return out


def decide(flags: list[Flag]) -> Decision:
    severities = {f.severity for f in flags}
    if Severity.BLOCKER in severities:
        return Decision.RETURN
    if Severity.WARNING in severities:
        return Decision.REVIEW
    return Decision.PASS


class Report(BaseModel):
    case_id: str
    decision: Decision
    flags: list[Flag]
    materials: list[MaterialResult]
    service: str | None = None
    region: str | None = None
    engine: str | None = None
    seconds: float = 0.0
    timing: dict[str, float] = Field(default_factory=dict)  # case-level stage seconds; not in the JSON

    def to_json(self) -> dict[str, Any]:
        return {
            "case_id": self.case_id,
            "decision": self.decision.value,
            "flags": [f.to_json() for f in self.flags],
            "materials": [m.to_json() for m in self.materials],
            "service": self.service,
            "region": self.region,
            "engine": self.engine,
            "seconds": round(self.seconds, 3),
        }
