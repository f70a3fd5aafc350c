"""Entry forms, reversal, closing, imports and languages, through the Flask test client."""

from __future__ import annotations

import io
import re
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

from babel.messages.pofile import read_po
from sqlalchemy import select

from fundtrack.ledger.models import ImportBatch, Transfer
from fundtrack.web.formatting import ROLES, TERMS

ROOT = Path(__file__).resolve().parents[2]


def _post(client, csrf_token, path, data, token_from=None):
    token = csrf_token(client, token_from or path)
    return client.post(path, data={**data, "csrf_token": token})


def test_capital_call_posts_and_moves_the_dashboard(as_role, csrf_token, demo_db):
    client = as_role("manager")
    as_of = "?as_of=2026-10-31"
    before = client.get("/funds" + as_of).get_data(as_text=True)
    response = _post(
        client,
        csrf_token,
        "/ledger/new/contribution",
        {
            "date": "2026-10-20",
            "from_code": "LP-SOE",
            "to_code": "PARENT",
            "amount": "12,345,678.90",
            "currency": "CNY",
            "reference": "CALL-2026-10",
        },
    )
    assert response.status_code == 302
    with demo_db.read() as session:
        posted = session.scalar(select(Transfer).where(Transfer.reference == "CALL-2026-10"))
    assert posted.amount == Decimal("12345678.90")
    assert posted.posted_by == "manager@example.cn"
    after = client.get("/funds" + as_of).get_data(as_text=True)
    assert "12,345,678.90" in after
    assert "12,345,678.90" not in before


def test_refused_entry_shows_problems_next_to_fields(as_role, csrf_token, demo_db):
    client = as_role("manager")
    response = _post(
        client,
        csrf_token,
        "/ledger/new/contribution",
        {
            "date": "2026-10-20",
            "from_code": "LP-SOE",
            "to_code": "PARENT",
            "amount": "1.2345678",
            "currency": "CNY",
        },
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    amount_field = re.search(
        r'<div class="field has-error">\s*<label for="amount".*?</div>', html, re.S
    )
    assert amount_field
    assert "decimal places" in amount_field.group(0)


def test_a_missing_field_is_named_in_the_pages_language(as_role, csrf_token):
    """WTForms' own messages follow the language switch, request by request."""
    client = as_role("manager")
    form = {"from_code": "LP-SOE", "to_code": "PARENT", "amount": "", "currency": "CNY"}
    missing = re.compile(r'<div class="field has-error">\s*<label for="amount".*?</div>', re.S)
    for language, message in (
        ("zh", "该字段是必填字段。"),
        ("en", "This field is required."),
        ("zh", "该字段是必填字段。"),
    ):
        token = csrf_token(client, "/")
        client.post("/language", data={"lang": language, "next": "/", "csrf_token": token})
        response = _post(
            client, csrf_token, "/ledger/new/contribution", {"date": "2026-10-20", **form}
        )
        assert response.status_code == 422
        field = missing.search(response.get_data(as_text=True))
        assert field, language
        assert message in field.group(0), language


def test_reverse_then_close_quarter(as_role, csrf_token, demo_db):
    manager, admin = as_role("manager"), as_role("admin")
    with demo_db.read() as session:
        first = session.scalar(select(Transfer.id).order_by(Transfer.id).limit(1))
    response = _post(
        manager, csrf_token, f"/ledger/{first}/reverse", {"date": "2026-10-05", "memo": "typo"}
    )
    assert response.status_code == 302
    with demo_db.read() as session:
        reversal = session.scalar(select(Transfer).where(Transfer.reverses_id == first))
    assert reversal is not None
    assert reversal.memo == "typo"
    again = manager.get(f"/ledger/{first}/reverse").get_data(as_text=True)
    assert f"#{reversal.id}" in again
    assert 'name="date"' not in again

    assert _post(admin, csrf_token, "/periods/close", {"quarter": "2026Q4"}).status_code == 302
    refused = _post(
        manager,
        csrf_token,
        "/valuations/new",
        {
            "date": "2026-11-30",
            "entity": "SF-DIGITAL",
            "holder": "",
            "value": "100",
            "currency": "CNY",
        },
    )
    assert refused.status_code == 422
    assert "2026Q4, which is closed" in refused.get_data(as_text=True)


def test_recognition_counted_once(as_role, csrf_token, demo_db):
    client = as_role("manager")
    page = client.get("/funds/SF-DIGITAL").get_data(as_text=True)
    recognised = re.search(
        r'href="/companies/(CO-[A-Z]+)">[^<]+</a></td><td>', page.split('id="reinvestment"')[1]
    ).group(1)
    response = _post(
        client,
        csrf_token,
        "/recognitions/new",
        {
            "fund": "SF-DIGITAL",
            "company": recognised,
            "category": "relocation",
            "base_amount": "1000000",
            "approval_date": "2026-10-10",
        },
    )
    assert response.status_code == 422
    assert "never counted twice" in response.get_data(as_text=True)


def test_import_wizard_preview_commit_and_reverse(as_role, csrf_token, demo_db, web):
    client = as_role("manager")
    good = (
        b"date,type,from,to,amount,currency,reference,memo\n"
        b"2026-10-15,contribution,LP-FISCAL,PARENT,1000000,CNY,IMP-1,first\n"
    )
    token = csrf_token(client, "/imports")
    preview = client.post(
        "/imports/preview",
        data={
            "csrf_token": token,
            "file": (io.BytesIO(good), "../../etc/calls.csv"),
        },
        content_type="multipart/form-data",
    )
    assert preview.status_code == 200
    html = preview.get_data(as_text=True)
    digest = re.search(r'name="token" type="hidden" value="([0-9a-f]{64})"', html).group(1)
    kept = Path(web.instance_path) / "uploads" / digest
    assert kept.read_bytes() == good
    assert 'value="calls.csv"' in html  # the file's own name, never a path
    commit_token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
    done = client.post(
        "/imports/commit",
        data={"csrf_token": commit_token, "token": digest, "filename": "calls.csv"},
    )
    assert done.status_code == 302
    with demo_db.read() as session:
        batch = session.scalar(select(ImportBatch).order_by(ImportBatch.id.desc()))
    assert (batch.status, batch.rows_new) == ("committed", 1)
    assert not kept.exists()
    reverse = _post(client, csrf_token, f"/imports/{batch.id}/reverse", {}, "/imports")
    assert reverse.status_code == 302
    with demo_db.read() as session:
        assert session.get(ImportBatch, batch.id).status == "reversed"


def test_import_preview_lists_bad_rows(as_role, csrf_token):
    client = as_role("manager")
    bad = (
        b"date,type,from,to,amount,currency,reference,memo\n"
        b"2026-10-15,contribution,LP-NOBODY,PARENT,1000000,CNY,IMP-9,bad\n"
    )
    response = client.post(
        "/imports/preview",
        data={
            "csrf_token": csrf_token(client, "/imports"),
            "file": (io.BytesIO(bad), "bad.csv"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "LP-NOBODY" in html
    assert "/imports/commit" not in html


def test_chinese_by_default_english_on_request(web, as_role, csrf_token):
    client = as_role("board")
    assert "<h2>子基金</h2>" in client.get("/?as_of=2026-09-30").get_data(as_text=True)
    token = csrf_token(client, "/")
    client.post("/language", data={"lang": "en", "next": "/", "csrf_token": token})
    page = client.get("/?as_of=2026-09-30").get_data(as_text=True)
    assert "<h2>Sub-funds</h2>" in page
    assert "Sep 30, 2026" in page  # dates in the English locale
    anonymous = web.test_client()
    assert "登录" in anonymous.get("/login").get_data(as_text=True)


def test_every_message_has_a_chinese_translation(tmp_path):
    config = tmp_path / "babel.cfg"
    config.write_text("[python: fundtrack/web/**.py]\n[jinja2: templates/**.html]\n")
    pot = tmp_path / "messages.pot"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "babel.messages.frontend",
            "extract",
            "-F",
            str(config),
            "-k",
            "_l",
            "-o",
            str(pot),
            ".",
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    with pot.open("rb") as handle:
        wanted = {m.id for m in read_po(handle) if m.id}
    wanted |= set(TERMS.values()) | set(ROLES.values())
    catalogue = ROOT / "fundtrack/translations/zh/LC_MESSAGES/messages.po"
    with catalogue.open("rb") as handle:
        translated = {m.id for m in read_po(handle) if m.id and m.string}
    assert sorted(wanted - translated) == []
