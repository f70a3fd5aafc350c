"""Sessions, CSRF, the login throttle, escaping and the security headers."""

from __future__ import annotations

import time

from sqlalchemy import func, select

from fundtrack.ledger.entities import add_entity
from fundtrack.ledger.models import AuditEntry, Transfer
from fundtrack.services.signin import MAX_FAILURES

CALL = {
    "date": "2026-10-20",
    "from_code": "LP-FISCAL",
    "to_code": "PARENT",
    "amount": "1,000,000.00",
    "currency": "CNY",
    "reference": "CSRF-TEST",
}


def _transfers(db) -> int:
    with db.read() as session:
        return session.scalar(select(func.count(Transfer.id)))


def test_post_without_or_with_a_foreign_csrf_token_changes_nothing(as_role, csrf_token, demo_db):
    manager = as_role("manager")
    other = as_role("admin")
    before = _transfers(demo_db)
    missing = manager.post("/ledger/new/contribution", data=CALL)
    assert missing.status_code == 400
    foreign = csrf_token(other, "/ledger/new/contribution")
    stolen = manager.post("/ledger/new/contribution", data={**CALL, "csrf_token": foreign})
    assert stolen.status_code == 400
    assert _transfers(demo_db) == before
    # The same form with the client's own token goes through.
    own = csrf_token(manager, "/ledger/new/contribution")
    ok = manager.post("/ledger/new/contribution", data={**CALL, "csrf_token": own})
    assert ok.status_code == 302
    assert _transfers(demo_db) == before + 1


def test_login_throttle_per_address_and_email(web, login):
    attacker = web.test_client()
    for _ in range(MAX_FAILURES):
        assert (
            login(attacker, "manager@example.cn", "wrong-password", "10.0.0.9").status_code == 401
        )
    # Locked for this (address, email) even with the right password…
    assert login(attacker, "manager@example.cn", address="10.0.0.9").status_code == 429
    # …but the real user, from their own address, still gets in.
    user = web.test_client()
    assert login(user, "manager@example.cn", address="10.0.0.10").status_code == 302


def test_logout_ends_the_session_on_the_server(web, as_role, csrf_token):
    client = as_role("manager")
    cookie = client.get_cookie("session").value
    token = csrf_token(client, "/")
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302
    replay = web.test_client()
    replay.set_cookie("session", cookie)
    response = replay.get("/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


def test_login_starts_a_new_session(web, login):
    client = web.test_client()
    client.get("/login")
    before = client.get_cookie("session").value
    assert login(client, "board@example.cn").status_code == 302
    assert client.get_cookie("session").value != before


def test_idle_session_expires(web, as_role):
    client = as_role("board")
    with client.session_transaction() as session:
        session["seen"] = int(time.time()) - web.permanent_session_lifetime.total_seconds() - 5
    response = client.get("/")
    assert response.status_code == 302
    assert client.get("/").status_code == 302


def test_login_redirect_stays_on_site(web, csrf_token):
    client = web.test_client()
    token = csrf_token(client, "/login")
    response = client.post(
        "/login?next=https://evil.example/x",
        data={
            "email": "board@example.cn",
            "password": "correct-horse-battery",
            "csrf_token": token,
        },
    )
    assert response.headers["Location"] == "/"


def test_entity_names_are_escaped(web, as_role, demo_db):
    evil = "<img src=x onerror=alert(1)>"
    with demo_db.write() as session:
        add_entity(
            session, code="CO-EVIL", kind="company", name=evil, actor="test", sector="digital"
        )
    page = as_role("board").get("/companies").get_data(as_text=True)
    assert evil not in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page


def test_security_headers_and_no_inline_styles_or_scripts(as_role):
    client = as_role("manager")
    for path in ("/", "/funds/SF-DIGITAL", "/ledger", "/ledger/new/contribution", "/login"):
        response = client.get(path)
        csp = response.headers["Content-Security-Policy"]
        assert "default-src 'self'" in csp
        assert "frame-ancestors 'none'" in csp
        assert "style-src 'self'" in csp
        assert "unsafe-inline" not in csp
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"] == "same-origin"
        html = response.get_data(as_text=True)
        assert " style=" not in html
        assert "<style" not in html
        assert "<script" not in html


def test_failed_login_is_audited(web, login, demo_db):
    login(web.test_client(), "board@example.cn", "nope-nope-nope")
    with demo_db.read() as session:
        actions = session.scalars(select(AuditEntry.action)).all()
    assert "login.failed" in actions
