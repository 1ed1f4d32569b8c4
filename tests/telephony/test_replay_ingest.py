"""Replay through the real ingestion path: in-process, over HTTP to a running server, and the CLI.

The small CSV below has, by hand: AGENT queued (wait 90 s, talk 180 s), AGENT across midnight
(wait 88 s, talk 19 s), AGENT never queued (wait 0, talk 180 s), HANG in the queue (60 s), HANG in
the VRU, and a PHANTOM. So: offered 4, answered 3, abandoned 1, within 20 s 1 → SL 0.25,
ASA (90+88+0)/3 = 59.33 s, AHT (180+19+180)/3 = 126.33 s, abandonment 0.25; one call ended in IVR.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from minwon.core.crypto import decrypt
from minwon.org.models import Queue
from minwon.telephony.commands import in_process_sender, replay_day
from minwon.telephony.models import Call, CallStatus, Pbx
from minwon.telephony.replay import COLUMNS, DEFAULT_QUEUE_MAP, read_day

DAY = date(1999, 8, 2)
CSV_TEXT = (
    ",".join(COLUMNS)
    + "\n"
    + """\
AA0201,100,37,2,NE,1999-08-02,14:47:57,14:48:03,6,14:48:03,14:49:33,90,AGENT,14:49:33,14:52:33,180,AGENT_13
AA0208,7582,1453,1,PS,1999-08-02,23:59:23,23:59:23,0,23:59:29,0:00:57,88,AGENT,0:00:56,0:01:15,19,AGENT_19
AA0101,200,0,0,PS,1999-08-02,10:00:00,10:00:08,8,0:00:00,0:00:00,0,AGENT,10:00:07,10:03:07,180,NO_SERVER
AA0102,300,5,1,NW,1999-08-02,11:00:00,11:00:06,6,11:00:06,11:01:06,60,HANG,0:00:00,0:00:00,0,NO_SERVER
AA0103,400,0,0,IN,1999-08-02,12:00:00,12:00:20,20,0:00:00,0:00:00,0,HANG,0:00:00,0:00:00,0,NO_SERVER
AA0104,500,0,0,PS,1999-08-02,13:00:00,13:00:09,9,13:00:09,13:01:00,51,PHANTOM,13:01:00,13:01:02,2,NO_SERVER
AA0105,600,0,0,PS,1999-08-03,09:00:00,09:00:09,9,09:00:09,09:01:00,51,AGENT,09:01:00,09:02:00,60,AGENT_01
AA0106,,0,0,PS,1999-08-02,09:00:00,09:00:09,9,09:00:09,09:01:00,51,AGENT,09:01:00,09:02:00,60,AGENT_01
"""
)
EXPECTED = {
    "offered": 4,
    "answered": 3,
    "abandoned": 1,
    "service_level": 0.25,
    "sl_threshold_s": 20,
    "asa_s": 59.33,
    "aht_s": 126.33,
    "abandonment_rate": 0.25,
}


def test_in_process_replay_twice_adds_nothing(db: Session) -> None:
    day_replay = read_day(io.StringIO(CSV_TEXT), day=DAY)
    assert [m.line for m in day_replay.malformed] == [9]
    send = in_process_sender(db=db, queue_map=DEFAULT_QUEUE_MAP)
    first = replay_day(day_replay, send=send, speed=0)
    # 3 + 3 + 2 + 2 + 1 events
    assert (first.sent, first.accepted, first.duplicates, first.rejected) == (11, 11, 0, 0)

    calls = {c.external_id.rsplit("/", 1)[1]: c for c in db.scalars(select(Call))}
    assert set(calls) == {"100", "7582", "200", "300", "400"}
    assert calls["100"].status == CallStatus.COMPLETED
    assert (calls["100"].queue_wait_s, calls["100"].talk_s, calls["100"].agent_ref) == (90, 180, "AGENT_13")
    assert calls["100"].caller_masked == "010-****-0037"
    assert calls["100"].caller_enc is not None and decrypt(calls["100"].caller_enc) == "01000000037"
    assert calls["200"].caller_enc is None
    assert calls["7582"].service_day == DAY
    assert calls["300"].status == CallStatus.ABANDONED and calls["300"].queue_wait_s == 60
    assert calls["400"].status == CallStatus.ENDED_IN_IVR
    names = {code: name for code, name in db.execute(select(Queue.code, Queue.name))}
    assert names["water"] == "상하수도" and names["parking"] == "주정차" and names["events"] == "행사·축제"
    assert db.scalar(select(Pbx.name).where(Pbx.id == calls["100"].pbx_id)) == "replay"

    second = replay_day(read_day(io.StringIO(CSV_TEXT), day=DAY), send=send, speed=0)
    assert (second.accepted, second.duplicates, second.rejected) == (0, 11, 0)
    assert db.scalar(select(func.count()).select_from(Call)) == 5


def _minwon(args: list[str], database_url: str, cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    full_env = {**os.environ, "MINWON_DATABASE_URL": database_url, "MINWON_ENVIRONMENT": "test", **env}
    return subprocess.run(
        [sys.executable, "-m", "minwon.cli", *args],
        env=full_env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )


def test_cli_replay_in_process_then_kpi_json(fresh_database_url: str, tmp_path: Path) -> None:
    path = tmp_path / "calls.csv"
    path.write_text(CSV_TEXT, encoding="utf-8")
    run = _minwon(["replay", str(path), "--day", "1999-08-02"], fresh_database_url, tmp_path)
    assert run.returncode == 0, run.stderr
    assert "skipped line 9" in run.stderr and "call_id is blank" in run.stderr
    assert "events accepted" in run.stdout and "phantom calls skipped" in run.stdout
    again = _minwon(["replay", str(path), "--day", "1999-08-02"], fresh_database_url, tmp_path)
    assert again.returncode == 0, again.stderr
    kpi = _minwon(["kpi", "--day", "1999-08-02", "--json"], fresh_database_url, tmp_path)
    assert kpi.returncode == 0, kpi.stderr
    got = json.loads(kpi.stdout)
    assert {k: got[k] for k in EXPECTED} == EXPECTED
    table = _minwon(["kpi", "--month", "1999-08"], fresh_database_url, tmp_path)
    assert table.returncode == 0, table.stderr
    assert "25.0%" in table.stdout and "서비스 레벨" in table.stdout


def test_cli_replay_missing_file_names_path_and_data_dir(fresh_database_url: str, tmp_path: Path) -> None:
    run = _minwon(
        ["replay", "nowhere/calls.csv", "--day", "1999-08-02"],
        fresh_database_url,
        tmp_path,
        MINWON_DATA_DIR=str(tmp_path / "data"),
    )
    assert run.returncode == 2
    assert "nowhere/calls.csv" in run.stderr
    assert "MINWON_DATA_DIR" in run.stderr and str(tmp_path / "data") in run.stderr


def test_cli_replay_over_http_to_a_running_server(
    fresh_database_url: str, start_server: Callable[..., str], tmp_path: Path
) -> None:
    base = start_server(fresh_database_url)
    path = tmp_path / "calls.csv"
    path.write_text(CSV_TEXT, encoding="utf-8")
    run = _minwon(
        ["replay", str(path), "--day", "1999-08-02", "--url", base, "--speed", "0"],
        fresh_database_url,
        tmp_path,
    )
    assert run.returncode == 0, run.stderr
    lines = {
        line.split("│")[1].strip(): line.split("│")[2].strip()
        for line in run.stdout.splitlines()
        if line.count("│") == 3
    }
    assert lines["events accepted"] == "11" and lines["events rejected"] == "0"
    again = _minwon(["replay", str(path), "--day", "1999-08-02", "--url", base], fresh_database_url, tmp_path)
    assert again.returncode == 0, again.stderr
    lines = {
        line.split("│")[1].strip(): line.split("│")[2].strip()
        for line in again.stdout.splitlines()
        if line.count("│") == 3
    }
    assert lines["events duplicate"] == "11" and lines["events accepted"] == "0"
    bad = _minwon(
        ["replay", str(path), "--day", "1999-08-02", "--url", base, "--token", "wrong"],
        fresh_database_url,
        tmp_path,
    )
    assert bad.returncode == 2 and "refused the PBX token" in bad.stderr
    kpi = _minwon(["kpi", "--day", "1999-08-02", "--json"], fresh_database_url, tmp_path)
    assert {k: json.loads(kpi.stdout)[k] for k in EXPECTED} == EXPECTED
