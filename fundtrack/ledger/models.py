"""The ledger's schema: entities, commitments, the journal of transfers, valuations and terms.

The journal is append-only. A ``Transfer`` moves money from one entity's account to
another's, so every movement is double-entry by construction; a correction is a
new transfer that ``reverses`` the original. Valuations (NAV statements and fair
values) are not money movements and live apart. Everything written carries who
and when.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from fundtrack.ledger.money import Money, Ratio


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Base(DeclarativeBase):
    type_annotation_map = {dt.datetime: DateTime(timezone=True)}  # noqa: RUF012 (SQLAlchemy API)


ENTITY_KINDS = ("parent", "subfund", "lp", "company", "manager")
TRANSFER_KINDS = ("contribution", "distribution", "investment", "proceeds", "fee", "expense")
USER_ROLES = ("admin", "manager", "board")


class Entity(Base):
    """A party with an account: the parent fund, a sub-fund, an LP, a company or a manager."""

    __tablename__ = "entity"
    __table_args__ = (CheckConstraint(f"kind IN {ENTITY_KINDS}", name="entity_kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    kind: Mapped[str] = mapped_column(String(12), index=True)
    name: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str | None] = mapped_column(String(200))
    currency: Mapped[str] = mapped_column(String(3), default="CNY")
    inception: Mapped[dt.date | None] = mapped_column(Date)
    # Companies: what the look-through exposure groups by.
    sector: Mapped[str | None] = mapped_column(String(40))
    region: Mapped[str | None] = mapped_column(String(40))
    stage: Mapped[str | None] = mapped_column(String(40))
    # True where the company settled in the zone (基金招商 落地).
    local: Mapped[bool] = mapped_column(Boolean, default=False)
    # LPs: fiscal / soe / private, for the private-capital share.
    lp_type: Mapped[str | None] = mapped_column(String(12))
    manager_id: Mapped[int | None] = mapped_column(ForeignKey("entity.id"))
    demo: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    created_by: Mapped[str] = mapped_column(String(120), default="system")


class Commitment(Base):
    """认缴: ``investor`` committed ``amount`` to ``fund`` on ``date``."""

    __tablename__ = "commitment"

    id: Mapped[int] = mapped_column(primary_key=True)
    investor_id: Mapped[int] = mapped_column(ForeignKey("entity.id"), index=True)
    fund_id: Mapped[int] = mapped_column(ForeignKey("entity.id"), index=True)
    date: Mapped[dt.date] = mapped_column(Date)
    amount: Mapped[Decimal] = mapped_column(Money)
    currency: Mapped[str] = mapped_column(String(3), default="CNY")
    reference: Mapped[str | None] = mapped_column(String(80))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    created_by: Mapped[str] = mapped_column(String(120))

    investor: Mapped[Entity] = relationship(foreign_keys=[investor_id])
    fund: Mapped[Entity] = relationship(foreign_keys=[fund_id])


class ImportBatch(Base):
    """One imported file: who, when, which file, what it added; reversible as a whole."""

    __tablename__ = "import_batch"

    id: Mapped[int] = mapped_column(primary_key=True)
    filename: Mapped[str] = mapped_column(String(255))
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(12), default="running")
    rows_new: Mapped[int] = mapped_column(Integer, default=0)
    rows_duplicate: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    created_by: Mapped[str] = mapped_column(String(120))
    finished_at: Mapped[dt.datetime | None]
    error: Mapped[str | None] = mapped_column(Text)


class Transfer(Base):
    """A posted journal entry. Never updated, never deleted.

    ``amount`` is in ``currency``; ``amount_cny`` is the same movement in the
    reporting currency, converted at ``fx_rate`` of ``fx_date`` when the
    currencies differ. ``hash`` chains each entry to the one before it, so a row
    changed behind the application's back is detected.
    """

    __tablename__ = "transfer"
    __table_args__ = (
        CheckConstraint(f"kind IN {TRANSFER_KINDS}", name="transfer_kind"),
        CheckConstraint("from_id <> to_id", name="transfer_distinct_accounts"),
        UniqueConstraint("from_id", "to_id", "reference", name="transfer_reference"),
        Index("ix_transfer_to_date", "to_id", "date"),
        Index("ix_transfer_from_date", "from_id", "date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    date: Mapped[dt.date] = mapped_column(Date, index=True)
    kind: Mapped[str] = mapped_column(String(16))
    from_id: Mapped[int] = mapped_column(ForeignKey("entity.id"))
    to_id: Mapped[int] = mapped_column(ForeignKey("entity.id"))
    amount: Mapped[Decimal] = mapped_column(Money)
    currency: Mapped[str] = mapped_column(String(3))
    fx_rate: Mapped[Decimal | None] = mapped_column(Ratio)
    fx_date: Mapped[dt.date | None] = mapped_column(Date)
    amount_cny: Mapped[Decimal] = mapped_column(Money)
    # A distribution the fund may call again (可循环/可召回).
    recallable: Mapped[bool] = mapped_column(Boolean, default=False)
    reference: Mapped[str | None] = mapped_column(String(120))
    memo: Mapped[str | None] = mapped_column(String(500))
    reverses_id: Mapped[int | None] = mapped_column(ForeignKey("transfer.id"), unique=True)
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("import_batch.id"), index=True)
    posted_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    posted_by: Mapped[str] = mapped_column(String(120))
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)

    source: Mapped[Entity] = relationship(foreign_keys=[from_id])
    destination: Mapped[Entity] = relationship(foreign_keys=[to_id])


class JournalHead(Base):
    """The single row every posting locks: it serialises writers and holds the chain's tip."""

    __tablename__ = "journal_head"

    id: Mapped[int] = mapped_column(primary_key=True)
    last_transfer_id: Mapped[int | None] = mapped_column(Integer)
    last_hash: Mapped[str] = mapped_column(String(64))


class FlowTally(Base):
    """The running total of the journal's live entries per (from, to, kind).

    Kept by the database itself: triggers on ``transfer`` (migration 0005) add each
    new entry and take a reversed one out again, so no code path can forget it, a
    bulk COPY included. Live means as in the analytics: neither reversed nor a
    reversal. Reading totals as of a date then costs this small table plus the few
    entries dated after it (``tallies.tallies``), not a sum over the whole journal.
    Nothing in Python writes here but ``tallies.rebuild_tallies`` (a repair).
    """

    __tablename__ = "flow_tally"
    # SQLite: the key is the table's only b-tree, so a trigger's upsert touches one.
    __table_args__ = {"sqlite_with_rowid": False}  # noqa: RUF012 (SQLAlchemy API)

    from_id: Mapped[int] = mapped_column(ForeignKey("entity.id"), primary_key=True)
    to_id: Mapped[int] = mapped_column(ForeignKey("entity.id"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    amount_cny: Mapped[Decimal] = mapped_column(Money)
    # A key whose entries were all reversed keeps its row with 0 flows (and 0 yuan).
    flows: Mapped[int] = mapped_column(Integer)


class HoldingTally(Base):
    """A sub-fund's running invested and proceeds in one company, from ``flow_tally``.

    Kept by the database (migration 0006): triggers on ``flow_tally`` fold each change
    of a key between a sub-fund and a company into the pair's row, so a dashboard at
    today's date reads a few thousand holdings instead of grouping the totals.
    ``invested`` and ``proceeds`` are the fund's view, as ``frames.holdings`` gives them;
    ``flows`` counts the live entries of every kind between the two (0: none left).
    """

    __tablename__ = "holding_tally"
    __table_args__ = {"sqlite_with_rowid": False}  # noqa: RUF012 (SQLAlchemy API)

    fund_id: Mapped[int] = mapped_column(ForeignKey("entity.id"), primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("entity.id"), primary_key=True)
    invested: Mapped[Decimal] = mapped_column(Money)
    proceeds: Mapped[Decimal] = mapped_column(Money)
    flows: Mapped[int] = mapped_column(Integer)


class LatestValuation(Base):
    """The latest valuation (by date, then id) of each (holder, company), with its value.

    Kept by the database (migration 0006): triggers on ``valuation`` move the pointer
    on insert and recompute it on any update or delete. Valid for every as-of date on
    or after the latest ``date`` here; earlier dates seek ``ix_valuation_latest``.
    """

    __tablename__ = "valuation_latest"
    __table_args__ = {"sqlite_with_rowid": False}  # noqa: RUF012 (SQLAlchemy API)

    holder_id: Mapped[int] = mapped_column(ForeignKey("entity.id"), primary_key=True)
    entity_id: Mapped[int] = mapped_column(ForeignKey("entity.id"), primary_key=True)
    # No foreign key: a pointer the triggers keep, moved after a valuation's delete.
    valuation_id: Mapped[int] = mapped_column(Integer)
    date: Mapped[dt.date] = mapped_column(Date)
    value_cny: Mapped[Decimal] = mapped_column(Money)


class Valuation(Base):
    """A NAV statement of a fund (``holder`` empty) or a holder's fair value of a company.

    A restatement for the same entity, holder and date is a new row; the latest
    posted one counts and the earlier one stays for the audit.
    """

    __tablename__ = "valuation"
    __table_args__ = (
        Index("ix_valuation_entity_date", "entity_id", "date"),
        # Covers "the latest valuation per (holder, company) on or before a date": the
        # database seeks it in the index alone, without reading the table's rows.
        Index("ix_valuation_latest", "holder_id", "entity_id", "date", "id", "value_cny"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    date: Mapped[dt.date] = mapped_column(Date)
    entity_id: Mapped[int] = mapped_column(ForeignKey("entity.id"))
    holder_id: Mapped[int | None] = mapped_column(ForeignKey("entity.id"), index=True)
    value: Mapped[Decimal] = mapped_column(Money)
    currency: Mapped[str] = mapped_column(String(3))
    value_cny: Mapped[Decimal] = mapped_column(Money)
    source: Mapped[str | None] = mapped_column(String(200))
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("import_batch.id"))
    posted_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    posted_by: Mapped[str] = mapped_column(String(120))

    entity: Mapped[Entity] = relationship(foreign_keys=[entity_id])
    holder: Mapped[Entity | None] = relationship(foreign_keys=[holder_id])


class FundTerms(Base):
    """A sub-fund's terms from ``effective_from``; ratios differ by city and year, so they are data.

    ``recognition_multipliers`` maps a 返投 category to its multiplier, e.g.
    ``{"relocation": "2.0", "local_subsidiary": "1.8", "local_investment": "1.5"}``.
    """

    __tablename__ = "fund_terms"
    __table_args__ = (UniqueConstraint("fund_id", "effective_from", name="fund_terms_once"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    fund_id: Mapped[int] = mapped_column(ForeignKey("entity.id"), index=True)
    effective_from: Mapped[dt.date] = mapped_column(Date)
    fund_size: Mapped[Decimal] = mapped_column(Money)
    parent_stake: Mapped[Decimal] = mapped_column(Ratio)
    max_parent_stake: Mapped[Decimal | None] = mapped_column(Ratio)
    reinvest_multiple: Mapped[Decimal] = mapped_column(Ratio)
    # What the multiple applies to: parent_contribution or parent_commitment.
    reinvest_base: Mapped[str] = mapped_column(String(24), default="parent_contribution")
    recognition_multipliers: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    single_project_cap: Mapped[Decimal | None] = mapped_column(Ratio)
    core_sector: Mapped[str | None] = mapped_column(String(40))
    core_sector_min: Mapped[Decimal | None] = mapped_column(Ratio)
    min_private_share: Mapped[Decimal | None] = mapped_column(Ratio)
    max_idle_share: Mapped[Decimal | None] = mapped_column(Ratio)
    first_call_min: Mapped[Decimal | None] = mapped_column(Ratio)
    fee_rate: Mapped[Decimal] = mapped_column(Ratio)
    fee_base: Mapped[str] = mapped_column(String(24), default="paid_in")
    hurdle: Mapped[Decimal] = mapped_column(Ratio)
    carry: Mapped[Decimal] = mapped_column(Ratio)
    investment_period_years: Mapped[int] = mapped_column(Integer)
    term_years: Mapped[int] = mapped_column(Integer)
    # Further indicator thresholds, e.g. {"min_leverage": "3.0", "min_investment_progress": "0.5"}.
    thresholds: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=dict)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    created_by: Mapped[str] = mapped_column(String(120))


class ScorecardItem(Base):
    """One line of the annual performance evaluation (绩效评价): what is scored, and how much."""

    __tablename__ = "scorecard_item"
    __table_args__ = (UniqueConstraint("year", "indicator", name="scorecard_item_once"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(Integer)
    indicator: Mapped[str] = mapped_column(String(40))
    weight: Mapped[Decimal] = mapped_column(Ratio)
    target: Mapped[Decimal] = mapped_column(Ratio)
    direction: Mapped[str] = mapped_column(String(3))
    created_by: Mapped[str] = mapped_column(String(120))


class Recognition(Base):
    """返投台账: a sub-fund's local-reinvestment credit for one company, counted once."""

    __tablename__ = "recognition"
    __table_args__ = (UniqueConstraint("company_id", name="recognition_company_once"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    fund_id: Mapped[int] = mapped_column(ForeignKey("entity.id"), index=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("entity.id"))
    category: Mapped[str] = mapped_column(String(40))
    base_amount: Mapped[Decimal] = mapped_column(Money)
    multiplier: Mapped[Decimal] = mapped_column(Ratio)
    recognised_amount: Mapped[Decimal] = mapped_column(Money)
    evidence: Mapped[str | None] = mapped_column(String(500))
    approval_date: Mapped[dt.date] = mapped_column(Date)
    posted_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    posted_by: Mapped[str] = mapped_column(String(120))

    fund: Mapped[Entity] = relationship(foreign_keys=[fund_id])
    company: Mapped[Entity] = relationship(foreign_keys=[company_id])


class Benchmark(Base):
    """A benchmark index's names; its levels are ``IndexLevel`` rows with the same code."""

    __tablename__ = "benchmark"

    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str | None] = mapped_column(String(200))
    synthetic: Mapped[bool] = mapped_column(Boolean, default=False)


class IndexLevel(Base):
    """A benchmark level (e.g. CSI 300) on a date, for PME."""

    __tablename__ = "index_level"
    __table_args__ = (UniqueConstraint("index_code", "date", name="index_level_once"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    index_code: Mapped[str] = mapped_column(String(40))
    date: Mapped[dt.date] = mapped_column(Date)
    level: Mapped[Decimal] = mapped_column(Money)
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("import_batch.id"))


class FxRate(Base):
    """How many CNY one unit of ``currency`` was worth on ``date``."""

    __tablename__ = "fx_rate"
    __table_args__ = (UniqueConstraint("currency", "date", name="fx_rate_once"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    currency: Mapped[str] = mapped_column(String(3))
    date: Mapped[dt.date] = mapped_column(Date)
    rate: Mapped[Decimal] = mapped_column(Ratio)


class ClosedPeriod(Base):
    """A closed quarter: nothing may be posted on or before ``end_date`` within it."""

    __tablename__ = "closed_period"

    id: Mapped[int] = mapped_column(primary_key=True)
    quarter: Mapped[str] = mapped_column(String(7), unique=True)
    start_date: Mapped[dt.date] = mapped_column(Date)
    end_date: Mapped[dt.date] = mapped_column(Date)
    closed_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    closed_by: Mapped[str] = mapped_column(String(120))


class User(Base):
    __tablename__ = "user_account"
    __table_args__ = (CheckConstraint(f"role IN {USER_ROLES}", name="user_role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str | None] = mapped_column(String(120))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(8))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Changing it ends every session of the user (logout, password change).
    session_token: Mapped[str] = mapped_column(String(64))
    language: Mapped[str] = mapped_column(String(5), default="zh")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[dt.datetime | None]


class AuditEntry(Base):
    """Who did what, when: one row for every write and every refused attempt."""

    __tablename__ = "audit_entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)
    actor: Mapped[str] = mapped_column(String(120))
    action: Mapped[str] = mapped_column(String(60))
    object_type: Mapped[str | None] = mapped_column(String(40))
    object_id: Mapped[str | None] = mapped_column(String(60))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class ReportRun(Base):
    """A built quarterly report: the file, its checksum and the figures it printed."""

    __tablename__ = "report_run"

    id: Mapped[int] = mapped_column(primary_key=True)
    quarter: Mapped[str] = mapped_column(String(7))
    language: Mapped[str] = mapped_column(String(5))
    as_of: Mapped[dt.date] = mapped_column(Date)
    path: Mapped[str] = mapped_column(String(500))
    sha256: Mapped[str] = mapped_column(String(64))
    figures: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    built_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    built_by: Mapped[str] = mapped_column(String(120))


class OutboxMessage(Base):
    """One email of a report to one recipient; sent at most once once the server accepted it."""

    __tablename__ = "outbox_message"
    __table_args__ = (UniqueConstraint("report_id", "recipient", name="outbox_once"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("report_run.id"), index=True)
    recipient: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(300))
    message_id: Mapped[str] = mapped_column(String(250), unique=True)
    status: Mapped[str] = mapped_column(String(12), default="pending", index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[dt.datetime | None]
    claimed_by: Mapped[str | None] = mapped_column(String(120))
    claimed_at: Mapped[dt.datetime | None]
    sent_at: Mapped[dt.datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class DeliveryAttempt(Base):
    """Each try to hand an outbox message to the SMTP server, and what came of it."""

    __tablename__ = "delivery_attempt"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("outbox_message.id"), index=True)
    at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    outcome: Mapped[str] = mapped_column(String(12))
    detail: Mapped[str | None] = mapped_column(Text)


class LoginThrottle(Base):
    """Failed logins by key (address or account) in the current window, shared by all workers."""

    __tablename__ = "login_throttle"

    key: Mapped[str] = mapped_column(String(300), primary_key=True)
    window_start: Mapped[dt.datetime]
    failures: Mapped[int] = mapped_column(Integer, default=0)
