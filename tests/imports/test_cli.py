"""``fundtrack import`` and ``fundtrack export-journal`` from the command line."""

from __future__ import annotations

import re

import pytest

from fundtrack import get_db
from fundtrack.ledger.statements import parse_statement
from fundtrack.services.demo import load_demo

GOOD = [
    ["2026-10-10", "投资", "SF-DIGITAL", "CO-SUANLI", "1,000,000", "CNY", "T-1", ""],
    ["2026-10-11", "回款", "CO-SUANLI", "SF-DIGITAL", "25万", "", "", ""],
]


@pytest.fixture
def demo_app(app):
    load_demo(get_db(app), progress=lambda _m: None)
    return app


def test_import_prints_counts_and_is_idempotent(demo_app, runner, csv_of, tmp_path):
    path = tmp_path / "gp.csv"
    path.write_bytes(csv_of(GOOD))
    dry = runner.invoke(args=["import", str(path), "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "dry run: 2 new, 0 duplicates" in dry.output
    first = runner.invoke(args=["import", str(path)])
    assert first.exit_code == 0, first.output
    assert "2 new, 0 duplicates" in first.output
    assert "read 2 rows" in first.output
    assert "written 2 rows" in first.output
    second = runner.invoke(args=["import", str(path)])
    assert "0 new, 2 duplicates" in second.output
    batch = re.search(r"batch #(\d+)", first.output).group(1)
    undone = runner.invoke(args=["import", "--reverse", batch, "--date", "2026-10-20"])
    assert undone.exit_code == 0, undone.output
    assert "2 entries" in undone.output


def test_bad_rows_listed_with_line_and_field(demo_app, runner, csv_of, tmp_path):
    path = tmp_path / "bad.csv"
    bad = [GOOD[0], ["2026-10-12", "投资", "SF-DIGITAL", "CO-SUANLI", "(100)", "CNY", "T-2", ""]]
    path.write_bytes(csv_of([*bad, ["2026-99-01", *GOOD[0][1:6], "T-3", ""]]))
    result = runner.invoke(args=["import", str(path)])
    assert result.exit_code == 1
    assert "line 3, amount:" in result.output
    assert "line 4, date:" in result.output
    assert "nothing imported" in result.output
    again = runner.invoke(args=["import", str(path), "--dry-run"])
    assert again.exit_code == 1


def test_size_limit_option(demo_app, runner, csv_of, tmp_path):
    path = tmp_path / "big.csv"
    path.write_bytes(csv_of(GOOD) + b"\n" * (1024 * 1024))
    result = runner.invoke(args=["import", str(path), "--max-mb", "1"])
    assert result.exit_code == 1
    assert "the limit is 1 MB" in result.output


def test_export_journal_round_trip(demo_app, runner, tmp_path):
    out = tmp_path / "journal.csv"
    exported = runner.invoke(args=["export-journal", "--out", str(out)])
    assert exported.exit_code == 0, exported.output
    count = int(re.search(r"([\d,]+) journal entries", exported.output).group(1).replace(",", ""))
    assert count > 0
    result = runner.invoke(args=["import", str(out)])
    assert result.exit_code == 0, result.output
    assert f"0 new, {count:,} duplicates" in result.output


def test_reading_progress_every_ten_thousand_rows(csv_of):
    rows = [["2026-10-10", "investment", "A", "B", "1", "CNY", f"R{i}", ""] for i in range(20_001)]
    seen = []
    parse_statement("big.csv", csv_of(rows), progress=lambda stage, n: seen.append((stage, n)))
    assert seen == [("read", 10_000), ("read", 20_000), ("read", 20_001)]
