"""Deployment (ASVS V14): production refuses unsafe settings at start-up, and every response —
pages, redirects, error pages and static files — carries the security headers."""

from __future__ import annotations

import datetime as dt
import secrets

import pytest

from fundtrack import create_app
from fundtrack.config import DEFAULT_SECRET, UnsafeConfigurationError
from fundtrack.ledger.models import LoginThrottle
from fundtrack.services.signin import MAX_FAILURES
from fundtrack.web.access import PUBLIC, allow

GOOD_SECRET = secrets.token_urlsafe(48)


@pytest.fixture
def production(monkeypatch, tmp_path):
    """The environment of a production start, with a good secret and DEBUG off."""
    for name in ("FLASK_DEBUG", "SESSION_COOKIE_SECURE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("FUNDTRACK_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", GOOD_SECRET)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'prod.db'}")
    return monkeypatch


@pytest.mark.parametrize(
    ("setting", "value"),
    [
        ("FLASK_DEBUG", "1"),
        ("SECRET_KEY", None),
        ("SECRET_KEY", ""),
        ("SECRET_KEY", DEFAULT_SECRET),
        ("SECRET_KEY", "x" * 31),
    ],
)
def test_production_refuses_to_start_with_debug_or_a_weak_secret(production, setting, value):
    if value is None:
        production.delenv(setting)
    else:
        production.setenv(setting, value)
    with pytest.raises(UnsafeConfigurationError, match="refusing to start in production"):
        create_app()


def test_production_starts_with_safe_settings_and_secure_cookies(production):
    app = create_app()
    try:
        assert app.config["ENV"] == "production"
        assert not app.debug
        assert app.config["SESSION_COOKIE_SECURE"] is True
        assert app.config["SESSION_COOKIE_HTTPONLY"] is True
        assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"
        # HTTPS only from then on: the browser is told so on every answer.
        hsts = app.test_client().get("/login").headers.get("Strict-Transport-Security")
        assert hsts == "max-age=31536000"
    finally:
        app.extensions["fundtrack.db"].dispose()
    # Debug switched on by code rather than the environment is refused too.
    with pytest.raises(UnsafeConfigurationError):
        create_app({"DEBUG": True})


def _directives(csp: str) -> dict[str, list[str]]:
    parts = (d.split() for d in csp.split(";") if d.strip())
    return {p[0]: p[1:] for p in parts}


def assert_security_headers(response, where: str) -> None:
    headers = response.headers
    policy = _directives(headers.get("Content-Security-Policy", ""))
    scripts = policy.get("script-src", policy.get("default-src"))
    assert scripts, f"{where}: no script policy"
    for source in scripts:
        assert source not in ("'unsafe-inline'", "'unsafe-eval'", "*", "data:", "http:"), where
    assert policy.get("default-src") == ["'self'"], where
    assert policy.get("frame-ancestors") == ["'none'"], where
    assert policy.get("object-src") == ["'none'"], where
    assert policy.get("base-uri") == ["'none'"], where
    assert "'unsafe-inline'" not in policy.get("style-src", []), where
    assert headers.get("X-Content-Type-Options") == "nosniff", where
    assert headers.get("Referrer-Policy") in ("same-origin", "no-referrer", "strict-origin"), where
    assert headers.get("X-Frame-Options") == "DENY", where


def test_security_headers_on_pages_errors_and_static_files(
    web, as_role, login, csrf_token, demo_db
):
    anonymous = web.test_client()
    board = as_role("board")
    manager = as_role("manager")
    token = csrf_token(manager, "/")
    with demo_db.write() as session:
        # A throttled address, as after 20 failures (those are tested in test_sessions).
        session.add(
            LoginThrottle(
                key="192.0.2.1|board@example.cn",
                failures=MAX_FAILURES,
                window_start=dt.datetime.now(dt.UTC),
            )
        )
    web.config["MAX_CONTENT_LENGTH"] = 10_000
    cases = {
        "200 page": (manager.get("/ledger"), 200),
        "200 login": (anonymous.get("/login"), 200),
        "302 to login": (anonymous.get("/ledger"), 302),
        "401 wrong password": (login(web.test_client(), "board@example.cn", "nope-nope"), 401),
        "400 csrf": (manager.post("/ledger/new/fee", data={}), 400),
        "400 bad parameter": (board.get("/?as_of=yesterday"), 400),
        "403": (board.get("/users"), 403),
        "404": (board.get("/no/such/page"), 404),
        "405": (board.get("/logout"), 405),
        "413": (
            manager.post("/imports/preview", data={"csrf_token": token, "x": "y" * 20_000}),
            413,
        ),
        "429": (login(web.test_client(), "board@example.cn", address="192.0.2.1"), 429),
        "static css": (anonymous.get("/static/app.css"), 200),
        "static svg": (anonymous.get("/static/favicon.svg"), 200),
        "404 static": (anonymous.get("/static/nope.js"), 404),
    }
    for where, (response, status) in cases.items():
        assert response.status_code == status, where
        assert_security_headers(response, where)
        if status != 200 or where == "200 page":
            assert response.headers.get("Cache-Control") == "no-store" or "static" in where


def test_security_headers_on_an_internal_error_page(db_url):
    """An unexpected error is a plain 500 page, with the headers and without a traceback."""
    app = create_app(
        {"DATABASE_URL": db_url, "SECRET_KEY": GOOD_SECRET, "PROPAGATE_EXCEPTIONS": False}
    )

    @allow(PUBLIC)
    def broken():
        raise RuntimeError("secret detail of a bug")

    app.add_url_rule("/broken-for-test", "broken", broken)
    try:
        response = app.test_client().get("/broken-for-test")
    finally:
        app.extensions["fundtrack.db"].dispose()
    assert response.status_code == 500
    assert_security_headers(response, "500")
    assert b"secret detail" not in response.data
    assert b"Traceback" not in response.data
