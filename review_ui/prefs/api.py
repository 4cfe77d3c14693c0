"""Preference data for `ml` and `admin` users over HTTP: the paginated JSON API
(`GET /api/export`, bearer token) and the export page with its download (`/review/export`,
browser session). Always masked; only the apps granted to the user (admins: all). A
download is written to a temporary file (`review_ui.prefs.export.write`), sent, then
deleted, and recorded in the audit log.
"""

from __future__ import annotations

import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, Response
from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool

from proxy.gateway import Gateway
from proxy.http.errors import ApiError
from proxy.http.requests import bearer_token
from proxy.store.database import StoreError
from review_ui.accounts.access import Viewer, viewer_for
from review_ui.prefs import formats, source
from review_ui.prefs.export import ExportError, Selection, page, write
from review_ui.prefs.masking import Masker
from review_ui.web import gateway, render, signed_in

EXPORT_ROLES = frozenset({"ml", "admin"})
api_router = APIRouter(prefix="/api")
page_router = APIRouter(prefix="/review/export")


def _when(value: str | None, name: str) -> datetime | None:
    if not value:
        return None
    try:
        when = datetime.fromisoformat(value)
    except ValueError:
        raise ApiError(400, f"{name}: {value!r} is not a date (YYYY-MM-DD or ISO 8601).", "invalid_request", name) from None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def selection_for(gw: Gateway, viewer: Viewer, query: dict[str, str]) -> Selection:
    """The selection a query string asks for, narrowed to the apps the viewer may see."""
    app_ids = viewer.app_ids
    if query.get("app"):
        try:
            wanted = gw.store.app_named(query["app"]).id or 0
        except StoreError:
            raise ApiError(404, f"No app {query['app']!r}.", "app_not_found", "app") from None
        if app_ids is not None and wanted not in app_ids:
            raise ApiError(404, f"No app {query['app']!r}.", "app_not_found", "app")
        app_ids = frozenset({wanted})
    try:
        agreement = float(query["min_agreement"]) if query.get("min_agreement") else None
    except ValueError:
        raise ApiError(400, "min_agreement must be a number from 0 to 1.", "invalid_request", "min_agreement") from None
    filters = source.Filters(_when(query.get("since"), "since"), _when(query.get("until"), "until"), app_ids,
                             query.get("policy") or None)
    return Selection(filters, query.get("reason") or None, agreement)


def _may_export(viewer: Viewer) -> None:
    if viewer.role not in EXPORT_ROLES:
        raise ApiError(403, f"Role '{viewer.role}' cannot export preference data (ml or admin only).", "forbidden")


def _masker(gw: Gateway) -> Masker:
    return Masker(lambda: gw.policies)


@api_router.get("/export")
async def export_page(request: Request, format: str = "trl", cursor: int = 0, limit: int = 100) -> dict[str, Any]:
    gw: Gateway = request.app.state.gateway
    token = bearer_token(request)
    user = await run_in_threadpool(gw.store.user_for_token, token) if token else None
    if user is None:
        raise ApiError(401, "Missing or invalid user token: create one with 'loopguard users create'.", "invalid_token")
    viewer = await run_in_threadpool(viewer_for, gw.store, user)
    _may_export(viewer)
    selection = await run_in_threadpool(selection_for, gw, viewer, dict(request.query_params))
    try:
        rows, next_cursor = await run_in_threadpool(page, gw.store, format, selection, _masker(gw), cursor,
                                                    min(max(limit, 1), 1000))
    except ExportError as exc:
        raise ApiError(400, str(exc), "invalid_request", "format") from exc
    return {"object": "list", "format": format, "data": rows, "next_cursor": next_cursor}


@page_router.get("")
async def export_form(request: Request) -> Response:
    viewer, current = await signed_in(request)
    if viewer.role not in EXPORT_ROLES:
        return render(request, "error.html", {"status": 403, "message": "Only ml and admin users export data."},
                      status=403, current=current, viewer=viewer)
    apps = [a for a in await run_in_threadpool(gateway(request).store.list_apps) if viewer.sees(a.id or 0)]
    return render(request, "export.html", {"formats": formats.FORMATS, "apps": apps}, current=current, viewer=viewer)


@page_router.get("/download")
async def download(request: Request, format: str = "trl") -> Response:
    viewer, current = await signed_in(request)
    gw = gateway(request)
    if viewer.role not in EXPORT_ROLES:
        return render(request, "error.html", {"status": 403, "message": "Only ml and admin users export data."},
                      status=403, current=current, viewer=viewer)
    selection = await run_in_threadpool(selection_for, gw, viewer, dict(request.query_params))
    directory = Path(tempfile.mkdtemp(prefix="loopguard-export-"))
    name = f"loopguard-{format}.{'parquet' if format == 'parquet' else 'jsonl'}"
    try:
        summary = await run_in_threadpool(write, gw.store, format, directory / name, selection, _masker(gw))
    except ExportError as exc:
        _remove(directory)
        return render(request, "error.html", {"status": 400, "message": str(exc)}, status=400, current=current,
                      viewer=viewer)
    await run_in_threadpool(gw.store.audit, f"user:{viewer.id}", "export.download", f"export:{name}",
                            {"format": format, "rows": summary.rows, "masked": True, "query": dict(request.query_params)})
    return FileResponse(directory / name, filename=name, background=BackgroundTask(_remove, directory))


def _remove(directory: Path) -> None:
    for path in directory.iterdir():
        path.unlink()
    directory.rmdir()
