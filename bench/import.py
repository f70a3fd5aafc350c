"""Benchmark: validate and import 100,000 transaction rows end to end (target: under 10 s).

Run: ``.venv/bin/python bench/import.py [--rows 100000] [--profile] [--postgres ADMIN_URL]``.
It builds a temporary SQLite database (or, with ``--postgres``, a scratch PostgreSQL
database created through ADMIN_URL and dropped afterwards) with a few sub-funds and
companies, writes a CSV of investments and proceeds between them, and times
``commit_import`` (parse, check against the ledger, post, record the batch), a
re-import (all duplicates) and the reversal of the whole batch.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import datetime as dt
import os
import pstats
import random
import tempfile
import time
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import make_url

from fundtrack.ledger.db import Database
from fundtrack.ledger.entities import add_entity
from fundtrack.services.database import init_database
from fundtrack.services.imports import commit_import, reverse_batch

TARGET_SECONDS = 10.0


def build(db: Database, funds: int = 4, companies: int = 400) -> tuple[list[str], list[str]]:
    fund_codes = [f"SF-B{i:02d}" for i in range(funds)]
    company_codes = [f"CO-B{i:04d}" for i in range(companies)]
    with db.write() as session:
        for code in fund_codes:
            add_entity(
                session,
                code=code,
                kind="subfund",
                name=f"基金 {code}",
                actor="bench",
                inception=dt.date(2020, 1, 1),
            )
        for code in company_codes:
            add_entity(session, code=code, kind="company", name=f"公司 {code}", actor="bench")
    return fund_codes, company_codes


def statement(rows: int, funds: list[str], companies: list[str]) -> bytes:
    rng = random.Random(7)
    lines = ["date,type,from,to,amount,currency,reference,memo"]
    start = dt.date(2021, 1, 1)
    for i in range(rows):
        fund, company = rng.choice(funds), rng.choice(companies)
        day = start + dt.timedelta(days=rng.randrange(2000))
        amount = Decimal(rng.randrange(10_000, 50_000_000)) / 100
        if i % 3:
            lines.append(f"{day},investment,{fund},{company},{amount},CNY,B-{i},第{i}笔投资")
        else:
            lines.append(f'{day},proceeds,{company},{fund},"{amount:,}",CNY,B-{i},退出回款')
    return ("\n".join(lines) + "\n").encode()


@contextlib.contextmanager
def scratch_database(admin_url: str | None, tmp: str) -> Iterator[str]:
    if admin_url is None:
        yield f"sqlite:///{Path(tmp) / 'bench.db'}"
        return
    name = f"fundtrack_bench_{os.getpid()}"
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--postgres", metavar="ADMIN_URL", help="bench on PostgreSQL instead")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, scratch_database(args.postgres, tmp) as url:
        db = Database(url)
        init_database(db)
        funds, companies = build(db)
        data = statement(args.rows, funds, companies)
        print(f"{args.rows:,} rows, {len(data) / 1e6:.1f} MB of CSV")
        profiler = cProfile.Profile() if args.profile else None
        started, cpu = time.perf_counter(), time.process_time()
        if profiler:
            profiler.enable()
        result = commit_import(db, "bench.csv", data, "bench")
        if profiler:
            profiler.disable()
        took, cpu = time.perf_counter() - started, time.process_time() - cpu
        assert result.new == args.rows, result
        print(
            f"import: {result.describe()} in {took:.2f} s = {args.rows / took:,.0f} rows/s "
            f"({'within' if took <= TARGET_SECONDS else 'OVER'} the {TARGET_SECONDS:.0f} s target)"
            f"; CPU time of this process {cpu:.2f} s (load on the machine does not inflate it)"
        )
        started = time.perf_counter()
        again = commit_import(db, "bench.csv", data, "bench")
        took = time.perf_counter() - started
        assert again.new == 0, again
        assert again.duplicates == args.rows, again
        print(f"re-import: {again.describe()} in {took:.2f} s = {args.rows / took:,.0f} rows/s")
        started = time.perf_counter()
        undone = reverse_batch(db, result.batch_id, "bench", dt.date(2026, 12, 31))
        took = time.perf_counter() - started
        assert undone.reversed == args.rows, undone
        print(f"reverse batch: {undone.reversed:,} entries in {took:.2f} s")
        db.dispose()
        if profiler:
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(30)


if __name__ == "__main__":
    main()
