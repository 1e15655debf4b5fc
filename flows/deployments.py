"""Deployments: ``nightly`` (cron, 01:00 Asia/Shanghai) for ``nightly_batch`` and ``on-demand`` for
``process_case``, served together by one long-running process (``intake serve-flows``).

Served deployments need a real Prefect server (``prefect server start``, or PostgreSQL-backed in
production): "Cannot schedule flows on an ephemeral server". See docs/flows.md.
"""

from __future__ import annotations

from typing import Any

NIGHTLY_CRON = "0 1 * * *"
TIMEZONE = "Asia/Shanghai"
NIGHTLY_NAME = "nightly"
ON_DEMAND_NAME = "on-demand"


def build_deployments(
    prefix: str | None = None, concurrency: int | None = None, cron: str = NIGHTLY_CRON
) -> list[Any]:
    """The two runner deployments (module entrypoints, so the installed package is what runs)."""
    from prefect.deployments.runner import EntrypointType
    from prefect.schedules import Cron

    from flows.intake_flows import nightly_batch, process_case

    params: dict[str, Any] = {}
    if prefix is not None:
        params["prefix"] = prefix
    if concurrency is not None:
        params["concurrency"] = concurrency
    nightly = nightly_batch.to_deployment(
        name=NIGHTLY_NAME,
        schedules=[Cron(cron, timezone=TIMEZONE)],
        parameters=params,
        tags=["intake"],
        description="Every pending case under the incoming prefix; idempotent and resumable.",
        entrypoint_type=EntrypointType.MODULE_PATH,
    )
    on_demand = process_case.to_deployment(
        name=ON_DEMAND_NAME,
        tags=["intake"],
        description="One case key, right after submission (run with parameters {'key': ...}).",
        entrypoint_type=EntrypointType.MODULE_PATH,
    )
    return [nightly, on_demand]


def serve_flows(
    prefix: str | None = None,
    concurrency: int | None = None,
    limit: int | None = None,
    cron: str = NIGHTLY_CRON,
) -> None:
    """Serve both deployments until interrupted (``limit``: flow runs at once)."""
    from prefect import serve

    serve(*build_deployments(prefix=prefix, concurrency=concurrency, cron=cron), limit=limit)


def deploy_to_pool(
    pool: str,
    prefix: str | None = None,
    concurrency: int | None = None,
    cron: str = NIGHTLY_CRON,
) -> list[str]:
    """Register both deployments with a work pool (a ``process`` pool: its workers run the installed
    package, so nothing is pulled or built); returns their ids. Needs a Prefect server."""
    return [
        str(d.apply(work_pool_name=pool))
        for d in build_deployments(prefix=prefix, concurrency=concurrency, cron=cron)
    ]
