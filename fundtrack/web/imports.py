"""The import wizard: upload → preview with row errors → commit; batch history and reversal.

The uploaded bytes are kept between preview and commit under
``instance/uploads/<sha256>``: the name on disk is the content's hash, never
anything the user typed, and the commit form carries only that hash.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from flask import Blueprint, abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from fundtrack import get_db
from fundtrack.ledger.errors import LedgerError
from fundtrack.ledger.periods import today
from fundtrack.services import imports as service
from fundtrack.services import portfolio
from fundtrack.web.access import READERS, WRITERS, allow
from fundtrack.web.forms import ActionForm, ImportCommitForm, UploadForm

bp = Blueprint("imports", __name__)
SHA256 = re.compile(r"^[0-9a-f]{64}$")
ALLOWED_SUFFIXES = (".csv", ".xlsx", ".txt")


def _uploads() -> Path:
    folder = Path(current_app.instance_path) / "uploads"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _keep(data: bytes) -> str:
    digest = hashlib.sha256(data).hexdigest()
    path = _uploads() / digest
    if not path.exists():
        path.write_bytes(data)
    return digest


def _kept(digest: str) -> bytes:
    if not SHA256.match(digest or ""):
        abort(400)
    path = _uploads() / digest
    if not path.is_file():
        abort(410, description="the uploaded file is no longer here: upload it again")
    return path.read_bytes()


def _display_name(name: str | None) -> str:
    """The file's own name, for display and for the kind detection only (never a path)."""
    base = re.split(r"[\\/]", name or "")[-1]
    return (base.strip() or "upload.csv")[:255]


@bp.get("/imports")
@allow(*READERS)
def index():
    return render_template(
        "imports.html",
        form=UploadForm(),
        batches=portfolio.import_batches(get_db(current_app)),
    )


def _refused(error: LedgerError, filename: str):
    """The preview page listing why the file was refused, with nothing to commit."""
    return render_template(
        "import_preview.html",
        result=None,
        problems=error.problems,
        filename=filename,
        commit_form=None,
    ), 422


@bp.post("/imports/preview")
@allow(*WRITERS)
def preview():
    form = UploadForm()
    if not form.validate_on_submit():
        return render_template(
            "imports.html",
            form=form,
            batches=portfolio.import_batches(get_db(current_app)),
        ), 422
    upload = form.file.data
    filename = _display_name(upload.filename)
    if not filename.lower().endswith(ALLOWED_SUFFIXES):
        form.file.errors = [_("Upload a .csv or .xlsx file.")]
        return render_template(
            "imports.html",
            form=form,
            batches=portfolio.import_batches(get_db(current_app)),
        ), 422
    data = upload.read()
    digest = _keep(data)
    try:
        result = service.preview_import(get_db(current_app), filename, data, current_user.email)
    except LedgerError as error:
        return _refused(error, filename)
    commit_form = ImportCommitForm(data={"token": digest, "filename": filename})
    problems = list(result.problems)
    return render_template(
        "import_preview.html",
        result=result,
        problems=problems,
        filename=filename,
        commit_form=None if problems else commit_form,
    ), (422 if problems else 200)


@bp.post("/imports/commit")
@allow(*WRITERS)
def commit():
    form = ImportCommitForm()
    if not form.validate_on_submit():
        abort(400, description="the import form is incomplete")
    data = _kept(form.token.data)
    filename = _display_name(form.filename.data)
    try:
        outcome = service.commit_import(get_db(current_app), filename, data, current_user.email)
    except LedgerError as error:
        return _refused(error, filename)
    (_uploads() / form.token.data).unlink(missing_ok=True)
    flash(
        _(
            "Imported %(file)s: %(new)s new, %(dup)s duplicates.",
            file=filename,
            new=outcome.new,
            dup=outcome.duplicates,
        ),
        "success",
    )
    return redirect(url_for("imports.index"))


@bp.post("/imports/<int:batch_id>/reverse")
@allow(*WRITERS)
def reverse(batch_id: int):
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        service.reverse_batch(get_db(current_app), batch_id, current_user.email, today())
    except LedgerError as error:
        for problem in error.problems:
            flash(problem.message, "error")
    else:
        flash(_("Batch #%(id)s is reversed.", id=batch_id), "success")
    return redirect(url_for("imports.index"))
