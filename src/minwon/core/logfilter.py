"""Keep query strings out of the HTTP access log.

The desk sends what the counselor types (inquiries may contain a resident registration number or a
phone number) as query parameters of search-as-you-type requests; uvicorn's access log would write them
in clear. 개인정보의 안전성 확보조치 기준 §8 requires that logs not expose personal data, so the access
log records the path only.
"""

from __future__ import annotations

import logging

ACCESS_LOGGER = "uvicorn.access"


class DropQueryString(logging.Filter):
    """Rewrites uvicorn access records ``(client, method, full_path, http_version, status)`` so that
    ``full_path`` has no query string (``?…`` becomes ``?[redacted]``)."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) >= 3 and isinstance(args[2], str) and "?" in args[2]:
            record.args = (*args[:2], args[2].split("?", 1)[0] + "?[redacted]", *args[3:])
        return True


def install() -> None:
    """Attach the filter to uvicorn's access logger once per process."""
    logger = logging.getLogger(ACCESS_LOGGER)
    if not any(isinstance(f, DropQueryString) for f in logger.filters):
        logger.addFilter(DropQueryString())
