"""intake users …, intake desk export-labels, and intake batch recording its reports for the desk."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pipeline.app.cli import app
from pipeline.stores.cases import open_cases
from pipeline.stores.desk import DeskStore
from tests.api_support import case_json, invoice_pdf
from tests.desk_support import PASSWORD, add_users, fill, settings_for

runner = CliRunner()


@pytest.fixture()
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    h = tmp_path / "home"
    monkeypatch.setenv("INTAKE_HOME", str(h))
    monkeypatch.setenv("INTAKE_WORKERS", "1")
    from pipeline.config import get_settings

    get_settings.cache_clear()
    yield h
    get_settings.cache_clear()


def test_users_add_passwd_disable(home: Path) -> None:
    r = runner.invoke(
        app, ["users", "add", "ann", "--role", "lead", "--password-stdin"], input="a long password\n"
    )
    assert r.exit_code == 0, r.output
    r = runner.invoke(app, ["users", "add", "ann", "--password-stdin"], input="a long password\n")
    assert r.exit_code == 2 and "exists" in r.output
    r = runner.invoke(
        app, ["users", "add", "bo", "--role", "boss", "--password-stdin"], input="a long password\n"
    )
    assert r.exit_code == 2 and "role" in r.output
    r = runner.invoke(app, ["users", "add", "bo", "--password-stdin"], input="short\n")
    assert r.exit_code == 2 and "10 characters" in r.output
    desk = DeskStore(open_cases(settings_for(home)))
    assert desk.check_password("ann", "a long password") is not None
    r = runner.invoke(app, ["users", "passwd", "ann", "--password-stdin"], input="another long one\n")
    assert r.exit_code == 0
    assert desk.check_password("ann", "a long password") is None
    assert desk.check_password("ann", "another long one") is not None
    assert runner.invoke(app, ["users", "disable", "ann"]).exit_code == 0
    assert desk.check_password("ann", "another long one") is None
    assert runner.invoke(app, ["users", "disable", "nobody"]).exit_code == 2
    r = runner.invoke(app, ["users", "list"])
    assert "ann" in r.output and "disabled" in r.output
    with open_cases(settings_for(home)).engine.connect() as conn:
        from sqlalchemy import text

        stored = conn.execute(text("SELECT password_hash FROM desk_users")).scalar()
    assert str(stored).startswith("$argon2id$") and "another" not in str(stored)


def test_export_labels_writes_labelled_cases(home: Path, tmp_path: Path) -> None:
    store = open_cases(settings_for(home))
    ids = fill(store)
    desk = add_users(store)
    alice = desk.check_password("alice", PASSWORD)
    assert alice is not None
    sid = ids["XJ-2024-000129"]
    v = desk.set_verdict(sid, alice, 0, "confirmed", 0, "bad check digit")
    v = desk.set_verdict(sid, alice, 3, "false_alarm", v, "new enrollee")
    desk.act(sid, alice, "return", v, message="请重新上传身份证。")
    sid2 = ids["XJ-2024-000122"]
    desk.act(sid2, alice, "approve", 0)
    desk.act(ids["JM-2025-000141"], alice, "escalate", 0)  # not final: not exported
    out = tmp_path / "labels"
    r = runner.invoke(app, ["desk", "export-labels", str(out)])
    assert r.exit_code == 0, r.output
    assert sorted(p.name for p in out.iterdir()) == ["XJ-2024-000122", "XJ-2024-000129"]
    exp = json.loads((out / "XJ-2024-000129" / "expected.json").read_text(encoding="utf-8"))
    assert exp["decision"] == "return"
    assert exp["must"] == ["identity.id_number_invalid"]
    assert exp["must_not"] == ["enrollment.not_found"]
    assert exp["allow"] == ["identity.id_number_mismatch"]
    assert exp["desk"]["message"] == "请重新上传身份证。"
    assert (out / "XJ-2024-000129" / "id_front.jpg").read_bytes() == (
        Path(__file__).resolve().parents[1] / "samples/cases/XJ-2024-000129/id_front.jpg"
    ).read_bytes()
    assert json.loads((out / "XJ-2024-000122" / "expected.json").read_text())["decision"] == "pass"
    assert (out.stat().st_mode & 0o777) == 0o700


def test_batch_records_its_reports_in_the_case_store(home: Path, tmp_path: Path) -> None:
    root = tmp_path / "cases"
    case = root / "DESK-B1"
    case.mkdir(parents=True)
    invoice_pdf(case / "invoice.pdf")
    cj = case_json("DESK-B1", [{"file": "invoice.pdf", "declared_type": "medical_invoice"}])
    (case / "case.json").write_text(json.dumps(cj, ensure_ascii=False), encoding="utf-8")
    r = runner.invoke(app, ["batch", str(root), "--out", str(tmp_path / "out.jsonl")])
    assert r.exit_code == 0, r.output
    line = json.loads((tmp_path / "out.jsonl").read_text(encoding="utf-8").splitlines()[0])
    subs = open_cases(settings_for(home)).engine
    with subs.connect() as conn:
        from sqlalchemy import text

        rows = conn.execute(
            text("SELECT case_id, source, location, decision, service, flag_codes, batch FROM submissions")
        ).all()
    assert len(rows) == 1
    case_id, source, location, decision, service, codes, batch = rows[0]
    assert (case_id, source, location, decision) == (
        "DESK-B1",
        "batch",
        str(case.resolve()),
        line["decision"],
    )
    assert service == "reimburse.outpatient" and batch == str(root)
    assert codes.split() == sorted({f["code"] for f in line["flags"]})
    r = runner.invoke(app, ["batch", str(root), "--no-record", "--out", str(tmp_path / "o2.jsonl")])
    assert r.exit_code == 0
    with subs.connect() as conn:
        from sqlalchemy import text

        assert conn.execute(text("SELECT count(*) FROM submissions")).scalar() == 1


def test_flows_record_their_reports_and_the_desk_reads_the_case_through_storage(
    home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import flows.core
    from flows.core import process_key
    from flows.storage import LocalStorage
    from pipeline.app.desk.previews import preview_path
    from pipeline.app.wiring import build_runner
    from pipeline.config import get_settings
    from tests.test_flows_core import write_case

    root = tmp_path / "storage"
    monkeypatch.setenv("INTAKE_STORAGE_ROOT", str(root))
    get_settings.cache_clear()
    monkeypatch.setattr(flows.core, "_RECORDERS", {})
    storage = LocalStorage(root)
    key = "incoming/2026-11-30/F-001"
    storage.put_case(key, write_case(tmp_path / "src", "F-001"))
    settings = get_settings()
    with build_runner(settings, pool=False) as runner:
        out = process_key(storage, key, runner.run)
    assert out.status == "done"
    store = open_cases(settings)
    with store.engine.connect() as conn:
        from sqlalchemy import text

        row = conn.execute(text("SELECT id, source, location, report FROM submissions")).one()
    assert row[1] == "flows" and row[2] == f"storage:{key}"
    report = json.loads(row[3]) if isinstance(row[3], str) else row[3]
    pdf = next(m for m in report["materials"] if m["file"] == "invoice.pdf")
    geo = pdf["page_geometry"][0]
    assert geo["render_scale"] == pytest.approx(200 / 72, rel=1e-3) and geo["rotation"] == 0
    p = preview_path(settings, row[2], "invoice.pdf", pdf["sha256"], 0, 0)
    from PIL import Image

    with Image.open(p) as im:
        assert abs(im.width / im.height - geo["width"] / geo["height"]) < 0.01
