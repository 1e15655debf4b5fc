"""``intake users …`` and ``intake desk …``: accounts of the review desk, labels from its decisions, a demo.

* ``intake users add NAME [--role auditor|lead|admin] [--display-name TEXT] [--password-stdin]``
* ``intake users passwd NAME [--password-stdin]`` (ends the user's sessions)
* ``intake users disable NAME`` / ``intake users enable NAME`` / ``intake users list``
* ``intake desk export-labels DIR``: every case with a final desk decision as a labelled case in the
  ``samples/cases`` format (the case folder, read through the storage backend, and ``expected.json``
  from the auditor's decision and per-flag verdicts), so ``intake evaluate`` can run on real traffic.
* ``intake desk demo [--reports FILE.jsonl]``: records reports (default: the stored reports of the desk
  tests; ``build/demo.jsonl`` after ``make demo``), makes a demo account, prints it, serves the desk.

Passwords are asked for on the terminal (hidden, twice) or read from the first line of stdin.
"""

from __future__ import annotations

import json
import os
import secrets
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from pipeline.config import get_settings

out = Console()
err = Console(stderr=True)

users_app = typer.Typer(
    help="Accounts of the review desk: add, passwd, disable, enable, list.", no_args_is_help=True
)
desk_app = typer.Typer(help="The review desk: export labels, demo.", no_args_is_help=True)

DbOption = Annotated[str | None, typer.Option("--db", help="Case store URL (sqlite:///…, postgresql://…).")]
StdinOption = Annotated[
    bool, typer.Option("--password-stdin", help="Read the password from stdin's first line.")
]
DECISION_OF_STATE = {"approved": "pass", "returned": "return", "more_material": "return"}


def _desk(db: str | None) -> Any:
    from pipeline.stores.cases import CaseStore, open_cases
    from pipeline.stores.desk import DeskStore

    if db is not None and "://" not in db:
        err.print("error: --db takes a database URL (sqlite:///… or postgresql://…)", highlight=False)
        raise typer.Exit(2)
    return DeskStore(CaseStore(db) if db else open_cases(get_settings()))


def _password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    return str(typer.prompt("password", hide_input=True, confirmation_prompt=True))


def _fail(e: Exception) -> None:
    err.print(f"error: {e}", markup=False, highlight=False)
    raise typer.Exit(2)


@users_app.command("add")
def users_add(
    name: Annotated[str, typer.Argument(help="log-in name")],
    role: Annotated[str, typer.Option("--role", help="auditor, lead or admin")] = "auditor",
    display_name: Annotated[str, typer.Option("--display-name", help="shown on the desk")] = "",
    password_stdin: StdinOption = False,
    db: DbOption = None,
) -> None:
    """Create a desk account (argon2id hash of the password)."""
    try:
        user = _desk(db).add_user(name, _password(password_stdin), role, display_name)
    except ValueError as e:
        _fail(e)
    out.print(f"user {user.username} ({user.role}) added", highlight=False)


@users_app.command("passwd")
def users_passwd(
    name: Annotated[str, typer.Argument(help="log-in name")],
    password_stdin: StdinOption = False,
    db: DbOption = None,
) -> None:
    """Set a new password (the user's sessions end)."""
    try:
        _desk(db).set_password(name, _password(password_stdin))
    except ValueError as e:
        _fail(e)
    out.print(f"password of {name} changed", highlight=False)


@users_app.command("disable")
def users_disable(name: Annotated[str, typer.Argument(help="log-in name")], db: DbOption = None) -> None:
    """Block a user from logging in (their sessions end at once)."""
    try:
        _desk(db).set_disabled(name, True)
    except ValueError as e:
        _fail(e)
    out.print(f"user {name} disabled", highlight=False)


@users_app.command("enable")
def users_enable(name: Annotated[str, typer.Argument(help="log-in name")], db: DbOption = None) -> None:
    """Allow a disabled user to log in again."""
    try:
        _desk(db).set_disabled(name, False)
    except ValueError as e:
        _fail(e)
    out.print(f"user {name} enabled", highlight=False)


@users_app.command("list")
def users_list(db: DbOption = None) -> None:
    """Users, roles, and whether they are disabled."""
    for u in _desk(db).list_users():
        out.print(
            f"{u.username}\t{u.role}\t{'disabled' if u.disabled else 'active'}\t{u.display_name}",
            highlight=False,
        )


def expected_of(report: dict[str, Any], review: Any, verdicts: dict[int, Any], sid: str) -> dict[str, Any]:
    """``expected.json`` of a reviewed case: the decision the auditor took; flags they confirmed are
    ``must``, flags they called false alarms are ``must_not`` (unless also confirmed elsewhere in the
    case); flags without a verdict are ``allow``."""
    codes = [str(f.get("code")) for f in report.get("flags") or []]
    confirmed = {codes[i] for i, v in verdicts.items() if v.verdict == "confirmed" and i < len(codes)}
    false_alarm = {codes[i] for i, v in verdicts.items() if v.verdict == "false_alarm" and i < len(codes)}
    unjudged = {c for i, c in enumerate(codes) if i not in verdicts}
    return {
        "decision": DECISION_OF_STATE[review.state],
        "must": sorted(confirmed),
        "must_not": sorted(false_alarm - confirmed),
        "allow": sorted(unjudged - confirmed - false_alarm),
        "key": "desk",
        "note": f"reviewed on the desk: {review.state} by {review.decided_by_name}",
        "materials": {},  # the desk records no ground-truth fields; the evaluation scores decisions and flags
        "desk": {
            "submission": sid,
            "state": review.state,
            "decided_by": review.decided_by_name,
            "decided_at": review.decided_at.isoformat() + "Z" if review.decided_at else None,
            "message": review.message,
            "verdicts": [
                {"flag": i, "code": v.flag_code, "verdict": v.verdict, "note": v.note, "by": v.username}
                for i, v in sorted(verdicts.items())
            ],
        },
    }


@desk_app.command("export-labels")
def export_labels(
    dest: Annotated[
        Path, typer.Argument(help="folder to write the labelled cases into (created, owner-only)")
    ],
    db: DbOption = None,
) -> None:
    """Reviewed cases as labelled cases (case folder + expected.json) for ``intake evaluate``."""
    from pipeline.app.desk.previews import PreviewError, read_original

    settings = get_settings()
    desk = _desk(db)
    dest.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.chmod(dest, 0o700)
    written = skipped = 0
    seen: set[str] = set()
    for sub, review, verdicts in desk.reviewed():
        report = sub.report or {}
        name = "".join(c if c.isalnum() or c in "-_." else "_" for c in (sub.case_id or sub.id))
        if name in seen or (dest / name).exists():
            name = f"{name}__{sub.id}"
        seen.add(name)
        folder = dest / name
        try:
            files = {"case.json": read_original(settings, sub.location, "case.json")}
            for m in report.get("materials") or []:
                f = str(m.get("file"))
                try:
                    files[f] = read_original(settings, sub.location, f)
                except PreviewError:
                    pass  # a material that never arrived stays missing, as it was
        except PreviewError as e:
            err.print(f"skipped {sub.case_id}: {e}", markup=False, highlight=False)
            skipped += 1
            continue
        folder.mkdir(mode=0o700)
        for f, data in files.items():
            (folder / f).write_bytes(data)
        expected = expected_of(report, review, verdicts, sub.id)
        (folder / "expected.json").write_text(
            json.dumps(expected, ensure_ascii=False, indent=2), encoding="utf-8"
        )
        written += 1
    out.print(f"{written} labelled case(s) written to {dest}" + (f", {skipped} skipped" if skipped else ""))


@desk_app.command("demo")
def demo(
    reports: Annotated[
        Path | None,
        typer.Option(
            "--reports", help="JSON Lines of reports (intake batch --out); default: the stored test reports"
        ),
    ] = None,
    cases: Annotated[
        Path, typer.Option("--cases", help="where the reports' case folders are (by case_id)")
    ] = Path("samples/cases"),
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port.")] = 8000,
    serve: Annotated[bool, typer.Option("--serve/--no-serve", help="Serve the desk after loading.")] = True,
    enrollment: Annotated[
        str | None, typer.Option("--enrollment", help="Enrollment data shown beside the applicant.")
    ] = None,
) -> None:
    """Load reports into the case store, make a demo account, print it, and serve the desk."""
    from pipeline.stores.cases import open_cases
    from pipeline.stores.desk import DeskStore

    settings = get_settings()
    store = open_cases(settings)
    repo = Path(__file__).resolve().parents[3]
    rows: list[tuple[str, dict[str, Any]]] = []
    if reports is None:
        for line in (
            (repo / "tests" / "data" / "desk" / "reports.jsonl").read_text(encoding="utf-8").splitlines()
        ):
            row = json.loads(line)
            rows.append((str(repo / row["location"]), row["report"]))
    else:
        for line in reports.read_text(encoding="utf-8").splitlines():
            if line.strip():
                rep = json.loads(line)
                rows.append((str((cases / str(rep.get("case_id"))).resolve()), rep))
    known = {s for s in _known_case_ids(store)}
    n = 0
    for loc, rep in rows:
        if rep.get("case_id") in known:
            continue
        store.record_report(rep, location=loc, source="batch", batch="demo")
        n += 1
    desk = DeskStore(store)
    password = secrets.token_urlsafe(12)
    user = f"demo-{secrets.token_hex(2)}"
    desk.add_user(user, password, "lead", "Demo Lead")
    out.print(f"{n} report(s) recorded; {len(rows) - n} already there", highlight=False)
    out.print(f"desk:     http://{host}:{port}/desk", highlight=False)
    out.print(f"user:     {user}", highlight=False)
    out.print(f"password: {password}", highlight=False)
    if not serve:
        return
    import uvicorn

    from pipeline.app.api import create_app

    uvicorn.run(create_app(settings, enrollment=enrollment), host=host, port=port, log_level="warning")


def _known_case_ids(store: Any) -> list[str]:
    from sqlalchemy import select

    from pipeline.stores.cases import SubmissionRow

    with store.engine.connect() as conn:
        return [
            r[0]
            for r in conn.execute(select(SubmissionRow.case_id).where(SubmissionRow.case_id.is_not(None)))
        ]


def register(app: typer.Typer) -> None:
    app.add_typer(users_app, name="users")
    app.add_typer(desk_app, name="desk")
