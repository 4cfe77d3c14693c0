"""The review UI's HTML routes: the queue, its live refresh, the item page (and its compact
embed view), decisions, the edit preview, releasing a claim.

Decisions go through `review_ui.decisions`, as the JSON API's do. Forms work as plain HTML
posts; htmx (vendored under static/) makes them partial updates, and `keys.js` adds the
keyboard. A decision that cannot be sent is answered inline and never throws away what the
reviewer typed: the form is left as it is, and when the session expired or the claim was
lost the text is also kept server-side as a draft on the item.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import Response
from fastapi.staticfiles import StaticFiles
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData

from proxy.fields import sanitize_text
from proxy.gateway import Gateway
from proxy.guard import check_context, check_text, public_finding
from proxy.http.errors import ApiError
from proxy.store.database import MAX_ID
from proxy.store.models import ReviewItem
from review_ui import decisions, diff, disagreements, drafts, item, queue
from review_ui.accounts import admin, login, sessions
from review_ui.accounts.access import Viewer, masked_candidate, viewer_for
from review_ui.headers import frame_policy
from review_ui.metrics import dashboard
from review_ui.prefs import api as prefs_api
from review_ui.prefs.masking import Masker
from review_ui.templates import make_templates
from review_ui.web import SignInRequired, answer_sign_in, error_page, gateway, is_htmx, redirect, render, signed_in

router = APIRouter(prefix="/review")
STATIC_DIR = Path(__file__).with_name("static")
DONE = {"approved": "approved", "edited": "edited and released", "rejected": "rejected",
        "escalated": "escalated to a lead", "pending": "approved; it now needs a second approver",
        decisions.RECORDED: "decided: your independent decision is recorded"}
KEEP_DRAFT_CODES = {"already_decided", "claimed_by_other", "escalated", "second_approver_needed"}


def install(app: FastAPI) -> None:
    """Adds the review UI to `app`: its routes, its static files, its sign-in redirect."""
    app.state.templates = make_templates()
    app.state.masker = Masker(lambda: gateway_of(app).policies)  # one per app: its NLP pipeline loads once
    app.include_router(login.router)
    app.include_router(router)
    app.include_router(admin.router)
    app.include_router(prefs_api.api_router)
    app.include_router(prefs_api.page_router)
    app.include_router(dashboard.router)
    app.include_router(disagreements.api_router)
    app.include_router(disagreements.page_router)
    app.mount("/review/static", StaticFiles(directory=STATIC_DIR), name="review-static")
    app.add_exception_handler(SignInRequired, answer_sign_in)
    app.state.error_page = error_page


def gateway_of(app: FastAPI) -> Gateway:
    gw: Gateway = app.state.gateway
    return gw


@dataclass(frozen=True)
class FormState:
    """The decision form as the reviewer left it: put back on the page after an error."""

    action: str = ""
    reason_code: str = ""
    note: str = ""
    edited_text: str | None = None
    candidate: str = ""
    ranking: str = ""

    @classmethod
    def from_form(cls, form: FormData) -> FormState:
        def value(name: str) -> str:
            return str(form.get(name) or "")

        action = value("action")
        return cls(action=action if action in decisions.ACTIONS else "", reason_code=value("reason_code"),
                   note=value("note"), edited_text=value("edited_text") if action == "edit" else None,
                   candidate=value("candidate_index"), ranking=value("ranking"))

    @property
    def ranking_list(self) -> list[int]:
        return [int(p) for p in self.ranking.split(",") if p.strip().isdecimal()]

    def to_decision(self) -> decisions.DecisionIn:
        parts = [p.strip() for p in self.ranking.split(",") if p.strip()]
        if any(not p.isdecimal() for p in parts) or (self.candidate and not self.candidate.isdecimal()):
            raise ApiError(400, "The ranking or the chosen candidate is not a list of candidate numbers.",
                           "invalid_ranking", "ranking")
        if not self.action:
            raise ApiError(400, "Choose approve, edit, reject or escalate.", "invalid_action", "action")
        if not self.reason_code:
            raise ApiError(400, "Choose a reason code (keys 1–9): every decision needs one; a note alone is not "
                                "enough.", "invalid_reason_code", "reason_code")
        return decisions.DecisionIn(self.action, self.reason_code, self.note, self.edited_text,
                                    int(self.candidate) if self.candidate else None, [int(p) for p in parts] or None)

    def as_draft(self) -> drafts.DraftIn:
        return drafts.DraftIn(self.action, self.reason_code, self.note, self.edited_text)


# --- the queue ------------------------------------------------------------------------


@router.get("")
async def queue_page(request: Request, after: int = 0, did: str = "") -> Response:
    viewer, current = await signed_in(request)
    gw = gateway(request)
    filters = queue.Filters.from_query(request.query_params)
    view = await run_in_threadpool(queue.load, gw.store, viewer, filters, gw.settings.claim_timeout_s)
    return render(request, "queue.html", {
        "queue": view, "filters": filters, "statuses": queue.STATUSES, "modes": queue.MODES,
        "filter_query": urlencode(filters.as_query()), "done": _done(after, did),
        "refresh_s": gw.settings.queue_refresh_s,
    }, current=current, viewer=viewer)


@router.get("/queue/updates")
async def queue_updates(request: Request, ids: str = "", newest: int = 0) -> Response:
    """Live refresh: new states for the rows on screen (which never move) and a count of
    new arrivals, as out-of-band swaps."""
    viewer, current = await signed_in(request)
    gw = gateway(request)
    filters = queue.Filters.from_query(request.query_params)
    wanted = [int(i) for i in ids.split(",") if i.isdecimal() and int(i) <= MAX_ID]
    rows = await run_in_threadpool(queue.rows_by_id, gw.store, viewer, wanted, gw.settings.claim_timeout_s)
    summary = await run_in_threadpool(queue.load, gw.store, viewer, filters, gw.settings.claim_timeout_s, 0)
    arrived = await run_in_threadpool(queue.newer_than, gw.store, viewer, filters,
                                      max(0, min(newest, MAX_ID)))
    return render(request, "_queue_updates.html", {
        "rows": rows, "queue": summary, "arrived": arrived, "filter_query": urlencode(filters.as_query()),
        "viewer_id": viewer.id}, current=current, viewer=viewer)


def _done(after: int, did: str) -> str:
    return f"Review #{after} {DONE[did]}." if after and did in DONE else ""


# --- the item -------------------------------------------------------------------------


@router.get("/items/{review_id}")
async def item_page(review_id: int, request: Request, action: str = "", after: int = 0, did: str = "") -> Response:
    viewer, current = await signed_in(request)
    state = FormState(action=action if action in decisions.ACTIONS else "")
    return await _item(request, viewer, current, review_id, state, opened=True, done=_done(after, did))


@router.get("/items/{review_id}/embed")
async def embed_page(review_id: int, request: Request, did: str = "") -> Response:
    viewer, current = await signed_in(request)
    done = f"Decided: {DONE[did]}." if did in DONE else ""
    return await _item(request, viewer, current, review_id, FormState(), opened=True, embed=True, done=done)


async def _item(request: Request, viewer: Viewer, current: sessions.Current, review_id: int, state: FormState,
                opened: bool = False, embed: bool = False, done: str = "", error: ApiError | None = None) -> Response:
    gw = gateway(request)
    try:
        if opened:
            found = await run_in_threadpool(decisions.view, gw, viewer, review_id)
        else:
            found = await run_in_threadpool(decisions.visible_item, gw, viewer, review_id)
    except ApiError as exc:
        return render(request, "error.html", {"status": exc.status, "message": exc.message}, status=exc.status,
                      current=current, viewer=viewer)
    view = await run_in_threadpool(item.build, gw, found, None if viewer.sees_raw else request.app.state.masker,
                                   viewer.id)
    draft = await run_in_threadpool(drafts.kept, gw.store, review_id, viewer.id)
    if draft is not None and not state.action and error is None:
        state = FormState(draft.action, draft.reason_code, draft.note, draft.edited_text)
    context = {"v": view, "form": state, "draft": draft, "done": done, "why_not": _why_not(viewer, view),
               "error": error, "error_findings": (error.details.get("findings") if error else None) or [],
               "embed": embed}
    return render(request, "embed.html" if embed else "item.html", context, status=error.status if error else 200,
                  current=current, viewer=viewer, csp=frame_policy(view.frame_origins) if embed else None)


def _why_not(viewer: Viewer, view: item.ItemView) -> str:
    """Why this viewer cannot decide the item now ("" when they can)."""
    it = view.item
    if not viewer.can_decide:
        return f"Your role ({viewer.role}) can read items but not decide them."
    if view.decided_blind:
        return "You decided this item; it now waits for other reviewers' independent decisions."
    if it.status == "expired":
        shown = "released" if view.policy.timeout_action == "release" else "blocked"
        return (f"This hold timed out at {it.decided_at:%H:%M} UTC: the policy's timeout action applied, and the "
                f"output was {shown}." if it.decided_at else "This hold timed out.")
    if it.status in decisions.DECIDED:
        return f"This item is {it.status}; nothing is left to decide."
    if it.status == "escalated" and not viewer.is_lead:
        return "This item was escalated and waits for a lead."
    if view.claimer_id is not None and view.claimer_id != viewer.id:
        until = f" until {view.claim_until:%H:%M} UTC" if view.claim_until else ""
        return f"Claimed by {view.claimer}{until}. You can read it; decide it once the claim is released or lapses."
    if it.two_person and it.first_approver_id == viewer.id:
        return "You gave the first approval; a second reviewer must approve it."
    return ""


@router.post("/items/{review_id}/decision")
async def post_decision(review_id: int, request: Request) -> Response:
    gw = gateway(request)
    form = await request.form()
    state = FormState.from_form(form)
    embed = form.get("embed") == "1"
    current, _ = await run_in_threadpool(sessions.current, gw.store, gw.settings, request)
    if current is None:
        draft = {k: v for k, v in state.as_draft().__dict__.items() if v}
        target = f"/review/items/{review_id}" + ("/embed" if embed else "")
        message = ("Your session expired, so this decision was not sent. What you typed is kept: sign in and "
                   "it will be waiting on this item.")
        return await run_in_threadpool(login.login_page, request, target, message, "", "", draft, 401, is_htmx(request))
    viewer = await run_in_threadpool(viewer_for, gw.store, current.user)
    try:
        if not sessions.csrf_ok(request, current, str(form.get(sessions.CSRF_FIELD) or "")):
            raise ApiError(403, "This page is out of date (its security token does not match your session). Copy "
                                "anything you typed, then reload the item. Nothing was changed.", "csrf_failed")
        outcome = await run_in_threadpool(decisions.decide, gw, viewer, review_id, state.to_decision())
    except ApiError as exc:
        if exc.code in KEEP_DRAFT_CODES and state.as_draft().worth_keeping:
            why = f"Not sent: {exc.message}"
            await run_in_threadpool(drafts.keep, gw.store, review_id, viewer.id, state.as_draft(), why)
        if is_htmx(request):
            return render(request, "_decision_error.html", {"error": exc, "findings": exc.details.get("findings", []),
                                                            "kept": exc.code in KEEP_DRAFT_CODES},
                          status=exc.status, current=current, viewer=viewer)
        return await _item(request, viewer, current, review_id, state, embed=embed, error=exc)
    if embed:
        return redirect(request, f"/review/items/{review_id}/embed?did={outcome.status}")
    following = await run_in_threadpool(queue.next_open, gw.store, viewer, gw.settings.claim_timeout_s, {review_id})
    query = urlencode({"after": review_id, "did": outcome.status})
    return redirect(request, f"/review/items/{following}?{query}" if following else f"/review?{query}")


@router.post("/items/{review_id}/diff")
async def edit_preview(review_id: int, request: Request) -> Response:
    """The edit's diff against the original and what the policy will do with it. Never
    redirects: an expired session must not take the reviewer away from their text."""
    gw = gateway(request)
    form = await request.form()
    current, _ = await run_in_threadpool(sessions.current, gw.store, gw.settings, request)
    if current is None or not sessions.csrf_ok(request, current, str(form.get(sessions.CSRF_FIELD) or "")):
        return render(request, "_diff.html", {"expired": True})
    viewer = await run_in_threadpool(viewer_for, gw.store, current.user)
    try:
        found = await run_in_threadpool(decisions.visible_item, gw, viewer, review_id)
    except ApiError as exc:
        return render(request, "error.html", {"status": exc.status, "message": exc.message}, status=exc.status)
    edited = str(form.get("edited_text") or "")
    candidate = str(form.get("candidate_index") or "")
    context = await run_in_threadpool(_preview, gw, found, edited, int(candidate) if candidate.isdecimal() else 0,
                                      viewer.sees_raw)
    return render(request, "_diff.html", {"expired": False, **context}, current=current, viewer=viewer)


def _preview(gw: Gateway, found: ReviewItem, edited: str, index: int, raw: bool) -> dict[str, Any]:
    """The edit's diff against the candidate: its raw text only for a viewer who may read it."""
    interaction = gw.store.get_interaction(found.interaction_id)
    loaded = gw.policies.get(found.policy)
    stored = interaction.candidates if interaction else []
    candidates = stored if raw else [masked_candidate(c) for c in stored]
    message = candidates[index]["message"] if 0 <= index < len(candidates) else {}
    content = message.get("content")
    original = content if isinstance(content, str) else ""
    text = sanitize_text(edited[:decisions.MAX_EDIT_CHARS])
    fixed, findings = (check_text(loaded, text, check_context(interaction.request, interaction.request_metadata))
                       if loaded and interaction and text.strip() else (text, []))
    return {"pieces": diff.pieces(original, text), "blocking": [public_finding(f) for f in findings if f.action == "block"],
            "fixed": fixed if fixed != text else None, "unchanged": original == text}


@router.post("/items/{review_id}/release")
async def release_claim(review_id: int, request: Request) -> Response:
    viewer, current = await signed_in(request)
    gw = gateway(request)
    form = await request.form()
    if sessions.csrf_ok(request, current, str(form.get(sessions.CSRF_FIELD) or "")):
        try:
            await run_in_threadpool(decisions.release, gw, viewer, review_id)
        except ApiError as exc:
            return render(request, "error.html", {"status": exc.status, "message": exc.message}, status=exc.status,
                          current=current, viewer=viewer)
    return redirect(request, "/review")

