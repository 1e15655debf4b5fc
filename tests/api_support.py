"""Shared helpers of the portal API tests: an app on a private home, clients, small cases."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from pipeline.app.api import create_app
from pipeline.app.wiring import build_runner
from pipeline.config import Settings
from pipeline.stores.cases import CaseStore, open_cases
from tests.rendering import text_pdf

ID_NUMBER = "420802198503121234"


def case_json(case_id: str = "API-1", materials: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return {
        "case_id": case_id,
        "service": "reimburse.outpatient",
        "region": "xinjiang",
        "submitted_on": "2024-03-05",
        "applicant": {"name": "张伟明", "id_number": ID_NUMBER},
        "materials": materials if materials is not None else [{"file": "absent.jpg"}],
    }


def case_bytes(case_id: str = "API-1", materials: list[dict[str, Any]] | None = None) -> bytes:
    return json.dumps(case_json(case_id, materials), ensure_ascii=False).encode("utf-8")


def invoice_pdf(path: Path) -> bytes:
    """A text-layer PDF (no OCR needed)."""
    text_pdf(path, ["医疗收费电子票据", "交款人：张伟明", "合计（小写）：128.00"])
    return path.read_bytes()


class GatedRunner:
    """The real CaseRunner behind a gate the test opens (to hold submissions in ``running``)."""

    def __init__(self, settings: Settings) -> None:
        self.inner = build_runner(settings, pool=False)
        self.gate = threading.Event()
        self.started = threading.Event()
        self.fail: BaseException | None = None

    def run(self, folder: Path) -> Any:
        self.started.set()
        self.gate.wait(30)
        if self.fail is not None:
            raise self.fail
        return self.inner.run(folder)

    def close(self) -> None:
        self.gate.set()
        self.inner.close()


def settings_for(home: Path, **kw: Any) -> Settings:
    base: dict[str, Any] = {
        "home": home,
        "workers": 1,
        "storage_root": home / "storage",
        "api_callback_backoff": 0.05,
        "api_callback_attempts": 3,
        "api_callback_timeout": 3.0,
    }
    base.update(kw)
    return Settings(**base)


@contextmanager
def api_client(home: Path, runner: Any = None, **kw: Any) -> Iterator[tuple[TestClient, CaseStore, Settings]]:
    settings = settings_for(home, **kw)
    app = create_app(settings, pool=False, runner_factory=(lambda: runner) if runner is not None else None)
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c, open_cases(settings), settings


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}
