"""The case runner: load the case, read every material (in parallel across processes), run the
reader and the checks of its :class:`~pipeline.plugins.Registry`, assemble the report and decide.

The runner imports no extractor, check or store: the composition root (``pipeline.app.wiring``) gives it
a registry, the stores and, optionally, an OCR engine.

Stages, in order (each a plain function):

1. ``load_case``                       case.json -> Case
2. ``process_material`` (per material, in a worker process)
   ingest (bytes -> pages) -> OCR (pages -> upright lines) -> ``read_document`` (lines -> typed
   document with fields) -> material checks (pixels + document -> flags, quality)
3. case checks (all materials + enrollment + invoice register -> flags)
4. ``decide`` (flags -> pass / review / return)
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import time
import traceback
from collections.abc import Iterable, Iterator
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np

from pipeline import __version__, timing
from pipeline.codes import Severity
from pipeline.config import Settings
from pipeline.ingest import IngestResult, ingest, set_pixel_limits
from pipeline.messages import make_flag
from pipeline.models import (
    Case,
    CaseError,
    DocType,
    Document,
    MaterialRef,
    MaterialResult,
    OcrLine,
    PageText,
    Report,
    decide,
    load_case,
)
from pipeline.ocr import OcrEngine, get_engine, read_line, recognize_page, recognize_region, upright
from pipeline.pixels import sweep_orphans
from pipeline.plugins import (
    CaseContext,
    EnrollmentLookup,
    HospitalLookup,
    InvoiceRegister,
    MaterialContext,
    Registry,
)
from pipeline.safety import entry_problem, page_blank, utf8_name

log = logging.getLogger(__name__)

#: files in a case folder that are not materials
RESERVED_FILES = {"case.json", "expected.json", "report.json", ".intake-state.json"}


# --------------------------------------------------------------------------- one material


def _system_flag(material: str | None, step: str, err: BaseException) -> Any:
    return make_flag(
        "system.processing_failed",
        Severity.WARNING,
        material=material,
        params={"step": step, "error": type(err).__name__},
    )


def _render_scale(page: Any) -> float:
    """Pixels per PDF point of a rendered PDF page (its ``dpi`` / 72); 1.0 for images."""
    return float(page.dpi) / 72.0 if page.source != "image" and page.dpi else 1.0


def _read_pages(pages: list[Any], settings: Settings, engine: OcrEngine | None = None) -> list[PageText]:
    """OCR page by page (a long material's pixels are read back one page at a time)."""
    texts: list[PageText] = []
    for page in pages:
        if page.text_lines is not None:
            texts.append(
                PageText(
                    index=page.index,
                    width=page.width,
                    height=page.height,
                    source=page.source,
                    lines=page.text_lines,
                    render_scale=_render_scale(page),
                )
            )
            continue
        image = page.image
        if page_blank(image):  # nothing to read: no OCR (a blank page is flagged by its check)
            texts.append(PageText(index=page.index, width=page.width, height=page.height, source=page.source))
            continue
        lines, rotation = recognize_page(image, settings, engine)
        del image
        w, h = (page.height, page.width) if rotation in (90, 270) else (page.width, page.height)
        texts.append(
            PageText(
                index=page.index,
                width=w,
                height=h,
                source=page.source,
                rotation=rotation,
                lines=lines,
                render_scale=_render_scale(page),
            )
        )
    return texts


class _PageLook:
    """The reader's second look at the pages of one material (upright, through the OCR cache): one
    line read from a box (recognition only, optionally restricted to an alphabet), or a band read
    again, enlarged (:meth:`lines`). A page without pixels, an empty box or an OCR error gives
    nothing: a second look never fails a material."""

    def __init__(
        self, pages: list[Any], texts: list[PageText], settings: Settings, engine: OcrEngine | None
    ) -> None:
        self._pages = {p.index: p for p in pages}
        self._rotation = {t.index: t.rotation for t in texts}
        self._settings = settings
        self._engine = engine
        self._upright: dict[int, np.ndarray] = {}  # each page turned once, for all its looks

    def _crop(self, page: int, box: tuple[float, float, float, float]) -> tuple[np.ndarray, int, int] | None:
        up = self._upright.get(page)
        if up is None:
            p = self._pages.get(page)
            if p is None or not p.has_pixels:
                return None
            up = self._upright[page] = upright(p.image, self._rotation.get(page, 0))
        h, w = up.shape[:2]
        x0, y0 = max(0, int(box[0])), max(0, int(box[1]))
        x1, y1 = min(w, round(box[2])), min(h, round(box[3]))
        if x1 - x0 < 4 or y1 - y0 < 4:
            return None
        return np.ascontiguousarray(up[y0:y1, x0:x1]), x0, y0

    def __call__(
        self, page: int, box: tuple[float, float, float, float], alphabet: str | None = None
    ) -> OcrLine | None:
        crop = self._crop(page, box)
        if crop is None:
            return None
        try:
            with timing.stage("second_look"):
                return read_line(crop[0], self._settings, self._engine, alphabet=alphabet)
        except Exception as e:  # a second look is a bonus: never fail the material for it
            log.warning("second look not read: %s", type(e).__name__)
            return None

    def lines(self, page: int, box: tuple[float, float, float, float]) -> list[OcrLine]:
        crop = self._crop(page, box)
        if crop is None:
            return []
        image, dx, dy = crop
        try:
            with timing.stage("second_look.region"):
                found = recognize_region(image, self._settings, self._engine)
        except Exception as e:
            log.warning("region not read again: %s", type(e).__name__)
            return []
        return [
            OcrLine(
                text=ln.text,
                polygon=[(x + dx, y + dy) for x, y in ln.polygon],
                confidence=ln.confidence,
            )
            for ln in found
        ]


def _looker(
    pages: list[Any], texts: list[PageText], settings: Settings, engine: OcrEngine | None
) -> _PageLook:
    """The reader's second look at these pages (:class:`_PageLook`)."""
    return _PageLook(pages, texts, settings, engine)


def process_material(
    case: Case,
    ref: MaterialRef,
    case_dir: Path,
    settings: Settings,
    registry: Registry,
    engine: OcrEngine | None = None,
) -> MaterialResult:
    """Everything about one material that needs its bytes or pixels. Never raises."""
    with timing.collect() as acc:
        res = _process_material(case, ref, case_dir, settings, registry, engine)
    res.timing = acc
    return res


def _process_material(
    case: Case,
    ref: MaterialRef,
    case_dir: Path,
    settings: Settings,
    registry: Registry,
    engine: OcrEngine | None,
) -> MaterialResult:
    t0 = time.perf_counter()
    res = MaterialResult(file=ref.file, declared_type=ref.declared_type)
    path = case_dir / ref.file
    refused = entry_problem(case_dir, ref.file)
    if refused:  # a case folder is closed: links, FIFOs, devices are not followed or opened
        res.flags.append(
            make_flag(
                "material.unreadable#refused",
                Severity.BLOCKER,
                material=ref.file,
                params={"file": ref.file, "refused": refused},
            )
        )
        res.seconds = time.perf_counter() - t0
        return res
    if not path.is_file():
        res.flags.append(
            make_flag(
                "material.not_uploaded",
                Severity.BLOCKER,
                material=ref.file,
                params={"file": ref.file},
            )
        )
        res.seconds = time.perf_counter() - t0
        return res
    with timing.stage("ingest"):
        ing = ingest(path, settings, case_dir=case_dir)
    with ing:  # a long material's pages are on disk until its checks are done: removed on every path
        return _read_material(case, ref, settings, registry, engine, res, ing, t0)


def _read_material(
    case: Case,
    ref: MaterialRef,
    settings: Settings,
    registry: Registry,
    engine: OcrEngine | None,
    res: MaterialResult,
    ing: IngestResult,
    t0: float,
) -> MaterialResult:
    res.sha256, res.kind = ing.sha256, ing.kind
    if ing.error:
        res.flags.append(
            make_flag(
                "material.unreadable",
                Severity.BLOCKER,
                material=ref.file,
                params={"file": ref.file, "error": ing.error},
            )
        )
        res.seconds = time.perf_counter() - t0
        return res
    try:
        with timing.stage("ocr"):
            texts = _read_pages(ing.pages, settings, engine)
    except Exception as e:
        log.error("OCR failed on a material: %s", e)
        res.flags.append(_system_flag(ref.file, "ocr", e))
        res.seconds = time.perf_counter() - t0
        return res
    res.pages = texts
    try:
        with timing.stage("read_document"):
            document = registry.read_document(
                texts, ref.declared_type, look=_looker(ing.pages, texts, settings, engine)
            )
    except Exception as e:
        log.error("reading the document failed: %s", traceback.format_exc(limit=3))
        res.flags.append(_system_flag(ref.file, "extraction", e))
        document = Document(type=DocType.UNKNOWN)
    ctx = MaterialContext(
        case=case, ref=ref, settings=settings, pages=ing.pages, texts=texts, document=document, engine=engine
    )
    for check in registry.material_checks:
        try:
            with timing.stage(f"check.{getattr(check, '__name__', '?')}"):
                for f in check(ctx):
                    if f.material is None:
                        f.material = ref.file
                    res.flags.append(f)
        except Exception as e:
            log.error(
                "material check %s failed: %s",
                getattr(check, "__name__", check),
                traceback.format_exc(limit=3),
            )
            res.flags.append(_system_flag(ref.file, f"check {getattr(check, '__name__', '?')}", e))
    res.document = ctx.document
    res.detected_type = ctx.document.type if ctx.document else DocType.UNKNOWN
    res.type_confidence = ctx.document.confidence if ctx.document else 0.0
    res.quality = ctx.quality
    res.seconds = time.perf_counter() - t0
    return res


# --------------------------------------------------------------------------- worker processes

_worker_settings: Settings | None = None
_worker_registry: Registry | None = None


def _init_worker(settings: Settings, threads: int, registry: Registry) -> None:
    global _worker_settings, _worker_registry
    os.environ.setdefault("OMP_NUM_THREADS", str(threads))
    # OpenCV's pool is not resized here: cv2.setNumThreads in a forked child whose parent had used that
    # pool deadlocks (seen in the test suite); the pool's threads stay bounded by the cores anyway.
    _worker_settings = settings.model_copy(update={"ocr_threads": threads})
    _worker_registry = registry
    set_pixel_limits(_worker_settings)
    try:
        get_engine(_worker_settings)  # load the model once per process
    except Exception as e:  # reported per material when used
        log.error("OCR engine failed to load: %s", e)


def _worker_process(case: Case, ref: MaterialRef, case_dir: str) -> MaterialResult:
    assert _worker_settings is not None and _worker_registry is not None
    return process_material(case, ref, Path(case_dir), _worker_settings, _worker_registry)


def _warm(_: int) -> int:
    return os.getpid()


def _share_opencv_threads(threads: int) -> None:
    """OpenCV's own thread pool sized like the engine's threads per worker, set here in the parent
    before the workers are forked (they inherit it; resizing it inside a forked child deadlocks).
    With a worker per core, OpenCV's default of a thread per core in every worker only makes the
    workers' threads fight over the cores: the golden gate took 7 % more CPU that way."""
    import cv2

    if cv2.getNumThreads() != threads:
        cv2.setNumThreads(threads)


def make_pool(settings: Settings, registry: Registry) -> ProcessPoolExecutor | None:
    workers = settings.effective_workers()
    if workers <= 1:
        return None
    threads = settings.effective_ocr_threads(workers)
    _share_opencv_threads(threads)
    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
    pool = ProcessPoolExecutor(
        max_workers=workers,
        mp_context=multiprocessing.get_context(method),
        initializer=_init_worker,
        initargs=(settings, threads, registry),
    )
    list(pool.map(_warm, range(workers)))  # start the workers before any progress thread runs
    return pool


# --------------------------------------------------------------------------- the case


def _unlisted_flags(case: Case, case_dir: Path) -> list[Any]:
    listed = {m.file for m in case.materials}
    out = []
    for p in sorted(case_dir.iterdir()):
        if (
            p.is_file()
            and p.name not in listed
            and p.name not in RESERVED_FILES
            and not p.name.startswith(".")
        ):
            name = utf8_name(p.name)  # a name that is not UTF-8 is shown with \xff escapes
            out.append(
                make_flag(
                    "material.unlisted",
                    Severity.WARNING,
                    material=name,
                    params={"file": name},
                )
            )
    return out


class CaseRunner:
    """Runs cases with one worker pool and one set of stores, reused across cases.

    Everything it runs is given: the registry (reader and checks, in order), the stores (enrollment
    reference, invoice register; None when absent, with ``store_errors`` saying why one could not be
    opened) and, optionally, an OCR engine for in-process work (worker processes load the engine the
    settings name). ``pipeline.app.wiring.build_runner`` builds one from the configuration.
    """

    def __init__(
        self,
        settings: Settings,
        registry: Registry,
        *,
        enrollment: EnrollmentLookup | None = None,
        register: InvoiceRegister | None = None,
        hospitals: HospitalLookup | None = None,
        store_errors: Iterable[tuple[str, BaseException]] = (),
        pool: bool = True,
        engine: OcrEngine | None = None,
    ) -> None:
        self.settings = settings
        self.registry = registry
        self.engine = engine
        self._enrollment = enrollment
        self._register = register
        self._hospitals = hospitals
        self._store_errors = list(store_errors)
        set_pixel_limits(self.settings)
        sweep_orphans()  # pages a killed worker of an earlier run left behind
        self._pool: Executor | None = make_pool(self.settings, registry) if pool and engine is None else None

    def close(self) -> None:
        if isinstance(self._pool, ProcessPoolExecutor):
            self._pool.shutdown(wait=True, cancel_futures=True)
        self._pool = None

    def __enter__(self) -> CaseRunner:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- materials
    def _submit(self, case: Case, case_dir: Path) -> list[Future[MaterialResult] | MaterialResult]:
        out: list[Future[MaterialResult] | MaterialResult] = []
        for ref in case.materials:
            if self._pool is None:
                out.append(process_material(case, ref, case_dir, self.settings, self.registry, self.engine))
            else:
                out.append(self._pool.submit(_worker_process, case, ref, str(case_dir)))
        return out

    def _collect(
        self, case: Case, pending: list[Future[MaterialResult] | MaterialResult]
    ) -> list[MaterialResult]:
        results = []
        for ref, item in zip(case.materials, pending, strict=True):
            if isinstance(item, MaterialResult):
                results.append(item)
                continue
            try:
                results.append(item.result())
            except Exception as e:  # a worker died (OOM kill, segfault in a decoder)
                log.error("worker failed on a material: %s", e)
                r = MaterialResult(file=ref.file, declared_type=ref.declared_type)
                r.flags.append(_system_flag(ref.file, "worker", e))
                results.append(r)
        return results

    # -- the case
    def _finish(self, case: Case, case_dir: Path, materials: list[MaterialResult], t0: float) -> Report:
        flags = [f for m in materials for f in m.flags]
        flags.extend(_unlisted_flags(case, case_dir))
        for step, err in self._store_errors:
            flags.append(
                make_flag(
                    "system.processing_failed#store",
                    Severity.WARNING,
                    params={"step": step, "error": type(err).__name__},
                )
            )
        ctx = CaseContext(
            case=case,
            settings=self.settings,
            materials=materials,
            enrollment=self._enrollment,
            register=self._register,
            hospitals=self._hospitals,
        )
        case_timing: dict[str, float] = {}
        for check in self.registry.case_checks:
            try:
                t_check = time.perf_counter()
                flags.extend(check(ctx))
                name = f"case.{getattr(check, '__name__', '?')}"
                case_timing[name] = case_timing.get(name, 0.0) + time.perf_counter() - t_check
            except Exception as e:
                log.error(
                    "case check %s failed: %s",
                    getattr(check, "__name__", check),
                    traceback.format_exc(limit=3),
                )
                flags.append(_system_flag(None, f"check {getattr(check, '__name__', '?')}", e))
        decision = decide(flags)
        if self._register is not None:
            try:  # a returned case's invoices must not make its corrected resubmission a duplicate:
                # stored for this applicant and the invoices this run checked, nothing else
                from pipeline.stores.invoice_register import applicant_key

                self._register.set_decision(
                    case.case_id,
                    decision.value,
                    applicant=applicant_key(case.applicant.id_number),
                    invoices=list(ctx.checked_invoices),
                )
            except Exception as e:
                log.error("invoice register: could not store the decision: %s", e)
        return Report(
            case_id=case.case_id,
            decision=decision,
            flags=flags,
            materials=materials,
            service=case.service.value,
            region=case.region,
            engine=f"{self.settings.ocr_engine}"
            + (f" {self.settings.ocr_model}" if self.settings.ocr_engine == "faster-paddle" else "")
            + f"; intake {__version__}",
            seconds=time.perf_counter() - t0,
            timing=case_timing,
        )

    def run(self, case_dir: Path) -> Report:
        """One case. Raises CaseError when the folder or its case.json cannot be used."""
        t0 = time.perf_counter()
        case = load_case(case_dir)
        materials = self._collect(case, self._submit(case, case_dir))
        return self._finish(case, case_dir, materials, t0)

    def run_many(
        self, case_dirs: Iterable[Path], window: int = 4
    ) -> Iterator[tuple[Path, Report | CaseError]]:
        """Cases in order, keeping the next ``window`` cases' materials queued in the pool."""
        queue: list[tuple[Path, float, Case | CaseError, list[Any]]] = []
        it = iter(case_dirs)

        def fill() -> None:
            while len(queue) < max(1, window):
                try:
                    d = next(it)
                except StopIteration:
                    return
                t0 = time.perf_counter()
                try:
                    case = load_case(d)
                    queue.append((d, t0, case, self._submit(case, d)))
                except CaseError as e:
                    queue.append((d, t0, e, []))
                except Exception as e:  # whatever breaks one case never stops the others
                    queue.append((d, t0, _unexpected(e, "reading the case"), []))

        fill()
        while queue:
            d, t0, case_or_err, pending = queue.pop(0)
            if isinstance(case_or_err, CaseError):
                yield d, case_or_err
            else:
                try:
                    materials = self._collect(case_or_err, pending)
                    result: Report | CaseError = self._finish(case_or_err, d, materials, t0)
                except Exception as e:
                    result = _unexpected(e, "checking the case")
                yield d, result
            fill()


def _unexpected(e: BaseException, step: str) -> CaseError:
    """A failure that is not the case folder's fault, as the case's one-line error."""
    log.error("%s failed: %s", step, traceback.format_exc(limit=3))
    return CaseError(f"{step} failed: {type(e).__name__}")


def find_cases(root: Path) -> list[Path]:
    """Every folder under ``root`` (itself included) that holds a case.json, in sorted order."""
    return sorted({p.parent for p in root.rglob("case.json") if p.is_file()})


def broken_case_report(case_dir: Path, err: CaseError) -> dict[str, Any]:
    """The JSON line a batch writes for a case folder that cannot be used."""
    f = make_flag(
        "system.processing_failed#broken_case",
        Severity.WARNING,
        params={"error": str(err)[:300]},
    )
    return {
        "case_id": case_dir.name,
        "decision": "review",
        "flags": [f.to_json()],
        "materials": [],
        "error": str(err)[:300],
    }
