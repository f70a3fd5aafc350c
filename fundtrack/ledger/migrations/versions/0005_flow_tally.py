"""Running totals of the journal per (from, to, kind), kept by the database; a covering index.

``flow_tally`` holds, for every (from_id, to_id, kind), the sum of ``amount_cny``
and the number of the journal's live entries (neither reversed nor a reversal,
as the analytics count them). Triggers on ``transfer`` keep it, so every way in
(ORM add, executemany, PostgreSQL COPY) updates it in the same transaction:

- an entry adds its amount and 1 to its key, unless a reversal of it is already
  in the journal (only possible when both arrive in one statement);
- a reversal takes the amount and 1 of the ORIGINAL entry off the original's key,
  unless the original is itself a reversal (never counted; the application
  refuses that anyway) or is not in the journal yet (then it is never counted).

On SQLite these are row triggers; they add ~1 s to a 100,000-row import, most of
it what any trigger on the table costs there (a no-op one measured about the same).
On PostgreSQL one statement-level trigger reads the statement's rows as a
transition table and applies them set-based, so a 100,000-row COPY costs one
aggregate (~0.15 s), not 100,000 row upserts.

``ix_valuation_latest`` lets "the latest valuation per (holder, company) on or
before a date" be answered from the index alone.

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

import fundtrack.ledger.money

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

# What the table holds, for the backfill: the live entries of the journal, grouped.
BACKFILL = """
    INSERT INTO flow_tally (from_id, to_id, kind, amount_cny, flows)
    SELECT t.from_id, t.to_id, t.kind, SUM(t.amount_cny), COUNT(*)
    FROM transfer AS t
    WHERE t.reverses_id IS NULL
      AND NOT EXISTS (SELECT 1 FROM transfer AS r WHERE r.reverses_id = t.id)
    GROUP BY t.from_id, t.to_id, t.kind
"""

SQLITE_TRIGGERS = (
    # An entry: +amount, +1 on its key (SQLite's sums of integer thousandths are exact).
    """
    CREATE TRIGGER flow_tally_entry AFTER INSERT ON transfer
    WHEN NEW.reverses_id IS NULL
     AND NOT EXISTS (SELECT 1 FROM transfer AS r WHERE r.reverses_id = NEW.id)
    BEGIN
        INSERT INTO flow_tally (from_id, to_id, kind, amount_cny, flows)
        VALUES (NEW.from_id, NEW.to_id, NEW.kind, NEW.amount_cny, 1)
        ON CONFLICT (from_id, to_id, kind) DO UPDATE SET
            amount_cny = amount_cny + excluded.amount_cny,
            flows = flows + 1;
    END
    """,
    # A reversal: the original's amount and 1 off the original's key.
    """
    CREATE TRIGGER flow_tally_reversal AFTER INSERT ON transfer
    WHEN NEW.reverses_id IS NOT NULL
    BEGIN
        UPDATE flow_tally
        SET amount_cny = amount_cny
                - (SELECT o.amount_cny FROM transfer AS o WHERE o.id = NEW.reverses_id),
            flows = flows - 1
        WHERE (from_id, to_id, kind) = (
            SELECT o.from_id, o.to_id, o.kind FROM transfer AS o
            WHERE o.id = NEW.reverses_id AND o.reverses_id IS NULL
        );
    END
    """,
)

# EXECUTE, not static SQL: PL/pgSQL would keep the plan of the first statement a session
# ran (these queries have no parameters) and reuse it whatever the size of new_rows; a
# nested loop chosen for a one-row post then took minutes for a 30,000-row COPY. Planned
# each time, the planner knows how many rows the statement brought.
POSTGRES_FUNCTION = """
    CREATE FUNCTION flow_tally_after_insert() RETURNS trigger AS $$
    BEGIN
        -- Entries, less those whose reversal came in the same statement (net zero).
        EXECUTE '
            INSERT INTO flow_tally (from_id, to_id, kind, amount_cny, flows)
            SELECT n.from_id, n.to_id, n.kind, sum(n.amount_cny), count(*)
            FROM new_rows AS n
            WHERE n.reverses_id IS NULL
              AND NOT EXISTS (SELECT 1 FROM new_rows AS r WHERE r.reverses_id = n.id)
            GROUP BY n.from_id, n.to_id, n.kind
            ON CONFLICT (from_id, to_id, kind) DO UPDATE SET
                amount_cny = flow_tally.amount_cny + excluded.amount_cny,
                flows = flow_tally.flows + excluded.flows';
        -- Reversals of entries of earlier statements (those of this one were never added).
        IF EXISTS (SELECT 1 FROM new_rows WHERE reverses_id IS NOT NULL) THEN
            EXECUTE '
                UPDATE flow_tally AS t
                SET amount_cny = t.amount_cny - d.amount_cny, flows = t.flows - d.flows
                FROM (
                    SELECT o.from_id, o.to_id, o.kind, sum(o.amount_cny) AS amount_cny,
                           count(*) AS flows
                    FROM new_rows AS r
                    JOIN transfer AS o ON o.id = r.reverses_id
                    WHERE r.reverses_id IS NOT NULL
                      AND o.reverses_id IS NULL
                      AND NOT EXISTS (SELECT 1 FROM new_rows AS x WHERE x.id = o.id)
                    GROUP BY o.from_id, o.to_id, o.kind
                ) AS d
                WHERE t.from_id = d.from_id AND t.to_id = d.to_id AND t.kind = d.kind';
        END IF;
        RETURN NULL;
    END
    $$ LANGUAGE plpgsql
"""

POSTGRES_TRIGGER = """
    CREATE TRIGGER flow_tally_insert AFTER INSERT ON transfer
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION flow_tally_after_insert()
"""


def upgrade() -> None:
    op.create_table(
        "flow_tally",
        sa.Column("from_id", sa.Integer(), nullable=False),
        sa.Column("to_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("amount_cny", fundtrack.ledger.money.Money(), nullable=False),
        sa.Column("flows", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["from_id"], ["entity.id"]),
        sa.ForeignKeyConstraint(["to_id"], ["entity.id"]),
        sa.PrimaryKeyConstraint("from_id", "to_id", "kind"),
        sqlite_with_rowid=False,
    )
    with op.batch_alter_table("valuation", schema=None) as batch_op:
        batch_op.create_index(
            "ix_valuation_latest",
            ["holder_id", "entity_id", "date", "id", "value_cny"],
            unique=False,
        )
    # Triggers first: on PostgreSQL creating one locks out writers to transfer until the
    # migration commits, so no entry can slip in between the backfill and the triggers.
    if op.get_bind().dialect.name == "postgresql":
        op.execute(POSTGRES_FUNCTION)
        op.execute(POSTGRES_TRIGGER)
    else:
        for trigger in SQLITE_TRIGGERS:
            op.execute(trigger)
    op.execute(BACKFILL)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER flow_tally_insert ON transfer")
        op.execute("DROP FUNCTION flow_tally_after_insert()")
    else:
        op.execute("DROP TRIGGER flow_tally_entry")
        op.execute("DROP TRIGGER flow_tally_reversal")
    with op.batch_alter_table("valuation", schema=None) as batch_op:
        batch_op.drop_index("ix_valuation_latest")
    op.drop_table("flow_tally")
