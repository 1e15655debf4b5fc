"""Issue 16: the hostile-input corpus through ``intake check``, one process per kind.

For every kind of ``tests.hostile_corpus``: the exit code, the finding on the target material
(exit 0), no silent pass, the rest of the case still checked, at most 30 s and 1 GB (peak RSS of
the process and its children, from ``wait4``), every original's SHA-256 unchanged and nothing new
in the case folder, valid UTF-8 output, one line on stderr for an unusable case (no traceback),
no raw control character in the human summary.

Time is CPU seconds (user + system, from GNU time) so that the bound does not depend on how busy
the machine is; wall seconds are shown beside it and a kind still running after 240 s is killed
(a hang). The kinds run two at a time with a private INTAKE_HOME whose OCR cache they share (the base
case's two ID images are read once). ``INTAKE_CORPUS_TABLE=path`` writes the table as Markdown.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.hostile_corpus import KINDS, Kind, build_case

REPO = Path(__file__).resolve().parents[1]
MAX_SECONDS = 30.0  # CPU seconds (user + system): the machine's load does not change them
WALL_KILL = 240.0  # a kind still running after this is a hang
TIME = "/usr/bin/time"
MAX_RSS_MB = 1024.0
INTAKE = [sys.executable, "-c", "from pipeline.app.cli import app; app()"]


@dataclass
class Outcome:
    kind: Kind
    rc: int
    seconds: float
    rss_mb: float
    stdout: bytes
    stderr: bytes
    before: dict[str, str]
    after: dict[str, str]
    problems: list[str]
    observed: str = ""
    wall: float = float("nan")


def snapshot(case: Path) -> dict[str, str]:
    """Every entry of the folder (not following links): sha256 of files, kind of the others."""
    out: dict[str, str] = {}
    for dirpath, dirnames, filenames in os.walk(case, followlinks=False):
        for name in dirnames + filenames:
            p = Path(dirpath) / name
            st = os.lstat(p)
            rel = str(p.relative_to(case))
            if stat.S_ISREG(st.st_mode):
                h = hashlib.sha256()
                with open(p, "rb") as f:
                    for block in iter(lambda f=f: f.read(1 << 20), b""):  # type: ignore[misc]
                        h.update(block)
                out[rel] = h.hexdigest()
            elif stat.S_ISLNK(st.st_mode):
                out[rel] = "link:" + os.readlink(p)
            else:
                out[rel] = f"mode:{stat.S_IFMT(st.st_mode)}"
    return out


def run_kind(kind: Kind, case: Path, env: dict[str, str], stats: Path) -> Outcome:
    """``intake check`` under GNU time: peak RSS of the process and its children (``wait4``),
    CPU seconds (user + system) and wall seconds."""
    args = [*INTAKE, "check", str(case)] + ([] if kind.expect.summary else ["--json"])
    before = snapshot(case)
    out_file = stats / f"{kind.name}.time"
    timed = [TIME, "-f", "%M %U %S %e", "-o", str(out_file), *args]
    proc = subprocess.Popen(timed, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, cwd=case.parent)
    try:
        out, err = proc.communicate(timeout=WALL_KILL)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
    rss_kb, user, system, wall = (float("nan"),) * 4
    try:
        rss_kb, user, system, wall = (float(x) for x in out_file.read_text().split()[-4:])
    except (OSError, ValueError):
        pass
    o = Outcome(kind, proc.returncode, user + system, rss_kb / 1024.0, out, err, before, snapshot(case), [])
    o.wall = wall
    return o


def judge(o: Outcome) -> None:
    e = o.kind.expect
    p = o.problems
    if not o.seconds <= MAX_SECONDS:
        p.append(f"took {o.seconds:.1f} CPU s")
    if not o.rss_mb <= MAX_RSS_MB:
        p.append(f"peak RSS {o.rss_mb:.0f} MB")
    if o.after != o.before:
        p.append("the case folder changed")
    try:
        o.stdout.decode("utf-8")
    except UnicodeDecodeError:
        p.append("stdout is not valid UTF-8")
    if b"Traceback" in o.stderr or b"Traceback" in o.stdout:
        p.append("traceback")
    if o.rc != e.rc:
        p.append(f"exit {o.rc}, expected {e.rc}")
    if e.rc == 2:
        lines = [x for x in o.stderr.decode("utf-8", "replace").splitlines() if x.strip()]
        o.observed = f"exit 2: {lines[-1][:70] if lines else '(nothing)'}"
        if len(lines) != 1:
            p.append(f"{len(lines)} stderr lines, expected 1")
        return
    if o.rc != 0:
        o.observed = f"exit {o.rc}: {o.stderr.decode('utf-8', 'replace')[-200:]}"
        return
    if e.summary:
        text = o.stdout.decode("utf-8", "replace")
        raw = [c for c in ("\x1b", "\x07", "\x08") if c in text]
        o.observed = "summary: " + ("raw control characters " + repr(raw) if raw else "escapes shown as text")
        if raw:
            p.append(f"raw control characters in the summary: {raw!r}")
        return
    report: dict[str, Any] = json.loads(o.stdout)
    flags = report["flags"]
    on = [f for f in flags if f.get("material") == e.material] if e.material else []
    codes = sorted({f["code"] for f in on})
    o.observed = f"{report['decision']}; {', '.join(codes) or '-'}" + (
        f" ({on[0].get('severity')})" if on else ""
    )
    if e.codes and not set(codes) & set(e.codes):
        p.append(f"no {'/'.join(e.codes)} on {e.material}")
    if e.material and not e.codes and not on:
        p.append(f"no finding on {e.material}")
    if e.not_pass and report["decision"] == "pass":
        p.append("silent pass")
    if e.decision and report["decision"] != e.decision:
        p.append(f"decision {report['decision']}, expected {e.decision}")
    if e.rest_checked:
        back = [m for m in report["materials"] if m["file"] == "id_back.jpg"]
        if not back or back[0]["detected_type"] != "id_card_back":
            p.append("the rest of the case was not checked")
    if e.extra:
        msg = e.extra(report)
        if msg:
            p.append(msg)


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory: pytest.TempPathFactory) -> list[Outcome]:
    root = tmp_path_factory.mktemp("corpus")
    home = tmp_path_factory.mktemp("home")
    cases = [(k, build_case(k, root / "cases")) for k in KINDS]
    env = {k: v for k, v in os.environ.items() if not k.startswith("INTAKE_") or k in ("INTAKE_OCR_ENGINE",)}
    env.update(
        INTAKE_HOME=str(home),
        INTAKE_WORKERS="1",
        INTAKE_PDF_TIMEOUT="10",
        # the production store starts empty: the base case's applicant comes from the samples' CSV
        INTAKE_ENROLLMENT_URL=str(REPO / "samples" / "enrollment.csv"),
        PYTHONPATH=str(REPO),
        COLUMNS="200",
    )
    stats = tmp_path_factory.mktemp("time")
    # warm the shared OCR cache with the base case's ID images (one run), then the corpus
    warm = next(kc for kc in cases if kc[0].name == "zero_byte")
    run_kind(warm[0], warm[1], env, stats)
    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(lambda kc: run_kind(kc[0], kc[1], env, stats), cases))
    for o in results:
        judge(o)
    table = render(results)
    print("\n" + table)
    if os.environ.get("INTAKE_CORPUS_TABLE"):
        Path(os.environ["INTAKE_CORPUS_TABLE"]).write_text(table, "utf-8")
    return results


def render(results: list[Outcome]) -> str:
    rows = [
        "| # | kind | input | expected | observed | CPU s | wall s | peak RSS MB | sha ok | verdict |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for i, o in enumerate(results, 1):
        e = o.kind.expect
        if e.rc == 2:
            exp = "exit 2, one line"
        elif e.summary:
            exp = "no raw control characters"
        else:
            exp = f"{'/'.join(e.codes) or 'a finding' if e.material else 'read'}" + (
                f" on {e.material}" if e.material else ""
            )
            exp += f"; {e.decision}" if e.decision else ("; not pass" if e.not_pass else "")
        rows.append(
            f"| {i} | {o.kind.name} | {o.kind.what} | {exp} | {o.observed} | {o.seconds:.1f} | {o.wall:.1f} | "
            f"{o.rss_mb:.0f} | {'yes' if o.after == o.before else 'NO'} | "
            f"{'PASS' if not o.problems else 'FAIL: ' + '; '.join(o.problems)} |"
        )
    n_fail = sum(1 for o in results if o.problems)
    rows.append(
        f"\n{len(results)} kinds, {len(results) - n_fail} PASS, {n_fail} FAIL; "
        f"max CPU {max(o.seconds for o in results):.1f} s, max wall {max(o.wall for o in results):.1f} s, "
        f"max RSS {max(o.rss_mb for o in results):.0f} MB (load average {os.getloadavg()[0]:.1f})"
    )
    return "\n".join(rows)


def test_at_least_40_kinds() -> None:
    assert len(KINDS) >= 40
    assert len({k.name for k in KINDS}) == len(KINDS)


@pytest.mark.parametrize("name", [k.name for k in KINDS])
def test_kind(outcomes: list[Outcome], name: str) -> None:
    (o,) = [o for o in outcomes if o.kind.name == name]
    assert not o.problems, f"{name}: {'; '.join(o.problems)} (observed: {o.observed})"
