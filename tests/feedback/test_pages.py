"""The public survey form and the quality pages through HTTP (TestClient on the real database)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from minwon.core.clock import utcnow
from minwon.feedback.models import ServiceComplaint, SurveyFollowUp, SurveyQuestion, SurveyResponse
from minwon.notices.delivery import deliver_due
from minwon.notices.models import RecordedMessage
from tests.factories import make_org, make_user, sign_in
from tests.feedback.support import BASE, answers, invite_one, questions

HTML = {"Accept": "text/html"}


@pytest.fixture()
def setup(db: Session) -> dict[str, object]:
    cats, _d, _q = make_org(db)
    agent = make_user(db, "agent1", display_name="김상담")
    now = utcnow() - timedelta(minutes=30)
    inv, token = invite_one(db, agent, cats[0], "010-0000-4242", now)
    return {"agent": agent, "token": token, "inv": inv, "cat": cats[0]}


def _responses(db: Session) -> int:
    return int(db.scalar(select(func.count(SurveyResponse.id))) or 0)


def test_public_form_shows_questions_without_personal_data(
    client: TestClient, db: Session, setup: dict
) -> None:
    r = client.get(f"/s/{setup['token']}", headers=HTML)
    assert r.status_code == 200
    assert 'name="viewport" content="width=device-width, initial-scale=1"' in r.text
    for label in ("전반적 만족도", "상담사 친절도", "안내 내용의 명확성"):
        assert label in r.text
    assert r.text.count('type="radio"') == 15
    assert "김상담" not in r.text and "4242" not in r.text and "주차" not in r.text


@pytest.mark.parametrize(
    ("ratings", "comment", "message"),
    [
        ((0, 5, 5), "", "1점부터 5점 사이에서 골라 주세요."),
        ((6, 5, 5), "", "1점부터 5점 사이에서 골라 주세요."),
        ((5, 5), "", "모든 문항에 답해 주세요."),
        ((5, 5, 5), "가" * 1001, "의견이 너무 깁니다 (1,000자 이하)."),
    ],
)
def test_bad_answers_get_a_korean_error_and_store_nothing(
    client: TestClient, db: Session, setup: dict, ratings: tuple[int, ...], comment: str, message: str
) -> None:
    ids = [k for k in answers(db, 5, 5, 5)]
    data = {ids[i]: str(r) for i, r in enumerate(ratings)}
    r = client.post(f"/s/{setup['token']}", data={**data, "comment": comment}, headers=HTML)
    assert r.status_code == 422
    assert message in r.text
    assert _responses(db) == 0


def test_a_1000_character_comment_with_browser_line_breaks_is_accepted(
    client: TestClient, db: Session, setup: dict
) -> None:
    # browsers send a textarea's line breaks as CRLF; maxlength=1000 counts each as one character
    lines = ["가" * 99] * 9 + ["나" * 100]  # 991 letters + 9 line breaks = 1,000 characters
    r = client.post(
        f"/s/{setup['token']}", data={**answers(db, 4, 4, 4), "comment": "\r\n".join(lines)}, headers=HTML
    )
    assert r.status_code == 200 and "감사합니다" in r.text
    stored = db.scalar(select(SurveyResponse.comment))
    assert stored == "\n".join(lines) and len(stored) == 1000


def test_answer_then_reuse_and_unknown_links(client: TestClient, db: Session, setup: dict) -> None:
    data = {**answers(db, 2, 1, 3), "comment": "대기가 길었어요"}
    r = client.post(f"/s/{setup['token']}", data=data, headers=HTML)
    assert r.status_code == 200 and "감사합니다" in r.text
    assert _responses(db) == 1
    assert db.scalar(select(func.count(SurveyFollowUp.id))) == 1
    again = client.post(f"/s/{setup['token']}", data=answers(db, 5, 5, 5), headers=HTML)
    assert again.status_code == 410 and "이미 응답하신 조사입니다" in again.text
    assert _responses(db) == 1
    assert client.get(f"/s/{setup['token']}", headers=HTML).status_code == 410
    unknown = client.get("/s/not-a-real-token-at-all", headers=HTML)
    assert unknown.status_code == 404 and "유효하지 않은 조사 주소입니다" in unknown.text
    assert client.get("/s/" + "x" * 500, headers=HTML).status_code == 404


def test_quality_pages_are_for_supervisors_and_quality_managers(
    client: TestClient, db: Session, setup: dict
) -> None:
    sign_in(client, "agent1")
    for path in ("/quality/surveys", "/quality/followups", "/quality/complaints"):
        assert client.get(path, headers=HTML).status_code == 403


def test_surveys_page_and_question_editing(client: TestClient, db: Session, setup: dict) -> None:
    client.post(f"/s/{setup['token']}", data=answers(db, 5, 4, 4), headers=HTML)
    make_user(db, "qm", "quality_manager")
    csrf = sign_in(client, "qm")
    page = client.get("/quality/surveys", headers=HTML)
    assert page.status_code == 200
    assert re.search(r'data-testid="invited">1<', page.text) and re.search(
        r'data-testid="responded">1<', page.text
    )
    assert 'data-testid="csat">100.0%<' in page.text
    r = client.post(
        "/quality/surveys/questions",
        data={"csrf_token": csrf, "label_ko": "대기 시간 만족도", "sort_order": "4", "is_active": "on"},
        follow_redirects=False,
    )
    assert r.status_code == 303
    assert "대기 시간 만족도" in client.get("/quality/surveys", headers=HTML).text
    bad = client.post(
        "/quality/surveys/questions",
        data={"csrf_token": csrf, "label_ko": " ", "sort_order": "1"},
        headers=HTML,
    )
    assert bad.status_code == 422 and "문항을 입력하세요." in bad.text


def test_answered_questions_keep_their_wording_and_overall_flag(
    client: TestClient, db: Session, setup: dict
) -> None:
    client.post(f"/s/{setup['token']}", data=answers(db, 5, 4, 4), headers=HTML)
    overall, courtesy, _clarity = questions(db)
    make_user(db, "qm", "quality_manager")
    csrf = sign_in(client, "qm")

    def save(q: SurveyQuestion, label: str, *, is_overall: bool, active: bool = True) -> Response:
        data = {
            "csrf_token": csrf,
            "question_id": str(q.id),
            "label_ko": label,
            "sort_order": str(q.sort_order),
        }
        data |= {"is_active": "on"} if active else {}
        data |= {"is_overall": "on"} if is_overall else {}
        return client.post("/quality/surveys/questions", data=data, headers=HTML, follow_redirects=False)

    renamed = save(courtesy, "상담사 응대 속도", is_overall=False)
    assert renamed.status_code == 409
    assert "이미 응답이 있는 문항은 문구를 바꿀 수 없습니다" in renamed.text
    assert "비활성화하고 새 문항을 추가하세요" in renamed.text
    moved_to = save(courtesy, courtesy.label_ko, is_overall=True)
    assert moved_to.status_code == 409 and "전반적 만족도 문항" in moved_to.text
    db.expire_all()
    assert courtesy.label_ko == "상담사 친절도" and not courtesy.is_overall and overall.is_overall
    # unchanged wording and flag: order and active may still change
    assert save(courtesy, "상담사 친절도", is_overall=False, active=False).status_code == 303
    # a new question may take the overall flag (past responses keep their stored overall rating)
    r = client.post(
        "/quality/surveys/questions",
        data={
            "csrf_token": csrf,
            "label_ko": "종합 만족도",
            "sort_order": "0",
            "is_active": "on",
            "is_overall": "on",
        },
        follow_redirects=False,
    )
    assert r.status_code == 303
    db.expire_all()
    assert not overall.is_overall
    assert db.scalar(select(SurveyResponse.overall)) == 5


def test_statuses_column_headings_and_month_errors_read_as_korean(
    client: TestClient, db: Session, setup: dict
) -> None:
    client.post(f"/s/{setup['token']}", data=answers(db, 1, 2, 2), headers=HTML)
    followup = db.scalar(select(SurveyFollowUp))
    assert followup is not None
    make_user(db, "qm", "quality_manager")
    csrf = sign_in(client, "qm")
    complaint = client.post(
        "/quality/complaints",
        data={"csrf_token": csrf, "channel": "phone", "subject": "waiting", "description": "대기가 길었음"},
        follow_redirects=False,
    )
    assert complaint.status_code == 303
    for path in (
        "/quality/followups",
        f"/quality/followups/{followup.id}",
        "/quality/complaints",
        complaint.headers["location"],
    ):
        page = client.get(path, headers=HTML)
        assert page.status_code == 200, path
        assert "처리 중" in page.text and "처리 중 전체" not in page.text, path
    surveys = client.get("/quality/surveys", headers=HTML).text
    assert "<th>문항</th>" in surveys and "민원 내용" not in surveys
    bad = client.get("/quality/surveys?month=abc", headers=HTML)
    assert bad.status_code == 422
    assert "월은 YYYY-MM 형식으로 입력하세요" in bad.text and "is not YYYY-MM" not in bad.text


def test_staff_see_the_survey_link_masked_while_the_provider_sends_it_whole(
    client: TestClient, db: Session, setup: dict
) -> None:
    token = str(setup["token"])
    deliver_due(db=db, now=utcnow())
    message = db.scalar(select(RecordedMessage))
    assert message is not None and f"{BASE}/s/{token}" in message.body  # the citizen gets the link
    make_user(db, "admin1", "administrator")
    sign_in(client, "admin1")
    for path in ("/admin/notices", "/admin/notices/messages"):
        page = client.get(path, headers=HTML)
        assert page.status_code == 200, path
        assert f"{BASE}/s/{token[:3]}…" in page.text, path
        assert token not in page.text and token[:10] not in page.text, path


def test_complaint_form_masks_numbers_and_links_to_capa(client: TestClient, db: Session, setup: dict) -> None:
    make_user(db, "sup", "supervisor")
    csrf = sign_in(client, "sup")
    bad = client.post(
        "/quality/complaints",
        data={"csrf_token": csrf, "channel": "phone", "subject": "", "description": "x"},
        headers=HTML,
    )
    assert bad.status_code == 422 and "불만 유형을 고르세요." in bad.text
    assert db.scalar(select(func.count(ServiceComplaint.id))) == 0
    r = client.post(
        "/quality/complaints",
        data={
            "csrf_token": csrf,
            "channel": "phone",
            "subject": "wrong_information",
            "description": "010-0000-5678 번으로 연락 요청, 주민번호 900101-1234567 불러줌",
        },
        follow_redirects=False,
    )
    assert r.status_code == 303
    cid = int(r.headers["location"].rsplit("/", 1)[1])
    page = client.get(f"/quality/complaints/{cid}", headers=HTML)
    assert "010-****-5678" in page.text and "900101-*******" in page.text
    assert "1234567" not in page.text and "0000-5678" not in page.text
    assert (
        f'href="/quality/capa/new?source=complaint&amp;source_ref=complaint%3A{cid}&amp;title=' in page.text
    )
    assert "시정조치 등록" in page.text
    listing = client.get("/quality/complaints", headers=HTML).text
    assert "010-****-5678" in listing and "1234567" not in listing
    closed = client.post(
        f"/quality/complaints/{cid}/close",
        data={"csrf_token": csrf, "resolution": "재안내"},
        follow_redirects=False,
    )
    assert closed.status_code == 303
    assert db.get(ServiceComplaint, cid).status.value == "closed"  # type: ignore[union-attr]


def test_supervisor_takes_and_closes_a_follow_up(client: TestClient, db: Session, setup: dict) -> None:
    client.post(
        f"/s/{setup['token']}", data={**answers(db, 1, 2, 2), "comment": "전화 010-0000-4242"}, headers=HTML
    )
    fu = db.scalar(select(SurveyFollowUp))
    assert fu is not None
    make_user(db, "sup", "supervisor", display_name="박감독")
    csrf = sign_in(client, "sup")
    listing = client.get("/quality/followups", headers=HTML)
    assert f"/quality/followups/{fu.id}" in listing.text
    detail = client.get(f"/quality/followups/{fu.id}", headers=HTML)
    assert "010-****-4242" in detail.text and "0000-4242" not in detail.text and "김상담" in detail.text
    client.post(f"/quality/followups/{fu.id}/update", data={"csrf_token": csrf, "claim": "1"})
    client.post(f"/quality/followups/{fu.id}/comment", data={"csrf_token": csrf, "text": "통화 예정"})
    r = client.post(
        f"/quality/followups/{fu.id}/close",
        data={"csrf_token": csrf, "outcome": "resolved", "outcome_note": "사과드림"},
        follow_redirects=False,
    )
    assert r.status_code == 303
    page = client.get(f"/quality/followups/{fu.id}", headers=HTML).text
    assert "박감독" in page and "통화 예정" in page and "시민과 통화해 해소됨" in page
