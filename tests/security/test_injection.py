"""SQL injection (ASVS 5.3.4): every filter, sort and path parameter of the read pages.

Each hostile value must give 400 (refused by validation) or a page with no matching rows,
never a 500, and the tables and the journal must be intact afterwards.
"""

from __future__ import annotations

from urllib.parse import quote, urlencode

HOSTILE = [
    "'; DROP TABLE transfer;--",
    "1 OR 1=1",
    "' OR '1'='1",
    '" OR ""="',
    "amount desc; --",
    "date) UNION SELECT password_hash FROM user_account --",
    "%",
    "_",
    "\\",
    "\x00",
    "nul\x00byte",
    "\u202egnp.exe",
    "资金'；删除",
    "\ud83d\ude00",  # an emoji (a surrogate pair in UTF-16)
    "x" * 5000,
]
JOURNAL_PARAMS = (
    "kind",
    "entity",
    "date_from",
    "date_to",
    "reference",
    "sort",
    "order",
    "page",
    "per_page",
)
AUDIT_PARAMS = ("actor", "action", "page")
AS_OF_PAGES = ("/", "/funds", "/companies", "/funds/SF-DIGITAL", "/companies/CO-CHELIAN")
CODE_PAGES = ("/funds/{}", "/companies/{}", "/entities/{}")


def _rows(html: str) -> int:
    return html.count("<tr class=")


def _get(client, path: str, params: dict | None = None):
    query = ("?" + urlencode(params, encoding="utf-8", errors="surrogatepass")) if params else ""
    return client.get(path + query)


def test_hostile_filters_sorts_and_codes_never_reach_sql(web, as_role, demo_db, state):
    client = as_role("manager")
    before = state(demo_db)
    all_rows = _rows(_get(client, "/ledger", {"per_page": "100"}).get_data(as_text=True))
    assert all_rows == 100
    seen = set()
    for value in HOSTILE:
        for name in JOURNAL_PARAMS:
            response = _get(client, "/ledger", {name: value})
            where = f"/ledger {name}={value[:40]!r}"
            assert response.status_code in (200, 400), where
            seen.add(response.status_code)
            if response.status_code == 200:
                # Accepted as plain text: it matches nothing (no entry has such a reference).
                assert name in ("reference", "entity"), where
                assert _rows(response.get_data(as_text=True)) == 0, where
        for name in AUDIT_PARAMS:
            response = _get(client, "/audit", {name: value})
            assert response.status_code in (200, 400), f"/audit {name}={value[:40]!r}"
            if response.status_code == 200:
                assert _rows(response.get_data(as_text=True)) == 0
        for path in AS_OF_PAGES:
            assert _get(client, path, {"as_of": value}).status_code == 400, path
        for pattern in CODE_PAGES:
            path = pattern.format(quote(value.encode("utf-8", "surrogatepass"), safe=""))
            response = client.get(path)
            assert response.status_code in (400, 404), f"{pattern} {value[:40]!r}"
    assert seen == {200, 400}
    assert state(demo_db) == before


def test_sort_and_order_are_allow_listed(web, as_role):
    client = as_role("board")
    for sort in ("date", "amount", "id", "kind"):
        for order in ("asc", "desc"):
            assert _get(client, "/ledger", {"sort": sort, "order": order}).status_code == 200
    for sort in ("amount desc", "amount_cny", "posted_by", "1", "hash", "date,id", "(select 1)"):
        assert _get(client, "/ledger", {"sort": sort}).status_code == 400, sort
    for page, status in (
        ("0", 400),
        ("-1", 400),
        ("1e3", 400),
        ("99999999999", 400),
        ("1000000", 200),
    ):
        response = _get(client, "/ledger", {"page": page})
        assert response.status_code == status, page
        if status == 200:
            assert _rows(response.get_data(as_text=True)) == 0


def test_nul_in_a_form_is_refused_before_the_database(
    web, as_role, csrf_token, login, demo_db, state
):
    """PostgreSQL cannot store NUL in text: without the check this was a 500 there."""
    before = state(demo_db)
    assert login(web.test_client(), "board\x00@example.cn").status_code == 400
    manager = as_role("manager")
    token = csrf_token(manager, "/ledger/new/contribution")
    entry = {
        "date": "2026-10-20",
        "from_code": "LP-FISCAL",
        "to_code": "PARENT",
        "amount": "1000.00",
        "currency": "CNY",
        "memo": "a\x00b",
        "csrf_token": token,
    }
    assert manager.post("/ledger/new/contribution", data=entry).status_code == 400
    assert state(demo_db) == before
