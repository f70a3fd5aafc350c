"""The journal is append-only in the database itself: UPDATE and DELETE on transfer fail.

Revision ID: 0002
Revises: 0001
"""

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            """
            CREATE FUNCTION transfer_append_only() RETURNS trigger AS $$
            BEGIN
                RAISE EXCEPTION 'transfer is append-only: % refused', TG_OP;
            END
            $$ LANGUAGE plpgsql
            """
        )
        op.execute(
            "CREATE TRIGGER transfer_no_update BEFORE UPDATE OR DELETE ON transfer "
            "FOR EACH ROW EXECUTE FUNCTION transfer_append_only()"
        )
    else:
        op.execute(
            "CREATE TRIGGER transfer_no_update BEFORE UPDATE ON transfer "
            "BEGIN SELECT RAISE(ABORT, 'transfer is append-only: UPDATE refused'); END"
        )
        op.execute(
            "CREATE TRIGGER transfer_no_delete BEFORE DELETE ON transfer "
            "BEGIN SELECT RAISE(ABORT, 'transfer is append-only: DELETE refused'); END"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER transfer_no_update ON transfer")
        op.execute("DROP FUNCTION transfer_append_only()")
    else:
        op.execute("DROP TRIGGER transfer_no_update")
        op.execute("DROP TRIGGER transfer_no_delete")
