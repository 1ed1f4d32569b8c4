"""The desk weather board: ``GET /weather/board`` renders a small htmx partial for signed-in users.

It shows today's date, the city's stations (``MINWON_CITY_STATIONS``) with the present weather and
temperature of their latest observation, the warnings (특보) in force, and the credit 기상청 제공.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from minwon.accounts.deps import CurrentUser
from minwon.config import get_settings
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


@router.get("/board", response_class=HTMLResponse)
def weather_board(request: Request, db: DbSession, _user: CurrentUser) -> HTMLResponse:
    """The weather partial (any signed-in role)."""
    board = desk_board(db=db, settings=get_settings())
    return render(
        request,
        "weather_board.html",
        {"board": board, "kind_labels": KIND_LABELS, "level_labels": LEVEL_LABELS},
    )
