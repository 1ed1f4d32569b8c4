"""The desk weather board: ``GET /weather/board`` renders a small htmx partial for signed-in users.

It shows today's date, the city's stations (``MINWON_CITY_STATIONS``) with the present weather and
temperature of their latest observation and when it was observed (with the year when not this
year), the warnings (특보) in force, and the credit 기상청 제공.
"""

from __future__ import annotations

from datetime import date, datetime

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from minwon.accounts.deps import CurrentUser
from minwon.config import get_settings
from minwon.core.clock import to_local
from minwon.core.i18n import N_
from minwon.db.deps import DbSession
from minwon.weather.service import desk_board
from minwon.web.templating import render

router = APIRouter(prefix="/weather", tags=["weather"], include_in_schema=False)

#: Display msgids of warning kinds and levels (templates show ``_(labels[value])``).
KIND_LABELS = {
    "cold_wave": N_("Cold wave"),
    "heat": N_("Heat wave"),
    "heavy_snow": N_("Heavy snow"),
    "heavy_rain": N_("Heavy rain"),
    "strong_wind": N_("Strong wind"),
    "dry": N_("Dry air"),
    "high_seas": N_("High seas"),
    "typhoon": N_("Typhoon"),
    "yellow_dust": N_("Yellow dust"),
    "storm_surge": N_("Storm surge"),
}
LEVEL_LABELS = {"advisory": N_("advisory"), "warning": N_("warning")}


def observed_label(observed_at: datetime, today: date) -> str:
    """When an observation was made, in local time: ``02-25 06:00`` in ``today``'s year, else with the
    year (``2025-02-25 06:00``), so an old snapshot is never mistaken for today's weather."""
    local = to_local(observed_at)
    return local.strftime("%m-%d %H:%M" if local.year == today.year else "%Y-%m-%d %H:%M")


@router.get("/board", response_class=HTMLResponse)
def weather_board(request: Request, db: DbSession, _user: CurrentUser) -> HTMLResponse:
    """The weather partial (any signed-in role)."""
    board = desk_board(db=db, settings=get_settings())
    return render(
        request,
        "weather_board.html",
        {
            "board": board,
            "kind_labels": KIND_LABELS,
            "level_labels": LEVEL_LABELS,
            "observed_label": observed_label,
        },
    )
