"""Where a submission runs: the in-process warm :class:`~pipeline.runner.CaseRunner` (default), or the
Prefect ``process-case`` flow (``INTAKE_API_EXECUTOR=prefect``).

With Prefect, the submission's case goes to the configured storage (uploads under
``api/<date>/<submission id>/``; a storage-referenced case stays where it is), then

* with ``INTAKE_API_PREFECT_DEPLOYMENT`` (e.g. ``process-case/on-demand``, served by ``intake
  serve-flows``): a flow run of that deployment, on the deployment's workers, awaited. The flow run
  carries the idempotency key ``intake-api:<submission id>``, so a submission resumed after a crash of
  the API server waits for the flow run it had started instead of starting a second one. A flow run no
  worker has started within ``INTAKE_API_PREFECT_START_TIMEOUT`` seconds is cancelled (a worker that
  comes back later does not run it) and the submission fails, as it does at once when the deployment
  does not exist;
* without it: the ``process-case`` flow called in this process (a flow run on the configured Prefect
  API, with the flow's retries and timeout);

and the report is read back from the storage (``report.json`` beside the case). The flow is
idempotent on the case's input fingerprint, so a submission resumed after a crash does not run the
case a second time when the flow had already finished it.
"""

from __future__ import annotations

import logging
import threading
import time
from pathlib import Path
from typing import Any

from pipeline.config import Settings
from pipeline.errors import TransientError
from pipeline.models import CaseError
from pipeline.stores.cases import Submission

log = logging.getLogger("intake.api.worker")
POLL_SECONDS = 1.0


class ExecutorError(RuntimeError):
    """The executor could not get the submission run; the message is one line, fit for the client."""


class ExecutorInterrupted(RuntimeError):
    """The server is stopping: the submission is left as it is (claimed, its lease running out), so
    that it is resumed; a flow run already started is not touched (the resumed submission waits for
    it through its idempotency key)."""


class ExecutorUnavailable(ExecutorError):
    """The executor cannot be reached just now (the Prefect API or the storage is down): an outage,
    not the submission's fault. The submission goes back to the queue."""


def _unreachable(e: BaseException) -> BaseException | None:
    """The connection failure behind ``e`` (anywhere in its chain of causes), or None."""
    import httpx

    seen: set[int] = set()
    cur: BaseException | None = e
    while cur is not None and id(cur) not in seen:
        seen.add(id(cur))
        if isinstance(cur, httpx.TransportError | ConnectionError | TransientError):
            return cur
        status = getattr(getattr(cur, "response", None), "status_code", None)
        if type(cur).__name__ == "PrefectHTTPStatusError" and status in (502, 503, 504):
            return cur
        cur = cur.__cause__ or cur.__context__
    return None


class PrefectExecutor:
    def __init__(self, settings: Settings) -> None:
        from flows.storage import get_storage

        self.settings = settings
        self.storage = get_storage(settings)
        self.deployment = settings.api_prefect_deployment
        self._stopping = threading.Event()

    def interrupt(self) -> None:
        """The server is stopping: waits for flow runs end now (:class:`ExecutorInterrupted`)."""
        self._stopping.set()

    def key_of(self, sub: Submission) -> str:
        if sub.location.startswith("storage:"):
            return sub.location[len("storage:") :]
        return f"api/{sub.created_at:%Y-%m-%d}/{sub.id}"

    def run_submission(self, sub: Submission, folder: Path) -> dict[str, Any]:
        try:
            return self._run_submission(sub, folder)
        except (ExecutorError, ExecutorInterrupted, CaseError):
            raise
        except Exception as e:
            cause = _unreachable(e)
            if cause is None:
                raise
            raise ExecutorUnavailable(
                f"the Prefect API or the storage cannot be reached ({type(cause).__name__})"
            ) from e

    def _run_submission(self, sub: Submission, folder: Path) -> dict[str, Any]:
        key = self.key_of(sub)
        if not sub.location.startswith("storage:"):
            self.storage.put_case(key, folder)
        if self.deployment:
            self.run_on_deployment(sub, key)
        else:
            from flows.core import use_storage
            from flows.intake_flows import process_case

            with use_storage(self.storage):
                process_case(key)
        state_doc = self.storage.read_state(key) or {}
        if state_doc.get("status") == "invalid":
            raise CaseError(str(state_doc.get("error") or "the case cannot be used"))
        report = self.storage.read_report(key)
        if report is None or state_doc.get("status") not in ("done", "degraded"):
            raise RuntimeError(f"no report after the flow (state {state_doc.get('status')})")
        return report

    def run_on_deployment(self, sub: Submission, key: str) -> None:
        """A flow run of the deployment for this submission (the one already started for it, if any),
        awaited until it ends; :class:`ExecutorError` unless it completed."""
        from prefect.client.orchestration import get_client
        from prefect.exceptions import ObjectNotFound
        from prefect.states import Cancelled, Scheduled

        name = self.deployment
        assert name
        limit = self.settings.api_prefect_start_timeout
        with get_client(sync_client=True) as client:
            try:
                deployment = client.read_deployment_by_name(name)
            except ObjectNotFound:
                raise ExecutorError(
                    f"no Prefect deployment {name} (INTAKE_API_PREFECT_DEPLOYMENT); "
                    "is `intake serve-flows` or `intake flows deploy` running on this Prefect server?"
                ) from None
            flow_run = client.create_flow_run_from_deployment(
                deployment.id,
                parameters={"key": key},
                state=Scheduled(),
                idempotency_key=f"intake-api:{sub.id}",  # a resumed submission gets its earlier run
            )
            t0 = time.monotonic()
            while True:
                state = flow_run.state
                if state is not None and state.is_final():
                    break
                if (state is None or state.is_scheduled()) and time.monotonic() - t0 > limit:
                    result: Any = client.set_flow_run_state(
                        flow_run.id,
                        Cancelled(message=f"no worker started it within {limit:g} s"),
                        force=False,
                    )
                    if getattr(result.status, "value", "") == "ACCEPT":
                        log.warning("submission %s: flow run %s not started; cancelled", sub.id, flow_run.id)
                        raise ExecutorError(
                            f"no worker started the flow run of the Prefect deployment {name} "
                            f"within {limit:g} s (INTAKE_API_PREFECT_START_TIMEOUT)"
                        )
                if self._stopping.wait(POLL_SECONDS):
                    raise ExecutorInterrupted(f"the server is stopping; flow run {flow_run.id} left running")
                flow_run = client.read_flow_run(flow_run.id)
        if not state.is_completed():
            raise ExecutorError(f"the flow run of the Prefect deployment {name} ended {state.name}")

    def close(self) -> None:
        pass
