"""``/api/v1/contacts``: record and read contacts (session cookie; unsafe methods need X-CSRF-Token)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from sqlalchemy import select
from sqlalchemy.orm import Session

from minwon.accounts.deps import CsrfChecked, CurrentUser, client_ip, require_roles
from minwon.accounts.models import Role, User
from minwon.cases.models import Case
from minwon.contacts.models import Callback, Contact
from minwon.contacts.schemas import ContactIn, ContactOut
from minwon.contacts.service import record_contact, view_contact
from minwon.db.deps import DbSession

router = APIRouter(prefix="/api/v1/contacts", tags=["contacts"])

DeskUser = Annotated[User, Depends(require_roles(Role.COUNSELOR, Role.SUPERVISOR))]


def _out(db: Session, contact: Contact) -> ContactOut:
    out = ContactOut.model_validate(contact)
    if contact.case_id:
        case = db.get(Case, contact.case_id)
        if case is not None:
            out.case_number, out.case_due_at = case.number, case.due_at
    out.callback_due_at = db.scalar(select(Callback.due_at).where(Callback.contact_id == contact.id))
    return out


@router.post("", status_code=201, response_model=ContactOut, dependencies=[CsrfChecked])
def create_contact(db: DbSession, agent: DeskUser, body: ContactIn) -> ContactOut:
    """Save a contact record (see ``contacts.service.record_contact``).

    201 with the contact (and ``case_number``/``case_due_at`` when transferred); 403 without the CSRF
    header or for another counselor's call; 404 unknown call; 409 call already recorded; 422 naming
    the field otherwise.
    """
    contact = record_contact(db=db, agent=agent, **body.model_dump())
    return _out(db, contact)


@router.get("/{contact_id}", response_model=ContactOut)
def read_contact(request: Request, db: DbSession, user: CurrentUser, contact_id: int) -> ContactOut:
    """One contact, for its counselor, supervisors, quality managers and administrators (access logged)."""
    contact = view_contact(db=db, contact_id=contact_id, viewer=user, ip=client_ip(request))
    return _out(db, contact)
