"""Access control (ASVS V4): the role gate over every route, and ids in URLs that name nothing
or someone else's record.

The routes come from the app's own URL map, not from a hand-written list, so a route added
later is covered without editing this file.
"""

from __future__ import annotations

import datetime as dt
import hashlib

from sqlalchemy import select

from fundtrack.ledger.models import ReportRun, User
from fundtrack.web.access import PUBLIC

#: A value for each URL argument, so every rule can be requested.
URL_ARGS = {"code": "SF-DIGITAL", "kind": "contribution"}


def _every_route(app):
    """(endpoint, method, path, roles) for every rule of the app but static files."""
    routes = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        values = {arg: URL_ARGS.get(arg, 1) for arg in rule.arguments}
        path = rule.build(values, append_unknown=False)[1]
        roles = app.view_functions[rule.endpoint].allowed_roles
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            routes.append((rule.endpoint, method, path, roles))
    return routes


def _call(client, method, path, token):
    if method == "GET":
        return client.get(path)
    return client.post(path, data={"csrf_token": token})


def test_board_is_refused_every_write_route_and_admin_page_and_each_refusal_is_audited(
    web, as_role, csrf_token, demo_db, state, audit_actions
):
    board = as_role("board")
    token = csrf_token(board, "/")
    before = state(demo_db)
    refused = []
    for endpoint, method, path, roles in _every_route(web):
        if PUBLIC in roles or endpoint == "auth.logout":
            continue  # login, language switch; logout ends the session the loop needs
        response = _call(board, method, path, token)
        where = f"board {method} {path}"
        if "board" in roles:
            assert method == "GET", f"{where}: a write route admits the board"
            assert response.status_code in (200, 302, 404), where
        else:
            assert response.status_code == 403, where
            refused.append((path[:60], method))
    # Every write route and every admin page was tried and refused.
    assert ("/users", "GET") in refused
    assert ("/periods/close", "GET") in refused
    assert sum(1 for _path, method in refused if method == "POST") >= 12
    assert state(demo_db) == before
    audited = audit_actions(demo_db, "authz.refused")
    assert [(a.object_id, a.detail["method"]) for a in audited] == refused
    assert {(a.actor, a.detail["role"]) for a in audited} == {("board@example.cn", "board")}


def test_user_pages_are_admin_only_whatever_the_id(web, as_role, csrf_token, demo_db):
    with demo_db.read() as session:
        ids = dict(session.execute(select(User.email, User.id)).all())
    for role in ("board", "manager"):
        client = as_role(role)
        token = csrf_token(client, "/")
        for user_id in (ids["admin@example.cn"], ids[f"{role}@example.cn"], 999_999):
            assert client.get(f"/users/{user_id}").status_code == 403
            promote = {"role": "admin", "active": "y", "csrf_token": token}
            assert client.post(f"/users/{user_id}", data=promote).status_code == 403
    with demo_db.read() as session:
        roles = dict(session.execute(select(User.email, User.role)).all())
    assert roles == {f"{r}@example.cn": r for r in ("admin", "manager", "board")}


def test_ids_that_name_nothing_are_404_never_500(web, as_role, csrf_token, demo_db, state):
    manager = as_role("manager")
    admin = as_role("admin")
    token = csrf_token(manager, "/")
    before = state(demo_db)
    for path in (
        "/reports/999999/download",
        "/reports/999999/preview",
        "/reports/0/download",
        "/ledger/999999/reverse",
        "/funds/NO-SUCH-FUND",
        "/funds/CO-CHELIAN",  # a company is not a sub-fund
        "/companies/SF-DIGITAL",  # and a sub-fund is not a company
        "/companies/NO-SUCH-CO",
        "/entities/NO-SUCH-CODE",
        "/reports/-1/download",  # not an int route: no match at all
    ):
        assert manager.get(path).status_code == 404, path
    assert admin.get("/users/999999").status_code == 404
    # A report that belongs to nothing: nothing is queued or sent.
    send = manager.post("/reports/999999/send", data={"csrf_token": token})
    assert send.status_code == 404
    assert manager.post("/ledger/999999/reverse", data={"csrf_token": token}).status_code == 404
    batch = manager.post("/imports/999999/reverse", data={"csrf_token": token})
    assert batch.status_code == 302  # back to the page, with the problem shown
    assert "no import batch" in manager.get("/imports").get_data(as_text=True)
    assert state(demo_db) == before


def test_a_report_row_pointing_at_another_file_is_not_served(web, as_role, demo_db, tmp_path):
    """A report row whose path was changed (say, to a server file) serves nothing: the file's
    hash must be the one recorded when the report was built."""
    secret = tmp_path / "not-a-report.txt"
    secret.write_text("server secret")
    genuine = tmp_path / "genuine.pdf"
    genuine.write_bytes(b"%PDF-1.7 stand-in")
    with demo_db.write() as session:
        run = ReportRun(
            quarter="2026Q3",
            language="zh",
            as_of=dt.date(2026, 9, 30),
            path=str(genuine),
            sha256=hashlib.sha256(genuine.read_bytes()).hexdigest(),
            figures={},
            built_by="test",
        )
        session.add(run)
        session.flush()
        report_id = run.id
    board = as_role("board")
    ok = board.get(f"/reports/{report_id}/download")
    assert ok.status_code == 200
    assert ok.data == b"%PDF-1.7 stand-in"
    with demo_db.write() as session:
        session.get(ReportRun, report_id).path = str(secret)
    swapped = board.get(f"/reports/{report_id}/download")
    assert swapped.status_code == 409
    assert b"server secret" not in swapped.data
    secret.unlink()
    assert board.get(f"/reports/{report_id}/preview").status_code == 404
