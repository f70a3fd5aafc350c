"""Who may do what: sessions, roles, CSRF and the security headers of every response.

Every view declares the roles it admits with ``@allow(...)``; a gate before
each request checks the declaration on the server and fails closed (a view
that declares nothing admits nobody). A refused request is written to the
audit trail. The session cookie carries ``user id : session token``; the token
is checked against the database on every request, so a logout (which rotates
it) ends the session on the server too. Idle sessions expire after
``PERMANENT_SESSION_LIFETIME`` seconds.
"""

from __future__ import annotations

import time
from functools import wraps
from urllib.parse import urlsplit

from flask import Flask, abort, current_app, redirect, request, session, url_for
from flask_login import LoginManager, UserMixin, current_user, logout_user
from flask_wtf.csrf import CSRFProtect

from fundtrack import get_db
from fundtrack.services import signin

READERS = ("admin", "manager", "board")
WRITERS = ("admin", "manager")
ADMINS = ("admin",)
PUBLIC = "public"

#: No inline script or style anywhere; no plugins, no <base> or form targets elsewhere.
CSP = (
    "default-src 'self'; script-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; img-src 'self' data:; style-src 'self'; frame-ancestors 'none'"
)

csrf = CSRFProtect()
login_manager = LoginManager()


class WebUser(UserMixin):
    """The signed-in user of a request; its id for Flask-Login includes the session token."""

    def __init__(self, user: signin.SessionUser):
        self.user = user
        self.uid = user.id
        self.email = user.email
        self.name = user.name
        self.role = user.role
        self.language = user.language

    def get_id(self) -> str:
        return f"{self.user.id}:{self.user.session_token}"

    @property
    def can_write(self) -> bool:
        return self.role in WRITERS

    @property
    def is_admin(self) -> bool:
        return self.role in ADMINS


@login_manager.user_loader
def _load_user(key: str) -> WebUser | None:
    user_id, _, token = key.partition(":")
    if not user_id.isdigit() or not token:
        return None
    user = signin.load_user(get_db(current_app), int(user_id), token)
    return WebUser(user) if user else None


def allow(*roles: str):
    """Declare the roles a view admits (``PUBLIC`` for pages anyone may see)."""

    def decorate(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            return view(*args, **kwargs)

        wrapper.allowed_roles = roles
        return wrapper

    return decorate


def allowed_roles(endpoint: str | None) -> tuple[str, ...]:
    view = current_app.view_functions.get(endpoint or "")
    if endpoint == "static":
        return (PUBLIC,)
    return getattr(view, "allowed_roles", ())


def safe_next(target: str | None) -> str:
    """A redirect target from the request only when it stays on this site."""
    if not target:
        return url_for("dashboard.index")
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return url_for("dashboard.index")
    return target


def _refuse_nul():
    """A NUL byte in the path or a parameter is a 400: PostgreSQL refuses it in text (which
    would be a 500) and SQLite's LIKE stops at it (which would match every row)."""
    values = [request.path, *(v for _k, vs in request.args.lists() for v in vs)]
    if request.method == "POST":
        values += [v for _k, vs in request.form.lists() for v in vs]
    if any("\x00" in value for value in values):
        abort(400, description="NUL characters are not accepted")


def _gate():
    roles = allowed_roles(request.endpoint)
    if request.endpoint is None or PUBLIC in roles:
        return None
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    seen = session.get("seen", 0)
    lifetime = current_app.permanent_session_lifetime.total_seconds()
    if time.time() - seen > lifetime:
        logout_user()
        session.clear()
        session["expired"] = True
        return redirect(url_for("auth.login", next=request.full_path))
    session["seen"] = int(time.time())
    if current_user.role not in roles:
        signin.record_refusal(
            get_db(current_app),
            current_user.email,
            request.path,
            request.method,
            current_user.role,
        )
        abort(403)
    return None


def _headers(response):
    response.headers["Content-Security-Policy"] = CSP
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "same-origin"
    response.headers["X-Frame-Options"] = "DENY"
    if current_app.config.get("SESSION_COOKIE_SECURE"):
        # Served over HTTPS (production): browsers must not fall back to plain HTTP.
        response.headers["Strict-Transport-Security"] = "max-age=31536000"
    if request.endpoint != "static":
        response.headers.setdefault("Cache-Control", "no-store")
    return response


def init_app(app: Flask) -> None:
    app.config.setdefault("WTF_CSRF_ENABLED", True)
    csrf.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = None
    login_manager.session_protection = "basic"
    app.before_request(_refuse_nul)
    app.before_request(_gate)
    app.after_request(_headers)
