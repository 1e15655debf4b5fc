"""Service rules and policy catalogues as data (``validators/rules/*.yaml``), validated at load.

* ``load_rules(region) -> RuleSet``: the 28 service items of the base guide (Xinjiang) with a regional
  overlay merged on top (``regions/<region>.yaml``: removed / added / patched requirements, time limits,
  channels, notes, policy switches). Unknown document types, service codes or filing keys fail loudly.
* ``RuleSet.active_requirements(service, filing)``: the requirements that apply to one case.
* Catalogues: chronic/special diseases per region, hospitals (level, networked, may refer), filing-type
  hints, in-person confirmations; with name matching that normalises and uses aliases + rapidfuzz.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from rapidfuzz import fuzz
from rapidfuzz.distance import Levenshtein

from pipeline.codes import DocType, ServiceCode
from pipeline.config import read_yaml
from pipeline.errors import ConfigError

RULES_DIR = Path(__file__).resolve().parent.parent / "rules"
BASE_REGION = "xinjiang"


class RulesError(ConfigError, ValueError):
    """Rule data that does not validate (raised at load, never at check time)."""


# --------------------------------------------------------------------------- conditions on case.filing

FilingScalar = bool | int | str
FilingValue = FilingScalar | list[FilingScalar]
Condition = dict[str, FilingValue]


def _coerce(v: Any) -> Any:
    if isinstance(v, str):
        s = v.strip().lower()
        if s in ("true", "yes", "是", "1"):
            return True
        if s in ("false", "no", "否", "0"):
            return False
        return v.strip()
    if isinstance(v, date):
        return v.isoformat()
    return v


def filing_value(filing: Any, key: str) -> Any:
    """A key of ``case.filing`` (declared field or extra key), or None."""
    if filing is None:
        return None
    if isinstance(filing, Mapping):
        return filing.get(key)
    v = getattr(filing, key, None)
    if v is None:
        extra = getattr(filing, "model_extra", None) or {}
        v = extra.get(key)
    return v


def condition_holds(cond: Condition | None, filing: Any) -> bool:
    """All keys must match; an absent/null key never matches; a list value means "one of"."""
    if not cond:
        return True
    for key, expected in cond.items():
        actual = filing_value(filing, key)
        if actual is None:
            return False
        actual = _coerce(actual)
        options = expected if isinstance(expected, list) else [expected]
        if not any(_coerce(o) == actual and type(_coerce(o)) is type(actual) for o in options):
            return False
    return True


# --------------------------------------------------------------------------- service rules


class FilingKey(BaseModel):
    model_config = ConfigDict(extra="forbid")

    type: Literal["bool", "str", "int", "date"]
    description: str
    values: list[str] | None = None


class Requirement(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    name: str = Field(min_length=1)
    any_of: list[DocType] = Field(default_factory=list)
    keywords: list[str] = Field(default_factory=list)  # text that satisfies it (papers without a doc type)
    checked: bool = True  # False: a paper the pipeline cannot recognise; shown, never flagged
    sealed: bool = False
    when: Condition | None = None
    unless: Condition | list[Condition] | None = None  # several: any one holding lifts the requirement
    note: str | None = None

    @model_validator(mode="after")
    def _satisfiable(self) -> Requirement:
        if DocType.UNKNOWN in self.any_of:
            raise ValueError(f"requirement {self.id}: 'unknown' cannot satisfy a requirement")
        if self.checked and not self.any_of and not self.keywords:
            raise ValueError(f"requirement {self.id}: checked but no document type or keyword satisfies it")
        return self

    @property
    def unless_conditions(self) -> list[Condition]:
        if not self.unless:
            return []
        return self.unless if isinstance(self.unless, list) else [self.unless]

    def applies(self, filing: Any) -> bool:
        if self.when and not condition_holds(self.when, filing):
            return False
        return not any(condition_holds(c, filing) for c in self.unless_conditions)

    @property
    def conditional(self) -> bool:
        return bool(self.when)


class RequirementPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str | None = None
    any_of: list[DocType] | None = None
    keywords: list[str] | None = None
    checked: bool | None = None
    when: Condition | None = None
    unless: Condition | list[Condition] | None = None
    note: str | None = None


class TimeLimit(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: Literal["immediate", "working_days", "natural_days"]
    days: int | None = Field(default=None, ge=1)
    label: str | None = None

    @model_validator(mode="after")
    def _days(self) -> TimeLimit:
        if (self.kind == "immediate") != (self.days is None):
            raise ValueError("immediate has no days; working_days / natural_days need days")
        return self

    def text(self) -> str:
        base = (
            "即时办结"
            if self.kind == "immediate"
            else f"{self.days}个{'工作日' if self.kind == 'working_days' else '自然日'}"
        )
        return f"{self.label}：{base}" if self.label else base


class Eligibility(BaseModel):
    model_config = ConfigDict(extra="forbid")

    applicant_kind: Literal["person", "employer", "institution"]
    insurance_types: list[Literal["employee", "resident"]] | None = None
    retired: bool | None = None


class ServiceRule(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: ServiceCode
    number: int = Field(ge=1, le=28)
    item: str
    applicants: str
    eligibility: Eligibility
    requirements: list[Requirement]
    time_limits: list[TimeLimit] = Field(min_length=1)
    steps: list[str] = Field(default_factory=list)
    channels: list[str] = Field(min_length=1)
    notes: list[str] = Field(default_factory=list)

    @field_validator("requirements")
    @classmethod
    def _unique_ids(cls, v: list[Requirement]) -> list[Requirement]:
        ids = [r.id for r in v]
        dupes = {i for i in ids if ids.count(i) > 1}
        if dupes:
            raise ValueError(f"duplicate requirement ids: {sorted(dupes)}")
        return v

    def requirement(self, rid: str) -> Requirement | None:
        return next((r for r in self.requirements if r.id == rid), None)


class RegionPolicy(BaseModel):
    model_config = ConfigDict(extra="forbid")

    emergency_treated_as_filed: bool = False
    late_filing_reimbursable: bool = False
    long_term_filing_validity: bool = False
    min_residence_months: int = Field(default=0, ge=0)  # 0: no minimum (no seed sets one)
    referral_min_level: int = Field(default=0, ge=0, le=3)  # 0: no level rule (no seed sets one)
    referral_after_admission_allowed: bool = False  # Jingmen measure 7
    compare_ticked_filing_type: bool = False  # seed 002 二.2 / 五, off until the tick is read reliably
    referral_requires_local_institution: bool = True
    online_remote_filing_days: int | None = 2


class RuleSet(BaseModel):
    model_config = ConfigDict(extra="forbid")

    region: str
    name: str
    source: str | None = None
    extends: str | None = None
    policy: RegionPolicy = Field(default_factory=RegionPolicy)
    filing_keys: dict[str, FilingKey]
    global_requirements: list[Requirement] = Field(default_factory=list)
    services: dict[ServiceCode, ServiceRule]

    @model_validator(mode="before")
    @classmethod
    def _codes_into_services(cls, data: Any) -> Any:
        if isinstance(data, dict) and isinstance(data.get("services"), dict):
            services = {}
            for code, body in data["services"].items():
                if isinstance(body, dict):
                    body = {**body, "code": body.get("code", code)}
                services[code] = body
            data = {**data, "services": services}
        return data

    @model_validator(mode="after")
    def _complete_and_consistent(self) -> RuleSet:
        missing = [c.value for c in ServiceCode if c not in self.services]
        if missing:
            raise ValueError(f"no rules for service codes: {missing}")
        numbers = sorted(s.number for s in self.services.values())
        if numbers != list(range(1, len(ServiceCode) + 1)):
            raise ValueError("service item numbers must be 1..28, each once")
        for code, s in self.services.items():
            if s.code != code:
                raise ValueError(f"service {code} carries code {s.code}")
            for r in [*s.requirements, *self.global_requirements]:
                for cond in [r.when, *r.unless_conditions]:
                    self._check_keys(f"{code}/{r.id}", cond)
        return self

    def _check_keys(self, where: str, cond: Condition | None) -> None:
        for key, value in (cond or {}).items():
            spec = self.filing_keys.get(key)
            if spec is None:
                raise ValueError(f"{where}: unknown filing key {key!r} (declare it in filing_keys)")
            if spec.values is not None:
                for v in value if isinstance(value, list) else [value]:
                    if str(v) not in spec.values:
                        raise ValueError(f"{where}: {key}={v!r} not one of {spec.values}")

    # -- queries
    def service(self, code: ServiceCode | str) -> ServiceRule:
        return self.services[ServiceCode(code)]

    def requirements_of(self, code: ServiceCode | str) -> list[Requirement]:
        """Every requirement of a service (conditional ones included), global ones last."""
        s = self.service(code)
        extra = self.global_requirements if s.eligibility.applicant_kind == "person" else []
        return [*s.requirements, *extra]

    def active_requirements(self, code: ServiceCode | str, filing: Any) -> list[Requirement]:
        """The checked requirements that apply to a case with this ``filing``."""
        return [r for r in self.requirements_of(code) if r.checked and r.applies(filing)]


# --------------------------------------------------------------------------- overlays


class ServicePatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    remove_requirements: list[str] = Field(default_factory=list)
    add_requirements: list[Requirement] = Field(default_factory=list)
    patch_requirements: dict[str, RequirementPatch] = Field(default_factory=dict)
    time_limits: list[TimeLimit] | None = None
    channels: list[str] | None = None
    channels_add: list[str] = Field(default_factory=list)
    notes_add: list[str] = Field(default_factory=list)


class RegionOverlay(BaseModel):
    model_config = ConfigDict(extra="forbid")

    region: str
    name: str
    extends: str
    source: str | None = None
    policy: dict[str, Any] = Field(default_factory=dict)
    filing_keys: dict[str, FilingKey] = Field(default_factory=dict)
    channel_replacements: dict[str, str] = Field(default_factory=dict)  # base channel -> regional one
    services: dict[ServiceCode, ServicePatch] = Field(default_factory=dict)


def _read_yaml(path: Path) -> dict[str, Any]:
    try:
        data = read_yaml(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as e:
        raise RulesError(f"{path.name}: not valid YAML: {e}") from None
    if not isinstance(data, dict):
        raise RulesError(f"{path.name}: must hold a mapping")
    # top-level keys starting with "_" only hold YAML anchors
    return {k: v for k, v in data.items() if not str(k).startswith("_")}


def _apply_overlay(base: RuleSet, ov: RegionOverlay) -> RuleSet:
    data = base.model_dump(mode="json")
    data.update(region=ov.region, name=ov.name, source=ov.source, extends=ov.extends)
    unknown_policy = set(ov.policy) - set(RegionPolicy.model_fields)
    if unknown_policy:
        raise RulesError(f"{ov.region}: unknown policy keys {sorted(unknown_policy)}")
    data["policy"] = {**data["policy"], **ov.policy}
    data["filing_keys"] = {**data["filing_keys"], **{k: v.model_dump() for k, v in ov.filing_keys.items()}}
    for svc in data["services"].values():
        svc["channels"] = list(dict.fromkeys(ov.channel_replacements.get(c, c) for c in svc["channels"]))
    for code, patch in ov.services.items():
        svc = data["services"][code.value]
        reqs: list[dict[str, Any]] = svc["requirements"]
        ids = {r["id"] for r in reqs}
        for rid in [*patch.remove_requirements, *patch.patch_requirements]:
            if rid not in ids:
                raise RulesError(f"{ov.region}/{code}: no requirement {rid!r} to remove or patch")
        reqs = [r for r in reqs if r["id"] not in patch.remove_requirements]
        for r in reqs:
            p = patch.patch_requirements.get(r["id"])
            if p is not None:
                r.update(p.model_dump(mode="json", exclude_unset=True))
        reqs.extend(r.model_dump(mode="json") for r in patch.add_requirements)
        svc["requirements"] = reqs
        if patch.time_limits is not None:
            svc["time_limits"] = [t.model_dump(mode="json") for t in patch.time_limits]
        if patch.channels is not None:
            svc["channels"] = list(patch.channels)
        svc["channels"] = svc["channels"] + [c for c in patch.channels_add if c not in svc["channels"]]
        svc["notes"] = svc["notes"] + patch.notes_add
    try:
        return RuleSet.model_validate(data)
    except ValueError as e:
        raise RulesError(f"{ov.region}: overlay does not validate: {e}") from None


def available_regions(rules_dir: Path | None = None) -> list[str]:
    d = rules_dir or RULES_DIR
    return sorted([BASE_REGION, *(p.stem for p in (d / "regions").glob("*.yaml"))])


@lru_cache(maxsize=16)
def _load_rules_cached(region: str, rules_dir: Path) -> RuleSet:
    if region == BASE_REGION:
        try:
            return RuleSet.model_validate(_read_yaml(rules_dir / "services.yaml"))
        except ValueError as e:
            if isinstance(e, RulesError):
                raise
            raise RulesError(f"services.yaml does not validate: {e}") from None
    path = rules_dir / "regions" / f"{region}.yaml"
    if not path.is_file():
        raise RulesError(f"no rules for region {region!r} (known: {', '.join(available_regions(rules_dir))})")
    try:
        ov = RegionOverlay.model_validate(_read_yaml(path))
    except ValueError as e:
        raise RulesError(f"{path.name} does not validate: {e}") from None
    if ov.region != region:
        raise RulesError(f"{path.name} declares region {ov.region!r}")
    if ov.extends == region:
        raise RulesError(f"{path.name} extends itself")
    return _apply_overlay(_load_rules_cached(ov.extends, rules_dir), ov)


def load_rules(region: str = BASE_REGION, rules_dir: Path | None = None) -> RuleSet:
    """The rule set of ``region`` (base guide + overlay). Raises :class:`RulesError` on bad data."""
    return _load_rules_cached(region.strip().lower(), (rules_dir or RULES_DIR).resolve())


def rules_for_case(region: str | None, rules_dir: Path | None = None) -> RuleSet:
    """Like ``load_rules`` but a region without rule data falls back to the base guide."""
    region = (region or BASE_REGION).strip().lower()
    if region not in available_regions(rules_dir):
        region = BASE_REGION
    return load_rules(region, rules_dir)


# --------------------------------------------------------------------------- name matching

_PUNCT = re.compile(r"[\s\W_]+", re.UNICODE)
_ORDINALS = re.compile(r"[一二三四五六七八九十百0-9]+")


def normalize_name(s: str) -> str:
    """Full/half width, case, spaces and punctuation (brackets, dots, dashes) folded away."""
    s = unicodedata.normalize("NFKC", s).lower()
    return _PUNCT.sub("", s)


def _ordinals(s: str) -> list[str]:
    return _ORDINALS.findall(s)


def name_score(query: str, candidate: str) -> float:
    """0..100 similarity of two normalised names; numbers/ordinals must agree (第一 ≠ 第二)."""
    if not query or not candidate:
        return 0.0
    if query == candidate:
        return 100.0
    if _ordinals(query) != _ordinals(candidate):
        return 0.0
    return float(fuzz.ratio(query, candidate))


# --------------------------------------------------------------------------- catalogues


class Disease(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str
    aliases: list[str] = Field(default_factory=list)
    patterns: list[str] = Field(default_factory=list)  # regular expressions on the normalised text
    category: Literal["chronic", "special"] = "chronic"
    cross_province: bool = False  # 跨省直接结算的门诊慢特病

    @field_validator("patterns")
    @classmethod
    def _compiles(cls, v: list[str]) -> list[str]:
        for p in v:
            re.compile(p)
        return v


class DiseaseCatalogue(BaseModel):
    model_config = ConfigDict(extra="forbid")

    region: str
    name: str
    diseases: list[Disease] = Field(min_length=1)

    def match(self, text: str | None, threshold: float = 88.0) -> Disease | None:
        """The catalogue disease this diagnosis names, or None.

        A catalogue name or alias contained in the diagnosis ("2型糖尿病伴周围神经病变" ⊃ "糖尿病"),
        a pattern, or a close fuzzy match of the whole text.
        """
        if not text:
            return None
        q = normalize_name(text)
        if not q:
            return None
        best: tuple[float, Disease | None] = (0.0, None)
        for d in self.diseases:
            for n in (d.name, *d.aliases):
                nn = normalize_name(n)
                if nn and (nn == q or (len(nn) >= 2 and nn in q)):
                    return d
                s = name_score(q, nn)
                if s > best[0]:
                    best = (s, d)
            if any(re.search(p, q) for p in d.patterns):
                return d
        return best[1] if best[0] >= threshold else None


class Hospital(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str
    aliases: list[str] = Field(default_factory=list)
    province: str
    city: str
    district: str | None = None
    region: str | None = None  # policy region whose insured it serves as a local institution
    level: str = Field(pattern=r"^(三级|二级|一级)(甲等|乙等|丙等|特等)?$|^未定级$")
    networked: bool  # 跨省异地就医直接结算联网定点
    designated: bool = True  # 医保定点
    can_refer: bool  # 具有转诊资质
    private: bool = False

    @property
    def level_rank(self) -> int:
        return {"三": 3, "二": 2, "一": 1}.get(self.level[0], 0)


class HospitalCatalogue(BaseModel):
    model_config = ConfigDict(extra="forbid")

    hospitals: list[Hospital] = Field(min_length=1)
    #: "builtin" (validators/rules/hospitals.yaml) or "imported" (intake hospitals import)
    source: Literal["builtin", "imported"] = "builtin"

    @property
    def label(self) -> str:
        return (
            "已导入的定点医疗机构目录"
            if self.source == "imported"
            else "系统内置的医疗机构名单（尚未导入正式目录）"
        )

    @model_validator(mode="after")
    def _unique(self) -> HospitalCatalogue:
        seen: dict[str, str] = {}
        for h in self.hospitals:
            for n in (h.name, *h.aliases):
                k = normalize_name(n)
                if k in seen and seen[k] != h.name:
                    raise ValueError(f"name {n!r} used by {seen[k]} and {h.name}")
                seen[k] = h.name
        return self

    def match(self, name: str | None, threshold: float = 92.0) -> Hospital | None:
        """The catalogue hospital this name means (aliases, then fuzzy with ordinals kept), or None."""
        if not name:
            return None
        q = normalize_name(name)
        if not q:
            return None
        scored: dict[str, tuple[float, int, Hospital]] = {}  # hospital -> (best ratio, least edits)
        for h in self.hospitals:
            for n in (h.name, *h.aliases):
                nn = normalize_name(n)
                s = name_score(q, nn)
                if s == 100.0:
                    return h
                d = Levenshtein.distance(q, nn) if s > 0 else 99
                prev = scored.get(h.name)
                scored[h.name] = (max(s, prev[0]) if prev else s, min(d, prev[1]) if prev else d, h)
        # one OCR slip in a name of 6+ characters, or a close ratio; never two candidates alike
        close = [(s, d, h) for s, d, h in scored.values() if s >= threshold or (d <= 1 and len(q) >= 6)]
        if len(close) == 1:
            return close[0][2]
        if len(close) > 1:
            close.sort(key=lambda t: (-t[0], t[1]))
            if close[0][1] < close[1][1]:
                return close[0][2]
            return None
        # a campus or department suffix: "舟山医院（普陀院区）", "浙大一院急诊科"
        for h in self.hospitals:
            for n in (h.name, *h.aliases):
                nn = normalize_name(n)
                if len(nn) >= 4 and q.startswith(nn) and _ordinals(q[: len(nn)]) == _ordinals(nn):
                    return h
        return None


class FilingTypeRule(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str
    from_services: list[ServiceCode] = Field(alias="from", min_length=1)
    suggest: ServiceCode
    all: list[str] = Field(default_factory=list)  # fact names, all must hold
    any: list[str] = Field(default_factory=list)  # fact names, at least one must hold
    why: str  # Chinese, for the applicant message

    @model_validator(mode="after")
    def _sane(self) -> FilingTypeRule:
        if not self.all and not self.any:
            raise ValueError(f"{self.id}: needs 'all' or 'any' facts")
        if self.suggest in self.from_services:
            raise ValueError(f"{self.id}: suggests one of its own services")
        return self


class FilingTypeRules(BaseModel):
    model_config = ConfigDict(extra="forbid")

    rules: list[FilingTypeRule]


class OfflineConfirmation(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str
    regions: list[str] = Field(default_factory=lambda: ["*"])  # policy regions; "*" = any
    services: list[ServiceCode] = Field(min_length=1)
    destination_contains: list[str] = Field(default_factory=list)  # any of; empty = anywhere
    bring: str  # what to bring to the window
    where: str  # which window
    source: str | None = None


class OfflineConfirmations(BaseModel):
    model_config = ConfigDict(extra="forbid")

    confirmations: list[OfflineConfirmation]

    def for_case(
        self, region: str, service: ServiceCode | str, destination: str | None
    ) -> list[OfflineConfirmation]:
        dest = normalize_name(destination or "")
        out = []
        for c in self.confirmations:
            if "*" not in c.regions and region not in c.regions:
                continue
            if ServiceCode(service) not in c.services:
                continue
            if c.destination_contains and not any(normalize_name(d) in dest for d in c.destination_contains):
                continue
            out.append(c)
        return out


def _validated(model: type[BaseModel], path: Path) -> Any:
    try:
        return model.model_validate(_read_yaml(path))
    except ValueError as e:
        if isinstance(e, RulesError):
            raise
        raise RulesError(f"{path.name} does not validate: {e}") from None


@lru_cache(maxsize=8)
def _diseases(rules_dir: Path) -> dict[str, DiseaseCatalogue]:
    raw = _read_yaml(rules_dir / "diseases.yaml")
    cats: dict[str, DiseaseCatalogue] = {}
    try:
        for region, body in (raw.get("regions") or {}).items():
            cats[region] = DiseaseCatalogue.model_validate({"region": region, **body})
    except ValueError as e:
        raise RulesError(f"diseases.yaml does not validate: {e}") from None
    if BASE_REGION not in cats:
        raise RulesError("diseases.yaml: no catalogue for the base region")
    return cats


def disease_catalogue(region: str, rules_dir: Path | None = None) -> DiseaseCatalogue:
    cats = _diseases((rules_dir or RULES_DIR).resolve())
    return cats.get(region, cats[BASE_REGION])


@lru_cache(maxsize=8)
def _hospitals(rules_dir: Path) -> HospitalCatalogue:
    return _validated(HospitalCatalogue, rules_dir / "hospitals.yaml")  # type: ignore[no-any-return]


def hospital_catalogue(rules_dir: Path | None = None) -> HospitalCatalogue:
    """The built-in list (validators/rules/hospitals.yaml): the sample cases' hospitals, used only when
    no catalogue has been imported (``intake hospitals import``)."""
    return _hospitals((rules_dir or RULES_DIR).resolve())


#: the loaded catalogue, built once per set of store records
_LOADED: dict[int, tuple[Any, HospitalCatalogue]] = {}


def loaded_catalogue(records: Any) -> HospitalCatalogue | None:
    """A catalogue from the store's records (``pipeline.stores.hospitals.HospitalRecord``), None if empty."""
    if not records:
        return None
    hit = _LOADED.get(id(records))
    if hit is not None and hit[0] is records:
        return hit[1]
    cat = HospitalCatalogue(
        hospitals=[
            Hospital(
                name=r.name,
                aliases=list(r.aliases),
                province=r.province,
                city=r.city,
                district=r.district,
                region=r.region,
                level=r.level,
                networked=r.cross_province_networked,
                designated=r.designated,
                can_refer=r.referral_qualified,
                private=r.private,
            )
            for r in records
        ],
        source="imported",
    )
    _LOADED.clear()
    _LOADED[id(records)] = (records, cat)
    return cat


def catalogue_for(lookup: Any) -> HospitalCatalogue:
    """The imported catalogue when the case's store holds one, else the built-in list."""
    if lookup is not None:
        try:
            cat = loaded_catalogue(lookup.records())
        except Exception:  # an unreadable store: the built-in list, and the flags say which list it was
            cat = None
        if cat is not None:
            return cat
    return hospital_catalogue()


@lru_cache(maxsize=8)
def _filing_types(rules_dir: Path) -> FilingTypeRules:
    return _validated(FilingTypeRules, rules_dir / "filing_types.yaml")  # type: ignore[no-any-return]


def filing_type_rules(rules_dir: Path | None = None) -> FilingTypeRules:
    return _filing_types((rules_dir or RULES_DIR).resolve())


@lru_cache(maxsize=8)
def _offline(rules_dir: Path) -> OfflineConfirmations:
    return _validated(OfflineConfirmations, rules_dir / "offline_confirmation.yaml")  # type: ignore[no-any-return]


def offline_confirmations(rules_dir: Path | None = None) -> OfflineConfirmations:
    return _offline((rules_dir or RULES_DIR).resolve())


def validate_all(rules_dir: Path | None = None) -> list[str]:
    """Load every rule file; the regions loaded (raises RulesError on the first bad file)."""
    regions = available_regions(rules_dir)
    for r in regions:
        load_rules(r, rules_dir)
    _diseases((rules_dir or RULES_DIR).resolve())
    hospital_catalogue(rules_dir)
    filing_type_rules(rules_dir)
    offline_confirmations(rules_dir)
    return regions


# --------------------------------------------------------------------------- places

_PLACE_PART = re.compile(r".+?(?:特别行政区|自治区|自治州|自治县|地区|省|市|盟|区|县|旗)")
_PROVINCE_SUFFIX = ("省", "自治区", "特别行政区")
_MUNICIPALITIES = ("北京", "上海", "天津", "重庆")
_PLACE_SUFFIX = re.compile(
    r"(?:维吾尔自治区|壮族自治区|回族自治区|特别行政区|自治区|自治州|自治县|地区|省|市|盟|区|县|旗)$"
)


def place_parts(place: str) -> list[str]:
    """'浙江省舟山市普陀区' -> ['浙江省', '舟山市', '普陀区'] (administrative divisions, in order)."""
    return _PLACE_PART.findall(normalize_name(place))


def _core(part: str) -> str:
    core = _PLACE_SUFFIX.sub("", part)
    return core if len(core) >= 2 else part


def place_matches(address: str | None, destination: str | None) -> bool | None:
    """Whether ``address`` lies in the city (or province, if that is all that is given) of ``destination``.

    None when either is unknown.
    """
    if not address or not destination:
        return None
    addr = normalize_name(address)
    parts = place_parts(destination)
    if not parts:
        return normalize_name(destination) in addr
    first = parts[0]
    is_province = first.endswith(_PROVINCE_SUFFIX) and not first.startswith(_MUNICIPALITIES)
    target = parts[1] if is_province and len(parts) > 1 else first
    return _core(target) in addr
