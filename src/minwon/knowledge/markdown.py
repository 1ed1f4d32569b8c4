"""Safe Markdown → HTML for standard answers (pure; no database or HTTP import).

markdown-it-py (CommonMark) with raw HTML disabled, so ``<script>`` in an article is shown as text;
tables and strikethrough are on; links get ``rel="noopener noreferrer"`` and open in a new tab;
``javascript:``, ``vbscript:``, ``file:`` and most ``data:`` URLs are refused by markdown-it's own
``validateLink``. Images are not rendered (an article must not load outside content into the desk);
``![alt](url)`` shows as a link instead.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.token import Token
from markdown_it.utils import EnvType, OptionsDict


def _link_open(renderer: Any, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
    token = tokens[idx]
    token.attrSet("rel", "noopener noreferrer")
    token.attrSet("target", "_blank")
    return str(renderer.renderToken(tokens, idx, options, env))


@lru_cache(maxsize=1)
def _parser() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    md.enable(["table", "strikethrough"])
    md.disable("image")
    md.add_render_rule("link_open", _link_open)
    return md


def render_markdown(text: str) -> str:
    """``text`` (Markdown) as HTML safe to insert into a page: every HTML tag in the source is escaped.

    Example: ``"**a** <b>x</b>"`` → ``"<p><strong>a</strong> &lt;b&gt;x&lt;/b&gt;</p>\\n"``.
    """
    return str(_parser().render(text))
