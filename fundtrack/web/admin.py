"""The audit trail and the administration of user accounts."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from fundtrack import get_db
from fundtrack.ledger.errors import LedgerError, NotFoundError
from fundtrack.services import accounts, portfolio, users
from fundtrack.web.access import ADMINS, READERS, allow
from fundtrack.web.forms import AuditFilterForm, UserCreateForm, UserEditForm
from fundtrack.web.ledger import attach_problems

bp = Blueprint("admin", __name__)
PER_PAGE = 50


@bp.get("/audit")
@allow(*READERS)
def audit():
    form = AuditFilterForm(request.args)
    if request.args and not form.validate():
        abort(400, description="invalid filter")
    page = portfolio.audit_page(
        get_db(current_app),
        page=form.page.data or 1,
        per_page=PER_PAGE,
        actor=form.actor.data or None,
        action=form.action.data or None,
    )
    query = {k: v for k, v in request.args.items() if k != "page" and v}
    return render_template("audit.html", form=form, page=page, query=query)


@bp.route("/users", methods=["GET", "POST"])
@allow(*ADMINS)
def user_list():
    db = get_db(current_app)
    form = UserCreateForm()
    status = 200
    if form.validate_on_submit():
        try:
            accounts.create_user(
                db,
                email=form.email.data,
                role=form.role.data,
                password=form.password.data,
                name=form.name.data or None,
                actor=current_user.email,
            )
        except LedgerError as error:
            attach_problems(form, error)
            status = 422
        else:
            flash(_("Created the account of %(email)s.", email=form.email.data), "success")
            return redirect(url_for("admin.user_list"))
    elif request.method == "POST":
        status = 422
    return render_template("users.html", form=form, users=users.list_users(db)), status


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@allow(*ADMINS)
def user_edit(user_id: int):
    db = get_db(current_app)
    try:
        user = users.get_user(db, user_id)
    except NotFoundError:
        abort(404)
    form = UserEditForm(data={"role": user["role"], "active": user["active"]})
    status = 200
    if form.validate_on_submit():
        try:
            users.update_user(
                db,
                user_id,
                role=form.role.data,
                active=form.active.data,
                actor_id=current_user.uid,
                actor=current_user.email,
            )
        except LedgerError as error:
            attach_problems(form, error)
            status = 422
        else:
            flash(_("Saved %(email)s.", email=user["email"]), "success")
            return redirect(url_for("admin.user_list"))
    elif request.method == "POST":
        status = 422
    return render_template("user_edit.html", form=form, user=user), status
