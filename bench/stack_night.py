"""A night's batch through the running stack (deploy/stack.sh up; source its env): upload sample cases
to the S3 bucket, run the on-demand deployment once per case (the flow runs spread over the pool's
workers), then the nightly deployment for the date (which finds nothing left and writes the summary
and the work list); check every report; print the figures as JSON.

    python bench/stack_night.py --cases JM-2024-000121 XJ-2024-000130 --date 2026-11-25 --workers 2
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_CASES = ["JM-2024-000121", "JM-2025-000120", "XJ-2024-000130", "XJ-2025-000133"]


def wait_runs(ids: list[Any], timeout: float) -> dict[str, str]:
    from prefect.client.orchestration import get_client

    deadline = time.monotonic() + timeout
    with get_client(sync_client=True) as client:
        while True:
            states = {str(i): client.read_flow_run(i).state for i in ids}
            if all(s is not None and s.is_final() for s in states.values()):
                return {k: (s.type.value if s else "?") for k, s in states.items()}
            if time.monotonic() > deadline:
                raise TimeoutError(f"flow runs not finished after {timeout:.0f} s")
            time.sleep(2)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--cases", nargs="*", default=DEFAULT_CASES)
    ap.add_argument("--date", default="2026-11-25")
    ap.add_argument("--workers", type=int, required=True, help="workers of the pool (for the figures)")
    ap.add_argument("--timeout", type=float, default=1800)
    args = ap.parse_args(argv)

    from prefect.deployments import run_deployment

    from flows.storage import get_storage
    from flows.worklist import worklist

    storage = get_storage()
    keys = []
    for c in args.cases:
        key = f"incoming/{args.date}/{c}"
        storage.put_case(key, ROOT / "samples" / "cases" / c)
        keys.append(key)

    t0 = time.monotonic()
    runs = [
        run_deployment("process-case/on-demand", parameters={"key": k}, timeout=0, tags=["stack-test"]).id
        for k in keys
    ]
    states = wait_runs(runs, args.timeout)
    wall = time.monotonic() - t0
    nightly = run_deployment("nightly-batch/nightly", parameters={"date": args.date}, timeout=0).id
    nightly_state = wait_runs([nightly], args.timeout)[str(nightly)]

    checks = []
    for c, key in zip(args.cases, keys, strict=True):
        rep = storage.read_report(key)
        state = storage.read_state(key) or {}
        expected = json.loads((ROOT / "samples" / "cases" / c / "expected.json").read_text("utf-8"))
        case = json.loads((ROOT / "samples" / "cases" / c / "case.json").read_text("utf-8"))
        ok = (
            rep is not None
            and rep.get("case_id") == c
            and rep.get("decision") in ("pass", "review", "return")
            and isinstance(rep.get("flags"), list)
            and len(rep.get("materials", [])) == len(case["materials"])
            and state.get("status") == "done"
            and state.get("report_sha256") is not None
        )
        checks.append(
            {
                "case_id": c,
                "report": ok,
                "decision": rep.get("decision") if rep else None,
                "expected": expected.get("decision"),
            }
        )
    work = worklist(storage, f"incoming/{args.date}/")
    out = {
        "cases": len(keys),
        "workers": args.workers,
        "wall_seconds": round(wall, 1),
        "cases_per_hour": round(len(keys) / wall * 3600, 1),
        "cases_per_worker_hour": round(len(keys) / wall * 3600 / args.workers, 1),
        "flow_runs": sorted(set(states.values())),
        "nightly": nightly_state,
        "reports_ok": sum(c["report"] for c in checks),
        "decisions_as_expected": sum(c["decision"] == c["expected"] for c in checks),
        "checks": checks,
        "worklist": [w.to_dict() for w in work],
    }
    json.dump(out, sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")
    all_ok = (
        out["reports_ok"] == len(keys) and out["flow_runs"] == ["COMPLETED"] and nightly_state == "COMPLETED"
    )
    return 0 if all_ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
