"""Compatibility: the HTTP service is now the portal API v1 in :mod:`pipeline.app.api` (docs/api.md).

The synchronous ``POST /v1/cases`` of the first version is gone: submit with ``POST /v1/submissions``
(``?wait=N`` blocks for small cases) and read the report from ``GET /v1/submissions/{id}/report``.
"""

from __future__ import annotations

from pipeline.app.api import create_app

__all__ = ["create_app"]
