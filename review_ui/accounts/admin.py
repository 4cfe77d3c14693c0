"""The admin page: users with their roles and granted apps, and each app's settings
(webhook, origins allowed to frame its embedded items). Grants and frame origins can be
changed here as with the CLI; every change goes to the audit log as the admin."""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from proxy.store.database import StoreError
from review_ui.accounts import sessions
from review_ui.web import gateway, redirect, render, signed_in

router = APIRouter(prefix="/review/admin")


def origin_list(text: str) -> list[str]:
    """Origins as an admin types them (spaces, commas or lines); each must be scheme://host[:port]."""
    origins = [o.strip().rstrip("/") for o in text.replace(",", " ").split() if o.strip()]
    for origin in origins:
        scheme, _, rest = origin.partition("://")
        if scheme not in ("http", "https") or not rest or "/" in rest or "'" in origin or ";" in origin:
            raise ValueError(f"'{origin}' is not an origin like https://crm.example.com")
    return origins


@router.get("")
async def admin_page(request: Request, message: str = "", error: str = "") -> Response:
    viewer, current = await signed_in(request)
    if not viewer.is_admin:
        return render(request, "error.html", {"status": 403, "message": "Only admins manage users and apps."},
                      status=403, current=current, viewer=viewer)
    gw = gateway(request)
    users = await run_in_threadpool(gw.store.list_users)
    apps = await run_in_threadpool(gw.store.list_apps)
    return render(request, "admin.html", {"users": users, "apps": apps, "message": message[:200], "error": error[:300]},
                  current=current, viewer=viewer)


@router.post("/grants")
async def change_grant(request: Request) -> Response:
    viewer, current = await signed_in(request)
    form = await request.form()
    if not viewer.is_admin or not sessions.csrf_ok(request, current, str(form.get(sessions.CSRF_FIELD) or "")):
        return render(request, "error.html", {"status": 403, "message": "Only admins manage grants (or the page was "
                                              "out of date: reload it)."}, status=403, current=current, viewer=viewer)
    gw = gateway(request)
    email, app, op = (str(form.get(k) or "").strip() for k in ("email", "app", "op"))
    change = gw.store.grant if op == "grant" else gw.store.revoke_grant
    try:
        changed = await run_in_threadpool(change, email, app, f"user:{viewer.id}")
    except StoreError as exc:
        return redirect(request, "/review/admin?" + urlencode({"error": str(exc)}))
    verb = "granted" if op == "grant" else "revoked"
    done = f"{app} {verb} for {email}" + ("" if changed else " (no change)")
    return redirect(request, "/review/admin?" + urlencode({"message": done}))


@router.post("/apps/{name}/frame-origins")
async def set_frame_origins(name: str, request: Request) -> Response:
    viewer, current = await signed_in(request)
    form = await request.form()
    if not viewer.is_admin or not sessions.csrf_ok(request, current, str(form.get(sessions.CSRF_FIELD) or "")):
        return render(request, "error.html", {"status": 403, "message": "Only admins change apps (or the page was out "
                                              "of date: reload it)."}, status=403, current=current, viewer=viewer)
    gw = gateway(request)
    try:
        origins = origin_list(str(form.get("origins") or ""))
        await run_in_threadpool(gw.store.set_frame_origins, name, origins, f"user:{viewer.id}")
    except (ValueError, StoreError) as exc:
        return redirect(request, "/review/admin?" + urlencode({"error": str(exc)}))
    return redirect(request, "/review/admin?" + urlencode({"message": f"Frame origins of {name} saved"}))
