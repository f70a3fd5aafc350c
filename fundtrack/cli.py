"""The command line: ``fundtrack …`` (also ``flask --app wsgi …``).

Each command reads its arguments, calls one service and prints what happened.
"""

from __future__ import annotations

import sys
import time

import click
from flask import Flask, current_app
from flask.cli import FlaskGroup, with_appcontext

from fundtrack.ledger.errors import LedgerError


def _db():
    from fundtrack import get_db

    return get_db(current_app)


def _fail(error: LedgerError) -> None:
    for problem in error.problems:
        click.echo(f"error: {problem}", err=True)
    sys.exit(1)


@click.command("init-db")
@with_appcontext
def init_db_command() -> None:
    """Create the database, or upgrade it to the current schema."""
    from fundtrack.services.database import init_database

    init_database(_db())
    click.echo(f"database ready: {_db().engine.url.render_as_string(hide_password=True)}")


@click.command("demo")
@click.option("--size", type=click.Choice(["small", "large"]), default="small", show_default=True)
@with_appcontext
def demo_command(size: str) -> None:
    """Create the database if needed and load the demo portfolio (idempotent)."""
    from fundtrack.services.database import init_database
    from fundtrack.services.demo import load_demo

    started = time.perf_counter()
    init_database(_db())
    try:
        summary = load_demo(_db(), size=size, progress=click.echo)
    except LedgerError as error:
        _fail(error)
    took = time.perf_counter() - started
    if summary.loaded:
        click.echo(f"demo portfolio ({size}) loaded: {summary.describe()} in {took:.1f} s")
    else:
        click.echo(f"demo portfolio ({size}) already loaded: nothing added")


@click.command("demo-users")
@with_appcontext
def demo_users_command() -> None:
    """Create an admin, a manager and a board account if the ledger has no users yet.

    The passwords are random; they are printed and kept in instance/demo-credentials.txt
    (readable only by its owner).
    """
    from pathlib import Path

    from fundtrack.services.accounts import ensure_demo_users

    created = ensure_demo_users(_db())
    path = Path(current_app.instance_path) / "demo-credentials.txt"
    if created:
        path.touch(mode=0o600)
        path.write_text("".join(f"{e}\t{r}\t{p}\n" for e, r, p in created), encoding="utf-8")
    if path.exists():
        click.echo(f"demo accounts (from {path}):")
        click.echo(path.read_text(encoding="utf-8").rstrip())
    else:
        click.echo("users exist already; use `fundtrack user create` for more")


@click.group("user")
def user_group() -> None:
    """Manage user accounts."""


@user_group.command("create")
@click.option("--email", required=True)
@click.option("--role", type=click.Choice(["admin", "manager", "board"]), required=True)
@click.option("--name", default=None)
@with_appcontext
def user_create_command(email: str, role: str, name: str | None) -> None:
    """Create a user; the password is read from standard input."""
    from fundtrack.services.accounts import create_user
    from fundtrack.services.database import init_database

    if sys.stdin.isatty():
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    else:
        password = sys.stdin.readline().rstrip("\r\n")
    init_database(_db())
    try:
        user = create_user(_db(), email=email, role=role, password=password, actor="cli", name=name)
    except LedgerError as error:
        _fail(error)
    click.echo(f"created {user.role} {user.email}")


@click.command("serve")
@click.option("--port", default=5000, show_default=True)
@click.option("--host", default="127.0.0.1", show_default=True)
@with_appcontext
def serve_command(port: int, host: str) -> None:
    """Run the web UI (for production, use gunicorn wsgi:app)."""
    from fundtrack.services.database import init_database

    init_database(_db())
    click.echo(f"fundtrack on http://{host}:{port}")
    current_app.run(host=host, port=port, debug=False, use_reloader=False, threaded=True)


COMMANDS = [init_db_command, demo_command, demo_users_command, user_group, serve_command]


def init_app(app: Flask) -> None:
    for command in COMMANDS:
        app.cli.add_command(command)


def _create_app() -> Flask:
    from fundtrack import create_app

    return create_app()


main = FlaskGroup(
    name="fundtrack",
    create_app=_create_app,
    add_default_commands=False,
    add_version_option=False,
    load_dotenv=False,
    set_debug_flag=False,
    help="fundtrack: ledger, analytics and board reports of a fund-of-funds.",
)
