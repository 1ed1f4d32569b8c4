"""Linkage on the desk through HTTP, signed in like a browser, against a real local back office:
permissions per role, masking in pages and logs, panels that degrade alone, the contact-record line, the
virtual-account SMS in the outbox, the access records, the admin page with encrypted secrets, and key
rotation."""

from __future__ import annotations

import base64
import logging
import re
from collections.abc import Iterator
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from minwon.config import get_settings
from minwon.core.audit import verify_chain
from minwon.core.clock import utcnow
from minwon.core.crypto import decrypt
from minwon.core.models import AccessRecord
from minwon.linkage import service
from minwon.linkage.models import ConnectorSetting, ResultNote, Verification
from minwon.notices.models import Notice
from tests.contacts.support import make_call
from tests.factories import make_org, make_user
from tests.linkage.support import PROBES, ProbeServer, probe_server
from tests.web.test_desk import sign_in

__all__ = ["probe_server"]

RRN = "900101-1234568"  # check digit 8, computed by hand in test_identity.py
RRN_DIGITS = "9001011234568"


@pytest.fixture()
def linked(db: Session, probe_server: ProbeServer) -> Iterator[ProbeServer]:
    """The three probe systems installed and enabled (admin-configured), breakers and cache reset."""
    probe_server.reset()
    service.ORCHESTRATOR.breakers.reset()
    service.ORCHESTRATOR.cache.clear()
    admin = make_user(db, "admin1", role="administrator")
    for cls in PROBES:
        service.register_connector(cls)
        service.save_connector(
            db=db,
            name=cls.name,
            enabled=True,
            config={
                "base_url": probe_server.base_url,
                "api_key": "s3cret-key",
                "timeout_s": 2.0,
                "retries": 1,
            },
            actor=admin,
        )
    yield probe_server
    for cls in PROBES:
        service.unregister_connector(cls.name)


def _verify(client: TestClient, csrf: str, **fields: str) -> tuple[int, str]:
    data = {
        "checks": ["name_birth"],
        "resident": RRN,
        "vehicle_number": "12가3456",
        "water_customer_number": "1234567",
    }
    data.update(fields)
    r = client.post("/desk/linkage/verify", data=data, headers={"X-CSRF-Token": csrf, "HX-Request": "true"})
    return r.status_code, r.text


def _vid(html: str) -> int:
    match = re.search(r'data-verification="(\d+)"', html)
    assert match, html
    return int(match.group(1))


@pytest.mark.parametrize(
    ("role", "allowed"),
    [
        ("counselor", True),
        ("supervisor", True),
        ("administrator", False),
        ("department_officer", False),
        ("quality_manager", False),
    ],
)
def test_only_linkage_roles_may_look_up(
    client: TestClient, db: Session, linked: ProbeServer, role: str, allowed: bool
) -> None:
    _cats, depts, _queues = make_org(db)
    dept = {"department_id": depts[0].id} if role == "department_officer" else {}
    make_user(db, "user1", role=role, **dept)
    csrf = sign_in(client, "user1")
    r = client.get("/desk/linkage")
    assert r.status_code == (200 if allowed else 403)
    status, _body = _verify(client, csrf)
    if allowed:
        assert status == 200
    else:
        assert status == 403
        assert "조회할 수 없습니다" in r.json()["message"] or "may not look up" in r.text
        assert linked.calls == {}


def test_department_officers_when_configured(
    client: TestClient, db: Session, linked: ProbeServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    _cats, depts, _queues = make_org(db)
    make_user(db, "officer", role="department_officer", department_id=depts[0].id)
    monkeypatch.setenv("MINWON_LINKAGE_ROLES", "counselor,supervisor,department_officer")
    get_settings.cache_clear()
    try:
        sign_in(client, "officer")
        assert client.get("/desk/linkage").status_code == 200
    finally:
        monkeypatch.delenv("MINWON_LINKAGE_ROLES")
        get_settings.cache_clear()


def test_verify_fan_out_note_sms_and_access_log(
    client: TestClient, db: Session, linked: ProbeServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    make_org(db)
    make_user(db, "counselor1", pbx_agent_id="AGENT_01")
    now = utcnow()
    call = make_call(
        db, "c-1", ringing_at=now - timedelta(seconds=30), answered_at=now - timedelta(seconds=20)
    )
    csrf = sign_in(client, "counselor1")
    desk = client.get("/desk")
    assert 'data-testid="linkage"' in desk.text and 'hx-get="/desk/linkage"' in desk.text

    status, html = _verify(client, csrf, call_id=str(call.id))
    assert status == 200
    assert "900101-1******" in html and "12가****" in html and "010-****-5678" in html
    assert RRN_DIGITS not in html and RRN not in html and "12가3456" not in html
    vid = _vid(html)
    verification = db.get(Verification, vid)
    assert verification is not None and verification.call_id == call.id
    assert RRN_DIGITS not in (verification.identifiers_enc or "")
    assert RRN_DIGITS in decrypt(verification.identifiers_enc or "")
    assert sorted(verification.checks) == [
        "name_birth",
        "resident",
        "vehicle_number",
        "water_customer_number",
    ]

    linked.set("pwater", "500")
    panels = {
        name: client.get(f"/desk/linkage/{vid}/panel/{name}") for name in ("ptax", "pwater", "pparking")
    }
    assert all(r.status_code == 200 for r in panels.values())
    tax = panels["ptax"].text
    assert "123,450원" in tax and "2026년 12월 31일(목)" in tax and "농협은행" in tax
    assert 'data-state="ok"' in tax and 'data-testid="send-sms"' in tax
    water = panels["pwater"].text
    assert 'data-state="failed"' in water and "연결 실패" in water and 'data-testid="panel-retry"' in water
    assert 'data-state="ok"' in panels["pparking"].text

    linked.set("pwater", "ok")
    retried = client.get(f"/desk/linkage/{vid}/panel/pwater?refresh=1")
    assert 'data-state="ok"' in retried.text and "123,450원" in retried.text

    note = client.post(
        f"/desk/linkage/{vid}/note",
        data={"lookup": "ptax.bills", "index": "0"},
        headers={"X-CSRF-Token": csrf},
    )
    assert note.status_code == 200 and 'data-testid="note-added"' in note.text
    line = db.scalar(select(ResultNote).where(ResultNote.verification_id == vid))
    assert line is not None and line.call_id == call.id
    assert "123,450원" in line.text and RRN_DIGITS not in line.text

    sms = client.post(
        f"/desk/linkage/{vid}/sms",
        data={"lookup": "ptax.bills", "index": "0"},
        headers={"X-CSRF-Token": csrf},
    )
    assert sms.status_code == 200 and 'data-testid="sms-queued"' in sms.text
    notice = db.scalar(select(Notice).where(Notice.template_key == "virtual_account"))
    assert notice is not None
    assert (
        notice.body == "[한빛시 민원콜센터] 자동차세 1기 123,450원, 납부기한 2026년 12월 31일(목). "
        "가상계좌 농협은행 79012345678901"
    )
    assert decrypt(notice.recipient_enc) == "01012345678" and notice.recipient_masked == "010-****-5678"
    again = client.post(
        f"/desk/linkage/{vid}/sms",
        data={"lookup": "ptax.bills", "index": "0"},
        headers={"X-CSRF-Token": csrf},
    )
    assert again.status_code == 200
    assert len(list(db.scalars(select(Notice).where(Notice.template_key == "virtual_account")))) == 1

    records = list(
        db.scalars(
            select(AccessRecord).where(AccessRecord.resource.like("linkage:%")).order_by(AccessRecord.seq)
        )
    )
    assert [r.resource for r in records] == [
        "linkage:ptax.bills",
        "linkage:pwater.bills",
        "linkage:pparking.bills",
        "linkage:pwater.bills",
    ]
    assert {r.purpose for r in records} == {f"call:{call.id}"} and {r.subject_ref for r in records} == {
        verification.subject_ref
    }
    assert all(r.action == "view" and r.ip for r in records)
    log_page = client.get(f"/desk/linkage/{vid}/access")
    assert log_page.text.count('data-testid="access-row"') == 4
    assert verify_chain(db=db).ok

    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert RRN_DIGITS not in logged and "900101" not in logged and "12가3456" not in logged


def test_bad_rrn_is_a_clear_error_that_does_not_echo_the_number(
    client: TestClient, db: Session, linked: ProbeServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    make_org(db)
    make_user(db, "counselor1")
    csrf = sign_in(client, "counselor1")
    status, html = _verify(client, csrf, resident="900101-1234567")
    assert status == 422
    assert "검증" in html or "check digit" in html
    assert "1234567" not in html and "900101" not in html
    assert "1234567" not in "\n".join(r.getMessage() for r in caplog.records)
    assert db.scalar(select(Verification)) is None


def test_verification_needs_at_least_one_check(client: TestClient, db: Session, linked: ProbeServer) -> None:
    make_org(db)
    make_user(db, "counselor1")
    csrf = sign_in(client, "counselor1")
    status, html = _verify(client, csrf, checks=[])  # type: ignore[arg-type]
    assert status == 422
    assert "본인확인에 사용한 항목을 선택하세요." in html
    assert db.scalar(select(Verification)) is None


def test_a_down_system_shows_maintenance_without_calling(
    client: TestClient, db: Session, linked: ProbeServer
) -> None:
    make_org(db)
    admin = db.scalar(select(service.User).where(service.User.username == "admin1"))
    service.save_connector(
        db=db,
        name="ptax",
        enabled=True,
        config={"base_url": linked.base_url, "retries": 0, "breaker_threshold": 1, "breaker_cooldown_s": 600},
        actor=admin,
    )
    make_user(db, "counselor1")
    csrf = sign_in(client, "counselor1")
    vid = _vid(_verify(client, csrf)[1])
    linked.set("ptax", "outage")
    first = client.get(f"/desk/linkage/{vid}/panel/ptax")
    assert 'data-state="failed"' in first.text
    second = client.get(f"/desk/linkage/{vid}/panel/ptax?refresh=1")
    assert 'data-state="down"' in second.text and "점검 중" in second.text
    assert linked.calls["ptax"] == 1


def test_another_counselor_cannot_use_a_verification(
    client: TestClient, db: Session, linked: ProbeServer
) -> None:
    make_org(db)
    make_user(db, "counselor1")
    make_user(db, "counselor2")
    csrf = sign_in(client, "counselor1")
    vid = _vid(_verify(client, csrf)[1])
    client.post("/logout", data={"csrf_token": csrf})
    sign_in(client, "counselor2")
    r = client.get(f"/desk/linkage/{vid}/panel/ptax")
    assert r.status_code == 403 and linked.calls == {}


def test_admin_page_stores_secrets_encrypted_and_never_shows_them(
    client: TestClient, db: Session, linked: ProbeServer
) -> None:
    csrf = sign_in(client, "admin1")
    page = client.get("/admin/linkage")
    assert page.status_code == 200 and "ptax" in page.text and "s3cret-key" not in page.text
    r = client.post(
        "/admin/linkage/ptax",
        data={
            "csrf_token": csrf,
            "enabled": "on",
            "cfg_base_url": linked.base_url,
            "cfg_api_key": "********",
            "cfg_timeout_s": "1.5",
        },
    )
    assert r.status_code == 200 and "s3cret-key" not in r.text
    setting = db.scalar(select(ConnectorSetting).where(ConnectorSetting.name == "ptax"))
    assert setting is not None and "s3cret-key" not in (setting.secrets_enc or "")
    assert decrypt(setting.secrets_enc or "") == '{"api_key": "s3cret-key"}'  # the placeholder kept it
    assert setting.config["timeout_s"] == 1.5
    bad = client.post(
        "/admin/linkage/ptax", data={"csrf_token": csrf, "enabled": "on", "cfg_timeout_s": "500"}
    )
    assert bad.status_code == 422
    tested = client.post("/admin/linkage/ptax/test", data={"csrf_token": csrf})
    assert 'data-testid="admin-message"' in tested.text
    sign_in(client, "admin1")


def test_key_rotation_re_encrypts_owned_columns(
    db: Session, linked: ProbeServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    counselor = make_user(db, "counselor1")
    verification = service.verify_caller(db=db, agent=counselor, checks=["name_birth"], resident=RRN)
    old_setting = db.scalar(select(ConnectorSetting).where(ConnectorSetting.name == "ptax"))
    assert old_setting is not None and old_setting.secrets_enc is not None
    old_kid = old_setting.secrets_enc.split("$")[0]
    new_key = base64.b64encode(b"n" * 32).decode()
    monkeypatch.setenv("MINWON_DATA_KEYS", f"new2:{new_key},{get_settings().data_keys}")
    get_settings.cache_clear()
    try:
        counts = service.rotate_keys(db=db)
        assert (
            counts["linkage_connectors.secrets_enc"] == 3
            and counts["linkage_verifications.identifiers_enc"] == 1
        )
        db.refresh(old_setting)
        db.refresh(verification)
        assert old_setting.secrets_enc.startswith("new2$") and old_kid != "new2"
        assert (verification.identifiers_enc or "").startswith("new2$")
        assert RRN_DIGITS in decrypt(verification.identifiers_enc or "")
        assert service.rotate_keys(db=db)["linkage_connectors.secrets_enc"] == 0  # idempotent
    finally:
        monkeypatch.delenv("MINWON_DATA_KEYS")
        get_settings.cache_clear()


def test_saving_the_contact_attaches_verification_and_result_lines(
    client: TestClient, db: Session, linked: ProbeServer
) -> None:
    cats, _depts, _queues = make_org(db)
    make_user(db, "counselor1", pbx_agent_id="AGENT_01")
    now = utcnow()
    call = make_call(
        db, "c-9", ringing_at=now - timedelta(seconds=30), answered_at=now - timedelta(seconds=20)
    )
    csrf = sign_in(client, "counselor1")
    vid = _vid(_verify(client, csrf, call_id=str(call.id))[1])
    client.get(f"/desk/linkage/{vid}/panel/ptax")
    client.post(
        f"/desk/linkage/{vid}/note",
        data={"lookup": "ptax.bills", "index": "0"},
        headers={"X-CSRF-Token": csrf},
    )
    form = {
        "call_id": str(call.id),
        "category_id": str(cats[0].id),
        "inquiry": "자동차세 납부 문의",
        "answer": "가상계좌 안내",
        "outcome": "resolved",
        "csrf_token": csrf,
    }
    assert client.post("/desk/contacts", data=form).status_code == 200
    contact_id = db.scalar(select(service.Contact.id).where(service.Contact.call_id == call.id))
    db.expire_all()
    assert db.get(Verification, vid).contact_id == contact_id  # type: ignore[union-attr]
    assert [n.contact_id for n in service.notes_for(db=db, verification_id=vid)] == [contact_id]


def test_service_fan_out_runs_every_enabled_connector_once(db: Session, linked: ProbeServer) -> None:
    import asyncio

    counselor = make_user(db, "counselor1")
    verification = service.verify_caller(
        db=db, agent=counselor, checks=["name_birth"], resident=RRN, vehicle_number="12가3456"
    )
    linked.set("pparking", "garbage")
    panels = asyncio.run(
        service.fan_out(db=db, verification_id=verification.id, viewer=counselor, ip="127.0.0.1")
    )
    states = {p.connector: (p.state.value, p.needs) for p in panels}
    assert states == {
        "ptax": ("ok", []),
        "pwater": ("ok", ["water_customer_number"]),  # no water customer number: not run, says what it needs
        "pparking": ("failed", []),
    }
    assert linked.calls == {"ptax": 1, "pparking": 1}
    resources = sorted(
        db.scalars(select(AccessRecord.resource).where(AccessRecord.resource.like("linkage:%")))
    )
    assert resources == ["linkage:pparking.bills", "linkage:ptax.bills"]
