"""Korean explanation of how a case's deadline was counted (처리기한 산정 근거), for the case page.

Pure: no database. The rules and articles are those of :mod:`minwon.cases.deadlines`
(「민원 처리에 관한 법률」 §17–§19 and its Enforcement Decree §14–§17); the extension follows
Decree §21 (see :func:`minwon.cases.workflow.extend_case`).
"""

from __future__ import annotations

from minwon.cases.deadlines import STATUTORY_HOURS_PER_DAY, Period, PeriodUnit, PetitionType

#: Korean name and Decree article of each petition type's period.
TYPE_KO: dict[str, tuple[str, str]] = {
    PetitionType.OTHER.value: ("기타민원", "시행령 제16조"),
    PetitionType.INQUIRY_PROCEDURE.value: ("질의민원(제도·절차)", "시행령 제14조"),
    PetitionType.INQUIRY_LAW.value: ("질의민원(법령 해석)", "시행령 제14조"),
    PetitionType.PROPOSAL.value: ("건의민원", "시행령 제15조"),
    PetitionType.GRIEVANCE.value: ("고충민원", "시행령 제17조"),
    PetitionType.STATUTORY.value: ("법정민원", "법 제17조, 민원처리기준표"),
}

_UNIT_KO = {PeriodUnit.DAYS: "일", PeriodUnit.WEEKS: "주", PeriodUnit.MONTHS: "개월", PeriodUnit.YEARS: "년"}


def period_ko(period: Period) -> str:
    """``"7일"``, ``"3근무시간"`` ("즉시" when it is the 3-hour rule), ``"2주"``, ``"1개월"``."""
    if period.unit is PeriodUnit.HOURS:
        return "즉시(3근무시간)" if period.amount == 3 else f"{period.amount}근무시간"
    return f"{period.amount}{_UNIT_KO[period.unit]}"


def deadline_basis_ko(
    petition_type: str,
    period: Period,
    *,
    service_name: str | None = None,
    legal_basis: str | None = None,
    extended: bool = False,
) -> str:
    """One Korean sentence naming the period, the counting rule and the articles.

    Examples::

        고충민원 7일: 접수일 포함, 토요일·공휴일 제외 (민원처리법 제19조제2항, 시행령 제17조)
        기타민원 즉시(3근무시간): 접수 시각부터 근무시간(1일 8시간)으로 계산, 토요일·공휴일 제외
            (민원처리법 제19조제1항, 시행령 제16조)

    ``service_name``/``legal_basis`` name a statutory service of the processing-standards table;
    ``extended`` appends the extension (Decree §21). Unknown types are shown by their code.
    """
    name, article = TYPE_KO.get(petition_type, (petition_type, ""))
    if petition_type == PetitionType.STATUTORY.value and service_name:
        name = f"{name}({service_name})"
    head = f"{name} {period_ko(period)}"
    if period.unit is PeriodUnit.HOURS or (period.unit is PeriodUnit.DAYS and period.amount <= 5):
        hours = period.amount if period.unit is PeriodUnit.HOURS else period.amount * STATUTORY_HOURS_PER_DAY
        rule = f"접수 시각부터 근무시간({hours}시간, 1일 8시간)으로 계산, 토요일·공휴일 제외"
        law = "민원처리법 제19조제1항"
    elif period.unit is PeriodUnit.DAYS:
        rule = "접수일 포함, 토요일·공휴일 제외"
        law = "민원처리법 제19조제2항"
    else:
        rule = "접수일 포함, 역(曆)에 따라 계산, 말일이 토요일·공휴일이면 그 다음 날 만료"
        law = "민원처리법 제19조제3항, 민법 제159조~제161조"
    refs = ", ".join(p for p in (law, article, legal_basis or "") if p)
    text = f"{head}: {rule} ({refs})"
    if extended:
        text += " · 처리기간 1회 연장 (시행령 제21조)"
    return text
