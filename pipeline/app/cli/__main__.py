"""``python -m pipeline.app.cli``."""

from pipeline.app.cli import app

app()
