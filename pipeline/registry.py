"""Registries of extractors and checks.

* An **extractor** (one module per document type in ``extractors/``) says how much a material
  looks like its type (``detect``) and reads that type's fields (``extract``).
* A **material check** runs in the worker that holds the material's pixels (image quality, seals,
  fields missing, ID number validity, expiry): ``(MaterialContext) -> Iterable[Flag]``.
* A **case check** runs once per case on the pixel-free results of all materials (required
  materials, identity cross-match, enrollment status, policy, consistency, duplicates):
  ``(CaseContext) -> Iterable[Flag]``.

Registration happens at import time through the decorators below; ``load_plugins`` imports the
``extractors`` and ``validators`` packages so every module registers itself.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol

from pipeline.codes import DocType
from pipeline.config import Settings
from pipeline.models import (
    Case,
    Document,
    FieldValue,
    Flag,
    MaterialRef,
    MaterialResult,
    Page,
    PageText,
    Quality,
)


class Extractor(Protocol):
    doc_type: DocType

    def detect(self, pages: list[PageText]) -> float:
        """0..1: how much these pages look like this document type."""
        ...

    def extract(self, pages: list[PageText]) -> dict[str, FieldValue]:
        """The contract's fields for this type that could be read (absent when not read)."""
        ...


@dataclass
class MaterialContext:
    case: Case
    ref: MaterialRef
    settings: Settings
    pages: list[Page]  # with pixels (image / rendered scans); text-layer pages may have image=None
    texts: list[PageText]  # upright OCR or text-layer lines per page
    document: Document | None = None
    quality: Quality = field(default_factory=Quality)
    scratch: dict[str, Any] = field(default_factory=dict)  # shared between checks of one material


@dataclass
class CaseContext:
    case: Case
    settings: Settings
    materials: list[MaterialResult]
    enrollment: Any = None  # pipeline.enrollment store (lookup by ID number), or None
    register: Any = None  # invoice register (duplicates across cases), or None
    scratch: dict[str, Any] = field(default_factory=dict)

    def of_type(self, *types: DocType) -> list[MaterialResult]:
        return [m for m in self.materials if m.detected_type in types]


MaterialCheck = Callable[[MaterialContext], Iterable[Flag]]
CaseCheck = Callable[[CaseContext], Iterable[Flag]]

EXTRACTORS: dict[DocType, Extractor] = {}
MATERIAL_CHECKS: list[MaterialCheck] = []
CASE_CHECKS: list[CaseCheck] = []


def register_extractor(ex: Extractor) -> Extractor:
    EXTRACTORS[ex.doc_type] = ex
    return ex


def material_check(fn: MaterialCheck) -> MaterialCheck:
    if fn not in MATERIAL_CHECKS:
        MATERIAL_CHECKS.append(fn)
    return fn


def case_check(fn: CaseCheck) -> CaseCheck:
    if fn not in CASE_CHECKS:
        CASE_CHECKS.append(fn)
    return fn


_loaded = False


def load_plugins() -> None:
    """Import every module of ``extractors`` and ``validators`` (idempotent)."""
    global _loaded
    if _loaded:
        return
    for pkg_name in ("extractors", "validators"):
        pkg = importlib.import_module(pkg_name)
        for mod in sorted(pkgutil.iter_modules(pkg.__path__), key=lambda m: m.name):
            if not mod.name.startswith("_"):
                importlib.import_module(f"{pkg_name}.{mod.name}")
    _loaded = True
