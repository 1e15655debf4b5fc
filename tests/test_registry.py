"""The composition root builds the runner's registry from the families' ordered lists."""

from __future__ import annotations

import pickle

import validators
from extractors import build_extractors
from extractors.reader import read_document
from pipeline.app.wiring import build_registry
from pipeline.codes import DocType
from validators import documents, image_quality, policy, requirements, seals


def test_registry_runs_every_family_in_its_declared_order() -> None:
    reg = build_registry()
    assert reg.read_document is read_document
    assert reg.material_checks == validators.MATERIAL_CHECKS
    assert reg.case_checks == validators.CASE_CHECKS
    assert len(set(reg.material_checks)) == len(reg.material_checks)
    assert len(set(reg.case_checks)) == len(reg.case_checks)
    # a family's checks run together and in the family's own order
    m = list(reg.material_checks)
    assert m[: len(documents.MATERIAL_CHECKS)] == list(documents.MATERIAL_CHECKS)
    assert m.index(image_quality.image_quality) < m.index(seals.official_seals)
    c = list(reg.case_checks)
    assert c[0] is requirements.required_materials
    i = c.index(policy.CASE_CHECKS[0])
    assert c[i : i + len(policy.CASE_CHECKS)] == list(policy.CASE_CHECKS)


def test_registry_travels_to_worker_processes_by_reference() -> None:
    reg = build_registry()
    assert pickle.loads(pickle.dumps(reg)) == reg


def test_one_extractor_per_document_type_two_with_code() -> None:
    ex = build_extractors()
    assert set(ex) == {t for t in DocType if t != DocType.UNKNOWN}
    special = {t for t, e in ex.items() if type(e).__name__ != "SpecExtractor"}
    assert special == {DocType.ID_CARD_FRONT, DocType.MEDICAL_INVOICE}
