"""The portal API v1 (FastAPI): ``create_app`` is what ``intake serve`` runs. See docs/api.md."""

from pipeline.app.api.app import create_app

__all__ = ["create_app"]
