"""The invoice register: SQLite (embedded default) and PostgreSQL; idempotence; concurrent writers."""

from __future__ import annotations

import multiprocessing as mp
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from pipeline.config import Settings
from pipeline.stores.invoice_register import InvoiceRegister, normalize_key, normalize_url, open_register

PG_URL = "postgresql://postgres@127.0.0.1:5432/test"


def _pg_reachable() -> str | None:
    try:
        import psycopg

        with psycopg.connect("host=127.0.0.1 port=5432 user=postgres dbname=test", connect_timeout=2):
            return None
    except Exception as e:  # any failure: no server, no db, no driver
        return f"PostgreSQL at 127.0.0.1:5432/test unreachable: {type(e).__name__}"


_PG_SKIP = _pg_reachable()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def register(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[InvoiceRegister, str]]:
    """A register and a unique case-id prefix; rows of that prefix are removed afterwards."""
    prefix = f"TEST-{uuid.uuid4().hex[:8]}-"
    if request.param == "sqlite":
        reg = InvoiceRegister(f"sqlite:///{tmp_path / 'register.sqlite'}")
    else:
        if _PG_SKIP:
            pytest.skip(_PG_SKIP)
        reg = InvoiceRegister(PG_URL)
    yield reg, prefix
    for suffix in ("A", "B", "C", *[f"P{i}" for i in range(8)]):
        reg.forget_case(prefix + suffix)
    reg.close()


def test_first_case_owns_the_invoice(register: tuple[InvoiceRegister, str]) -> None:
    reg, p = register
    assert reg.check_and_record(p + "A", "33060121", "0012345678", "2514.50", "2024-03-01") == []
    assert reg.check_and_record(p + "B", "33060121", "0012345678", "2514.50", "2024-03-01") == [p + "A"]
    assert reg.check_and_record(p + "C", "33060121", "0012345678") == [p + "A", p + "B"]


def test_rerun_is_idempotent(register: tuple[InvoiceRegister, str]) -> None:
    reg, p = register
    reg.check_and_record(p + "A", "33060121", "0012345678")
    reg.check_and_record(p + "B", "33060121", "0012345678")
    n = reg.count()
    # re-running A: never its own duplicate, nor a duplicate of the later case B
    assert reg.check_and_record(p + "A", "33060121", "0012345678") == []
    # re-running B: still a duplicate of A
    assert reg.check_and_record(p + "B", "33060121", "0012345678") == [p + "A"]
    assert reg.count() == n
    assert reg.record(p + "A", "33060121", "0012345678") is True
    assert reg.count() == n


def test_seen_elsewhere(register: tuple[InvoiceRegister, str]) -> None:
    reg, p = register
    assert reg.seen_elsewhere(p + "A", "33060121", "0012345678") == []
    reg.record(p + "A", "33060121", "0012345678", "10.00", "2024-03-01")
    assert reg.seen_elsewhere(p + "A", "33060121", "0012345678") == []
    assert reg.seen_elsewhere(p + "B", "33060121", "0012345678") == [p + "A"]
    assert reg.seen_elsewhere(p + "B", "33060121", "0012345679") == []


def test_keys_are_normalised(register: tuple[InvoiceRegister, str]) -> None:
    reg, p = register
    reg.record(p + "A", "3306 0121", "NO.0012345678")
    assert reg.seen_elsewhere(p + "B", "３３０６０１２１", "no0012345678") == [p + "A"]


def test_empty_keys_are_not_recorded(register: tuple[InvoiceRegister, str]) -> None:
    reg, p = register
    n = reg.count()
    assert reg.record(p + "A", "", "0012345678") is False
    assert reg.check_and_record(p + "A", "33060121", "  ") == []
    assert reg.count() == n


def test_bad_amount_and_date_are_stored_as_null(register: tuple[InvoiceRegister, str]) -> None:
    reg, p = register
    assert reg.check_and_record(p + "A", "33060121", "0012345678", "n/a", "yesterday") == []
    assert reg.seen_elsewhere(p + "B", "33060121", "0012345678") == [p + "A"]


def _writer(url: str, case_id: str, keys: list[tuple[str, str]], out: mp.Queue) -> None:  # type: ignore[type-arg]
    reg = InvoiceRegister(url)
    result = {k: reg.check_and_record(case_id, k[0], k[1], "1.00", "2024-03-01") for k in keys}
    reg.close()
    out.put((case_id, result))


def test_concurrent_writers(register: tuple[InvoiceRegister, str]) -> None:
    reg, p = register
    keys = [("33060121", f"{i:010d}") for i in range(30)]
    cases = [f"{p}P{i}" for i in range(4)]
    mpx = mp.get_context("fork")
    q = mpx.Queue()
    procs = [mpx.Process(target=_writer, args=(reg.url, c, keys, q)) for c in cases]
    for pr in procs:
        pr.start()
    results = dict(q.get(timeout=120) for _ in procs)
    for pr in procs:
        pr.join(timeout=60)
        assert pr.exitcode == 0
    for k in keys:
        seen = sorted(len(results[c][k]) for c in cases)
        # exactly one first owner; the n-th writer saw the n-1 before it
        assert seen == [0, 1, 2, 3], (k, seen)
    assert sum(1 for c in cases for k in keys if reg.seen_elsewhere(c, *k) == []) == len(keys)


def test_open_register_default_is_sqlite_under_home(tmp_path: Path) -> None:
    s = Settings(home=tmp_path / "home")
    reg = open_register(s)
    assert reg.dialect == "sqlite"
    assert (tmp_path / "home" / "register.sqlite").exists()
    assert open_register(s) is reg


def test_open_register_by_url(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'other.sqlite'}"
    reg = open_register(Settings(home=tmp_path, register_url=url))
    assert reg.url == url and (tmp_path / "other.sqlite").exists()


def test_normalisers() -> None:
    assert normalize_url("postgresql://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalize_url("postgres://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalize_url("sqlite:///x.db") == "sqlite:///x.db"
    assert normalize_key(" ab-12 ３４ ") == "AB1234"
    assert normalize_key(None) == ""


def test_returned_case_does_not_own_the_invoice(register: tuple[InvoiceRegister, str]) -> None:
    reg, p = register
    reg.check_and_record(p + "A", "33060121", "0012345678")
    assert reg.set_decision(p + "A", "return") == 1
    # the applicant fixed the filing and submitted it again under a new case id
    assert reg.check_and_record(p + "B", "33060121", "0012345678") == []
    reg.set_decision(p + "B", "pass")
    assert reg.check_and_record(p + "C", "33060121", "0012345678") == [p + "B"]


def test_old_table_gets_the_decision_column(tmp_path: Path) -> None:
    import sqlite3

    path = tmp_path / "old.sqlite"
    con = sqlite3.connect(path)
    con.execute(
        "CREATE TABLE invoice_register (id INTEGER PRIMARY KEY, invoice_code VARCHAR(40) NOT NULL, "
        "invoice_number VARCHAR(40) NOT NULL, case_id VARCHAR(200) NOT NULL, amount NUMERIC(14, 2), "
        "issue_date DATE, recorded_at DATETIME NOT NULL, "
        "UNIQUE (invoice_code, invoice_number, case_id))"
    )
    con.execute(
        "INSERT INTO invoice_register VALUES (1, '33060121', '0012345678', 'OLD', NULL, NULL, '2024-01-01')"
    )
    con.commit()
    con.close()
    reg = InvoiceRegister(f"sqlite:///{path}")
    assert reg.check_and_record("NEW", "33060121", "0012345678") == ["OLD"]
    assert reg.set_decision("OLD", "return") == 1
    assert reg.seen_elsewhere("NEW", "33060121", "0012345678") == []
