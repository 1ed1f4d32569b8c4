"""Shared paths and a small sfctm text builder for the weather tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from minwon.config import get_settings

KMA_DIR = get_settings().data_dir / "kma"
STATIONS_CSV = KMA_DIR / "asos_stations_current.csv"
HOURLY_CSV = KMA_DIR / "asos_131_cheongju_hourly_2021.csv"
DAILY_CSV = KMA_DIR / "asos_131_cheongju_daily_1967_2022.csv"
SEED_PAGE = get_settings().data_dir.parent / "seed" / "news_page_2026-02-25.txt"


def need(path: Path) -> Path:
    """Skip the test when a shared data file is absent (the data is never committed)."""
    if not path.exists():
        pytest.skip(f"shared data file absent: {path}")
    return path


SFCTM_HEADER = (
    "#START7777\n"
    "#  기상청 지상관측 시간자료\n"
    "# YYMMDDHHMI STN  WD   WS GST  GST  GST     PA     PS PT    PR    TA    TD    HM    PV     RN     RN"
    "     RN     RN     SD     SD     SD WC WP WW\n"
)


def sfctm_line(
    tm: str,
    stn: int,
    *,
    ta: str = "-9.0",
    rn: str = "-9.0",
    sd_hr3: str = "-9.0",
    sd_tot: str = "-9.0",
    ws: str = "1.5",
    hm: str = "60.0",
) -> str:
    """One data row with the 22 leading columns (values as KMA writes them) and a trailing WW."""
    cols = [
        tm,
        str(stn),
        "32",
        ws,
        "-9",
        "-9.0",
        "-9",
        "1003.9",
        "1013.5",
        "-9",
        "-9.0",
        ta,
        "-9.0",
        hm,
        "24.9",
        rn,
        "-9.0",
        "-9.0",
        "-9.0",
        sd_hr3,
        "-9.0",
        sd_tot,
        "-9",
        "-9",
        "-",
    ]
    return " ".join(cols) + "\n"
