"""Shared helpers of the desk tests: a store filled with stored real reports (made once by
tests/data/desk/make_reports.py with real OCR), users, and an app on a private home. No OCR runs."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from pipeline.config import Settings
from pipeline.stores.cases import CaseStore
from pipeline.stores.desk import DeskStore

REPO = Path(__file__).resolve().parents[1]
DATA = REPO / "tests" / "data" / "desk"
PASSWORD = "correct horse battery"
USERS = (
    ("alice", "auditor", "Alice Auditor"),
    ("bob", "auditor", "Bob Auditor"),
    ("lena", "lead", "Lena Lead"),
)


def stored_reports() -> list[tuple[str, dict[str, Any]]]:
    """(absolute case folder, report) of the stored reports."""
    out = []
    for line in (DATA / "reports.jsonl").read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        out.append((str(REPO / row["location"]), row["report"]))
    return out


def settings_for(home: Path, **kw: Any) -> Settings:
    base: dict[str, Any] = {
        "home": home,
        "workers": 1,
        "storage_root": home / "storage",
        "enrollment_url": str(REPO / "samples" / "enrollment.csv"),
        "desk_secret": "test-secret-" + "x" * 32,
    }
    base.update(kw)
    return Settings(**base)


def fill(store: CaseStore) -> dict[str, str]:
    """Record the stored reports (the first as portal, the rest as batch); case id -> submission id."""
    ids = {}
    for i, (loc, rep) in enumerate(stored_reports()):
        sub = store.record_report(rep, location=loc, source="portal" if i == 0 else "batch", batch="tests")
        ids[rep["case_id"]] = sub.id
    return ids


def add_users(store: CaseStore) -> DeskStore:
    desk = DeskStore(store)
    for name, role, display in USERS:
        desk.add_user(name, PASSWORD, role, display)
    return desk


def csrf_of(html: str) -> str:
    m = re.search(r'name="csrf" value="([^"]+)"', html)
    assert m, "no CSRF field in the page"
    return m.group(1)


def version_of(html: str) -> int:
    m = re.search(r'name="version" value="(\d+)"', html)
    assert m
    return int(m.group(1))


def login(client: TestClient, user: str, password: str = PASSWORD) -> Any:
    page = client.get("/desk/login")
    return client.post(
        "/desk/login",
        data={"username": user, "password": password, "csrf": csrf_of(page.text), "next": "/desk/queue"},
        follow_redirects=False,
    )
