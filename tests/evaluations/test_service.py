"""Evaluation service on the real database: versioning, sampling, workflow, calibration, summary."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from minwon.accounts.models import User
from minwon.contacts.models import Contact
from minwon.core.clock import local_today
from minwon.core.errors import Conflict, PermissionDenied, ValidationError
from minwon.core.models import AccessRecord
from minwon.evaluations import service
from minwon.evaluations.models import Evaluation, EvaluationEvent, EvaluationStatus, VersionStatus
from tests.evaluations.helpers import SCORES_77, SCORES_87, SCORES_100, SCORES_CRITICAL, at, contact
from tests.factories import make_org, make_user


@pytest.fixture()
def world(db: Session) -> dict[str, object]:
    cats, deps, _ = make_org(db)
    return {
        "cats": cats,
        "dept": deps[0],
        "c1": make_user(db, "c1", "counselor", display_name="김하늘"),
        "c2": make_user(db, "c2", "counselor", display_name="이바다"),
        "q1": make_user(db, "q1", "quality_manager"),
        "q2": make_user(db, "q2", "quality_manager"),
        "s1": make_user(db, "s1", "supervisor"),
    }


def _one(db: Session, w: dict[str, object], agent: str = "c1") -> Evaluation:
    c = contact(db, w[agent], w["cats"][0], at(3))  # type: ignore[arg-type,index]
    report = service.sample_month(db=db, month="2026-09", actor=w["q1"], per_agent=1, seed="x")  # type: ignore[arg-type]
    ev = db.get(Evaluation, report.evaluation_ids[0])
    assert ev is not None and ev.contact_id == c.id
    return ev


def test_default_scorecard_is_created_once_and_published_versions_never_change(
    db: Session, world: dict
) -> None:
    v1 = service.current_version(db=db)
    assert v1.status == VersionStatus.PUBLISHED and v1.number == 1
    assert len(service.list_scorecards(db=db)) == 1
    with pytest.raises(Conflict):
        service.save_draft(db=db, version_id=v1.id, definition={"sections": []}, actor=world["q1"])
    draft = service.new_draft(db=db, version_id=v1.id, actor=world["q1"])
    assert draft.number == 2 and service.new_draft(db=db, version_id=v1.id, actor=world["q1"]).id == draft.id
    with pytest.raises(ValidationError):
        service.save_draft(db=db, version_id=draft.id, definition={"sections": []}, actor=world["q1"])
    assert draft.definition == v1.definition
    with pytest.raises(PermissionDenied):
        service.new_draft(db=db, version_id=v1.id, actor=world["s1"])
    service.publish_version(db=db, version_id=draft.id, actor=world["q1"])
    assert v1.status == VersionStatus.RETIRED and service.current_version(db=db).id == draft.id


def test_sampling_stratified_deterministic_excludes_evaluated_and_tops_up(db: Session, world: dict) -> None:
    tax, water, _ = world["cats"]
    for d in range(1, 11):
        contact(db, world["c1"], tax, at(d))
    for d in range(11, 16):
        contact(db, world["c1"], water, at(d), outcome="transferred", department_id=world["dept"].id)
    contact(db, world["c1"], tax, at(2, month=10))  # next month: never drawn for September
    contact(db, world["c2"], tax, at(5))  # one contact only: it is taken whole
    r1 = service.sample_month(db=db, month="2026-09", actor=world["q1"], per_agent=3, seed="audit")
    by = {a.agent_id: a for a in r1.agents}
    # c1: 15 contacts, quotas 3·10/15 = 2 and 3·5/15 = 1
    assert by[world["c1"].id].strata == {"local_tax/resolved": 2, "water/transferred": 1}
    assert (by[world["c2"].id].contacts, by[world["c2"].id].sampled) == (1, 1)
    # round robin over q1, q2 in id order
    evs = [db.get(Evaluation, i) for i in r1.evaluation_ids]
    assert [e.evaluator_id for e in evs] == [world["q1"].id, world["q2"].id] * 2
    # the same month again: the counselors already have their 3 (or all): nothing new
    again = service.sample_month(db=db, month="2026-09", actor=world["q1"], per_agent=3, seed="audit")
    assert again.evaluation_ids == []
    # raising the count tops up with contacts not yet evaluated
    more = service.sample_month(db=db, month="2026-09", actor=world["q1"], per_agent=5, seed="audit")
    new_contacts = {db.get(Evaluation, i).contact_id for i in more.evaluation_ids}
    assert len(new_contacts) == 2 and not new_contacts & {e.contact_id for e in evs}
    sept = {c.id for c in db.scalars(select(Contact).where(Contact.agent_id == world["c1"].id))}
    assert new_contacts <= sept


def test_same_seed_same_sample_on_the_same_contacts(db: Session, world: dict) -> None:
    tax, water, other = world["cats"]
    for d in range(1, 13):
        contact(db, world["c1"], (tax, water, other)[d % 3], at(d))
    first = service.sample_month(db=db, month="2026-09", actor=world["q1"], per_agent=4, seed="S")
    chosen = sorted(db.get(Evaluation, i).contact_id for i in first.evaluation_ids)
    # an auditor repeats the draw on the same data (evaluations removed again)
    for i in first.evaluation_ids:
        db.delete(db.get(Evaluation, i))
    db.commit()
    second = service.sample_month(db=db, month="2026-09", actor=world["q1"], per_agent=4, seed="S")
    assert sorted(db.get(Evaluation, i).contact_id for i in second.evaluation_ids) == chosen
    assert len(chosen) == 4  # 3 strata of 4 each: 4·4/12 = 1.33 → 1, 1, 1 + one by remainder


def test_sampling_bad_input(db: Session, world: dict) -> None:
    with pytest.raises(ValidationError):
        service.sample_month(db=db, month="2026-13", actor=world["q1"])
    with pytest.raises(ValidationError):
        service.sample_month(db=db, month="2026-09", actor=world["q1"], per_agent=0)
    with pytest.raises(ValidationError):
        service.sample_month(db=db, month="2026-09", actor=world["q1"], evaluator_ids=[world["c1"].id])
    with pytest.raises(PermissionDenied):
        service.sample_month(db=db, month="2026-09", actor=world["c1"])


def test_workflow_roles_states_and_history(db: Session, world: dict) -> None:
    ev = _one(db, world)
    assert ev.evaluator_id == world["q1"].id
    with pytest.raises(PermissionDenied):
        service.submit_scores(db=db, evaluation_id=ev.id, actor=world["q2"], scores=SCORES_87)
    with pytest.raises(ValidationError) as err:
        service.submit_scores(db=db, evaluation_id=ev.id, actor=world["q1"], scores={**SCORES_87, "c1": 9})
    assert err.value.field == "c1"
    db.refresh(ev)
    assert ev.status == EvaluationStatus.ASSIGNED and ev.scores == [] and ev.total_score is None
    # the counselor sees nothing before submission
    assert service.list_evaluations(db=db, viewer=world["c1"]) == []
    with pytest.raises(Conflict):
        service.dispute(db=db, evaluation_id=ev.id, actor=world["c1"], reason="x")
    service.submit_scores(
        db=db, evaluation_id=ev.id, actor=world["q1"], scores=SCORES_77, overall_comment="본인 확인 누락"
    )
    assert (ev.total_score, ev.passed, ev.status) == (77.0, False, EvaluationStatus.SUBMITTED)
    with pytest.raises(Conflict):
        service.submit_scores(db=db, evaluation_id=ev.id, actor=world["q1"], scores=SCORES_87)
    assert [e.id for e in service.list_evaluations(db=db, viewer=world["c1"])] == [ev.id]
    assert service.list_evaluations(db=db, viewer=world["c2"]) == []
    with pytest.raises(PermissionDenied):
        service.get_evaluation(db=db, evaluation_id=ev.id, viewer=world["c2"])
    with pytest.raises(PermissionDenied):
        service.dispute(db=db, evaluation_id=ev.id, actor=world["c2"], reason="x")
    with pytest.raises(ValidationError):
        service.dispute(db=db, evaluation_id=ev.id, actor=world["c1"], reason="  ")
    service.dispute(
        db=db, evaluation_id=ev.id, actor=world["c1"], reason="본인 확인을 했습니다 (녹취 2분 10초)"
    )
    with pytest.raises(Conflict):
        service.acknowledge(db=db, evaluation_id=ev.id, actor=world["c1"])
    with pytest.raises(PermissionDenied):  # quality managers do not resolve
        service.resolve(db=db, evaluation_id=ev.id, actor=world["q2"], decision="uphold", note="n")
    with pytest.raises(ValidationError):
        service.resolve(
            db=db,
            evaluation_id=ev.id,
            actor=world["s1"],
            decision="adjust",
            note="n",
            scores={**SCORES_87, "c9": 5},
        )
    service.resolve(
        db=db,
        evaluation_id=ev.id,
        actor=world["s1"],
        decision="adjust",
        note="녹취 확인: 본인 확인함",
        scores=SCORES_87,
    )
    assert (ev.total_score, ev.passed, ev.status) == (87.0, True, EvaluationStatus.RESOLVED)
    with pytest.raises(Conflict):
        service.resolve(db=db, evaluation_id=ev.id, actor=world["s1"], decision="uphold", note="again")
    events = service.history(db=db, evaluation_id=ev.id)
    assert [e.action for e in events] == ["sampled", "submitted", "disputed", "resolved"]
    assert events[-1].detail["before_total"] == 77.0 and events[-1].detail["total"] == 87.0


def test_evaluator_may_not_resolve_own_and_counselor_acknowledges(db: Session, world: dict) -> None:
    s1 = world["s1"]
    ev = _one(db, world)
    ev.evaluator_id = s1.id  # a supervisor evaluated this one
    db.commit()
    service.submit_scores(db=db, evaluation_id=ev.id, actor=s1, scores=SCORES_CRITICAL)
    assert (ev.total_score, ev.critical_failed, ev.passed) == (0.0, True, False)
    service.dispute(db=db, evaluation_id=ev.id, actor=world["c1"], reason="이의")
    with pytest.raises(PermissionDenied):
        service.resolve(db=db, evaluation_id=ev.id, actor=s1, decision="uphold", note="n")


def test_contact_view_is_access_logged(db: Session, world: dict) -> None:
    ev = _one(db, world)
    before = db.scalar(select(func.count(AccessRecord.id)))
    service.record_contact_view(db=db, evaluation=ev, viewer=world["q1"], ip="127.0.0.1")
    rec = db.scalar(select(AccessRecord).order_by(AccessRecord.seq.desc()).limit(1))
    assert db.scalar(select(func.count(AccessRecord.id))) == before + 1
    assert rec is not None and rec.purpose == f"evaluation:{ev.id}" and rec.account_id == world["q1"].id


def test_coaching_notes_seen_by_the_counselor_only(db: Session, world: dict) -> None:
    ev = _one(db, world)
    with pytest.raises(Conflict):
        service.add_coaching_note(db=db, actor=world["q1"], evaluation_id=ev.id, discussed="x")
    service.submit_scores(db=db, evaluation_id=ev.id, actor=world["q1"], scores=SCORES_87)
    with pytest.raises(PermissionDenied):
        service.add_coaching_note(db=db, actor=world["c1"], evaluation_id=ev.id, discussed="x")
    note = service.add_coaching_note(
        db=db,
        actor=world["q1"],
        evaluation_id=ev.id,
        discussed="요약 연습",
        actions="통화 끝 요약",
        follow_up_on=local_today() + timedelta(days=14),
    )
    assert note.agent_id == world["c1"].id
    assert [n.id for n in service.coaching_notes(db=db, viewer=world["c1"])] == [note.id]
    assert service.coaching_notes(db=db, viewer=world["c2"]) == []
    officer = make_user(db, "off", "department_officer")
    with pytest.raises(PermissionDenied):
        service.coaching_notes(db=db, viewer=officer)
    with pytest.raises(PermissionDenied):
        service.list_evaluations(db=db, viewer=officer)


def test_calibration_independent_then_spread_by_hand(db: Session, world: dict) -> None:
    c = contact(db, world["c1"], world["cats"][0], at(4))
    q1, q2, s1 = world["q1"], world["q2"], world["s1"]
    with pytest.raises(ValidationError):
        service.create_calibration(db=db, actor=q1, contact_id=c.id, evaluator_ids=[q1.id])
    session = service.create_calibration(
        db=db, actor=q1, contact_id=c.id, evaluator_ids=[q1.id, q2.id, s1.id]
    )
    evs = {
        e.evaluator_id: e
        for e in service.calibration_report(db=db, session_id=session.id, viewer=q1).evaluations
    }
    service.submit_scores(db=db, evaluation_id=evs[q1.id].id, actor=q1, scores=SCORES_100)
    # q2 has not submitted: q1's scores stay hidden from them
    hidden = service.calibration_report(db=db, session_id=session.id, viewer=q2)
    assert hidden.visible is False and hidden.criteria == []
    with pytest.raises(PermissionDenied):
        service.get_evaluation(db=db, evaluation_id=evs[q1.id].id, viewer=q2)
    service.submit_scores(db=db, evaluation_id=evs[q2.id].id, actor=q2, scores=SCORES_87)
    service.submit_scores(db=db, evaluation_id=evs[s1.id].id, actor=s1, scores=SCORES_77)
    report = service.calibration_report(db=db, session_id=session.id, viewer=q2)
    # totals 100, 87, 77 → range 23, population SD 9.42 (see test_scoring)
    assert (report.total.range, report.total.sd) == (23, 9.42)
    c1 = next(r for r in report.criteria if r.criterion.key == "c1")
    assert (c1.spread.range, c1.spread.sd) == (1, 0.47)  # 5, 4, 4
    # calibration scorings are not the counselor's evaluations
    assert service.list_evaluations(db=db, viewer=world["c1"]) == []


def test_evaluation_summary_by_hand(db: Session, world: dict) -> None:
    tax = world["cats"][0]
    for d in (1, 2, 3):
        contact(db, world["c1"], tax, at(d))
    contact(db, world["c2"], tax, at(4))
    r = service.sample_month(
        db=db, month="2026-09", actor=world["q1"], per_agent=3, seed="s", evaluator_ids=[world["q1"].id]
    )
    ids = {db.get(Evaluation, i).agent_id: [] for i in r.evaluation_ids}
    for i in r.evaluation_ids:
        ids[db.get(Evaluation, i).agent_id].append(i)
    a, b, c = ids[world["c1"].id]
    (d,) = ids[world["c2"].id]
    for ev_id, scores in ((a, SCORES_100), (b, SCORES_77), (c, SCORES_CRITICAL), (d, SCORES_87)):
        service.submit_scores(db=db, evaluation_id=ev_id, actor=world["q1"], scores=scores)
    service.dispute(db=db, evaluation_id=b, actor=world["c1"], reason="이의")
    service.resolve(db=db, evaluation_id=b, actor=world["s1"], decision="uphold", note="유지")
    service.add_coaching_note(db=db, actor=world["q1"], evaluation_id=c, discussed="개인정보 보호")
    cal_contact = contact(db, world["c2"], tax, at(6))
    session = service.create_calibration(
        db=db, actor=world["q1"], contact_id=cal_contact.id, evaluator_ids=[world["q1"].id, world["q2"].id]
    )
    for ev in db.scalars(select(Evaluation).where(Evaluation.calibration_session_id == session.id)):
        user = db.get(User, ev.evaluator_id)
        service.submit_scores(
            db=db, evaluation_id=ev.id, actor=user, scores=SCORES_100 if user.username == "q1" else SCORES_87
        )
    today = local_today()
    s = service.evaluation_summary(
        db=db, first_day=today - timedelta(days=1), last_day=today + timedelta(days=1)
    )
    # totals 100, 77, 0, 87 → mean 264/4 = 66.0; passed 100 and 87 → 0.5; one critical failure
    assert (s.completed, s.mean_score, s.pass_rate, s.critical_failures) == (4, 66.0, 0.5, 1)
    assert (s.disputed, s.disputes_resolved, s.coaching_notes) == (1, 1, 1)
    assert (s.calibration_sessions, s.calibration_mean_spread) == (1, 13.0)  # 100 − 87
    assert [(x.agent, x.evaluations, x.mean_score, x.critical_failures) for x in s.by_agent] == [
        ("김하늘", 3, 59.0, 1),  # (100 + 77 + 0) / 3
        ("이바다", 1, 87.0, 0),
    ]
    empty = service.evaluation_summary(
        db=db, first_day=today - timedelta(days=60), last_day=today - timedelta(days=40)
    )
    assert (empty.completed, empty.mean_score, empty.pass_rate) == (0, None, None)
    assert db.scalar(select(func.count(EvaluationEvent.id))) > 0


def test_reassign_before_scoring_only(db: Session, world: dict) -> None:
    ev = _one(db, world)
    with pytest.raises(PermissionDenied):
        service.reassign(db=db, evaluation_id=ev.id, actor=world["c1"], evaluator_id=world["q2"].id)
    with pytest.raises(ValidationError):
        service.reassign(db=db, evaluation_id=ev.id, actor=world["q1"], evaluator_id=world["c2"].id)
    service.reassign(db=db, evaluation_id=ev.id, actor=world["q1"], evaluator_id=world["q2"].id)
    with pytest.raises(PermissionDenied):
        service.submit_scores(db=db, evaluation_id=ev.id, actor=world["q1"], scores=SCORES_87)
    service.submit_scores(db=db, evaluation_id=ev.id, actor=world["q2"], scores=SCORES_87)
    with pytest.raises(Conflict):
        service.reassign(db=db, evaluation_id=ev.id, actor=world["q1"], evaluator_id=world["q1"].id)
    assert [e.action for e in service.history(db=db, evaluation_id=ev.id)] == [
        "sampled",
        "reassigned",
        "submitted",
    ]
