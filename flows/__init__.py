"""Orchestration of the intake pipeline with Prefect.

- :mod:`flows.core`: plain functions (no Prefect): fetch -> run -> store for one case, pending-case
  selection, the batch summary.
- :mod:`flows.intake_flows`: the flows ``process_case`` and ``nightly_batch`` (imports Prefect).
- :mod:`flows.deployments`: the nightly cron deployment and the on-demand deployment, served together.
"""
