"""The journal and the entry forms: transfers, valuations, 返投 recognitions, reversals, closing.

Every write goes through one ``services.entries`` function; a refused entry
comes back as ``LedgerError`` problems that are shown next to their fields.
"""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from fundtrack import get_db
from fundtrack.ledger.errors import LedgerError, NotFoundError
from fundtrack.ledger.journal import ALLOWED_ROUTES, TransferDraft
from fundtrack.ledger.periods import quarter_of, today
from fundtrack.ledger.valuations import ValuationDraft
from fundtrack.services import entries, portfolio
from fundtrack.web.access import ADMINS, READERS, WRITERS, allow
from fundtrack.web.formatting import display_name
from fundtrack.web.forms import (
    CloseQuarterForm,
    JournalFilterForm,
    RecognitionForm,
    ReverseForm,
    TransferForm,
    ValuationForm,
)

bp = Blueprint("ledger", __name__)

#: The transfer kinds with an entry form, in the order the menu shows them.
ENTRY_KINDS = ("contribution", "distribution", "investment", "proceeds", "fee", "expense")
#: Ledger problem fields → form fields; others are shown above the form.
TRANSFER_FIELDS = {"from": "from_code", "to": "to_code"}


def attach_problems(form, error: LedgerError, rename: dict[str, str] | None = None) -> None:
    """Show each problem next to its field, or above the form when no field matches."""
    rename = rename or {}
    for problem in error.problems:
        name = rename.get(problem.field, problem.field)
        field = form._fields.get(name)
        if field is not None and name != "csrf_token":
            field.errors = [*field.errors, problem.message]
        else:
            form.form_errors.append(problem.message)


def _choices(options: dict[str, list[dict]], kinds) -> list[SelectChoice]:
    return [
        SelectChoice(o["code"], f"{o['code']} · {display_name(o)}")
        for kind in sorted(kinds)
        for o in options.get(kind, [])
    ]


@bp.get("/ledger")
@allow(*READERS)
def journal():
    form = JournalFilterForm(request.args)
    if request.args and not form.validate():
        abort(400, description="; ".join(f"{k}: {', '.join(v)}" for k, v in form.errors.items()))
    filters = {
        "kind": form.kind.data or None,
        "entity": form.entity.data or None,
        "date_from": form.date_from.data,
        "date_to": form.date_to.data,
        "reference": form.reference.data or None,
    }
    per_page = int(form.per_page.data or 50)
    page = portfolio.journal(
        get_db(current_app),
        filters=filters,
        sort=form.sort.data or "date",
        descending=(form.order.data or "desc") == "desc",
        page=form.page.data or 1,
        per_page=per_page,
    )
    query = {k: v for k, v in request.args.items() if k != "page" and v}
    return render_template(
        "journal.html", form=form, page=page, query=query, entry_kinds=ENTRY_KINDS
    )


@bp.route("/ledger/new/<kind>", methods=["GET", "POST"])
@allow(*WRITERS)
def new_transfer(kind: str):
    if kind not in ENTRY_KINDS:
        abort(404)
    db = get_db(current_app)
    options = portfolio.entity_options(db)
    form = TransferForm()
    form.from_code.choices = _choices(options, {r[0] for r in ALLOWED_ROUTES[kind]})
    form.to_code.choices = _choices(options, {r[1] for r in ALLOWED_ROUTES[kind]})
    if request.method == "GET":
        form.date.data = today()
    status = 200
    if form.validate_on_submit():
        draft = TransferDraft(
            date=form.date.data,
            kind=kind,
            from_code=form.from_code.data,
            to_code=form.to_code.data,
            amount=form.amount.data,
            currency=(form.currency.data or "CNY").upper(),
            reference=form.reference.data or None,
            memo=form.memo.data or None,
            recallable=kind == "distribution" and form.recallable.data,
            fx_rate=None,
            fx_date=form.fx_date.data,
        )
        try:
            if form.fx_rate.data:
                draft = TransferDraft(
                    **{
                        **draft.__dict__,
                        "fx_rate": entries.parse_amount(form.fx_rate.data, "fx_rate"),
                    }
                )
            new_id = entries.record_transfer(db, draft, actor=current_user.email)
        except LedgerError as error:
            attach_problems(form, error, TRANSFER_FIELDS)
            status = 422
        else:
            flash(_("Posted entry #%(id)s.", id=new_id), "success")
            return redirect(url_for("ledger.journal"))
    elif request.method == "POST":
        status = 422
    return render_template(
        "transfer_form.html", form=form, kind=kind, entry_kinds=ENTRY_KINDS
    ), status


@bp.route("/ledger/<int:transfer_id>/reverse", methods=["GET", "POST"])
@allow(*WRITERS)
def reverse(transfer_id: int):
    db = get_db(current_app)
    try:
        entry = portfolio.transfer(db, transfer_id)
    except NotFoundError:
        abort(404)
    form = ReverseForm()
    if request.method == "GET":
        form.date.data = today()
    status = 200
    if form.validate_on_submit():
        try:
            new_id = entries.reverse(
                db,
                transfer_id,
                actor=current_user.email,
                date=form.date.data,
                memo=form.memo.data or None,
            )
        except LedgerError as error:
            attach_problems(form, error)
            status = 422
        else:
            flash(
                _("Entry #%(id)s is reversed by #%(new)s.", id=transfer_id, new=new_id), "success"
            )
            return redirect(url_for("ledger.journal"))
    elif request.method == "POST":
        status = 422
    return render_template("reverse.html", form=form, entry=entry), status


@bp.route("/valuations/new", methods=["GET", "POST"])
@allow(*WRITERS)
def new_valuation():
    db = get_db(current_app)
    options = portfolio.entity_options(db)
    form = ValuationForm()
    form.entity.choices = _choices(options, {"subfund", "parent", "company"})
    form.holder.choices = [SelectChoice("", "—"), *_choices(options, {"subfund", "parent"})]
    status = 200
    if form.validate_on_submit():
        draft = ValuationDraft(
            date=form.date.data,
            entity_code=form.entity.data,
            value=form.value.data,
            holder_code=form.holder.data or None,
            currency=(form.currency.data or "CNY").upper(),
            source=form.source.data or None,
        )
        try:
            new_id, new = entries.record_valuation(db, draft, actor=current_user.email)
        except LedgerError as error:
            attach_problems(form, error)
            status = 422
        else:
            if new:
                flash(_("Recorded valuation #%(id)s.", id=new_id), "success")
            else:
                flash(_("The same statement is already recorded: nothing added."), "info")
            return redirect(url_for("ledger.new_valuation"))
    elif request.method == "POST":
        status = 422
    return render_template("valuation_form.html", form=form), status


@bp.route("/recognitions/new", methods=["GET", "POST"])
@allow(*WRITERS)
def new_recognition():
    db = get_db(current_app)
    options = portfolio.entity_options(db)
    form = RecognitionForm()
    form.fund.choices = _choices(options, {"subfund"})
    form.company.choices = _choices(options, {"company"})
    if request.method == "GET":
        form.approval_date.data = today()
    status = 200
    if form.validate_on_submit():
        try:
            new_id = entries.record_recognition(
                db,
                fund=form.fund.data,
                company=form.company.data,
                category=form.category.data,
                base_amount=form.base_amount.data,
                approval_date=form.approval_date.data,
                evidence=form.evidence.data or None,
                multiplier=form.multiplier.data or None,
                actor=current_user.email,
            )
        except LedgerError as error:
            attach_problems(form, error)
            status = 422
        else:
            flash(_("Recorded 返投 recognition #%(id)s.", id=new_id), "success")
            return redirect(url_for("funds.subfund", code=form.fund.data))
    elif request.method == "POST":
        status = 422
    return render_template("recognition_form.html", form=form), status


@bp.route("/periods/close", methods=["GET", "POST"])
@allow(*ADMINS)
def close_quarter():
    form = CloseQuarterForm()
    if request.method == "GET":
        form.quarter.data = quarter_of(today())
    status = 200
    if form.validate_on_submit():
        try:
            quarter = entries.close_quarter(
                get_db(current_app), form.quarter.data, actor=current_user.email
            )
        except LedgerError as error:
            attach_problems(form, error)
            status = 422
        else:
            flash(_("%(quarter)s is closed.", quarter=quarter), "success")
            return redirect(url_for("ledger.journal"))
    elif request.method == "POST":
        status = 422
    return render_template("close_quarter.html", form=form), status
