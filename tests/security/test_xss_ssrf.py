"""Output encoding (ASVS 5.3.3) and SSRF (5.2.6 / 12.6.1): markup in names, memos and login
emails comes out as text in every HTML page and in the PDF, and the PDF renderer fetches
nothing but the report's own assets.

The hostile names are on the parent fund, a sub-fund and every company (name and English name),
in a journal memo and reference, and in a failed login's email (which the audit page lists).
"""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess

import pytest
from markupsafe import escape
from pypdf import PdfReader
from sqlalchemy import select, update

from fundtrack.ledger.db import Database
from fundtrack.ledger.journal import TransferDraft, post_transfer
from fundtrack.ledger.models import Entity
from fundtrack.reporting import render
from fundtrack.services.demo import load_demo
from fundtrack.services.reports import build_report

EVIL_NAMES = (
    "<img src=x onerror=alert(1)>",
    "<link rel=attachment href=file:///etc/passwd>",
    "<img src=http://127.0.0.1:1/x>",
)


def _rename(db: Database) -> dict[str, str]:
    """Give the parent, SF-DIGITAL and every company a hostile name; returns code → name."""
    with db.write() as session:
        codes = [
            "PARENT",
            "SF-DIGITAL",
            *sorted(session.scalars(select(Entity.code).where(Entity.kind == "company"))),
        ]
        names = {code: EVIL_NAMES[i % 3] for i, code in enumerate(codes)}
        for code, name in names.items():
            session.execute(
                update(Entity).where(Entity.code == code).values(name=name, name_en=name)
            )
    return names


def _assert_literal(html: str, expected: set[str], where: str) -> None:
    for name in EVIL_NAMES:
        assert name not in html, f"{where}: raw {name!r}"
    for name in expected:
        assert str(escape(name)) in html, f"{where}: {name!r} not shown as text"


def test_markup_in_names_memos_and_emails_is_text_on_every_page(web, as_role, login, demo_db):
    names = _rename(demo_db)
    with demo_db.write() as session:
        post_transfer(
            session,
            TransferDraft(
                date=dt.date(2026, 10, 20),
                kind="contribution",
                from_code="LP-FISCAL",
                to_code="PARENT",
                amount="1000",
                reference=EVIL_NAMES[2],
                memo=EVIL_NAMES[0] + EVIL_NAMES[1],
            ),
            actor="test",
        )
    login(web.test_client(), EVIL_NAMES[0] + "@x.cn", "wrong-password")
    company = next(code for code in names if code.startswith("CO-"))
    everything = set(EVIL_NAMES)
    pages = {
        "/": everything,
        "/funds": {names["PARENT"]},
        "/funds/SF-DIGITAL": everything,
        "/companies": everything,
        f"/companies/{company}": {names[company]},
        "/ledger": everything,
        "/audit": {EVIL_NAMES[0]},
    }
    for lang in ("zh", "en"):
        client = as_role("manager")
        if lang == "en":
            client.get("/", headers={"Accept-Language": "en"})
            with client.session_transaction() as session:
                session["lang"] = "en"
        for path, expected in pages.items():
            response = client.get(path)
            assert response.status_code == 200, path
            _assert_literal(response.get_data(as_text=True), expected, f"{lang} {path}")


@pytest.fixture(scope="module")
def hostile_report(sqlite_template, tmp_path_factory):
    """The demo with hostile names, and its 2026Q3 report in Chinese (SQLite only: the figures'
    own tests cover both databases; this one is about the renderer)."""
    folder = tmp_path_factory.mktemp("hostile-report")
    shutil.copy(sqlite_template, folder / "fundtrack.db")
    db = Database(f"sqlite:///{folder / 'fundtrack.db'}")
    load_demo(db, progress=lambda _m: None)
    _rename(db)
    renders = []
    original = render.html_to_pdf

    def spy(html, out_path, **kwargs):
        result = original(html, out_path, **kwargs)
        renders.append((html, result))
        return result

    patch = pytest.MonkeyPatch()
    patch.setattr(render, "html_to_pdf", spy)
    try:
        built = build_report(db, "2026Q3", "zh", folder / "report.pdf", "test")
    finally:
        patch.undo()
        db.dispose()
    return built, renders


def test_pdf_prints_markup_literally_has_no_attachments_and_fetched_only_assets(hostile_report):
    built, renders = hostile_report
    text = subprocess.run(
        ["pdftotext", "-raw", str(built.path), "-"], check=True, capture_output=True, text=True
    ).stdout
    flat = " ".join(text.split())
    for name in EVIL_NAMES:
        assert name in flat, name
    reader = PdfReader(built.path)
    assert reader.attachments == {}
    links = []
    for page in reader.pages:
        for annot in page.get("/Annots") or []:
            annot = annot.get_object()
            assert annot.get("/Subtype") != "/FileAttachment"
            links.append(str((annot.get("/A") or {}).get("/URI", "")))
    assert not [u for u in links if u.startswith("file:") or "127.0.0.1" in u]
    # The renderer refused nothing because the markup never reached it as markup …
    assert built.refused == []
    [(html, result)] = renders
    for name in EVIL_NAMES:
        assert name not in html
    # … and what it fetched is the report's own stylesheet, fonts and images, nothing else.
    assets = render.assets_dir("quarterly").as_uri()
    assert result.refused == []
    assert result.fetched
    for url in result.fetched:
        assert url.startswith(("data:", assets)) or assets.startswith(url), url
