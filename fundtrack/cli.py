"""The command line: ``fundtrack …`` (also ``flask --app wsgi …``).

Each command reads its arguments, calls one service and prints what happened.
"""

from __future__ import annotations

import os
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
    # Werkzeug directly: Flask's app.run() refuses to start under a CLI command.
    from werkzeug.serving import run_simple

    run_simple(host, port, current_app._get_current_object(), threaded=True)


@click.command("import")
@click.argument("path", required=False, type=click.Path(exists=True, dir_okay=False))
@click.option("--dry-run", is_flag=True, help="Show what would be added; write nothing.")
@click.option("--reverse", "batch_id", type=int, help="Reverse a committed batch instead.")
@click.option("--date", "day", type=click.DateTime(["%Y-%m-%d"]), help="Date of the reversal.")
@click.option("--max-mb", type=int, default=50, show_default=True, envvar="FUNDTRACK_IMPORT_MAX_MB")
@click.option(
    "--max-rows", type=int, default=200_000, show_default=True, envvar="FUNDTRACK_IMPORT_MAX_ROWS"
)
@click.option("--actor", default="cli", show_default=True, help="Recorded as the importer.")
@with_appcontext
def import_command(path, dry_run, batch_id, day, max_mb, max_rows, actor) -> None:
    """Import a statement (CSV/XLSX; kind read from its header), or reverse a batch."""
    from fundtrack.ledger.statements import Limits
    from fundtrack.services import imports

    if batch_id is not None:
        try:
            done = imports.reverse_batch(_db(), batch_id, actor, day.date() if day else None)
        except LedgerError as error:
            _fail(error)
        click.echo(f"batch #{batch_id} reversed: {done.reversed:,} entries")
        return
    if path is None:
        raise click.UsageError("give a PATH to import, or --reverse BATCH_ID")
    limits = Limits(max_bytes=max_mb * 1024 * 1024, max_rows=max_rows)
    name, data = os.path.basename(path), _read_limited(path, limits.max_bytes)
    started = time.perf_counter()
    if dry_run:
        preview = imports.preview_import(_db(), name, data, actor, limits=limits)
        _print_problems(preview.problems)
        click.echo(f"{preview.kind or 'unknown'} file, {preview.rows_read:,} rows read")
        click.echo(f"dry run: {preview.new:,} new, {preview.duplicates:,} duplicates")
        sys.exit(1 if preview.problems else 0)
    try:
        result = imports.commit_import(
            _db(), name, data, actor, progress=_progress(), limits=limits
        )
    except LedgerError as error:
        _print_problems(error.problems)
        click.echo(f"nothing imported: {len(error.problems):,} problems", err=True)
        sys.exit(1)
    took = time.perf_counter() - started
    click.echo(
        f"{result.new:,} new, {result.duplicates:,} duplicates "
        f"({result.kind}, batch #{result.batch_id}, {result.rows_read:,} rows in {took:.1f} s)"
    )


def _read_limited(path: str, max_bytes: int) -> bytes:
    with open(path, "rb") as handle:
        # One byte over the limit is enough for the service to refuse it with its message.
        return handle.read(max_bytes + 1)


def _print_problems(problems) -> None:
    for p in problems:
        where = f"line {p.row}, " if p.row is not None else ""
        click.echo(f"error: {where}{p.field}: {p.message}", err=True)


def _progress():
    """Progress on stderr, one line per step: rows read (every 10,000), validated, written."""

    def report(stage: str, count: int) -> None:
        click.echo(f"{stage} {count:,} rows", err=True)

    return report


@click.command("export-journal")
@click.option("--out", required=True, type=click.Path(dir_okay=False, writable=True))
@with_appcontext
def export_journal_command(out: str) -> None:
    """Write the journal as CSV in the import format (imports back as all duplicates)."""
    from fundtrack.services.exports import export_journal

    count = export_journal(_db(), out)
    click.echo(f"{count:,} journal entries written to {out}")


@click.command("export")
@click.option("--quarter", required=True, help="e.g. 2026Q3")
@click.option("--out", "out_path", required=True, type=click.Path(dir_okay=False, writable=True))
@click.option("--lang", type=click.Choice(["zh", "en"]), default="zh", show_default=True)
@with_appcontext
def export_command(quarter: str, out_path: str, lang: str) -> None:
    """Write the quarter's ILPA-style performance workbook (XLSX)."""
    from fundtrack.services.exports import export_workbook

    try:
        done = export_workbook(_db(), quarter, out_path, lang=lang)
    except LedgerError as error:
        _fail(error)
    except LookupError as error:
        click.echo(f"error: {error}", err=True)
        sys.exit(1)
    click.echo(
        f"wrote {out_path}: {done.quarter} as of {done.as_of.isoformat()} ({lang}), "
        f"{len(done.sheets)} sheets, {done.funds} funds, {done.flows:,} cash flows"
    )


@click.command("check")
@with_appcontext
def check_command() -> None:
    """Verify the ledger: hash chain, amounts, reversals, closed quarters, commitments, tallies."""
    from fundtrack.services.checks import run_checks

    report = run_checks(_db())
    for name, findings in report.findings.items():
        click.echo(f"{'ok  ' if not findings else 'FAIL'} {name}")
        for finding in findings:
            click.echo(f"     {finding}")
    if not report.ok:
        sys.exit(1)


@click.command("report")
@click.option("--quarter", required=True, help="e.g. 2026Q3")
@click.option("--lang", type=click.Choice(["zh", "en"]), default="zh", show_default=True)
@click.option("--out", "out_path", required=True, type=click.Path(dir_okay=False))
@click.option("--send", is_flag=True, help="Queue the PDF to every board member and send it.")
@with_appcontext
def report_command(quarter: str, lang: str, out_path: str, send: bool) -> None:
    """Write the quarterly board report as a PDF (and email it with --send)."""
    from fundtrack.reporting.outbox import MailSettings
    from fundtrack.reporting.render import RenderError
    from fundtrack.services.reports import build_report, queue_to_board, send_outbox

    try:
        result = build_report(_db(), quarter, lang, out_path, actor="cli", progress=click.echo)
    except LedgerError as error:
        _fail(error)
    except RenderError as error:
        click.echo(f"error: {error}", err=True)
        sys.exit(1)
    took = ", ".join(f"{step} {seconds:.1f} s" for step, seconds in result.timings.items())
    click.echo(f"wrote {result.path} ({result.pages} pages; {took})")
    if send:
        started = time.perf_counter()
        queued = queue_to_board(_db(), result.report_id)
        click.echo(f"sending to {len(queued)} board member(s) …")
        summary = send_outbox(_db(), MailSettings.from_config(current_app.config),
                              report_id=result.report_id)
        for line in summary.details:
            click.echo(f"  {line}")
        click.echo(f"{summary.describe()} in {time.perf_counter() - started:.1f} s")
        if summary.failed or summary.unknown:
            sys.exit(1)


@click.group("outbox")
def outbox_group() -> None:
    """The email outbox of board reports."""


@outbox_group.command("send")
@with_appcontext
def outbox_send_command() -> None:
    """Send every due message (retries included)."""
    from fundtrack.reporting.outbox import MailSettings
    from fundtrack.services.reports import send_outbox

    started = time.perf_counter()
    summary = send_outbox(_db(), MailSettings.from_config(current_app.config))
    for line in summary.details:
        click.echo(f"  {line}")
    click.echo(f"{summary.describe()} in {time.perf_counter() - started:.1f} s")


COMMANDS = [
    check_command,
    init_db_command,
    demo_command,
    demo_users_command,
    user_group,
    serve_command,
    import_command,
    export_journal_command,
    export_command,
    report_command,
    outbox_group,
]


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
