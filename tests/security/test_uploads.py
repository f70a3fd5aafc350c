"""Uploads (ASVS 12.1): the import upload is refused above the size limit (413), and an XML
entity bomb or a zip bomb inside an .xlsx is refused fast, in little memory, writing nothing.

Memory is measured with tracemalloc (every Python allocation, including the XML parser's and
zlib's buffers) and with the process's peak RSS (``getrusage``), around the whole request.
"""

from __future__ import annotations

import hashlib
import io
import resource
import time
import tracemalloc
import zipfile
from pathlib import Path

import openpyxl

from fundtrack.config import from_environment
from fundtrack.ledger.statements import Limits

MB = 1024 * 1024
HEADER = ["date", "type", "from", "to", "amount", "currency", "reference", "memo"]
ROW = ["2026-09-01", "investment", "SF-DIGITAL", "CO-SUANLI", "5", "CNY", "R1", "首轮"]


def _xlsx_members() -> dict[str, bytes]:
    book = openpyxl.Workbook()
    book.active.append(HEADER)
    book.active.append(ROW)
    out = io.BytesIO()
    book.save(out)
    source = zipfile.ZipFile(io.BytesIO(out.getvalue()))
    return {name: source.read(name) for name in source.namelist()}


def _zip(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return out.getvalue()


def billion_laughs() -> bytes:
    """A valid workbook whose sheet XML expands one cell to 10⁹ 'lol's through entities."""
    members = _xlsx_members()
    entities = '<!ENTITY lol0 "lol">' + "".join(
        f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10)
    )
    sheet = members["xl/worksheets/sheet1.xml"].decode()
    start = sheet.index("?>") + 2 if sheet.startswith("<?xml") else 0
    sheet = sheet[:start] + f"<!DOCTYPE worksheet [{entities}]>" + sheet[start:]
    members["xl/worksheets/sheet1.xml"] = sheet.replace("首轮", "&lol9;").encode()
    return _zip(members)


def zip_bomb(inflated: int = 200 * MB) -> bytes:
    """A workbook whose shared strings inflate to ``inflated`` bytes of zeros."""
    members = _xlsx_members()
    members["xl/sharedStrings.xml"] = b"0" * inflated
    return _zip(members)


def _upload(client, token, name: str, data: bytes):
    return client.post(
        "/imports/preview",
        data={"csrf_token": token, "file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


def _measured(call):
    """(result, seconds, peak traced bytes, growth of the peak RSS in bytes) of ``call()``."""
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    tracemalloc.start()
    started = time.perf_counter()
    try:
        result = call()
        seconds = time.perf_counter() - started
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    rss_growth = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 - rss_before
    return result, seconds, peak, rss_growth


def _kept(web, data: bytes) -> Path:
    return Path(web.instance_path) / "uploads" / hashlib.sha256(data).hexdigest()


def test_upload_above_the_limit_is_413_and_nothing_is_kept(
    web, as_role, csrf_token, demo_db, state
):
    limit = web.config["MAX_CONTENT_LENGTH"]
    assert limit == from_environment(web.instance_path)["MAX_CONTENT_LENGTH"] == 20 * MB
    assert limit <= Limits().max_bytes  # the reader's own limit is never the first one hit
    client = as_role("manager")
    token = csrf_token(client, "/imports")
    before = state(demo_db)
    data = b"date,type,from,to,amount,currency,reference,memo\n" + b"x" * limit
    response = _upload(client, token, "big.csv", data)
    assert response.status_code == 413
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert not _kept(web, data).exists()
    assert state(demo_db) == before
    # Just under the limit the same form is read (and refused for its content, not its size).
    small = b"date,type,from,to,amount,currency,reference,memo\n" + b"x" * 1000
    assert _upload(client, token, "small.csv", small).status_code == 422


def test_xml_entity_bomb_and_zip_bomb_are_refused_fast_in_bounded_memory(
    web, as_role, csrf_token, demo_db, state
):
    client = as_role("manager")
    token = csrf_token(client, "/imports")
    before = state(demo_db)
    laughs, bomb = billion_laughs(), zip_bomb()
    assert len(laughs) < 10_000
    assert len(bomb) < 1 * MB
    for name, data, reason in (
        ("laughs.xlsx", laughs, "XML is refused"),
        ("bomb.xlsx", bomb, "zip bomb"),
    ):
        response, seconds, peak, rss_growth = _measured(
            lambda d=data, n=name: _upload(client, token, n, d)
        )
        assert response.status_code == 422, name
        assert reason in response.get_data(as_text=True), name
        assert seconds < 5, f"{name}: {seconds:.1f} s"
        assert peak < 32 * MB, f"{name}: {peak / MB:.0f} MB traced"
        assert rss_growth < 64 * MB, f"{name}: peak RSS grew {rss_growth / MB:.0f} MB"
    assert state(demo_db) == before


def test_a_bomb_that_lies_about_its_size_is_caught_while_inflating(web, as_role, csrf_token):
    """A member whose declared size is small but whose data inflates far more: the reader
    counts what it actually decompresses and stops at the ratio limit."""
    data = bytearray(zip_bomb(50 * MB))
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as archive:
        info = archive.getinfo("xl/sharedStrings.xml")
    declared = (info.compress_size * 2).to_bytes(4, "little")
    real = info.file_size.to_bytes(4, "little")
    # Patch the uncompressed size in the local header and in the central directory.
    assert data.count(real) >= 2
    data = bytes(data).replace(real, declared)
    client = as_role("manager")
    token = csrf_token(client, "/imports")
    response, seconds, peak, _rss = _measured(lambda: _upload(client, token, "liar.xlsx", data))
    assert response.status_code == 422
    text = response.get_data(as_text=True)
    assert "zip bomb" in text or "not a valid XLSX" in text
    assert seconds < 5
    assert peak < 32 * MB
