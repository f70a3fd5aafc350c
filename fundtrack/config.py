"""Settings from the environment, and the checks that keep a production start safe."""

from __future__ import annotations

import os
from pathlib import Path

DEFAULT_SECRET = "dev-only-not-secret"  # noqa: S105 (the sentinel production refuses)


def _flag(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def from_environment(instance_path: str) -> dict:
    """The app's settings; ``DATABASE_URL`` defaults to SQLite under ``instance/``."""
    sqlite_path = Path(instance_path) / "fundtrack.db"
    env = os.environ.get("FUNDTRACK_ENV", "development")
    return {
        "ENV": env,
        "DEBUG": _flag("FLASK_DEBUG"),
        "SECRET_KEY": os.environ.get("SECRET_KEY", DEFAULT_SECRET),
        "DATABASE_URL": os.environ.get("DATABASE_URL", f"sqlite:///{sqlite_path}"),
        "REPORTS_DIR": os.environ.get(
            "FUNDTRACK_REPORTS_DIR", str(Path(instance_path) / "reports")
        ),
        "MAX_CONTENT_LENGTH": int(os.environ.get("FUNDTRACK_MAX_UPLOAD", 20 * 1024 * 1024)),
        "MAIL_SERVER": os.environ.get("MAIL_SERVER", "localhost"),
        "MAIL_PORT": int(os.environ.get("MAIL_PORT", 25)),
        "MAIL_USE_TLS": _flag("MAIL_USE_TLS"),
        "MAIL_USE_SSL": _flag("MAIL_USE_SSL"),
        "MAIL_USERNAME": os.environ.get("MAIL_USERNAME"),
        "MAIL_PASSWORD": os.environ.get("MAIL_PASSWORD"),
        "MAIL_DEFAULT_SENDER": os.environ.get("MAIL_DEFAULT_SENDER", "fundtrack@localhost"),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        # Production serves HTTPS: the session cookie is never sent in clear (ASVS 3.4.1).
        "SESSION_COOKIE_SECURE": _flag("SESSION_COOKIE_SECURE", default=env == "production"),
        "PERMANENT_SESSION_LIFETIME": int(os.environ.get("FUNDTRACK_IDLE_TIMEOUT", 30 * 60)),
        "WTF_CSRF_TIME_LIMIT": None,
    }


class UnsafeConfigurationError(RuntimeError):
    """Raised at start-up when production settings are not safe to run."""


def check_production(config: dict) -> None:
    if config.get("ENV") != "production":
        return
    problems = []
    if config.get("DEBUG"):
        problems.append("DEBUG is on")
    secret = config.get("SECRET_KEY") or ""
    if secret == DEFAULT_SECRET or len(secret) < 32:
        problems.append("SECRET_KEY is missing, the default, or shorter than 32 characters")
    if problems:
        raise UnsafeConfigurationError("refusing to start in production: " + "; ".join(problems))
