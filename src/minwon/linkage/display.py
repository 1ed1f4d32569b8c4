"""How lookup results look on the desk: KRW amounts, Korean dates, field labels, summary lines and
virtual accounts. Pure: no database or web import.

Result items are pydantic models (the lookup's ``result_model``). A field is shown with its ``title``
(else its name); an ``int`` field is an amount in KRW when its schema says ``{"unit": "KRW"}`` or its
name says so (``amount``, ``fine``, ``tax``, ``charge``, ``krw``, ``arrears``, ``surcharge``, ``total``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from pydantic import BaseModel

from minwon.core.clock import to_local
from minwon.linkage.contract import VirtualAccount
from minwon.linkage.identity import mask_rrn, mask_vehicle, mask_water_customer

_KRW_HINTS = ("amount", "fine", "tax", "charge", "krw", "arrears", "surcharge", "total", "penalty", "fee")
_WEEKDAYS = "월화수목금토일"


def format_krw(amount: int) -> str:
    """``123450`` → ``123,450원`` (negative amounts keep their sign)."""
    return f"{amount:,}원"


def korean_date(day: date) -> str:
    """``2026-06-30`` → ``2026년 6월 30일(화)``."""
    return f"{day.year}년 {day.month}월 {day.day}일({_WEEKDAYS[day.weekday()]})"


def korean_datetime(instant: datetime) -> str:
    """An aware instant in the center's zone: ``2026년 6월 30일(화) 14:05``; a naive one as it is."""
    local = to_local(instant) if instant.tzinfo else instant
    return f"{korean_date(local.date())} {local:%H:%M}"


#: Korean labels of field names the shipped connectors use (a field's ``title`` wins).
FIELD_LABELS: dict[str, str] = {
    "bill_no": "고지번호",
    "tax_item_name": "세목",
    "tax_year": "과세연도",
    "object": "과세대상",
    "base_tax": "본세",
    "education_tax": "지방교육세",
    "amount": "고지금액",
    "period_start": "납기 시작",
    "due_date": "납부기한",
    "status": "상태",
    "paid_on": "납부일",
    "paid_amount": "납부금액",
    "surcharge": "가산세",
    "amount_due": "납부할 금액",
    "bank": "은행",
    "virtual_account": "가상계좌",
    "account_number": "가상계좌",
    "notice_no": "고지번호",
    "vehicle_number": "차량번호",
    "occurred_at": "위반 일시",
    "place": "위반 장소",
    "child_zone": "어린이보호구역",
    "violation": "위반 내용",
    "fine": "과태료",
    "reduced_fine": "자진납부 감경액",
    "reduction": "감경",
    "reduction_deadline": "감경 기한",
    "notice_date": "사전통지일",
    "objection_deadline": "의견진술 기한",
    "objection_filed_on": "의견진술 제출일",
    "imposition_due": "부과 납기",
    "towed_at": "견인 일시",
    "towed_from": "견인 장소",
    "lot": "보관소",
    "lot_phone": "보관소 전화",
    "released_at": "출고 일시",
    "towing_fee": "견인료",
    "storage_fee": "보관료",
    "customer_number": "수용가번호",
    "holder_name": "사용자",
    "address": "주소",
    "usage_type": "업종",
    "meter_mm": "계량기 구경(mm)",
    "meter_number": "계량기 번호",
    "unpaid_amount": "미납액",
    "overdue_bills": "체납 건수",
    "period_end": "사용기간 끝",
    "reading_date": "검침일",
    "previous_reading": "전기 지침",
    "current_reading": "당기 지침",
    "usage_m3": "사용량(㎥)",
    "water_charge": "상수도 요금",
    "sewage_charge": "하수도 요금",
    "water_use_levy": "물이용부담금",
    "late_charge": "가산금",
    "leak_suspected": "누수 의심",
}
#: Identifier fields are masked wherever a result shows them (개인정보 처리 표시제한).
MASKED_FIELDS: dict[str, Callable[[str], str]] = {
    "vehicle_number": mask_vehicle,
    "plate": mask_vehicle,
    "customer_number": mask_water_customer,
    "water_customer_number": mask_water_customer,
    "rrn": lambda v: mask_rrn(v.replace("-", "")),
    "resident": lambda v: mask_rrn(v.replace("-", "")),
}
#: Codes shown in Korean.
VALUE_LABELS: dict[str, str] = {"paid": "납부", "unpaid": "미납", "overdue": "체납"}
#: Fields not shown (codes that a label field repeats).
HIDDEN_FIELDS = frozenset({"tax_item"})
_NOT_AMOUNT_SUFFIXES = ("_year", "_no", "_count", "_number", "_id", "_days", "_cc")


def _is_krw(name: str, extra: Any) -> bool:
    if isinstance(extra, dict) and extra.get("unit") == "KRW":
        return True
    lowered = name.lower()
    if lowered.endswith(_NOT_AMOUNT_SUFFIXES):
        return False
    return any(h in lowered for h in _KRW_HINTS)


def format_value(name: str, value: Any, extra: Any = None) -> str:
    """One field's value as shown: identifiers masked, KRW, Korean dates, 예/아니요 for booleans,
    ``-`` for none."""
    if value is None:
        return "-"
    if name in MASKED_FIELDS and isinstance(value, str) and len(value) >= 4:
        return MASKED_FIELDS[name](value)
    if isinstance(value, bool):
        return "예" if value else "아니요"
    if isinstance(value, int) and _is_krw(name, extra):
        return format_krw(value)
    if isinstance(value, datetime):
        return korean_datetime(value)
    if isinstance(value, date):
        return korean_date(value)
    if isinstance(value, BaseModel):
        return ", ".join(f"{k} {format_value(k, v)}" for k, v in value.model_dump().items())
    if hasattr(value, "value") and isinstance(value.value, str):
        value = value.value
    return VALUE_LABELS.get(str(value), str(value))


@dataclass(frozen=True)
class Field:
    label: str
    value: str


def item_fields(item: BaseModel) -> list[Field]:
    """The item's fields in declaration order, labelled and formatted."""
    out: list[Field] = []
    for name, info in type(item).model_fields.items():
        if info.exclude or name in HIDDEN_FIELDS:
            continue
        label = info.title or FIELD_LABELS.get(name, name)
        out.append(Field(label, format_value(name, getattr(item, name), info.json_schema_extra)))
    return out


def summary_line(title: str, item: BaseModel) -> str:
    """One line for the contact record: the lookup's title and the item's first six fields, e.g.
    ``지방세 고지 내역: 세목 자동차세 1기 · 금액 123,450원 · 납기 2026년 6월 30일(화)``; at most 500 chars.
    An item may define ``summary(self) -> str`` to choose its own words."""
    custom = getattr(item, "summary", None)
    if callable(custom):
        text = str(custom())
    else:
        text = " · ".join(f"{f.label} {f.value}" for f in item_fields(item)[:6])
    return f"{title}: {text}"[:500]


def virtual_account_of(item: BaseModel, default_label: str = "") -> VirtualAccount | None:
    """The item's payment virtual account, from ``virtual_account_info()`` when the model defines it, else
    from fields named ``bank`` + ``virtual_account`` (or ``account``), ``amount``/``amount_due``/``total``,
    ``due_date``/``due``/``imposition_due``, and a label (``item_label``, ``tax_item_name``, ``label``,
    ``title``, ``item``, ``violation``; else ``default_label``, the lookup's title).
    ``None`` when there is none (e.g. a paid bill)."""
    custom = getattr(item, "virtual_account_info", None)
    if callable(custom):
        result = custom()
        return result if isinstance(result, VirtualAccount) else None
    data = item.model_dump()

    def first(*names: str) -> Any:
        for n in names:
            if data.get(n) not in (None, ""):
                return data[n]
        return None

    bank = first("bank", "virtual_account_bank")
    account = first("virtual_account", "virtual_account_number", "account_number", "account")
    amount = first("amount_due", "unpaid_amount", "amount", "total", "fine_amount")
    due = first("due_date", "due", "imposition_due", "pay_by")
    label = (
        first("item_label", "tax_item_name", "label", "title", "item", "violation") or default_label or None
    )
    if not (isinstance(bank, str) and isinstance(account, str) and isinstance(amount, int) and amount > 0):
        return None
    if not isinstance(due, date) or label is None:
        return None
    return VirtualAccount(item=str(label), amount=amount, due=due, bank=bank, account=account)
