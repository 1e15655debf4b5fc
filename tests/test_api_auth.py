"""Every route but /healthz refuses a missing key, a wrong key and a revoked key; a client reads only
its own submissions; scopes are enforced; the spec itself needs a key unless docs are made public."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("fastapi")
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from starlette.routing import Route

from pipeline.stores.cases import CaseStore
from tests.api_support import api_client, bearer, case_bytes


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    home = tmp_path_factory.mktemp("home")
    with api_client(home) as (c, store, _):
        _, ka, _ = store.add_client("a")
        _, kb, _ = store.add_client("b")
        _, kr, _ = store.add_client("reader", ["read"])
        _, ks, _ = store.add_client("submitter", ["submit"])
        _, kadm, _ = store.add_client("desk", ["admin"])
        revoked, krev, _ = store.add_client("gone")
        r = c.post(
            "/v1/submissions",
            params={"wait": 30},
            headers=bearer(ka),
            files={"case": (None, case_bytes("AUTH-1"))},
        )
        assert r.status_code == 200, r.text
        store.revoke_client(revoked.id)
        yield {
            "c": c,
            "store": store,
            "sid": r.json()["id"],
            "a": ka,
            "b": kb,
            "reader": kr,
            "submitter": ks,
            "admin": kadm,
            "revoked": krev,
        }


def _routes(c: TestClient, sid: str) -> list[tuple[str, str]]:
    out = []
    for r in c.app.routes:  # type: ignore[attr-defined]
        if not isinstance(r, APIRoute | Route) or r.path == "/healthz":
            continue
        for m in sorted(r.methods or ()):
            if m == "HEAD":
                continue
            out.append((m, r.path.replace("{submission_id}", sid)))
    return out


def test_the_route_list_is_what_we_think(env: dict[str, Any]) -> None:
    paths = {p for _, p in _routes(env["c"], "{id}")}
    assert paths == {
        "/openapi.json",
        "/v1/submissions",
        "/v1/submissions/{id}",
        "/v1/submissions/{id}/report",
        "/v1/submissions/{id}/deliveries",
    }


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer ik_not-a-key"},
        {"X-API-Key": "ik_not-a-key"},
        {"Authorization": "Basic dXNlcjpwYXNz"},
        "revoked",
    ],
    ids=["none", "wrong-bearer", "wrong-x-api-key", "basic", "revoked"],
)
def test_every_route_refuses_without_a_valid_key(env: dict[str, Any], headers: Any) -> None:
    c: TestClient = env["c"]
    if headers == "revoked":
        headers = bearer(env["revoked"])
    for method, path in _routes(c, env["sid"]):
        r = c.request(
            method, path, headers=headers, files={"case": (None, case_bytes())} if method == "POST" else None
        )
        assert r.status_code == 401, (method, path, r.status_code)
        assert r.headers["content-type"].startswith("application/problem+json")
        assert r.headers["www-authenticate"].startswith("Bearer")
        assert "AUTH-1" not in r.text


def test_another_clients_submission_is_not_found(env: dict[str, Any]) -> None:
    c: TestClient = env["c"]
    sid = env["sid"]
    for path in (
        f"/v1/submissions/{sid}",
        f"/v1/submissions/{sid}/report",
        f"/v1/submissions/{sid}/deliveries",
    ):
        r = c.get(path, headers=bearer(env["b"]))
        assert r.status_code == 404 and "AUTH-1" not in r.text, path
        assert c.get(path, headers=bearer(env["a"])).status_code == 200, path
        assert c.get(path, headers={"X-API-Key": env["a"]}).status_code == 200, path
        assert c.get(path, headers=bearer(env["admin"])).status_code == 200, path  # the desk sees all
    assert c.get("/v1/submissions/sub_nonexistent", headers=bearer(env["a"])).status_code == 404


def test_scopes(env: dict[str, Any]) -> None:
    c: TestClient = env["c"]
    r = c.post("/v1/submissions", headers=bearer(env["reader"]), files={"case": (None, case_bytes())})
    assert r.status_code == 403 and r.json()["type"].endswith("forbidden")
    r = c.post(
        "/v1/submissions",
        params={"wait": 30},
        headers=bearer(env["submitter"]),
        files={"case": (None, case_bytes("AUTH-S"))},
    )
    assert r.status_code == 200
    assert c.get(f"/v1/submissions/{r.json()['id']}", headers=bearer(env["submitter"])).status_code == 403
    assert c.get("/openapi.json", headers=bearer(env["submitter"])).status_code == 403
    assert c.get("/openapi.json", headers=bearer(env["reader"])).status_code == 200
    assert c.get("/docs", headers=bearer(env["reader"])).status_code == 404


def test_health_needs_no_key(env: dict[str, Any]) -> None:
    assert env["c"].get("/healthz").json()["status"] == "ok"


def test_public_docs_by_configuration(tmp_path: Path) -> None:
    with api_client(tmp_path / "h", api_public_docs=True) as (c, store, _):
        assert isinstance(store, CaseStore)
        spec = c.get("/openapi.json")
        assert spec.status_code == 200 and "/v1/submissions" in spec.json()["paths"]
        assert c.get("/docs").status_code == 200
        assert c.get("/v1/submissions/x").status_code == 401
