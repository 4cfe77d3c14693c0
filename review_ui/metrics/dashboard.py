"""The metrics dashboard (`/review/dashboard`) for leads, admins and ML users: the figures
of `review_ui.metrics.figures` for a time range and the apps the viewer is granted, as a table that names what each rate is a
share of, with each reviewer's accuracy on gold items (flagged below the policy's floor), and as charts (Chart.js, vendored under static/, fed from a JSON block in the page:
no inline script, no CDN)."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from proxy.store.models import utcnow
from review_ui.metrics.figures import CAPTIONS, Window, compute
from review_ui.metrics.gold import floors_of
from review_ui.web import gateway, render, signed_in

DASHBOARD_ROLES = frozenset({"lead", "admin", "ml"})
RANGES = {"7d": 7, "30d": 30, "90d": 90, "all": None}
router = APIRouter(prefix="/review/dashboard")


def window_for(range_: str, since: str, until: str, policy: str) -> Window:
    """An explicit since/until (dates, UTC) wins over a preset range; bad dates are ignored."""
    start, end = _date(since), _date(until)
    if start is None and end is None and RANGES.get(range_):
        start = utcnow() - timedelta(days=RANGES[range_] or 0)
    return Window(start, end, policy or None)


def _date(value: str) -> datetime | None:
    try:
        return datetime.fromisoformat(value).replace(tzinfo=UTC) if value else None
    except ValueError:
        return None


@router.get("")
async def dashboard(request: Request, range: str = "30d", since: str = "", until: str = "",
                    policy: str = "") -> Response:
    viewer, current = await signed_in(request)
    if viewer.role not in DASHBOARD_ROLES:
        return render(request, "error.html", {"status": 403, "message": "The dashboard is for leads, admins and ML "
                                              "users."}, status=403, current=current, viewer=viewer)
    window = replace(window_for(range, since, until, policy), app_ids=viewer.app_ids)  # only apps they may see
    gw = gateway(request)
    figures = await run_in_threadpool(compute, gw.store, window, None, floors_of(gw.policies))
    return render(request, "dashboard.html", {
        "figures": figures, "captions": CAPTIONS, "ranges": list(RANGES), "range": range if not (since or until) else "",
        "since": since, "until": until, "policy": policy,
        "figures_json": json.dumps(figures).replace("<", "\\u003c"),  # cannot close the script block
    }, current=current, viewer=viewer)
