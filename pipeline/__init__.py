"""Intake: checks the materials of Chinese medical-insurance filings before human review."""

__version__ = "0.1.0"
