"""Intake: checks the materials of Chinese medical-insurance filings before human review."""

import os

__version__ = "0.1.0"

# onnxruntime (the OCR engine's runtime) would otherwise write a device id and an event database
# under ~/.cache/Microsoft/DeveloperTools, outside INTAKE_HOME: switched off before it starts.
os.environ.setdefault("ORT_DISABLE_TELEMETRY", "1")
