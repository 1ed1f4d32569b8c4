"""Safe Markdown rendering and version diffs (pure modules)."""

from __future__ import annotations

from minwon.knowledge.diff import DiffRow, Segment, field_changes, side_by_side, unified
from minwon.knowledge.markdown import render_markdown


def test_markdown_escapes_html_and_keeps_tables_and_links() -> None:
    html = render_markdown(
        "**주의** <script>alert(1)</script>\n\n| 구분 | 금액 |\n|---|---|\n| 연납 | 5% |\n\n"
        "[위택스](https://www.wetax.go.kr) [나쁜](javascript:alert(1)) ![img](https://x.example/a.png)"
    )
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<strong>주의</strong>" in html
    assert "<table>" in html and "<th>구분</th>" in html and "<td>5%</td>" in html
    assert '<a href="https://www.wetax.go.kr" rel="noopener noreferrer" target="_blank">위택스</a>' in html
    assert 'href="javascript' not in html  # refused by markdown-it's validateLink: left as text
    assert "<img" not in html


def test_markdown_raw_html_attributes_are_text() -> None:
    html = render_markdown('<a href="x" onclick="steal()">x</a> <img src=x onerror=alert(1)>')
    assert "<a href" not in html and "<img" not in html and "&lt;img src=x onerror=alert(1)&gt;" in html


def test_side_by_side_pairs_changed_lines_character_by_character() -> None:
    old = "자동차세 연납\n공제율은 5%입니다.\n끝"
    new = "자동차세 연납\n공제율은 3%입니다.\n새 줄\n끝"
    rows = side_by_side(old, new)
    assert rows == [
        DiffRow("equal", 1, (Segment("자동차세 연납", False),), 1, (Segment("자동차세 연납", False),)),
        DiffRow(
            "replace",
            2,
            (Segment("공제율은 ", False), Segment("5", True), Segment("%입니다.", False)),
            2,
            (Segment("공제율은 ", False), Segment("3", True), Segment("%입니다.", False)),
        ),
        DiffRow("insert", None, (), 3, (Segment("새 줄", True),)),
        DiffRow("equal", 3, (Segment("끝", False),), 4, (Segment("끝", False),)),
    ]


def test_unified_diff_and_field_changes() -> None:
    text = unified("가\n나\n다", "가\n라\n다", old_label="v1", new_label="v2")
    assert text.splitlines() == ["--- v1", "+++ v2", "@@ -1,3 +1,3 @@", " 가", "-나", "+라", " 다"]
    assert unified("같음", "같음", old_label="a", new_label="b") == ""
    changes = field_changes({"title": "A", "keywords": "k"}, {"title": "B", "keywords": "k"})
    assert [(c.field, c.old, c.new) for c in changes] == [("title", "A", "B")]
