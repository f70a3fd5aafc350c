"""The UI's forms (Flask-WTF: every POST carries a CSRF token).

Fields are named after the ledger's ``Problem.field`` names where they can be,
so a refused entry shows each problem next to the field it concerns.
"""

from __future__ import annotations

import functools
import re

from babel import support
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    HiddenField,
    IntegerField,
    PasswordField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.i18n import messages_path
from wtforms.validators import (
    AnyOf,
    DataRequired,
    Email,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    Regexp,
)

from fundtrack.ledger.models import TRANSFER_KINDS

CODE = re.compile(r"^[A-Za-z0-9_.\-]{1,40}$")
QUARTER = r"^\d{4}Q[1-4]$"


@functools.cache
def _wtforms_catalogue(locale: str) -> support.Translations:
    """WTForms' own messages ("This field is required.") in ``locale``, read once per
    process: Flask-WTF reads the catalogue from disk again on every request."""
    return support.Translations.load(messages_path(), [locale], domain="wtforms")


class Form(FlaskForm):
    """The UI's forms: Flask-WTF's (CSRF and all), WTForms' messages in the page's locale."""

    class Meta(FlaskForm.Meta):
        def get_translations(self, form):
            return _wtforms_catalogue(str(get_locale()))


class LoginForm(Form):
    email = EmailField(_l("Email"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)])


class LanguageForm(Form):
    lang = HiddenField(validators=[AnyOf(("zh", "en"))])
    next = HiddenField()


class TransferForm(Form):
    date = DateField(_l("Date"), validators=[InputRequired()])
    from_code = SelectField(_l("From"), validators=[InputRequired()], validate_choice=False)
    to_code = SelectField(_l("To"), validators=[InputRequired()], validate_choice=False)
    amount = StringField(_l("Amount"), validators=[InputRequired(), Length(max=40)])
    currency = StringField(_l("Currency"), default="CNY", validators=[Length(min=3, max=3)])
    fx_rate = StringField(_l("FX rate (CNY per unit)"), validators=[Optional(), Length(max=30)])
    fx_date = DateField(_l("FX rate date"), validators=[Optional()])
    reference = StringField(_l("Reference"), validators=[Optional(), Length(max=120)])
    memo = StringField(_l("Memo"), validators=[Optional(), Length(max=500)])
    recallable = BooleanField(_l("Recallable (may be called again)"))


class ValuationForm(Form):
    date = DateField(_l("Statement date"), validators=[InputRequired()])
    entity = SelectField(_l("Fund or company"), validators=[InputRequired()], validate_choice=False)
    holder = SelectField(_l("Held by (fair value of a company)"), validate_choice=False)
    value = StringField(_l("Value"), validators=[InputRequired(), Length(max=40)])
    currency = StringField(_l("Currency"), default="CNY", validators=[Length(min=3, max=3)])
    source = StringField(_l("Source"), validators=[Optional(), Length(max=200)])


class RecognitionForm(Form):
    fund = SelectField(_l("Sub-fund"), validators=[InputRequired()], validate_choice=False)
    company = SelectField(_l("Company"), validators=[InputRequired()], validate_choice=False)
    category = SelectField(
        _l("Category"),
        choices=[
            SelectChoice("relocation", _l("Relocation")),
            SelectChoice("local_subsidiary", _l("Local subsidiary")),
            SelectChoice("local_investment", _l("Investment in a local firm")),
        ],
        validate_choice=False,
    )
    base_amount = StringField(_l("Base amount"), validators=[InputRequired(), Length(max=40)])
    multiplier = StringField(
        _l("Multiplier (blank: from the terms)"), validators=[Optional(), Length(max=20)]
    )
    approval_date = DateField(_l("Approval date"), validators=[InputRequired()])
    evidence = TextAreaField(_l("Evidence"), validators=[Optional(), Length(max=500)])


class ReverseForm(Form):
    date = DateField(_l("Reversal date"), validators=[InputRequired()])
    memo = StringField(_l("Reason"), validators=[Optional(), Length(max=500)])


class CloseQuarterForm(Form):
    quarter = StringField(_l("Quarter"), validators=[DataRequired(), Regexp(QUARTER)])


class ActionForm(Form):
    """A button that only needs the CSRF token (send, reverse a batch…)."""


class UploadForm(Form):
    file = FileField(_l("Statement file (CSV or XLSX)"), validators=[FileRequired()])


class ImportCommitForm(Form):
    token = HiddenField(validators=[DataRequired(), Regexp(r"^[0-9a-f]{64}$")])
    filename = HiddenField(validators=[DataRequired(), Length(max=255)])


class ReportForm(Form):
    quarter = StringField(_l("Quarter"), validators=[DataRequired(), Regexp(QUARTER)])
    language = SelectField(
        _l("Language"), choices=[SelectChoice("zh", "中文"), SelectChoice("en", "English")]
    )


ROLE_CHOICES = [
    SelectChoice("manager", _l("Fund manager")),
    SelectChoice("board", _l("Board (read-only)")),
    SelectChoice("admin", _l("Administrator")),
]


class UserCreateForm(Form):
    email = EmailField(_l("Email"), validators=[DataRequired(), Email(), Length(max=254)])
    name = StringField(_l("Name"), validators=[Optional(), Length(max=120)])
    role = SelectField(_l("Role"), choices=ROLE_CHOICES)
    password = PasswordField(
        _l("Initial password"), validators=[DataRequired(), Length(min=10, max=200)]
    )


class UserEditForm(Form):
    role = SelectField(_l("Role"), choices=ROLE_CHOICES)
    active = BooleanField(_l("Active"))


class JournalFilterForm(Form):
    """The journal's GET filters: every value validated before it reaches a query."""

    class Meta:
        csrf = False

    kind = SelectField(
        _l("Type"),
        choices=[SelectChoice("", "")] + [SelectChoice(k, k) for k in TRANSFER_KINDS],
        validators=[Optional()],
    )
    entity = StringField(_l("Entity code"), validators=[Optional(), Regexp(CODE)])
    date_from = DateField(_l("From date"), validators=[Optional()])
    date_to = DateField(_l("To date"), validators=[Optional()])
    reference = StringField(_l("Reference contains"), validators=[Optional(), Length(max=120)])
    sort = SelectField(
        choices=[
            SelectChoice("date", "date"),
            SelectChoice("amount", "amount"),
            SelectChoice("id", "id"),
            SelectChoice("kind", "kind"),
        ],
        default="date",
        validators=[Optional()],
    )
    order = SelectField(
        choices=[SelectChoice("desc", "desc"), SelectChoice("asc", "asc")],
        default="desc",
        validators=[Optional()],
    )
    page = IntegerField(default=1, validators=[Optional(), NumberRange(min=1, max=1_000_000)])
    per_page = SelectField(
        choices=[SelectChoice("25", "25"), SelectChoice("50", "50"), SelectChoice("100", "100")],
        default="50",
        validators=[Optional()],
    )


class AuditFilterForm(Form):
    class Meta:
        csrf = False

    actor = StringField(_l("Who"), validators=[Optional(), Length(max=120)])
    action = StringField(_l("Action"), validators=[Optional(), Regexp(r"^[a-z_.]{1,60}$")])
    page = IntegerField(default=1, validators=[Optional(), NumberRange(min=1, max=1_000_000)])
