"""Shared fixtures: every database test runs on SQLite and on PostgreSQL.

PostgreSQL comes from ``FUNDTRACK_TEST_POSTGRES`` (default: the local server on
127.0.0.1:5432, database ``test``). Each test run works in a database of its own,
created here and dropped at the end, so runs never see each other's rows. When
the variable is set explicitly (as CI does), an unreachable server fails the run
instead of skipping.
"""

from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa
from hypothesis import settings
from sqlalchemy.engine import make_url

from fundtrack.ledger.db import Database
from fundtrack.ledger.models import Base
from fundtrack.services.database import init_database

# CI replays the same generated examples on every run (a red CI lands nothing, so it must
# not depend on the draw); elsewhere hypothesis explores afresh each run, which is how
# new counterexamples are found, and keeps them in .hypothesis/ to replay.
settings.register_profile("ci", derandomize=True, database=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))

DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
BACKENDS = ["sqlite", "postgresql"]


def _pg_admin_url() -> str | None:
    return os.environ.get("FUNDTRACK_TEST_POSTGRES", DEFAULT_PG) or None


@pytest.fixture(scope="session")
def pg_url():
    """A fresh PostgreSQL database for this run, migrated to the current schema."""
    admin_url = _pg_admin_url()
    if admin_url is None:
        pytest.skip("FUNDTRACK_TEST_POSTGRES is empty: PostgreSQL tests not requested")
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
    except sa.exc.OperationalError as exc:
        if "FUNDTRACK_TEST_POSTGRES" in os.environ or os.environ.get("CI"):
            pytest.fail(f"PostgreSQL at {admin_url} is unreachable: {exc}")
        pytest.skip(f"no PostgreSQL at {admin_url}")
    name = f"fundtrack_test_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    db = Database(url)
    init_database(db)
    db.dispose()
    yield url
    with admin.connect() as conn:
        conn.execute(
            sa.text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = :name AND pid <> pg_backend_pid()"
            ),
            {"name": name},
        )
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}"'))
    admin.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> Path:
    """A migrated SQLite file that each test copies (faster than migrating every time)."""
    path = tmp_path_factory.mktemp("template") / "fundtrack.db"
    db = Database(f"sqlite:///{path}")
    init_database(db)
    db.dispose()
    return path


def _empty_postgres(url: str) -> Database:
    db = Database(url)
    tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    with db.engine.begin() as conn:
        conn.execute(sa.text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        conn.execute(
            sa.text("INSERT INTO journal_head (id, last_hash) VALUES (1, :h)"), {"h": "0" * 64}
        )
    return db


@pytest.fixture(params=BACKENDS)
def db_url(request, tmp_path, sqlite_template) -> str:
    """The URL of an empty, migrated database: once SQLite, once PostgreSQL."""
    if request.param == "sqlite":
        path = tmp_path / "fundtrack.db"
        shutil.copy(sqlite_template, path)
        return f"sqlite:///{path}"
    url = request.getfixturevalue("pg_url")
    _empty_postgres(url).dispose()
    return url


@pytest.fixture
def db(db_url) -> Database:
    database = Database(db_url)
    yield database
    database.dispose()


@pytest.fixture
def app(db_url, tmp_path):
    from fundtrack import create_app

    app = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": db_url,
            "SECRET_KEY": "test-secret-" + uuid.uuid4().hex,
            "REPORTS_DIR": str(tmp_path / "reports"),
        }
    )
    yield app
    app.extensions["fundtrack.db"].dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture(scope="session")
def sqlite_demo_template(sqlite_template, tmp_path_factory) -> Path:
    """A SQLite file holding the small demo, loaded once per run and copied by each test."""
    from fundtrack.services.demo import load_demo

    path = tmp_path_factory.mktemp("demo-template") / "demo.db"
    shutil.copy(sqlite_template, path)
    db = Database(f"sqlite:///{path}")
    load_demo(db, progress=lambda _msg: None)
    with db.engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    db.dispose()
    return path


@pytest.fixture
def demo_db(request, db, db_url) -> Database:
    """A database holding the small demo portfolio (on SQLite, a copy of one loaded once)."""
    from fundtrack.services.demo import load_demo

    if db.dialect == "sqlite":
        # Nothing has connected to the test's file yet: replace it by the loaded demo.
        template = request.getfixturevalue("sqlite_demo_template")
        db.dispose()
        shutil.copy(template, make_url(db_url).database)
    else:
        load_demo(db, progress=lambda _msg: None)
    return db
