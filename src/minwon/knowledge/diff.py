"""Differences between two article versions (pure; :mod:`difflib`).

Lines are compared first; a changed line pair is then compared character by character, which suits
Korean, where one changed syllable inside a word is the usual edit (``6월`` → ``7월``). Nothing here
produces HTML: templates escape the text they are given.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

RowKind = Literal["equal", "replace", "delete", "insert"]


@dataclass(frozen=True)
class Segment:
    """A piece of a line; ``changed`` when it differs from the other side."""

    text: str
    changed: bool


@dataclass(frozen=True)
class DiffRow:
    """One side-by-side row. A missing side has ``None`` as its line number and no segments."""

    kind: RowKind
    left_no: int | None
    left: tuple[Segment, ...]
    right_no: int | None
    right: tuple[Segment, ...]


@dataclass(frozen=True)
class FieldChange:
    field: str
    old: str
    new: str


def _char_segments(old: str, new: str) -> tuple[tuple[Segment, ...], tuple[Segment, ...]]:
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    left: list[Segment] = []
    right: list[Segment] = []
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if i2 > i1:
            left.append(Segment(old[i1:i2], op != "equal"))
        if j2 > j1:
            right.append(Segment(new[j1:j2], op != "equal"))
    return tuple(left), tuple(right)


def side_by_side(old: str, new: str) -> list[DiffRow]:
    """Rows comparing ``old`` and ``new`` line by line (``\\r\\n`` treated as ``\\n``).

    Replaced blocks are paired line by line (extra lines become ``delete``/``insert`` rows), each pair
    with character-level segments. Line numbers start at 1.
    """
    a = old.replace("\r\n", "\n").split("\n")
    b = new.replace("\r\n", "\n").split("\n")
    rows: list[DiffRow] = []
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            for k in range(i2 - i1):
                seg = (Segment(a[i1 + k], False),)
                rows.append(DiffRow("equal", i1 + k + 1, seg, j1 + k + 1, seg))
            continue
        pairs = min(i2 - i1, j2 - j1) if op == "replace" else 0
        for k in range(pairs):
            left, right = _char_segments(a[i1 + k], b[j1 + k])
            rows.append(DiffRow("replace", i1 + k + 1, left, j1 + k + 1, right))
        for i in range(i1 + pairs, i2):
            rows.append(DiffRow("delete", i + 1, (Segment(a[i], True),), None, ()))
        for j in range(j1 + pairs, j2):
            rows.append(DiffRow("insert", None, (), j + 1, (Segment(b[j], True),)))
    return rows


def unified(old: str, new: str, *, old_label: str, new_label: str, context: int = 3) -> str:
    """A unified diff (``---``/``+++``/``@@`` hunks) of the two texts; ``""`` when they are equal."""
    a = old.replace("\r\n", "\n").split("\n")
    b = new.replace("\r\n", "\n").split("\n")
    return "\n".join(difflib.unified_diff(a, b, old_label, new_label, n=context, lineterm=""))


def field_changes(old: Mapping[str, str], new: Mapping[str, str]) -> list[FieldChange]:
    """The fields (keys of ``old``, in order) whose values differ."""
    return [FieldChange(k, old[k], new.get(k, "")) for k in old if old[k] != new.get(k, "")]
