"""Fixtures for the web UI tests: a demo ledger, one user per role, logged-in clients.

CSRF protection stays on (as in production): every POST here carries the token
read from the page, the way a browser sends it.
"""

from __future__ import annotations

import re

import pytest

from fundtrack.services.accounts import create_user

PASSWORD = "correct-horse-battery"
ROLES = ("admin", "manager", "board")
TOKEN = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


def _csrf_token(client, path: str = "/login") -> str:
    page = client.get(path)
    match = TOKEN.search(page.get_data(as_text=True))
    assert match, f"no CSRF token on {path} ({page.status_code})"
    return match.group(1)


def _login(client, email: str, password: str = PASSWORD, address: str = "127.0.0.1"):
    token = _csrf_token(client)
    return client.post(
        "/login",
        data={"email": email, "password": password, "csrf_token": token},
        environ_base={"REMOTE_ADDR": address},
    )


@pytest.fixture
def web(demo_db, app):
    """The app over a database holding the demo portfolio and one user per role."""
    for role in ROLES:
        create_user(demo_db, email=f"{role}@example.cn", role=role, password=PASSWORD, actor="test")
    return app


@pytest.fixture
def as_role(web):
    """``as_role('manager')`` → a test client logged in with that role."""

    def make(role: str):
        client = web.test_client()
        response = _login(client, f"{role}@example.cn")
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        return client

    return make


@pytest.fixture
def csrf_token():
    """``csrf_token(client, path)`` → the token on that page of the client's session."""
    return _csrf_token


@pytest.fixture
def login():
    """``login(client, email, password=..., address=...)`` → the login response."""
    return _login
