"""``sql_view``: a generic, read-only connector for agencies that link through database views.

Each lookup is configured by mapping: the view, the identity key and the view column it is matched on,
and which columns become which result fields (with a type). The connector only ever runs
``SELECT <mapped columns> FROM <the named view> WHERE <identity column> = :value LIMIT n`` built with
SQLAlchemy Core (quoted identifiers, bound value):

* identifiers must be plain names (``[A-Za-z_][A-Za-z0-9_]*``, optionally ``schema.view``) — anything
  else is refused when the configuration is validated;
* the named object must be a VIEW (checked in the database's catalogue before the first query; a table
  or a missing view is refused with ``rejected``);
* connections are read-only: SQLite files are opened with ``mode=ro`` and ``PRAGMA query_only``;
  PostgreSQL sessions set ``default_transaction_read_only`` and a ``statement_timeout``;
* ``timeout_s`` bounds the query: SQLite queries are interrupted, PostgreSQL's statement timeout ends them.
"""

from __future__ import annotations

import asyncio
import re
import sqlite3
import time
from datetime import UTC, date, datetime
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, create_model, field_validator, model_validator
from sqlalchemy import Engine, bindparam, column, create_engine, event, inspect, select, table
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, OperationalError, SQLAlchemyError

from minwon.linkage.contract import (
    Connector,
    ConnectorFailure,
    Identity,
    IdentityKey,
    LookupResult,
    LookupSpec,
)

_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,62}$")
_FIELD = re.compile(r"^[a-z][a-z0-9_]{0,62}$")
_LOOKUP_KEY = re.compile(r"^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$")

ColumnType = Literal["str", "int", "krw", "date", "datetime", "bool"]
_PY_TYPES: dict[str, Any] = {
    "str": str,
    "int": int,
    "krw": int,
    "date": date,
    "datetime": datetime,
    "bool": bool,
}


def _check_ident(value: str, what: str) -> str:
    parts = value.split(".")
    if len(parts) > 2 or not all(_IDENT.match(p) for p in parts):
        raise ValueError(
            f"{what} {value!r} must be a plain SQL name (letters, digits, _), optionally schema.name"
        )
    return value


class ViewLookup(BaseModel):
    """One lookup: ``key`` (``agency.thing``), Korean ``title``, ``view`` (``[schema.]name``),
    ``identity_key``, ``identity_column``, ``columns`` (view column → result field), ``types`` (result
    field → ``str``/``int``/``krw``/``date``/``datetime``/``bool``; default ``str``), ``order_by`` (a
    mapped column, newest first with ``descending``), ``max_rows``."""

    model_config = ConfigDict(extra="forbid")

    key: str = Field(pattern=_LOOKUP_KEY.pattern)
    title: str = Field(min_length=1, max_length=60)
    view: str
    identity_key: IdentityKey
    identity_column: str
    columns: dict[str, str] = Field(min_length=1, max_length=60)
    types: dict[str, ColumnType] = Field(default_factory=dict)
    order_by: str | None = None
    descending: bool = True
    max_rows: int = Field(default=200, ge=1, le=5000)

    @field_validator("view")
    @classmethod
    def _view_name(cls, value: str) -> str:
        return _check_ident(value, "view")

    @field_validator("identity_column")
    @classmethod
    def _identity_column(cls, value: str) -> str:
        return _check_ident(value, "identity_column")

    @field_validator("columns")
    @classmethod
    def _columns(cls, value: dict[str, str]) -> dict[str, str]:
        for col, fld in value.items():
            _check_ident(col, "column")
            if "." in col:
                raise ValueError(f"column {col!r} must not be qualified")
            if not _FIELD.match(fld) or fld in dir(BaseModel):
                raise ValueError(f"field {fld!r} must be a lower-case name not used by pydantic")
        if len(set(value.values())) != len(value):
            raise ValueError("two columns map to the same field")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> ViewLookup:
        unknown = set(self.types) - set(self.columns.values())
        if unknown:
            raise ValueError(f"types name unknown fields: {', '.join(sorted(unknown))}")
        if self.order_by is not None and self.order_by not in self.columns:
            raise ValueError("order_by must be one of the mapped columns")
        return self


class SqlViewConfig(BaseModel):
    """``url``: SQLAlchemy URL of the agency database (secret: may carry a password); ``source``: the
    system's name shown with results; ``lookups``: at least one :class:`ViewLookup`."""

    model_config = ConfigDict(extra="forbid")

    url: str = Field(min_length=1, max_length=500, repr=False)
    source: str = Field(min_length=1, max_length=100)
    lookups: list[ViewLookup] = Field(min_length=1, max_length=50)

    @model_validator(mode="after")
    def _unique_keys(self) -> SqlViewConfig:
        keys = [lk.key for lk in self.lookups]
        if len(set(keys)) != len(keys):
            raise ValueError("lookup keys must be unique")
        backend = make_url(self.url).get_backend_name()
        if backend not in ("sqlite", "postgresql"):
            raise ValueError(f"unsupported database {backend!r} (sqlite or postgresql)")
        return self


def _result_model(spec: ViewLookup) -> type[BaseModel]:
    fields: dict[str, Any] = {
        fld: (_PY_TYPES[spec.types.get(fld, "str")] | None, None) for fld in spec.columns.values()
    }
    name = "SqlView_" + spec.key.replace(".", "_")
    model: type[BaseModel] = create_model(name, __config__=ConfigDict(frozen=True), **fields)
    return model


def _read_only_engine(url: str) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        path = parsed.database or ""
        if not path or path == ":memory:":
            raise ValueError("sql_view needs an SQLite file, not an in-memory database")

        def connect() -> sqlite3.Connection:
            conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False, timeout=5)
            conn.execute("PRAGMA query_only = ON")
            return conn

        return create_engine("sqlite://", creator=connect)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    engine = create_engine(parsed, pool_pre_ping=True)

    @event.listens_for(engine, "connect")
    def _read_only(dbapi_conn: Any, _record: Any) -> None:
        cur = dbapi_conn.cursor()
        cur.execute("SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY")
        cur.close()
        dbapi_conn.commit()

    return engine


class SqlViewConnector(Connector):
    """Read-only lookups on database views, defined by :class:`SqlViewConfig`."""

    name: ClassVar[str] = "sql_view"
    title: ClassVar[str] = "DB 뷰 연계"
    Config: ClassVar[type[BaseModel]] = SqlViewConfig
    secret_fields: ClassVar[frozenset[str]] = frozenset({"url"})
    #: Lookups come from the configuration: see :meth:`configured_lookups`.
    lookups: ClassVar[tuple[LookupSpec, ...]] = ()

    def __init__(self, config: BaseModel) -> None:
        super().__init__(SqlViewConfig.model_validate(config.model_dump()))
        assert isinstance(self.config, SqlViewConfig)
        self._views = {lk.key: lk for lk in self.config.lookups}
        self._specs = tuple(
            LookupSpec(lk.key, lk.title, frozenset({lk.identity_key}), _result_model(lk))
            for lk in self.config.lookups
        )
        self._engine: Engine | None = None
        self._checked: set[str] = set()

    def configured_lookups(self) -> tuple[LookupSpec, ...]:
        return self._specs

    def _get_engine(self) -> Engine:
        if self._engine is None:
            assert isinstance(self.config, SqlViewConfig)
            self._engine = _read_only_engine(self.config.url)
        return self._engine

    def _check_view(self, engine: Engine, spec: ViewLookup) -> None:
        if spec.view in self._checked:
            return
        schema, _, name = spec.view.rpartition(".")
        views = inspect(engine).get_view_names(schema=schema or None)
        if name not in views:
            raise ConnectorFailure(
                "rejected", f"{self.name}: {spec.key}: {spec.view} is not a view of the database"
            )
        self._checked.add(spec.view)

    def _query(self, spec: ViewLookup, value: str, deadline: float) -> list[dict[str, Any]]:
        engine = self._get_engine()
        self._check_view(engine, spec)
        schema, _, name = spec.view.rpartition(".")
        view = table(name, *(column(c) for c in {*spec.columns, spec.identity_column}), schema=schema or None)
        query = select(*(view.c[c] for c in spec.columns)).where(
            view.c[spec.identity_column] == bindparam("v")
        )
        if spec.order_by:
            order = view.c[spec.order_by]
            query = query.order_by(order.desc() if spec.descending else order.asc())
        query = query.limit(spec.max_rows)
        with engine.connect() as conn:
            raw = conn.connection.driver_connection
            if isinstance(raw, sqlite3.Connection):
                raw.set_progress_handler(lambda: 1 if time.monotonic() > deadline else 0, 1000)
            else:
                left_ms = max(int((deadline - time.monotonic()) * 1000), 1)
                conn.exec_driver_sql(f"SET LOCAL statement_timeout = {left_ms}")
            try:
                rows = conn.execute(query, {"v": value}).mappings().all()
            finally:
                if isinstance(raw, sqlite3.Connection):
                    raw.set_progress_handler(None, 0)
                conn.rollback()
        return [{spec.columns[c]: row[c] for c in spec.columns} for row in rows]

    async def fetch(self, lookup: str, identity: Identity, *, timeout_s: float) -> LookupResult:
        """Run the configured ``lookup``; raises ConnectorFailure (``rejected`` for an unknown lookup, a
        missing identity value or a configured name that is not a view; ``timeout``; ``unavailable``
        when the database cannot be reached; ``bad_response`` when a value does not fit its type)."""
        spec = self._views.get(lookup)
        if spec is None:
            raise ConnectorFailure("rejected", f"{self.name}: unknown lookup {lookup!r}")
        value = identity.get(spec.identity_key)
        if not value:
            raise ConnectorFailure("rejected", f"{self.name}: {lookup} needs {spec.identity_key.value}")
        deadline = time.monotonic() + timeout_s
        try:
            rows = await asyncio.wait_for(
                asyncio.to_thread(self._query, spec, value, deadline), timeout_s + 0.5
            )
        except TimeoutError:
            raise ConnectorFailure(
                "timeout", f"{self.name}: {lookup} gave no answer within {timeout_s:g} s"
            ) from None
        except OperationalError as exc:
            if (
                time.monotonic() >= deadline
                or "interrupt" in str(exc.orig)
                or "statement timeout" in str(exc.orig)
            ):
                raise ConnectorFailure(
                    "timeout", f"{self.name}: {lookup} gave no answer within {timeout_s:g} s"
                ) from None
            raise ConnectorFailure("unavailable", f"{self.name}: {lookup}: database unavailable") from None
        except DBAPIError as exc:
            if "statement timeout" in str(exc.orig) or "canceling statement" in str(exc.orig):
                raise ConnectorFailure(
                    "timeout", f"{self.name}: {lookup} gave no answer within {timeout_s:g} s"
                ) from None
            raise ConnectorFailure(
                "rejected", f"{self.name}: {lookup}: the database refused the query"
            ) from None
        except SQLAlchemyError:
            raise ConnectorFailure("unavailable", f"{self.name}: {lookup}: database error") from None
        model = self.lookup_spec(lookup).result_model
        try:
            items = [model.model_validate(row) for row in rows]
        except ValueError:
            raise ConnectorFailure(
                "bad_response", f"{self.name}: {lookup}: a value does not fit its type"
            ) from None
        assert isinstance(self.config, SqlViewConfig)
        return LookupResult(lookup=lookup, source=self.config.source, as_of=datetime.now(UTC), items=items)

    async def aclose(self) -> None:
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None
