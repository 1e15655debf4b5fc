"""Issue 16 over HTTP: a case nested 100,000 deep or with duplicate keys is a 422 problem (not a 500),
with one reason and no input echoed."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

pytest.importorskip("fastapi")
from fastapi.testclient import TestClient

from tests.api_support import api_client, bearer

CASE = {
    "case_id": "H-1",
    "service": "query.person",
    "submitted_on": "2025-08-06",
    "applicant": {"name": "萧慧敏", "id_number": "650103198802164042"},
    "materials": [],
}


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, str]]:
    home: Path = tmp_path_factory.mktemp("home")
    with api_client(home) as (c, store, _):
        _, key, _ = store.add_client("portal")
        yield c, key


def test_deep_case_is_422(client: tuple[TestClient, str]) -> None:
    c, key = client
    deep = '{"a":' + "[" * 100_000 + "]" * 100_000 + "}"
    r = c.post("/v1/submissions", headers=bearer(key), files={"case": (None, deep)})
    assert r.status_code == 422 and "nested" in r.text
    assert r.headers["content-type"].startswith("application/problem+json")


def test_duplicate_keys_are_422(client: tuple[TestClient, str]) -> None:
    c, key = client
    raw = json.dumps(CASE, ensure_ascii=False)[:-1] + ', "case_id": "OTHER"}'
    r = c.post("/v1/submissions", headers=bearer(key), files={"case": (None, raw)})
    assert r.status_code == 422 and "twice" in r.text
    assert "OTHER" not in r.text and "650103198802164042" not in r.text
