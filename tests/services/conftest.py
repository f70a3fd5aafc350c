"""Fixtures of the service tests."""

from __future__ import annotations

import pytest

from fundtrack.services import demo_large
from fundtrack.services.demo import load_demo


@pytest.fixture
def cut_demo(db, monkeypatch):
    """The large demo cut to 18 sub-funds of 3 companies: more than the 15 a dashboard
    lists, small enough to build in a test."""
    monkeypatch.setattr(demo_large, "SUBFUNDS", 18)
    monkeypatch.setattr(demo_large, "COMPANIES_PER_FUND", 3)
    load_demo(db, size="large", progress=lambda _m: None)
    return db
