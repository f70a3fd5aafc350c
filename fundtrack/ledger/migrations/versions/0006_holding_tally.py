"""The present state of the holdings, kept by the database: ``holding_tally``, ``valuation_latest``.

``holding_tally`` holds, per (sub-fund, company), the fund's invested and proceeds
and the number of live entries between the two, as ``frames.holdings`` sums them from
``flow_tally``. Triggers on ``flow_tally`` fold every change of a key between a
sub-fund and a company into its pair (an insert adds the key's amount and count, an
update the difference), so every way into the journal keeps it, whatever keeps
``flow_tally``. The key's kind decides the column, its direction the sign:

- ``investment``: invested = the amount from the sub-fund to the company, less any
  the other way;
- ``proceeds``: proceeds = the amount from the company to the sub-fund, less any the
  other way;
- any kind: the count of live entries (a pair with none left is not held).

``valuation_latest`` holds, per (holder, company), the latest valuation by date then
id, with its date and value. A new valuation moves the pointer when it is later; an
update or delete (the application makes neither) recomputes the pair from the
valuations left.

A dashboard at today's date then reads both tables instead of grouping the totals
and seeking each pair's latest valuation (``frames.holdings``).

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

import fundtrack.ledger.money

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

#: (sign of a key from the company to the sub-fund, the other way) per column.
_SIDE = """
    CASE WHEN s.kind = 'company' AND d.kind = 'subfund' THEN 1
         WHEN s.kind = 'subfund' AND d.kind = 'company' THEN -1 END
"""

BACKFILL_HOLDINGS = f"""
    INSERT INTO holding_tally (fund_id, company_id, invested, proceeds, flows)
    SELECT CASE WHEN s.kind = 'company' THEN t.to_id ELSE t.from_id END,
           CASE WHEN s.kind = 'company' THEN t.from_id ELSE t.to_id END,
           SUM(CASE WHEN t.kind = 'investment' THEN -t.amount_cny * {_SIDE} ELSE 0 END),
           SUM(CASE WHEN t.kind = 'proceeds' THEN t.amount_cny * {_SIDE} ELSE 0 END),
           SUM(t.flows)
    FROM flow_tally AS t
    JOIN entity AS s ON s.id = t.from_id
    JOIN entity AS d ON d.id = t.to_id
    WHERE {_SIDE} IS NOT NULL
    GROUP BY 1, 2
"""

BACKFILL_LATEST = """
    INSERT INTO valuation_latest (holder_id, entity_id, valuation_id, date, value_cny)
    SELECT v.holder_id, v.entity_id, v.id, v.date, v.value_cny
    FROM valuation AS v
    WHERE v.holder_id IS NOT NULL
      AND NOT EXISTS (
          SELECT 1 FROM valuation AS w
          WHERE w.holder_id = v.holder_id AND w.entity_id = v.entity_id
            AND (w.date > v.date OR (w.date = v.date AND w.id > v.id))
      )
"""


def _fold(amount: str, flows: str) -> str:
    """The upsert adding a flow_tally key's change (``amount``, ``flows``: SQL of NEW,
    or NEW less OLD) to its pair; nothing for a key of any other pair of kinds."""
    return f"""
        INSERT INTO holding_tally (fund_id, company_id, invested, proceeds, flows)
        SELECT CASE WHEN s.kind = 'company' THEN NEW.to_id ELSE NEW.from_id END,
               CASE WHEN s.kind = 'company' THEN NEW.from_id ELSE NEW.to_id END,
               CASE WHEN NEW.kind = 'investment' THEN -({amount}) * {_SIDE} ELSE 0 END,
               CASE WHEN NEW.kind = 'proceeds' THEN ({amount}) * {_SIDE} ELSE 0 END,
               {flows}
        FROM entity AS s, entity AS d
        WHERE s.id = NEW.from_id AND d.id = NEW.to_id AND {_SIDE} IS NOT NULL
        ON CONFLICT (fund_id, company_id) DO UPDATE SET
            invested = holding_tally.invested + excluded.invested,
            proceeds = holding_tally.proceeds + excluded.proceeds,
            flows = holding_tally.flows + excluded.flows
    """


def _recompute(row: str) -> str:
    """Statements setting the latest valuation of ``row``'s (holder, company) afresh."""
    return f"""
        DELETE FROM valuation_latest
        WHERE holder_id = {row}.holder_id AND entity_id = {row}.entity_id;
        INSERT INTO valuation_latest (holder_id, entity_id, valuation_id, date, value_cny)
        SELECT v.holder_id, v.entity_id, v.id, v.date, v.value_cny
        FROM valuation AS v
        WHERE v.holder_id = {row}.holder_id AND v.entity_id = {row}.entity_id
        ORDER BY v.date DESC, v.id DESC
        LIMIT 1;
    """


#: A new valuation moves its pair's pointer when it is the later one.
_ADVANCE = """
    ON CONFLICT (holder_id, entity_id) DO UPDATE SET
        valuation_id = excluded.valuation_id,
        date = excluded.date,
        value_cny = excluded.value_cny
    WHERE excluded.date > valuation_latest.date
       OR (excluded.date = valuation_latest.date
           AND excluded.valuation_id > valuation_latest.valuation_id)
"""

SQLITE_TRIGGERS = (
    f"""
    CREATE TRIGGER holding_tally_insert AFTER INSERT ON flow_tally
    BEGIN {_fold("NEW.amount_cny", "NEW.flows")}; END
    """,
    f"""
    CREATE TRIGGER holding_tally_update AFTER UPDATE ON flow_tally
    BEGIN {_fold("NEW.amount_cny - OLD.amount_cny", "NEW.flows - OLD.flows")}; END
    """,
    f"""
    CREATE TRIGGER valuation_latest_insert AFTER INSERT ON valuation
    WHEN NEW.holder_id IS NOT NULL
    BEGIN
        INSERT INTO valuation_latest (holder_id, entity_id, valuation_id, date, value_cny)
        VALUES (NEW.holder_id, NEW.entity_id, NEW.id, NEW.date, NEW.value_cny)
        {_ADVANCE};
    END
    """,
    f"""
    CREATE TRIGGER valuation_latest_update AFTER UPDATE ON valuation
    BEGIN {_recompute("OLD")} {_recompute("NEW")} END
    """,
    f"""
    CREATE TRIGGER valuation_latest_delete AFTER DELETE ON valuation
    BEGIN {_recompute("OLD")} END
    """,
)

# Row triggers on flow_tally: its own statement trigger changes a few thousand keys for
# a 100,000-row COPY, each folded into its pair by one indexed upsert.
POSTGRES_STATEMENTS = (
    f"""
    CREATE FUNCTION holding_tally_fold() RETURNS trigger AS $$
    BEGIN
        IF TG_OP = 'INSERT' THEN
            {_fold("NEW.amount_cny", "NEW.flows")};
        ELSE
            {_fold("NEW.amount_cny - OLD.amount_cny", "NEW.flows - OLD.flows")};
        END IF;
        RETURN NULL;
    END
    $$ LANGUAGE plpgsql
    """,
    """
    CREATE TRIGGER holding_tally_change AFTER INSERT OR UPDATE ON flow_tally
    FOR EACH ROW EXECUTE FUNCTION holding_tally_fold()
    """,
    f"""
    CREATE FUNCTION valuation_latest_after_insert() RETURNS trigger AS $$
    BEGIN
        INSERT INTO valuation_latest (holder_id, entity_id, valuation_id, date, value_cny)
        SELECT DISTINCT ON (n.holder_id, n.entity_id)
               n.holder_id, n.entity_id, n.id, n.date, n.value_cny
        FROM new_rows AS n
        WHERE n.holder_id IS NOT NULL
        ORDER BY n.holder_id, n.entity_id, n.date DESC, n.id DESC
        {_ADVANCE};
        RETURN NULL;
    END
    $$ LANGUAGE plpgsql
    """,
    """
    CREATE TRIGGER valuation_latest_insert AFTER INSERT ON valuation
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION valuation_latest_after_insert()
    """,
    f"""
    CREATE FUNCTION valuation_latest_recompute() RETURNS trigger AS $$
    BEGIN
        {_recompute("OLD")}
        IF TG_OP = 'UPDATE' THEN
            {_recompute("NEW")}
        END IF;
        RETURN NULL;
    END
    $$ LANGUAGE plpgsql
    """,
    """
    CREATE TRIGGER valuation_latest_change AFTER UPDATE OR DELETE ON valuation
    FOR EACH ROW EXECUTE FUNCTION valuation_latest_recompute()
    """,
)


def upgrade() -> None:
    op.create_table(
        "holding_tally",
        sa.Column("fund_id", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("invested", fundtrack.ledger.money.Money(), nullable=False),
        sa.Column("proceeds", fundtrack.ledger.money.Money(), nullable=False),
        sa.Column("flows", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["fund_id"], ["entity.id"]),
        sa.ForeignKeyConstraint(["company_id"], ["entity.id"]),
        sa.PrimaryKeyConstraint("fund_id", "company_id"),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "valuation_latest",
        sa.Column("holder_id", sa.Integer(), nullable=False),
        sa.Column("entity_id", sa.Integer(), nullable=False),
        sa.Column("valuation_id", sa.Integer(), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("value_cny", fundtrack.ledger.money.Money(), nullable=False),
        sa.ForeignKeyConstraint(["holder_id"], ["entity.id"]),
        sa.ForeignKeyConstraint(["entity_id"], ["entity.id"]),
        sa.PrimaryKeyConstraint("holder_id", "entity_id"),
        sqlite_with_rowid=False,
    )
    # Triggers first, as in 0005: on PostgreSQL creating them locks out writers until the
    # migration commits, so nothing slips in between the backfill and the triggers.
    if op.get_bind().dialect.name == "postgresql":
        for statement in POSTGRES_STATEMENTS:
            op.execute(statement)
    else:
        for trigger in SQLITE_TRIGGERS:
            op.execute(trigger)
    op.execute(BACKFILL_HOLDINGS)
    op.execute(BACKFILL_LATEST)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER holding_tally_change ON flow_tally")
        op.execute("DROP FUNCTION holding_tally_fold()")
        op.execute("DROP TRIGGER valuation_latest_insert ON valuation")
        op.execute("DROP FUNCTION valuation_latest_after_insert()")
        op.execute("DROP TRIGGER valuation_latest_change ON valuation")
        op.execute("DROP FUNCTION valuation_latest_recompute()")
    else:
        for name in (
            "holding_tally_insert",
            "holding_tally_update",
            "valuation_latest_insert",
            "valuation_latest_update",
            "valuation_latest_delete",
        ):
            op.execute(f"DROP TRIGGER {name}")
    op.drop_table("valuation_latest")
    op.drop_table("holding_tally")
