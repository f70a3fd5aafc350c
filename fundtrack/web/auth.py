"""Logging in and out, and the language switch."""

from __future__ import annotations

import secrets
import time

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from fundtrack import get_db
from fundtrack.services import signin
from fundtrack.web.access import PUBLIC, READERS, WebUser, allow, safe_next
from fundtrack.web.forms import LanguageForm, LoginForm

bp = Blueprint("auth", __name__)


@bp.route("/login", methods=["GET", "POST"])
@allow(PUBLIC)
def login():
    form = LoginForm()
    status = 200
    expired = session.pop("expired", False)
    if form.validate_on_submit():
        outcome = signin.sign_in(
            get_db(current_app),
            form.email.data,
            form.password.data,
            address=request.remote_addr or "unknown",
        )
        if outcome.user is not None:
            language = session.get("lang")
            # A new session: nothing from before the login survives but the language choice.
            session.clear()
            session["nonce"] = secrets.token_hex(8)
            session["seen"] = int(time.time())
            session["lang"] = language or outcome.user.language
            session.permanent = True
            login_user(WebUser(outcome.user))
            return redirect(safe_next(request.args.get("next")))
        if outcome.refused == "throttled":
            status = 429
            form.form_errors.append(
                _("Too many failed attempts. Please wait 15 minutes and try again.")
            )
        else:
            status = 401
            form.form_errors.append(_("Wrong email or password."))
    elif request.method == "POST":
        status = 400
    return render_template("login.html", form=form, expired=expired), status


@bp.post("/logout")
@allow(*READERS)
def logout():
    signin.sign_out(get_db(current_app), current_user.uid, actor=current_user.email)
    language = session.get("lang")
    logout_user()
    session.clear()
    if language:
        session["lang"] = language
    flash(_("You are logged out."), "info")
    return redirect(url_for("auth.login"))


@bp.post("/language")
@allow(PUBLIC)
def language():
    form = LanguageForm()
    if form.validate_on_submit():
        session["lang"] = form.lang.data
        if current_user.is_authenticated:
            signin.set_language(get_db(current_app), current_user.uid, form.lang.data)
    return redirect(safe_next(form.next.data))
