"""Every route × every role: who gets in, who is refused (on the server), who must log in."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from fundtrack.ledger.models import AuditEntry, User
from fundtrack.web.access import ADMINS, PUBLIC, READERS, WRITERS

#: (method, path, who may) — every endpoint of the app appears here (checked below).
ROUTES = [
    ("GET", "/", READERS),
    ("GET", "/funds", READERS),
    ("GET", "/funds/SF-DIGITAL", READERS),
    ("GET", "/companies", READERS),
    ("GET", "/companies/CO-CHELIAN", READERS),
    ("GET", "/entities/SF-DIGITAL", READERS),
    ("GET", "/ledger", READERS),
    ("GET", "/imports", READERS),
    ("GET", "/reports", READERS),
    ("GET", "/reports/999/download", READERS),
    ("GET", "/reports/999/preview", READERS),
    ("GET", "/reports/workbook", READERS),
    ("GET", "/audit", READERS),
    ("POST", "/logout", READERS),
    ("GET", "/ledger/new/contribution", WRITERS),
    ("POST", "/ledger/new/contribution", WRITERS),
    ("GET", "/ledger/1/reverse", WRITERS),
    ("POST", "/ledger/1/reverse", WRITERS),
    ("GET", "/valuations/new", WRITERS),
    ("POST", "/valuations/new", WRITERS),
    ("GET", "/recognitions/new", WRITERS),
    ("POST", "/recognitions/new", WRITERS),
    ("POST", "/imports/preview", WRITERS),
    ("POST", "/imports/commit", WRITERS),
    ("POST", "/imports/999/reverse", WRITERS),
    ("POST", "/reports", WRITERS),
    ("POST", "/reports/999/send", WRITERS),
    ("GET", "/periods/close", ADMINS),
    ("POST", "/periods/close", ADMINS),
    ("GET", "/users", ADMINS),
    ("POST", "/users", ADMINS),
    ("GET", "/users/1", ADMINS),
    ("POST", "/users/1", ADMINS),
]
PUBLIC_ROUTES = {("GET", "/login"), ("POST", "/login"), ("POST", "/language")}


def _request(client, method: str, path: str, csrf_token):
    if method == "GET":
        return client.get(path)
    # A valid token of this client's own session: CSRF is not what is tested here.
    return client.post(path, data={"csrf_token": csrf_token(client, "/login")})


@pytest.mark.parametrize("role", ["anonymous", "board", "manager", "admin"])
def test_route_table(web, as_role, role, csrf_token):
    client = web.test_client() if role == "anonymous" else as_role(role)
    for method, path, allowed in ROUTES:
        if path == "/logout":
            continue  # it ends the session the other rows need; tested on its own
        response = _request(client, method, path, csrf_token)
        where = f"{role} {method} {path}"
        assert response.status_code < 500, where
        if role == "anonymous":
            assert response.status_code == 302, where
            assert response.headers["Location"].startswith("/login"), where
        elif role in allowed:
            assert response.status_code != 403, where
            assert response.status_code in (200, 302, 400, 404, 422), where
        else:
            assert response.status_code == 403, where


def test_reads_render_for_every_role(as_role):
    for role in ("board", "manager", "admin"):
        client = as_role(role)
        for method, path, _allowed in ROUTES:
            plain_page = method == "GET" and "999" not in path and "/entities/" not in path
            if plain_page and role in _allowed:
                assert client.get(path).status_code == 200, f"{role} {path}"


def test_every_endpoint_declares_roles_and_is_in_the_table(web):
    adapter = web.url_map.bind("localhost")
    table: dict[tuple[str, str], tuple[str, ...]] = {}
    for method, path, allowed in ROUTES:
        endpoint, _ = adapter.match(path, method=method)
        table[(endpoint, method)] = tuple(allowed)
    for method, path in PUBLIC_ROUTES:
        endpoint, _ = adapter.match(path, method=method)
        table[(endpoint, method)] = (PUBLIC,)
    for rule in web.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        roles = getattr(web.view_functions[rule.endpoint], "allowed_roles", None)
        assert roles, f"{rule.endpoint} declares no roles"
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            assert (rule.endpoint, method) in table, f"{method} {rule.rule} is not in the table"
            assert table[(rule.endpoint, method)] == tuple(roles), rule.rule


def test_refusal_is_audited(web, as_role, demo_db):
    client = as_role("board")
    assert client.get("/ledger/new/fee").status_code == 403
    with demo_db.read() as session:
        refused = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "authz.refused")
        ).all()
    assert [(r.actor, r.object_id) for r in refused] == [("board@example.cn", "/ledger/new/fee")]


def test_board_sees_no_write_buttons(as_role):
    page = as_role("board").get("/ledger").get_data(as_text=True)
    assert "/ledger/new/" not in page
    assert "/reverse" not in page
    manager_page = as_role("manager").get("/ledger").get_data(as_text=True)
    assert "/ledger/new/contribution" in manager_page


def test_deactivated_user_is_logged_out_at_once(web, as_role, demo_db, csrf_token):
    board = as_role("board")
    admin = as_role("admin")
    with demo_db.read() as session:
        board_id = session.scalar(select(User.id).where(User.email == "board@example.cn"))
    token = csrf_token(admin, "/users")
    response = admin.post(f"/users/{board_id}", data={"role": "board", "csrf_token": token})
    assert response.status_code == 302
    assert board.get("/").status_code == 302  # back to the login page
