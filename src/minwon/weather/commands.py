"""``minwon weather …``: KMA stations, observations, boards and warnings from the command line."""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import date, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

err = Console(stderr=True, soft_wrap=True)


def _parse_day(value: str, field: str) -> date:
    from minwon.core.errors import ValidationError

    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise ValidationError(f"{field} must be a date like 2021-07-01", field=field) from exc


def _parse_instant(value: str, field: str) -> datetime:
    from minwon.core.errors import ValidationError

    try:
        instant = datetime.fromisoformat(value)
    except ValueError as exc:
        raise ValidationError(
            f"{field} must be an ISO time like 2026-02-25T15:00+09:00", field=field
        ) from exc
    if instant.tzinfo is None:
        raise ValidationError(f"{field} needs a UTC offset, e.g. 2026-02-25T15:00+09:00", field=field)
    return instant


def _count(n: int, noun: str) -> str:
    """``1 station``, ``2 stations`` (English CLI output; nouns here take a plain ``s``)."""
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def register(app: typer.Typer) -> None:
    """Attach the ``weather`` command group to the ``minwon`` command."""
    weather_app = typer.Typer(
        help="KMA weather (기상청): stations, observations, boards, warnings.", no_args_is_help=True
    )
    app.add_typer(weather_app, name="weather")

    @weather_app.command("load-stations")
    def load_stations_cmd(
        file: Annotated[
            Path | None,
            typer.Option(help="Registry CSV (default: <data_dir>/kma/asos_stations_current.csv)."),
        ] = None,
    ) -> None:
        """Load (or refresh) the ASOS station registry into weather_stations."""
        from minwon.config import get_settings
        from minwon.db.session import session_scope
        from minwon.weather.service import load_stations, stations_file

        path = file or stations_file(get_settings().data_dir)
        with session_scope() as db:
            result = load_stations(db=db, path=path)
        err.print(f"stations: {result.created} created, {result.updated} updated ({path})", highlight=False)

    @weather_app.command("ingest")
    def ingest_cmd(
        files: Annotated[
            list[Path], typer.Argument(help="KMA files: portal CSV, API Hub text or data.go.kr JSON.")
        ],
        fmt: Annotated[str, typer.Option("--format", help="auto, portal, sfctm or json.")] = "auto",
    ) -> None:
        """Load observations from files (offline). Each file is one transaction."""
        from minwon.db.session import session_scope
        from minwon.weather.service import ingest_file

        for path in files:
            with session_scope() as db:
                result = ingest_file(db=db, path=path, fmt=fmt)
            err.print(f"{path.name}: {result.created} created, {result.updated} updated", highlight=False)

    @weather_app.command("fetch")
    def fetch_cmd(
        start: Annotated[str, typer.Option(help="First day (YYYY-MM-DD, KST).")],
        end: Annotated[str, typer.Option(help="Last day (YYYY-MM-DD, KST).")],
        source: Annotated[
            str, typer.Option(help="apihub (kma_sfctm3) or data-go-kr (getWthrDataList).")
        ] = "apihub",
        stn: Annotated[
            list[int] | None, typer.Option(help="Station number(s); default MINWON_CITY_STATIONS.")
        ] = None,
    ) -> None:
        """Download observations from KMA (needs MINWON_KMA_API_KEY) and store them in one transaction."""
        from minwon.config import get_settings
        from minwon.db.session import session_scope
        from minwon.weather.service import city_station_ids, fetch_observations

        settings = get_settings()
        ids = stn or city_station_ids(settings)
        first, last = _parse_day(start, "start"), _parse_day(end, "end")
        with session_scope() as db:
            result = fetch_observations(
                db=db, settings=settings, source=source, stn_ids=ids, start=first, end=last
            )
        err.print(f"{source}: {result.created} created, {result.updated} updated", highlight=False)

    @weather_app.command("parse-board")
    def parse_board_cmd(
        file: Annotated[
            Path, typer.Argument(help="Text with a KMA board (date line, then 맑음서울-1.0℃ …).")
        ],
        as_json: Annotated[
            bool, typer.Option("--json", help="Print a JSON list, one object per station.")
        ] = False,
        store_at: Annotated[
            str | None,
            typer.Option(
                help="Also store the board as observations at this time (e.g. 2026-02-25T15:00+09:00)."
            ),
        ] = None,
    ) -> None:
        """Parse a board, recovering missing station names from the registry by station order."""
        from minwon.config import get_settings
        from minwon.db.session import session_scope
        from minwon.weather.formats import decode_bytes
        from minwon.weather.service import read_board, read_input_file, store_board

        text = read_input_file(file)
        with session_scope() as db:
            board, stations = read_board(db=db, text=decode_bytes(text), data_dir=get_settings().data_dir)
            if store_at is not None:
                stored = store_board(
                    db=db, stations=stations, observed_at=_parse_instant(store_at, "store_at")
                )
                err.print(f"stored: {stored.created} created, {stored.updated} updated", highlight=False)
        recovered = [s for s in stations if s.recovered]
        rows = [
            {
                "stn_id": s.stn_id,
                "name": s.name,
                "weather": s.weather,
                "temp_c": s.temp_c,
                "recovered": s.recovered,
            }
            for s in stations
        ]
        if as_json:
            typer.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        else:
            for s in stations:
                mark = " *" if s.recovered else ""
                typer.echo(f"{s.stn_id:>4} {s.name}\t{s.weather}\t{s.temp_c:.1f}{mark}")
        day = board.day.isoformat() if board.day else "no date"
        names = ", ".join(f"{s.stn_id} {s.name} (line {s.line})" for s in recovered) or "none"
        err.print(
            f"board {day}: {_count(len(stations), 'station')}; recovered {len(recovered)}: {names}",
            highlight=False,
        )

    @weather_app.command("load-warnings")
    def load_warnings_cmd(
        file: Annotated[Path, typer.Argument(help="JSON list of warnings, or API Hub wrn_now_data text.")],
    ) -> None:
        """Load weather warnings (특보) from a file."""
        from minwon.db.session import session_scope
        from minwon.weather.service import ingest_warnings, parse_warnings_file

        records = parse_warnings_file(file)
        with session_scope() as db:
            result = ingest_warnings(db=db, records=records)
        err.print(f"warnings: {result.created} created, {result.updated} updated", highlight=False)

    @weather_app.command("fetch-warnings")
    def fetch_warnings_cmd() -> None:
        """Download the warnings in force from KMA API Hub (needs MINWON_KMA_API_KEY)."""
        from minwon.config import get_settings
        from minwon.db.session import session_scope
        from minwon.weather.service import fetch_and_store_warnings

        with session_scope() as db:
            result = fetch_and_store_warnings(db=db, settings=get_settings())
        err.print(f"warnings: {result.created} created, {result.updated} updated", highlight=False)

    @weather_app.command("daily")
    def daily_cmd(
        stn: Annotated[int, typer.Option(help="Station number, e.g. 131.")],
        start: Annotated[str, typer.Option(help="First day (YYYY-MM-DD).")],
        end: Annotated[str, typer.Option(help="Last day (YYYY-MM-DD).")],
    ) -> None:
        """Print daily weather and warning-criteria flags as JSON lines (one day per line)."""
        from minwon.db.session import session_scope
        from minwon.weather.service import daily_weather

        with session_scope() as db:
            days = daily_weather(
                db=db, stn_id=stn, start=_parse_day(start, "start"), end=_parse_day(end, "end")
            )
        for day in sorted(days):
            row = asdict(days[day])
            row["day"] = day.isoformat()
            typer.echo(json.dumps(row, ensure_ascii=False))
