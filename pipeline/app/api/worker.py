"""Durable execution of submissions: runner threads with a warm CaseRunner, leases, callbacks.

The case store is the queue of record; the bounded in-process queue only carries wake-ups. A runner
thread claims the oldest queued submission in the store (a conditional UPDATE), runs it, and writes
the report with a second conditional UPDATE that only the claim holder can make. A maintenance
thread renews this server's leases and puts submissions whose lease ran out (their server died)
back in the queue; so a server killed mid-flight resumes its submissions on restart (after at most
one lease), none is lost and none gets a second report.

Callbacks: when a submission finishes, its delivery is recorded in the same transaction; the
delivery thread POSTs the event, signed with the client's secret::

    X-Intake-Timestamp: <unix seconds>
    X-Intake-Signature: sha256=<hex HMAC-SHA256(secret, timestamp + "." + body)>

and retries with exponential backoff (``api_callback_backoff`` × 2ⁿ) up to ``api_callback_attempts``
times, then marks the delivery failed. Delivery is at least once: receivers dedupe on
``X-Intake-Delivery``. Deliveries go through :func:`~pipeline.app.api.callbacks.delivery_client`: public
hosts only unless ``INTAKE_API_CALLBACK_ALLOW`` allows them, checked after DNS on the address connected
to, no redirects; a refused delivery is marked failed at once.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
import queue
import secrets
import shutil
import threading
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

from pipeline import __version__
from pipeline.app.api.callbacks import CallbackPolicy, CallbackRefused, delivery_client
from pipeline.app.api.executors import ExecutorError, ExecutorInterrupted, ExecutorUnavailable
from pipeline.config import Settings
from pipeline.models import CaseError
from pipeline.safety import applicant_view
from pipeline.stores.cases import CaseStore, Delivery, Submission, utcnow

log = logging.getLogger("intake.api.worker")

EVENT = "submission.completed"


def sign(secret: str, timestamp: str, body: bytes) -> str:
    mac = hmac.new(secret.encode("utf-8"), timestamp.encode("ascii") + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def verify_signature(secret: str, timestamp: str, body: bytes, header: str, tolerance: float = 300) -> bool:
    """What a receiver does: recompute, compare in constant time, refuse stale timestamps."""
    try:
        if abs(time.time() - int(timestamp)) > tolerance:
            return False
    except ValueError:
        return False
    return hmac.compare_digest(sign(secret, timestamp, body), header)


class Waiters:
    """Lets request handlers wait (asynchronously) for a submission to finish in this process."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._events: dict[str, set[asyncio.Event]] = {}
        self.loop: asyncio.AbstractEventLoop | None = None

    def register(self, sid: str) -> asyncio.Event:
        ev = asyncio.Event()
        with self._lock:
            self._events.setdefault(sid, set()).add(ev)
        return ev

    def unregister(self, sid: str, ev: asyncio.Event) -> None:
        with self._lock:
            s = self._events.get(sid)
            if s is not None:
                s.discard(ev)
                if not s:
                    del self._events[sid]

    def notify(self, sid: str) -> None:
        with self._lock:
            evs = list(self._events.get(sid, ()))
        loop = self.loop
        if loop is None or loop.is_closed():
            return
        for ev in evs:
            loop.call_soon_threadsafe(ev.set)


class SubmissionWorker:
    """Runner threads + maintenance + callback delivery for one server process."""

    def __init__(
        self,
        settings: Settings,
        store: CaseStore,
        runner_factory: Callable[[], Any],
        submissions_dir: Path,
        waiters: Waiters | None = None,
        callback_policy: CallbackPolicy | None = None,
    ) -> None:
        self.settings = settings
        self.callback_policy = callback_policy or CallbackPolicy.parse(settings.api_callback_allow)
        self.store = store
        self.runner_factory = runner_factory
        self.submissions_dir = submissions_dir
        self.waiters = waiters or Waiters()
        self.owner = "srv_" + secrets.token_hex(8)
        self.hints: queue.Queue[str] = queue.Queue(maxsize=max(1, settings.api_queue_size))
        self._stop = threading.Event()
        self._deliver_now = threading.Event()
        self._threads: list[threading.Thread] = []
        self.runner: Any = None
        self.avg_seconds = 1.0  # moving average of a submission's run time, for Retry-After
        self._unavailable: dict[str, int] = {}  # submission id -> tries that found the executor down

    # ------------------------------------------------------------------ life cycle
    def start(self) -> None:
        self.runner = self.runner_factory()
        self.store.requeue_expired(self.settings.api_max_attempts)
        for i in range(max(1, self.settings.api_runners)):
            self._spawn(self._run_loop, f"intake-runner-{i}")
        self._spawn(self._maintenance_loop, "intake-maintenance")
        self._spawn(self._delivery_loop, "intake-callbacks")
        self.notify()

    def _spawn(self, target: Callable[[], None], name: str) -> None:
        t = threading.Thread(target=target, name=name, daemon=True)
        t.start()
        self._threads.append(t)

    def stop(self, timeout: float = 30.0) -> None:
        """Stop taking work; a submission still running when the timeout passes resumes elsewhere."""
        self._stop.set()
        self._deliver_now.set()
        interrupt = getattr(self.runner, "interrupt", None)
        if callable(interrupt):  # the Prefect executor: stop waiting for flow runs
            interrupt()
        for _ in self._threads:
            try:
                self.hints.put_nowait("")
            except queue.Full:
                break
        deadline = time.monotonic() + timeout
        for t in self._threads:
            t.join(max(0.0, deadline - time.monotonic()))
        if self.runner is not None and not any(t.is_alive() for t in self._threads):
            self.runner.close()
        self.runner = None

    def notify(self, sid: str = "") -> None:
        try:
            self.hints.put_nowait(sid)
        except queue.Full:
            pass  # enough wake-ups are pending; the store holds the work

    def retry_after(self, pending: int) -> int:
        runners = max(1, self.settings.api_runners)
        return max(1, min(600, int(pending * self.avg_seconds / runners) + 1))

    # ------------------------------------------------------------------ running
    def _run_loop(self) -> None:
        while not self._stop.is_set():
            try:
                sub = self.store.claim_next(self.owner, self.settings.api_lease_seconds)
            except Exception as e:
                log.error("case store unavailable: %s", type(e).__name__)
                self._stop.wait(2.0)
                continue
            if sub is None:
                try:
                    self.hints.get(timeout=1.0)
                except queue.Empty:
                    pass
                continue
            self._run_one(sub)

    def _run_one(self, sub: Submission) -> None:
        t0 = time.perf_counter()
        folder = self.submissions_dir / sub.id
        report: dict[str, Any] | None = None
        error: str | None = None
        try:
            if not (folder / "case.json").is_file():
                raise CaseError("the submission's files are gone")
            if hasattr(self.runner, "run_submission"):  # the Prefect executor
                report = self.runner.run_submission(sub, folder)
            else:
                report = self.runner.run(folder).to_json()
        except CaseError as e:
            error = str(e)
        except ExecutorInterrupted as e:  # shutting down: the lease runs out and the submission resumes
            log.info("submission %s: %s", sub.id, e)
            return
        except ExecutorUnavailable as e:  # an outage: back to the queue after a pause, a few times
            n = self._unavailable[sub.id] = self._unavailable.get(sub.id, 0) + 1
            if n <= self.settings.api_executor_retries:
                pause = min(60.0, self.settings.api_executor_retry_backoff * 2 ** (n - 1))
                log.warning("submission %s: %s; back in the queue in %.1f s (retry %d)", sub.id, e, pause, n)
                self._stop.wait(pause)
                try:
                    if self.store.release(sub.id, self.owner):
                        self.notify()
                except Exception as err:  # the lease runs out and the submission is resumed anyway
                    log.error("could not requeue submission %s: %s", sub.id, type(err).__name__)
                return
            error = f"{e} ({n} tries)"
        except ExecutorError as e:  # e.g. the Prefect deployment does not exist
            log.warning("submission %s failed: %s", sub.id, e)
            error = str(e)
        except Exception as e:
            log.error("submission %s failed: %s", sub.id, type(e).__name__, exc_info=e)
            error = f"internal error ({type(e).__name__})"
        self._unavailable.pop(sub.id, None)
        dt = time.perf_counter() - t0
        self.avg_seconds = 0.8 * self.avg_seconds + 0.2 * dt
        callback = sub.callback_url
        if callback is None and sub.client_id:
            client = self.store.get_client(sub.client_id)
            callback = client.callback_url if client else None
        try:
            ok = self.store.finish(sub.id, self.owner, report=report, error=error, callback_url=callback)
        except Exception as e:
            log.error("could not record submission %s: %s", sub.id, type(e).__name__)
            return  # the lease runs out and another runner redoes it
        if not ok:
            log.warning("submission %s: claim lost before finishing; the other run writes the report", sub.id)
            return
        log.info(
            "submission %s %s in %.2fs attempt=%d",
            sub.id,
            (report or {}).get("decision") or "failed",
            dt,
            sub.attempts,
        )
        if not self.settings.api_keep_uploads or sub.location.startswith("storage:"):
            shutil.rmtree(folder, ignore_errors=True)
        self.waiters.notify(sub.id)
        if callback:
            self._deliver_now.set()

    # ------------------------------------------------------------------ maintenance
    def _maintenance_loop(self) -> None:
        period = max(0.2, self.settings.api_lease_seconds / 3)
        while not self._stop.wait(period):
            try:
                self.store.renew_leases(self.owner, self.settings.api_lease_seconds)
                if self.store.requeue_expired(self.settings.api_max_attempts):
                    self.notify()
            except Exception as e:
                log.error("lease maintenance failed: %s", type(e).__name__)

    # ------------------------------------------------------------------ callbacks
    def _delivery_loop(self) -> None:
        with delivery_client(self.callback_policy, self.settings.api_callback_timeout) as http:
            while not self._stop.is_set():
                try:
                    due = self.store.due_deliveries()
                except Exception as e:
                    log.error("case store unavailable for callbacks: %s", type(e).__name__)
                    due = []
                for d in due:
                    if self._stop.is_set():
                        break
                    self._deliver(http, d)
                if not due:
                    self._deliver_now.wait(0.5)
                    self._deliver_now.clear()

    def event_body(self, d: Delivery) -> bytes:
        sub = self.store.get_submission(d.submission_id)
        assert sub is not None
        payload = {
            "type": d.event,
            "delivery_id": d.id,
            "submission_id": sub.id,
            "status": sub.status,
            "case_id": sub.case_id,
            "decision": sub.decision,
            "error": sub.error,
            "report": applicant_view(sub.report) if sub.report is not None else None,
        }
        return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")

    def _deliver(self, http: Any, d: Delivery) -> None:
        sub = self.store.get_submission(d.submission_id)
        client = self.store.get_client(sub.client_id) if sub and sub.client_id else None
        secret = client.callback_secret if client else None
        code: int | None = None
        err: str | None = None
        ok = False
        final = False  # a refusal by the callback policy is not retried
        try:
            self.callback_policy.check_syntax(d.url)  # a URL recorded before the checks existed
            body = self.event_body(d)
            ts = str(int(time.time()))
            headers = {
                "Content-Type": "application/json",
                "User-Agent": f"intake/{__version__}",
                "X-Intake-Event": d.event,
                "X-Intake-Delivery": d.id,
                "X-Intake-Timestamp": ts,
            }
            if secret:
                headers["X-Intake-Signature"] = sign(secret, ts, body)
            r = http.post(d.url, content=body, headers=headers)
            code = r.status_code
            ok = 200 <= r.status_code < 300
            if not ok:
                err = f"HTTP {r.status_code}"
                if r.is_redirect:
                    err += " (a redirect: not followed)"
        except CallbackRefused as e:
            err = f"refused: callback URL {e}; not retried"
            final = True
        except Exception as e:
            err = type(e).__name__
        attempts = d.attempts + 1
        nxt = None
        if not ok and not final and attempts < self.settings.api_callback_attempts:
            nxt = utcnow() + timedelta(seconds=self.settings.api_callback_backoff * (2 ** (attempts - 1)))
        try:
            self.store.record_attempt(d.id, ok=ok, status_code=code, error=err, next_attempt_at=nxt)
        except Exception as e:
            log.error("could not record a delivery attempt: %s", type(e).__name__)
        if not ok:
            log.warning(
                "callback %s for %s: %s (attempt %d%s)",
                d.id,
                d.submission_id,
                err,
                attempts,
                ", giving up" if nxt is None else "",
            )
