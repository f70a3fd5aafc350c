"""Chinese and English: Flask-Babel with the catalogue compiled in memory at start.

The message ids are English; ``fundtrack/translations/zh/LC_MESSAGES/messages.po``
holds the Chinese. Rather than commit binary ``.mo`` files (or need a build
step), the ``.po`` file is read and compiled with Babel's own ``mofile`` writer
when first needed, once per process. Chinese is the default; the header's
switch stores the choice in the session and on the user.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from babel import Locale
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations
from flask import Flask, g, session
from flask_babel import Babel, Domain, get_locale, get_translations
from flask_login import current_user

T = TypeVar("T")

TRANSLATIONS = Path(__file__).resolve().parent.parent / "translations"
LANGUAGES = ("zh", "en")
DEFAULT_LANGUAGE = "zh"


def compile_catalogue(language: str) -> Translations | NullTranslations:
    """The ``.po`` catalogue of ``language`` compiled to gettext form in memory."""
    path = TRANSLATIONS / language / "LC_MESSAGES" / "messages.po"
    if not path.exists():
        return NullTranslations()
    with path.open("rb") as handle:
        catalogue = read_po(handle, locale=language)
    buffer = io.BytesIO()
    write_mo(buffer, catalogue)
    buffer.seek(0)
    return Translations(fp=buffer, domain="messages")


class CatalogueDomain(Domain):
    """A Flask-Babel domain whose translations come from ``compile_catalogue``."""

    def __init__(self) -> None:
        super().__init__(domain="messages")
        self._compiled: dict[str, Translations | NullTranslations] = {}

    def get_translations(self):
        locale = get_locale()
        if locale is None or locale.language not in LANGUAGES:
            return NullTranslations()
        language = locale.language
        if language not in self._compiled:
            self._compiled[language] = compile_catalogue(language)
        return self._compiled[language]


def current_language() -> str:
    chosen = session.get("lang")
    if chosen in LANGUAGES:
        return chosen
    if getattr(current_user, "is_authenticated", False):
        return current_user.language if current_user.language in LANGUAGES else DEFAULT_LANGUAGE
    return DEFAULT_LANGUAGE


def _locale() -> str:
    return "zh_Hans_CN" if current_language() == "zh" else "en_US"


def per_locale(name: str, make: Callable[[Locale | None], T]) -> T | None:
    """``make(locale)`` for the locale Flask-Babel chose for this request, made once per
    request and kept in ``g`` as ``name``; None outside an app context.

    A page formats and translates a few hundred values; Flask-Babel finds the domain and
    the locale for each, through several context proxies, which costs several times the
    work itself. What is kept stands while Flask-Babel's choice (in ``g._flask_babel``)
    is the same Locale object: ``refresh()`` drops it, ``force_locale()`` swaps it.
    """
    try:
        request_globals = g._get_current_object()
    except RuntimeError:
        return None
    try:
        chosen, value = getattr(request_globals, name)
        if request_globals._flask_babel.babel_locale is chosen:
            return value
    except AttributeError:
        pass
    chosen = get_locale()
    value = make(chosen)
    setattr(request_globals, name, (chosen, value))
    return value


def _catalogue():
    """The catalogue of the request's locale (Flask-Babel's own lookup outside a request)."""
    return per_locale("_fundtrack_catalogue", lambda _locale: get_translations()) or (
        get_translations()
    )


def init_app(app: Flask) -> None:
    app.config.setdefault("BABEL_DEFAULT_LOCALE", "zh_Hans_CN")
    app.config.setdefault("BABEL_DEFAULT_TIMEZONE", "Asia/Shanghai")
    babel = Babel(app, locale_selector=_locale)
    # Flask-Babel caches its default domain in this property: replace it with ours.
    babel.domain_instance = CatalogueDomain()
    # The templates' _() and friends, as Flask-Babel installs them, through ``_catalogue``.
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: _catalogue().ugettext(s),
        ngettext=lambda s, p, n: _catalogue().ungettext(s, p, n),
        newstyle=True,
        pgettext=lambda c, s: _catalogue().upgettext(c, s),
        npgettext=lambda c, s, p, n: _catalogue().unpgettext(c, s, p, n),
    )
