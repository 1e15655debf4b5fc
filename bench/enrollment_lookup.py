"""Enrollment lookups per second from SQLite and PostgreSQL with a table of ≥ 100k rows.

Imports a synthetic enrollment CSV (through ``import_csv``: validation + one transaction), then
measures, as the median of several runs:

* ``get``: one ID number per call (a case check's lookup), 90 % hits and 10 % misses;
* ``get_many``: the same IDs in batches (a batch run prefetching its applicants).

    .venv/bin/python bench/enrollment_lookup.py [--rows 100000] [--lookups 20000] [--runs 5]
        [--batch 1000] [--pg-url postgresql://postgres@127.0.0.1:5432/test] [--no-pg]

The PostgreSQL table gets a unique name and is dropped afterwards. Target: ≥ 10,000 lookups/s.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import text

from pipeline.config import Settings
from pipeline.stores.enrollment import EnrollmentStore, EnrollmentUnavailable, close_all, open_store

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
REGIONS = ("650102", "650103", "650104", "420802", "420804", "330903", "110105", "440106")
STATUSES = ("active",) * 16 + ("arrears", "suspended", "terminated", "transferring")


def make_id(first17: str) -> str:
    return first17 + "10X98765432"[sum(int(c) * w for c, w in zip(first17, WEIGHTS, strict=True)) % 11]


def synthetic_ids(n: int, seed: int = 7) -> list[str]:
    rng = random.Random(seed)
    seen: set[str] = set()
    out: list[str] = []
    while len(out) < n:
        first = (
            f"{rng.choice(REGIONS)}{rng.randint(1940, 2005)}{rng.randint(1, 12):02d}"
            f"{rng.randint(1, 28):02d}{rng.randint(0, 999):03d}"
        )
        i = make_id(first)
        if i not in seen:
            seen.add(i)
            out.append(i)
    return out


def write_csv(path: Path, ids: list[str], seed: int = 7) -> None:
    rng = random.Random(seed)
    surnames, given = "张王李刘陈杨赵黄周吴徐孙胡朱高林何郭马罗", "伟明建国志强海涛秀英丽娟桂兰晓燕美玲"
    with path.open("w", encoding="utf-8") as fh:
        fh.write(
            "id_number,name,ssc_number,insurance_type,status,card_activated,region,retired,chronic_diseases\n"
        )
        for n, i in enumerate(ids):
            name = rng.choice(surnames) + rng.choice(given) + rng.choice(given)
            fh.write(
                f"{i},{name},A{n:08d},{rng.choice(('employee', 'resident'))},{rng.choice(STATUSES)},"
                f"{'true' if rng.random() < 0.95 else 'false'},{rng.choice(('xinjiang', 'jingmen'))},"
                f"{'true' if rng.random() < 0.2 else 'false'},{'高血压;糖尿病' if rng.random() < 0.1 else ''}\n"
            )


def measure(store: EnrollmentStore, queries: list[str], runs: int, batch: int) -> dict[str, float]:
    for q in queries[:200]:  # warm: connection, prepared statement, page cache
        store.get(q)
    single, many = [], []
    for _ in range(runs):
        t = time.perf_counter()
        for q in queries:
            store.get(q)
        single.append(len(queries) / (time.perf_counter() - t))
        t = time.perf_counter()
        for k in range(0, len(queries), batch):
            store.get_many(queries[k : k + batch])
        many.append(len(queries) / (time.perf_counter() - t))
    return {"get": statistics.median(single), "get_many": statistics.median(many)}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, default=100_000)
    ap.add_argument("--lookups", type=int, default=20_000)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--batch", type=int, default=1000)
    ap.add_argument("--pg-url", default="postgresql://postgres@127.0.0.1:5432/test")
    ap.add_argument("--no-pg", action="store_true")
    args = ap.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="enrollment-bench-"))
    ids = synthetic_ids(args.rows)
    csv_path = tmp / "enrollment.csv"
    write_csv(csv_path, ids)
    rng = random.Random(11)
    absent = synthetic_ids(args.rows + args.lookups // 10, seed=99)
    present = set(ids)
    misses = [i for i in absent if i not in present][: args.lookups // 10]
    queries = rng.choices(ids, k=args.lookups - len(misses)) + misses
    rng.shuffle(queries)

    targets: list[tuple[str, str]] = [("sqlite", f"sqlite:///{tmp / 'enrollment.sqlite'}")]
    table = f"enroll_bench_{uuid.uuid4().hex[:8]}"
    if not args.no_pg:
        targets.append(("postgresql", f"{args.pg_url}?table={table}"))

    print(
        f"rows {args.rows:,}, lookups {len(queries):,} ({len(misses):,} misses), median of {args.runs} runs"
    )
    print(f"{'backend':<12}{'import s':>10}{'get /s':>12}{'get_many /s':>14}")
    ok = True
    for name, url in targets:
        try:
            store = open_store(url, Settings(home=tmp))
        except EnrollmentUnavailable as e:
            print(f"{name:<12}skipped: {e}")
            continue
        try:
            t = time.perf_counter()
            report = store.import_csv(csv_path)
            t_import = time.perf_counter() - t
            assert report.ok and report.inserted == args.rows, report.summary()
            r = measure(store, queries, args.runs, args.batch)
            print(f"{name:<12}{t_import:>10.1f}{r['get']:>12,.0f}{r['get_many']:>14,.0f}")
            ok = ok and r["get_many"] >= 10_000
        finally:
            if name == "postgresql":
                store.close()
                with store.engine.begin() as conn:
                    conn.execute(text(f'DROP TABLE IF EXISTS "{table}", "{table}_meta"'))
    close_all()
    print("target ≥ 10,000 lookups/s for batch use (get_many):", "met" if ok else "NOT met")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
