"""Rebuild the committed sample corpus: ``python -m samples.build_corpus [--seed N] [--out DIR] [--only KEY ...]``.

Writes ``samples/cases/<case_id>/`` (case.json, materials, expected.json) and ``samples/enrollment.csv``.
Deterministic: the same seed gives byte-identical files.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from samples.generator.build import build_corpus

DEFAULT_SEED = 2024
HERE = Path(__file__).parent


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--seed", type=int, default=DEFAULT_SEED)
    ap.add_argument("--out", type=Path, default=HERE / "cases")
    ap.add_argument("--only", nargs="*", help="case keys to (re)build; enrollment.csv is not rewritten")
    args = ap.parse_args(argv)
    t0 = time.time()
    built = build_corpus(args.out, args.seed, set(args.only) if args.only else None)
    size = sum(b.bytes for b in built)
    print(
        f"{len(built)} cases, {sum(b.materials for b in built)} files, {size / 1e6:.1f} MB in {time.time() - t0:.0f} s"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
