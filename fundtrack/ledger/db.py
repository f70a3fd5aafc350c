"""Connections: one ``Database`` per URL, with readers and serialised writers.

SQLite runs in WAL mode with a busy timeout, and a writer opens its transaction
with ``BEGIN IMMEDIATE`` so two writers queue instead of failing half-way. On
PostgreSQL writers serialise on the journal head row (see ``journal``).

A writer waits at most ``WRITE_WAIT_MS`` for the lock on either database (SQLite's
busy timeout, PostgreSQL's ``lock_timeout``); past that ``write()`` raises
``BusyError`` — a clear "busy, try again" with nothing written — instead of a
driver error that would surface as a server error. Likewise a write that fails
for lack of disk space (or a failing disk) raises ``StorageFullError`` after the
transaction rolled back.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from fundtrack.ledger.errors import BusyError, StorageFullError

#: How long a writer waits for another writer's lock before giving up (both databases).
WRITE_WAIT_MS = 15_000
#: PostgreSQL: lock_not_available, serialization_failure, deadlock_detected.
_PG_BUSY = {"55P03", "40001", "40P01"}
#: PostgreSQL class 53: insufficient resources (disk_full 53100, out of memory …).
_PG_FULL_CLASS = "53"


def _sqlite_setup(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        # Let SQLAlchemy emit BEGIN itself, so a writer can say IMMEDIATE.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={WRITE_WAIT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        writer = conn.get_execution_options().get("fundtrack_writer", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if writer else "BEGIN")


def make_engine(url: str) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": WRITE_WAIT_MS / 1000})
        _sqlite_setup(engine)
        return engine
    return create_engine(
        url, pool_pre_ping=True, connect_args={"options": f"-c lock_timeout={WRITE_WAIT_MS}"}
    )


def is_busy(error: DBAPIError) -> bool:
    """Did the statement fail only because another transaction held a lock too long?"""
    code = getattr(error.orig, "sqlstate", None)
    if code is not None:
        return code in _PG_BUSY
    name = getattr(error.orig, "sqlite_errorname", "") or ""
    return name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")) or "database is locked" in str(
        error.orig
    )


def is_storage_failure(error: DBAPIError) -> bool:
    """Did the database fail to write its files (disk full, file too large, I/O error)?"""
    code = getattr(error.orig, "sqlstate", None)
    if code is not None:
        return code.startswith(_PG_FULL_CLASS)
    name = getattr(error.orig, "sqlite_errorname", "") or ""
    return name.startswith(("SQLITE_FULL", "SQLITE_IOERR"))


#: What a bulk write (an import, the demo) fills: the journal, its running totals, valuations.
BULK_TABLES = ("transfer", "flow_tally", "holding_tally", "valuation", "valuation_latest")


def _identifier(name: str) -> str:
    if not name.isidentifier():
        raise ValueError(f"not a table name: {name!r}")
    return name


class Database:
    """The ledger's database: ``read()`` for queries, ``write()`` for one transaction."""

    def __init__(self, url: str):
        self.url = url
        self.engine = make_engine(url)
        self.dialect = self.engine.dialect.name
        self._reader = sessionmaker(self.engine, expire_on_commit=False)
        self._writer = sessionmaker(
            self.engine.execution_options(fundtrack_writer=True), expire_on_commit=False
        )

    @contextlib.contextmanager
    def read(self) -> Iterator[Session]:
        with self._reader() as session, session.begin():
            yield session

    @contextlib.contextmanager
    def write(self) -> Iterator[Session]:
        """One transaction: committed when the block ends, rolled back on any error.

        Waiting too long for another writer raises ``BusyError``, running out of disk
        ``StorageFullError`` (nothing written in either case).
        """
        try:
            with self._writer() as session, session.begin():
                yield session
        except DBAPIError as error:
            detail = str(error.orig).splitlines()[0][:200]
            if is_busy(error):
                raise BusyError(detail) from error
            if is_storage_failure(error):
                raise StorageFullError(detail) from error
            raise

    def refresh_statistics(self, tables: tuple[str, ...] = BULK_TABLES) -> None:
        """After a bulk write, let PostgreSQL's planner see the tables as they now are.

        Autovacuum analyses a table only after a pause and a share of it changed; until
        then a journal that grew from nothing to 100,000 entries is planned as it was
        (a dashboard then scans it whole, where an index answers). SQLite's statements
        are written for its planner without statistics, and get none.
        """
        if self.dialect != "postgresql":
            return
        with self.engine.connect() as connection:
            connection.exec_driver_sql("ANALYZE " + ", ".join(_identifier(t) for t in tables))
            connection.commit()

    def dispose(self) -> None:
        self.engine.dispose()
