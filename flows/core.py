"""What the flows do, without Prefect: fetch -> run -> store for one case, pending-case selection,
and the batch summary. The Prefect flows in this package only orchestrate these functions.

Nothing here logs or returns personal data: outcomes carry case keys, case ids, decisions, flag codes,
timings and checksums only.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures.process import BrokenProcessPool
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from flows.storage import CaseStorage, StorageError, fingerprint_dir, get_storage
from flows.worklist import WorkItem, sort_items, work_item, worklist_markdown
from pipeline.config import Settings, get_settings
from pipeline.errors import TransientError
from pipeline.pii import redact

#: a case runner: a case folder in, a Report (``.to_json()``, ``.decision``, ``.flags``) out
RunFn = Callable[[Path], Any]

STATUS_DONE = "done"  # report written
STATUS_INVALID = "invalid"  # the case folder cannot be used (CaseError): nothing to report until it changes
STATUS_SKIPPED = "skipped"  # inputs unchanged since the last run
STATUS_FAILED = "failed"  # an error the retries did not cure; the case stays pending
STATUS_DEGRADED = "degraded"  # report written, but a step failed inside the pipeline: redone next run
SYSTEM_FLAG = "system.processing_failed"
MAX_DEGRADED_ATTEMPTS = 3  # after this many degraded runs on the same inputs, the report stands
TERMINAL = frozenset({STATUS_DONE, STATUS_INVALID})


class InjectedCrash(RuntimeError):
    """Raised by the batch's test-only ``fail_after`` hook to simulate a crash midway."""


# --------------------------------------------------------------------------- retryable errors


def retryable_errors() -> tuple[type[BaseException], ...]:
    """Errors worth a retry: the project's transient errors (storage, database, OCR engine), a database
    connection dropped under SQLAlchemy, a worker process that died, a timeout."""
    from sqlalchemy.exc import DisconnectionError, OperationalError
    from sqlalchemy.exc import TimeoutError as PoolTimeout

    return (
        TransientError,
        BrokenProcessPool,
        TimeoutError,
        OperationalError,
        DisconnectionError,
        PoolTimeout,
    )


def is_retryable(exc: BaseException | None) -> bool:
    return exc is not None and isinstance(exc, retryable_errors())


def safe_error(exc: BaseException, limit: int = 300) -> str:
    """An error as ``Type: message`` with ID numbers masked, for states and logs."""
    return redact(f"{type(exc).__name__}: {exc}")[:limit]


# --------------------------------------------------------------------------- outcomes


@dataclass
class CaseOutcome:
    key: str
    status: str
    case_id: str | None = None
    decision: str | None = None
    flags: list[str] = field(default_factory=list)  # flag codes, one per flag
    seconds: float = 0.0
    fingerprint: str | None = None
    report_sha256: str | None = None
    error: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> CaseOutcome:
        return cls(**{k: d[k] for k in cls.__dataclass_fields__ if k in d})


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def is_pending(storage: CaseStorage, key: str, force: bool = False) -> tuple[bool, str]:
    """Whether a case needs (re)processing, and its current input fingerprint."""
    fp = storage.input_fingerprint(key)
    if force:
        return True, fp
    state = storage.read_state(key)
    done = bool(state and state.get("fingerprint") == fp and state.get("status") in TERMINAL)
    return not done, fp


def select_pending(storage: CaseStorage, prefix: str, force: bool = False) -> list[str]:
    """Keys under ``prefix`` whose inputs changed since they were last processed (or never were)."""
    return [key for key in storage.list_cases(prefix) if is_pending(storage, key, force)[0]]


_RECORDERS: dict[int, Any] = {}


def _record_for_desk(report: dict[str, Any], key: str) -> None:
    """Record the report in the case store (the review desk reads the case through the storage)."""
    from pipeline.app.wiring import report_recorder

    rec = _RECORDERS.get(os.getpid())
    if rec is None:
        rec = _RECORDERS[os.getpid()] = report_recorder(get_settings(), source="flows")
    rec(report, f"storage:{key}")


def process_key(
    storage: CaseStorage,
    key: str,
    run: RunFn,
    *,
    force: bool = False,
    workdir: Path | None = None,
    max_degraded_attempts: int = MAX_DEGRADED_ATTEMPTS,
) -> CaseOutcome:
    """Fetch one case to a temporary folder, run the pipeline on it, write report and state back.

    Idempotent: a case whose input fingerprint equals the one in its ``done``/``invalid`` state is
    skipped. The report is written before the state, so a crash between the two only means the case is
    redone (and its report rewritten) on the next run; never a lost case. Transient errors propagate
    for the caller's retry policy. A report with ``system.processing_failed`` (the OCR engine, a worker
    process or a store failed inside the pipeline, which then sends the case to review) is written, and
    the case stays pending (status ``degraded``) for up to ``max_degraded_attempts`` runs on the same
    inputs.
    """
    from pipeline.models import CaseError

    t0 = time.perf_counter()
    pending, fp = is_pending(storage, key, force)
    if not pending:
        st = storage.read_state(key) or {}
        return CaseOutcome(
            key=key,
            status=STATUS_SKIPPED,
            case_id=st.get("case_id"),
            decision=st.get("decision"),
            flags=list(st.get("flags") or []),
            fingerprint=fp,
            report_sha256=st.get("report_sha256"),
        )
    with tempfile.TemporaryDirectory(prefix="intake-case-", dir=workdir) as tmp:
        case_dir = storage.fetch_case(key, Path(tmp) / "case")
        fp = fingerprint_dir(case_dir)  # what was actually processed
        try:
            report = run(case_dir)
        except CaseError as e:
            seconds = time.perf_counter() - t0
            err = safe_error(e)
            storage.write_state(
                key,
                {
                    "status": STATUS_INVALID,
                    "fingerprint": fp,
                    "error": err,
                    "finished_at": _now(),
                    "seconds": round(seconds, 3),
                },
            )
            return CaseOutcome(key=key, status=STATUS_INVALID, fingerprint=fp, seconds=seconds, error=err)
    rj = report.to_json()
    codes = [f["code"] for f in rj.get("flags", [])]
    prev = storage.read_state(key) or {}
    attempts = 1
    if prev.get("status") == STATUS_DEGRADED and prev.get("fingerprint") == fp:
        attempts = int(prev.get("attempts") or 1) + 1
    degraded = SYSTEM_FLAG in codes
    status = STATUS_DEGRADED if degraded and attempts < max_degraded_attempts else STATUS_DONE
    digest = storage.write_report(key, rj)
    _record_for_desk(rj, key)
    seconds = time.perf_counter() - t0
    outcome = CaseOutcome(
        key=key,
        status=status,
        case_id=rj.get("case_id"),
        decision=rj.get("decision"),
        flags=codes,
        seconds=seconds,
        fingerprint=fp,
        report_sha256=digest,
    )
    storage.write_state(
        key,
        {
            "status": status,
            "fingerprint": fp,
            "attempts": attempts,
            "degraded": degraded,
            "case_id": outcome.case_id,
            "decision": outcome.decision,
            "flags": codes,
            "report_sha256": digest,
            "finished_at": _now(),
            "seconds": round(seconds, 3),
        },
    )
    return outcome


# --------------------------------------------------------------------------- process-wide resources

_lock = threading.Lock()
_storage_override: CaseStorage | None = None
_runners: dict[tuple[str, str | None], Any] = {}


@contextlib.contextmanager
def use_storage(storage: CaseStorage) -> Iterator[CaseStorage]:
    """Make the flows of this process use ``storage`` (tests, fault injection, embedding)."""
    global _storage_override
    prev = _storage_override
    _storage_override = storage
    try:
        yield storage
    finally:
        _storage_override = prev


def current_storage(settings: Settings | None = None) -> CaseStorage:
    return _storage_override or get_storage(settings or get_settings())


def shared_runner(settings: Settings | None = None, enrollment: str | None = None) -> RunFn:
    """One :class:`pipeline.runner.CaseRunner` per process and configuration (worker pool and stores
    reused across cases; on a Dask worker it lives as long as the worker)."""
    from pipeline.app.wiring import build_runner

    s = settings or get_settings()
    ident = (s.model_dump_json(), enrollment)
    with _lock:
        runner = _runners.get(ident)
        if runner is None:
            runner = _runners[ident] = build_runner(s, enrollment=enrollment)
    return runner.run  # type: ignore[no-any-return]


def close_runners() -> None:
    with _lock:
        runners = list(_runners.values())
        _runners.clear()
    for r in runners:
        with contextlib.suppress(Exception):
            r.close()


def single_case_runner(settings: Settings | None = None, enrollment: str | None = None) -> RunFn:
    """The CLI's ``check`` path: a fresh runner for one case."""
    from pipeline.app.wiring import run_case

    s = settings or get_settings()
    return lambda case_dir: run_case(case_dir, s, enrollment=enrollment)


# --------------------------------------------------------------------------- the batch summary


@dataclass
class BatchSummary:
    prefix: str
    total: int = 0
    by_status: Counter[str] = field(default_factory=Counter)
    by_decision: Counter[str] = field(default_factory=Counter)
    by_flag: Counter[str] = field(default_factory=Counter)  # flag occurrences
    cases_by_flag: Counter[str] = field(default_factory=Counter)  # cases with at least one
    slowest: list[tuple[str, str | None, float]] = field(default_factory=list)  # key, case_id, seconds
    failed: list[tuple[str, str]] = field(default_factory=list)  # key, error
    seconds: float = 0.0
    work: list[WorkItem] = field(default_factory=list)  # cases to return / review, with flag codes

    def to_dict(self) -> dict[str, Any]:
        return {
            "prefix": self.prefix,
            "total": self.total,
            "by_status": dict(self.by_status),
            "by_decision": dict(self.by_decision),
            "by_flag": dict(self.by_flag),
            "cases_by_flag": dict(self.cases_by_flag),
            "slowest": [{"key": k, "case_id": c, "seconds": round(s, 3)} for k, c, s in self.slowest],
            "failed": [{"key": k, "error": e} for k, e in self.failed],
            "seconds": round(self.seconds, 3),
            "worklist": [w.to_dict() for w in self.work],
        }

    def markdown(self) -> str:
        lines = [
            f"# Intake batch `{self.prefix or '/'}`",
            "",
            f"{self.total} cases in {self.seconds:.1f} s: "
            + ", ".join(f"{n} {s}" for s, n in sorted(self.by_status.items())),
            "",
            "| decision | cases |",
            "|---|---:|",
        ]
        lines += [f"| {d} | {n} |" for d, n in sorted(self.by_decision.items())] or ["| - | 0 |"]
        lines += ["", "| flag code | flags | cases |", "|---|---:|---:|"]
        lines += [
            f"| `{code}` | {n} | {self.cases_by_flag[code]} |"
            for code, n in sorted(self.by_flag.items(), key=lambda kv: (-kv[1], kv[0]))
        ] or ["| - | 0 | 0 |"]
        lines += ["", "Slowest cases:", "", "| case key | case id | seconds |", "|---|---|---:|"]
        lines += [f"| `{k}` | {c or '-'} | {s:.2f} |" for k, c, s in self.slowest] or ["| - | - | - |"]
        lines += worklist_markdown(self.work)
        if self.failed:
            lines += ["", "Failed (still pending; retried on the next run):", ""]
            lines += [f"- `{k}`: {e}" for k, e in self.failed]
        return "\n".join(lines) + "\n"


def build_summary(
    outcomes: list[CaseOutcome], prefix: str = "", seconds: float = 0.0, slowest: int = 10
) -> BatchSummary:
    """Counts per status, per decision and per flag code (of cases processed in this run) and the
    slowest cases."""
    s = BatchSummary(prefix=prefix, total=len(outcomes), seconds=seconds)
    for o in outcomes:
        s.by_status[o.status] += 1
        if o.status in (STATUS_DONE, STATUS_DEGRADED):
            if o.decision:
                s.by_decision[o.decision] += 1
            s.by_flag.update(o.flags)
            s.cases_by_flag.update(set(o.flags))
            item = work_item(o.key, o.case_id, o.decision, o.flags)
            if item:
                s.work.append(item)
        if o.status == STATUS_FAILED:
            s.failed.append((o.key, o.error or ""))
    timed = sorted(
        (o for o in outcomes if o.status in (STATUS_DONE, STATUS_DEGRADED)), key=lambda o: -o.seconds
    )
    s.slowest = [(o.key, o.case_id, o.seconds) for o in timed[:slowest]]
    s.work = sort_items(s.work)
    return s


def failed_outcome(key: str, exc: BaseException | None) -> CaseOutcome:
    return CaseOutcome(
        key=key, status=STATUS_FAILED, error=safe_error(exc) if exc else "unknown error (no exception)"
    )


__all__ = [
    "STATUS_DEGRADED",
    "STATUS_DONE",
    "STATUS_FAILED",
    "STATUS_INVALID",
    "STATUS_SKIPPED",
    "BatchSummary",
    "CaseOutcome",
    "InjectedCrash",
    "StorageError",
    "build_summary",
    "close_runners",
    "current_storage",
    "failed_outcome",
    "is_pending",
    "is_retryable",
    "process_key",
    "select_pending",
    "shared_runner",
    "single_case_runner",
    "use_storage",
]
