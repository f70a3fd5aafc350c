"""Sessions (ASVS V3) and the login throttle (V2.2): a new session at login, logout that ends
the session on the server, idle expiry, cookie flags, and 20 failures → 429 for that address
only."""

from __future__ import annotations

import time

from sqlalchemy import select

from fundtrack import create_app
from fundtrack.ledger.models import LoginThrottle
from fundtrack.services.signin import MAX_FAILURES
from fundtrack.web import access


def test_login_issues_a_new_session_drops_what_was_planted_and_sets_safe_cookie_flags(web, login):
    client = web.test_client()
    client.get("/login")
    with client.session_transaction() as session:
        session["planted"] = "by an attacker before the login"  # session fixation attempt
    before = client.get_cookie("session").value
    assert login(client, "board@example.cn").status_code == 302
    after = client.get_cookie("session").value
    assert after != before
    with client.session_transaction() as session:
        assert "planted" not in session
        assert session["_user_id"].startswith(tuple("0123456789"))
    # A second login of the same account gets a session value of its own.
    other = web.test_client()
    response = login(other, "board@example.cn")
    assert other.get_cookie("session").value != after
    # The cookie is out of reach of scripts and of cross-site POSTs.
    cookie = next(h for h in response.headers.getlist("Set-Cookie") if h.startswith("session="))
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie


def test_logout_invalidates_the_session_on_the_server(web, as_role, csrf_token):
    client = as_role("manager")
    elsewhere = as_role("manager")  # the same account in another browser
    stolen = client.get_cookie("session").value
    token = csrf_token(client, "/")
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302
    for replayer in (web.test_client(), elsewhere):
        if replayer is not elsewhere:
            replayer.set_cookie("session", stolen)
        page = replayer.get("/ledger")
        assert page.status_code == 302
        assert page.headers["Location"].startswith("/login")
    # The replayed cookie cannot write either.
    replay = web.test_client()
    replay.set_cookie("session", stolen)
    write = replay.post("/ledger/new/contribution", data={"csrf_token": token})
    assert write.status_code in (302, 400)
    if write.status_code == 302:
        assert write.headers["Location"].startswith("/login")


def test_idle_timeout(web, as_role, monkeypatch):
    client = as_role("board")
    lifetime = web.permanent_session_lifetime.total_seconds()
    started = time.time()
    # Activity just inside the limit keeps the session alive (the clock is the gate's).
    monkeypatch.setattr(access.time, "time", lambda: started + lifetime - 5)
    assert client.get("/ledger").status_code == 200
    monkeypatch.setattr(access.time, "time", lambda: started + 2 * lifetime - 10)
    assert client.get("/ledger").status_code == 200
    # Then nothing for longer than the limit: logged out, and it stays so.
    monkeypatch.setattr(access.time, "time", lambda: started + 3 * lifetime)
    expired = client.get("/ledger")
    assert expired.status_code == 302
    assert expired.headers["Location"].startswith("/login")
    assert client.get("/ledger").status_code == 302


def test_twenty_failures_throttle_that_address_but_not_the_real_user(web, login, db_url, demo_db):
    attacker = web.test_client()
    for attempt in range(MAX_FAILURES):
        response = login(attacker, "manager@example.cn", "wrong-password", "203.0.113.7")
        assert response.status_code == 401, attempt
    throttled = login(attacker, "manager@example.cn", address="203.0.113.7")
    assert throttled.status_code == 429
    assert throttled.headers["X-Content-Type-Options"] == "nosniff"
    assert attacker.get("/").status_code == 302  # the right password did not get in
    # The count lives in the database: another worker process sees the same lock.
    with demo_db.read() as session:
        row = session.get(LoginThrottle, "203.0.113.7|manager@example.cn")
    assert row.failures == MAX_FAILURES
    second_worker = create_app(
        {"TESTING": True, "DATABASE_URL": db_url, "SECRET_KEY": web.config["SECRET_KEY"]}
    )
    try:
        other = second_worker.test_client()
        assert login(other, "manager@example.cn", address="203.0.113.7").status_code == 429
        # From another address the real user still gets in, with the right password.
        real = second_worker.test_client()
        assert login(real, "manager@example.cn", address="198.51.100.4").status_code == 302
        assert real.get("/ledger").status_code == 200
    finally:
        second_worker.extensions["fundtrack.db"].dispose()
    with demo_db.read() as session:
        keys = set(session.scalars(select(LoginThrottle.key)))
    assert "198.51.100.4|manager@example.cn" not in keys
