"""The web UI: Flask blueprints over the services."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from fundtrack.web import funds

    app.register_blueprint(funds.bp)
