"""返投 recognitions: a sub-fund's local-reinvestment credit, one per company, never twice."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from fundtrack.ledger.errors import LedgerError, Problem
from fundtrack.ledger.models import Recognition
from fundtrack.ledger.money import QUANTUM, MoneyError, to_decimal
from fundtrack.ledger.periods import check_open
from fundtrack.ledger.rules import entities_by_code
from fundtrack.ledger.terms import terms_as_of


def recognise(
    session: Session,
    *,
    fund: str,
    company: str,
    category: str,
    base_amount: Decimal,
    approval_date: dt.date,
    actor: str,
    evidence: str | None = None,
    multiplier: Decimal | None = None,
) -> Recognition:
    """Record a 返投 credit; the multiplier comes from the fund's terms unless given."""
    entities = entities_by_code(session, (fund, company))
    problems: list[Problem] = []
    fund_entity, company_entity = entities.get(fund), entities.get(company)
    if fund_entity is None or fund_entity.kind != "subfund":
        problems.append(Problem("fund", f"{fund!r} is not a sub-fund"))
    if company_entity is None or company_entity.kind != "company":
        problems.append(Problem("company", f"{company!r} is not a company"))
    try:
        base = to_decimal(base_amount, field="base_amount")
        if base <= 0:
            problems.append(Problem("base_amount", f"{base} is not a positive amount"))
    except MoneyError as exc:
        problems.append(Problem("base_amount", str(exc)))
        base = None
    closed = check_open(session, approval_date, "approval_date")
    if closed:
        problems.append(closed)
    if company_entity is not None:
        earlier = session.scalar(
            select(Recognition).where(Recognition.company_id == company_entity.id)
        )
        if earlier is not None:
            problems.append(
                Problem(
                    "company",
                    f"{company} is already recognised (#{earlier.id}, {earlier.fund.code}); "
                    "the same base is never counted twice",
                )
            )
    if fund_entity is not None and fund_entity.kind == "subfund" and multiplier is None:
        terms = terms_as_of(session, fund_entity.id, approval_date)
        table = terms.recognition_multipliers if terms else {}
        if category not in table:
            known = ", ".join(sorted(table)) or "none"
            problems.append(
                Problem("category", f"{category!r} has no multiplier in {fund}'s terms ({known})")
            )
        else:
            multiplier = Decimal(str(table[category]))
    if problems:
        raise LedgerError(problems)
    row = Recognition(
        fund_id=fund_entity.id,
        company_id=company_entity.id,
        category=category,
        base_amount=base,
        multiplier=multiplier,
        recognised_amount=(base * multiplier).quantize(QUANTUM),
        evidence=evidence,
        approval_date=approval_date,
        posted_by=actor,
    )
    session.add(row)
    session.flush()
    return row
