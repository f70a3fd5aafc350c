"""`fundtrack check` passes on a sound ledger and names what was changed behind its back."""

from __future__ import annotations

from fundtrack import get_db
from fundtrack.ledger.periods import close_quarter
from fundtrack.services.demo import load_demo


def _tamper(db, *statements):
    with db.engine.begin() as conn:
        if db.dialect == "postgresql":
            conn.exec_driver_sql("ALTER TABLE transfer DISABLE TRIGGER transfer_no_update")
        else:
            conn.exec_driver_sql("DROP TRIGGER transfer_no_update")
            conn.exec_driver_sql("DROP TRIGGER transfer_no_delete")
        for sql in statements:
            conn.exec_driver_sql(sql)
        if db.dialect == "postgresql":
            conn.exec_driver_sql("ALTER TABLE transfer ENABLE TRIGGER transfer_no_update")


def test_check_passes_on_the_demo(app, runner):
    load_demo(get_db(app), progress=lambda _m: None)
    result = runner.invoke(args=["check"])
    assert result.exit_code == 0, result.output
    assert "FAIL" not in result.output
    assert result.output.count("ok") == 8
    assert "ok   holdings kept" in result.output


def test_check_finds_an_edited_a_deleted_and_a_back_dated_entry(app, runner):
    db = get_db(app)
    load_demo(db, progress=lambda _m: None)
    with db.write() as s:
        close_quarter(s, "2025Q1", actor="admin")
    _tamper(
        db,
        "UPDATE transfer SET amount = '999.0000', amount_cny = '999.0000' WHERE id = 5",
        "DELETE FROM transfer WHERE id = 9",
        # Back-dated into the closed quarter after closing it:
        "UPDATE transfer SET date = '2025-02-01' WHERE id = 20",
    )
    result = runner.invoke(args=["check"])
    assert result.exit_code == 1
    out = result.output
    assert "FAIL hash chain" in out
    assert "transfer #5: its content no longer matches its hash" in out
    assert "transfer #10: chain broken before it (an entry was removed)" in out
    assert "transfer #20: its content no longer matches its hash" in out


def test_check_finds_an_overcall_made_in_sql(app, runner):
    db = get_db(app)
    load_demo(db, progress=lambda _m: None)
    # SQLite keeps thousandths of a yuan as integers, PostgreSQL a NUMERIC.
    huge = "9999999999000" if db.dialect == "sqlite" else "9999999999"
    _tamper(db, f"UPDATE transfer SET amount = {huge}, amount_cny = {huge} WHERE id = 1")
    result = runner.invoke(args=["check"])
    assert result.exit_code == 1
    assert "FAIL paid-in within commitment" in result.output
