"""The hospital catalogue (定点医疗机构目录): which institutions are designated, networked for
cross-province direct settlement, and qualified to refer, as a site loads it from the official list.

``intake hospitals import FILE.csv`` validates every row (like ``intake enrollment import``) and writes
all rows or none, into table ``hospitals`` of the enrollment database (same URL; the embedded SQLite under
``INTAKE_HOME`` by default; ``INTAKE_HOSPITALS_URL`` may name another database or a CSV file).

CSV columns (UTF-8, header row; docs/hospitals.md lists where each comes from in the official lists):

=========================  ===================================================================
name                       机构名称 (required, unique)
aliases                    other names, separated by ``;`` (简称、曾用名)
province, city, district   所在省、市（地区、州）、区县 (province and city required)
level                      医院等级: 三级甲等 … 一级丙等, 三级/二级/一级, or 未定级
designated                 医保定点 (true/false, 是/否)
cross_province_networked   跨省异地就医直接结算联网 (true/false)
referral_qualified         具有转诊资质 (true/false)
region                     optional: the insurance region (xinjiang, jingmen …) whose local
                           designated institution it is, for 参保地规定的定点医疗机构
private                    optional: 民营/私立 (true/false)
=========================  ===================================================================

Rows hold no personal data.
"""

from __future__ import annotations

import csv
import io
import logging
import threading
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from sqlalchemy import Boolean, Column, MetaData, String, Table, Text, create_engine, delete, func, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.pool import StaticPool

from pipeline.config import Settings, get_settings
from pipeline.errors import ConfigError, TransientError
from pipeline.stores._db import engine_for
from pipeline.stores.enrollment import ImportReport, RowError

log = logging.getLogger(__name__)

TABLE = "hospitals"
#: CSV columns, in order; the first six of REQUIRED must be present in the header.
COLUMNS: tuple[str, ...] = (
    "name",
    "aliases",
    "province",
    "city",
    "district",
    "level",
    "designated",
    "cross_province_networked",
    "referral_qualified",
    "region",
    "private",
)
REQUIRED_COLUMNS: tuple[str, ...] = (
    "name",
    "province",
    "city",
    "level",
    "designated",
    "cross_province_networked",
    "referral_qualified",
)
LEVEL_PATTERN = r"^(三级|二级|一级)(甲等|乙等|丙等|特等)?$|^未定级$"
_TRUE = frozenset({"true", "t", "1", "yes", "y", "是", "已联网", "定点"})
_FALSE = frozenset({"false", "f", "0", "no", "n", "否", "未联网", "非定点", ""})


class HospitalError(ConfigError):
    """The hospital catalogue source cannot be used."""


class HospitalsUnavailable(HospitalError, TransientError):
    """The hospital catalogue database cannot be reached."""


class HospitalRecord(BaseModel):
    """One institution of the catalogue."""

    model_config = ConfigDict(frozen=True, str_strip_whitespace=True)

    name: str = Field(min_length=2, max_length=200)
    aliases: tuple[str, ...] = ()
    province: str = Field(min_length=2)
    city: str = Field(min_length=2)
    district: str | None = None
    level: str = Field(pattern=LEVEL_PATTERN)
    designated: bool
    cross_province_networked: bool
    referral_qualified: bool
    region: str | None = None
    private: bool = False

    @field_validator("aliases", mode="before")
    @classmethod
    def _aliases(cls, v: Any) -> Any:
        if v is None:
            return ()
        if isinstance(v, str):
            return tuple(p.strip() for p in v.replace("；", ";").split(";") if p.strip())
        return v

    @field_validator("district", "region", mode="before")
    @classmethod
    def _empty(cls, v: Any) -> Any:
        if isinstance(v, str):
            v = v.strip()
            return v or None
        return v

    @field_validator("region")
    @classmethod
    def _region(cls, v: str | None) -> str | None:
        return v.lower() if v else v

    @field_validator("designated", "cross_province_networked", "referral_qualified", "private", mode="before")
    @classmethod
    def _bool(cls, v: Any) -> Any:
        if isinstance(v, str):
            s = v.strip().lower()
            if s in _TRUE:
                return True
            if s in _FALSE:
                return False
            raise ValueError("must be true or false (是/否)")
        return v

    def to_row(self) -> dict[str, Any]:
        d = self.model_dump()
        d["aliases"] = ";".join(self.aliases)
        return d


def parse_csv(path: Path) -> tuple[list[HospitalRecord], ImportReport]:
    """Every row validated; errors name the line and column, never more than the value's fault."""
    report = ImportReport(source=path.name)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as e:
        report.errors.append(RowError(line=1, message=f"cannot read the file as UTF-8 ({type(e).__name__})"))
        return [], report
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip() for h in (reader.fieldnames or [])]
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        report.errors.append(RowError(line=1, message=f"missing column(s): {', '.join(missing)}"))
        return [], report
    unknown = [h for h in header if h not in COLUMNS]
    if unknown:
        report.errors.append(RowError(line=1, message=f"unknown column(s): {', '.join(unknown)}"))
        return [], report
    out: list[HospitalRecord] = []
    seen: dict[str, int] = {}
    for raw in reader:
        line = reader.line_num
        report.rows += 1
        row = {(k or "").strip(): v for k, v in raw.items() if k}
        try:
            rec = HospitalRecord.model_validate({k: v for k, v in row.items() if v is not None})
        except ValidationError as e:
            for err in e.errors():
                col = str(err["loc"][0]) if err["loc"] else None
                report.errors.append(RowError(line=line, column=col, message=err["msg"]))
            continue
        for n in (rec.name, *rec.aliases):
            if n in seen:
                report.errors.append(
                    RowError(line=line, column="name", message=f"name or alias also used on line {seen[n]}")
                )
            seen[n] = line
        out.append(rec)
    return out, report


def _table(metadata: MetaData) -> Table:
    return Table(
        TABLE,
        metadata,
        Column("name", String(200), primary_key=True),
        Column("aliases", Text, nullable=False, default=""),
        Column("province", String(64), nullable=False),
        Column("city", String(64), nullable=False),
        Column("district", String(64)),
        Column("level", String(16), nullable=False),
        Column("designated", Boolean, nullable=False),
        Column("cross_province_networked", Boolean, nullable=False),
        Column("referral_qualified", Boolean, nullable=False),
        Column("region", String(64)),
        Column("private", Boolean, nullable=False, default=False),
    )


class HospitalStore:
    """Table ``hospitals`` on an engine; the whole catalogue is read once and kept until an import."""

    def __init__(self, engine: Engine, *, label: str | None = None) -> None:
        self.engine = engine
        self.label = label or engine.url.render_as_string(hide_password=True)
        self.table = _table(MetaData())
        self._lock = threading.RLock()
        self._cache: tuple[HospitalRecord, ...] | None = None
        try:
            self.table.create(engine, checkfirst=True)
        except SQLAlchemyError as e:
            raise HospitalsUnavailable(f"hospital catalogue {self.label}: {type(e).__name__}") from None

    def count(self) -> int:
        with self.engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(self.table)).scalar() or 0)

    def records(self) -> tuple[HospitalRecord, ...]:
        """The loaded catalogue (empty when nothing was imported)."""
        with self._lock:
            if self._cache is None:
                try:
                    with self.engine.connect() as conn:
                        rows = conn.execute(select(self.table).order_by(self.table.c.name)).mappings().all()
                except SQLAlchemyError as e:
                    raise HospitalsUnavailable(
                        f"hospital catalogue {self.label}: {type(e).__name__}"
                    ) from None
                self._cache = tuple(HospitalRecord.model_validate(dict(r)) for r in rows)
            return self._cache

    def import_records(
        self, records: list[HospitalRecord], report: ImportReport, *, replace: bool
    ) -> ImportReport:
        """Write all rows in one transaction (upsert by name; ``replace`` drops the rest first)."""
        rows = [r.to_row() for r in records]
        try:
            with self._lock, self.engine.begin() as conn:
                existing = set(conn.execute(select(self.table.c.name)).scalars())
                if replace:
                    conn.execute(delete(self.table))
                else:
                    for r in rows:
                        if r["name"] in existing:
                            conn.execute(delete(self.table).where(self.table.c.name == r["name"]))
                if rows:
                    conn.execute(self.table.insert(), rows)
                self._cache = None
        except SQLAlchemyError as e:
            raise HospitalsUnavailable(f"import into {self.label} failed: {type(e).__name__}") from None
        report.updated = sum(1 for r in rows if r["name"] in existing)
        report.inserted = len(rows) - report.updated
        log.info("hospital import %s into %s: %s", report.source, self.label, report.summary())
        return report

    def import_csv(self, path: Path | str, *, replace: bool = False) -> ImportReport:
        path = Path(path)
        records, report = parse_csv(path)
        if not report.ok:
            return report
        return self.import_records(records, report, replace=replace)


_STORES: dict[str, HospitalStore] = {}
_STORES_LOCK = threading.Lock()


def open_hospitals(source: str | None = None, settings: Settings | None = None) -> HospitalStore:
    """The catalogue for ``source`` (a database URL or a CSV file), else ``INTAKE_HOSPITALS_URL``, else the
    enrollment database (``INTAKE_ENROLLMENT_URL`` when it is a URL), else the embedded SQLite."""
    settings = settings or get_settings()
    s = (source or settings.hospitals_url or "").strip()
    if not s and settings.enrollment_url and "://" in settings.enrollment_url:
        s = settings.enrollment_url.split("?", 1)[0]
    if not s:
        s = f"sqlite:///{Path(settings.home).expanduser() / 'enrollment.sqlite'}"
    with _STORES_LOCK:
        store = _STORES.get(s)
        if store is not None:
            return store
        if "://" in s:
            try:
                store = HospitalStore(engine_for(s))
            except ModuleNotFoundError as e:
                raise HospitalError(f"no database driver: {e.name}") from None
        else:
            path = Path(s).expanduser()
            if not path.is_file():
                raise HospitalError(f"hospital catalogue not found: {path.name}")
            records, report = parse_csv(path)
            if not report.ok:
                raise HospitalError(f"hospital catalogue rejected:\n{report.summary()}")
            engine = create_engine(
                "sqlite://", poolclass=StaticPool, connect_args={"check_same_thread": False}
            )
            store = HospitalStore(engine, label=f"csv:{path.name}")
            store.import_records(records, report, replace=True)
        _STORES[s] = store
        return store


def close_all() -> None:
    with _STORES_LOCK:
        _STORES.clear()
