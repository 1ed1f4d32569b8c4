"""Evaluation pages through HTTP: roles, states, bad input, the CAPA link, access logging."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from minwon.core.models import AccessRecord
from minwon.evaluations import service
from minwon.evaluations.models import Evaluation, EvaluationStatus, ScorecardVersion
from tests.evaluations.helpers import SCORES_77, SCORES_CRITICAL, at, contact
from tests.factories import make_org, make_user, sign_in

HTML = {"Accept": "text/html"}


@pytest.fixture()
def world(db: Session) -> dict[str, object]:
    cats, _, _ = make_org(db)
    c1 = make_user(db, "c1", "counselor", display_name="김하늘")
    for d in (2, 3):
        contact(db, c1, cats[0], at(d))
    return {
        "cats": cats,
        "c1": c1,
        "c2": make_user(db, "c2", "counselor"),
        "q1": make_user(db, "q1", "quality_manager"),
        "s1": make_user(db, "s1", "supervisor"),
        "off": make_user(db, "off", "department_officer"),
    }


def _form(scores: dict[str, int], token: str) -> dict[str, str]:
    return {
        "csrf_token": token,
        **{f"score_{k}": str(v) for k, v in scores.items()},
        "overall_comment": "총평",
    }


def test_sample_score_dispute_resolve_over_http(client: TestClient, db: Session, world: dict) -> None:
    token = sign_in(client, "q1")
    page = client.get("/quality/evaluations", headers=HTML)
    assert page.status_code == 200 and 'data-testid="sample-form"' in page.text
    r = client.post(
        "/quality/evaluations/sample",
        data={"csrf_token": token, "month": "2026-09", "per_agent": "1", "seed": "p"},
        follow_redirects=False,
    )
    assert r.status_code == 303 and "sampled=1" in r.headers["location"]
    ev = db.scalar(select(Evaluation))
    assert ev is not None and ev.evaluator_id == world["q1"].id
    assert 'data-testid="reassign-form"' in client.get(f"/quality/evaluations/{ev.id}", headers=HTML).text
    r = client.post(
        f"/quality/evaluations/{ev.id}/reassign",
        data={"csrf_token": token, "evaluator_id": str(world["q1"].id)},
        follow_redirects=False,
    )
    assert r.status_code == 303
    before = db.scalar(select(func.count(AccessRecord.id)))
    detail = client.get(f"/quality/evaluations/{ev.id}", headers=HTML)
    assert "010-****-5678" in detail.text and "010-1234-5678" not in detail.text
    assert db.scalar(select(func.count(AccessRecord.id))) == before + 1
    # a score above the scale: 422 with the message, nothing stored
    bad = client.post(
        f"/quality/evaluations/{ev.id}/submit", data=_form({**SCORES_77, "c2": 7}, token), headers=HTML
    )
    assert bad.status_code == 422 and "척도" in bad.text
    missing = {k: v for k, v in SCORES_77.items() if k != "c5"}
    assert client.post(f"/quality/evaluations/{ev.id}/submit", data=_form(missing, token)).status_code == 422
    db.refresh(ev)
    assert ev.status == EvaluationStatus.ASSIGNED and ev.scores == []
    ok = client.post(
        f"/quality/evaluations/{ev.id}/submit", data=_form(SCORES_77, token), follow_redirects=False
    )
    assert ok.status_code == 303
    detail = client.get(f"/quality/evaluations/{ev.id}", headers=HTML)
    link = re.search(r'href="(/quality/capa/new\?[^"]+)"', detail.text)
    assert (
        link and "source=evaluation" in link.group(1) and f"source_ref=evaluation%3A{ev.id}" in link.group(1)
    )
    again = client.post(f"/quality/evaluations/{ev.id}/submit", data=_form(SCORES_77, token))
    assert again.status_code == 409

    token = sign_in(client, "c2")
    assert client.get(f"/quality/evaluations/{ev.id}", headers=HTML).status_code == 403
    assert "evaluation-list" not in client.get("/quality/evaluations", headers=HTML).text
    assert client.get("/quality/scorecards", headers=HTML).status_code == 403
    token = sign_in(client, "c1")
    mine = client.get("/quality/evaluations", headers=HTML)
    assert f'data-evaluation-id="{ev.id}"' in mine.text and "sample-form" not in mine.text
    page = client.get(f"/quality/evaluations/{ev.id}", headers=HTML)
    assert 'data-testid="answer-panel"' in page.text and "capa-link" not in page.text
    assert (
        client.post(
            f"/quality/evaluations/{ev.id}/dispute", data={"csrf_token": token, "reason": ""}
        ).status_code
        == 422
    )
    assert (
        client.post(
            f"/quality/evaluations/{ev.id}/dispute",
            data={"csrf_token": token, "reason": "본인 확인함"},
            follow_redirects=False,
        ).status_code
        == 303
    )
    assert (
        client.post(
            f"/quality/evaluations/{ev.id}/resolve",
            data={"csrf_token": token, "decision": "uphold", "note": "n"},
        ).status_code
        == 403
    )

    token = sign_in(client, "s1")
    page = client.get(f"/quality/evaluations/{ev.id}", headers=HTML)
    assert 'data-testid="resolve-panel"' in page.text
    r = client.post(
        f"/quality/evaluations/{ev.id}/resolve",
        data={**_form({**SCORES_77, "c9": 1}, token), "decision": "adjust", "note": "녹취 확인"},
        follow_redirects=False,
    )
    assert r.status_code == 303
    db.refresh(ev)
    assert (ev.status, ev.total_score, ev.passed) == (EvaluationStatus.RESOLVED, 87.0, True)
    r = client.post(
        f"/quality/evaluations/{ev.id}/coaching",
        data={"csrf_token": token, "discussed": "요약 연습", "actions": "체크리스트"},
        follow_redirects=False,
    )
    assert r.status_code == 303
    token = sign_in(client, "c1")
    assert "요약 연습" in client.get("/quality/evaluations", headers=HTML).text


def test_officer_sees_nothing_of_qa(client: TestClient, world: dict) -> None:
    sign_in(client, "off")
    for path in ("/quality/evaluations", "/quality/scorecards", "/quality/calibration"):
        assert client.get(path, headers=HTML).status_code == 403
    assert "/quality/evaluations" not in client.get("/kb", headers=HTML).text


def test_scorecard_editing_publishing_and_refusal_on_published(
    client: TestClient, db: Session, world: dict
) -> None:
    token = sign_in(client, "q1")
    assert "기본 상담 품질 평가표" in client.get("/quality/scorecards", headers=HTML).text
    v1 = service.current_version(db=db)
    refused = client.post(
        f"/quality/scorecards/{v1.id}",
        data={
            "csrf_token": token,
            "label_1": "x",
            "key_1": "c1",
            "section_1": "S",
            "weight_1": "10",
            "max_1": "5",
        },
        headers=HTML,
    )
    assert refused.status_code == 409 and "새 초안" in refused.text
    r = client.post(f"/quality/scorecards/{v1.id}/draft", data={"csrf_token": token}, follow_redirects=False)
    draft_id = int(r.headers["location"].rsplit("/", 1)[1])
    editor = client.get(f"/quality/scorecards/{draft_id}", headers=HTML)
    assert 'data-testid="scorecard-form"' in editor.text
    form = {
        "csrf_token": token,
        "section_1": "응대",
        "key_1": "c1",
        "label_1": "인사",
        "weight_1": "60",
        "max_1": "5",
        "kind_1": "scale",
        "section_2": "",
        "key_2": "c2",
        "label_2": "개인정보",
        "weight_2": "0",
        "kind_2": "yes_no",
        "critical_2": "on",
        "section_3": "해결",
        "key_3": "c3",
        "label_3": "해결",
        "weight_3": "40",
        "max_3": "3",
        "label_4": "",
    }
    bad = client.post(f"/quality/scorecards/{draft_id}", data={**form, "weight_1": "abc"})
    assert bad.status_code == 422
    assert db.get(ScorecardVersion, draft_id).definition == v1.definition
    assert (
        client.post(f"/quality/scorecards/{draft_id}", data=form, follow_redirects=False).status_code == 303
    )
    db.expire_all()
    sections = db.get(ScorecardVersion, draft_id).definition["sections"]
    assert [s["title"] for s in sections] == ["응대", "해결"]
    assert sections[0]["criteria"][1] == {
        "key": "c2",
        "label": "개인정보",
        "guidance": "",
        "weight": 0,
        "max_score": 1,
        "kind": "yes_no",
        "critical": True,
    }
    assert (
        client.post(
            f"/quality/scorecards/{draft_id}/publish", data={"csrf_token": token}, follow_redirects=False
        ).status_code
        == 303
    )
    db.expire_all()
    assert service.current_version(db=db).id == draft_id
    assert db.get(ScorecardVersion, v1.id).status.value == "retired"
    sign_in(client, "s1")
    assert (
        client.post(f"/quality/scorecards/{draft_id}/retire", data={"csrf_token": csrf(client)}).status_code
        == 403
    )


def csrf(client: TestClient) -> str:
    from tests.factories import csrf_token

    return csrf_token(client)


def test_calibration_pages(client: TestClient, db: Session, world: dict) -> None:
    token = sign_in(client, "q1")
    cid = contact(db, world["c1"], world["cats"][0], at(9)).id
    r = client.post(
        "/quality/calibration",
        data={
            "csrf_token": token,
            "contact_id": str(cid),
            "title": "9월 보정",
            "evaluators": [str(world["q1"].id), str(world["s1"].id)],
        },
        follow_redirects=False,
    )
    assert r.status_code == 303
    sid = int(r.headers["location"].rsplit("/", 1)[1])
    page = client.get(f"/quality/calibration/{sid}", headers=HTML)
    assert 'data-testid="calibration-hidden"' in page.text and 'data-testid="score-own"' in page.text
    evs = {
        e.evaluator_id: e
        for e in db.scalars(select(Evaluation).where(Evaluation.calibration_session_id == sid))
    }
    client.post(f"/quality/evaluations/{evs[world['q1'].id].id}/submit", data=_form(SCORES_77, token))
    service.submit_scores(
        db=db, evaluation_id=evs[world["s1"].id].id, actor=world["s1"], scores=SCORES_CRITICAL
    )
    page = client.get(f"/quality/calibration/{sid}", headers=HTML)
    total = re.search(r'data-testid="calibration-total">(.*?)</tr>', page.text, re.S)
    assert total and "77.0" in total.group(1) and "0.0" in total.group(1)
    # range 77 − 0 = 77; population SD of (77, 0) = 38.5
    assert "77.0</th>" in total.group(1) and "38.5" in total.group(1)
    assert "9월 보정" in client.get("/quality/calibration", headers=HTML).text


def test_contact_of_a_call_shows_the_call_times_in_seoul(
    client: TestClient, db: Session, world: dict
) -> None:
    from datetime import timedelta

    from tests.contacts.support import make_call

    agent = make_user(db, "c9", "counselor", pbx_agent_id="AGENT_01")
    start = at(3)  # 02:00 UTC = 11:00 KST
    call = make_call(
        db,
        "x-1",
        ringing_at=start,
        answered_at=start + timedelta(seconds=10),
        ended_at=start + timedelta(minutes=5),
    )
    contact(db, agent, world["cats"][0], start + timedelta(minutes=6), call_id=call.id)
    token = sign_in(client, "q1")
    client.post(
        "/quality/evaluations/sample", data={"csrf_token": token, "month": "2026-09", "per_agent": "1"}
    )
    ev = db.scalar(select(Evaluation).where(Evaluation.agent_id == agent.id))
    assert ev is not None
    page = client.get(f"/quality/evaluations/{ev.id}", headers=HTML)
    times = re.search(r'data-testid="call-times">([^<]*)<', page.text)
    assert times and times.group(1) == "2026-09-03 11:00:00 → 11:00:10 → 11:05:00"


def test_free_texts_show_personal_numbers_masked(client: TestClient, db: Session, world: dict) -> None:
    """Comments, dispute reason, decision note and coaching notes typed with an RRN or a phone number are
    stored as written but shown masked to evaluators and to the counselor (개인정보 보호법 §29)."""
    rrn, phone = "900101-1234567", "010-2345-6789"
    token = sign_in(client, "q1")
    client.post(
        "/quality/evaluations/sample",
        data={"csrf_token": token, "month": "2026-09", "per_agent": "1", "seed": "p"},
    )
    ev = db.scalar(select(Evaluation))
    assert ev is not None
    form = {**_form(SCORES_77, token), "comment_c1": f"주민번호 {rrn}", "overall_comment": f"연락처 {phone}"}
    assert client.post(f"/quality/evaluations/{ev.id}/submit", data=form).status_code == 200
    token = sign_in(client, "c1")
    client.post(
        f"/quality/evaluations/{ev.id}/dispute", data={"csrf_token": token, "reason": f"번호 {phone}"}
    )
    token = sign_in(client, "s1")
    client.post(
        f"/quality/evaluations/{ev.id}/resolve",
        data={"csrf_token": token, "decision": "uphold", "note": f"확인 {rrn}"},
    )
    client.post(
        f"/quality/evaluations/{ev.id}/coaching",
        data={"csrf_token": token, "discussed": f"고객 {phone}", "actions": f"재확인 {rrn}"},
    )
    db.refresh(ev)
    assert ev.dispute_reason == f"번호 {phone}"  # stored as written
    for who in ("s1", "c1"):
        sign_in(client, who)
        for url in (f"/quality/evaluations/{ev.id}", "/quality/evaluations"):
            text = client.get(url, headers=HTML).text
            assert rrn not in text and phone not in text, (who, url)
        detail = client.get(f"/quality/evaluations/{ev.id}", headers=HTML).text
        assert "900101-*******" in detail and "010-****-6789" in detail
    mine = client.get("/quality/evaluations", headers=HTML).text
    assert "고객 010-****-6789" in mine and "재확인 900101-*******" in mine


def test_new_draft_from_a_retired_latest_version(client: TestClient, db: Session, world: dict) -> None:
    """Retire v1, publish a draft v2, retire v2: the page still offers a new draft (from v2), which can be
    published so that sampling works again."""
    token = sign_in(client, "q1")
    v1 = service.current_version(db=db)

    def post(url: str) -> str:
        r = client.post(url, data={"csrf_token": token}, follow_redirects=False)
        assert r.status_code == 303, (url, r.text)
        return r.headers["location"]

    v2_id = int(post(f"/quality/scorecards/{v1.id}/draft").rsplit("/", 1)[1])
    post(f"/quality/scorecards/{v1.id}/retire")
    post(f"/quality/scorecards/{v2_id}/publish")
    post(f"/quality/scorecards/{v2_id}/retire")
    page = client.get("/quality/scorecards", headers=HTML).text
    assert 'data-testid="new-draft-2"' in page and 'data-testid="new-draft-1"' not in page
    v3_id = int(post(f"/quality/scorecards/{v2_id}/draft").rsplit("/", 1)[1])
    v3 = db.get(ScorecardVersion, v3_id)
    assert v3 is not None and (v3.number, v3.status.value) == (3, "draft")
    assert 'data-testid="new-draft-' not in client.get("/quality/scorecards", headers=HTML).text
    post(f"/quality/scorecards/{v3_id}/publish")
    sampled = client.post(
        "/quality/evaluations/sample",
        data={"csrf_token": token, "month": "2026-09", "per_agent": "1", "seed": "p"},
        follow_redirects=False,
    )
    assert sampled.status_code == 303 and "sampled=1" in sampled.headers["location"]


def _editor_form(definition: dict, token: str) -> dict[str, str]:
    form = {"csrf_token": token}
    rows = [(s["title"], c) for s in definition["sections"] for c in s["criteria"]]
    for i, (title, c) in enumerate(rows, start=1):
        form |= {
            f"section_{i}": title,
            f"key_{i}": c["key"],
            f"label_{i}": c["label"],
            f"guidance_{i}": c.get("guidance", ""),
            f"weight_{i}": str(c["weight"]),
            f"max_{i}": str(c["max_score"]),
            f"kind_{i}": c["kind"],
        }
        if c["critical"]:
            form[f"critical_{i}"] = "on"
    return form


def test_emptying_a_criterion_label_is_refused_delete_is_explicit(
    client: TestClient, db: Session, world: dict
) -> None:
    token = sign_in(client, "q1")
    v1 = service.current_version(db=db)
    r = client.post(f"/quality/scorecards/{v1.id}/draft", data={"csrf_token": token}, follow_redirects=False)
    draft_id = int(r.headers["location"].rsplit("/", 1)[1])
    form = _editor_form(v1.definition, token)
    last = max(int(k[6:]) for k in form if k.startswith("label_"))
    assert form.get(f"critical_{last}") == "on"  # the last default row is a critical gate
    emptied = client.post(f"/quality/scorecards/{draft_id}", data={**form, f"label_{last}": ""}, headers=HTML)
    assert emptied.status_code == 422 and f"{last}행" in emptied.text and "삭제" in emptied.text
    db.expire_all()
    assert db.get(ScorecardVersion, draft_id).definition == v1.definition  # nothing stored
    # a new empty row is still simply ignored; an explicit delete removes the criterion
    ok = client.post(
        f"/quality/scorecards/{draft_id}",
        data={**form, f"key_{last + 1}": "c99", f"label_{last + 1}": "", f"delete_{last}": "on"},
        follow_redirects=False,
    )
    assert ok.status_code == 303
    db.expire_all()
    keys = [
        c["key"] for s in db.get(ScorecardVersion, draft_id).definition["sections"] for c in s["criteria"]
    ]
    assert keys == [c["key"] for s in v1.definition["sections"] for c in s["criteria"]][:-1]
    assert 'name="delete_1"' in client.get(f"/quality/scorecards/{draft_id}", headers=HTML).text


def test_adjusted_dispute_history_shows_before_and_after(
    client: TestClient, db: Session, world: dict
) -> None:
    token = sign_in(client, "q1")
    client.post(
        "/quality/evaluations/sample",
        data={"csrf_token": token, "month": "2026-09", "per_agent": "1", "seed": "p"},
    )
    ev = db.scalar(select(Evaluation))
    assert ev is not None
    client.post(f"/quality/evaluations/{ev.id}/submit", data=_form(SCORES_77, token))
    token = sign_in(client, "c1")
    client.post(f"/quality/evaluations/{ev.id}/dispute", data={"csrf_token": token, "reason": "재검토"})
    token = sign_in(client, "s1")
    r = client.post(
        f"/quality/evaluations/{ev.id}/resolve",
        data={**_form({**SCORES_77, "c9": 1}, token), "decision": "adjust", "note": "녹취 확인"},
        follow_redirects=False,
    )
    assert r.status_code == 303
    label = next(c.label for c in service.criteria_of(service.current_version(db=db)) if c.key == "c9")
    page = client.get(f"/quality/evaluations/{ev.id}", headers=HTML).text
    shown = re.search(r'data-testid="adjustment">([^<]*)<', page)
    # SCORES_77 has c9 = 0 (weight 10 of 100); the adjustment gives it 1/1: 77 → 87
    assert shown and shown.group(1) == f"(총점 77.0 → 87.0; {label} 0 → 1)"
