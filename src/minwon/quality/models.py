"""Indexes the KPI queries need on other domains' tables (declared here so the KPI module owns them).

* ``ix_contacts_caller_category_created`` — the repeat-contact and first-contact-resolution pass
  (``LAG``/``LEAD`` over caller pseudonym + category ordered by time): PostgreSQL may read the contacts
  in this order instead of sorting them; also serves looking up one caller's contacts by category.
* ``ix_cases_due`` — deadline compliance selects cases by due time.
"""

from __future__ import annotations

from sqlalchemy import Index

from minwon.cases.models import Case
from minwon.contacts.models import Contact

CONTACT_REPEAT_INDEX = Index(
    "ix_contacts_caller_category_created",
    Contact.__table__.c.caller_ref,
    Contact.__table__.c.category_id,
    Contact.__table__.c.created_at,
)
CASE_DUE_INDEX = Index("ix_cases_due", Case.__table__.c.due_at)
