"""Extract translatable messages and update the catalogues (``src/minwon/locale/{ko,en}``).

    .venv/bin/python scripts/i18n.py [--tsv FILE ...]

Message ids are English. Templates use ``_("…")``/``gettext("…")``; Python code uses
``gettext(locale, "…")`` or marks constants with ``N_("…")``. New ids get an empty Korean
translation unless a TSV (``English<TAB>한국어`` per line) supplies one; the English catalogue maps each
id to itself. ``tests/test_i18n.py`` fails when a Korean translation is missing.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src" / "minwon"
LOCALE = SRC / "locale"

METHODS = [("**/templates/**.html", "jinja2"), ("**.py", "python")]
KEYWORDS = {"_": None, "gettext": (2,), "ngettext": (2, 3), "N_": None}
TEMPLATE_KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2)}


def extract() -> list[tuple[str, str]]:
    """(msgid, location) pairs found in the package."""
    found: list[tuple[str, str]] = []
    for pattern, method in METHODS:
        keywords = TEMPLATE_KEYWORDS if method == "jinja2" else KEYWORDS
        options = {"extensions": "jinja2.ext.i18n"} if method == "jinja2" else {}
        for filename, lineno, message, _comments, _ctx in extract_from_dir(
            str(SRC), method_map=[(pattern, method)], options_map={pattern: options}, keywords=keywords
        ):
            for msg in message if isinstance(message, tuple) else (message,):
                if msg:
                    found.append((msg, f"{filename}:{lineno}"))
    return found


def load(locale: str) -> Catalog:
    po = LOCALE / locale / "LC_MESSAGES" / "messages.po"
    if po.exists():
        with po.open("rb") as fh:
            return read_po(fh, locale=locale)
    return Catalog(locale=locale, project="minwon")


def save(catalog: Catalog, locale: str) -> None:
    po = LOCALE / locale / "LC_MESSAGES" / "messages.po"
    po.parent.mkdir(parents=True, exist_ok=True)
    with po.open("wb") as fh:
        write_po(fh, catalog, width=0, omit_header=False, sort_output=True, include_lineno=False)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tsv", nargs="*", default=[], help="English<TAB>Korean translation files")
    args = parser.parse_args()
    supplied: dict[str, str] = {}
    for name in args.tsv:
        for line in Path(name).read_text(encoding="utf-8").splitlines():
            if "\t" in line:
                en, ko = line.split("\t", 1)
                if en.strip() and ko.strip():
                    supplied[en.strip()] = ko.strip()
    ids = sorted({m for m, _ in extract()})
    ko = load("ko")
    new_ko, new_en = Catalog(locale="ko", project="minwon"), Catalog(locale="en", project="minwon")
    missing = []
    for msgid in ids:
        old = ko.get(msgid)
        text = supplied.get(msgid) or (old.string if old is not None else "")
        new_ko.add(msgid, text)
        new_en.add(msgid, msgid)
        if not text:
            missing.append(msgid)
    save(new_ko, "ko")
    save(new_en, "en")
    print(f"{len(ids)} messages; {len(missing)} without Korean translation")
    for msgid in missing:
        print(f"  missing ko: {msgid}")


if __name__ == "__main__":
    main()
