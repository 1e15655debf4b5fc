"""Orchestration of the intake pipeline with Prefect.

- :mod:`flows.core`: plain functions (no Prefect): fetch -> run -> store for one case, pending-case
  selection, the batch summary.
- :mod:`flows.intake_flows`: the flows ``process_case`` and ``nightly_batch`` (imports Prefect).
- :mod:`flows.deployments`: the nightly cron deployment and the on-demand deployment, served together.
"""

import os as _os

# The project's defaults for Prefect, set before anything imports it (an operator's own values win):
# no analytics (closed networks; and on the temporary server its writes race SQLite: "database is
# locked"), quiet loggers, and time for the temporary server to start on a busy machine. With
# PREFECT_API_URL set, flows run against that server and no temporary one is started.
for _k, _v in {
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "PREFECT_SERVER_LOGGING_LEVEL": "WARNING",
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "120",
    "PREFECT_SERVER_UI_SHOW_PROMOTIONAL_CONTENT": "false",
}.items():
    _os.environ.setdefault(_k, _v)
