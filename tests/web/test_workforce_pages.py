"""Workforce pages: roles, CSRF, the build form, the plan page, exports and the forecast page."""

from __future__ import annotations

import csv
import io
import re
from datetime import date, time

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy.orm import Session

from minwon.config import get_settings
from minwon.core.i18n import gettext
from minwon.workforce.models import PlanStatus, WorkforcePlan
from minwon.workforce.schedule import Agent, Roster, Rules, ShiftPattern
from minwon.workforce.service import build_week_plan
from tests.factories import PASSWORD, make_user

BANK = get_settings().data_dir / "call_center" / "bank_calls_5min_2003.csv"
RECORDS = get_settings().data_dir / "call_center" / "anonymous_bank_1999_08_calls.csv"
needs_bank = pytest.mark.skipif(
    not (BANK.is_file() and RECORDS.is_file()), reason="bank demo data not in the data folder"
)
WEEK = date(2003, 6, 9)


def _sign_in(client: TestClient, username: str) -> str:
    page = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token
    r = client.post(
        "/login",
        data={"username": username, "password": PASSWORD, "csrf_token": token.group(1)},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    session_token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/workforce").text)
    return session_token.group(1) if session_token else ""


def _roster(agents: int = 3, hard_min: int | None = None) -> Roster:
    full = ShiftPattern("full", time(9), 540, 60, time(11), time(14, 30))
    return Roster(
        (full,), tuple(Agent(f"T{i}", f"시험{i}") for i in range(agents)), Rules(hard_min_agents=hard_min)
    )


def _plan(db: Session, **kw: object) -> WorkforcePlan:
    args: dict[str, object] = {
        "week_start": WEEK,
        "source": "bank_demo",
        "roster": _roster(),
        "time_limit_s": 5,
        "bank_demo_scale": 0.01,
        **kw,
    }
    return build_week_plan(db=db, **args)  # type: ignore[arg-type]


def test_counselor_gets_403_everywhere(client: TestClient, db: Session) -> None:
    make_user(db, "counselor1", role="counselor")
    _sign_in(client, "counselor1")
    html = {"accept": "text/html"}
    for path in ("/workforce", "/workforce/plans/1", "/workforce/plans/1.xlsx", "/workforce/forecast"):
        assert client.get(path, headers=html).status_code == 403, path
    assert 'href="/workforce"' not in client.get("/desk").text


def test_supervisor_and_quality_manager_see_the_page_with_the_nav_link(
    client: TestClient, db: Session
) -> None:
    make_user(db, "super1", role="supervisor")
    make_user(db, "quality1", role="quality_manager")
    for name in ("super1", "quality1"):
        client.cookies.clear()
        _sign_in(client, name)
        r = client.get("/workforce")
        assert r.status_code == 200
        assert 'href="/workforce"' in r.text and gettext("ko", "Workforce planning") in r.text
        assert 'data-testid="plan-form"' in r.text
        assert client.get("/workforce/forecast").status_code == 200


def test_build_form_requires_the_csrf_token(client: TestClient, db: Session) -> None:
    make_user(db, "super1", role="supervisor")
    _sign_in(client, "super1")
    form = {"week_start": "2003-06-09", "source": "bank_demo", "target_sl": "80", "threshold_s": "20",
            "aht_s": "", "shrinkage": "30", "time_limit_s": "2"}  # fmt: skip
    assert client.post("/workforce/plans", data=form, follow_redirects=False).status_code == 403
    bad = {**form, "csrf_token": "not-the-token"}
    assert client.post("/workforce/plans", data=bad, follow_redirects=False).status_code == 403
    assert db.query(WorkforcePlan).count() == 0


def test_bad_form_input_is_shown_beside_its_field(client: TestClient, db: Session) -> None:
    make_user(db, "super1", role="supervisor")
    token = _sign_in(client, "super1")
    form = {"csrf_token": token, "week_start": "next week", "source": "bank_demo", "target_sl": "80",
            "threshold_s": "20", "aht_s": "", "shrinkage": "30", "time_limit_s": "2"}  # fmt: skip
    r = client.post("/workforce/plans", data=form, follow_redirects=False)
    assert r.status_code == 422
    assert re.search(r'id="e-week_start" role="alert">[^<]+<', r.text)
    assert 'value="next week"' in r.text  # the input is kept
    r = client.post("/workforce/plans", data={**form, "week_start": "2003-06-09", "shrinkage": "95"})
    assert r.status_code == 422 and 'id="e-shrinkage"' in r.text
    r = client.post("/workforce/plans", data={**form, "week_start": "2026-12-07", "source": "center"})
    assert r.status_code == 422 and 'id="e-source"' in r.text  # no call history in the test database
    assert db.query(WorkforcePlan).count() == 0


def test_script_is_loaded_in_the_body_not_inside_the_title(client: TestClient, db: Session) -> None:
    make_user(db, "super1", role="supervisor")
    _sign_in(client, "super1")
    html = client.get("/workforce").text
    title = re.search(r"<title>(.*?)</title>", html, re.S)
    assert title and "<script" not in title.group(1)
    assert html.count('<script src="/static/workforce.js" defer></script>') == 1
    body = html.split("<body", 1)[1]
    assert '<script src="/static/workforce.js"' in body


def test_every_bad_field_is_flagged_at_once_in_the_form_units(client: TestClient, db: Session) -> None:
    make_user(db, "super1", role="supervisor")
    token = _sign_in(client, "super1")
    form = {"csrf_token": token, "week_start": "2003-06-09", "source": "bank_demo", "target_sl": "150",
            "threshold_s": "-3", "aht_s": "abc", "shrinkage": "1e309", "time_limit_s": "NaN"}  # fmt: skip
    r = client.post("/workforce/plans", data=form, follow_redirects=False)
    assert r.status_code == 422
    for name in ("target_sl", "threshold_s", "aht_s", "shrinkage", "time_limit_s"):
        assert re.search(rf'id="e-{name}" role="alert">[^<]+<', r.text), name
    assert 'id="e-week_start"' not in r.text
    # messages are in the form's units (percent), translated for the Korean UI
    assert gettext("ko", "Shrinkage must be between 0 and 90 %") in r.text
    assert gettext("ko", "Target service level must be between 1 and 99 %") in r.text
    assert "between 0 and 1" not in r.text and "0 and 0.9" not in r.text
    assert db.query(WorkforcePlan).count() == 0


def test_far_week_start_and_tiny_time_limit_are_field_errors(client: TestClient, db: Session) -> None:
    make_user(db, "super1", role="supervisor")
    token = _sign_in(client, "super1")
    form = {"csrf_token": token, "week_start": "9999-12-31", "source": "bank_demo", "target_sl": "80",
            "threshold_s": "20", "aht_s": "", "shrinkage": "30", "time_limit_s": "0.0001"}  # fmt: skip
    r = client.post("/workforce/plans", data=form, follow_redirects=False)
    assert r.status_code == 422 and r.headers["content-type"].startswith("text/html")
    assert re.search(r'id="e-week_start" role="alert">[^<]+<', r.text)
    assert re.search(r'id="e-time_limit_s" role="alert">[^<]+<', r.text)
    assert gettext("ko", "time limit (s) must be between 1 and 300") in r.text
    for limit in ("1", "300"):
        assert (
            'id="e-time_limit_s"'
            not in client.post(
                "/workforce/plans", data={**form, "time_limit_s": limit}, follow_redirects=False
            ).text
        )
    assert db.query(WorkforcePlan).count() == 0


@needs_bank
def test_post_builds_the_plan_and_redirects_to_it(client: TestClient, db: Session) -> None:
    user = make_user(db, "super1", role="supervisor")
    token = _sign_in(client, "super1")
    form = {"csrf_token": token, "week_start": "2003-06-09", "source": "bank_demo", "target_sl": "80",
            "threshold_s": "20", "aht_s": "190", "shrinkage": "30", "time_limit_s": "2"}  # fmt: skip
    r = client.post("/workforce/plans", data=form, follow_redirects=False)
    assert r.status_code == 303
    plan = db.query(WorkforcePlan).one()
    assert r.headers["location"] == f"/workforce/plans/{plan.id}"
    assert plan.created_by_id == user.id and plan.aht_s == 190 and plan.shrinkage == 0.3
    assert plan.target_sl == 0.8 and len(plan.agents) == 28  # the demo roster
    assert client.get(r.headers["location"]).status_code == 200
    assert f'data-plan-id="{plan.id}"' in client.get("/workforce").text


@needs_bank
def test_plan_page_shows_coverage_grid_and_exports(client: TestClient, db: Session) -> None:
    plan = _plan(db)
    make_user(db, "super1", role="supervisor")
    _sign_in(client, "super1")
    r = client.get(f"/workforce/plans/{plan.id}")
    assert r.status_code == 200
    html = r.text
    assert "<svg" in html and 'class="scheduled"' in html
    rows = re.findall(r'<tr data-day="([^"]+)" data-start="([^"]+)"\s+class="([^"]*)"', html)
    assert len(rows) == 90
    for interval in plan.intervals:
        key = (interval.day.isoformat(), interval.start.strftime("%H:%M"))
        state = next(c for d, s, c in rows if (d, s) == key)
        have = interval.scheduled or 0
        assert state == ("under" if have < interval.required else "over" if have > interval.required else "")
    for agent in ("T0", "T1", "T2"):
        assert f'data-agent="{agent}"' in html
    some = plan.shifts[0]
    assert f"{some.start:%H:%M}–{some.end:%H:%M}" in html
    # Korean UI (the default): weekday names in Korean; 2003-06-09 was a Monday (월)
    heads = re.search(r'data-testid="schedule-grid">\s*<thead>(.*?)</thead>', html, re.S)
    assert heads and "06-09 월" in heads.group(1) and "06-13 금" in heads.group(1)
    assert "Mon" not in heads.group(1)
    # the bank-demo scale note is shown translated, its number kept
    note = gettext("ko", "bank demo volumes × {factor} to fit the demo roster").format(factor="0.01")
    assert note in html
    # chart text keeps its proportions and is readable (≥ 10 viewBox units, not 6 px stretched)
    assert 'preserveAspectRatio="none"' not in html
    size = re.search(r"\.wf-chart text \{ font-size:(\d+)px", html)
    assert size and int(size.group(1)) >= 10

    x = client.get(f"/workforce/plans/{plan.id}.xlsx")
    assert x.status_code == 200
    assert x.headers["content-type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert (
        x.headers["content-disposition"] == f'attachment; filename="workforce-plan-{plan.id}-2003-06-09.xlsx"'
    )
    book = load_workbook(io.BytesIO(x.content))
    shifts_sheet = book[gettext("ko", "Shifts")]
    shift_rows = list(shifts_sheet.iter_rows(values_only=True))
    assert len(shift_rows) == 1 + len(plan.shifts)
    expected = sorted(
        (s.agent_id, s.day.isoformat(), f"{s.start:%H:%M}", f"{s.end:%H:%M}") for s in plan.shifts
    )
    assert sorted((r[0], r[2], r[4], r[5]) for r in shift_rows[1:]) == expected
    cover_rows = list(book[gettext("ko", "Coverage")].iter_rows(values_only=True))
    assert len(cover_rows) == 1 + 90
    col = {
        name: cover_rows[0].index(gettext("ko", name)) for name in ("Date", "Start", "Required", "Scheduled")
    }
    got = {
        (r[col["Date"]], r[col["Start"]]): (r[col["Required"]], r[col["Scheduled"]]) for r in cover_rows[1:]
    }
    assert got == {(i.day.isoformat(), f"{i.start:%H:%M}"): (i.required, i.scheduled) for i in plan.intervals}

    c = client.get(f"/workforce/plans/{plan.id}.csv")
    assert c.status_code == 200 and c.headers["content-type"] == "text/csv; charset=utf-8"
    assert c.headers["content-disposition"].startswith("attachment;")
    assert c.content.startswith(b"\xef\xbb\xbf")  # UTF-8 BOM: Excel on Korean Windows reads UTF-8
    lines = c.content.decode("utf-8-sig").splitlines()
    assert lines[0] == "agent_id,agent_name,day,pattern,start,end,lunch_start,lunch_end,breaks,paid_hours"
    assert len(lines) == 1 + len(plan.shifts)
    cov = client.get(f"/workforce/plans/{plan.id}.csv?kind=coverage")
    cov_rows = list(csv.DictReader(io.StringIO(cov.content.decode("utf-8-sig"))))
    assert {"day", "start", "end", "required", "minimum", "scheduled", "under", "over"} <= set(cov_rows[0])
    assert len(cov_rows) == 90
    assert {(r["day"], r["start"]): float(r["scheduled"]) for r in cov_rows} == {
        (i.day.isoformat(), f"{i.start:%H:%M}"): i.scheduled for i in plan.intervals
    }
    assert client.get(f"/workforce/plans/{plan.id}.csv?kind=other").status_code == 422
    assert client.get("/workforce/plans/99999", headers={"accept": "text/html"}).status_code == 404


@needs_bank
def test_infeasible_plan_page_explains_why(client: TestClient, db: Session) -> None:
    plan = _plan(db, roster=_roster(agents=1, hard_min=2))
    assert plan.status is PlanStatus.INFEASIBLE
    make_user(db, "super1", role="supervisor")
    _sign_in(client, "super1")
    html = client.get(f"/workforce/plans/{plan.id}").text
    block = re.search(r'data-testid="infeasibility".*?</section>', html, re.S)
    assert block
    # stored in English; shown in the user's language (Korean) with the same interval and counts:
    # one agent available, two required on Monday 2003-06-09 during the opening hours
    assert "minimum coverage on Mon 2003-06-09 09:00–18:00 needs 2 agents" in (plan.message or "")
    shown = block.group(0)
    assert "2003-06-09 09:00–18:00" in shown
    assert "2명" in shown and "1명뿐" in shown
    assert "needs 2 agents" not in shown
    assert 'data-testid="schedule-grid"' not in html
    x = client.get(f"/workforce/plans/{plan.id}.xlsx")
    assert x.status_code == 200
    assert len(list(load_workbook(io.BytesIO(x.content))[gettext("ko", "Shifts")].iter_rows())) == 1


@needs_bank
def test_forecast_page_shows_wape_for_a_bank_day(client: TestClient, db: Session) -> None:
    make_user(db, "super1", role="supervisor")
    _sign_in(client, "super1")
    r = client.get("/workforce/forecast?day=2003-10-22&source=bank_demo")
    assert r.status_code == 200
    match = re.search(r'data-testid="wape">[^<]*<strong>([0-9.]+)%</strong>', r.text)
    assert match and 0 < float(match.group(1)) < 30
    # actual 09:00–09:30 of that day, summed from the CSV's six 5-minute rows here
    with BANK.open(newline="") as fh:
        total = sum(
            int(row["Calls"])
            for row in csv.DictReader(fh)
            if row["DateTime"][:10] == "2003-10-22"
            and row["DateTime"][11:13] == "09"
            and int(row["DateTime"][14:16]) < 30
        )
    row = re.search(r'<tr data-start="09:00">(.*?)</tr>', r.text, re.S)
    assert row and re.findall(r'class="num">([^<]*)<', row.group(1))[1] == str(total)
    assert 'preserveAspectRatio="none"' not in r.text  # text is not stretched with the bars
    size = re.search(r"\.wf-chart text \{ font-size:(\d+)px", r.text)
    assert size and int(size.group(1)) >= 10
    bad = client.get("/workforce/forecast?day=2003-10-25&source=bank_demo")
    assert bad.status_code == 422 and 'id="e-day"' in bad.text


def test_stored_plan_texts_are_translated_with_their_values() -> None:
    from minwon.web.workforce import translate_stored, weekday_name

    text = "no schedule found within 0.5 s (solver status UNKNOWN); raise the time limit"
    template = "no schedule found within {seconds} s (solver status {status}); raise the time limit"
    assert translate_stored("ko", text) == gettext("ko", template).format(seconds="0.5", status="UNKNOWN")
    assert translate_stored("en", text) == text
    reason = "minimum coverage on Mon 2026-12-07 09:00–18:00 needs 2 agents but only 1 is available then"
    template = "minimum coverage on {when} needs {need} agents but only {available} is available then"
    assert translate_stored("ko", reason) == gettext("ko", template).format(
        when="Mon 2026-12-07 09:00–18:00", need="2", available="1"
    )
    assert translate_stored("ko", "something else") == gettext("ko", "something else")
    # 2026-12-07 was a Monday, 2026-12-13 a Sunday
    assert [weekday_name("ko", date(2026, 12, 7 + k)) for k in range(7)] == list("월화수목금토일")
    assert weekday_name("en", date(2026, 12, 13)) == "Sun"
