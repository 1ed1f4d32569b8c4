"""The reference back office's HTTP API (a separate FastAPI app, never mounted in minwon's app).

Every endpoint except ``/healthz`` needs the header ``X-API-Key``. Identifiers (RRN, vehicle number,
customer number) travel in POST bodies, so they never appear in URLs or access logs; the server runs
with access logging off and logs no identifiers. Answers are ``{"source", "as_of", "subject_found",
"items"}``; an unknown subject is ``subject_found: false`` with no items (200), a malformed request 422,
a missing or wrong key 401.

Endpoints (all JSON):

* ``POST /local-tax/bills`` ``{"rrn", "year"?}`` — bills by item and period with status, surcharge and
  virtual account; ``POST /local-tax/arrears`` ``{"rrn"}`` — overdue bills with 납부지연가산세;
  ``POST /local-tax/virtual-accounts`` ``{"rrn"}`` — the payment accounts of unpaid bills;
  ``GET /local-tax/bills/{bill_no}/payment`` — one bill's payment status.
* ``POST /water/accounts`` ``{"customer_number"} | {"rrn"}``; ``GET /water/accounts/{customer_number}``;
  ``POST /water/bills`` ``{"customer_number"}`` — bimonthly bills with readings and the
  상수도/하수도/물이용부담금 split.
* ``POST /parking/violations`` ``{"vehicle_number"} | {"rrn"}`` — fines with reduction and objection
  deadline; ``POST /parking/towing`` — tows and impound status.
* ``GET /_meta`` — generation parameters and row counts; ``GET|POST|DELETE /_faults`` — fault injection.
"""

from __future__ import annotations

import hmac
from collections.abc import Iterator
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Header, HTTPException, Request
from pydantic import BaseModel, ConfigDict, Field, model_validator
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from minwon.backoffice import store
from minwon.backoffice.faults import FaultMiddleware, FaultRule, FaultState
from minwon.backoffice.models import TaxBill

SERVICE_NAME = "minwon-backoffice"
SOURCES = {
    "local_tax": "한빛시 지방세정보시스템 (reference)",
    "water": "한빛시 상수도 요금관리시스템 (reference)",
    "parking": "한빛시 주정차단속시스템 (reference)",
}

_RRN_PATTERN = r"^\d{6}-?\d{7}$"


class RrnQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    rrn: str = Field(pattern=_RRN_PATTERN)
    year: int | None = Field(default=None, ge=2000, le=2100)


class WaterAccountQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    customer_number: str | None = Field(default=None, pattern=r"^\d{6,12}$")
    rrn: str | None = Field(default=None, pattern=_RRN_PATTERN)

    @model_validator(mode="after")
    def _one_key(self) -> WaterAccountQuery:
        if (self.customer_number is None) == (self.rrn is None):
            raise ValueError("give exactly one of customer_number or rrn")
        return self


class CustomerQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    customer_number: str = Field(pattern=r"^\d{6,12}$")


class VehicleQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    vehicle_number: str | None = Field(default=None, pattern=r"^\d{2,3}\s?[가-힣]\s?\d{4}$")
    rrn: str | None = Field(default=None, pattern=_RRN_PATTERN)

    @model_validator(mode="after")
    def _one_key(self) -> VehicleQuery:
        if (self.vehicle_number is None) == (self.rrn is None):
            raise ValueError("give exactly one of vehicle_number or rrn")
        return self


def get_db(request: Request) -> Iterator[Session]:
    """A session on the back office's own database (the engine on ``app.state``)."""
    with Session(request.app.state.engine) as db:
        yield db


def require_key(request: Request, x_api_key: Annotated[str | None, Header()] = None) -> None:
    """401 unless ``X-API-Key`` equals the app's key (constant-time comparison)."""
    expected: str = request.app.state.api_key
    if x_api_key is None or not hmac.compare_digest(x_api_key.encode(), expected.encode()):
        raise HTTPException(status_code=401, detail="missing or wrong X-API-Key")


Db = Annotated[Session, Depends(get_db)]


def create_backoffice_app(*, engine: Engine, api_key: str, faults: FaultState | None = None) -> FastAPI:
    """The back-office app over an already generated database ``engine``; ``api_key`` is the value the
    ``X-API-Key`` header must carry. ``faults`` defaults to none in force."""
    if not api_key:
        raise ValueError("the back office needs an API key")
    fault_state = faults or FaultState()
    app = FastAPI(title="한빛시 back office (reference)", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.faults = fault_state
    app.state.engine = engine
    app.state.api_key = api_key
    auth = [Depends(require_key)]

    def envelope(db: Session, domain: str, items: list[dict[str, Any]] | None) -> dict[str, Any]:
        return {
            "source": SOURCES[domain],
            "as_of": store.as_of_instant(db).isoformat(),
            "subject_found": items is not None,
            "items": items or [],
        }

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        return {"status": "ok", "service": SERVICE_NAME}

    @app.get("/_meta", dependencies=auth)
    def meta(db: Db) -> dict[str, Any]:
        return {"meta": store.read_meta(engine), "counts": store.counts(db=db)}

    @app.post("/local-tax/bills", dependencies=auth)
    def local_tax_bills(body: RrnQuery, db: Db) -> dict[str, Any]:
        return envelope(db, "local_tax", store.tax_bills(db=db, rrn=body.rrn, year=body.year))

    @app.post("/local-tax/arrears", dependencies=auth)
    def local_tax_arrears(body: RrnQuery, db: Db) -> dict[str, Any]:
        return envelope(db, "local_tax", store.tax_arrears(db=db, rrn=body.rrn))

    @app.post("/local-tax/virtual-accounts", dependencies=auth)
    def local_tax_virtual_accounts(body: RrnQuery, db: Db) -> dict[str, Any]:
        bills = store.tax_bills(db=db, rrn=body.rrn, year=body.year)
        items = None
        if bills is not None:
            items = [
                {
                    "bill_no": b["bill_no"],
                    "tax_item_name": b["tax_item_name"],
                    "tax_year": b["tax_year"],
                    "status": b["status"],
                    "amount_due": b["amount_due"],
                    "due_date": b["due_date"],
                    "bank": b["virtual_account"]["bank"],
                    "account_number": b["virtual_account"]["number"],
                }
                for b in bills
                if b["status"] != "paid"
            ]
        return envelope(db, "local_tax", items)

    @app.get("/local-tax/bills/{bill_no}/payment", dependencies=auth)
    def local_tax_payment(bill_no: str, db: Db) -> dict[str, Any]:
        bill = db.scalar(select(TaxBill).where(TaxBill.bill_no == bill_no))
        if bill is None:
            raise HTTPException(status_code=404, detail="no such bill")
        view = store.tax_bill_view(bill, store.as_of_date(db))
        keys = (
            "bill_no",
            "status",
            "amount",
            "paid_on",
            "paid_amount",
            "surcharge",
            "amount_due",
            "due_date",
        )
        return envelope(db, "local_tax", [{k: view[k] for k in keys}])

    @app.post("/water/accounts", dependencies=auth)
    def water_accounts(body: WaterAccountQuery, db: Db) -> dict[str, Any]:
        found = store.water_accounts(db=db, customer_number=body.customer_number, rrn=body.rrn)
        return envelope(db, "water", found or None)

    @app.get("/water/accounts/{customer_number}", dependencies=auth)
    def water_account(customer_number: str, db: Db) -> dict[str, Any]:
        found = store.water_accounts(db=db, customer_number=customer_number)
        if not found:
            raise HTTPException(status_code=404, detail="no such customer")
        return envelope(db, "water", found)

    @app.post("/water/bills", dependencies=auth)
    def water_bills(body: CustomerQuery, db: Db) -> dict[str, Any]:
        return envelope(db, "water", store.water_bills(db=db, customer_number=body.customer_number))

    @app.post("/parking/violations", dependencies=auth)
    def parking_violations(body: VehicleQuery, db: Db) -> dict[str, Any]:
        vehicles = store.parking_vehicles(db=db, vehicle_number=body.vehicle_number, rrn=body.rrn)
        items = store.parking_violations(db=db, vehicle_number=body.vehicle_number, rrn=body.rrn)
        return envelope(db, "parking", items if vehicles else None)

    @app.post("/parking/towing", dependencies=auth)
    def parking_towing(body: VehicleQuery, db: Db) -> dict[str, Any]:
        vehicles = store.parking_vehicles(db=db, vehicle_number=body.vehicle_number, rrn=body.rrn)
        items = store.towings(db=db, vehicle_number=body.vehicle_number, rrn=body.rrn)
        return envelope(db, "parking", items if vehicles else None)

    @app.get("/_faults", dependencies=auth)
    def list_faults(request: Request) -> dict[str, Any]:
        return {"faults": [r.model_dump() for r in request.app.state.faults.rules()]}

    @app.post("/_faults", dependencies=auth)
    def set_faults(rules: FaultRule | list[FaultRule], request: Request) -> dict[str, Any]:
        for rule in rules if isinstance(rules, list) else [rules]:
            request.app.state.faults.set(rule)
        return {"faults": [r.model_dump() for r in request.app.state.faults.rules()]}

    @app.delete("/_faults", dependencies=auth)
    def clear_faults(request: Request, path: str | None = None) -> dict[str, Any]:
        request.app.state.faults.clear(path)
        return {"faults": [r.model_dump() for r in request.app.state.faults.rules()]}

    app.add_middleware(FaultMiddleware, state=fault_state)
    return app
