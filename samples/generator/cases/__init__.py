"""The case catalogue, one module per failure cause (the causes of seed 002, then the project's own).

:data:`ALL` is the build order and the order matters: a case's id is its number within its region in
this order (``XJ-2024-000101`` ...), and ``same_as`` may only name a case that comes earlier. New cases go
at the end of :data:`ALL` (or of the last list in it) so that no existing case id changes.
"""

from __future__ import annotations

from samples.generator.cases import (
    clean,
    consistency,
    filing,
    information,
    materials,
    process,
    project,
    seeds,
    status_policy,
)
from samples.generator.spec import CaseSpec

ALL: list[CaseSpec] = [
    *clean.CASES,
    *materials.CASES,
    *information.CASES,
    *status_policy.CASES,
    *filing.CASES,
    *process.CASES,
    *consistency.CASES,
    *project.CASES,
    *clean.REMAINING_SERVICES,
    *seeds.CASES,  # issue 14
]


def check_catalogue(cases: list[CaseSpec]) -> None:
    """Keys are unique and every ``same_as`` names an earlier case (raises ValueError)."""
    seen: set[str] = set()
    for c in cases:
        if c.key in seen:
            raise ValueError(f"case key {c.key!r} appears twice")
        if c.same_as is not None and c.same_as not in seen:
            raise ValueError(f"{c.key}: same_as={c.same_as!r} does not name an earlier case")
        seen.add(c.key)
