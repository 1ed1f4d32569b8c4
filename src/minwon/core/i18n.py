"""Translation layer: gettext catalogues (Babel ``.po`` files) per locale, chosen per user.

Message ids are English; ``locale/ko`` holds the Korean UI text (the default), ``locale/en`` the English
catalogue. Catalogues are compiled in memory from the ``.po`` files at first use.
"""

from __future__ import annotations

import gettext as _gettext
from functools import lru_cache
from io import BytesIO
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

LOCALES = ("ko", "en")
LOCALE_DIR = Path(__file__).resolve().parents[1] / "locale"


@lru_cache(maxsize=len(LOCALES))
def translations(locale: str) -> _gettext.NullTranslations:
    """The catalogue for ``locale`` (``ko`` or ``en``); unknown locales get the identity catalogue."""
    po = LOCALE_DIR / locale / "LC_MESSAGES" / "messages.po"
    if locale not in LOCALES or not po.exists():
        return _gettext.NullTranslations()
    with po.open("rb") as fh:
        catalog = read_po(fh, locale=locale)
    buf = BytesIO()
    write_mo(buf, catalog)
    buf.seek(0)
    return _gettext.GNUTranslations(buf)


def gettext(locale: str, message: str) -> str:
    return translations(locale).gettext(message)


def ngettext(locale: str, singular: str, plural: str, n: int) -> str:
    return translations(locale).ngettext(singular, plural, n)


def N_(message: str) -> str:
    """Mark ``message`` for extraction without translating it here (translated where shown)."""
    return message
