"""Generic read-only SQL-view connector (DB 뷰 연계)."""

from minwon.linkage.connectors.sql_view.connector import SqlViewConfig, SqlViewConnector, ViewLookup

__all__ = ["SqlViewConfig", "SqlViewConnector", "ViewLookup"]
