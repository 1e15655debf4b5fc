"""Schemathesis against the app's own /openapi.json, over real HTTP (uvicorn on 127.0.0.1): no 500,
every response matches its documented status, content type, headers and schema."""

from __future__ import annotations

import shutil
import socket
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("fastapi")
pytest.importorskip("schemathesis")
pytest.importorskip("uvicorn")
import schemathesis
import uvicorn
from hypothesis import HealthCheck, settings
from schemathesis import checks

from pipeline.app.api import create_app
from tests.api_support import case_bytes, settings_for

_HOME = Path(tempfile.gettempdir()) / f"intake-schema-{uuid.uuid4().hex}"  # made by the server only
_SETTINGS = settings_for(_HOME, api_wait_max=0.5)
_APP = create_app(_SETTINGS, pool=False)
schema = schemathesis.openapi.from_dict(_APP.openapi())


class Live:
    url: str
    headers: dict[str, str]
    sid: str


@pytest.fixture(scope="module")
def live() -> Iterator[Live]:
    import httpx

    from pipeline.stores.cases import open_cases

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(_APP, host="127.0.0.1", port=port, log_level="warning"))
    t = threading.Thread(target=server.run, daemon=True)
    t.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert time.monotonic() < deadline, "server did not start"
        time.sleep(0.05)
    _, key, _ = open_cases(_SETTINGS).add_client("schemathesis")
    live = Live()
    live.url = f"http://127.0.0.1:{port}"
    live.headers = {"Authorization": f"Bearer {key}"}
    r = httpx.post(
        live.url + "/v1/submissions?wait=5", headers=live.headers, files={"case": (None, case_bytes("ST-1"))}
    )
    live.sid = r.json()["id"]
    yield live
    server.should_exit = True
    t.join(10)
    shutil.rmtree(_HOME, ignore_errors=True)


def test_the_spec_is_typed() -> None:
    spec = _APP.openapi()
    comps = spec["components"]["schemas"]
    assert {"Problem", "Report", "ReportFlag", "ReportMaterial", "SubmissionStatus", "DeliveryList"} <= set(
        comps
    )
    post = spec["paths"]["/v1/submissions"]["post"]
    assert set(post["requestBody"]["content"]) == {"multipart/form-data", "application/json"}
    for code in ("401", "413", "415", "422", "429", "503"):
        assert "application/problem+json" in post["responses"][code]["content"], code
    assert "HTTPValidationError" not in comps
    assert spec["paths"]["/v1/submissions/{submission_id}/report"]["get"]["responses"]["200"]["content"][
        "application/json"
    ]["schema"] == {"$ref": "#/components/schemas/Report"}


@schema.parametrize()
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_api_conforms_to_its_schema(case: Any, live: Live) -> None:
    if (
        case.path_parameters
        and "submission_id" in case.path_parameters
        and case.path_parameters["submission_id"] == ""
    ):
        case.path_parameters["submission_id"] = live.sid
    # positive_data_acceptance is left out: the schema cannot say which strings are a valid case.json or
    # an acceptable file name, so schema-valid requests are rightly refused with a 422 problem
    case.call_and_validate(
        base_url=live.url, headers=live.headers, excluded_checks=[checks.positive_data_acceptance]
    )


@pytest.mark.parametrize(
    "path",
    [
        "/v1/submissions/{submission_id}",
        "/v1/submissions/{submission_id}/report",
        "/v1/submissions/{submission_id}/deliveries",
    ],
)
def test_responses_for_a_done_submission_match_the_schema(live: Live, path: str) -> None:
    op = schema[path]["GET"]
    case = op.Case(path_parameters={"submission_id": live.sid}, query={"wait": 5})
    r = case.call_and_validate(base_url=live.url, headers=live.headers)
    assert r.status_code == 200
