"""Contact, callback and case indicators, short abandons, breakdowns, traffic lights and the CLI object,
over small hand-made data sets whose expected values are worked out by hand in each test's docstring."""

from __future__ import annotations

import json
import re
from datetime import date, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from minwon.accounts.models import User
from minwon.cases.models import Case, CaseSource, CaseStatus
from minwon.cli import app
from minwon.contacts.models import Callback, CallbackStatus, Channel, Contact, Outcome
from minwon.core.clock import utcnow
from minwon.core.errors import ValidationError
from minwon.org.models import Category
from minwon.quality import kpi
from minwon.quality.commands import kpi_report
from minwon.quality.service import breakdown_kpis, day_kpis, period_kpis
from minwon.telephony.service import ingest_events
from tests.factories import make_org, make_user
from tests.quality.support import DAY, at, ev, ingest_sample_day

OCT30, OCT20, NOV3, NOV5 = date(2026, 10, 30), date(2026, 10, 20), date(2026, 11, 3), date(2026, 11, 5)


def _contact(
    db: Session,
    agent: User,
    category: Category,
    caller: str | None,
    outcome: Outcome,
    hms: str,
    day: date = DAY,
) -> Contact:
    when = at(hms, day)
    contact = Contact(
        channel=Channel.CALL,
        agent_id=agent.id,
        caller_ref=caller,
        category_id=category.id,
        inquiry="문의",
        outcome=outcome,
        wrapup_started_at=when,
        created_at=when,
    )
    db.add(contact)
    db.flush()
    return contact


def _seed(db: Session) -> dict[str, object]:
    """Contacts (7-day window; P, Q, R, S are caller pseudonyms):

    ===  ======  =====  ===========  ===========  =====  =============================================
    id   caller  cat.   outcome      when         agent  by hand
    ===  ======  =====  ===========  ===========  =====  =============================================
    k9   S       tax    resolved     10-20 09:00  a1     before the period
    k1   P       tax    resolved     10-30 10:00  a1     before the period
    k2   P       tax    resolved     11-02 09:00  a1     repeat of k1 (3 days) → not a first contact
    k3   Q       water  resolved     11-02 10:00  a1     first; followed by k4 within 7 days → not FCR
    k5   R       tax    resolved     11-02 11:00  a2     first, FCR
    k6   R       water  callback     11-02 12:00  a2     first (other category than k5), not resolved
    k7   —       tax    transferred  11-02 13:00  a2     first (no caller to compare), not resolved
    k8   S       tax    resolved     11-02 14:00  a1     first (k9 is 13 days before), FCR
    k4   Q       water  transferred  11-05 09:00  a1     after the day
    ===  ======  =====  ===========  ===========  =====  =============================================

    Day 11-02: contacts 6, resolved 4, transferred 1, callback 1, repeats 1, first contacts 5, first
    resolved 2 → FCR 2/5, transfer rate 1/6, repeat rate 1/6.

    Callbacks of k6 due 11-02: 15:00 done at 14:30 (kept), 16:00 failed, 17:00 cancelled (excluded),
    18:00 still pending and past due (missed); 11-03 09:00 done (other day) → due 3, kept 1.
    Cases due 11-02 18:00: closed 10:00 the same day (on time), closed 11-03 (late), open (late); one due
    11-03 → due 3, on time 1.
    """
    cats, _depts, _queues = make_org(db)
    tax, water = cats[0], cats[1]
    a1 = make_user(db, "a1", team="A", display_name="상담사1")
    a2 = make_user(db, "a2", team="B", display_name="상담사2")
    _contact(db, a1, tax, "S", Outcome.RESOLVED, "09:00:00", OCT20)
    _contact(db, a1, tax, "P", Outcome.RESOLVED, "10:00:00", OCT30)
    _contact(db, a1, tax, "P", Outcome.RESOLVED, "09:00:00")
    _contact(db, a1, water, "Q", Outcome.RESOLVED, "10:00:00")
    _contact(db, a2, tax, "R", Outcome.RESOLVED, "11:00:00")
    k6 = _contact(db, a2, water, "R", Outcome.CALLBACK, "12:00:00")
    _contact(db, a2, tax, None, Outcome.TRANSFERRED, "13:00:00")
    _contact(db, a1, tax, "S", Outcome.RESOLVED, "14:00:00")
    _contact(db, a1, water, "Q", Outcome.TRANSFERRED, "09:00:00", NOV5)
    for hms, status, day, closed in (
        ("15:00:00", CallbackStatus.DONE, DAY, at("14:30:00")),
        ("16:00:00", CallbackStatus.FAILED, DAY, at("16:10:00")),
        ("17:00:00", CallbackStatus.CANCELLED, DAY, at("12:30:00")),
        ("18:00:00", CallbackStatus.PENDING, DAY, None),
        ("09:00:00", CallbackStatus.DONE, NOV3, at("08:50:00", NOV3)),
    ):
        db.add(
            Callback(
                contact_id=k6.id,
                assigned_agent_id=a2.id,
                due_at=at(hms, day),
                status=status,
                closed_at=closed,
            )
        )
    for n, (due, closed, category) in enumerate(
        (
            (at("18:00:00"), at("10:00:00"), tax),
            (at("18:00:00"), at("10:00:00", NOV3), tax),
            (at("18:00:00"), None, None),
            (at("18:00:00", NOV3), None, tax),
        )
    ):
        db.add(
            Case(
                number=f"T-{n}",
                source=CaseSource.CONTACT,
                title="민원",
                question="문의",
                petition_type="질의",
                status=CaseStatus.CLOSED if closed else CaseStatus.IN_PROGRESS,
                received_at=at("08:00:00"),
                due_at=due,
                closed_at=closed,
                category_id=category.id if category else None,
                created_by_id=a1.id,
            )
        )
    db.commit()
    return {"a1": a1, "a2": a2}


def test_contact_indicators_of_the_day(db: Session) -> None:
    _seed(db)
    k = day_kpis(db=db, day=DAY)
    assert (k["contacts"], k["resolved"], k["transferred"], k["callback"]) == (6, 4, 1, 1)
    assert (k["repeats"], k["first_contacts"], k["first_contacts_resolved"]) == (1, 5, 2)
    assert k["fcr"] == pytest.approx(2 / 5)
    assert k["transfer_rate"] == pytest.approx(1 / 6)
    assert k["repeat_rate"] == pytest.approx(1 / 6)
    assert (k["callbacks_due"], k["callbacks_kept"]) == (3, 1)
    assert k["callback_kept_rate"] == pytest.approx(1 / 3)
    assert (k["cases_due"], k["cases_on_time"]) == (3, 1)
    assert k["deadline_compliance"] == pytest.approx(1 / 3)
    assert k["csat"] is None and k["occupancy"] is None
    assert k["unsupported"]["csat"] == "no survey data"
    assert "not supported by the data" in k["unsupported"]["occupancy"]


def test_repeat_window_is_configurable(db: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    """With 14 days k8 is a repeat of k9 (13 days before): repeats 2, first 4, first resolved 1 (k5);
    with 1 day k2 is no longer a repeat of k1 (3 days) and k3 is not followed by k4 (3 days):
    repeats 0, first 6, first resolved 4 (k2, k3, k5, k8)."""
    _seed(db)
    wide = day_kpis(db=db, day=DAY, repeat_window_days=14)
    assert (wide["repeats"], wide["first_contacts"], wide["first_contacts_resolved"]) == (2, 4, 1)
    assert wide["fcr"] == pytest.approx(1 / 4)
    monkeypatch.setenv("MINWON_KPI_REPEAT_WINDOW_DAYS", "1")
    narrow = day_kpis(db=db, day=DAY)
    assert narrow["repeat_window_days"] == 1
    assert (narrow["repeats"], narrow["first_contacts"], narrow["first_contacts_resolved"]) == (0, 6, 4)
    with pytest.raises(ValidationError) as err:
        day_kpis(db=db, day=DAY, repeat_window_days=0)
    assert err.value.field == "repeat_window_days"


def test_pending_callbacks_not_yet_due_are_not_counted(db: Session) -> None:
    cats, _d, _q = make_org(db)
    agent = make_user(db, "a1")
    contact = _contact(db, agent, cats[0], "P", Outcome.CALLBACK, "09:00:00")
    soon = utcnow() + timedelta(hours=1)
    db.add(Callback(contact_id=contact.id, due_at=soon, status=CallbackStatus.PENDING))
    db.commit()
    day = soon.date()
    k = period_kpis(db=db, first_day=day - timedelta(days=1), last_day=day + timedelta(days=1))
    assert k["callbacks_due"] == 0 and k["callback_kept_rate"] is None


def test_callback_kept_means_done_by_its_due_time(db: Session) -> None:
    """Due 11-02: 10:00 done 09:55 (kept), 11:00 done 11:00:00 (kept: on the due time), 12:00 done
    12:01 (late), 13:00 done without a recorded completion time (cannot be shown on time: not kept),
    14:00 failed 13:00 → due 5, kept 2."""
    cats, _d, _q = make_org(db)
    agent = make_user(db, "a1")
    contact = _contact(db, agent, cats[0], "P", Outcome.CALLBACK, "09:00:00")
    for due, status, closed in (
        ("10:00:00", CallbackStatus.DONE, "09:55:00"),
        ("11:00:00", CallbackStatus.DONE, "11:00:00"),
        ("12:00:00", CallbackStatus.DONE, "12:01:00"),
        ("13:00:00", CallbackStatus.DONE, None),
        ("14:00:00", CallbackStatus.FAILED, "13:00:00"),
    ):
        db.add(
            Callback(
                contact_id=contact.id,
                due_at=at(due),
                status=status,
                closed_at=at(closed) if closed else None,
            )
        )
    db.commit()
    k = day_kpis(db=db, day=DAY)
    assert (k["callbacks_due"], k["callbacks_kept"]) == (5, 2)
    assert k["callback_kept_rate"] == pytest.approx(2 / 5)


def test_breakdowns_by_agent_team_category_and_queue(db: Session) -> None:
    """Agent a1: k2 (repeat), k3 (followed), k8 (FCR) → contacts 3, first 2, FCR 1/2; cases 3 due, 1 on
    time (all created by a1). Agent a2: k5 (FCR), k6, k7 (transferred) → FCR 1/3, transfer 1/3;
    callbacks 3 due, 1 kept. Category tax: k2, k5, k7, k8 → first 3, FCR 2/3; cases: 2 due, 1 on time;
    the uncategorised open case is its own group. Water: k3, k6 → FCR 0; callbacks 3/1."""
    _seed(db)
    agents = {r["key"]: r for r in breakdown_kpis(db=db, first_day=DAY, by="agent")}
    assert agents["a1"]["label"] == "상담사1"
    assert (agents["a1"]["contacts"], agents["a1"]["first_contacts"]) == (3, 2)
    assert agents["a1"]["fcr"] == pytest.approx(1 / 2)
    assert agents["a1"]["deadline_compliance"] == pytest.approx(1 / 3)
    assert agents["a2"]["fcr"] == pytest.approx(1 / 3)
    assert agents["a2"]["transfer_rate"] == pytest.approx(1 / 3)
    assert agents["a2"]["callback_kept_rate"] == pytest.approx(1 / 3)
    teams = {r["key"]: r for r in breakdown_kpis(db=db, first_day=DAY, by="team")}
    assert teams["A"]["fcr"] == agents["a1"]["fcr"] and teams["B"]["fcr"] == agents["a2"]["fcr"]
    cats = {r["key"]: r for r in breakdown_kpis(db=db, first_day=DAY, by="category")}
    assert cats["local_tax"]["label"] == "지방세"
    assert (cats["local_tax"]["contacts"], cats["local_tax"]["first_contacts"]) == (4, 3)
    assert cats["local_tax"]["fcr"] == pytest.approx(2 / 3)
    assert (cats["local_tax"]["cases_due"], cats["local_tax"]["cases_on_time"]) == (2, 1)
    assert cats[None]["cases_due"] == 1 and cats[None]["deadline_compliance"] == 0
    assert cats["water"]["fcr"] == 0 and cats["water"]["callback_kept_rate"] == pytest.approx(1 / 3)
    # No calls here: the contacts have no call, so they (and the cases) fall in the queue None group.
    queues = breakdown_kpis(db=db, first_day=DAY, by="queue")
    assert [r["key"] for r in queues] == [None]
    assert queues[0]["contacts"] == 6
    with pytest.raises(ValidationError) as err:
        breakdown_kpis(db=db, first_day=DAY, by="weekday")
    assert err.value.field == "by"


def test_call_breakdown_by_agent_and_team(db: Session) -> None:
    """The sample day: AGENT_01 answered c1 (wait 10 s, handle 300 s), AGENT_02 c2 (wait 40 s, 120 s);
    with accounts for both in team T, the team row has answered 2, ASA 25, AHT 210."""
    make_user(db, "u1", pbx_agent_id="AGENT_01", team="T")
    make_user(db, "u2", pbx_agent_id="AGENT_02", team="T")
    ingest_sample_day(db)
    agents = {r["key"]: r for r in breakdown_kpis(db=db, first_day=DAY, by="agent")}
    assert agents["u1"]["answered"] == 1 and agents["u1"]["asa_s"] == 10 and agents["u1"]["aht_s"] == 300
    assert agents["u2"]["service_level"] == 0  # 40 s > 20 s
    assert agents[None]["abandoned"] == 1  # c3 reached no agent
    teams = {r["key"]: r for r in breakdown_kpis(db=db, first_day=DAY, by="team")}
    assert (teams["T"]["answered"], teams["T"]["asa_s"], teams["T"]["aht_s"]) == (2, 25, 210)


def test_short_abandons_are_not_offered(db: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    """c5 hangs up 3 s after queueing: below the 5 s default it is a short abandon, so the sample day
    stays at offered 3, abandoned 1 (c3, 60 s); with the threshold at 0 (or 2 s from the environment)
    it is offered and abandoned: offered 4, abandoned 2, abandonment 2/4, SL 1/4."""
    pbx = ingest_sample_day(db)
    ingest_events(
        db=db,
        pbx=pbx,
        events=[ev("ringing", "c5", "11:00:00", queue="general"), ev("abandoned", "c5", "11:00:03")],
    )
    k = day_kpis(db=db, day=DAY)
    assert (k["offered"], k["abandoned"], k["short_abandoned"], k["short_abandon_s"]) == (3, 1, 1, 5)
    assert k["abandonment_rate"] == pytest.approx(1 / 3)
    every = day_kpis(db=db, day=DAY, short_abandon_s=0)
    assert (every["offered"], every["abandoned"], every["short_abandoned"]) == (4, 2, 0)
    assert every["abandonment_rate"] == pytest.approx(1 / 2)
    assert every["service_level"] == pytest.approx(1 / 4)
    monkeypatch.setenv("MINWON_KPI_SHORT_ABANDON_S", "2")
    assert day_kpis(db=db, day=DAY)["offered"] == 4
    with pytest.raises(ValidationError) as err:
        day_kpis(db=db, day=DAY, short_abandon_s=-1)
    assert err.value.field == "short_abandon_s"


def test_zero_everything_is_undefined(db: Session) -> None:
    k = day_kpis(db=db, day=DAY)
    for name in kpi.BY_NAME:
        if kpi.BY_NAME[name].unit in (kpi.RATIO, kpi.SECONDS, kpi.SCORE):
            assert k[name] is None, name
    assert k["offered"] == 0 and k["contacts"] == 0


def test_traffic_lights_at_the_limits(monkeypatch: pytest.MonkeyPatch) -> None:
    higher = kpi.Target(0.80, 0.70)
    assert [higher.status(v) for v in (0.80, 0.7999, 0.70, 0.6999, None)] == [
        kpi.Status.GREEN,
        kpi.Status.AMBER,
        kpi.Status.AMBER,
        kpi.Status.RED,
        None,
    ]
    lower = kpi.Target(0.05, 0.10, higher_is_better=False)
    assert [lower.status(v) for v in (0.0, 0.0499, 0.05, 0.0999, 0.10)] == [
        kpi.Status.GREEN,
        kpi.Status.GREEN,
        kpi.Status.AMBER,
        kpi.Status.AMBER,
        kpi.Status.RED,
    ]
    goals = kpi.targets()
    assert (goals["service_level"].green, goals["abandonment_rate"].green) == (0.80, 0.05)
    assert (goals["fcr"].green, goals["csat"].green, goals["deadline_compliance"].green) == (0.80, 0.85, 0.95)
    values = {"service_level": 0.85, "abandonment_rate": 0.07, "fcr": 0.5, "csat": None}
    assert kpi.statuses(values) == {
        "service_level": "green",
        "abandonment_rate": "amber",
        "fcr": "red",
        "csat": None,
    }
    monkeypatch.setenv("MINWON_KPI_SERVICE_LEVEL_TARGET", "0.9")
    assert kpi.statuses(values)["service_level"] == "amber"
    assert kpi.targets_json()["abandonment_rate"] == {"green": 0.05, "amber": 0.10, "direction": "lower"}


def test_report_object_has_every_indicator_targets_and_status(db: Session) -> None:
    _seed(db)
    out = kpi_report(db=db, day=DAY.isoformat(), by=["agent", "category"])
    for definition in kpi.DEFINITIONS:
        assert definition.name in out, definition.name
    assert out["fcr"] == 0.4 and out["status"]["fcr"] == "red"
    assert out["transfer_rate"] == round(1 / 6, 4)
    assert set(out["targets"]) == set(kpi.TARGETED)
    assert out["status"]["service_level"] is None  # no calls
    assert {r["key"] for r in out["by"]["agent"]} == {"a1", "a2"}
    assert out["by"]["category"][0]["status"]["fcr"] in ("green", "amber", "red", None)
    json.dumps(out)  # serialisable as is
    with pytest.raises(ValidationError):
        kpi_report(db=db, day=DAY.isoformat(), month="2026-11")


def test_cli_prints_one_json_object() -> None:
    """``minwon kpi`` runs on the configured (empty, migrated) test database."""
    result = CliRunner().invoke(app, ["kpi", "--month", "2026-11", "--json", "--by", "team"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    assert out["month"] == "2026-11" and out["offered"] == 0 and out["service_level"] is None
    assert out["targets"]["service_level"] == {"green": 0.8, "amber": 0.7, "direction": "higher"}
    assert out["status"]["service_level"] is None
    assert out["unsupported"]["csat"] == "no survey data"
    assert out["by"]["team"] == []
    table = CliRunner().invoke(app, ["kpi", "--day", "2026-11-02"])
    assert table.exit_code == 0, table.output
    assert "First-contact resolution" in table.output


def test_supervisor_panel_shows_the_kpi_module_values_and_lights(client: TestClient, db: Session) -> None:
    """The seeded day on the supervisor panel: FCR 2/5 = 40.0 % (red against ≥ 80 %), repeat rate 1/6,
    callbacks kept 1/3 (red against ≥ 95 %), deadline compliance 1/3 (red)."""
    from tests.web.test_supervisor import _sign_in, _tile

    _seed(db)
    make_user(db, "sup1", role="supervisor")
    _sign_in(client, "sup1")
    html = client.get(f"/supervisor/panel?day={DAY}").text
    assert _tile(html, "kpi-fcr") == "40.0%"
    assert re.search(r'data-testid="kpi-fcr" data-status="red"', html)
    assert _tile(html, "kpi-repeat-rate") == "16.7%"
    assert _tile(html, "kpi-callback-kept") == "33.3%"
    assert re.search(r'data-testid="kpi-deadline-compliance" data-status="red"', html)
    # No calls that day: service level undefined, no light.
    assert re.search(r'data-testid="kpi-service-level" data-status=""', html)
