"""Every message id in the code and templates has a Korean translation; English is complete too."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from minwon.core.i18n import gettext, translations

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "i18n.py"


def _extract() -> list[tuple[str, str]]:
    spec = importlib.util.spec_from_file_location("i18n_script", SCRIPT)
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod.extract()  # type: ignore[no-any-return]


def test_every_message_is_translated_to_korean() -> None:
    found = _extract()
    assert len(found) > 10
    ko = translations("ko")
    missing = sorted(
        {f"{msg!r} ({where})" for msg, where in found if ko.gettext(msg) == msg and not msg.isupper()}
    )
    assert not missing, "run scripts/i18n.py and translate:\n" + "\n".join(missing)


def test_locale_is_chosen_per_user() -> None:
    assert gettext("ko", "Sign in") == "로그인"
    assert gettext("en", "Sign in") == "Sign in"
