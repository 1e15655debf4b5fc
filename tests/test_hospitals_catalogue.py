"""The hospital catalogue a site loads (intake hospitals import): row-by-row validation, all or nothing,
stored in the enrollment database; the policy checks use it instead of the built-in list, and a hospital
that is not in it is review (warning), never a silent pass (issue 14)."""

from __future__ import annotations

import dataclasses
import os
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine
from typer.testing import CliRunner

from pipeline.stores._db import database_url, dispose_all, engine_for
from pipeline.stores.hospitals import HospitalStore, close_all, open_hospitals, parse_csv
from tests.test_rules_support import make_ctx, mat
from validators import destination, policy
from validators.support.rules import catalogue_for, hospital_catalogue

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "samples" / "hospitals.csv"
HEADER = "name,aliases,province,city,district,level,designated,cross_province_networked,referral_qualified,region,private\n"


@pytest.fixture(autouse=True)
def _fresh() -> None:
    close_all()


def _store(tmp_path: Path) -> HospitalStore:
    return HospitalStore(engine_for(f"sqlite:///{tmp_path / 'e.sqlite'}"))


def test_sample_catalogue_is_valid_and_equals_the_builtin_list() -> None:
    records, report = parse_csv(SAMPLE)
    assert report.ok and report.rows == len(records) == len(hospital_catalogue().hospitals)
    built = {h.name: h for h in hospital_catalogue().hospitals}
    for r in records:
        h = built[r.name]
        assert (r.city, r.level, r.designated, r.cross_province_networked, r.referral_qualified) == (
            h.city,
            h.level,
            h.designated,
            h.networked,
            h.can_refer,
        )


def test_bad_rows_are_reported_by_line_and_nothing_is_imported(tmp_path: Path) -> None:
    bad = tmp_path / "h.csv"
    bad.write_text(
        HEADER
        + "甲医院,,浙江省,舟山市,定海区,三级甲等,true,true,true,,false\n"
        + "乙医院,,浙江省,舟山市,定海区,四级,true,true,true,,false\n"  # no such level
        + "丙医院,,浙江省,舟山市,定海区,二级甲等,maybe,true,true,,false\n"  # not a boolean
        + "甲医院,,浙江省,宁波市,,二级,true,true,true,,false\n",  # the same name twice
        encoding="utf-8",
    )
    store = _store(tmp_path)
    report = store.import_csv(bad)
    assert not report.ok and {e.line for e in report.errors} == {3, 4, 5}
    assert store.count() == 0
    missing = tmp_path / "m.csv"
    missing.write_text("name,province\n甲医院,浙江省\n", encoding="utf-8")
    assert "missing column" in str(_store(tmp_path).import_csv(missing).errors[0])


def test_import_upserts_or_replaces(tmp_path: Path) -> None:
    store = _store(tmp_path)
    assert store.import_csv(SAMPLE).inserted == 42 and store.count() == 42
    one = tmp_path / "one.csv"
    one.write_text(
        HEADER + "宁波市第一医院,宁波一院,浙江省,宁波市,海曙区,三级甲等,是,是,是,,否\n", encoding="utf-8"
    )
    assert store.import_csv(one).inserted == 1 and store.count() == 43
    r = store.import_csv(one, replace=True)
    assert r.updated == 1 and store.count() == 1
    (rec,) = store.records()
    assert rec.aliases == ("宁波一院",) and rec.cross_province_networked and not rec.private


def test_cli_import_and_show(tmp_path: Path) -> None:
    from pipeline.app.cli import app

    env = {"INTAKE_HOME": str(tmp_path), "INTAKE_ENROLLMENT_URL": "", "INTAKE_HOSPITALS_URL": ""}
    r = CliRunner().invoke(app, ["hospitals", "import", str(SAMPLE)], env=env)
    assert r.exit_code == 0, r.output
    assert "42 rows" in r.output and "42 in catalogue" in r.output
    r = CliRunner().invoke(app, ["hospitals", "show", "浙大一院"], env=env)
    assert r.exit_code == 0 and "浙江大学医学院附属第一医院" in r.output
    bad = tmp_path / "bad.csv"
    bad.write_text(HEADER + "X,,浙江省,舟山市,,五级,true,true,true,,false\n", encoding="utf-8")
    r = CliRunner().invoke(app, ["hospitals", "import", str(bad)], env=env)
    assert r.exit_code == 1 and "line 2" in r.output
    assert (
        CliRunner().invoke(app, ["hospitals", "import", str(tmp_path / "none.csv")], env=env).exit_code == 2
    )
    # the same database as the embedded enrollment store
    assert (tmp_path / "enrollment.sqlite").is_file()


def _loaded(tmp_path: Path, rows: str) -> HospitalStore:
    p = tmp_path / "site.csv"
    p.write_text(HEADER + rows, encoding="utf-8")
    store = _store(tmp_path)
    assert store.import_csv(p, replace=True).ok
    return store


def _with(ctx: object, store: HospitalStore) -> object:
    return dataclasses.replace(ctx, hospitals=store)  # type: ignore[type-var]


def test_loaded_catalogue_replaces_the_builtin_list(tmp_path: Path) -> None:
    store = _loaded(
        tmp_path,
        "宁波市第一医院,,浙江省,宁波市,海曙区,三级甲等,true,true,true,,false\n"
        "宁波海曙某诊所,,浙江省,宁波市,海曙区,未定级,false,false,false,,true\n",
    )
    assert catalogue_for(store).source == "imported" and catalogue_for(None).source == "builtin"
    chk = policy.hospital_not_networked
    ok = make_ctx("remote.temporary", [], destination="浙江省宁波市海曙区", hospital="宁波市第一医院")
    assert list(chk(_with(ok, store))) == []  # type: ignore[arg-type]
    assert [f.severity for f in chk(ok)] == ["warning"]  # the built-in list does not know it
    bad = make_ctx("remote.temporary", [], destination="浙江省宁波市海曙区", hospital="宁波海曙某诊所")
    assert [(f.code, f.severity) for f in chk(_with(bad, store))] == [
        ("policy.hospital_not_networked", "blocker")
    ]  # type: ignore[arg-type]
    # a hospital the built-in list knows but the site's catalogue does not: review, with the catalogue named
    gone = make_ctx("remote.temporary", [], destination="浙江省舟山市定海区", hospital="舟山医院")
    (f,) = chk(_with(gone, store))  # type: ignore[arg-type]
    assert f.severity == "warning" and "已导入的定点医疗机构目录" in f.message


def test_referral_from_an_unlisted_institution_is_review(tmp_path: Path) -> None:
    store = _loaded(tmp_path, "宁波市第一医院,,浙江省,宁波市,海曙区,三级甲等,true,true,true,,false\n")
    slip = mat(
        "ref.pdf",
        "referral_slip",
        fields={"from_hospital": "新疆医科大学第一附属医院", "to_hospital": "宁波市第一医院"},
    )
    ctx = make_ctx("remote.referral", [slip], destination="浙江省宁波市")
    flags = list(policy.referral_unqualified(_with(ctx, store)))  # type: ignore[arg-type]
    assert [(f.code, f.severity) for f in flags] == [("policy.referral_unqualified", "warning")]
    # the destination check reads the same catalogue
    assert list(destination.destination_mismatch(_with(ctx, store))) == []  # type: ignore[arg-type]


def test_configured_csv_source(tmp_path: Path) -> None:
    from pipeline.config import Settings

    s = Settings(home=tmp_path, hospitals_url=str(SAMPLE))
    assert len(open_hospitals(None, s).records()) == 42


PG_URL = os.environ.get("INTAKE_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")


@pytest.mark.postgres
def test_postgres_catalogue_in_a_private_schema(tmp_path: Path) -> None:
    """The same store on PostgreSQL (a private schema, dropped afterwards): import, read back, all or nothing."""
    schema = f"hosp_{uuid.uuid4().hex[:10]}"
    try:
        admin = create_engine(database_url(PG_URL), connect_args={"connect_timeout": 3})
        with admin.begin() as conn:
            conn.exec_driver_sql(f"CREATE SCHEMA {schema}")
    except Exception as e:  # pragma: no cover - environment
        pytest.skip(f"PostgreSQL not reachable: {type(e).__name__}")
    try:
        store = HospitalStore(engine_for(f"{PG_URL}?options=-csearch_path%3D{schema}"))
        assert store.engine.dialect.name == "postgresql"
        assert store.import_csv(SAMPLE).inserted == 42 and len(store.records()) == 42
        bad = tmp_path / "bad.csv"
        bad.write_text(
            HEADER
            + "新医院,,浙江省,宁波市,,二级,true,true,true,,false\nX,,浙江省,宁波市,,六级,true,true,true,,false\n",
            encoding="utf-8",
        )
        assert not store.import_csv(bad, replace=True).ok and store.count() == 42
    finally:
        dispose_all()
        with admin.begin() as conn:
            conn.exec_driver_sql(f"DROP SCHEMA {schema} CASCADE")
        admin.dispose()


def test_cli_reads_the_environment_of_each_invocation(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """In one process (tests, an embedding program) each invocation uses its own INTAKE_* settings, not
    those cached by an earlier call: the catalogue lands in this invocation's home."""
    from typer.testing import CliRunner

    from pipeline.app.cli import app
    from pipeline.config import get_settings

    monkeypatch.setenv("INTAKE_HOME", str(tmp_path / "earlier"))
    get_settings.cache_clear()
    assert get_settings().home == tmp_path / "earlier"  # cached by an earlier user of the process
    env = {"INTAKE_HOME": str(tmp_path / "now"), "INTAKE_ENROLLMENT_URL": "", "INTAKE_HOSPITALS_URL": ""}
    r = CliRunner().invoke(app, ["hospitals", "import", str(SAMPLE)], env=env)
    assert r.exit_code == 0, r.output
    assert (tmp_path / "now" / "enrollment.sqlite").is_file()
    get_settings.cache_clear()
