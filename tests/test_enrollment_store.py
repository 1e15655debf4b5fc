"""The enrollment store: CSV validation and import, lookups, sources, seeding, masking; SQLite and PostgreSQL."""

from __future__ import annotations

import logging
import os
import re
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import typer
from sqlalchemy import text
from typer.testing import CliRunner

from pipeline.app.cli import enrollment as cli_enrollment
from pipeline.config import Settings
from pipeline.stores.enrollment import (
    EnrollmentError,
    EnrollmentStore,
    EnrollmentUnavailable,
    default_store,
    normalize_url,
    open_store,
    parse_csv,
)

W = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
PG_URL = os.environ.get("INTAKE_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")
HEADER = "id_number,name,ssc_number,insurance_type,status,card_activated,region,retired,chronic_diseases\n"
UNMASKED_ID = re.compile(r"\d{17}[\dX]")


def make_id(first17: str) -> str:
    return first17 + "10X98765432"[sum(int(c) * w for c, w in zip(first17, W, strict=True)) % 11]


IDS = [make_id(f"650102198{i % 10}0101{i:03d}") for i in range(20)]


def row(i: int, **kw: str) -> str:
    d = {
        "id_number": IDS[i],
        "name": f"张伟{'一二三四五六七八九十'[i % 10]}",
        "ssc_number": f"A{i:08d}",
        "insurance_type": "employee",
        "status": "active",
        "card_activated": "true",
        "region": "xinjiang",
        "retired": "false",
        "chronic_diseases": "高血压;糖尿病",
    }
    d.update(kw)
    return ",".join(d.values())


def write(p: Path, *lines: str, header: str = HEADER) -> Path:
    p.write_text(header + "\n".join(lines) + "\n", encoding="utf-8")
    return p


# --------------------------------------------------------------------------- CSV


def test_parse_valid_csv_normalises(tmp_path: Path) -> None:
    p = write(
        tmp_path / "e.csv",
        row(0),
        row(
            1,
            id_number=IDS[1].lower(),
            status=" Arrears ",
            card_activated="否",
            insurance_type="居民",
            region="XinJiang",
        ),
        row(2, ssc_number="", chronic_diseases=""),
    )
    records, report = parse_csv(p)
    assert report.ok and report.rows == 3
    r1 = records[1]
    assert (r1.status, r1.card_activated, r1.insurance_type, r1.region) == (
        "arrears",
        False,
        "resident",
        "xinjiang",
    )
    assert records[0].chronic_diseases == ["高血压", "糖尿病"]
    assert records[2].ssc_number is None and records[2].chronic_diseases == []


def test_bad_rows_reported_with_line_numbers_and_no_values(tmp_path: Path) -> None:
    p = write(
        tmp_path / "e.csv",
        row(0),
        row(1, status="paused"),  # line 3
        "",  # blank line 4 is skipped
        row(2, id_number="65010219800101"),  # line 5: too short
        row(3, card_activated="maybe", insurance_type="other"),  # line 6: two errors
        row(0),  # line 7: duplicate of line 2
        row(4) + ",extra",  # line 8
    )
    _, report = parse_csv(p)
    got = sorted((e.line, e.column) for e in report.errors)
    assert got == [
        (3, "status"),
        (5, "id_number"),
        (6, "card_activated"),
        (6, "insurance_type"),
        (7, "id_number"),
        (8, None),
    ]
    assert "line 2" in next(e.message for e in report.errors if e.line == 7)
    text_out = report.summary()
    assert "nothing imported" in text_out and "65010219800101" not in text_out and "paused" not in text_out
    assert not UNMASKED_ID.search(text_out)


def test_header_and_encoding_errors(tmp_path: Path) -> None:
    _, rep = parse_csv(write(tmp_path / "a.csv", row(0), header="id_number,name\n"))
    assert rep.errors[0].line == 1 and "insurance_type" in rep.errors[0].message
    (tmp_path / "b.csv").write_bytes(HEADER.encode() + row(0).encode() + b"\n" + b"\xff\xfe bad\n")
    _, rep = parse_csv(tmp_path / "b.csv")
    assert rep.errors[0].line == 3 and "UTF-8" in rep.errors[0].message
    (tmp_path / "c.csv").write_bytes(b"")
    _, rep = parse_csv(tmp_path / "c.csv")
    assert rep.errors[0].line == 1


def test_quoted_multiline_field_keeps_line_numbers(tmp_path: Path) -> None:
    p = write(tmp_path / "e.csv", row(0), row(1, chronic_diseases='"高血压;\n糖尿病"'), row(2, status="nope"))
    _, rep = parse_csv(p)
    assert [(e.line, e.column) for e in rep.errors] == [(5, "status")]


# --------------------------------------------------------------------------- store (SQLite)


def test_import_is_all_or_nothing_and_upserts(tmp_path: Path) -> None:
    store = open_store(f"sqlite:///{tmp_path / 'e.sqlite'}", Settings(home=tmp_path))
    rep = store.import_csv(write(tmp_path / "good.csv", row(0), row(1)))
    assert rep.ok and (rep.inserted, rep.updated) == (2, 0)
    bad = write(tmp_path / "bad.csv", row(1, status="arrears"), row(2), row(3, retired="perhaps"))
    rep = store.import_csv(bad)
    assert not rep.ok and [e.line for e in rep.errors] == [4]
    assert store.count() == 2 and store.get(IDS[1]).status == "active"  # type: ignore[union-attr]
    rep = store.import_csv(write(tmp_path / "upd.csv", row(1, status="arrears"), row(2)))
    assert rep.ok and (rep.inserted, rep.updated) == (1, 1)
    assert store.count() == 3 and store.get(IDS[1]).status == "arrears"  # type: ignore[union-attr]


def test_get_and_get_many(tmp_path: Path) -> None:
    store = open_store(str(write(tmp_path / "e.csv", *(row(i) for i in range(10)))), Settings(home=tmp_path))
    r = store.get(" " + IDS[3].lower().replace("x", "ｘ"))
    assert r is not None and r.id_number == IDS[3] and r.card_activated is True and r.retired is False
    assert r.chronic_diseases == ["高血压", "糖尿病"] and r.ssc_number == "A00000003"
    assert store.get(IDS[15]) is None and store.get("") is None and store.get(None) is None
    many = store.get_many([IDS[0], IDS[9], IDS[15], IDS[0].lower(), None])
    assert sorted(many) == sorted({IDS[0], IDS[9]}) and many[IDS[9]].name == "张伟十"


def test_open_store_sources(tmp_path: Path) -> None:
    s = Settings(home=tmp_path / "home")
    p = write(tmp_path / "e.csv", row(0))
    a = open_store(str(p), s)
    assert open_store(str(p), s) is a  # cached while the file is unchanged
    write(p, row(0), row(1))
    b = open_store(str(p), s)
    assert b is not a and b.count() == 2
    with pytest.raises(EnrollmentError, match="line 2"):
        open_store(str(write(tmp_path / "bad.csv", row(0, status="?"))), s)
    with pytest.raises(EnrollmentError, match="not found"):
        open_store(str(tmp_path / "missing.csv"), s)
    url = f"sqlite:///{tmp_path / 'x.sqlite'}"
    assert open_store(url, s) is open_store(url, s)
    # settings.enrollment_url is the default source
    assert open_store(None, Settings(home=tmp_path, enrollment_url=str(p))).count() == 2


def test_normalize_url() -> None:
    u, table = normalize_url("postgresql://u@127.0.0.1:5432/test?table=people")
    assert u.drivername == "postgresql+psycopg" and table == "people" and "table" not in u.query
    assert normalize_url("sqlite:///x.sqlite")[1] == "enrollment"
    with pytest.raises(EnrollmentError):
        normalize_url("not a url")


def test_default_store_is_created_empty_and_seeded_only_on_request(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path / "home")
    store = default_store(settings)
    assert (tmp_path / "home" / "enrollment.sqlite").is_file()
    assert default_store(settings) is store
    assert store.count() == 0  # the production store never holds the sample people by itself
    # seeding: seed rows are replaced when the samples change, imported rows are kept
    store._seed_checked = False
    seed = write(tmp_path / "seed.csv", row(0), row(1))
    assert store.ensure_seeded(seed) is not None
    store.import_csv(write(tmp_path / "mine.csv", row(5, name="李四")))
    store._seed_checked = False
    assert store.ensure_seeded(seed) is None  # unchanged: nothing to do
    write(seed, row(1, status="arrears"), row(2), row(5))
    store._seed_checked = False
    rep = store.ensure_seeded(seed)
    assert rep is not None and rep.skipped == 1
    assert store.get(IDS[0]) is None  # left the samples
    assert store.get(IDS[1]).status == "arrears"  # type: ignore[union-attr]
    assert store.get(IDS[5]).name == "李四"  # type: ignore[union-attr]


def _seed_in_process(url: str, seed: str, home: str) -> int:
    store = open_store(url, Settings(home=Path(home)))
    store.ensure_seeded(Path(seed))
    return store.count()


def test_concurrent_first_use_seeds_once(tmp_path: Path) -> None:
    from concurrent.futures import ProcessPoolExecutor

    seed = write(tmp_path / "seed.csv", *(row(i) for i in range(20)))
    url = f"sqlite:///{tmp_path / 'shared.sqlite'}"
    with ProcessPoolExecutor(3) as ex:
        counts = list(ex.map(_seed_in_process, [url] * 3, [str(seed)] * 3, [str(tmp_path)] * 3))
    assert counts == [20, 20, 20]


def test_no_personal_data_in_logs_or_reprs(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    p = write(tmp_path / "e.csv", row(0), row(1, status="bad"))
    with pytest.raises(EnrollmentError) as ei:
        open_store(str(p), Settings(home=tmp_path))
    store = open_store(str(write(tmp_path / "ok.csv", row(0))), Settings(home=tmp_path))
    r = store.get(IDS[0])
    everything = caplog.text + str(ei.value) + repr(r) + str(r) + repr(store)
    assert IDS[0] not in everything and IDS[1] not in everything and "张伟一" not in everything
    assert "6501**********" in repr(r) and "张**" in repr(r)


def test_lookup_connection_recovers(tmp_path: Path) -> None:
    store = open_store(f"sqlite:///{tmp_path / 'r.sqlite'}", Settings(home=tmp_path))
    store.import_csv(write(tmp_path / "e.csv", row(0)))
    assert store.get(IDS[0]) is not None
    store._raw.dbapi_connection.close()  # the held connection dies under us
    assert store.get(IDS[0]) is not None


# --------------------------------------------------------------------------- CLI


def test_cli_import_and_show(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INTAKE_HOME", str(tmp_path / "home"))
    from pipeline.config import get_settings

    get_settings.cache_clear()
    app = typer.Typer()
    cli_enrollment.register(app)

    @app.command()
    def _noop() -> None:  # a second command keeps "enrollment" a sub-command
        pass

    runner = CliRunner()
    db = f"sqlite:///{tmp_path / 'cli.sqlite'}"
    good = write(tmp_path / "good.csv", row(0), row(1))
    res = runner.invoke(app, ["enrollment", "import", str(good), "--db", db])
    assert res.exit_code == 0, res.output
    assert "2 inserted" in res.output
    bad = write(tmp_path / "bad.csv", row(2), row(3, region=""))
    res = runner.invoke(app, ["enrollment", "import", str(bad), "--db", db])
    assert res.exit_code == 1 and "line 3" in res.output and "region" in res.output
    res = runner.invoke(app, ["enrollment", "show", IDS[1], "--db", db])
    assert res.exit_code == 0 and "6501**********" in res.output and "张**" in res.output
    assert IDS[1] not in res.output and "张伟二" not in res.output
    res = runner.invoke(app, ["enrollment", "show", IDS[2], "--db", db])
    assert res.exit_code == 1 and IDS[2] not in res.output
    # without --db: the embedded default store under INTAKE_HOME
    res = runner.invoke(app, ["enrollment", "import", str(good)])
    assert res.exit_code == 0 and (tmp_path / "home" / "enrollment.sqlite").is_file()
    get_settings.cache_clear()


# --------------------------------------------------------------------------- PostgreSQL


@pytest.fixture()
def pg_store() -> Iterator[EnrollmentStore]:
    table = f"enroll_test_{uuid.uuid4().hex[:10]}"
    try:
        store = open_store(f"{PG_URL}?table={table}", Settings())
    except EnrollmentUnavailable as e:
        pytest.skip(f"PostgreSQL not reachable at {PG_URL.split('@')[-1]}: {e}")
    try:
        yield store
    finally:
        store.close()
        with store.engine.begin() as conn:
            conn.execute(text(f'DROP TABLE IF EXISTS "{table}", "{table}_meta"'))


@pytest.mark.postgres
def test_postgres_import_lookup_and_atomicity(pg_store: EnrollmentStore, tmp_path: Path) -> None:
    assert pg_store.engine.dialect.name == "postgresql"
    rep = pg_store.import_csv(write(tmp_path / "good.csv", *(row(i) for i in range(10))))
    assert rep.ok and rep.inserted == 10
    rep = pg_store.import_csv(write(tmp_path / "bad.csv", row(10), row(11, status="x")))
    assert [e.line for e in rep.errors] == [3] and pg_store.count() == 10
    rep = pg_store.import_csv(
        write(tmp_path / "upd.csv", row(0, status="transferring", card_activated="false"), row(10))
    )
    assert (rep.inserted, rep.updated) == (1, 1)
    r = pg_store.get(IDS[0].lower())
    assert r is not None and r.status == "transferring" and r.card_activated is False
    for _ in range(8):  # past psycopg's prepare threshold: the server-side prepared statement
        assert pg_store.get(IDS[3]) is not None
    assert pg_store.get(IDS[15]) is None
    assert sorted(pg_store.get_many(IDS)) == sorted(IDS[:11])


@pytest.mark.postgres
def test_postgres_unreachable_is_a_clear_error() -> None:
    with pytest.raises(EnrollmentUnavailable, match="unavailable"):
        open_store("postgresql://postgres@127.0.0.1:1/test", Settings())
