"""Linkage on the desk (verification, panels, actions), its admin page and the access-log review page.

Thin routes over ``linkage.service``. Each panel is its own htmx request, so a slow or failing back
office only delays its own panel; the desk and the other panels never wait for it.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from sqlalchemy import select

from minwon.accounts.deps import CsrfChecked, CurrentUser, client_ip, require_roles
from minwon.accounts.models import Role, User
from minwon.core.errors import MinwonError
from minwon.core.i18n import N_, gettext
from minwon.core.models import AccessRecord
from minwon.db.deps import DbSession
from minwon.linkage import review, service
from minwon.linkage.display import item_fields, virtual_account_of
from minwon.linkage.identity import CHECK_LABELS, Check
from minwon.linkage.orchestrator import PanelState
from minwon.web.templating import env, render, request_locale

router = APIRouter(include_in_schema=False)


def _linkage_allowed(user: User | None) -> bool:
    return user is not None and user.role.value in service.linkage_roles()


#: The desk template shows the linkage section only to roles that may run lookups.
env.globals["linkage_allowed"] = _linkage_allowed

Administrator = Annotated[User, Depends(require_roles(Role.ADMINISTRATOR))]
Reviewer = Annotated[User, Depends(require_roles(Role.SUPERVISOR))]

STATE_LABELS: dict[str, str] = {
    PanelState.OK.value: N_("Answered"),
    PanelState.SLOW.value: N_("Slow response"),
    PanelState.FAILED.value: N_("Connection failed"),
    PanelState.REJECTED.value: N_("Request refused"),
    PanelState.DOWN.value: N_("Under maintenance"),
}
KEY_LABELS: dict[str, str] = {
    "resident": N_("Resident registration number"),
    "vehicle_number": N_("Vehicle number"),
    "water_customer_number": N_("Water customer number"),
}


def _linkage_user(user: CurrentUser) -> User:
    service.require_linkage_role(user)
    return user


LinkageUser = Annotated[User, Depends(_linkage_user)]


def _error(request: Request, exc: MinwonError) -> JSONResponse:
    body = {**exc.as_dict(), "message": gettext(request_locale(request), exc.message)}
    return JSONResponse(body, status_code=exc.status_code)


def _form(request: Request, ctx: dict[str, Any], status_code: int = 200) -> HTMLResponse:
    base = {"checks": [(c.value, CHECK_LABELS[c]) for c in Check if c is not Check.MOBILE]}
    return render(request, "linkage_verify.html", {**base, **ctx}, status_code=status_code)


@router.get("/desk/linkage", response_class=HTMLResponse)
def verify_form(request: Request, user: LinkageUser) -> Response:
    """The verification form (partial)."""
    return _form(request, {})


@router.post("/desk/linkage/verify", response_class=HTMLResponse, dependencies=[CsrfChecked])
async def verify(request: Request, db: DbSession, user: LinkageUser) -> Response:
    """Record the verification; answer the verified caller's masked identifiers and the fan-out button, or
    the form with the error (422). Entered identifiers are never echoed back."""
    posted = await request.form()
    raw_call = str(posted.get("call_id") or "").strip()
    try:
        verification = service.verify_caller(
            db=db,
            agent=user,
            checks=[str(c) for c in posted.getlist("checks")],
            call_id=int(raw_call) if raw_call.isdigit() else None,
            resident=str(posted.get("resident") or ""),
            vehicle_number=str(posted.get("vehicle_number") or ""),
            water_customer_number=str(posted.get("water_customer_number") or ""),
            mobile=str(posted.get("mobile") or ""),
        )
    except MinwonError as exc:
        db.rollback()
        message = gettext(request_locale(request), exc.message)
        return _form(request, {"error": message, "error_field": exc.field}, status_code=exc.status_code)
    return render(
        request,
        "linkage_verified.html",
        {
            "v": verification,
            "check_labels": {c.value: CHECK_LABELS[c] for c in Check},
            "panels": service.panel_connectors(db=db),
        },
    )


@router.get("/desk/linkage/{verification_id}/panel/{connector}", response_class=HTMLResponse)
async def panel(
    request: Request,
    db: DbSession,
    user: LinkageUser,
    verification_id: int,
    connector: str,
    refresh: Annotated[int, Query(ge=0, le=1)] = 0,
) -> Response:
    """One connector's panel: results, or its state (slow, failed, refused, under maintenance) with a
    retry button. Writes the access records of what it shows."""
    try:
        outcome = await service.run_panel(
            db=db,
            verification_id=verification_id,
            connector=connector,
            viewer=user,
            ip=client_ip(request),
            refresh=bool(refresh),
        )
    except MinwonError as exc:
        db.rollback()
        return _error(request, exc)
    lookups = [
        {
            "o": lo,
            "rows": [
                {"fields": item_fields(item), "payable": virtual_account_of(item, lo.title) is not None}
                for item in lo.items
            ],
        }
        for lo in outcome.lookups
    ]
    return render(
        request,
        "linkage_panel.html",
        {
            "vid": verification_id,
            "panel": outcome,
            "lookups": lookups,
            "state_labels": STATE_LABELS,
            "key_labels": KEY_LABELS,
        },
    )


@router.post("/desk/linkage/{verification_id}/note", response_class=HTMLResponse, dependencies=[CsrfChecked])
def add_note(
    request: Request,
    db: DbSession,
    user: LinkageUser,
    verification_id: int,
    lookup: Annotated[str, Form(max_length=80)],
    index: Annotated[int, Form(ge=0, le=10_000)],
) -> Response:
    """Add a result's summary line to the contact record."""
    try:
        note = service.add_result_to_record(
            db=db, verification_id=verification_id, lookup=lookup, index=index, agent=user
        )
    except MinwonError as exc:
        db.rollback()
        return _error(request, exc)
    return render(request, "linkage_action_done.html", {"kind": "note", "note": note})


@router.post("/desk/linkage/{verification_id}/sms", response_class=HTMLResponse, dependencies=[CsrfChecked])
def send_sms(
    request: Request,
    db: DbSession,
    user: LinkageUser,
    verification_id: int,
    lookup: Annotated[str, Form(max_length=80)],
    index: Annotated[int, Form(ge=0, le=10_000)],
) -> Response:
    """Queue the payment virtual account by SMS to the verified caller's mobile."""
    try:
        notice = service.send_virtual_account_sms(
            db=db,
            verification_id=verification_id,
            lookup=lookup,
            index=index,
            agent=user,
            ip=client_ip(request),
        )
    except MinwonError as exc:
        db.rollback()
        return _error(request, exc)
    return render(request, "linkage_action_done.html", {"kind": "sms", "notice": notice})


@router.get("/desk/linkage/{verification_id}/access", response_class=HTMLResponse)
def access_log(request: Request, db: DbSession, user: LinkageUser, verification_id: int) -> Response:
    """The access records written for this verification's contact (what the log shows of each view)."""
    try:
        verification = service.get_verification(db=db, verification_id=verification_id, viewer=user)
    except MinwonError as exc:
        return _error(request, exc)
    records = list(
        db.scalars(
            select(AccessRecord)
            .where(
                AccessRecord.subject_ref == verification.subject_ref,
                AccessRecord.purpose == service.purpose_of(verification),
            )
            .order_by(AccessRecord.seq)
        )
    )
    return render(request, "linkage_access.html", {"records": records, "v": verification})


# -- administration -------------------------------------------------------------------------------


def _admin_page(
    request: Request,
    db: DbSession,
    message: str | None = None,
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    ctx = {
        "connectors": service.list_connectors(db=db),
        "placeholder": service.SECRET_PLACEHOLDER,
        "policy_fields": service.POLICY_FIELDS,
        "message": message,
        "error": error,
    }
    return render(request, "admin_linkage.html", ctx, status_code=status_code)


@router.get("/admin/linkage", response_class=HTMLResponse)
def admin_connectors(request: Request, db: DbSession, _admin: Administrator) -> Response:
    """Installed connectors: enable, configure (secrets shown as a placeholder) and test."""
    return _admin_page(request, db)


@router.post("/admin/linkage/{name}", response_class=HTMLResponse, dependencies=[CsrfChecked])
async def admin_save(request: Request, db: DbSession, admin: Administrator, name: str) -> Response:
    """Save a connector's configuration from the form (fields ``cfg_<name>``, checkbox ``enabled``)."""
    posted = await request.form()
    config = {k[4:]: str(v) for k, v in posted.multi_items() if k.startswith("cfg_") and str(v) != ""}
    locale = request_locale(request)
    try:
        service.save_connector(
            db=db,
            name=name,
            enabled=posted.get("enabled") == "on",
            config=config,
            actor=admin,
            ip=client_ip(request),
        )
    except MinwonError as exc:
        db.rollback()
        return _admin_page(
            request, db, error=f"{name}: {gettext(locale, exc.message)}", status_code=exc.status_code
        )
    return _admin_page(request, db, message=f"{name}: {gettext(locale, 'Saved.')}")


@router.post("/admin/linkage/{name}/test", response_class=HTMLResponse, dependencies=[CsrfChecked])
async def admin_test(request: Request, db: DbSession, _admin: Administrator, name: str) -> Response:
    """Validate the stored configuration and run the connector's connectivity check."""
    locale = request_locale(request)
    try:
        ok, text = await service.test_connector(db=db, name=name)
    except MinwonError as exc:
        return _admin_page(
            request, db, error=f"{name}: {gettext(locale, exc.message)}", status_code=exc.status_code
        )
    text = gettext(locale, text)
    return _admin_page(
        request, db, message=f"{name}: {text}" if ok else None, error=None if ok else f"{name}: {text}"
    )


# -- access-log review ----------------------------------------------------------------------------


@router.get("/audit/review", response_class=HTMLResponse)
def review_page(
    request: Request, db: DbSession, _user: Reviewer, month: Annotated[str, Query(max_length=7)] = ""
) -> Response:
    """Monthly review of the personal-data access log (개인정보의 안전성 확보조치 기준 §8②)."""
    try:
        the_month = review.parse_month(month) if month else review.last_month()
        report = review.monthly_review(db=db, month=the_month)
    except MinwonError as exc:
        return render(
            request, "error.html", {"message": gettext(request_locale(request), exc.message)}, status_code=422
        )
    return render(request, "audit_review.html", {"report": report, "chain": review.chain_status(db=db)})
