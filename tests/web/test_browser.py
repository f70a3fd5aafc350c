"""The UI in a real headless Chromium: log in, read the dashboard, post a call, import, report.

The app runs under werkzeug's ``make_server`` on 127.0.0.1 in a thread, over a
SQLite database holding the demo portfolio. Screenshots are kept in
``test-artifacts/`` (git-ignored) for a person to look at.
"""

from __future__ import annotations

import threading
import uuid
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from fundtrack import create_app
from fundtrack.ledger.db import Database
from fundtrack.services.accounts import create_user
from fundtrack.services.database import init_database
from fundtrack.services.demo import load_demo

pytestmark = pytest.mark.browser
playwright = pytest.importorskip("playwright.sync_api")

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PASSWORD = "browser-test-password"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    folder = tmp_path_factory.mktemp("browser")
    url = f"sqlite:///{folder / 'fundtrack.db'}"
    db = Database(url)
    init_database(db)
    load_demo(db, progress=lambda _m: None)
    create_user(db, email="manager@example.cn", role="manager", password=PASSWORD, actor="t")
    db.dispose()
    app = create_app(
        {
            "DATABASE_URL": url,
            "SECRET_KEY": "browser-" + uuid.uuid4().hex,
            "REPORTS_DIR": str(folder / "reports"),
        }
    )
    httpd = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_port}"
    httpd.shutdown()
    thread.join(timeout=10)
    app.extensions["fundtrack.db"].dispose()


@pytest.fixture
def page(server):
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing (apt-get install chromium)")
    ARTIFACTS.mkdir(exist_ok=True)
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        context = browser.new_context(
            viewport={"width": 1360, "height": 900}, accept_downloads=True
        )
        tab = context.new_page()
        errors: list[str] = []
        # Refused inline styles or scripts show up as console errors; a 4xx answer to a
        # refused form is expected and logged too, so it is left out.
        tab.on(
            "console",
            lambda m: (
                errors.append(m.text) if m.type == "error" and "status of 4" not in m.text else None
            ),
        )
        tab.on("pageerror", lambda e: errors.append(str(e)))
        tab.goto(server + "/login")
        tab.fill("input[name=email]", "manager@example.cn")
        tab.fill("input[name=password]", PASSWORD)
        tab.click("button[type=submit].primary")
        tab.wait_for_url(server + "/")
        yield tab
        assert errors == [], errors  # e.g. a CSP violation (an inline style or script)
        context.close()
        browser.close()


def _paid_in(tab) -> str:
    return tab.inner_text("#kpis .kpi-paid-in .kpi-value")


def test_dashboard_and_a_capital_call_moves_the_kpis(page, server):
    assert "演示数据 / demo data" in page.inner_text("header")
    before = _paid_in(page)
    assert "亿元" in before
    page.screenshot(path=str(ARTIFACTS / "dashboard-zh.png"), full_page=True)
    assert page.locator("svg.chart").count() >= 4

    page.goto(server + "/ledger/new/contribution")
    page.select_option("select[name=from_code]", "LP-FISCAL")
    page.select_option("select[name=to_code]", "PARENT")
    page.fill("input[name=amount]", "150,000,000")
    page.fill("input[name=reference]", "CALL-BROWSER-1")
    page.click("button[type=submit].primary")
    page.wait_for_url(server + "/ledger")
    assert "CALL-BROWSER-1" in page.inner_text("table.data")

    page.goto(server + "/")
    after = _paid_in(page)
    assert after != before

    # English, from the header switch.
    page.click("form.lang-switch button[value=en]")
    page.wait_for_load_state()
    assert "Paid in" in page.inner_text("#kpis")
    page.screenshot(path=str(ARTIFACTS / "dashboard-en.png"), full_page=True)
    page.click("form.lang-switch button[value=zh]")


def test_entry_form_shows_the_problem_next_to_the_field(page, server):
    page.goto(server + "/ledger/new/contribution")
    page.select_option("select[name=from_code]", "LP-FISCAL")
    page.select_option("select[name=to_code]", "PARENT")
    page.fill("input[name=amount]", "99,000,000,000")
    page.click("button[type=submit].primary")
    error = page.locator(".field.has-error p.error").first
    assert "exceeds the remaining commitment" in error.inner_text()
    page.screenshot(path=str(ARTIFACTS / "entry-error.png"), full_page=True)


def test_import_with_a_bad_row_shows_the_error(page, server, tmp_path):
    bad = tmp_path / "statement.csv"
    bad.write_text(
        "date,type,from,to,amount,currency,reference,memo\n"
        "2026-10-15,contribution,LP-FISCAL,PARENT,1000000,CNY,IMP-1,ok\n"
        "2026-10-16,contribution,LP-NOBODY,PARENT,1000000,CNY,IMP-2,bad\n",
        encoding="utf-8",
    )
    page.goto(server + "/imports")
    page.set_input_files("input[name=file]", str(bad))
    page.click("button[type=submit].primary")
    problems = page.inner_text("table.problems")
    assert "LP-NOBODY" in problems
    page.screenshot(path=str(ARTIFACTS / "import-error.png"), full_page=True)
    assert page.locator("text=确认导入").count() == 0


def test_build_and_download_a_report(page, server):
    page.goto(server + "/reports")
    page.fill("input[name=quarter]", "2026Q3")
    page.click("button[type=submit].primary")
    page.wait_for_selector("section.report-run", timeout=120_000)
    with page.expect_download() as info:
        page.click("section.report-run a[href$='/download']")
    path = info.value.path()
    assert Path(path).read_bytes()[:5] == b"%PDF-"
    page.screenshot(path=str(ARTIFACTS / "reports.png"), full_page=True)
