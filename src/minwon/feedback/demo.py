"""Demo surveys: fictional contacts of the last four months with invitations, a few hundred responses
(some low, with follow-ups), and service complaints, so the survey pages and the monthly report have
something in every section. Every number and text is made up (mobile numbers ``0100000xxxx``)."""

from __future__ import annotations

import random
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from minwon.accounts.models import Role, User
from minwon.contacts.models import Channel, Contact, Outcome
from minwon.core.clock import to_local, utcnow
from minwon.core.crypto import protect_phone, random_token, token_digest
from minwon.feedback.models import (
    ComplaintChannel,
    ComplaintStatus,
    ComplaintSubject,
    FollowUpComment,
    FollowUpOutcome,
    FollowUpStatus,
    ServiceComplaint,
    SurveyAnswer,
    SurveyFollowUp,
    SurveyInvitation,
    SurveyQuestion,
    SurveyResponse,
)
from minwon.feedback.rules import is_low, survey_settings
from minwon.org.models import Category, Queue

#: Invitations generated (about 55 % answered).
DEMO_INVITATIONS = 600
DAYS_BACK = 120

_COMMENTS_GOOD = (
    "친절하게 안내해 주셔서 감사합니다.",
    "빠르게 해결되었습니다.",
    "설명이 이해하기 쉬웠어요.",
    "",
)
_COMMENTS_BAD = (
    "대기 시간이 너무 길었습니다.",
    "안내받은 내용과 구청 답변이 달랐습니다.",
    "상담사가 말을 끊고 불친절했습니다.",
    "같은 내용을 여러 번 설명해야 했어요. 010-0000-4821로 다시 연락 주세요.",
)
_COMPLAINTS = (
    (ComplaintChannel.PHONE, ComplaintSubject.WAITING, "점심시간에 20분 넘게 대기했다는 항의 전화."),
    (ComplaintChannel.WEB, ComplaintSubject.WRONG_INFORMATION, "자동차세 납부기한을 잘못 안내받았다는 민원."),
    (ComplaintChannel.VISIT, ComplaintSubject.ATTITUDE, "방문 민원인이 상담 태도에 대해 불만 제기."),
    (ComplaintChannel.PHONE, ComplaintSubject.PROCESS, "이관 후 담당 부서 연락이 없었다는 불만."),
    (ComplaintChannel.WEB, ComplaintSubject.OTHER, "ARS 안내 멘트가 너무 길다는 의견."),
)


def load_demo_feedback(*, db: Session) -> list[str]:
    """Add the demo surveys and complaints unless responses exist already; commits.

    Needs the demo counselors and categories (loaded before). Returns notices for the demo summary.
    """
    if db.scalar(select(func.count(SurveyResponse.id))):
        return []
    agents = list(
        db.scalars(select(User).where(User.role == Role.COUNSELOR, User.is_active).order_by(User.id))
    )
    staff = list(
        db.scalars(
            select(User)
            .where(User.role.in_((Role.SUPERVISOR, Role.QUALITY_MANAGER)), User.is_active)
            .order_by(User.id)
        )
    )
    categories = list(db.scalars(select(Category).where(Category.is_active).order_by(Category.id)))
    queues = list(db.scalars(select(Queue).order_by(Queue.id)))
    questions = list(
        db.scalars(select(SurveyQuestion).where(SurveyQuestion.is_active).order_by(SurveyQuestion.sort_order))
    )
    if not agents or not categories or not questions or not staff:
        return ["demo surveys skipped: no counselors, supervisors, categories or survey questions"]
    rng = random.Random(2026)
    s = survey_settings()
    now = utcnow()
    responses = followups = 0
    low_views: list[tuple[SurveyFollowUp, SurveyInvitation, str]] = []
    for n in range(DEMO_INVITATIONS):
        at = now - timedelta(days=rng.uniform(1, DAYS_BACK), hours=rng.uniform(0, 8))
        agent, category = rng.choice(agents), rng.choice(categories)
        enc, ref, masked = protect_phone(f"0100000{n:04d}")
        contact = Contact(
            channel=Channel.CALL,
            agent_id=agent.id,
            caller_enc=enc,
            caller_ref=ref,
            caller_masked=masked,
            category_id=category.id,
            inquiry="(데모) 만족도 조사용 가상 상담",
            answer="(데모)",
            outcome=Outcome.RESOLVED,
            wrapup_started_at=at - timedelta(seconds=30),
            created_at=at,
            acw_s=30,
        )
        db.add(contact)
        db.flush()
        invited = at + timedelta(minutes=s.delay_minutes)
        invitation = SurveyInvitation(
            token_digest=token_digest(random_token(24)),
            contact_id=contact.id,
            subject_ref=ref,
            subject_at=at,
            queue_id=rng.choice(queues).id if queues else None,
            category_id=category.id,
            agent_id=agent.id,
            invited_at=invited,
            expires_at=invited + timedelta(days=s.link_expiry_days),
        )
        db.add(invitation)
        db.flush()
        if rng.random() > 0.55:
            continue
        submitted = invited + timedelta(hours=rng.uniform(0.1, 30))
        if submitted > now:
            submitted = now
        low = rng.random() < 0.12
        ratings = {
            q.id: rng.choice((1, 2, 2, 3)) if low else rng.choice((3, 4, 4, 5, 5, 5)) for q in questions
        }
        overall = next((ratings[q.id] for q in questions if q.is_overall), None)
        comment = rng.choice(_COMMENTS_BAD if low else _COMMENTS_GOOD)
        invitation.responded_at = submitted
        response = SurveyResponse(
            invitation_id=invitation.id,
            submitted_at=submitted,
            overall=overall,
            lowest=min(ratings.values()),
            comment=comment,
        )
        db.add(response)
        db.flush()
        responses += 1
        for qid, rating in ratings.items():
            db.add(SurveyAnswer(response_id=response.id, question_id=qid, rating=rating))
        if is_low(list(ratings.values()), s.low_score_max):
            fu = SurveyFollowUp(
                response_id=response.id,
                due_on=to_local(submitted).date() + timedelta(days=s.followup_due_days),
                created_at=submitted,
            )
            if now - submitted > timedelta(days=10):
                supervisor = rng.choice(staff)
                fu.status, fu.assigned_to_id = FollowUpStatus.CLOSED, supervisor.id
                fu.outcome = rng.choice(list(FollowUpOutcome))
                fu.outcome_note = "(데모) 시민과 통화 후 종결"
                fu.closed_at, fu.closed_by_id = submitted + timedelta(days=2), supervisor.id
            db.add(fu)
            db.flush()
            followups += 1
            low_views.append((fu, invitation, comment))
    complaints = 0
    for n, (channel, subject, text) in enumerate(_COMPLAINTS * 2):
        received = now - timedelta(days=5 + n * 11)
        c = ServiceComplaint(
            channel=channel,
            subject=subject,
            description=f"(데모) {text}",
            agent_id=rng.choice(agents).id if subject == ComplaintSubject.ATTITUDE else None,
            received_at=received,
            created_by_id=staff[0].id,
        )
        if n >= 3:
            c.status, c.resolution = ComplaintStatus.CLOSED, "(데모) 민원인에게 사과 및 재안내, 상담사 코칭"
            c.closed_at, c.closed_by_id = received + timedelta(days=3), staff[0].id
        db.add(c)
        complaints += 1
    for fu, invitation, comment in low_views[:4]:
        c = ServiceComplaint(
            channel=ComplaintChannel.SURVEY,
            subject=ComplaintSubject.WAITING if "대기" in comment else ComplaintSubject.OTHER,
            description=comment or "(데모) 낮은 만족도 응답",
            contact_id=invitation.contact_id,
            agent_id=invitation.agent_id,
            received_at=fu.created_at,
            created_by_id=staff[0].id,
        )
        db.add(c)
        db.flush()
        fu.complaint_id = c.id
        db.add(
            FollowUpComment(
                followup_id=fu.id,
                author_id=staff[0].id,
                author_name=staff[0].display_name,
                text="(데모) 서비스 불만으로 등록함",
            )
        )
        complaints += 1
    db.commit()
    return [
        f"demo surveys: {DEMO_INVITATIONS} invitations, {responses} responses, {followups} low-score "
        f"follow-ups, {complaints} service complaints (fictional)"
    ]
