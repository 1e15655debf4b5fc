"""The seams of the runner: what it calls, and what the checks see.

* A **reader** turns a material's OCR lines into a typed document (``extractors.reader.read_document``).
* A **material check** runs in the worker that holds the material's pixels (image quality, seals,
  fields missing, ID number validity, expiry): ``(MaterialContext) -> Iterable[Flag]``.
* A **case check** runs once per case on the pixel-free results of all materials (required
  materials, identity cross-match, enrollment status, policy, consistency, duplicates):
  ``(CaseContext) -> Iterable[Flag]``.

Nothing here discovers anything: the composition root (``pipeline.app.wiring``) builds a
:class:`Registry` from the ordered lists that ``extractors`` and ``validators`` define, and hands it
to the runner. Facts that several checks share are typed objects built once per material or case
(``ctx.fact(SomeFacts)``), never string keys.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar, runtime_checkable

from pipeline.codes import DocType
from pipeline.config import Settings
from pipeline.models import (
    Box,
    Case,
    Document,
    Flag,
    MaterialRef,
    MaterialResult,
    OcrLine,
    Page,
    PageText,
    Quality,
)

F = TypeVar("F")


class EnrollmentLookup(Protocol):
    """The enrollment reference (``pipeline.stores.enrollment.EnrollmentStore`` or any look-alike)."""

    def get(self, id_number: str) -> Any:
        """The record for an ID number, or None."""
        ...


class HospitalLookup(Protocol):
    """The loaded hospital catalogue (``pipeline.stores.hospitals.HospitalStore`` or any look-alike)."""

    def records(self) -> Any:
        """Every institution of the catalogue (empty when none was imported)."""
        ...


class InvoiceRegister(Protocol):
    """Invoices seen across cases (``pipeline.stores.invoice_register.InvoiceRegister``)."""

    def check_and_record(
        self,
        case_id: str,
        invoice_code: str,
        invoice_number: str,
        amount: Any = None,
        issue_date: Any = None,
        applicant: str | None = None,
    ) -> list[str]:
        """The other cases that recorded this invoice before ``case_id``; then record it."""
        ...

    def set_decision(
        self,
        case_id: str,
        decision: str,
        applicant: str | None = None,
        invoices: list[tuple[str, str]] | None = None,
    ) -> Any:
        """Remember the decision of a case on the rows of this applicant and these invoices (a returned
        case's invoices may come back corrected, from the same applicant only)."""
        ...


class OcrProvider(Protocol):
    def recognize(self, image: Any) -> list[Any]: ...

    def read_line(self, image: Any) -> Any: ...


def _cached_fact(cache: dict[type, Any], cls: type[F], ctx: Any) -> F:
    inst = cache.get(cls)
    if inst is None:
        inst = cache[cls] = cls(ctx)  # type: ignore[call-arg]
    return inst  # type: ignore[no-any-return]


@dataclass
class MaterialContext:
    case: Case
    ref: MaterialRef
    settings: Settings
    pages: list[Page]  # with pixels (image / rendered scans); text-layer pages may have image=None
    texts: list[PageText]  # upright OCR or text-layer lines per page
    document: Document | None = None
    quality: Quality = field(default_factory=Quality)
    engine: OcrProvider | None = None  # the OCR engine that read the pages (for second looks)
    _facts: dict[type, Any] = field(default_factory=dict, repr=False)

    def fact(self, cls: type[F]) -> F:
        """The material's facts of type ``cls`` (``cls(ctx)``), built once and shared by the checks."""
        return _cached_fact(self._facts, cls, self)

    def ocr_engine(self) -> OcrProvider:
        """The engine for a second look at part of a page (loaded from the settings if none was given)."""
        if self.engine is None:
            from pipeline.ocr import get_engine

            self.engine = get_engine(self.settings)
        return self.engine

    def read_line(self, image: Any) -> Any:
        """One line of text read from part of a page (a second look), through the OCR cache: the
        engine is loaded only when the cache does not have it."""
        from pipeline.ocr import read_line

        return read_line(image, self.settings, self.engine, self.ocr_engine)


@dataclass
class CaseContext:
    case: Case
    settings: Settings
    materials: list[MaterialResult]
    enrollment: EnrollmentLookup | None = None
    register: InvoiceRegister | None = None
    hospitals: HospitalLookup | None = None
    #: (code, number) of the invoices this run recorded in the register; the runner stores the case's
    #: decision on those rows only
    checked_invoices: list[tuple[str, str]] = field(default_factory=list)
    _facts: dict[type, Any] = field(default_factory=dict, repr=False)

    def of_type(self, *types: DocType) -> list[MaterialResult]:
        return [m for m in self.materials if m.detected_type in types]

    def fact(self, cls: type[F]) -> F:
        """The case's facts of type ``cls`` (``cls(ctx)``), built once and shared by the checks."""
        return _cached_fact(self._facts, cls, self)


MaterialCheck = Callable[[MaterialContext], Iterable[Flag]]
CaseCheck = Callable[[CaseContext], Iterable[Flag]]


class Look(Protocol):
    """A second look: one line read from the pixels of (page index, box on the upright page), or
    None; with ``alphabet``, the reading restricted to its characters (None where the engine cannot
    restrict it)."""

    def __call__(self, page: int, box: Box, alphabet: str | None = None) -> OcrLine | None: ...


@runtime_checkable
class Rescan(Protocol):
    """A look that can also read a region of a page again, detection and recognition, enlarged: the
    lines found there, in the upright page's coordinates (none where the page has no pixels)."""

    def lines(self, page: int, box: Box) -> list[OcrLine]: ...


class Reader(Protocol):
    """Classifies a material's pages and reads its fields; ``look`` (when the pages have pixels)
    reads a region again for a field the lines missed."""

    def __call__(
        self, pages: list[PageText], declared_type: DocType | None = None, look: Look | None = None
    ) -> Document: ...


@dataclass(frozen=True)
class Registry:
    """What the runner runs, in order. Built by the composition root; plain module-level functions,
    so it travels to worker processes by reference."""

    read_document: Reader
    material_checks: tuple[MaterialCheck, ...] = ()
    case_checks: tuple[CaseCheck, ...] = ()
