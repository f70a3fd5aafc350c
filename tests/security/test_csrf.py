"""CSRF (ASVS 4.2.2 / 50.3): a state-changing POST without this session's token is refused
with 400 and changes nothing in the ledger, the users or the journal."""

from __future__ import annotations

from sqlalchemy import select

from fundtrack.ledger.models import User

CALL = {
    "date": "2026-10-20",
    "from_code": "LP-FISCAL",
    "to_code": "PARENT",
    "amount": "1000.00",
    "currency": "CNY",
    "reference": "CSRF-SEC",
}
VALUATION = {"date": "2026-09-30", "entity": "SF-DIGITAL", "value": "1", "currency": "CNY"}
NEW_USER = {"email": "mallory@example.cn", "role": "admin", "password": "long-enough-pass"}


def _forms(board_id: int) -> list[tuple[str, dict]]:
    """Every kind of write, with otherwise valid data."""
    return [
        ("/ledger/new/contribution", CALL),
        ("/ledger/1/reverse", {"date": "2026-10-20", "memo": "x"}),
        ("/valuations/new", VALUATION),
        ("/periods/close", {"quarter": "2026Q3"}),
        ("/users", NEW_USER),
        (f"/users/{board_id}", {"role": "admin", "active": "y"}),
        ("/reports", {"quarter": "2026Q3", "language": "zh"}),
        ("/reports/1/send", {}),
        ("/imports/1/reverse", {}),
        ("/logout", {}),
    ]


def test_post_without_this_sessions_token_is_400_and_changes_nothing(
    web, as_role, csrf_token, demo_db, state
):
    admin = as_role("admin")  # admin may do every write: only the token can stop it
    other = as_role("admin")  # another session of the same account
    tokens = {
        "missing": None,
        "foreign": csrf_token(other, "/ledger/new/contribution"),
        "garbage": "IjEyMyI.abc.def",
    }
    with demo_db.read() as session:
        board_id = session.scalar(select(User.id).where(User.email == "board@example.cn"))
    before = state(demo_db)
    for token_kind, token in tokens.items():
        for path, data in _forms(board_id):
            form = dict(data) if token is None else {**data, "csrf_token": token}
            response = admin.post(path, data=form)
            assert response.status_code == 400, f"{token_kind} {path}: {response.status_code}"
            assert "Content-Security-Policy" in response.headers
    assert state(demo_db) == before
    # The session was not ended by the refused logout, and its own token still works.
    assert admin.get("/").status_code == 200
    own = csrf_token(admin, "/ledger/new/contribution")
    posted = admin.post("/ledger/new/contribution", data={**CALL, "csrf_token": own})
    assert posted.status_code == 302
    assert state(demo_db)["transfer"] == before["transfer"] + 1


def test_login_form_needs_a_token_too(web, demo_db, audit_actions):
    """Login CSRF: a page elsewhere cannot sign the browser into an account of its choosing."""
    client = web.test_client()
    response = client.post(
        "/login", data={"email": "board@example.cn", "password": "correct-horse-battery"}
    )
    assert response.status_code == 400
    assert client.get("/").status_code == 302  # still not logged in
    assert audit_actions(demo_db, "login") == []
