"""Indicator thresholds in the terms, and the configurable performance scorecard.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

import fundtrack.ledger.money

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("fund_terms") as batch:
        batch.add_column(sa.Column("thresholds", sa.JSON(), nullable=True))
    op.create_table(
        "scorecard_item",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("indicator", sa.String(length=40), nullable=False),
        sa.Column("weight", fundtrack.ledger.money.Ratio(precision=18, scale=8), nullable=False),
        sa.Column("target", fundtrack.ledger.money.Ratio(precision=18, scale=8), nullable=False),
        sa.Column("direction", sa.String(length=3), nullable=False),
        sa.Column("created_by", sa.String(length=120), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("year", "indicator", name="scorecard_item_once"),
    )


def downgrade() -> None:
    op.drop_table("scorecard_item")
    with op.batch_alter_table("fund_terms") as batch:
        batch.drop_column("thresholds")
