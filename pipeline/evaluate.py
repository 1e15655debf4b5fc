"""Evaluation of the pipeline on labelled cases (folders with ``expected.json``, see samples/README).

``score`` is pure (expected + report JSON -> metrics); ``evaluate`` runs the pipeline over a folder of
cases and scores it. Metrics: decision accuracy; per flag code support / recall / false positives; per
document type the type accuracy; per type+field the exact-match accuracy. Each is split by capture
(``clean`` renders and born-digital PDFs vs ``captured`` photos/scans) and by holdout layouts.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline.codes import FLAG_CATEGORIES

CLEAN_CAPTURES = {"clean", "clean_png", "pdf_text"}
SPLITS = ("all", "clean", "captured", "holdout")


def capture_group(capture: str) -> str:
    """``clean`` for renders as they are and text-layer PDFs, ``captured`` for photos, scans, faults."""
    return "clean" if capture in CLEAN_CAPTURES else "captured"


@dataclass
class Ratio:
    hit: int = 0
    total: int = 0

    def add(self, ok: bool) -> None:
        self.total += 1
        self.hit += int(ok)

    @property
    def value(self) -> float | None:
        return self.hit / self.total if self.total else None

    def to_json(self) -> dict[str, Any]:
        v = self.value
        return {"hit": self.hit, "total": self.total, "rate": None if v is None else round(v, 4)}


def _splits() -> dict[str, Ratio]:
    return {s: Ratio() for s in SPLITS}


@dataclass
class FlagStats:
    support: int = 0  # cases that must show the code
    found: int = 0  # of those, cases where it appeared
    false_positives: int = 0  # cases where it appeared but was in must_not
    appeared: int = 0  # cases where it appeared at all
    fp_cases: list[str] = field(default_factory=list)
    missed_cases: list[str] = field(default_factory=list)

    @property
    def recall(self) -> float | None:
        return self.found / self.support if self.support else None


@dataclass
class Metrics:
    cases: int = 0
    decision: dict[str, Ratio] = field(default_factory=_splits)
    decision_confusion: dict[str, dict[str, int]] = field(
        default_factory=lambda: defaultdict(lambda: defaultdict(int))
    )
    flags: dict[str, FlagStats] = field(default_factory=lambda: defaultdict(FlagStats))
    types: dict[str, dict[str, Ratio]] = field(default_factory=lambda: defaultdict(_splits))
    fields: dict[tuple[str, str], dict[str, Ratio]] = field(default_factory=lambda: defaultdict(_splits))
    errors: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "cases": self.cases,
            "decision": {k: v.to_json() for k, v in self.decision.items()},
            "decision_confusion": {k: dict(v) for k, v in self.decision_confusion.items()},
            "flags": {
                code: {
                    "support": s.support,
                    "found": s.found,
                    "recall": None if s.recall is None else round(s.recall, 4),
                    "false_positives": s.false_positives,
                    "appeared": s.appeared,
                    "missed_cases": s.missed_cases,
                    "false_positive_cases": s.fp_cases,
                }
                for code, s in sorted(self.flags.items())
            },
            "types": {t: {k: v.to_json() for k, v in sp.items()} for t, sp in sorted(self.types.items())},
            "fields": {
                f"{t}.{f}": {k: v.to_json() for k, v in sp.items()}
                for (t, f), sp in sorted(self.fields.items())
            },
            "errors": self.errors,
        }


def _case_splits(expected: dict[str, Any]) -> set[str]:
    mats = [m for m in expected.get("materials", {}).values() if not m.get("broken")]
    groups = {"all"}
    if mats and all(capture_group(m.get("capture", "clean")) == "clean" for m in mats):
        groups.add("clean")
    else:
        groups.add("captured")
    if any(m.get("holdout") for m in mats):
        groups.add("holdout")
    return groups


def score(pairs: Iterable[tuple[str, dict[str, Any], dict[str, Any] | None]]) -> Metrics:
    """Score ``(case_id, expected, report_json or None)`` triples; ``None`` = the run failed."""
    m = Metrics()
    for case_id, exp, rep in pairs:
        m.cases += 1
        groups = _case_splits(exp)
        want = exp.get("decision")
        got = rep.get("decision") if rep else "error"
        for g in groups:
            m.decision[g].add(got == want)
        m.decision_confusion[str(want)][str(got)] += 1
        codes = {f.get("code") for f in (rep or {}).get("flags", [])}
        must = set(exp.get("must", []))
        must_not = set(exp.get("must_not", []))
        for code in must:
            s = m.flags[code]
            s.support += 1
            if code in codes:
                s.found += 1
            else:
                s.missed_cases.append(case_id)
        for code in codes:
            if not code:
                continue
            s = m.flags[code]
            s.appeared += 1
            if code in must_not:
                s.false_positives += 1
                s.fp_cases.append(case_id)
        if rep is None:
            m.errors.append(case_id)
        results = {r.get("file"): r for r in (rep or {}).get("materials", [])}
        for file, truth in exp.get("materials", {}).items():
            if truth.get("broken") or truth.get("listed") is False:
                continue
            t = truth["type"]
            r = results.get(file)
            mgroups = {"all", capture_group(truth.get("capture", "clean"))}
            if truth.get("holdout"):
                mgroups.add("holdout")
            detected = r.get("detected_type") if r else None
            for g in mgroups:
                m.types[t][g].add(detected == t)
            got_fields = (r or {}).get("fields") or {}
            for name, value in truth.get("fields", {}).items():
                ok = str(got_fields.get(name)) == str(value) if name in got_fields else False
                for g in mgroups:
                    m.fields[(t, name)][g].add(ok)
    for code in FLAG_CATEGORIES:  # every code gets a row, even with no support
        _ = m.flags[code]
    return m


def field_errors(expected: dict[str, Any], rep: dict[str, Any] | None) -> list[dict[str, Any]]:
    """Where the report's type or fields differ from the ground truth (for reading a case's result)."""
    results = {r.get("file"): r for r in (rep or {}).get("materials", [])}
    out: list[dict[str, Any]] = []
    for file, truth in expected.get("materials", {}).items():
        if truth.get("broken") or truth.get("listed") is False:
            continue
        r = results.get(file) or {}
        if r.get("detected_type") != truth["type"]:
            out.append(
                {"file": file, "field": "<type>", "expected": truth["type"], "found": r.get("detected_type")}
            )
            continue
        got = r.get("fields") or {}
        for name, value in truth.get("fields", {}).items():
            if str(got.get(name)) != str(value):
                out.append({"file": file, "field": name, "expected": value, "found": got.get(name)})
    return out


def rescore(root: Path, rows: Iterable[dict[str, Any]]) -> Metrics:
    """Score saved per-case rows (``--out`` files of several runs, e.g. chunks) against ``root``'s labels."""
    pairs = []
    for row in rows:
        exp = json.loads((root / row["case_id"] / "expected.json").read_text(encoding="utf-8"))
        pairs.append((row["case_id"], exp, row.get("report")))
    return score(pairs)


def labelled_cases(root: Path) -> list[Path]:
    return sorted({p.parent for p in root.rglob("expected.json") if (p.parent / "case.json").is_file()})


def default_enrollment(root: Path) -> str | None:
    """``samples/enrollment.csv`` next to (or above) the cases folder."""
    for d in (root, *root.parents):
        p = d / "enrollment.csv"
        if p.is_file():
            return str(p)
        if d.name == "samples":
            break
    here = Path(__file__).resolve().parent.parent / "samples" / "enrollment.csv"
    return str(here) if here.is_file() else None


def _fresh_home(real_cache: Path) -> Path:
    """A temporary INTAKE_HOME (empty invoice register: duplicates are judged within this run) that keeps
    sharing the real OCR cache, so re-running the evaluation stays fast."""
    home = Path(tempfile.mkdtemp(prefix="intake-eval-"))
    real_cache.mkdir(parents=True, exist_ok=True)
    os.symlink(real_cache, home / "cache", target_is_directory=True)
    return home


def evaluate(
    root: Path,
    enrollment: str | None = None,
    settings: Any = None,
    fresh_register: bool = True,
    on_case: Callable[[str, dict[str, Any] | None, float], None] | None = None,
    only: Callable[[Path], bool] | None = None,
) -> tuple[Metrics, list[dict[str, Any]]]:
    """Run the pipeline over every labelled case under ``root`` (sorted by folder name) and score it."""
    from pipeline.config import get_settings

    settings = settings or get_settings()
    temp_home: Path | None = None
    if fresh_register:
        temp_home = _fresh_home(settings.cache_dir)
        settings = settings.model_copy(update={"home": temp_home})
    enrollment = enrollment if enrollment is not None else default_enrollment(root)
    run = _runner(settings, enrollment)
    pairs: list[tuple[str, dict[str, Any], dict[str, Any] | None]] = []
    rows: list[dict[str, Any]] = []
    try:
        for case_dir in labelled_cases(root):
            if only and not only(case_dir):
                continue
            exp = json.loads((case_dir / "expected.json").read_text(encoding="utf-8"))
            t0 = time.time()
            rep: dict[str, Any] | None
            error = None
            try:
                rep = run(case_dir)
            except Exception as e:  # one broken case never stops the evaluation
                rep, error = None, f"{type(e).__name__}: {str(e)[:200]}"
            dt = time.time() - t0
            pairs.append((case_dir.name, exp, rep))
            codes = sorted({f["code"] for f in (rep or {}).get("flags", [])})
            rows.append(
                {
                    "case_id": case_dir.name,
                    "key": exp.get("key"),
                    "expected": exp.get("decision"),
                    "decision": rep.get("decision") if rep else "error",
                    "missing": sorted(set(exp.get("must", [])) - set(codes)),
                    "unexpected": sorted(set(codes) & set(exp.get("must_not", []))),
                    "flags": codes,
                    "field_errors": field_errors(exp, rep),
                    "seconds": round(dt, 2),
                    "error": error,
                    "report": rep,
                }
            )
            if on_case:
                on_case(case_dir.name, rep, dt)
    finally:
        close = getattr(run, "close", None)
        if close:
            close()
        if temp_home is not None:  # the temporary register; the shared cache is a symlink, not followed
            shutil.rmtree(temp_home, ignore_errors=True)
    return score(pairs), rows


class _Run:
    """One runner (one worker pool, one set of stores) for all cases; falls back to ``run_case``."""

    def __init__(self, settings: Any, enrollment: str | None) -> None:
        self.settings = settings
        self.enrollment = enrollment
        self.runner: Any = None
        try:
            from pipeline.app.wiring import build_runner

            self.runner = build_runner(settings, enrollment=enrollment, pool=settings.effective_workers() > 1)
        except ImportError:
            self.runner = None

    def __call__(self, case_dir: Path) -> dict[str, Any]:
        if self.runner is not None:
            report = self.runner.run(case_dir)
        else:
            from pipeline.app.wiring import run_case

            report = run_case(case_dir, self.settings, enrollment=self.enrollment)
        return report.to_json()  # type: ignore[no-any-return]

    def close(self) -> None:
        if self.runner is not None:
            self.runner.close()


def _runner(settings: Any, enrollment: str | None) -> _Run:
    return _Run(settings, enrollment)


# --------------------------------------------------------------------------- rich output


def _pct(r: Ratio) -> str:
    v = r.value
    return "-" if v is None else f"{100 * v:.0f}% ({r.hit}/{r.total})"


def print_metrics(m: Metrics, console: Any = None) -> None:
    from rich.console import Console
    from rich.table import Table

    # Wide enough for the codes and field names when printed to a file or a pipe.
    con = console or Console(width=None if sys.stdout.isatty() else 160)
    t = Table(title=f"Decision accuracy ({m.cases} cases)")
    for s in SPLITS:
        t.add_column(s)
    t.add_row(*(_pct(m.decision[s]) for s in SPLITS))
    con.print(t)
    c = Table(title="Decision confusion (rows expected, columns got)")
    got_keys = sorted({g for row in m.decision_confusion.values() for g in row})
    c.add_column("expected")
    for g in got_keys:
        c.add_column(g)
    for want, row in sorted(m.decision_confusion.items()):
        c.add_row(want, *(str(row.get(g, 0)) for g in got_keys))
    con.print(c)
    f = Table(title="Flags")
    f.add_column("code", no_wrap=True)
    for col in ("support", "recall", "false pos.", "appeared", "missed in", "false pos. in"):
        f.add_column(col)
    for code, st in sorted(m.flags.items()):
        rec = "-" if st.recall is None else f"{100 * st.recall:.0f}% ({st.found}/{st.support})"
        f.add_row(
            code,
            str(st.support),
            rec,
            str(st.false_positives),
            str(st.appeared),
            " ".join(st.missed_cases[:4]) + (" …" if len(st.missed_cases) > 4 else ""),
            " ".join(st.fp_cases[:4]) + (" …" if len(st.fp_cases) > 4 else ""),
        )
    con.print(f)
    ty = Table(title="Document type accuracy")
    ty.add_column("type", no_wrap=True)
    for s in SPLITS:
        ty.add_column(s)
    for name, sp in sorted(m.types.items()):
        ty.add_row(name, *(_pct(sp[s]) for s in SPLITS))
    con.print(ty)
    fl = Table(title="Field exact match")
    fl.add_column("type.field", no_wrap=True)
    for s in SPLITS:
        fl.add_column(s)
    for (tname, fname), sp in sorted(m.fields.items()):
        fl.add_row(f"{tname}.{fname}", *(_pct(sp[s]) for s in SPLITS))
    con.print(fl)
    if m.errors:
        con.print(f"[red]runs failed:[/] {' '.join(m.errors)}")
