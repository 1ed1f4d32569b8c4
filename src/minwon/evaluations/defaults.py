"""The default scorecard seeded on first use (fresh databases included).

Sections follow common Korean public call-center monitoring practice (응대 태도, 경청·공감, 정확한 안내,
해결·마무리, 규정 준수). Weights add up to 100 points; the two critical items carry no points but fail the
whole evaluation when answered "no" (1 = no violation, 0 = violation).
"""

from __future__ import annotations

from typing import Any

DEFAULT_CODE = "default"
DEFAULT_NAME = "기본 상담 품질 평가표"


def _c(
    key: str,
    label: str,
    guidance: str,
    weight: int,
    max_score: int = 5,
    *,
    kind: str = "scale",
    critical: bool = False,
) -> dict[str, Any]:
    return {
        "key": key,
        "label": label,
        "guidance": guidance,
        "weight": weight,
        "max_score": 1 if kind == "yes_no" else max_score,
        "kind": kind,
        "critical": critical,
    }


DEFAULT_DEFINITION: dict[str, Any] = {
    "sections": [
        {
            "title": "인사·응대 태도",
            "criteria": [
                _c("c1", "첫인사와 끝인사", "소속과 이름을 밝히는 첫인사, 감사 인사로 마무리", 10),
                _c("c2", "친절한 어조와 존칭", "밝고 정중한 어조, 존칭 사용, 감정 조절", 10),
            ],
        },
        {
            "title": "경청·공감",
            "criteria": [
                _c("c3", "경청", "민원인의 말을 끊지 않고 요지를 확인", 10),
                _c("c4", "공감 표현", "불편에 공감하고 상황을 이해했음을 표현", 10),
            ],
        },
        {
            "title": "정확한 안내",
            "criteria": [
                _c("c5", "정확한 정보 안내", "규정·절차·기한을 정확하게 안내", 20),
                _c("c6", "표준 답변 활용", "지식베이스의 표준 답변을 확인하고 활용", 10),
            ],
        },
        {
            "title": "해결·마무리",
            "criteria": [
                _c("c7", "문의 해결 또는 올바른 이관", "1차 해결하거나 담당 부서로 정확히 이관", 15),
                _c("c8", "추가 문의 확인과 요약", "안내 내용을 요약하고 추가 문의를 확인", 5),
            ],
        },
        {
            "title": "규정 준수",
            "criteria": [
                _c("c9", "본인 확인 절차 준수", "개인정보 조회 전 본인 확인 절차를 지킴", 10, kind="yes_no"),
                _c(
                    "c10",
                    "개인정보 보호 (위반 없음)",
                    "아니오 = 개인정보를 제3자에게 알리거나 과다 수집함 (치명적 항목)",
                    0,
                    kind="yes_no",
                    critical=True,
                ),
                _c(
                    "c11",
                    "잘못된 안내로 인한 민원인 불이익 없음",
                    "아니오 = 잘못된 안내로 기한 도과·재방문 등 불이익 발생 (치명적 항목)",
                    0,
                    kind="yes_no",
                    critical=True,
                ),
            ],
        },
    ]
}
