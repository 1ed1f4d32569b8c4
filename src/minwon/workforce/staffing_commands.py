"""``minwon staffing erlang-c`` and ``minwon staffing erlang-a``: agents needed for an interval's calls."""

from __future__ import annotations

import json
import math
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from minwon.core.errors import ValidationError
from minwon.workforce.erlang import StaffingResult, required_agents

staffing_app = typer.Typer(
    help="Agents needed for an interval's calls (Erlang C, Erlang A).", no_args_is_help=True
)

# the pure module names fields after its parameters; the CLI names its own options
_OPTION = {
    "calls": "--calls",
    "interval_s": "--interval-s",
    "aht_s": "--aht-s",
    "target_sl": "--target-sl",
    "threshold_s": "--threshold-s",
    "target_asa_s": "--target-asa-s",
    "target_abandonment": "--target-abandonment",
    "patience_s": "--patience-s",
    "max_occupancy": "--max-occupancy",
    "shrinkage": "--shrinkage",
}

Calls = Annotated[float, typer.Option("--calls", help="Calls offered in the interval.")]
IntervalS = Annotated[float, typer.Option("--interval-s", help="Interval length in seconds (e.g. 1800).")]
AhtS = Annotated[float, typer.Option("--aht-s", help="Average handling time in seconds.")]
ThresholdS = Annotated[
    float, typer.Option("--threshold-s", help="Service-level threshold in seconds (answered within).")
]
TargetAsaS = Annotated[
    float | None, typer.Option("--target-asa-s", help="Target mean wait of answered calls, seconds.")
]
MaxOccupancy = Annotated[
    float | None, typer.Option("--max-occupancy", help="Highest allowed occupancy, in (0, 1].")
]
Shrinkage = Annotated[
    float, typer.Option("--shrinkage", help="Share of paid time off the phones, in [0, 1).")
]
AsJson = Annotated[bool, typer.Option("--json", help="Print one JSON object.")]


def _solve(**kwargs: Any) -> StaffingResult:
    try:
        return required_agents(**kwargs)
    except ValidationError as exc:
        option = _OPTION.get(exc.field or "", exc.field or "input")
        message = exc.message
        for field, name in sorted(_OPTION.items(), key=lambda item: -len(item[0])):
            message = message.replace(field, name)
        Console(stderr=True, soft_wrap=True).print(
            f"[bold red]error ({option}):[/] {message}", highlight=False
        )
        raise typer.Exit(2) from None


def _payload(result: StaffingResult) -> dict[str, Any]:
    metrics = result.metrics
    payload: dict[str, Any] = {
        "model": result.model,
        "agents": result.agents,
        "raw_agents": result.raw_agents,
        "traffic_erlangs": result.traffic_erlangs,
        "shrinkage": result.shrinkage,
        "threshold_s": metrics.threshold_s,
        "service_level": metrics.service_level,
        "asa_s": metrics.asa_s if math.isfinite(metrics.asa_s) else None,
        "occupancy": metrics.occupancy,
        "p_wait": metrics.p_wait,
    }
    if metrics.abandonment is not None:
        payload["abandonment"] = metrics.abandonment
    return payload


def _show(result: StaffingResult, *, as_json: bool) -> None:
    payload = _payload(result)
    if as_json:
        typer.echo(json.dumps(payload))
        return
    labels = {
        "agents": ("agents to schedule", "배치 상담사 수"),
        "raw_agents": ("agents on the phones", "응대 상담사 수"),
        "traffic_erlangs": ("traffic (Erlangs)", "트래픽(얼랑)"),
        "service_level": ("service level", "서비스 레벨"),
        "asa_s": ("ASA (s)", "평균 응답 대기(초)"),
        "occupancy": ("occupancy", "점유율"),
        "p_wait": ("P(wait)", "대기 확률"),
        "abandonment": ("abandonment", "포기율"),
    }
    table = Table(title=f"{result.model.replace('_', ' ').title()} staffing")
    table.add_column("measure")
    table.add_column("항목")
    table.add_column("value", justify="right")
    for key, (label, label_ko) in labels.items():
        if key not in payload:
            continue
        value = payload[key]
        if isinstance(value, int):
            text = str(value)
        elif value is None:
            text = "—"
        elif key in ("service_level", "occupancy", "p_wait", "abandonment"):
            text = f"{value:.2%}"
        else:
            text = f"{value:,.2f}"
        table.add_row(label, label_ko, text)
    Console().print(table)


@staffing_app.command("erlang-c")
def erlang_c_command(
    calls: Calls,
    interval_s: IntervalS,
    aht_s: AhtS,
    target_sl: Annotated[
        float | None, typer.Option("--target-sl", help="Target service level, in (0, 1).")
    ] = None,
    threshold_s: ThresholdS = 20,
    target_asa_s: TargetAsaS = None,
    max_occupancy: MaxOccupancy = None,
    shrinkage: Shrinkage = 0.0,
    as_json: AsJson = False,
) -> None:
    """Agents for a service level (default 80% in 20 s) or ASA target; callers never hang up (Erlang C)."""
    if target_sl is None and target_asa_s is None and max_occupancy is None:
        target_sl = 0.8
    result = _solve(
        calls=calls,
        interval_s=interval_s,
        aht_s=aht_s,
        target_sl=target_sl,
        threshold_s=threshold_s,
        target_asa_s=target_asa_s,
        max_occupancy=max_occupancy,
        shrinkage=shrinkage,
    )
    _show(result, as_json=as_json)


@staffing_app.command("erlang-a")
def erlang_a_command(
    calls: Calls,
    interval_s: IntervalS,
    aht_s: AhtS,
    patience_s: Annotated[
        float, typer.Option("--patience-s", help="Mean time callers wait before hanging up, seconds.")
    ],
    target_sl: Annotated[
        float | None,
        typer.Option("--target-sl", help="Target share answered within the threshold, in (0, 1)."),
    ] = None,
    threshold_s: ThresholdS = 20,
    target_asa_s: TargetAsaS = None,
    target_abandonment: Annotated[
        float | None, typer.Option("--target-abandonment", help="Highest abandonment rate, in (0, 1).")
    ] = None,
    max_occupancy: MaxOccupancy = None,
    shrinkage: Shrinkage = 0.0,
    as_json: AsJson = False,
) -> None:
    """Agents when callers hang up after an exponential patience (Erlang A); adds abandonment."""
    if target_sl is None and target_asa_s is None and target_abandonment is None and max_occupancy is None:
        target_sl = 0.8
    result = _solve(
        calls=calls,
        interval_s=interval_s,
        aht_s=aht_s,
        target_sl=target_sl,
        threshold_s=threshold_s,
        target_asa_s=target_asa_s,
        target_abandonment=target_abandonment,
        patience_s=patience_s,
        max_occupancy=max_occupancy,
        shrinkage=shrinkage,
    )
    _show(result, as_json=as_json)


def register(app: typer.Typer) -> None:
    """Attach ``minwon staffing`` (``erlang-c``, ``erlang-a``) to ``app``."""
    app.add_typer(staffing_app, name="staffing")
