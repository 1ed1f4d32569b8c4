"""Linkage services: connector settings, identity verification, panels (fan-out), result notes, the
virtual-account SMS, and key rotation of the columns this domain encrypts.

Keyword-only functions taking a Session; the only writers of the linkage tables. Lookup results are not
stored: they live in the process's :data:`ORCHESTRATOR` cache for five minutes under the verification.
Every lookup shown writes an access record (개인정보의 안전성 확보조치 기준 §8): account, time, IP, the
pseudonymous data subject, action ``view``, purpose ``call:<id>`` (or ``linkage:<verification id>`` for
a contact without a call) and resource ``linkage:<lookup>``.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from pydantic import BaseModel
from pydantic import ValidationError as PydanticValidationError
from sqlalchemy import CursorResult, select, update
from sqlalchemy.orm import Session

from minwon.accounts.models import Role, User
from minwon.config import get_settings
from minwon.contacts.models import Contact
from minwon.contacts.service import get_call_for_agent
from minwon.core.audit import record_access, record_audit
from minwon.core.clock import local_today, utcnow
from minwon.core.crypto import decrypt, encrypt
from minwon.core.errors import NotFound, PermissionDenied, ValidationError
from minwon.core.i18n import N_
from minwon.linkage.contract import Connector, ConnectorFailure, Identity, IdentityKey, discover
from minwon.linkage.display import format_krw, korean_date, summary_line, virtual_account_of
from minwon.linkage.identity import Check, validate_identifiers
from minwon.linkage.models import IDENTIFIER_TTL_S, ConnectorSetting, ResultNote, Verification
from minwon.linkage.orchestrator import ConnectorOutcome, Orchestrator, PanelState, Policy
from minwon.notices.models import Notice, NoticeChannel
from minwon.notices.service import enqueue

#: The process's breakers and contact cache, shared by every request.
ORCHESTRATOR = Orchestrator()
#: Connectors registered in-process (examples, tests) beside the installed entry points.
_REGISTERED: dict[str, type[Connector]] = {}
#: Keys of a connector's stored config that set its :class:`Policy` rather than its own ``Config``.
POLICY_FIELDS = ("timeout_s", "retries", "breaker_threshold", "breaker_cooldown_s")
SECRET_PLACEHOLDER = "********"  # noqa: S105 - what the admin form shows for a stored secret


# -- permissions ----------------------------------------------------------------------------------


def linkage_roles() -> frozenset[str]:
    """Roles allowed to run lookups (``MINWON_LINKAGE_ROLES``, default counselor and supervisor)."""
    return frozenset(r.strip() for r in get_settings().linkage_roles.split(",") if r.strip())


def require_linkage_role(user: User) -> None:
    """Raises PermissionDenied unless ``user``'s role may run lookups (administrators configure
    connectors but see no citizen data unless listed)."""
    if user.role.value not in linkage_roles():
        raise PermissionDenied(
            N_("Your role may not look up administrative information (counselors and supervisors only).")
        )


# -- connectors -----------------------------------------------------------------------------------


def register_connector(cls: type[Connector]) -> None:
    """Make ``cls`` available in this process under ``cls.name`` (installed connectors come from the
    ``minwon.connectors`` entry points and need no registration)."""
    _REGISTERED[cls.name] = cls


def unregister_connector(name: str) -> None:
    _REGISTERED.pop(name, None)


def installed_connectors() -> dict[str, type[Connector]]:
    """Connector classes by name: entry points, then in-process registrations."""
    return {**discover(), **_REGISTERED}


def _connector_class(name: str) -> type[Connector]:
    cls = installed_connectors().get(name)
    if cls is None:
        raise NotFound(N_("No connector of this name is installed."), field="name")
    return cls


@dataclass(frozen=True)
class ConnectorView:
    """A connector on the admin page; secret values are never included."""

    name: str
    title: str
    installed: bool
    enabled: bool
    config: dict[str, Any]
    secret_fields: tuple[str, ...]
    secrets_set: bool
    fields: tuple[str, ...]
    lookups: tuple[str, ...]


def list_connectors(*, db: Session) -> list[ConnectorView]:
    """Installed connectors and stored settings (a stored one no longer installed shows too)."""
    classes = installed_connectors()
    stored = {s.name: s for s in db.scalars(select(ConnectorSetting))}
    out = []
    for name in sorted(set(classes) | set(stored)):
        cls = classes.get(name)
        setting = stored.get(name)
        out.append(
            ConnectorView(
                name=name,
                title=cls.title if cls else name,
                installed=cls is not None,
                enabled=bool(setting and setting.enabled),
                config=dict(setting.config) if setting else {},
                secret_fields=tuple(sorted(cls.secret_fields)) if cls else (),
                secrets_set=bool(setting and setting.secrets_enc),
                fields=tuple(cls.Config.model_fields) if cls else (),
                lookups=tuple(s.key for s in cls.lookups) if cls else (),
            )
        )
    return out


def _validate_config(cls: type[Connector], values: dict[str, Any]) -> BaseModel:
    try:
        return cls.Config.model_validate(values)
    except PydanticValidationError as exc:
        err = exc.errors()[0]
        field = ".".join(str(p) for p in err["loc"]) or None
        # pydantic's message may quote the input (a secret): name the field and the rule only
        raise ValidationError(f"{field}: {err['type'].replace('_', ' ')}", field=field) from None


_POLICY_TYPES: dict[str, type[float] | type[int]] = {
    "timeout_s": float,
    "retries": int,
    "breaker_threshold": int,
    "breaker_cooldown_s": float,
}


def _policy_of(values: dict[str, Any]) -> Policy:
    """The fan-out policy from stored or posted values (strings from a form are converted)."""
    kwargs: dict[str, Any] = {}
    for key, kind in _POLICY_TYPES.items():
        raw = values.get(key)
        if raw in (None, ""):
            continue
        try:
            kwargs[key] = kind(raw)
        except (TypeError, ValueError):
            raise ValidationError(f"{key} must be a number", field=key) from None
    try:
        return Policy(**kwargs)
    except ValueError as exc:
        raise ValidationError(str(exc), field=str(exc).split(" ", 1)[0]) from None


def save_connector(
    *, db: Session, name: str, enabled: bool, config: dict[str, Any], actor: User, ip: str | None = None
) -> ConnectorSetting:
    """Store ``name``'s configuration (validated with its pydantic ``Config``); commits.

    Secret fields are encrypted together (``secrets_enc``); an empty or placeholder secret keeps the stored
    one. ``timeout_s``, ``retries``, ``breaker_threshold``, ``breaker_cooldown_s`` set the fan-out policy.
    Writes an audit event naming the changed fields, never their values.

    Raises NotFound (unknown connector), ValidationError (bad config; the field is named).
    """
    cls = _connector_class(name)
    setting = db.scalar(select(ConnectorSetting).where(ConnectorSetting.name == name))
    old_secrets: dict[str, Any] = (
        json.loads(decrypt(setting.secrets_enc)) if setting and setting.secrets_enc else {}
    )
    values = dict(config)
    policy_values = {k: values.pop(k) for k in POLICY_FIELDS if k in values}
    policy = _policy_of(policy_values)
    secrets = {}
    for f in cls.secret_fields:
        given = values.pop(f, None)
        if given in (None, "", SECRET_PLACEHOLDER):
            if f in old_secrets:
                secrets[f] = old_secrets[f]
        else:
            secrets[f] = given
    validated = _validate_config(cls, {**values, **secrets})
    dumped = validated.model_dump(mode="json")
    public = {k: v for k, v in dumped.items() if k not in cls.secret_fields}
    public.update({k: getattr(policy, k) for k in POLICY_FIELDS if k in policy_values})
    if setting is None:
        setting = ConnectorSetting(name=name)
        db.add(setting)
    changed = sorted(
        {k for k in public if (setting.config or {}).get(k) != public[k]}
        | {k for k in secrets if old_secrets.get(k) != secrets[k]}
    )
    setting.enabled = enabled
    setting.config = public
    setting.secrets_enc = encrypt(json.dumps(secrets)) if secrets else None
    setting.updated_at = utcnow()
    setting.updated_by = actor.id
    record_audit(
        db=db,
        action="linkage_connector_saved",
        actor_name=actor.username,
        actor_id=actor.id,
        ip=ip,
        detail={"connector": name, "enabled": enabled, "changed": changed},
    )
    db.commit()
    return setting


def _instance(setting: ConnectorSetting, cls: type[Connector]) -> tuple[Connector, Policy]:
    secrets = json.loads(decrypt(setting.secrets_enc)) if setting.secrets_enc else {}
    public = {k: v for k, v in (setting.config or {}).items() if k not in POLICY_FIELDS}
    config = _validate_config(cls, {**public, **secrets})
    return cls(config), _policy_of(dict(setting.config or {}))


def enabled_connectors(*, db: Session) -> list[tuple[Connector, Policy]]:
    """New instances of the enabled, installed connectors (the caller closes them), by name."""
    classes = installed_connectors()
    settings = db.scalars(
        select(ConnectorSetting).where(ConnectorSetting.enabled.is_(True)).order_by(ConnectorSetting.name)
    )
    return [_instance(s, classes[s.name]) for s in settings if s.name in classes]


def _enabled_connector(db: Session, name: str) -> tuple[Connector, Policy]:
    setting = db.scalar(select(ConnectorSetting).where(ConnectorSetting.name == name))
    cls = installed_connectors().get(name)
    if setting is None or not setting.enabled or cls is None:
        raise NotFound(N_("This connector is not enabled."), field="connector")
    return _instance(setting, cls)


async def test_connector(*, db: Session, name: str) -> tuple[bool, str]:
    """Admin check: the stored config validates and the connector's ``health`` answers.
    Returns ``(ok, message)``; never raises for a back-office fault."""
    cls = _connector_class(name)
    setting = db.scalar(select(ConnectorSetting).where(ConnectorSetting.name == name))
    if setting is None:
        return False, N_("Not configured yet.")
    connector, policy = _instance(setting, cls)
    try:
        status = await connector.health(timeout_s=policy.timeout_s)
    except ConnectorFailure as exc:
        return False, f"{exc.kind}: {exc}"
    except Exception as exc:  # a connector bug must not break the admin page
        return False, type(exc).__name__
    finally:
        await connector.aclose()
    return True, status or N_("Configuration is valid (this connector has no connectivity check).")


# -- identity verification ------------------------------------------------------------------------


def purge_expired_identifiers(*, db: Session) -> int:
    """Wipe the encrypted identifiers of verifications past ``expires_at``; returns how many (no commit)."""
    result = db.execute(
        update(Verification)
        .where(Verification.identifiers_enc.is_not(None), Verification.expires_at < utcnow())
        .values(identifiers_enc=None)
    )
    return result.rowcount if isinstance(result, CursorResult) else 0


def verify_caller(
    *,
    db: Session,
    agent: User,
    checks: Sequence[str],
    call_id: int | None = None,
    resident: str = "",
    vehicle_number: str = "",
    water_customer_number: str = "",
    mobile: str = "",
) -> Verification:
    """Record the identity verification of the caller and return it; commits.

    ``checks``: what the counselor checked (:class:`~minwon.linkage.identity.Check` values; entering an
    identifier counts as checking it). Identifiers are validated (RRN format, birth date and check digit;
    vehicle and water customer number shapes), encrypted for :data:`IDENTIFIER_TTL_S` and masked for screens.
    Without ``mobile``, the calling number is used when it is a mobile number (for the SMS).

    Raises PermissionDenied (role, or another counselor's call), NotFound (call), ValidationError (the
    first bad field; the message never contains the value).
    """
    require_linkage_role(agent)
    call = get_call_for_agent(db=db, call_id=call_id, agent=agent) if call_id else None
    try:
        done = {Check(c) for c in checks}
    except ValueError:
        raise ValidationError(N_("Unknown verification check."), field="checks") from None
    if not done:
        # 본인확인: the record must say how the caller was identified before any lookup runs.
        raise ValidationError(N_("Tick what you checked to verify the caller."), field="checks")
    allow_synthetic = get_settings().environment != "production"
    ids = validate_identifiers(
        resident=resident,
        vehicle_number=vehicle_number,
        water_customer_number=water_customer_number,
        mobile=mobile,
        allow_synthetic=allow_synthetic,
    )
    done |= {Check(k.value) for k in ids.values}
    phone = ids.mobile
    masked = dict(ids.masked)
    if phone is None and call is not None and call.caller_enc:
        number = decrypt(call.caller_enc)
        if number.startswith("01") and 10 <= len(number) <= 11:
            phone = number
            masked[Check.MOBILE.value] = call.caller_masked or ""
    clear = {k.value: v for k, v in ids.values.items()}
    if phone:
        clear[Check.MOBILE.value] = phone
    purge_expired_identifiers(db=db)
    now = utcnow()
    verification = Verification(
        agent_id=agent.id,
        call_id=call.id if call else None,
        checks=sorted(c.value for c in done),
        masked=masked,
        subject_ref=ids.subject_ref,
        identifiers_enc=encrypt(json.dumps(clear)),
        created_at=now,
        expires_at=now + timedelta(seconds=IDENTIFIER_TTL_S),
    )
    db.add(verification)
    db.commit()
    return verification


def get_verification(*, db: Session, verification_id: int, viewer: User) -> Verification:
    """The verification if ``viewer`` may use it (its counselor; supervisors any). Raises
    PermissionDenied or NotFound (``verification_id``)."""
    require_linkage_role(viewer)
    verification = db.get(Verification, verification_id)
    if verification is None:
        raise NotFound(N_("This verification does not exist."), field="verification_id")
    if verification.agent_id != viewer.id and viewer.role is not Role.SUPERVISOR:
        raise PermissionDenied(N_("This verification belongs to another counselor."), field="verification_id")
    return verification


def _clear_values(verification: Verification) -> dict[str, str]:
    if not verification.identifiers_enc or verification.expires_at < utcnow():
        raise ValidationError(
            N_("The verification has expired. Verify the caller again."), field="verification_id"
        )
    values: dict[str, str] = json.loads(decrypt(verification.identifiers_enc))
    return values


def identity_of(verification: Verification) -> Identity:
    """The in-memory identity the connectors get. Raises ValidationError when expired."""
    clear = _clear_values(verification)
    values = {k: clear[k.value] for k in IdentityKey if k.value in clear}
    return Identity(values=values, subject_ref=verification.subject_ref)


def purpose_of(verification: Verification) -> str:
    """The access-log purpose: the call it served, else the verification (a contact without a call)."""
    return f"call:{verification.call_id}" if verification.call_id else f"linkage:{verification.id}"


# -- panels ---------------------------------------------------------------------------------------


def _log_views(
    db: Session,
    verification: Verification,
    viewer: User,
    ip: str | None,
    outcomes: Sequence[ConnectorOutcome],
) -> None:
    for panel in outcomes:
        for lookup in panel.lookups:
            if lookup.state is PanelState.OK or lookup.called:
                record_access(
                    db=db,
                    account_id=viewer.id,
                    subject_ref=verification.subject_ref,
                    action="view",
                    purpose=purpose_of(verification),
                    ip=ip,
                    resource=f"linkage:{lookup.lookup}",
                )
    db.commit()


async def run_panel(
    *, db: Session, verification_id: int, connector: str, viewer: User, ip: str | None, refresh: bool = False
) -> ConnectorOutcome:
    """One connector's panel for a verified caller: its runnable lookups, concurrently, with the
    connector's policy; writes one access record per lookup shown or attempted; commits.

    Raises PermissionDenied, NotFound (verification, connector not enabled), ValidationError (expired).
    Back-office faults are not raised: they are the panel's state.
    """
    verification = get_verification(db=db, verification_id=verification_id, viewer=viewer)
    identity = identity_of(verification)
    instance, policy = _enabled_connector(db, connector)
    try:
        outcome = await ORCHESTRATOR.run_connector(
            instance, identity, scope=str(verification.id), policy=policy, refresh=refresh
        )
    finally:
        await instance.aclose()
    _log_views(db, verification, viewer, ip, [outcome])
    return outcome


async def fan_out(
    *, db: Session, verification_id: int, viewer: User, ip: str | None, refresh: bool = False
) -> list[ConnectorOutcome]:
    """Every enabled connector's panel at once (JSON API, CLI, benchmark); as :func:`run_panel`."""
    verification = get_verification(db=db, verification_id=verification_id, viewer=viewer)
    identity = identity_of(verification)
    pairs = enabled_connectors(db=db)
    try:
        outcomes = await ORCHESTRATOR.fan_out(
            [c for c, _ in pairs],
            identity,
            scope=str(verification.id),
            policies={c.name: p for c, p in pairs},
            refresh=refresh,
        )
    finally:
        for c, _ in pairs:
            await c.aclose()
    _log_views(db, verification, viewer, ip, outcomes)
    return outcomes


def panel_connectors(*, db: Session) -> list[tuple[str, str]]:
    """``(name, title)`` of the enabled, installed connectors: the desk's panels, in name order."""
    classes = installed_connectors()
    names = db.scalars(
        select(ConnectorSetting.name)
        .where(ConnectorSetting.enabled.is_(True))
        .order_by(ConnectorSetting.name)
    )
    return [(n, classes[n].title) for n in names if n in classes]


# -- actions --------------------------------------------------------------------------------------


def _cached_item(verification: Verification, lookup: str, index: int) -> tuple[str, BaseModel]:
    connector_name = lookup.split(".", 1)[0]
    cls = installed_connectors().get(connector_name)
    result = ORCHESTRATOR.cache.get(str(verification.id), lookup)
    if cls is None or result is None:
        raise ValidationError(N_("This result is no longer on screen. Run the lookup again."), field="lookup")
    spec = next((s for s in cls.lookups if s.key == lookup), None)
    if spec is None or not 0 <= index < len(result.items):
        raise ValidationError(N_("This result is no longer on screen. Run the lookup again."), field="lookup")
    item = result.items[index]
    model = item if isinstance(item, spec.result_model) else spec.result_model.model_validate(item)
    return spec.title, model


def _contact_of(db: Session, verification: Verification) -> int | None:
    if verification.contact_id:
        return verification.contact_id
    if verification.call_id:
        return db.scalar(select(Contact.id).where(Contact.call_id == verification.call_id))
    return None


def add_result_to_record(
    *, db: Session, verification_id: int, lookup: str, index: int, agent: User
) -> ResultNote:
    """Add the summary line of the ``index``-th item of ``lookup`` (still on screen) to the contact record;
    commits. The line holds what the panel showed (amounts, dates, statuses), no identifier.

    Raises PermissionDenied, NotFound, ValidationError (the result left the five-minute cache).
    """
    verification = get_verification(db=db, verification_id=verification_id, viewer=agent)
    title, item = _cached_item(verification, lookup, index)
    note = ResultNote(
        verification_id=verification.id,
        call_id=verification.call_id,
        contact_id=_contact_of(db, verification),
        agent_id=agent.id,
        lookup=lookup,
        text=summary_line(title, item),
        created_at=utcnow(),
    )
    db.add(note)
    db.commit()
    return note


def notes_for(
    *, db: Session, verification_id: int | None = None, call_id: int | None = None
) -> list[ResultNote]:
    """Result lines added for a verification or a call, oldest first."""
    query = select(ResultNote).order_by(ResultNote.id)
    if verification_id is not None:
        query = query.where(ResultNote.verification_id == verification_id)
    if call_id is not None:
        query = query.where(ResultNote.call_id == call_id)
    return list(db.scalars(query))


def link_contact(*, db: Session, contact: Contact) -> int:
    """Attach the verifications and result lines of ``contact``'s call to the saved contact record
    (call after ``contacts.service.record_contact``); returns how many verifications; no commit."""
    if contact.call_id is None:
        return 0
    db.execute(update(ResultNote).where(ResultNote.call_id == contact.call_id).values(contact_id=contact.id))
    result = db.execute(
        update(Verification).where(Verification.call_id == contact.call_id).values(contact_id=contact.id)
    )
    return result.rowcount if isinstance(result, CursorResult) else 0


def send_virtual_account_sms(
    *, db: Session, verification_id: int, lookup: str, index: int, agent: User, ip: str | None = None
) -> Notice:
    """Queue the ``index``-th item's payment virtual account by SMS to the verified caller's mobile
    (outbox template ``virtual_account``); commits. Sending twice the same item returns the first notice.

    Raises ValidationError when the item has no virtual account, the verification has no mobile number,
    or the result left the cache; PermissionDenied; NotFound.
    """
    verification = get_verification(db=db, verification_id=verification_id, viewer=agent)
    title, item = _cached_item(verification, lookup, index)
    account = virtual_account_of(item, default_label=title)
    if account is None:
        raise ValidationError(N_("This result has no virtual account to send."), field="lookup")
    mobile = _clear_values(verification).get(Check.MOBILE.value)
    if not mobile:
        raise ValidationError(N_("No mobile number was verified for this caller."), field="mobile")
    notice = enqueue(
        db,
        channel=NoticeChannel.SMS,
        recipient=mobile,
        template_key="virtual_account",
        context={
            "center": get_settings().center_name,
            "item": account.item,
            "amount": format_krw(account.amount).removesuffix("원"),
            # An overdue bill (arrears) has no future due date: tell the citizen to pay now.
            "due": korean_date(account.due) if account.due >= local_today() else "즉시(기한 경과)",
            "bank": account.bank,
            "account": account.account,
        },
        contact_id=_contact_of(db, verification),
        dedupe_key=f"linkage:{verification.id}:{lookup}:{index}",
    )
    record_audit(
        db=db,
        action="linkage_sms_queued",
        actor_name=agent.username,
        actor_id=agent.id,
        ip=ip,
        detail={"verification": verification.id, "lookup": lookup, "notice": notice.id},
    )
    db.commit()
    return notice


# -- key rotation ---------------------------------------------------------------------------------

#: The columns this domain encrypts, re-encrypted by :func:`rotate_keys`.
ENCRYPTED_COLUMNS: tuple[tuple[type[Any], str], ...] = (
    (ConnectorSetting, "secrets_enc"),
    (Verification, "identifiers_enc"),
)


def rotate_keys(*, db: Session, batch: int = 500) -> dict[str, int]:
    """Re-encrypt every value of :data:`ENCRYPTED_COLUMNS` with the primary key of ``MINWON_DATA_KEYS``
    (values already under it are left alone); commits per batch. Returns counts per ``table.column``.

    Raises ValueError when a value's key id is no longer listed (keep the old key until this ran).
    """
    from minwon.config import get_settings as _settings
    from minwon.core.crypto import Keyring

    primary = Keyring.parse(_settings().data_keys).primary
    counts: dict[str, int] = {}
    for model, column in ENCRYPTED_COLUMNS:
        col = getattr(model, column)
        done = 0
        last = 0
        while True:
            rows = list(
                db.scalars(
                    select(model).where(model.id > last, col.is_not(None)).order_by(model.id).limit(batch)
                )
            )
            if not rows:
                break
            for row in rows:
                token = getattr(row, column)
                if not token.startswith(f"{primary}$"):
                    setattr(row, column, encrypt(decrypt(token)))
                    done += 1
            last = rows[-1].id
            db.commit()
        counts[f"{model.__tablename__}.{column}"] = done
    return counts
