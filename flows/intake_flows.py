"""Prefect flows: ``process_case`` (one case, on demand right after submission) and ``nightly_batch``
(every pending case under a prefix or date). They only orchestrate :mod:`flows.core`, which calls the
same pipeline core as the ``intake`` CLI.

Parameters, run names, logs and persisted results hold case keys, case ids, decisions and flag codes:
never names or ID numbers (those stay in the case storage, in ``report.json``).
"""

from __future__ import annotations

import functools
import time
from typing import Any

import anyio
import anyio.to_thread
from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NO_CACHE
from prefect.futures import PrefectFuture, as_completed
from prefect.task_runners import ThreadPoolTaskRunner
from prefect.tasks import exponential_backoff
from pydantic_settings import BaseSettings, SettingsConfigDict

from flows.core import (
    STATUS_DEGRADED,
    STATUS_DONE,
    CaseOutcome,
    InjectedCrash,
    build_summary,
    close_runners,
    current_storage,
    failed_outcome,
    is_retryable,
    process_key,
    select_pending,
    shared_runner,
    single_case_runner,
)
from flows.progress import BatchProgress
from flows.worklist import check_prefix, date_prefix, parse_date
from pipeline.config import get_settings
from pipeline.ocr import check_engine
from pipeline.pii import install_log_redaction

PROCESSED = (STATUS_DONE, STATUS_DEGRADED)


class FlowSettings(BaseSettings):
    """Orchestration knobs (env ``INTAKE_FLOW_*``)."""

    model_config = SettingsConfigDict(env_prefix="INTAKE_FLOW_", env_file=".env", extra="ignore")

    retries: int = 3  # per case, on transient storage / database / OCR errors
    retry_backoff: float = 2.0  # seconds before the first retry; doubles each time
    case_timeout: float = 1800.0  # seconds per case (fetch + run + store)
    concurrency: int = 4  # cases in flight in one batch (like ``intake batch``'s window)
    dask_address: str | None = None  # e.g. tcp://scheduler:8786: run the batch's cases on a Dask cluster
    progress_every_cases: int = 10  # off a terminal: a progress line every this many cases ...
    progress_every_seconds: float = 30.0  # ... or this many seconds, whichever comes first


def batch_task_runner() -> Any:
    """Threads in the flow-run process by default; a Dask cluster when ``INTAKE_FLOW_DASK_ADDRESS`` is
    set (each Dask worker keeps its own pipeline runner, OCR model loaded once per worker)."""
    address = FlowSettings().dask_address
    if address:
        from prefect_dask import DaskTaskRunner

        return DaskTaskRunner(address=address)
    return ThreadPoolTaskRunner()


def _retry_transient(task: Any, task_run: Any, state: Any) -> bool:
    """Retry only errors that may go away: transient storage, database connection, OCR engine."""
    data = getattr(state, "data", None)
    if isinstance(data, BaseException):
        return is_retryable(data)
    try:
        state.result(_sync=True)  # sync even inside an async task's event loop
    except BaseException as e:
        return is_retryable(e)
    return False


def _redact_prefect_logs() -> None:
    import logging

    for name in ("prefect.flow_runs", "prefect.task_runs"):
        install_log_redaction(logging.getLogger(name))


@task(
    name="find-pending",
    retries=3,
    retry_delay_seconds=exponential_backoff(2.0),
    retry_condition_fn=_retry_transient,
    cache_policy=NO_CACHE,
)
def find_pending(prefix: str, force: bool = False) -> list[str]:
    return select_pending(current_storage(), prefix, force=force)


@task(
    name="case",
    task_run_name="case {key}",
    retries=3,
    retry_delay_seconds=exponential_backoff(2.0),
    retry_jitter_factor=0.2,
    retry_condition_fn=_retry_transient,
    timeout_seconds=1800,
    cache_policy=NO_CACHE,
)
async def case_task(key: str, force: bool = False, shared: bool = True) -> dict[str, Any]:
    """fetch -> run -> store for one case key; returns the outcome (keys, codes, timings only).

    Async only so that the timeout is enforced: the blocking work runs in a thread, and a case that
    overruns is marked TimedOut at once (its thread cannot be killed; should it finish later, its report
    and state are still consistent, since the state marker is written last).
    """
    run = shared_runner() if shared else single_case_runner()
    storage = current_storage()
    outcome = await anyio.to_thread.run_sync(
        functools.partial(process_key, storage, key, run, force=force), abandon_on_cancel=True
    )
    get_run_logger().info(
        "case %s: %s %s (%d flags) in %.2f s",
        key,
        outcome.status,
        outcome.decision or "-",
        len(outcome.flags),
        outcome.seconds,
    )
    return outcome.to_dict()


def _configured_case_task(cfg: FlowSettings) -> Any:
    return case_task.with_options(
        retries=cfg.retries,
        retry_delay_seconds=exponential_backoff(cfg.retry_backoff) if cfg.retry_backoff > 0 else 0,
        timeout_seconds=cfg.case_timeout,
    )


@flow(name="process-case", flow_run_name="case {key}", persist_result=True)
def process_case(key: str, force: bool = False) -> dict[str, Any]:
    """One case on demand (right after submission): the report goes beside the case in storage; the
    flow's persisted result is the outcome (decision, flag codes, report checksum)."""
    _redact_prefect_logs()
    check_engine(get_settings())  # an engine that cannot load fails the flow run: the case stays pending
    cfg = FlowSettings()
    return _configured_case_task(cfg).submit(key, force=force, shared=False).result()  # type: ignore[no-any-return]


def resolve_prefix(prefix: str | None, date: str | None) -> str:
    """``prefix`` as given, or ``<settings.s3_prefix><date>/`` for a date, or all incoming cases.
    :class:`~pipeline.errors.UsageError` for a date that is not ``YYYY-MM-DD`` or an unusable prefix."""
    day = parse_date(date)
    if prefix is not None:
        return check_prefix(prefix) or ""
    return date_prefix(get_settings().s3_prefix, day)


def _outcome_of(key: str, fut: PrefectFuture[dict[str, Any]]) -> CaseOutcome:
    try:
        return CaseOutcome.from_dict(fut.result())
    except Exception as e:  # retries exhausted or a permanent error: stays pending for the next run
        return failed_outcome(key, e)


@flow(name="nightly-batch", persist_result=True, task_runner=batch_task_runner())
def nightly_batch(
    prefix: str | None = None,
    date: str | None = None,
    concurrency: int | None = None,
    force: bool = False,
    fail_after: int | None = None,
) -> dict[str, Any]:
    """Every pending case under ``prefix`` (or ``incoming/<date>/``, default: all of ``incoming/``).

    Idempotent (a case whose inputs did not change is skipped), resumable (state markers are written per
    case as it finishes, so a rerun after a crash picks up the rest), bounded (at most ``concurrency``
    cases in flight). ``fail_after`` is a test hook: raise after that many cases were processed.
    """
    _redact_prefect_logs()
    # An OCR engine that cannot be loaded at all (not installed, no models) is a configuration error:
    # the flow run fails here, before any case is taken, and every case stays pending for the run after
    # the fix. (An engine that loads but fails on a page is the degraded path: report, redo next run.)
    check_engine(get_settings())
    log = get_run_logger()
    cfg = FlowSettings()
    limit = max(1, concurrency or cfg.concurrency)
    pfx = resolve_prefix(prefix, date)
    t0 = time.perf_counter()
    keys = find_pending(pfx, force=force)
    log.info("%d pending cases under %s", len(keys), pfx or "/")
    run_case_task = _configured_case_task(cfg)
    outcomes: list[CaseOutcome] = []
    inflight: dict[PrefectFuture[dict[str, Any]], str] = {}

    progress = BatchProgress(
        len(keys),
        emit=log.info,
        every_cases=cfg.progress_every_cases,
        every_seconds=cfg.progress_every_seconds,
    )

    def collect_one() -> None:
        fut = next(iter(as_completed(list(inflight))))
        outcomes.append(_outcome_of(inflight.pop(fut), fut))
        progress.advance()
        if fail_after is not None and sum(o.status in PROCESSED for o in outcomes) >= fail_after:
            raise InjectedCrash(f"injected crash after {fail_after} cases")

    try:
        with progress:
            for key in keys:
                while len(inflight) >= limit:
                    collect_one()
                inflight[run_case_task.submit(key, force=force)] = key
            while inflight:
                collect_one()
    finally:
        for fut in list(inflight):  # on a crash: let cases already running finish (or fail) first
            fut.wait()
        close_runners()
    summary = build_summary(outcomes, prefix=pfx, seconds=time.perf_counter() - t0)
    create_markdown_artifact(
        key="intake-batch-summary", markdown=summary.markdown(), description=f"intake batch {pfx}"
    )
    if summary.slowest:
        create_table_artifact(
            key="intake-batch-slowest",
            table=[{"key": k, "case_id": c or "", "seconds": round(s, 2)} for k, c, s in summary.slowest],
            description="slowest cases of the batch",
        )
    if summary.work:
        create_table_artifact(
            key="intake-batch-worklist",
            table=[
                {"decision": w.decision, "case_id": w.case_id, "flags": " ".join(w.flags), "key": w.key}
                for w in summary.work
            ],
            description="cases to return and to review, with their flag codes",
        )
    log.info(
        "batch done: %s",
        ", ".join(f"{n} {s}" for s, n in sorted(summary.by_status.items())) or "nothing to do",
    )
    return summary.to_dict()
