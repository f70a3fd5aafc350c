"""The reports page: build the quarterly PDF, preview or download it, send it to the board;
download the quarter's performance workbook (XLSX).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
from pathlib import Path

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from fundtrack import get_db
from fundtrack.ledger.errors import LedgerError, NotFoundError
from fundtrack.ledger.periods import previous_quarter, quarter_of, today
from fundtrack.reporting.outbox import MailSettings
from fundtrack.services import portfolio
from fundtrack.services import reports as service
from fundtrack.web.access import READERS, WRITERS, allow
from fundtrack.web.forms import ActionForm, ReportForm
from fundtrack.web.ledger import attach_problems

bp = Blueprint("reports", __name__)


def _page(form: ReportForm, status: int = 200):
    runs = portfolio.report_runs(get_db(current_app))
    return render_template("reports.html", form=form, runs=runs), status


@bp.get("/reports")
@allow(*READERS)
def index():
    form = ReportForm(data={"quarter": previous_quarter(quarter_of(today())), "language": "zh"})
    return _page(form)


@bp.post("/reports")
@allow(*WRITERS)
def build():
    form = ReportForm()
    if not form.validate_on_submit():
        return _page(form, 422)
    quarter = form.quarter.data.upper()
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%f")
    folder = Path(current_app.config["REPORTS_DIR"])
    folder.mkdir(parents=True, exist_ok=True)
    out = folder / f"quarterly-{quarter}-{form.language.data}-{stamp}.pdf"
    try:
        result = service.build_report(
            get_db(current_app), quarter, form.language.data, out, current_user.email
        )
    except LedgerError as error:
        attach_problems(form, error, {"lang": "language"})
        return _page(form, 422)
    flash(
        _("Built the %(quarter)s report (%(pages)s pages).", quarter=quarter, pages=result.pages),
        "success",
    )
    return redirect(url_for("reports.index"))


def _pdf(report_id: int, as_attachment: bool):
    try:
        report = portfolio.report_file(get_db(current_app), report_id)
    except NotFoundError:
        abort(404)
    path = Path(report["path"])
    try:
        data = path.read_bytes()
    except OSError:
        abort(404)
    if hashlib.sha256(data).hexdigest() != report["sha256"]:
        abort(409, description="the report file changed since it was built")
    name = f"fundtrack-{report['quarter']}-{report['language']}.pdf"
    return send_file(
        path, mimetype="application/pdf", as_attachment=as_attachment, download_name=name, max_age=0
    )


@bp.get("/reports/<int:report_id>/download")
@allow(*READERS)
def download(report_id: int):
    return _pdf(report_id, as_attachment=True)


@bp.get("/reports/<int:report_id>/preview")
@allow(*READERS)
def preview(report_id: int):
    return _pdf(report_id, as_attachment=False)


@bp.get("/reports/workbook")
@allow(*READERS)
def workbook():
    """The ILPA-style workbook of ``?quarter=2026Q3&lang=zh``, built on request."""
    from fundtrack.services.exports import export_workbook

    quarter = request.args.get("quarter") or previous_quarter(quarter_of(today()))
    lang = request.args.get("lang", "zh")
    buffer = io.BytesIO()
    try:
        done = export_workbook(get_db(current_app), quarter, buffer, lang=lang)
    except LedgerError:
        abort(400)
    except LookupError:
        abort(404)
    buffer.seek(0)
    return send_file(
        buffer,
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        as_attachment=True,
        download_name=f"fundtrack-{done.quarter}-{lang}.xlsx",
        max_age=0,
    )


@bp.post("/reports/<int:report_id>/send")
@allow(*WRITERS)
def send(report_id: int):
    if not ActionForm().validate_on_submit():
        abort(400)

    try:
        service.queue_to_board(get_db(current_app), report_id)
        summary = service.send_outbox(
            get_db(current_app), MailSettings.from_config(current_app.config), report_id=report_id
        )
    except NotFoundError:
        abort(404)
    except LedgerError as error:
        for problem in error.problems:
            flash(problem.message, "error")
    else:
        flash(_("Outbox: %(summary)s.", summary=summary.describe()), "info")
    return redirect(url_for("reports.index", _anchor=f"report-{report_id}"))
