"""Chinese and English: Flask-Babel with the catalogue compiled in memory at start.

The message ids are English; ``fundtrack/translations/zh/LC_MESSAGES/messages.po``
holds the Chinese. Rather than commit binary ``.mo`` files (or need a build
step), the ``.po`` file is read and compiled with Babel's own ``mofile`` writer
when first needed, once per process. Chinese is the default; the header's
switch stores the choice in the session and on the user.
"""

from __future__ import annotations

import io
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations
from flask import Flask, session
from flask_babel import Babel, Domain, get_locale
from flask_login import current_user

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


def init_app(app: Flask) -> None:
    app.config.setdefault("BABEL_DEFAULT_LOCALE", "zh_Hans_CN")
    app.config.setdefault("BABEL_DEFAULT_TIMEZONE", "Asia/Shanghai")
    babel = Babel(app, locale_selector=_locale)
    # Flask-Babel caches its default domain in this property: replace it with ours.
    babel.domain_instance = CatalogueDomain()
