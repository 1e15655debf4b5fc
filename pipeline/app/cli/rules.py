"""``intake rules [SERVICE] [--region R]``: the service rules of a region, as rich tables."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from pipeline.codes import DOC_NAMES
from validators.support.rules import (
    Requirement,
    RulesError,
    RuleSet,
    ServiceRule,
    available_regions,
    load_rules,
)

out = Console()


def _cond(c: Mapping[str, object] | None) -> str:
    return ", ".join(f"{k}={v}" for k, v in (c or {}).items())


def _alternatives(r: Requirement) -> str:
    parts = [f"{DOC_NAMES[t]} ({t.value})" for t in r.any_of]
    parts += [f"“{k}”" for k in r.keywords]
    if not r.checked:
        return "[dim]（不自动核验）[/]"
    return " 或 ".join(parts)


def _time(s: ServiceRule) -> str:
    return "；".join(t.text() for t in s.time_limits)


def _summary(rs: RuleSet) -> Table:
    t = Table(title=f"{rs.name}（{rs.region}）办事事项 — {len(rs.services)} 项", show_lines=False)
    t.add_column("#", justify="right")
    t.add_column("service", no_wrap=True)
    t.add_column("事项")
    t.add_column("材料", justify="right")
    t.add_column("条件材料", justify="right")
    t.add_column("办理时限")
    for s in sorted(rs.services.values(), key=lambda s: s.number):
        reqs = rs.requirements_of(s.code)
        t.add_row(
            str(s.number),
            s.code.value,
            s.item,
            str(sum(1 for r in reqs if not r.when)),
            str(sum(1 for r in reqs if r.when)),
            _time(s),
        )
    return t


def _detail(rs: RuleSet, s: ServiceRule) -> list[Table | str]:
    head = (
        f"[bold]（{s.number}）{s.item}[/]  [cyan]{s.code.value}[/]  region [cyan]{rs.region}[/]\n"
        f"受理对象：{s.applicants}\n办理时限：{_time(s)}\n办理环节：{'—'.join(s.steps)}\n"
        f"办理方式：{'、'.join(s.channels)}"
    )
    t = Table(title="办理材料", show_lines=True)
    t.add_column("id", no_wrap=True)
    t.add_column("材料")
    t.add_column("可用材料（任选其一）")
    t.add_column("条件")
    for r in rs.requirements_of(s.code):
        cond = []
        if r.when:
            cond.append(f"当 {_cond(r.when)}")
        cond += [f"除非 {_cond(c)}" for c in r.unless_conditions]
        if r.sealed:
            cond.append("须加盖公章")
        t.add_row(r.id, r.name + (f"\n[dim]{r.note}[/]" if r.note else ""), _alternatives(r), "\n".join(cond))
    parts: list[Table | str] = [head, t]
    if s.notes:
        parts.append("注：\n" + "\n".join(f"  · {n}" for n in s.notes))
    return parts


def _policy(rs: RuleSet) -> Table:
    t = Table(title=f"{rs.name} 区域政策")
    t.add_column("key")
    t.add_column("value")
    for k, v in rs.policy.model_dump().items():
        t.add_row(k, str(v))
    return t


def _keys(rs: RuleSet) -> Table:
    t = Table(title="case.filing keys used by the rules")
    t.add_column("key")
    t.add_column("type")
    t.add_column("values")
    t.add_column("meaning")
    for k, spec in rs.filing_keys.items():
        t.add_row(k, spec.type, ", ".join(spec.values or []), spec.description)
    return t


def rules_command(
    service: Annotated[str | None, typer.Argument(help="a service code, e.g. remote.referral")] = None,
    region: Annotated[str, typer.Option("--region", "-r", help="policy region")] = "xinjiang",
    keys: Annotated[bool, typer.Option("--keys", help="list the case.filing keys the rules use")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="print the rules as JSON")] = False,
) -> None:
    """Show the service rules (materials, alternatives, conditions, time limits, channels) of a region."""
    try:
        rs = load_rules(region)
    except RulesError as e:
        Console(stderr=True).print(f"[red]{e}[/]")
        raise typer.Exit(2) from None
    if service is not None and service not in {c.value for c in rs.services}:
        Console(stderr=True).print(
            f"[red]unknown service {service!r}[/]; known: {', '.join(c.value for c in rs.services)}"
        )
        raise typer.Exit(2)
    if as_json:
        data = rs.model_dump(mode="json")
        if service is not None:
            data = {"region": rs.region, "policy": data["policy"], "service": data["services"][service]}
        typer.echo(json.dumps(data, ensure_ascii=False, indent=2))
        return
    if keys:
        out.print(_keys(rs))
        return
    if service is None:
        out.print(_summary(rs))
        out.print(_policy(rs))
        out.print(
            f"[dim]regions: {', '.join(available_regions())}; details: intake rules SERVICE --region R[/]"
        )
        return
    for part in _detail(rs, rs.service(service)):
        out.print(part)


def register(app: typer.Typer) -> None:
    app.command("rules")(rules_command)
