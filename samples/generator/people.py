"""Synthetic people: names (incl. 生僻字 and Uyghur/Kazakh names), valid GB 11643 ID numbers, ID card validity."""

from __future__ import annotations

import random
from dataclasses import dataclass, field, replace
from datetime import date, timedelta

from stdnum.cn import ric

from samples.generator.catalog import Region, SpecialName, load_catalog

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def check_char(first17: str) -> str:
    """GB 11643 check character (ISO 7064 MOD 11-2)."""
    total = sum(int(c) * w for c, w in zip(first17, _WEIGHTS, strict=True))
    return "10X98765432"[total % 11]


def make_id_number(region_code: str, birth: date, male: bool, rng: random.Random) -> str:
    seq = rng.randrange(0, 100) * 10 + rng.randrange(0, 10)
    if (seq % 2 == 1) != male:
        seq = (seq + 1) % 1000
    if seq == 0:
        seq = 2
    first = f"{region_code}{birth:%Y%m%d}{seq:03d}"
    return first + check_char(first)


def corrupt_check_digit(id_number: str) -> str:
    """The same number with a wrong check character (a typo the check digit catches)."""
    good = id_number[-1]
    bad = "0" if good != "0" else "1"
    return id_number[:-1] + bad


def add_years(d: date, years: int) -> date:
    try:
        return d.replace(year=d.year + years)
    except ValueError:  # 29 February
        return d.replace(year=d.year + years, day=28)


def age_on(birth: date, day: date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def validity_years(age_at_issue: int) -> int | None:
    """Resident ID validity by age at issue: 5/10/20 years, None = 长期 (long term) from 46."""
    if age_at_issue < 16:
        return 5
    if age_at_issue <= 25:
        return 10
    if age_at_issue <= 45:
        return 20
    return None


@dataclass(frozen=True)
class Person:
    name: str
    sex: str  # 男 / 女
    ethnicity: str
    birth_date: date
    id_number: str
    region: Region
    address: str
    id_valid_from: date
    id_valid_until: date | None  # None = 长期
    ssc_number: str
    phone: str
    enrolled_as: str | None = None  # name as the insurance system holds it, when it differs
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def valid_until_value(self) -> str:
        return "long_term" if self.id_valid_until is None else self.id_valid_until.isoformat()

    def age(self, on: date) -> int:
        return age_on(self.birth_date, on)


def _address(rng: random.Random, region: Region) -> str:
    streets = load_catalog().people.streets.get(region.group) or load_catalog().people.streets["other"]
    street = rng.choice(streets)
    n = rng.randint(1, 399)
    if rng.random() < 0.6:
        return f"{region.place}{street}{n}号{rng.randint(1, 12)}栋{rng.randint(1, 6)}单元{rng.randint(101, 1802)}室"
    return f"{region.place}{street}{n}号"


def _current(code: str) -> bool:
    first = f"{code}20000101001"
    return ric.is_valid(first + check_char(first))


def _ssc(rng: random.Random) -> str:
    letter = rng.choice("ABCDEFGHJKLMN")
    return letter + "".join(str(rng.randrange(10)) for _ in range(8))


def new_person(
    rng: random.Random,
    group: str,
    ref: date,
    *,
    age: tuple[int, int] = (25, 58),
    sex: str | None = None,
    special: SpecialName | None = None,
    expired_id: bool = False,
) -> Person:
    """A person registered in ``group`` (xinjiang, jingmen, ...) whose ID card is valid on ``ref``
    (or expired before it when ``expired_id``)."""
    cat = load_catalog()
    if special is not None:
        name, sex, ethnicity = special.name, special.sex, special.ethnicity
    else:
        sex = sex or rng.choice(["男", "女"])
        given = cat.people.given_male if sex == "男" else cat.people.given_female
        name = rng.choice(cat.people.surnames) + rng.choice(given)
        ethnicity = "汉" if group != "xinjiang" or rng.random() < 0.7 else rng.choice(["回", "汉"])
    years = rng.randint(*age)
    birth = ref - timedelta(days=years * 365 + rng.randint(20, 340))
    candidates = cat.regions_of(group)
    rng.shuffle(candidates)
    candidates += cat.regions_of("other")
    id_number = ""
    region = candidates[0]
    for region in candidates:
        id_number = make_id_number(region.code, birth, sex == "男", rng)
        if ric.is_valid(id_number):
            break
    else:  # pragma: no cover - the data always holds an old enough code
        raise ValueError(f"no region code of {group} valid for birth year {birth.year}")
    # ID card issue date: valid on ref (or already expired)
    issued, until = ref, None
    if expired_id:
        for _ in range(400):
            end = ref - timedelta(days=rng.randint(30, 2000))
            for span in (20, 10, 5):
                start = add_years(end, -span)
                if validity_years(age_on(birth, start)) == span:
                    issued, until = start, end
                    break
            if until is not None:
                break
        else:
            raise ValueError("cannot expire the ID card of this person; pick a younger age")
    else:
        for _ in range(200):
            issued = ref - timedelta(days=rng.randint(200, 365 * 9))
            if age_on(birth, issued) < 16:
                continue
            span_years = validity_years(age_on(birth, issued))
            until = None if span_years is None else add_years(issued, span_years)
            if until is None or until > ref + timedelta(days=30):
                break
    # the address uses today's names (a code of a county since renamed stays in the number)
    current = [r for r in cat.regions_of(region.group) if _current(r.code)] or [region]
    home = region if region in current else rng.choice(current)
    phone = "1" + rng.choice("3589") + "".join(str(rng.randrange(10)) for _ in range(9))
    return Person(
        name=name,
        sex=sex,
        ethnicity=ethnicity,
        birth_date=birth,
        id_number=id_number,
        region=region,
        address=_address(rng, home),
        id_valid_from=issued,
        id_valid_until=until,
        ssc_number=_ssc(rng),
        phone=phone,
        enrolled_as=special.enrolled_as if special else None,
    )


def relative_of(person: Person, rng: random.Random, ref: date) -> Person:
    """Another person (a family member) from the same place, for wrong-person documents."""
    other = new_person(rng, person.region.group, ref)
    return replace(other, address=person.address)
