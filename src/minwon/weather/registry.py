"""Pure reading of the ASOS station registry file (``<data_dir>/kma/asos_stations_current.csv``).

Columns (see ``data/kma/SOURCE.md``): ``stn_id, stn_ko, lat, lon, elevation_m, …, start_date, address,
managing_office`` — one row per operating station, in ascending ``stn_id``.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import date

from minwon.core.errors import ValidationError

STATIONS_FILE = ("kma", "asos_stations_current.csv")


@dataclass(frozen=True)
class StationRecord:
    stn_id: int
    name: str
    lat: float
    lon: float
    elevation_m: float | None
    start_date: date | None
    address: str
    managing_office: str


def normalise_name(name: str) -> str:
    """Compare station names without spaces or a trailing remark: ``"홍성(예)"`` → ``"홍성"``."""
    return re.sub(r"\(.*?\)\s*$", "", name).replace(" ", "").strip()


def parse_stations_csv(text: str) -> list[StationRecord]:
    """Stations of the registry CSV, sorted by ``stn_id``.

    Raises ValidationError naming the line for a missing column, a bad number or a repeated ``stn_id``.
    """
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    missing = {"stn_id", "stn_ko", "lat", "lon"} - set(reader.fieldnames or [])
    if missing:
        raise ValidationError(f"station file lacks columns: {', '.join(sorted(missing))}", field="header")
    out: dict[int, StationRecord] = {}
    for line_no, row in enumerate(reader, start=2):
        where = f"line {line_no}"
        try:
            stn_id = int(row["stn_id"])
            elevation = (row.get("elevation_m") or "").strip()
            start = (row.get("start_date") or "").strip()
            rec = StationRecord(
                stn_id=stn_id,
                name=row["stn_ko"].strip(),
                lat=float(row["lat"]),
                lon=float(row["lon"]),
                elevation_m=float(elevation) if elevation else None,
                start_date=date.fromisoformat(start) if start else None,
                address=(row.get("address") or "").strip(),
                managing_office=(row.get("managing_office") or "").strip(),
            )
        except (ValueError, TypeError, AttributeError) as exc:
            raise ValidationError(f"{where}: bad station row", field=where) from exc
        if not rec.name:
            raise ValidationError(f"{where}: station name is empty", field=where)
        if stn_id in out:
            raise ValidationError(f"{where}: station {stn_id} appears twice", field=where)
        out[stn_id] = rec
    return [out[k] for k in sorted(out)]
