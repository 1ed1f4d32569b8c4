"""ASGI application factory: assembles the routers. Nothing imports this module."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from sqlalchemy.exc import DataError
from starlette.exceptions import HTTPException as StarletteHTTPException

from minwon import __version__
from minwon.accounts.deps import CsrfFailed, LoginRequired
from minwon.config import get_settings
from minwon.core import logfilter
from minwon.core.errors import MinwonError
from minwon.core.i18n import gettext
from minwon.web import auth_pages
from minwon.web.templating import TEMPLATE_DIR, render, request_locale


def _wants_html(request: Request) -> bool:
    return not request.url.path.startswith("/api/") and "text/html" in request.headers.get("accept", "")


def create_app() -> FastAPI:
    """Build the app: pages, JSON API (``/api/v1``), static files and error handlers."""
    get_settings()  # fail fast on bad settings (e.g. default secrets in production)
    logfilter.install()
    app = FastAPI(title="minwon", version=__version__, docs_url="/api/docs", openapi_url="/api/openapi.json")
    app.mount("/static", StaticFiles(directory=TEMPLATE_DIR.parent / "static"), name="static")
    app.include_router(auth_pages.router)
    _register_domain_routers(app)

    @app.exception_handler(LoginRequired)
    async def _login_required(request: Request, _exc: LoginRequired) -> Response:
        if request.url.path.startswith("/api/") or request.headers.get("hx-request"):
            return JSONResponse({"error": "LoginRequired", "message": "sign in first"}, status_code=401)
        return RedirectResponse("/login", status_code=303)

    @app.exception_handler(CsrfFailed)
    async def _csrf_failed(request: Request, _exc: CsrfFailed) -> Response:
        msg = gettext(request_locale(request), "The form is out of date (security token). Reload the page.")
        return JSONResponse({"error": "CsrfFailed", "message": msg}, status_code=403)

    @app.exception_handler(MinwonError)
    async def _domain_error(request: Request, exc: MinwonError) -> Response:
        if _wants_html(request) and not request.headers.get("hx-request"):
            msg = gettext(request_locale(request), exc.message)
            return render(request, "error.html", {"message": msg}, status_code=exc.status_code)
        body = exc.as_dict()
        if request.headers.get("hx-request"):
            # The desk shows this message to the user: in their language (the JSON API stays English).
            body["message"] = gettext(request_locale(request), exc.message)
        return JSONResponse(body, status_code=exc.status_code)

    @app.exception_handler(RequestValidationError)
    async def _bad_request(_request: Request, exc: RequestValidationError) -> Response:
        errors = _field_errors(exc)
        first = errors[0] if errors else {"field": None, "message": "invalid input"}
        return JSONResponse(
            {
                "error": "ValidationError",
                "message": f"{first['field']}: {first['message']}"
                if first["field"]
                else str(first["message"]),
                "field": first["field"],
                "errors": errors,
            },
            status_code=422,
        )

    @app.exception_handler(OverflowError)
    @app.exception_handler(DataError)
    async def _out_of_range(request: Request, _exc: Exception) -> Response:
        # an id or date far beyond what the database stores (e.g. a 40-digit id in a URL)
        msg = gettext(request_locale(request), "A number or date in the request is out of range.")
        return JSONResponse({"error": "ValidationError", "message": msg, "field": None}, status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if _wants_html(request) and not request.headers.get("hx-request") and exc.status_code in (404, 405):
            msg = gettext(request_locale(request), "This page does not exist.")
            return render(request, "error.html", {"message": msg}, status_code=exc.status_code)
        return JSONResponse(
            {"error": "HTTPError", "message": str(exc.detail), "detail": exc.detail, "field": None},
            status_code=exc.status_code,
            headers=getattr(exc, "headers", None),
        )

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> dict[str, str]:
        return {"status": "ok", "version": __version__}

    return app


def _field_errors(exc: RequestValidationError) -> list[dict[str, str | None]]:
    """Validation errors as ``{field, message}``, the field named as the client sent it.

    Union branches (``TelephonyEvent`` vs ``list[TelephonyEvent]``) add type names to the location;
    they are dropped, and errors that name a field come first.
    """
    out: list[dict[str, str | None]] = []
    for err in exc.errors():
        parts = [
            str(p)
            for p in err["loc"]
            if p not in ("body", "query", "form", "path", "header")
            and not (isinstance(p, str) and (p[:1].isupper() or "[" in p))
        ]
        item: dict[str, str | None] = {"field": ".".join(parts) or None, "message": str(err["msg"])}
        if item not in out:
            out.append(item)
    return sorted(out, key=lambda e: e["field"] is None)


def _register_domain_routers(app: FastAPI) -> None:
    """Each domain contributes a JSON router and/or pages; they are imported only here."""
    from minwon.contacts import router as contacts_api
    from minwon.knowledge import router as knowledge_api
    from minwon.telephony import router as telephony_api
    from minwon.web import (
        admin,
        capa_pages,
        cases_pages,
        desk,
        feedback_pages,
        kb_pages,
        linkage_pages,
        live,
        notices_admin,
        notifications_pages,
        petitions_admin,
        quality_eval,
        report_pages,
        routing_pages,
        search_admin,
        status_pages,
        supervisor,
        survey_public,
        weather,
        workforce,
    )

    for module in (
        telephony_api,
        contacts_api,
        knowledge_api,
        desk,
        cases_pages,
        supervisor,
        admin,
        notices_admin,
        search_admin,
        petitions_admin,
        live,
        weather,
        workforce,
        routing_pages,
        linkage_pages,
        kb_pages,
        capa_pages,
        status_pages,
        notifications_pages,
        feedback_pages,
        survey_public,
        quality_eval,
        report_pages,
    ):
        app.include_router(module.router)
