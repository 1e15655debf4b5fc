"""Required materials per service, filing facts and region (``material.missing``).

The rules are data (``validators/rules/services.yaml`` + regional overlays, see ``validators.support.rules``).
A requirement is satisfied by a material whose *detected* type is one of its alternatives, or whose
text carries one of its keywords (papers without a document type, e.g. 事故认定书).
One material satisfies at most one requirement (a maximum matching of requirements to materials):
a hukou booklet that proves a retiree's relocation does not also stand in for the identity card.
A material that the applicant *declared* as one of the alternatives but that could not be read
(``material.unreadable``, ``material.not_uploaded``, a processing failure, or an unrecognised scan
with image-quality flags) already has its own flag: no second ``material.missing`` for it.
"""

from __future__ import annotations

from collections.abc import Iterator

from pipeline.codes import DOC_NAMES, DocType, Severity
from pipeline.messages import join_alternatives, make_flag
from pipeline.models import Flag, MaterialResult
from pipeline.plugins import CaseCheck, CaseContext
from validators.support.rules import Requirement, normalize_name, rules_for_case

#: below this detection confidence, a material declared as the required type but detected as another
#: one leaves the requirement in doubt: ``material.missing`` becomes a warning (same threshold as
#: ``validators.documents.TYPE_CONFIDENT``)
TYPE_CONFIDENT = 0.7
#: flags on a material that explain why its declared type could not be confirmed
EXPLAINING_FLAGS = {"material.unreadable", "material.not_uploaded", "system.processing_failed"}
#: image flags that explain an unrecognised (detected "unknown") material
EXPLAINING_IMAGE_PREFIX = "image."


def _text(m: MaterialResult) -> str:
    return normalize_name("".join(line.text for p in m.pages for line in p.lines))


def satisfied_by(req: Requirement, materials: list[MaterialResult]) -> list[MaterialResult]:
    """The materials that satisfy ``req``."""
    out = [m for m in materials if m.detected_type in req.any_of]
    if req.keywords:
        keys = [normalize_name(k) for k in req.keywords]
        have = {m.file for m in out}
        out += [m for m in materials if m.file not in have and any(k and k in _text(m) for k in keys)]
    return out


def assign(reqs: list[Requirement], materials: list[MaterialResult]) -> dict[str, MaterialResult | None]:
    """Requirement id -> the material that satisfies it, each material used once (Kuhn's matching)."""
    candidates = {r.id: satisfied_by(r, materials) for r in reqs}
    owner: dict[str, str] = {}  # material file -> requirement id

    def augment(rid: str, seen: set[str]) -> bool:
        for m in candidates[rid]:
            if m.file in seen:
                continue
            seen.add(m.file)
            if m.file not in owner or augment(owner[m.file], seen):
                owner[m.file] = rid
                return True
        return False

    # the most specific requirements first: when a paper could serve two, the wider one goes unmet
    for r in sorted(reqs, key=lambda r: len(r.any_of) + len(r.keywords)):
        augment(r.id, set())
    by_file = {m.file: m for m in materials}
    got = {rid: by_file[f] for f, rid in owner.items()}
    return {r.id: got.get(r.id) for r in reqs}


def explained_elsewhere(req: Requirement, materials: list[MaterialResult]) -> bool:
    """A material declared as one of the alternatives is there but could not be read (flagged already)."""
    for m in materials:
        if m.declared_type is None or m.declared_type not in req.any_of:
            continue
        codes = {f.code for f in m.flags}
        if codes & EXPLAINING_FLAGS:
            return True
        if m.detected_type == DocType.UNKNOWN and any(c.startswith(EXPLAINING_IMAGE_PREFIX) for c in codes):
            return True
    return False


def doubtful_detection(req: Requirement, materials: list[MaterialResult]) -> MaterialResult | None:
    """A material declared as an alternative whose (different) detected type is not confident."""
    for m in materials:
        if (
            m.declared_type in req.any_of
            and m.detected_type not in (DocType.UNKNOWN, *req.any_of)
            and m.type_confidence < TYPE_CONFIDENT
        ):
            return m
    return None


def alternatives_text(req: Requirement) -> str:
    names = [DOC_NAMES[t] for t in req.any_of]
    if req.keywords or not names:  # papers without a document type: the requirement's name says which
        return "该材料" if len(names) <= 1 else f"该材料或{join_alternatives(names)}"
    if len(names) > 1:
        return f"{join_alternatives(names)}（任选其一）"
    return names[0] if names else req.name


def required_materials(ctx: CaseContext) -> Iterator[Flag]:
    case = ctx.case
    rules = rules_for_case(case.region)
    svc = rules.service(case.service)
    reqs = rules.active_requirements(case.service, case.filing)
    assigned = assign(reqs, ctx.materials)
    for req in reqs:
        if assigned[req.id] is not None or explained_elsewhere(req, ctx.materials):
            continue
        doubtful = doubtful_detection(req, ctx.materials)
        yield make_flag(
            "material.missing",
            Severity.WARNING if doubtful else Severity.BLOCKER,
            params={
                "service_name": svc.item,
                "requirement_name": req.name,
                "alternatives_text": alternatives_text(req),
            },
            requirement=req.id,
            requirement_name=req.name,
            alternatives=[t.value for t in req.any_of],
            expected=" | ".join(t.value for t in req.any_of) or None,
            doubtful_material=doubtful.file if doubtful else None,
        )


# --------------------------------------------------------------------------- this family's checks, in order

CASE_CHECKS: tuple[CaseCheck, ...] = (required_materials,)
