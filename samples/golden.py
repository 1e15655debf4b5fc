"""The golden gate: every sample case through the whole pipeline, compared with its ``expected.json``.

A *difference* is one place where the pipeline disagrees with the labels of a case:

* ``decision``   the decision is not the expected one;
* ``missing``    a code of ``must`` was not raised;
* ``unexpected`` a code that is neither in ``must`` nor in ``allow`` was raised (on that material,
                 or ``<case>`` for a case-level flag);
* ``type``       a material's detected type is not its true type;
* ``field``      a field of a correctly typed material does not read as its true value.

A page the recorded engine has no recording for fails its material (``system.processing_failed``:
an unexpected flag). A seal's ring text is only described in the report (no flag depends on it) and
the seal check swallows OCR errors, so a missing ring-text recording is counted, not failed
(:func:`ring_text_unread`): today the unwarped seal strip is not deterministic
(``cv2.warpPolar`` without ``WARP_FILL_OUTLIERS`` leaves outlier pixels uninitialised), so a few
strips never hash the same twice.

The pipeline does not match the labels everywhere today. Those known differences are committed in
``samples/golden/known_differences.json``; the gate fails when a NEW difference appears and when a
known one DISAPPEARS (then it must be removed from the file, so that it can never come back
unnoticed). ``intake samples golden --update`` rewrites the file after a deliberate change.

The golden run uses the recorded OCR engine (``INTAKE_OCR_ENGINE=recorded``, ``samples/ocr``): no
OCR model runs, so it takes seconds per case, not minutes.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from samples.evaluate import default_enrollment, field_errors, labelled_cases
from samples.expected import Expected

HERE = Path(__file__).resolve().parent
CASES = HERE / "cases"
KNOWN = HERE / "golden" / "known_differences.json"
UPDATE = "intake samples golden --update"


@dataclass(frozen=True, order=True)
class Difference:
    case_id: str
    what: str  # decision | missing | unexpected | type | field
    file: str = ""  # the material ("<case>" for a case-level flag); "" for decision and missing
    name: str = ""  # the flag code or the field name
    expected: str = ""
    got: str = ""

    def to_json(self) -> dict[str, str]:
        return {k: v for k, v in self.__dict__.items() if k != "case_id" and v != ""}

    def same_place(self, other: Difference) -> bool:
        """The same spot (case, kind, material, name), whatever the values."""
        return (self.case_id, self.what, self.file, self.name) == (
            other.case_id,
            other.what,
            other.file,
            other.name,
        )

    def __str__(self) -> str:
        where = f"{self.case_id}"
        if self.what == "decision":
            return f"{where}: decision expected {self.expected}, got {self.got}"
        if self.what == "missing":
            return f"{where}: flag {self.name} expected (must), not raised"
        if self.what == "unexpected":
            return f"{where}: flag {self.name} raised on {self.file}, not expected (neither must nor allow)"
        if self.what == "type":
            return f"{where}: {self.file} type expected {self.expected}, got {self.got}"
        return f"{where}: {self.file} {self.name} expected {self.expected!r}, got {self.got!r}"


def _ring_reads() -> int:
    from validators.seals import load_rules

    return load_rules().read_ring_text


def ring_text_unread(case_id: str, rep: dict[str, Any] | None) -> list[str]:
    """Seals whose ring text should have been read and was not (informational, see the module doc)."""
    out = []
    for m in (rep or {}).get("materials", []):
        for i, seal in enumerate((m.get("quality") or {}).get("seals") or []):
            if i < _ring_reads() and "text" not in seal:
                out.append(f"{case_id}: {m.get('file')} seal {i}")
    return out


def differences(case_id: str, exp: Expected, rep: dict[str, Any] | None) -> list[Difference]:
    """Every place where one case's report disagrees with its labels (sorted)."""
    out: list[Difference] = []
    got = str(rep.get("decision")) if rep else "error"
    if got != exp.decision:
        out.append(Difference(case_id, "decision", expected=exp.decision, got=got))
    flags = (rep or {}).get("flags", [])
    raised = {f.get("code") for f in flags}
    for code in sorted(set(exp.must) - raised):
        out.append(Difference(case_id, "missing", name=code))
    tolerated = set(exp.must) | set(exp.allow)  # stricter than scoring: a processing failure counts too
    for f in flags:
        if f.get("code") not in tolerated:
            d = Difference(case_id, "unexpected", file=f.get("material") or "<case>", name=f["code"])
            if d not in out:
                out.append(d)
    for e in field_errors(exp, rep):
        if e["field"] == "<type>":
            out.append(
                Difference(case_id, "type", file=e["file"], expected=e["expected"], got=str(e["found"]))
            )
        else:
            out.append(
                Difference(
                    case_id,
                    "field",
                    file=e["file"],
                    name=e["field"],
                    expected=str(e["expected"]),
                    got=str(e["found"]),
                )
            )
    return sorted(out)


# --------------------------------------------------------------------------- the known list


def load_known(path: Path = KNOWN) -> list[Difference]:
    if not path.is_file():
        return []
    data = json.loads(path.read_text(encoding="utf-8"))
    return sorted(Difference(case_id, **d) for case_id, c in data["cases"].items() for d in c["differences"])


def save_known(diffs: Iterable[Difference], keys: dict[str, str], path: Path = KNOWN) -> None:
    """Deterministic: cases sorted by id, one difference per line."""
    by_case: dict[str, list[Difference]] = {}
    for d in sorted(diffs):
        by_case.setdefault(d.case_id, []).append(d)
    lines = [
        "{",
        '"about": "differences between the pipeline and expected.json known today; see samples/golden.py",',
    ]
    lines.append('"cases": {')
    blocks = []
    for case_id, ds in by_case.items():
        rows = ",\n".join("   " + json.dumps(d.to_json(), ensure_ascii=False) for d in ds)
        blocks.append(
            f' "{case_id}": {{"key": {json.dumps(keys.get(case_id, ""))}, "differences": [\n{rows}\n ]}}'
        )
    lines.append(",\n".join(blocks))
    lines.append("}}")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


@dataclass
class Verdict:
    new: list[Difference]  # differences not in the known list (a regression, or a changed value)
    gone: list[Difference]  # known differences that no longer occur (an improvement: update the list)
    known: int
    cases: int

    @property
    def ok(self) -> bool:
        return not self.new and not self.gone

    def report(self) -> str:
        out = [f"golden gate: {self.cases} cases, {self.known} known differences"]
        if self.new:
            out.append(f"\n{len(self.new)} NEW difference(s) against expected.json:")
            out.extend(f"  + {d}" for d in self.new)
        if self.gone:
            out.append(
                f"\n{len(self.gone)} known difference(s) no longer occur; remove them from {KNOWN.name}:"
            )
            out.extend(f"  - {d}" for d in self.gone)
        if not self.ok:
            out.append(f"\nIf the change is deliberate, refresh the known list: {UPDATE}")
        return "\n".join(out)


def compare(known: list[Difference], got: list[Difference], cases: int) -> Verdict:
    k, g = set(known), set(got)
    return Verdict(new=sorted(g - k), gone=sorted(k - g), known=len(k), cases=cases)


# --------------------------------------------------------------------------- the run


@dataclass
class GoldenRun:
    expected: dict[str, Expected]
    reports: dict[str, dict[str, Any] | None]
    errors: dict[str, str]
    seconds: float  # wall clock
    cpu_seconds: float = 0.0  # this process and its worker processes together

    def differences(self) -> list[Difference]:
        out: list[Difference] = []
        for case_id, exp in self.expected.items():
            out.extend(differences(case_id, exp, self.reports.get(case_id)))
        return sorted(out)

    def ring_text_unread(self) -> list[str]:
        return [x for c in self.expected for x in ring_text_unread(c, self.reports.get(c))]

    def keys(self) -> dict[str, str]:
        return {c: e.key for c, e in self.expected.items()}


def run_golden(
    cases_dir: Path = CASES,
    workers: int = 2,
    recordings: Path | None = None,
    on_case: Callable[[str, dict[str, Any] | None], None] | None = None,
) -> GoldenRun:
    """All labelled cases under ``cases_dir`` with the recorded OCR engine, a fresh invoice register and
    the enrollment.csv of the samples; in case-id order (the register sees earlier cases first)."""
    import resource
    import time

    def cpu() -> float:
        own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
        return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime

    from pipeline.app.wiring import build_runner
    from pipeline.config import Settings
    from pipeline.models import CaseError

    t0, c0 = time.perf_counter(), cpu()
    home = Path(tempfile.mkdtemp(prefix="intake-golden-"))
    settings = Settings(
        home=home,
        ocr_engine="recorded",
        ocr_recordings=recordings,
        ocr_cache=False,
        workers=workers,
        ocr_threads=1,
        register_url=None,
        enrollment_url=None,
    )
    dirs = labelled_cases(cases_dir)
    expected = {d.name: Expected.read(d / "expected.json") for d in dirs}
    reports: dict[str, dict[str, Any] | None] = {}
    errors: dict[str, str] = {}
    try:
        with build_runner(settings, enrollment=default_enrollment(cases_dir), pool=workers > 1) as runner:
            for d, rep in runner.run_many(dirs, window=4):
                if isinstance(rep, CaseError):
                    reports[d.name], errors[d.name] = None, str(rep)
                else:
                    reports[d.name] = rep.to_json()
                if on_case:
                    on_case(d.name, reports[d.name])
    finally:
        shutil.rmtree(home, ignore_errors=True)
    return GoldenRun(expected, reports, errors, time.perf_counter() - t0, cpu() - c0)
