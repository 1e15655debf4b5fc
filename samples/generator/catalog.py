"""The generator's reference data (people, regions, hospitals, diseases), loaded from ``data/`` and validated."""

from __future__ import annotations

import csv
from functools import lru_cache
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict

DATA = Path(__file__).parent / "data"


class Region(BaseModel):
    code: str
    group: str
    province: str
    city: str
    county: str
    issuer: str

    @property
    def place(self) -> str:
        city = "" if self.city == self.province else self.city
        return f"{self.province}{city}{self.county}"


class Hospital(BaseModel):
    model_config = ConfigDict(frozen=True)

    name: str
    level: str
    province: str
    city: str
    county: str
    region: str | None = None
    networked: bool
    referral_qualified: bool

    @property
    def destination(self) -> str:
        city = "" if self.city == self.province else self.city
        return f"{self.province}{city}{self.county}"


class Disease(BaseModel):
    model_config = ConfigDict(frozen=True)

    name: str
    icd10: str
    chronic: bool
    acute: bool = False
    maternity: bool = False


class SpecialName(BaseModel):
    name: str
    sex: str
    ethnicity: str = "汉"
    enrolled_as: str | None = None


class PeopleData(BaseModel):
    surnames: list[str]
    given_male: list[str]
    given_female: list[str]
    rare: list[SpecialName]
    minority: list[SpecialName]
    streets: dict[str, list[str]]
    employers: dict[str, list[str]]


class Catalog(BaseModel):
    regions: list[Region]
    hospitals: list[Hospital]
    diseases: list[Disease]
    people: PeopleData

    def hospital(self, name: str) -> Hospital:
        for h in self.hospitals:
            if h.name == name:
                return h
        raise KeyError(name)

    def disease(self, name: str) -> Disease:
        for d in self.diseases:
            if d.name == name:
                return d
        raise KeyError(name)

    def regions_of(self, group: str) -> list[Region]:
        return [r for r in self.regions if r.group == group]

    def region(self, code: str) -> Region:
        for r in self.regions:
            if r.code == code:
                return r
        raise KeyError(code)


@lru_cache(maxsize=1)
def load_catalog() -> Catalog:
    with (DATA / "regions.csv").open(encoding="utf-8") as f:
        regions = [Region.model_validate(row) for row in csv.DictReader(f)]
    hospitals = yaml.safe_load((DATA / "hospitals.yaml").read_text(encoding="utf-8"))
    diseases = yaml.safe_load((DATA / "diseases.yaml").read_text(encoding="utf-8"))
    people = yaml.safe_load((DATA / "people.yaml").read_text(encoding="utf-8"))
    return Catalog(regions=regions, hospitals=hospitals, diseases=diseases, people=people)
