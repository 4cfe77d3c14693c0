"""Signing in and out of the review UI.

The sign-in form may carry an unsent decision (a reviewer whose session expired while
deciding): after sign-in it is kept as a draft on its item and offered again there.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from proxy.store.models import ReviewItem
from review_ui import drafts
from review_ui.accounts import auth, sessions
from review_ui.headers import frame_policy
from review_ui.web import HOME, LOGIN, gateway, is_htmx, redirect, render, safe_next, signed_in

router = APIRouter(prefix="/review")
EMBED_SUFFIX = "/embed"
DRAFT_FIELDS = ("action", "reason_code", "note", "edited_text")


def _review_in(next_url: str) -> int | None:
    """The item a `next` link points at (/review/items/12 or its embed view)."""
    parts = next_url.split("?", 1)[0].removeprefix("/review/items/").removesuffix(EMBED_SUFFIX)
    return int(parts) if next_url.startswith("/review/items/") and parts.isdecimal() else None


def _frame_policy_for(request: Request, next_url: str) -> str | None:
    """Signing in inside an embedded item may be framed by the origins allowed for its app."""
    review_id = _review_in(next_url)
    if review_id is None or not next_url.split("?", 1)[0].endswith(EMBED_SUFFIX):
        return None
    gw = gateway(request)
    item = gw.store.get_review(review_id)
    app = gw.store.get_app(item.app_id) if item else None
    return frame_policy(app.frame_origins if app else [])


def login_page(request: Request, next_url: str, message: str = "", error: str = "", email: str = "",
               draft: dict[str, str] | None = None, status: int = 200, fragment: bool = False) -> Response:
    """The sign-in form (whole page, or the fragment shown inside an item when a session
    expired), with a fresh double-submit CSRF token."""
    token = sessions.new_login_csrf()
    context: dict[str, Any] = {"next": next_url, "message": message, "error": error, "email": email,
                               "draft": draft or {}, "login_csrf": token, "fragment": fragment,
                               "embed": next_url.split("?", 1)[0].endswith(EMBED_SUFFIX)}
    name = "_relogin.html" if fragment else "login.html"
    response = render(request, name, context, status=status, csp=_frame_policy_for(request, next_url))
    sessions.set_cookie(response, request, gateway(request).settings, sessions.LOGIN_CSRF_COOKIE, token, max_age=3600)
    return response


@router.get("/login")
async def login_form(request: Request, next: str = HOME, expired: str = "") -> Response:
    next_url = safe_next(next)
    gw = gateway(request)
    current, _ = await run_in_threadpool(sessions.current, gw.store, gw.settings, request)
    if current is not None:
        return redirect(request, next_url)
    message = "Your session expired. Sign in again to carry on where you were." if expired else ""
    return await run_in_threadpool(login_page, request, next_url, message)


@router.post("/login")
async def login(request: Request) -> Response:
    gw = gateway(request)
    form = await request.form()
    next_url = safe_next(str(form.get("next") or HOME))
    email = str(form.get("email") or "").strip()[:320]
    draft = {k: str(form.get(f"draft_{k}") or "") for k in DRAFT_FIELDS if form.get(f"draft_{k}")}
    fragment = is_htmx(request) and bool(draft)
    if not sessions.login_csrf_ok(request, str(form.get("csrf_token") or "")):
        return await run_in_threadpool(login_page, request, next_url, "", "The sign-in form had expired; please try "
                                       "again.", email, draft, 400, fragment)
    ip = request.client.host if request.client else "unknown"
    result = await run_in_threadpool(auth.sign_in, gw.store, gw.settings, email, str(form.get("password") or ""), ip)
    if result.user is None:
        return await run_in_threadpool(login_page, request, next_url, "", result.error, email, draft, 401, fragment)
    token = await run_in_threadpool(sessions.start, gw.store, result.user)
    review_id = _review_in(next_url)
    if draft and review_id is not None:
        await run_in_threadpool(_keep_draft, gw.store, review_id, result.user.id or 0, draft)
    response = redirect(request, next_url)
    sessions.set_cookie(response, request, gw.settings, sessions.COOKIE, token, max_age=gw.settings.session_max_s)
    sessions.clear_cookie(response, request, gw.settings, sessions.LOGIN_CSRF_COOKIE)
    return response


def _keep_draft(store: Any, review_id: int, user_id: int, draft: dict[str, str]) -> None:
    """Keeps the unsent decision on its item (shown only to this user, on a page that checks
    they may see the item)."""
    item: ReviewItem | None = store.get_review(review_id)
    if item is None:
        return
    kept = drafts.DraftIn(action=draft.get("action", ""), reason_code=draft.get("reason_code", ""),
                          note=draft.get("note", ""), edited_text=draft.get("edited_text") or None)
    if kept.worth_keeping:
        drafts.keep(store, review_id, user_id, kept, "Your session expired before this was sent.")


@router.post("/logout")
async def logout(request: Request) -> Response:
    gw = gateway(request)
    viewer, current = await signed_in(request)
    form = await request.form()
    if not sessions.csrf_ok(request, current, str(form.get(sessions.CSRF_FIELD) or "")):
        return redirect(request, HOME)
    await run_in_threadpool(sessions.end, gw.store, current.token)
    await run_in_threadpool(gw.store.audit, f"user:{viewer.id}", "auth.logout", f"user:{viewer.email}", {})
    response = redirect(request, f"{LOGIN}?next={HOME}")
    sessions.clear_cookie(response, request, gw.settings, sessions.COOKIE)
    return response
