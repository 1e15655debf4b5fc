"""The composition root: the one place that names the parts and puts them together.

Everything below ``pipeline.app`` is a floor that knows only the floors beneath it. This module (and
the CLI and HTTP app that call it) is the exception by design: it imports the reader from
``extractors`` and the ordered checks from ``validators``, opens the stores the configuration names,
and hands them to a :class:`~pipeline.runner.CaseRunner`. Tests build runners the same way, with a
recorded OCR engine or an in-memory store instead.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline.config import Settings, get_settings
from pipeline.models import Report, load_case
from pipeline.ocr import OcrEngine
from pipeline.plugins import EnrollmentLookup, HospitalLookup, InvoiceRegister, Registry
from pipeline.runner import CaseRunner

log = logging.getLogger(__name__)


def build_registry() -> Registry:
    """The reader and every check, in the order their families define."""
    from extractors.reader import read_document
    from validators import CASE_CHECKS, MATERIAL_CHECKS

    return Registry(read_document=read_document, material_checks=MATERIAL_CHECKS, case_checks=CASE_CHECKS)


@dataclass
class Stores:
    enrollment: EnrollmentLookup | None = None
    register: InvoiceRegister | None = None
    hospitals: HospitalLookup | None = None
    errors: list[tuple[str, BaseException]] = field(default_factory=list)


def open_stores(settings: Settings, enrollment: str | None = None) -> Stores:
    """The enrollment reference (``enrollment``: a CSV path or database URL; else the configured or
    embedded store) and the invoice register. A store that cannot be opened is recorded in ``errors``
    (every case then gets ``system.processing_failed``), never raised."""
    from pipeline.stores.enrollment import open_store
    from pipeline.stores.invoice_register import open_register

    stores = Stores()
    source = enrollment if enrollment is not None else settings.enrollment_url
    try:
        stores.enrollment = open_store(source, settings)
    except Exception as e:
        log.error("enrollment store unavailable: %s", e)
        stores.errors.append(("enrollment store", e))
    try:
        from pipeline.stores.hospitals import open_hospitals

        stores.hospitals = open_hospitals(None, settings)
    except Exception as e:
        log.error("hospital catalogue unavailable: %s", e)
        if settings.hospitals_url:  # a configured catalogue that cannot be read: every case to review
            stores.errors.append(("hospital catalogue", e))
    try:
        stores.register = open_register(settings)
    except Exception as e:
        log.error("invoice register unavailable: %s", e)
        stores.errors.append(("invoice register", e))
    return stores


def build_runner(
    settings: Settings | None = None,
    *,
    enrollment: str | None = None,
    pool: bool = True,
    engine: OcrEngine | None = None,
    stores: Stores | None = None,
) -> CaseRunner:
    """A runner for the configuration: registry, stores, worker pool (unless ``pool`` is False or an
    ``engine`` instance is given, which runs in-process)."""
    settings = settings or get_settings()
    stores = stores or open_stores(settings, enrollment)
    return CaseRunner(
        settings,
        build_registry(),
        enrollment=stores.enrollment,
        register=stores.register,
        hospitals=stores.hospitals,
        store_errors=stores.errors,
        pool=pool,
        engine=engine,
    )


def run_case(case_dir: Path, settings: Settings | None = None, enrollment: str | None = None) -> Report:
    """One case with a fresh runner (the CLI's ``check``): a pool only when it has work for it."""
    settings = settings or get_settings()
    n = len(load_case(case_dir).materials)
    use_pool = settings.effective_workers() > 1 and n > 1
    if use_pool:
        settings = settings.model_copy(update={"workers": min(settings.effective_workers(), n)})
    with build_runner(settings, enrollment=enrollment, pool=use_pool) as runner:
        return runner.run(case_dir)


def report_recorder(
    settings: Settings, *, source: str, batch: str | None = None
) -> Callable[[dict[str, Any], Path | str], None]:
    """A function recording each report of a batch or flow run in the case store (for the review
    desk), with its case folder or storage location (``storage:<key>``). A store that cannot be
    opened or written is logged once; the run goes on."""
    from pipeline.stores.cases import open_cases

    state: dict[str, Any] = {"store": None, "failed": False}

    def record(report: dict[str, Any], location: Path | str) -> None:
        if state["failed"]:
            return
        loc = str(location.resolve()) if isinstance(location, Path) else location
        try:
            if state["store"] is None:
                state["store"] = open_cases(settings)
            state["store"].record_report(report, location=loc, source=source, batch=batch)
        except Exception as e:
            state["failed"] = True
            log.error("case store unavailable, reports not recorded for the desk: %s", type(e).__name__)

    return record
