"""Where a submission runs: the in-process warm :class:`~pipeline.runner.CaseRunner` (default), or the
Prefect ``process-case`` flow (``INTAKE_API_EXECUTOR=prefect``).

With Prefect, the submission's case goes to the configured storage (uploads under
``api/<date>/<submission id>/``; a storage-referenced case stays where it is), then

* with ``INTAKE_API_PREFECT_DEPLOYMENT`` (e.g. ``process-case/on-demand``, served by ``intake
  serve-flows``): a flow run of that deployment, on the deployment's workers, awaited;
* without it: the ``process-case`` flow called in this process (a flow run on the configured Prefect
  API, with the flow's retries and timeout);

and the report is read back from the storage (``report.json`` beside the case). The flow is
idempotent on the case's input fingerprint, so a submission resumed after a crash does not run the
case a second time when the flow had already finished it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pipeline.config import Settings
from pipeline.models import CaseError
from pipeline.stores.cases import Submission


class PrefectExecutor:
    def __init__(self, settings: Settings) -> None:
        from flows.storage import get_storage

        self.settings = settings
        self.storage = get_storage(settings)
        self.deployment = settings.api_prefect_deployment

    def key_of(self, sub: Submission) -> str:
        if sub.location.startswith("storage:"):
            return sub.location[len("storage:") :]
        return f"api/{sub.created_at:%Y-%m-%d}/{sub.id}"

    def run_submission(self, sub: Submission, folder: Path) -> dict[str, Any]:
        key = self.key_of(sub)
        if not sub.location.startswith("storage:"):
            self.storage.put_case(key, folder)
        if self.deployment:
            from prefect.deployments import run_deployment

            flow_run = run_deployment(self.deployment, parameters={"key": key}, timeout=None)
            state = getattr(flow_run, "state", None)
            if state is None or not state.is_completed():
                kind = getattr(getattr(state, "type", None), "value", "unknown")
                raise RuntimeError(f"flow run ended {kind}")
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

    def close(self) -> None:
        pass
