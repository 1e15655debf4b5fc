"""Server time of the review desk: the queue page with 10,000 cases in the store, and a case page with
10 materials including their previews (cold: made from the originals; warm: from the cache).
In-process ASGI calls (no network), medians over repeated runs; /healthz is the peer for the ratio.

    PYTHONPATH=$PWD .venv/bin/python bench/desk.py [--cases 10000] [--runs 20] [--db postgresql://…]

Targets (issue 12): queue < 300 ms, case page with 10 materials < 1 s warm.
"""

from __future__ import annotations

import argparse
import copy
import json
import random
import shutil
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from fastapi.testclient import TestClient
from sqlalchemy import insert

from pipeline.app.api import create_app
from pipeline.stores.cases import CaseStore, SubmissionRow, new_id, report_summary, utcnow
from tests.desk_support import PASSWORD, add_users, login, settings_for, stored_reports


class _NoRunner:
    def run(self, folder: Path) -> Any:
        raise AssertionError("no case runs in the bench")

    def close(self) -> None:
        pass


def fill_store(store: CaseStore, n: int) -> None:
    """n done submissions made from the stored reports: decisions, services, sources and ages vary."""
    reports = stored_reports()
    rng = random.Random(12)
    now = utcnow()
    services = ["remote.temporary", "reimburse.outpatient", "reimburse.inpatient", "remote.long_term"]
    rows = []
    for i in range(n):
        loc, rep = reports[i % len(reports)]
        rep = copy.deepcopy(rep)
        rep["case_id"] = f"BENCH-{i:06d}"
        rep["service"] = services[i % len(services)]
        rep["decision"] = rng.choice(["review", "return", "return", "pass"])
        rows.append(
            {
                "id": new_id("sub"),
                "client_id": None,
                "body_hash": "",
                "status": "done",
                "case_id": rep["case_id"],
                "source": rng.choice(["portal", "batch"]),
                "batch": "bench",
                "location": loc,
                "created_at": now - timedelta(minutes=rng.randint(0, 60 * 24 * 14)),
                "finished_at": now,
                "report": rep,
                "attempts": 1,
                "reports_written": 1,
                **report_summary(rep),
            }
        )
    with store.engine.begin() as conn:
        for k in range(0, n, 1000):
            conn.execute(insert(SubmissionRow), rows[k : k + 1000])


def ten_material_case(root: Path) -> tuple[str, dict[str, Any]]:
    """A case folder with 10 materials copied from the stored cases, and its report (their entries)."""
    folder = root / "BENCH-TEN"
    folder.mkdir(parents=True)
    mats: list[dict[str, Any]] = []
    flags: list[dict[str, Any]] = []
    base = None
    for loc, rep in stored_reports():
        base = base or rep
        for m in rep["materials"]:
            if len(mats) == 10 or not m.get("page_geometry"):
                continue
            name = f"m{len(mats):02d}_{m['file']}"
            shutil.copy(Path(loc) / m["file"], folder / name)
            for f in rep["flags"]:
                if f.get("material") == m["file"]:
                    flags.append({**f, "material": name})
            mats.append({**m, "file": name})
    assert base is not None and len(mats) == 10, len(mats)
    case = json.loads((Path(stored_reports()[0][0]) / "case.json").read_text(encoding="utf-8"))
    case["case_id"] = "BENCH-TEN"
    case["materials"] = [{"file": m["file"]} for m in mats]
    (folder / "case.json").write_text(json.dumps(case, ensure_ascii=False), encoding="utf-8")
    report = {**base, "case_id": "BENCH-TEN", "materials": mats, "flags": flags, "decision": "return"}
    return str(folder), report


def median_ms(fn: Any, runs: int) -> tuple[float, float]:
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times), max(times)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--cases", type=int, default=10_000)
    ap.add_argument("--runs", type=int, default=20)
    ap.add_argument("--db", default=None, help="case store URL (default: SQLite in a temporary home)")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="desk-bench-"))
    try:
        settings = settings_for(tmp / "home", **({"cases_url": args.db} if args.db else {}))
        store = CaseStore(settings.cases_url or f"sqlite:///{tmp / 'home' / 'cases.sqlite'}")
        t0 = time.perf_counter()
        fill_store(store, args.cases)
        loc, rep = ten_material_case(tmp)
        ten = store.record_report(rep, location=loc, source="batch")
        add_users(store)
        print(f"store: {store.dialect}, {args.cases} cases recorded in {time.perf_counter() - t0:.1f} s")
        app = create_app(settings, runner_factory=_NoRunner)
        with TestClient(app) as c:
            assert login(c, "alice", PASSWORD).status_code == 303

            def get(url: str) -> None:
                r = c.get(url)
                assert r.status_code == 200, (url, r.status_code)

            get("/desk/queue")  # warm-up
            peer, _ = median_ms(lambda: get("/healthz"), args.runs)
            results = {}
            for label, url in [
                ("queue, open, oldest first (100 rows)", "/desk/queue"),
                ("queue, flag filter", "/desk/queue?flag=identity.id_number_invalid"),
                (
                    "queue, decision+service+source+date",
                    "/desk/queue?decision=return&service=remote.temporary&source=portal&date_from=2000-01-01",
                ),
                ("queue, page 40", "/desk/queue?page=40"),
            ]:
                results[label] = median_ms(lambda u=url: get(u), args.runs)
            previews = [f"/desk/cases/{ten.id}/materials/{i}/pages/0.jpg" for i in range(10)]

            def case_page() -> None:
                get(f"/desk/cases/{ten.id}")
                for p in previews:
                    get(p)

            cold, _ = median_ms(case_page, 1)
            results["case page + 10 previews, warm"] = median_ms(case_page, max(5, args.runs // 2))
            results["case page HTML alone"] = median_ms(lambda: get(f"/desk/cases/{ten.id}"), args.runs)
        print(f"peer /healthz: median {peer:.2f} ms (n={args.runs})")
        for label, (med, worst) in results.items():
            print(f"{label:45s} median {med:7.1f} ms  max {worst:7.1f} ms  ({med / peer:5.0f}x healthz)")
        print(f"{'case page + 10 previews, cold (made once)':45s} {cold:7.1f} ms")
        q = results["queue, open, oldest first (100 rows)"][0]
        w = results["case page + 10 previews, warm"][0]
        print(
            f"targets: queue {q:.0f} ms < 300 ms: {'met' if q < 300 else 'MISSED'}; "
            f"case page warm {w:.0f} ms < 1000 ms: {'met' if w < 1000 else 'MISSED'}"
        )
        store.close()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
