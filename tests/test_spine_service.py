from __future__ import annotations

import json
from pathlib import Path

import pytest

pytest.importorskip("fastapi")
from fastapi.testclient import TestClient

from pipeline.config import Settings
from pipeline.service import create_app
from tests.rendering import render_lines, text_pdf

CASE = {
    "case_id": "SVC-1",
    "service": "reimburse.outpatient",
    "region": "xinjiang",
    "submitted_on": "2024-03-05",
    "applicant": {"name": "张伟明", "id_number": "420802198503121234"},
    "materials": [
        {"file": "list.png", "declared_type": "expense_list"},
        {"file": "invoice.pdf", "declared_type": "medical_invoice"},
        {"file": "absent.jpg", "declared_type": "prescription"},
    ],
}


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory):
    home = tmp_path_factory.mktemp("home")
    app = create_app(Settings(home=home, workers=1), pool=False)
    with TestClient(app) as c:
        yield c


def test_health(client: TestClient) -> None:
    r = client.get("/healthz")
    assert r.status_code == 200 and r.json()["status"] == "ok"


@pytest.mark.slow
def test_post_case_returns_the_contract_report(client: TestClient, tmp_path: Path) -> None:
    png = tmp_path / "list.png"
    render_lines(["门诊费用清单", "患者姓名：张伟明", "合计：128.00"]).save(png)
    pdf = tmp_path / "invoice.pdf"
    text_pdf(pdf, ["医疗收费电子票据", "交款人：张伟明", "合计（小写）：128.00"])
    r = client.post(
        "/v1/cases",
        data={"case": json.dumps(CASE, ensure_ascii=False)},
        files=[
            ("files", ("list.png", png.read_bytes(), "image/png")),
            ("files", ("invoice.pdf", pdf.read_bytes(), "application/pdf")),
            ("files", ("corrupt.jpg", b"\xff\xd8\xff\xe0broken", "image/jpeg")),
        ],
    )
    assert r.status_code == 200, r.text
    report = r.json()
    assert report["case_id"] == "SVC-1"
    assert report["decision"] == "return"
    codes = {(f["code"], f["material"]) for f in report["flags"]}
    assert ("material.not_uploaded", "absent.jpg") in codes
    assert ("material.unlisted", "corrupt.jpg") in codes
    mats = {m["file"]: m for m in report["materials"]}
    assert mats["invoice.pdf"]["detected_type"] == "medical_invoice"


def test_bad_case_is_422_with_one_line(client: TestClient) -> None:
    r = client.post("/v1/cases", data={"case": '{"case_id": "x", "service": "nope"}'})
    assert r.status_code == 422
    assert "service" in r.json()["detail"]
    r = client.post("/v1/cases", data={"case": "{not json"})
    assert r.status_code == 422


def test_path_traversal_names_are_refused(client: TestClient) -> None:
    for name in ("case.json", ".hidden"):
        r = client.post(
            "/v1/cases",
            data={"case": json.dumps(CASE, ensure_ascii=False)},
            files=[("files", (name, b"x", "image/jpeg"))],
        )
        assert r.status_code == 422, name
    # a path is reduced to its base name, never written outside the request folder
    r = client.post(
        "/v1/cases",
        data={"case": json.dumps(CASE, ensure_ascii=False)},
        files=[("files", ("../../list.png", b"not an image", "image/png"))],
    )
    assert r.status_code == 200
    mats = {m["file"]: m for m in r.json()["materials"]}
    assert any(f["code"] == "material.unreadable" for f in r.json()["flags"] if f["material"] == "list.png")
    assert "list.png" in mats
