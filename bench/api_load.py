"""Load test of the portal API on loopback: C concurrent clients submit for a bounded time.

    .venv/bin/python bench/api_load.py [--clients 50] [--seconds 30] [--case small|pdf|DIR] [--workers N]

Starts ``intake serve`` (a subprocess, fresh private ``INTAKE_HOME``: no OCR cache from an earlier run,
an empty case store), creates an API client, warms the server with one submission, then runs
``--clients`` asynchronous clients for ``--seconds``: each submits a case (``POST /v1/submissions``),
then waits for its report (``GET /v1/submissions/{id}?wait=60``), and starts over. A 429/503 is
counted and honoured (``Retry-After``). After the time is up, outstanding submissions are awaited.

Prints: submissions, throughput, p50/p95/max from submit to report, 429/503 counts, the server's
memory (RSS of the server and its worker processes) after warm-up and at the end, and the check that
every accepted submission ended with exactly one report (from the case store). One JSON line last.

Cases: ``small`` (no material: the pipeline's fixed cost, no OCR), ``pdf`` (one text-layer invoice PDF,
no OCR), or a case folder (e.g. ``samples/cases/XJ-2025-000147``, 5 scanned materials: real OCR).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def _rss_tree(pid: int) -> int:
    """RSS in bytes of a process and its descendants (Linux /proc)."""
    kids: dict[int, list[int]] = {}
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                ppid = int((d / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            kids.setdefault(ppid, []).append(int(d.name))
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        todo.extend(kids.get(p, []))
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) * 1024
        except OSError:
            pass
    return total


def _case_parts(kind: str, tmp: Path, i: int) -> list[tuple[str, Any]]:
    from tests.api_support import case_bytes, invoice_pdf

    if kind == "small":
        return [("case", ("case.json", case_bytes(f"LOAD-{i}", []), "application/json"))]
    if kind == "pdf":
        pdf = tmp / "invoice.pdf"
        if not pdf.exists():
            invoice_pdf(pdf)
        mats = [{"file": "invoice.pdf", "declared_type": "medical_invoice"}]
        return [
            ("case", ("case.json", case_bytes(f"LOAD-{i}", mats), "application/json")),
            ("files", ("invoice.pdf", pdf.read_bytes(), "application/pdf")),
        ]
    folder = Path(kind)
    raw = json.loads((folder / "case.json").read_text("utf-8"))
    raw["case_id"] = f"{raw['case_id']}-LOAD-{i}"
    parts: list[tuple[str, Any]] = [
        ("case", ("case.json", json.dumps(raw, ensure_ascii=False).encode(), "application/json"))
    ]
    for p in sorted(folder.iterdir()):
        if p.is_file() and p.name not in ("case.json", "expected.json", "report.json"):
            parts.append(("files", (p.name, p.read_bytes(), "application/octet-stream")))
    return parts


async def _run(args: argparse.Namespace, base: str, key: str, tmp: Path) -> dict[str, Any]:
    import httpx

    headers = {"Authorization": f"Bearer {key}"}
    latencies: list[float] = []
    ids: list[str] = []
    refused = {"429": 0, "503": 0}
    errors: list[str] = []
    stop_at = time.monotonic() + args.seconds
    counter = {"i": 0}
    limits = httpx.Limits(max_connections=args.clients + 4, max_keepalive_connections=args.clients + 4)
    async with httpx.AsyncClient(base_url=base, headers=headers, timeout=300, limits=limits) as http:

        async def one_client() -> None:
            while time.monotonic() < stop_at:
                counter["i"] += 1
                parts = _case_parts(args.case, tmp, counter["i"])
                t0 = time.perf_counter()
                r = await http.post("/v1/submissions", files=parts)
                if r.status_code in (429, 503):
                    refused[str(r.status_code)] += 1
                    await asyncio.sleep(min(5.0, float(r.headers.get("retry-after", "1"))))
                    continue
                if r.status_code != 202:
                    errors.append(f"POST {r.status_code}")
                    continue
                sid = r.json()["id"]
                ids.append(sid)
                while True:
                    s = await http.get(f"/v1/submissions/{sid}", params={"wait": 60})
                    st = s.json().get("status")
                    if st in ("done", "failed"):
                        break
                if st != "done":
                    errors.append(f"{sid} {st}")
                latencies.append(time.perf_counter() - t0)

        t_start = time.perf_counter()
        await asyncio.gather(*(one_client() for _ in range(args.clients)))
        elapsed = time.perf_counter() - t_start
    lat = sorted(latencies)

    def q(p: float) -> float:
        return lat[min(len(lat) - 1, round(p * (len(lat) - 1)))] if lat else float("nan")

    return {
        "submissions": len(ids),
        "completed": len(latencies),
        "seconds": round(elapsed, 1),
        "throughput_per_s": round(len(latencies) / elapsed, 2) if elapsed else 0.0,
        "p50_s": round(q(0.50), 3),
        "p95_s": round(q(0.95), 3),
        "max_s": round(lat[-1], 3) if lat else None,
        "median_s": round(statistics.median(lat), 3) if lat else None,
        "refused_429": refused["429"],
        "refused_503": refused["503"],
        "errors": errors[:10],
        "ids": ids,
    }


def _baseline(kind: str, tmp: Path, workers: int, runs: int = 3) -> float:
    """Median seconds of CaseRunner.run on the same case, in-process, warm (one untimed run first):
    the service time without the API, measured in the same run as the peer of the API's latency."""
    from pipeline.app.wiring import build_runner
    from pipeline.config import Settings

    folder = tmp / "baseline-case"
    folder.mkdir()
    for field, (name, data, *_) in _case_parts(kind, tmp, 0):
        (folder / ("case.json" if field == "case" else name)).write_bytes(data)
    settings = Settings(home=tmp / "baseline-home", workers=workers)
    with build_runner(settings, pool=settings.effective_workers() > 1) as runner:
        runner.run(folder)
        times = []
        for _ in range(runs):
            t0 = time.perf_counter()
            runner.run(folder)
            times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--seconds", type=float, default=30.0)
    ap.add_argument("--case", default="small", help="small, pdf, or a case folder")
    ap.add_argument("--workers", type=int, default=0, help="INTAKE_WORKERS of the server (0 = cores)")
    ap.add_argument("--runners", type=int, default=1, help="INTAKE_API_RUNNERS of the server")
    ap.add_argument("--no-baseline", action="store_true", help="skip the in-process CaseRunner timing")
    args = ap.parse_args()

    import httpx
    from sqlalchemy import create_engine, text

    from pipeline.config import Settings
    from pipeline.stores.cases import open_cases

    with tempfile.TemporaryDirectory(prefix="intake-api-load-") as td:
        tmp = Path(td)
        home = tmp / "home"
        baseline = None if args.no_baseline else _baseline(args.case, tmp, args.workers)
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        env = {
            **os.environ,
            "PYTHONPATH": str(REPO),
            "INTAKE_HOME": str(home),
            "INTAKE_WORKERS": str(args.workers),
            "INTAKE_API_RUNNERS": str(args.runners),
            "INTAKE_API_QUEUE_SIZE": str(max(200, args.clients * 2)),
        }
        _, key, _ = open_cases(Settings(home=home)).add_client("bench")
        log = (tmp / "server.log").open("wb")
        cmd = [sys.executable, "-c", "from pipeline.app.cli import app; app()", "serve", "--port", str(port)]
        proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=log)
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 120
            while True:
                try:
                    if httpx.get(base + "/healthz", timeout=1).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit("server did not start:\n" + (tmp / "server.log").read_text()[-2000:])
                time.sleep(0.2)
            # warm-up: one submission through the whole path
            r = httpx.post(
                base + "/v1/submissions",
                params={"wait": 120},
                headers={"Authorization": f"Bearer {key}"},
                files=_case_parts(args.case, tmp, 0),
                timeout=200,
            )
            while r.json().get("status") in ("queued", "running"):  # wait is capped at 60 s
                r = httpx.get(
                    f"{base}/v1/submissions/{r.json()['id']}",
                    params={"wait": 60},
                    headers={"Authorization": f"Bearer {key}"},
                    timeout=90,
                )
            assert r.json()["status"] == "done", r.text
            rss_before = _rss_tree(proc.pid)
            result = asyncio.run(_run(args, base, key, tmp))
            rss_after = _rss_tree(proc.pid)
        finally:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()
            log.close()
        engine = create_engine(f"sqlite:///{home / 'cases.sqlite'}")
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT id, status, reports_written FROM submissions")).all()
        engine.dispose()
    by_id = {r[0]: r for r in rows}
    ids = result.pop("ids")
    once = sum(1 for i in ids if by_id.get(i) and by_id[i][1] == "done" and by_id[i][2] == 1)
    result.update(
        clients=args.clients,
        case=args.case,
        workers=args.workers or os.cpu_count(),
        exactly_one_report=f"{once}/{len(ids)}",
        rss_before_mb=round(rss_before / 2**20, 1),
        rss_after_mb=round(rss_after / 2**20, 1),
        load_average=os.getloadavg()[0],
        baseline_run_s=round(baseline, 3) if baseline is not None else None,
        p50_over_baseline=round(result["p50_s"] / baseline, 2) if baseline else None,
    )
    print(
        f"{args.clients} clients, {args.seconds:.0f} s, case {args.case}: {result['completed']} reports "
        f"({result['throughput_per_s']}/s); submit->report p50 {result['p50_s']} s, p95 {result['p95_s']} s, "
        f"max {result['max_s']} s; refused 429: {result['refused_429']}, 503: {result['refused_503']}; "
        f"exactly one report: {result['exactly_one_report']}; server RSS {result['rss_before_mb']} MB -> "
        f"{result['rss_after_mb']} MB; load average {result['load_average']:.1f}; in-process run of the "
        f"same case (median of 3, warm): {result['baseline_run_s']} s, p50 / that = {result['p50_over_baseline']}"
    )
    print(json.dumps(result))


if __name__ == "__main__":
    main()
