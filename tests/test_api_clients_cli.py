"""``intake clients add/list/revoke``: the key is printed once and works; revoked keys do not."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from pipeline.app.cli import app
from pipeline.stores.cases import CaseStore


def test_add_list_revoke(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'cases.sqlite'}"
    run = CliRunner()
    r = run.invoke(
        app,
        [
            "clients",
            "add",
            "portal",
            "--scope",
            "submit",
            "--callback-url",
            "https://p/hook",
            "--db",
            db,
            "--json",
        ],
    )
    assert r.exit_code == 0, r.output
    added = json.loads(r.stdout)
    assert added["api_key"].startswith("ik_") and added["scopes"] == ["submit"]
    store = CaseStore(db)
    assert store.authenticate(added["api_key"]) is not None
    r = run.invoke(app, ["clients", "list", "--db", db, "--json"])
    listed = json.loads(r.stdout)
    assert [c["id"] for c in listed] == [added["id"]]
    assert "api_key" not in listed[0] and added["api_key"] not in r.stdout and "whsec_" not in r.stdout
    r = run.invoke(app, ["clients", "revoke", added["id"], "--db", db])
    assert r.exit_code == 0 and store.authenticate(added["api_key"]) is None
    assert run.invoke(app, ["clients", "revoke", added["id"], "--db", db]).exit_code == 1
    assert run.invoke(app, ["clients", "add", "x", "--scope", "root", "--db", db]).exit_code == 2
    assert run.invoke(app, ["clients", "add", "x", "--callback-url", "ftp://x", "--db", db]).exit_code == 2
    store.close()
