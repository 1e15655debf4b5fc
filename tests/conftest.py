from __future__ import annotations

import os
import tempfile
from pathlib import Path

# Stores and caches of the test run live in a temporary home, never in the user's.
_HOME = Path(tempfile.mkdtemp(prefix="intake-test-home-"))
os.environ.setdefault("INTAKE_HOME", str(_HOME))
os.environ.setdefault("PREFECT_HOME", str(_HOME / "prefect"))
os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")

REPO = Path(__file__).resolve().parents[1]
