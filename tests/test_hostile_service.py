"""Issue 16 over HTTP: a case nested 100,000 deep or with duplicate keys is a 422 (not a 500), and
the response carries no other filing's case id."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

pytest.importorskip("fastapi")
from fastapi.testclient import TestClient

from pipeline.config import Settings
from pipeline.service import create_app

CASE = {
    "case_id": "H-1",
    "service": "query.person",
    "submitted_on": "2025-08-06",
    "applicant": {"name": "萧慧敏", "id_number": "650103198802164042"},
    "materials": [],
}


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    app = create_app(Settings(home=tmp_path_factory.mktemp("home"), workers=1), pool=False)
    with TestClient(app) as c:
        yield c


def test_deep_case_is_422(client: TestClient) -> None:
    deep = '{"a":' + "[" * 100_000 + "]" * 100_000 + "}"
    r = client.post("/v1/cases", data={"case": deep})
    assert r.status_code == 422 and "nested" in r.text


def test_duplicate_keys_are_422(client: TestClient) -> None:
    raw = json.dumps(CASE)[:-1] + ', "case_id": "OTHER"}'
    r = client.post("/v1/cases", data={"case": raw})
    assert r.status_code == 422 and "twice" in r.text
