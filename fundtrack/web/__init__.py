"""The web UI: a thin shell of Flask blueprints over the services.

``init_app`` wires the pieces: translations (Chinese by default), the session
and role gate with CSRF and security headers, template filters, the blueprints
and the error pages. Views read the request, call one service and render;
templates only format.
"""

from __future__ import annotations

from flask import Flask, current_app, g, render_template, request
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import CSRFError

from fundtrack import get_db
from fundtrack.ledger.errors import BusyError, UnavailableError
from fundtrack.services import portfolio
from fundtrack.web import access, formatting, i18n, timing
from fundtrack.web.forms import ActionForm, LanguageForm


def _context() -> dict:
    if "demo" not in g:
        try:
            g.demo = portfolio.has_demo(get_db(current_app))
        except Exception:
            g.demo = False
    return {
        "demo_data": g.demo,
        "language": i18n.current_language(),
        # Display-only forms (their own views read their POSTs): formdata=None, so rendering
        # an error page never re-reads a request body that was refused (a 413 became a 500).
        "language_form": LanguageForm(formdata=None),
        "action_form": ActionForm(formdata=None),
        "current_user": current_user,
    }


def _error(status: int, title: str, detail: str | None = None):
    return render_template("error.html", status=status, title=title, detail=detail), status


def _register_errors(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error):
        return _error(
            400,
            _("The form expired or did not come from this site."),
            _("Reload the page and try again."),
        )

    @app.errorhandler(400)
    def bad_request(error):
        return _error(400, _("Bad request"), getattr(error, "description", None))

    @app.errorhandler(403)
    def forbidden(_error_):
        return _error(403, _("Not allowed"), _("Your role may not do this."))

    @app.errorhandler(404)
    def not_found(_error_):
        return _error(404, _("Not found"), request.path)

    @app.errorhandler(413)
    def too_large(_error_):
        return _error(413, _("The file is too large."))

    @app.errorhandler(UnavailableError)
    def unavailable(error):
        # The database was busy (or out of space): nothing was saved, a retry may do.
        title = (
            _("The database is busy.")
            if isinstance(error, BusyError)
            else _("The server could not save: its storage is full.")
        )
        body, status = _error(503, title, _("Nothing was saved. Try again in a moment."))
        return body, status, {"Retry-After": "5"}


def init_app(app: Flask) -> None:
    from fundtrack.web import admin, auth, dashboard, funds, imports, ledger, reports

    i18n.init_app(app)
    access.init_app(app)
    formatting.init_app(app)
    timing.init_app(app)
    app.context_processor(_context)
    for module in (auth, dashboard, funds, ledger, imports, reports, admin):
        app.register_blueprint(module.bp)
    _register_errors(app)
