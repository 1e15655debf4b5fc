"""Accuracy of the OCR engines on the labelled sample cases, compared figure by figure.

``run`` is ``intake evaluate`` (same runner, same fresh invoice register, same case order) with the
engine taken from the environment, writing one JSON line per case as it goes (a run cut short still
counts: ``compare`` scores every engine on the cases all of them finished). ``compare`` prints decision
accuracy, document-type accuracy, field exact match per field name, and every flag code's recall and
false positives, side by side, and marks where an engine loses against the first one.

    INTAKE_HOME=$(mktemp -d) INTAKE_WORKERS=2 INTAKE_OCR_ENGINE=faster-paddle INTAKE_OCR_MODEL=tiny \
        PYTHONPATH=. .venv/bin/python bench/engine_eval.py run build/eval/faster-paddle-tiny.jsonl
    PYTHONPATH=. .venv/bin/python bench/engine_eval.py compare build/eval/rapidocr.jsonl \
        build/eval/faster-paddle-tiny.jsonl build/eval/faster-paddle-small.jsonl [--md OUT.md]

``compare`` also reads the ``--out`` JSON files of ``intake evaluate`` (their ``cases`` rows).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from samples.evaluate import Metrics, Ratio, evaluate, rescore

CASES = Path(__file__).resolve().parents[1] / "samples" / "cases"


def run(out: Path, root: Path) -> None:
    from pipeline.config import get_settings

    s = get_settings()
    label = s.ocr_engine + (f" {s.ocr_model}" if s.ocr_engine == "faster-paddle" else "")
    out.parent.mkdir(parents=True, exist_ok=True)
    t_start = time.time()
    with out.open("w", encoding="utf-8") as fh:
        fh.write(json.dumps({"engine": label, "started": t_start}) + "\n")

        def on_case(case_id: str, rep: dict[str, Any] | None, dt: float) -> None:
            fh.write(
                json.dumps({"case_id": case_id, "seconds": round(dt, 2), "report": rep}, ensure_ascii=False)
                + "\n"
            )
            fh.flush()
            print(
                f"{label}: {case_id} {rep.get('decision') if rep else 'error'} ({dt:.1f} s)", file=sys.stderr
            )

        evaluate(root, settings=s, on_case=on_case)
        fh.write(json.dumps({"finished": time.time(), "wall": time.time() - t_start}) + "\n")


def load_rows(path: Path) -> tuple[str, list[dict[str, Any]]]:
    if path.suffix == ".json":
        data = json.loads(path.read_text(encoding="utf-8"))
        rows = [
            {"case_id": r["case_id"], "seconds": r.get("seconds"), "report": r.get("report")}
            for r in data["cases"]
        ]
        return path.stem, rows
    rows, label = [], path.stem
    for line in path.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        if "case_id" in row:
            rows.append(row)
    return label, rows


def _r(r: Ratio | None) -> str:
    if r is None or not r.total:
        return "-"
    return f"{100 * r.hit / r.total:.1f}% ({r.hit}/{r.total})"


def _sum(ratios: list[Ratio]) -> Ratio:
    out = Ratio()
    for r in ratios:
        out.hit += r.hit
        out.total += r.total
    return out


def compare(paths: list[Path], root: Path, md: Path | None) -> None:
    loaded = [load_rows(p) for p in paths]
    common = set.intersection(*({r["case_id"] for r in rows} for _, rows in loaded))
    labels = [lab for lab, _ in loaded]
    metrics: list[Metrics] = [
        rescore(root, [r for r in rows if r["case_id"] in common]) for _, rows in loaded
    ]
    out: list[str] = []

    def row(name: str, cells: list[str], worse: list[bool] | None = None) -> None:
        marks = [c + (" **↓**" if worse and worse[i] else "") for i, c in enumerate(cells)]
        out.append(f"| {name} | " + " | ".join(marks) + " |")

    out.append(f"Cases scored: {len(common)} (those every run finished)\n")
    out.append("| figure | " + " | ".join(labels) + " |")
    out.append("|---|" + "---|" * len(labels))

    def lower(vals: list[Ratio]) -> list[bool]:
        base = vals[0]
        return [i > 0 and v.total == base.total and v.hit < base.hit for i, v in enumerate(vals)]

    for split in ("all", "clean", "captured", "holdout"):
        vals = [m.decision[split] for m in metrics]
        row(f"decision accuracy ({split})", [_r(v) for v in vals], lower(vals))
    vals = [_sum([sp["all"] for sp in m.types.values()]) for m in metrics]
    row("document type (all)", [_r(v) for v in vals], lower(vals))
    vals = [_sum([sp["all"] for sp in m.fields.values()]) for m in metrics]
    row("field exact match (all)", [_r(v) for v in vals], lower(vals))
    for split in ("clean", "captured", "holdout"):
        vals = [_sum([sp[split] for sp in m.fields.values()]) for m in metrics]
        row(f"field exact match ({split})", [_r(v) for v in vals], lower(vals))
    seconds = []
    for _, rows in loaded:
        seconds.append(sum(float(r.get("seconds") or 0) for r in rows if r["case_id"] in common))
    row("sum of case seconds (noisy)", [f"{s:.0f} s" for s in seconds])

    out.append("\nPer document type:\n")
    out.append("| type | " + " | ".join(labels) + " |")
    out.append("|---|" + "---|" * len(labels))
    for t in sorted(set().union(*(m.types.keys() for m in metrics))):
        vals = [m.types[t]["all"] for m in metrics]
        row(t, [_r(v) for v in vals], lower(vals))

    out.append("\nPer field (exact match, all materials):\n")
    out.append("| field | " + " | ".join(labels) + " |")
    out.append("|---|" + "---|" * len(labels))
    losses: dict[str, list[str]] = {lab: [] for lab in labels[1:]}
    gains: dict[str, list[str]] = {lab: [] for lab in labels[1:]}
    for key in sorted(set().union(*(m.fields.keys() for m in metrics))):
        vals = [m.fields[key]["all"] for m in metrics]
        name = f"{key[0]}.{key[1]}"
        row(name, [_r(v) for v in vals], lower(vals))
        for i, v in enumerate(vals[1:], start=1):
            if v.hit < vals[0].hit:
                losses[labels[i]].append(f"{name} {vals[0].hit}->{v.hit}/{v.total}")
            elif v.hit > vals[0].hit:
                gains[labels[i]].append(f"{name} {vals[0].hit}->{v.hit}/{v.total}")

    out.append("\nPer flag code (recall = found/support; FP = raised on a case that must not have it):\n")
    out.append("| flag code | " + " | ".join(labels) + " |")
    out.append("|---|" + "---|" * len(labels))
    flag_losses: dict[str, list[str]] = {lab: [] for lab in labels[1:]}
    for code in sorted(set().union(*(m.flags.keys() for m in metrics))):
        stats = [m.flags[code] for m in metrics]
        if not any(s.support or s.appeared for s in stats):
            continue
        cells = [f"{s.found}/{s.support} FP {s.false_positives}" for s in stats]
        worse = [
            i > 0 and (s.found < stats[0].found or s.false_positives > stats[0].false_positives)
            for i, s in enumerate(stats)
        ]
        row(code, cells, worse)
        for i, s in enumerate(stats[1:], start=1):
            if s.found < stats[0].found:
                flag_losses[labels[i]].append(
                    f"{code} recall {stats[0].found}->{s.found}/{s.support} ({', '.join(s.missed_cases)})"
                )
            if s.false_positives > stats[0].false_positives:
                flag_losses[labels[i]].append(
                    f"{code} FP {stats[0].false_positives}->{s.false_positives} ({', '.join(s.fp_cases)})"
                )

    out.append(f"\nAgainst {labels[0]}:\n")
    for lab in labels[1:]:
        out.append(
            f"* **{lab}** — fields lost: {', '.join(losses[lab]) or 'none'}; fields gained: "
            f"{', '.join(gains[lab]) or 'none'}; flags worse: {'; '.join(flag_losses[lab]) or 'none'}"
        )
    text = "\n".join(out) + "\n"
    print(text)
    if md:
        md.write_text(text, encoding="utf-8")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("run")
    r.add_argument("out", type=Path)
    r.add_argument("--root", type=Path, default=CASES)
    c = sub.add_parser("compare")
    c.add_argument("paths", type=Path, nargs="+")
    c.add_argument("--root", type=Path, default=CASES)
    c.add_argument("--md", type=Path, default=None)
    args = ap.parse_args()
    if args.cmd == "run":
        run(args.out, args.root)
    else:
        compare(args.paths, args.root, args.md)


if __name__ == "__main__":
    main()
