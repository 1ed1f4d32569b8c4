"""The access log never carries query strings (what the counselor typed)."""

from __future__ import annotations

import logging

from minwon.core.logfilter import DropQueryString


def test_query_string_is_redacted_and_other_fields_kept() -> None:
    record = logging.LogRecord(
        "uvicorn.access",
        logging.INFO,
        __file__,
        1,
        '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:5000", "GET", "/desk/search?inquiry=780314-1100012+010-9876-5432", "1.1", 200),
        None,
    )
    assert DropQueryString().filter(record)
    line = record.getMessage()
    assert line == '127.0.0.1:5000 - "GET /desk/search?[redacted] HTTP/1.1" 200'
    assert "780314" not in line and "9876" not in line


def test_records_without_query_are_untouched() -> None:
    args = ("127.0.0.1:5000", "GET", "/desk", "1.1", 200)
    record = logging.LogRecord("uvicorn.access", logging.INFO, __file__, 1, "%s %s %s %s %d", args, None)
    DropQueryString().filter(record)
    assert record.args == args
