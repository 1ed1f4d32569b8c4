"""The demo stores the seed news page's board as the 06:00 observations of its date (idempotent)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from minwon.config import get_settings
from minwon.weather.service import count_observations, latest_observations, load_demo_stations

SHARED = Path(get_settings().data_dir).parent


@pytest.mark.skipif(not (SHARED / "seed").is_dir(), reason="shared/seed not present")
def test_seed_board_loads_97_observations_once(db: Session) -> None:
    assert load_demo_stations(db=db, data_dir=SHARED / "data") == []
    assert load_demo_stations(db=db, data_dir=SHARED / "data") == []
    assert count_observations(db=db) == 97
    seoul = latest_observations(db=db, stn_ids=[108])[108]
    # the page's first line is "2026.02.25 (수)" and its board lists "맑음서울-1.0℃"
    assert (seoul.temp_c, seoul.weather_text) == (-1.0, "맑음")
    assert seoul.observed_at == datetime(2026, 2, 24, 21, 0, tzinfo=UTC)  # 06:00 KST


def test_missing_seed_folder_is_a_notice(db: Session, tmp_path: Path) -> None:
    (tmp_path / "data" / "kma").mkdir(parents=True)
    src = SHARED / "data" / "kma" / "asos_stations_current.csv"
    if not src.exists():
        pytest.skip("station registry not present")
    (tmp_path / "data" / "kma" / "asos_stations_current.csv").write_bytes(src.read_bytes())
    notices = load_demo_stations(db=db, data_dir=tmp_path / "data")
    assert len(notices) == 1 and "seed" in notices[0]
