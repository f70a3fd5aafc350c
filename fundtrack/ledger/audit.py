"""The audit trail: one row for every write and every refused attempt."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from fundtrack.ledger.models import AuditEntry


def record(
    session: Session,
    actor: str,
    action: str,
    object_type: str | None = None,
    object_id: object = None,
    **detail: Any,
) -> AuditEntry:
    entry = AuditEntry(
        actor=actor,
        action=action,
        object_type=object_type,
        object_id=None if object_id is None else str(object_id),
        detail={k: _plain(v) for k, v in detail.items()},
    )
    session.add(entry)
    return entry


def _plain(value: Any) -> Any:
    """JSON-safe: decimals and dates as text, so nothing is lost or rounded."""
    if isinstance(value, (str, int, bool)) or value is None:
        return value
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    return str(value)
