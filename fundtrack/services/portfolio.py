"""Read-only page data the snapshot does not hold: fund and company pages, journal, audit.

Everything here comes from the ledger's frames (SQL filtering and grouping,
then exact ``Decimal`` sums in Python) and is handed out as plain dicts and
lists, so templates only format. Nothing here writes.
"""

from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal

import pandas as pd
from sqlalchemy import func, select

from fundtrack.ledger import frames
from fundtrack.ledger.db import Database
from fundtrack.ledger.entities import holds_demo
from fundtrack.ledger.errors import NotFoundError, Problem
from fundtrack.ledger.models import (
    AuditEntry,
    Entity,
    ImportBatch,
    OutboxMessage,
    ReportRun,
    Transfer,
)

ZERO = Decimal(0)


def _records(frame: pd.DataFrame) -> list[dict]:
    """Frame rows as dicts, with pandas' missing values as None."""
    if frame.empty:
        return []
    return [
        {k: (None if _missing(v) else v) for k, v in row.items()}
        for row in frame.to_dict("records")
    ]


def _missing(value) -> bool:
    if value is None or value is pd.NaT:
        return True
    return isinstance(value, float) and math.isnan(value)


def _total(values) -> Decimal:
    return sum((v for v in values if v is not None), ZERO)


def has_demo(db: Database) -> bool:
    with db.read() as session:
        return holds_demo(session)


def parent_code(db: Database) -> str | None:
    with db.read() as session:
        return session.scalar(select(Entity.code).where(Entity.kind == "parent").limit(1))


def entity_options(db: Database) -> dict[str, list[dict]]:
    """Entities by kind, for the entry forms' choices: ``{kind: [{code, name, name_en}]}``."""
    with db.read() as session:
        rows = session.execute(
            select(Entity.kind, Entity.code, Entity.name, Entity.name_en).order_by(Entity.code)
        ).all()
    options: dict[str, list[dict]] = {}
    for r in rows:
        options.setdefault(r.kind, []).append(
            {"code": r.code, "name": r.name, "name_en": r.name_en}
        )
    return options


def _entity(session, code: str, kinds: tuple[str, ...]) -> dict:
    row = frames.entity(session, code, kinds)
    if row is None:
        raise NotFoundError(Problem("code", f"no {'/'.join(kinds)} with code {code!r}"))
    return row


def _flow_summary(flows: pd.DataFrame, key: str) -> dict[str, dict]:
    """Per ``key`` (investor or fund): paid in, distributed, recallable distributed."""
    summary: dict[str, dict] = {}
    for row in flows.itertuples(index=False):
        item = summary.setdefault(
            getattr(row, key), {"paid_in": ZERO, "distributed": ZERO, "recallable": ZERO}
        )
        if row.kind == "contribution":
            item["paid_in"] -= row.amount
        elif row.kind == "distribution":
            item["distributed"] += row.amount
            if row.recallable:
                item["recallable"] += row.amount
    return summary


def parent_overview(db: Database, as_of: dt.date) -> dict:
    """The parent fund: its LPs (committed, paid in, distributed), calls and distributions."""
    with db.read() as session:
        code = session.scalar(select(Entity.code).where(Entity.kind == "parent").limit(1))
        if code is None:
            raise NotFoundError(Problem("code", "the ledger has no parent fund yet"))
        fund = _entity(session, code, ("parent",))
        lps = frames.entities(session, ("lp",))
        commitments = frames.commitments(session, as_of)
        net = frames.cash_flows(session, "net", as_of, fund=code)
        parent = frames.cash_flows(session, "parent", as_of, fund=None)
        navs = frames.latest_navs(session, as_of)
    committed = (
        {r["investor"]: r["amount"] for r in _records(commitments) if r["fund"] == code}
        if not commitments.empty
        else {}
    )
    flows = _flow_summary(net, "investor") if not net.empty else {}
    lp_rows = []
    for lp in _records(lps):
        if lp["code"] not in committed and lp["code"] not in flows:
            continue
        item = flows.get(lp["code"], {"paid_in": ZERO, "distributed": ZERO, "recallable": ZERO})
        amount = committed.get(lp["code"], ZERO)
        lp_rows.append(
            {
                **lp,
                "committed": amount,
                **item,
                "unfunded": amount - item["paid_in"],
                "paid_in_ratio": float(item["paid_in"] / amount) if amount else None,
            }
        )
    sub = _flow_summary(parent[parent.investor == code], "fund") if not parent.empty else {}
    sub_committed = (
        {r["fund"]: r["amount"] for r in _records(commitments) if r["investor"] == code}
        if not commitments.empty
        else {}
    )
    nav_by_fund = {r["fund"]: r for r in _records(navs)}
    subfunds = []
    for fund_code in sorted(set(sub_committed) | set(sub)):
        item = sub.get(fund_code, {"paid_in": ZERO, "distributed": ZERO, "recallable": ZERO})
        nav = nav_by_fund.get(fund_code)
        subfunds.append(
            {
                "code": fund_code,
                "committed": sub_committed.get(fund_code, ZERO),
                **item,
                "nav": nav["nav"] if nav else None,
                "nav_date": nav["date"] if nav else None,
            }
        )
    events = _records(net.sort_values(["date", "id"], ascending=False)) if not net.empty else []
    return {
        "fund": fund,
        "lps": lp_rows,
        "lp_totals": {
            k: _total(r[k] for r in lp_rows)
            for k in ("committed", "paid_in", "distributed", "recallable", "unfunded")
        },
        "subfunds": subfunds,
        "calls": [e for e in events if e["kind"] == "contribution"],
        "distributions": [e for e in events if e["kind"] == "distribution"],
    }


def subfund_overview(db: Database, code: str, as_of: dt.date) -> dict:
    """A sub-fund: terms, its investors, flows with the parent, holdings, 返投 ledger, NAVs."""
    with db.read() as session:
        fund = _entity(session, code, ("subfund",))
        terms = frames.terms(session, as_of)
        commitments = frames.commitments(session, as_of)
        flows = frames.cash_flows(session, "parent", as_of, fund=code)
        lp_flows = frames.cash_flows(session, "net", as_of, fund=code)
        gross = frames.cash_flows(session, "gross", as_of, fund=code)
        holdings = frames.holdings(session, as_of)
        recognitions = frames.recognitions(session, as_of)
        navs = frames.nav_history(session, as_of)
        fees = frames.fees(session, as_of)
        names = frames.entities(session, ("parent", "lp"))[["code", "name", "name_en"]]
    term_rows = _records(terms[terms.fund == code]) if not terms.empty else []
    investors = _records(commitments[commitments.fund == code]) if not commitments.empty else []
    all_flows = (
        pd.concat([f for f in (flows, lp_flows) if not f.empty])
        if (not flows.empty or not lp_flows.empty)
        else flows
    )
    summary = _flow_summary(all_flows, "investor") if not all_flows.empty else {}
    label = {r["code"]: r for r in _records(names)}
    for item in investors:
        item.update(
            summary.get(
                item["investor"], {"paid_in": ZERO, "distributed": ZERO, "recallable": ZERO}
            )
        )
        item["unfunded"] = item["amount"] - item["paid_in"]
        item["name"] = label.get(item["investor"], {}).get("name")
        item["name_en"] = label.get(item["investor"], {}).get("name_en")
    held = _records(holdings[holdings.fund == code]) if not holdings.empty else []
    recs = _records(recognitions[recognitions.fund == code]) if not recognitions.empty else []
    fund_fees = _records(fees[fees.fund == code]) if not fees.empty else []
    events = (
        _records(all_flows.sort_values(["date", "id"], ascending=False))
        if (not all_flows.empty)
        else []
    )
    deals = _records(gross.sort_values(["date", "id"], ascending=False)) if not gross.empty else []
    return {
        "fund": fund,
        "terms": term_rows[0] if term_rows else None,
        "investors": investors,
        "events": events,
        "deals": deals,
        "holdings": held,
        "holding_totals": {
            k: _total(h[k] for h in held) for k in ("invested", "proceeds", "value")
        },
        "recognitions": recs,
        "recognised_total": _total(r["recognised_amount"] for r in recs),
        "navs": _records(navs[navs.fund == code]) if not navs.empty else [],
        "fees": fund_fees,
        "fees_total": _total(f["amount"] for f in fund_fees),
    }


def company_overview(db: Database, code: str, as_of: dt.date) -> dict:
    """A company, looked through: which sub-funds hold it and the parent's effective share."""
    with db.read() as session:
        company = _entity(session, code, ("company",))
        holdings = frames.holdings(session, as_of)
        terms = frames.terms(session, as_of)
        gross = frames.cash_flows(session, "gross", as_of)
        recognitions = frames.recognitions(session, as_of)
        funds = frames.entities(session, ("subfund", "parent"))[["code", "name", "name_en"]]
    stakes = {r["fund"]: r["parent_stake"] for r in _records(terms)} if not terms.empty else {}
    label = {r["code"]: r for r in _records(funds)}
    holders = []
    for h in _records(holdings[holdings.company == code]) if not holdings.empty else []:
        stake = stakes.get(h["fund"])
        holders.append(
            {
                **h,
                "fund_name": label.get(h["fund"], {}).get("name"),
                "fund_name_en": label.get(h["fund"], {}).get("name_en"),
                "parent_stake": stake,
                "look_through": (h["value"] * stake) if stake is not None else None,
            }
        )
    deals = gross[gross.investor == code] if not gross.empty else gross
    recs = recognitions[recognitions.company == code] if not recognitions.empty else recognitions
    return {
        "company": company,
        "holders": holders,
        "multi_held": len(holders) > 1,
        "totals": {
            k: _total(h[k] for h in holders)
            for k in ("invested", "proceeds", "value", "look_through")
        },
        "deals": _records(deals.sort_values(["date", "id"], ascending=False))
        if not deals.empty
        else [],
        "recognitions": _records(recs),
    }


def companies(db: Database, as_of: dt.date) -> list[dict]:
    """Every company with the number of sub-funds holding it and its value (list page)."""
    with db.read() as session:
        info = frames.entities(session, ("company",))
        holdings = frames.holdings(session, as_of)
    held: dict[str, dict] = {}
    for h in _records(holdings):
        item = held.setdefault(h["company"], {"funds": [], "value": ZERO, "invested": ZERO})
        item["funds"].append(h["fund"])
        item["value"] += h["value"]
        item["invested"] += h["invested"]
    return [
        {**c, **held.get(c["code"], {"funds": [], "value": ZERO, "invested": ZERO})}
        for c in _records(info)
    ]


JOURNAL_SORTS = ("date", "amount", "id", "kind")


def journal(
    db: Database, *, filters: dict, sort: str, descending: bool, page: int, per_page: int
) -> dict:
    """One page of the journal: rows, total count and page count (sort allow-listed)."""
    if sort not in JOURNAL_SORTS:
        sort = "date"
    with db.read() as session:
        frame, total = frames.journal_page(
            session,
            filters=filters,
            sort=sort,
            descending=descending,
            page=page,
            per_page=per_page,
        )
    return {
        "rows": _records(frame),
        "total": total,
        "page": page,
        "pages": max(1, math.ceil(total / per_page)),
    }


def transfer(db: Database, transfer_id: int) -> dict:
    """One journal entry with both sides' codes, and whether it was reversed."""
    with db.read() as session:
        row = frames.journal_entry(session, transfer_id)
        if row is None:
            raise NotFoundError(Problem("transfer", f"no transfer #{transfer_id}"))
        reversal = session.scalar(select(Transfer.id).where(Transfer.reverses_id == transfer_id))
    return {**row._asdict(), "reversed_by": reversal}


def audit_page(
    db: Database,
    *,
    page: int,
    per_page: int,
    actor: str | None = None,
    action: str | None = None,
) -> dict:
    query = select(
        AuditEntry.id,
        AuditEntry.at,
        AuditEntry.actor,
        AuditEntry.action,
        AuditEntry.object_type,
        AuditEntry.object_id,
        AuditEntry.detail,
    )
    if actor:
        query = query.where(AuditEntry.actor == actor)
    if action:
        query = query.where(AuditEntry.action == action)
    with db.read() as session:
        total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
        rows = session.execute(
            query.order_by(AuditEntry.id.desc()).limit(per_page).offset((page - 1) * per_page)
        ).all()
        actions = list(
            session.scalars(select(AuditEntry.action).distinct().order_by(AuditEntry.action))
        )
    return {
        "rows": [r._asdict() for r in rows],
        "total": total,
        "page": page,
        "pages": max(1, math.ceil(total / per_page)),
        "actions": actions,
    }


def import_batches(db: Database, limit: int = 100) -> list[dict]:
    """The latest imports, newest first."""
    with db.read() as session:
        rows = session.execute(
            select(
                ImportBatch.id,
                ImportBatch.filename,
                ImportBatch.sha256,
                ImportBatch.kind,
                ImportBatch.status,
                ImportBatch.rows_new,
                ImportBatch.rows_duplicate,
                ImportBatch.created_at,
                ImportBatch.created_by,
                ImportBatch.finished_at,
                ImportBatch.error,
            )
            .order_by(ImportBatch.id.desc())
            .limit(limit)
        ).all()
    return [r._asdict() for r in rows]


def report_runs(db: Database, limit: int = 50) -> list[dict]:
    """Built reports, newest first, each with its outbox: one row per recipient."""
    with db.read() as session:
        runs = session.execute(
            select(
                ReportRun.id,
                ReportRun.quarter,
                ReportRun.language,
                ReportRun.as_of,
                ReportRun.sha256,
                ReportRun.built_at,
                ReportRun.built_by,
            )
            .order_by(ReportRun.id.desc())
            .limit(limit)
        ).all()
        ids = [r.id for r in runs]
        messages = (
            session.execute(
                select(
                    OutboxMessage.report_id,
                    OutboxMessage.recipient,
                    OutboxMessage.status,
                    OutboxMessage.attempts,
                    OutboxMessage.sent_at,
                    OutboxMessage.next_attempt_at,
                    OutboxMessage.last_error,
                )
                .where(OutboxMessage.report_id.in_(ids))
                .order_by(OutboxMessage.recipient)
            ).all()
            if ids
            else []
        )
    outbox: dict[int, list[dict]] = {}
    for m in messages:
        outbox.setdefault(m.report_id, []).append(m._asdict())
    return [{**r._asdict(), "outbox": outbox.get(r.id, [])} for r in runs]


def report_file(db: Database, report_id: int) -> dict:
    """Where a built report's PDF is, with its checksum and quarter."""
    with db.read() as session:
        row = session.execute(
            select(
                ReportRun.id,
                ReportRun.path,
                ReportRun.sha256,
                ReportRun.quarter,
                ReportRun.language,
            ).where(ReportRun.id == report_id)
        ).first()
    if row is None:
        raise NotFoundError(Problem("report", f"no report #{report_id}"))
    return row._asdict()


def entity_kind(db: Database, code: str) -> str | None:
    with db.read() as session:
        return session.scalar(select(Entity.kind).where(Entity.code == code))
