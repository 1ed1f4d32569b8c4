"""Departments, categories and queues: lookups and the writes administrators make."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from minwon.core.errors import Conflict, NotFound, ValidationError
from minwon.org.models import Category, Department, Queue


def list_categories(*, db: Session, active_only: bool = True) -> list[Category]:
    stmt = select(Category).order_by(Category.sort_order, Category.id)
    if active_only:
        stmt = stmt.where(Category.is_active.is_(True))
    return list(db.scalars(stmt))


def list_departments(*, db: Session, active_only: bool = True) -> list[Department]:
    stmt = select(Department).order_by(Department.name)
    if active_only:
        stmt = stmt.where(Department.is_active.is_(True))
    return list(db.scalars(stmt))


def list_queues(*, db: Session) -> list[Queue]:
    return list(db.scalars(select(Queue).order_by(Queue.code)))


def get_category(*, db: Session, category_id: int) -> Category:
    cat = db.get(Category, category_id)
    if cat is None:
        raise NotFound(f"category {category_id} does not exist", field="category_id")
    return cat


def get_department(*, db: Session, department_id: int) -> Department:
    dept = db.get(Department, department_id)
    if dept is None or not dept.is_active:
        raise NotFound(f"department {department_id} does not exist", field="department_id")
    return dept


def find_department(*, db: Session, name: str) -> Department:
    """The active department called ``name``. Raises NotFound (field ``department``) listing a few names."""
    dept = db.scalar(
        select(Department).where(Department.name == name.strip(), Department.is_active.is_(True))
    )
    if dept is None:
        known = ", ".join(d.name for d in list_departments(db=db)[:15])
        raise NotFound(f"no active department {name!r}; known: {known}", field="department")
    return dept


def ensure_department(
    *, db: Session, name: str, origin: str = "admin", phone: str | None = None
) -> Department:
    """The department called ``name``, created if missing (idempotent; flushes, does not commit)."""
    name = name.strip()
    if not name or len(name) > 120:
        raise ValidationError("department name must be 1–120 characters", field="name")
    dept = db.scalar(select(Department).where(Department.name == name))
    if dept is None:
        dept = Department(name=name, origin=origin, phone=phone)
        db.add(dept)
        db.flush()
    return dept


def save_category(
    *,
    db: Session,
    code: str,
    name_ko: str,
    name_en: str,
    sort_order: int = 100,
    is_active: bool = True,
    default_department_id: int | None = None,
    hotkey: str | None = None,
    category_id: int | None = None,
) -> Category:
    """Create (``category_id`` None) or update a category; commits. Raises ValidationError/Conflict."""
    code = code.strip()
    if not code or len(code) > 40 or not code.replace("_", "").replace("-", "").isalnum():
        raise ValidationError("code must be 1–40 letters, digits, - or _", field="code")
    if len(name_ko.strip()) > 80 or len(name_en.strip()) > 80:
        raise ValidationError(
            "names must be at most 80 characters", field="name_ko" if len(name_ko.strip()) > 80 else "name_en"
        )
    if not name_ko.strip() or not name_en.strip():
        raise ValidationError(
            "Korean and English names are required", field="name_ko" if not name_ko.strip() else "name_en"
        )
    if hotkey is not None and hotkey != "" and not (len(hotkey) == 1 and hotkey.isdigit() and hotkey != "0"):
        raise ValidationError("hotkey must be one digit 1–9", field="hotkey")
    clash = db.scalar(select(Category).where(Category.code == code))
    if clash is not None and clash.id != category_id:
        raise Conflict(f"category code {code!r} exists", field="code")
    if hotkey:
        taken = db.scalar(select(Category).where(Category.hotkey == hotkey, Category.is_active.is_(True)))
        if taken is not None and taken.id != category_id:
            raise Conflict(f"hotkey {hotkey} is used by {taken.name_ko}", field="hotkey")
    if default_department_id is not None:
        get_department(db=db, department_id=default_department_id)
    cat = get_category(db=db, category_id=category_id) if category_id else Category(code=code)
    cat.code = code
    cat.name_ko = name_ko.strip()
    cat.name_en = name_en.strip()
    cat.sort_order = sort_order
    cat.is_active = is_active
    cat.default_department_id = default_department_id
    cat.hotkey = hotkey or None
    db.add(cat)
    db.commit()
    return cat


def ensure_queue(
    *, db: Session, code: str, name: str, sl_threshold_s: int = 20, default_category_id: int | None = None
) -> Queue:
    """The queue ``code``, created if missing (flushes, does not commit)."""
    if sl_threshold_s <= 0 or sl_threshold_s > 3600:
        raise ValidationError("service-level threshold must be 1–3600 seconds", field="sl_threshold_s")
    queue = db.scalar(select(Queue).where(Queue.code == code))
    if queue is None:
        queue = Queue(
            code=code, name=name, sl_threshold_s=sl_threshold_s, default_category_id=default_category_id
        )
        db.add(queue)
        db.flush()
    return queue
