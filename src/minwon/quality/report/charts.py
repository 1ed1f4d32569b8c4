"""Charts of the management review report, drawn with matplotlib (Agg, no pyplot state) as PNG bytes.

Korean text uses NanumGothic (SIL Open Font License 1.1), which ships inside the pinned
``koreanize-matplotlib`` wheel: no system font is needed. The package itself is never imported (its
import changes matplotlib's global settings); only its font files are used (:func:`font_path`).
"""

from __future__ import annotations

import importlib.util
import io
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import Any

from matplotlib import font_manager, rc_context
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator

FONT_FAMILY = "NanumGothic"
STATUS_COLORS = {"green": "#2e7d32", "amber": "#f9a825", "red": "#c62828", None: "#78909c"}
SERIES_COLORS = ("#1565c0", "#c62828", "#2e7d32", "#6a1b9a", "#ef6c00")
#: Distinct hollow markers so that series with equal values stay visible.
MARKERS = ("o", "s", "^", "D", "v")
DPI = 150


@cache
def font_path(bold: bool = False) -> Path:
    """Path of the bundled NanumGothic TTF (regular or bold). Raises RuntimeError when missing."""
    spec = importlib.util.find_spec("koreanize_matplotlib")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("koreanize-matplotlib (bundled Korean font) is not installed")
    base = Path(next(iter(spec.submodule_search_locations)))
    path = base / "fonts" / ("NanumGothicBold.ttf" if bold else "NanumGothic.ttf")
    if not path.is_file():
        raise RuntimeError(f"bundled Korean font missing: {path}")
    return path


@cache
def _register_fonts() -> None:
    for bold in (False, True):
        font_manager.fontManager.addfont(str(font_path(bold)))


def _style() -> Any:
    _register_fonts()
    return {
        "font.family": FONT_FAMILY,
        "font.size": 9,
        "axes.unicode_minus": False,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.grid": True,
        "grid.alpha": 0.3,
    }


def _png(fig: Figure) -> bytes:
    FigureCanvasAgg(fig)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI)
    return buf.getvalue()


def _percent(value: float, _pos: object = None) -> str:
    return f"{value:.0f}%"


def kpi_vs_target(
    labels: Sequence[str],
    values: Sequence[float | None],
    goals: Sequence[float | None],
    lights: Sequence[str | None],
    *,
    title: str,
    target_label: str,
    no_data: str,
) -> bytes:
    """Horizontal bars of ratio indicators in percent, coloured by traffic light, with the target as a
    black tick. ``values``/``goals`` are fractions 0–1 (``None`` = undefined, shown as ``no_data``)."""
    with rc_context(_style()):
        fig = Figure(figsize=(7.0, 0.45 * len(labels) + 1.2), layout="constrained")
        ax = fig.add_subplot()
        ys = list(range(len(labels)))[::-1]
        for y, value, goal, light in zip(ys, values, goals, lights, strict=True):
            if value is None:
                ax.text(
                    1,
                    y,
                    no_data,
                    va="center",
                    color="#607d8b",
                    zorder=5,
                    bbox={"facecolor": "white", "edgecolor": "none", "pad": 1},
                )
            else:
                ax.barh(y, value * 100, color=STATUS_COLORS.get(light, STATUS_COLORS[None]), height=0.6)
                ax.text(value * 100 + 1, y, f"{value * 100:.1f}%", va="center")
            if goal is not None:
                ax.plot([goal * 100, goal * 100], [y - 0.4, y + 0.4], color="black", linewidth=2)
        ax.plot([], [], color="black", linewidth=2, label=target_label)
        ax.set_yticks(ys, labels)
        ax.set_xlim(0, 110)
        ax.xaxis.set_major_formatter(FuncFormatter(_percent))
        ax.set_title(title, fontweight="semibold")
        ax.legend(loc="lower right", fontsize=8)
        ax.grid(axis="y", visible=False)
        return _png(fig)


def trend_lines(
    months: Sequence[str],
    series: Sequence[tuple[str, Sequence[float | None]]],
    *,
    title: str,
    percent: bool,
    unit: str = "",
    target: tuple[str, float] | None = None,
) -> bytes:
    """Lines over ``months`` (``YYYY-MM``); undefined points are gaps. ``percent``: values are fractions
    drawn as %. ``target`` = (label, value) draws a dashed horizontal line."""
    scale = 100.0 if percent else 1.0
    with rc_context(_style()):
        fig = Figure(figsize=(7.0, 2.9), layout="constrained")
        ax = fig.add_subplot()
        xs = list(range(len(months)))
        for (label, values), color, marker in zip(series, SERIES_COLORS, MARKERS, strict=False):
            ys = [v * scale if v is not None else float("nan") for v in values]
            ax.plot(xs, ys, marker=marker, markersize=5, markerfacecolor="none", color=color, label=label)
        if target is not None:
            ax.axhline(target[1] * scale, color="#555555", linestyle="--", linewidth=1, label=target[0])
        ax.set_xticks(xs, [m[2:] for m in months], rotation=0, fontsize=7.5)
        known = [v * scale for _label, values in series for v in values if v is not None]
        top = max([*known, target[1] * scale if target else 0.0, 1.0])
        # headroom so the legend (one row, upper left) never covers a point
        ax.set_ylim(0, min(top * 1.35, 135.0) if percent else top * 1.35)
        if percent:
            ax.set_yticks([t for t in range(0, 101, 20) if t <= top * 1.35])
            ax.yaxis.set_major_formatter(FuncFormatter(_percent))
        elif unit:
            ax.set_ylabel(unit, rotation=0, labelpad=12)
        ax.set_title(title, fontweight="semibold")
        ax.legend(fontsize=8, loc="upper left", ncols=min(len(series) + (1 if target else 0), 5))
        return _png(fig)


def volume_bars(
    months: Sequence[str], series: Sequence[tuple[str, Sequence[int]]], *, title: str, unit: str
) -> bytes:
    """Grouped bars of counts per month."""
    with rc_context(_style()):
        fig = Figure(figsize=(7.0, 2.6), layout="constrained")
        ax = fig.add_subplot()
        width = 0.8 / max(len(series), 1)
        for i, ((label, values), color) in enumerate(zip(series, SERIES_COLORS, strict=False)):
            ax.bar(
                [x + i * width - 0.4 + width / 2 for x in range(len(months))],
                values,
                width,
                label=label,
                color=color,
            )
        ax.set_xticks(range(len(months)), [m[2:] for m in months], fontsize=7.5)
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _p: f"{v:,.0f}"))
        ax.set_ylabel(unit, rotation=0, labelpad=12)
        ax.set_ylim(0, max([v for _label, values in series for v in values] + [1]) * 1.3)
        ax.set_title(title, fontweight="semibold")
        ax.legend(fontsize=8, loc="upper left", ncols=len(series))
        ax.grid(axis="x", visible=False)
        return _png(fig)


def horizontal_bars(
    labels: Sequence[str],
    values: Sequence[float | None],
    *,
    title: str,
    xmax: float,
    fmt: str = "{:.1f}",
    reference: tuple[str, float] | None = None,
    colors: Sequence[str] | None = None,
) -> bytes:
    """One bar per label (e.g. mean rating per survey question, mean score per counselor)."""
    with rc_context(_style()):
        fig = Figure(figsize=(7.0, 0.38 * max(len(labels), 1) + 1.2), layout="constrained")
        ax = fig.add_subplot()
        ys = list(range(len(labels)))[::-1]
        for i, (y, value) in enumerate(zip(ys, values, strict=True)):
            if value is None:
                continue
            color = colors[i] if colors else SERIES_COLORS[0]
            ax.barh(y, value, color=color, height=0.6)
            ax.text(value + xmax * 0.01, y, fmt.format(value), va="center", fontsize=8)
        if reference is not None:
            ax.axvline(reference[1], color="#555555", linestyle="--", linewidth=1, label=reference[0])
            ax.legend(fontsize=8, loc="lower right")
        ax.set_yticks(ys, labels)
        ax.set_xlim(0, xmax * 1.1)
        ax.set_title(title, fontweight="semibold")
        ax.grid(axis="y", visible=False)
        return _png(fig)


def count_panels(panels: Sequence[tuple[str, Sequence[tuple[str, int]]]], *, title: str) -> bytes:
    """Side-by-side bar panels of counts (e.g. CAPA entries by status and by source)."""
    with rc_context(_style()):
        fig = Figure(figsize=(7.0, 2.8), layout="constrained")
        axes = fig.subplots(1, len(panels), squeeze=False)[0]
        for ax, (panel_title, items), color in zip(axes, panels, SERIES_COLORS, strict=False):
            names = [n for n, _ in items]
            counts = [c for _, c in items]
            ax.bar(range(len(names)), counts, color=color)
            for x, c in enumerate(counts):
                ax.text(x, c, str(c), ha="center", va="bottom", fontsize=8)
            ax.set_xticks(range(len(names)), names, fontsize=8, rotation=30, ha="right")
            ax.yaxis.set_major_locator(MaxNLocator(integer=True))
            ax.set_ylim(0, max([*counts, 1]) * 1.2)
            ax.set_title(panel_title)
            ax.grid(axis="x", visible=False)
        fig.suptitle(title, fontweight="semibold")
        return _png(fig)
