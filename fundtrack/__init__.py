"""fundtrack: the ledger, analytics and board reporting of a fund-of-funds.

``create_app`` builds the Flask application: configuration from the environment,
the ledger's database, and the web UI's blueprints.
"""

from __future__ import annotations

from pathlib import Path

from flask import Flask

from fundtrack import config as settings
from fundtrack.ledger.db import Database

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def create_app(test_config: dict | None = None) -> Flask:
    app = Flask(
        __name__,
        instance_relative_config=True,
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "templates" / "static"),
    )
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    app.config.from_mapping(settings.from_environment(app.instance_path))
    if test_config:
        app.config.from_mapping(test_config)
    settings.check_production(app.config)
    app.extensions["fundtrack.db"] = Database(app.config["DATABASE_URL"])

    from fundtrack import cli, web

    cli.init_app(app)
    web.init_app(app)
    return app


def get_db(app: Flask) -> Database:
    return app.extensions["fundtrack.db"]
