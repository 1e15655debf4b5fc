"""``intake clients …``: API clients of the portal API (keys stored hashed in the case store).

* ``intake clients add NAME [--scope submit --scope read] [--callback-url URL] [--json]``: prints the
  new client's id, its API key and its callback signing secret, once; only the key's hash is kept. The
  callback URL must point to a public host unless ``INTAKE_API_CALLBACK_ALLOW`` allows it.
* ``intake clients revoke CLIENT_ID``: the key stops working at once.
* ``intake clients list [--json]``: id, name, key prefix, scopes, callback URL, created, revoked.

``--db URL`` selects a case store other than the configured one (``INTAKE_CASES_URL`` or the embedded
SQLite under ``INTAKE_HOME``).
"""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.console import Console

from pipeline.config import get_settings

out = Console()
err = Console(stderr=True)

clients_app = typer.Typer(help="API clients of the portal API: add, revoke, list.", no_args_is_help=True)

DbOption = Annotated[str | None, typer.Option("--db", help="Case store URL (sqlite:///…, postgresql://…).")]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON.")]


def _store(db: str | None):  # type: ignore[no-untyped-def]
    from pipeline.stores.cases import CaseStore, open_cases

    if db is not None:
        if "://" not in db:
            err.print("error: --db takes a database URL (sqlite:///… or postgresql://…)", highlight=False)
            raise typer.Exit(2)
        return CaseStore(db)
    return open_cases(get_settings())


@clients_app.command("add")
def add(
    name: Annotated[str, typer.Argument(help="who the client is, e.g. portal-prod")],
    scope: Annotated[
        list[str] | None,
        typer.Option("--scope", help="submit, read or admin (reads every client's submissions); repeatable."),
    ] = None,
    callback_url: Annotated[
        str | None, typer.Option("--callback-url", help="http(s) URL notified when a submission is done.")
    ] = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Create a client; prints its API key and callback secret once (store them now)."""
    if callback_url is not None:
        from pipeline.app.api.callbacks import CallbackPolicy, CallbackRefused

        policy = CallbackPolicy.parse(get_settings().api_callback_allow)  # a bad entry: exit 3
        try:
            policy.check_registration(callback_url)
        except CallbackRefused as e:
            err.print(f"error: --callback-url {e}", highlight=False, markup=False, soft_wrap=True)
            raise typer.Exit(2) from None
    try:
        client, key, secret = _store(db).add_client(name, scope or ["submit", "read"], callback_url)
    except ValueError as e:
        err.print(f"error: {e}", highlight=False, markup=False)
        raise typer.Exit(2) from None
    if as_json:
        typer.echo(json.dumps({**client.public(), "api_key": key, "callback_secret": secret}))
        return
    typer.echo(f"client:          {client.id} ({client.name})")
    typer.echo(f"scopes:          {' '.join(sorted(client.scopes))}")
    typer.echo(f"api key:         {key}")
    typer.echo(f"callback secret: {secret}")
    err.print("the key and the secret are shown once; only the key's hash is stored", highlight=False)


@clients_app.command("revoke")
def revoke(
    client_id: Annotated[str, typer.Argument(help="the client id (cl_…)")], db: DbOption = None
) -> None:
    """Revoke a client's key (exit 1 when no such active client)."""
    if not _store(db).revoke_client(client_id):
        err.print(f"no active client {client_id}", highlight=False, markup=False)
        raise typer.Exit(1)
    typer.echo(f"revoked {client_id}")


@clients_app.command("list")
def list_(db: DbOption = None, as_json: JsonOption = False) -> None:
    """Every client (never a key or a secret)."""
    clients = [c.public() for c in _store(db).list_clients()]
    if as_json:
        typer.echo(json.dumps(clients))
        return
    for c in clients:
        typer.echo(
            f"{c['id']}\t{c['name']}\t{c['key_prefix']}…\t{','.join(c['scopes'])}"
            f"\tcallback={c['callback_url'] or '-'}\tcreated={c['created_at']}"
            f"\t{'REVOKED ' + c['revoked_at'] if c['revoked_at'] else 'active'}"
        )


def register(app: typer.Typer) -> None:
    app.add_typer(clients_app, name="clients")
