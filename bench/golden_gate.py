"""How long the golden gate takes (issue 11: all sample cases, recorded OCR, under 60 s on 2 cores),
against another commit in the same run.

    .venv/bin/python bench/golden_gate.py [--runs 3] [--workers 2] [--baseline COMMIT]

Each run is a fresh process (``samples.golden.run_golden``, as ``tests/test_golden.py`` runs it).
With ``--baseline`` the commit is unpacked with ``git archive`` into a temporary folder and its own
golden run alternates with this tree's (baseline, this tree, baseline, ...), so both see the same
machine: these machines are noisy (the same code took 48-72 s here within one hour), so compare
within one run of this script, medians of at least 3. Prints wall and CPU seconds per run, the
medians and the ratio, and whether every run produced the same reports (timings left out).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# run inside the child: the tree to test is first on sys.path
CHILD = r"""
import hashlib, json, sys
from samples.golden import CASES, run_golden
DROP = {"timing", "timings", "seconds"}
def strip(o):
    if isinstance(o, dict):
        return {k: strip(v) for k, v in o.items() if k not in DROP}
    if isinstance(o, list):
        return [strip(v) for v in o]
    return o
r = run_golden(CASES, workers=int(sys.argv[1]))
digest = hashlib.sha256(json.dumps(strip(r.reports), sort_keys=True, ensure_ascii=False).encode()).hexdigest()
print(json.dumps({"wall": r.seconds, "cpu": r.cpu_seconds, "cases": len(r.expected), "errors": len(r.errors),
                  "reports": digest[:16]}))
"""


def unpack(commit: str, into: Path) -> Path:
    tar = into / "tree.tar"
    subprocess.run(["git", "-C", str(ROOT), "archive", "-o", str(tar), commit], check=True)
    tree = into / commit
    tree.mkdir()
    with tarfile.open(tar) as t:
        t.extractall(tree, filter="data")
    return tree


def one_run(tree: Path, workers: int) -> dict[str, float | str]:
    env = {**os.environ, "PYTHONPATH": str(tree), "PYTHONHASHSEED": "0"}
    out = subprocess.run(
        [sys.executable, "-c", CHILD, str(workers)],
        cwd=tree,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if out.returncode != 0:
        raise SystemExit(f"golden run in {tree} failed:\n{out.stderr[-2000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--baseline", help="a commit to compare with (git archive of it)")
    args = ap.parse_args()
    trees = {"this tree": ROOT}
    with tempfile.TemporaryDirectory(prefix="intake-golden-bench-") as tmp:
        if args.baseline:
            trees = {f"baseline {args.baseline}": unpack(args.baseline, Path(tmp)), **trees}
        rows: dict[str, list[dict[str, float | str]]] = {k: [] for k in trees}
        for i in range(args.runs):
            for name, tree in trees.items():
                r = one_run(tree, args.workers)
                rows[name].append(r)
                print(
                    f"run {i + 1} {name:>20}: {r['wall']:6.1f} s wall {r['cpu']:6.1f} s CPU  reports {r['reports']}"
                )
    print(f"\n{'':>22} {'wall median':>12} {'CPU median':>11}  cases  same reports every run")
    med = {}
    for name, rs in rows.items():
        wall = statistics.median(float(r["wall"]) for r in rs)
        cpu = statistics.median(float(r["cpu"]) for r in rs)
        med[name] = (wall, cpu)
        same = len({r["reports"] for r in rs}) == 1
        print(f"{name:>22} {wall:10.1f} s {cpu:9.1f} s  {rs[0]['cases']:>5}  {same}")
    if args.baseline:
        (bw, bc), (tw, tc) = med.values()
        print(f"\nthis tree / baseline: wall {tw / bw:.2f}x, CPU {tc / bc:.2f}x")
    print(f"target: under 60 s wall on {args.workers} workers (issue 11)")


if __name__ == "__main__":
    main()
