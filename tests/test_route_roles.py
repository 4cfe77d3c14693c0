"""Every route × every role against one table of who may use what.

ROUTES is the table: one row per route (method, path), the roles allowed on it, and the
request that exercises it. A new route is one row. The walk sends each row's request as each
role against the real server and checks that an allowed role is served (whatever the
business answer: 200, 303 onwards, 400, 409...) and any other role is refused (401 or 403, or
for the review UI's pages a redirect to the sign-in page). A route the server has that the
table lacks fails `test_the_table_lists_every_route_the_server_has`.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import httpx
import pytest

from tests.conftest import Proxy
from tests.review_helpers import app_key, deferred, person

USERS = frozenset({"reviewer", "lead", "admin", "ml"})
DECIDERS = frozenset({"reviewer", "lead", "admin"})
APP = frozenset({"app"})
ADMIN = frozenset({"admin"})
EXPORTERS = frozenset({"ml", "admin"})
DASHBOARD = frozenset({"lead", "admin", "ml"})
LEADS = frozenset({"lead", "admin"})
RULING = {"action": "approve", "reason_code": "not-a-code"}  # refused after the role check: not an overlap item
EVERYONE = USERS | APP | {"anonymous"}
ROLES = sorted(EVERYONE)


@dataclass(frozen=True)
class Route:
    method: str
    path: str  # as the server declares it; {review_id} and {name} are filled in
    allowed: frozenset[str]
    json: dict[str, Any] | None = None
    form: dict[str, str] | None = None  # a page's form (the CSRF token is added for signed-in users)
    query: str = ""


DECISION = {"action": "approve", "reason_code": "not-a-code"}  # refused after the role check, changes nothing
ROUTES: list[Route] = [
    Route("GET", "/healthz", EVERYONE),
    Route("GET", "/readyz", EVERYONE),
    Route("GET", "/metrics", EVERYONE),  # Prometheus scrapes every process: counts and timings, no text
    Route("GET", "/openapi.json", EVERYONE),
    Route("GET", "/v1/models", APP),
    Route("POST", "/v1/chat/completions", APP, json={"model": "fake-model", "messages": [{"role": "user", "content": "hi"}]}),
    Route("GET", "/v1/reviews/{review_id}", APP),
    Route("GET", "/api/reviews", USERS),
    Route("GET", "/api/reviews/{review_id}", USERS),
    Route("POST", "/api/reviews/{review_id}/claim", DECIDERS),
    Route("POST", "/api/reviews/{review_id}/decision", DECIDERS, json=DECISION),
    Route("GET", "/api/queue", USERS),
    Route("POST", "/api/queue/claim", DECIDERS),
    Route("GET", "/review/login", EVERYONE),
    Route("POST", "/review/login", EVERYONE, form={"email": "nobody@example.com", "password": "x"}),
    Route("POST", "/review/logout", USERS, form={}),
    Route("GET", "/review", USERS),
    Route("GET", "/review/queue/updates", USERS, query="ids=1,2&newest=0"),
    Route("GET", "/review/items/{review_id}", USERS),
    Route("GET", "/review/items/{review_id}/embed", USERS),
    Route("POST", "/review/items/{review_id}/decision", DECIDERS, form=DECISION),
    Route("POST", "/review/items/{review_id}/diff", USERS, form={"edited_text": "shorter", "candidate_index": "0"}),
    Route("POST", "/review/items/{review_id}/release", USERS, form={}),
    Route("GET", "/review/admin", ADMIN),
    Route("POST", "/review/admin/grants", ADMIN, form={"email": "nobody@example.com", "app": "roles-app", "op": "grant"}),
    Route("POST", "/review/admin/apps/{name}/frame-origins", ADMIN, form={"origins": ""}),
    Route("GET", "/api/export", EXPORTERS, query="format=trl&limit=5"),
    Route("GET", "/review/export", EXPORTERS),
    Route("GET", "/review/export/download", EXPORTERS, query="format=jsonl"),
    Route("GET", "/review/dashboard", DASHBOARD),
    Route("GET", "/api/disagreements", LEADS),
    Route("POST", "/api/reviews/{review_id}/adjudication", LEADS, json=RULING),
    Route("GET", "/review/disagreements", LEADS),
    Route("POST", "/review/disagreements/{review_id}", LEADS, form=RULING),
    Route("GET", "/review/static/review.css", EVERYONE),
]


@dataclass
class Caller:
    """One role's credentials: a bearer token (app key or user API token) and a browser session."""

    role: str
    bearer: str | None = None
    session: str | None = None
    csrf: str = ""
    cookies: dict[str, str] = field(default_factory=dict)


@pytest.fixture(scope="module")
def world(proxy: Proxy) -> Iterator[tuple[dict[str, Caller], int]]:
    from review_ui.accounts import sessions

    key = app_key(proxy, "roles-app")
    review_id = deferred(proxy, "roles-app", "REPLY: We can do 35% off this quarter.")
    store = proxy.store()
    callers = {"app": Caller("app", bearer=key), "anonymous": Caller("anonymous")}
    for role in sorted(USERS):
        email = f"roles-{role}@example.com"
        token = person(proxy, email, role, ["roles-app"])
        user = store.user_by_email(email)
        assert user is not None
        session = sessions.start(store, user)
        callers[role] = Caller(role, bearer=token, session=session, csrf=sessions.csrf_token(session),
                               cookies={sessions.COOKIE: session})
    yield callers, review_id


def _send(proxy: Proxy, route: Route, caller: Caller, review_id: int) -> httpx.Response:
    path = route.path.format(review_id=review_id, name="roles-app") + (f"?{route.query}" if route.query else "")
    headers = {"Authorization": f"Bearer {caller.bearer}"} if caller.bearer else {}
    form = None if route.form is None else {**route.form, "csrf_token": caller.csrf}
    with httpx.Client(base_url=proxy.root, cookies=caller.cookies, timeout=30) as client:
        return client.request(route.method, path, headers=headers, json=route.json, data=form)


def _refused(response: httpx.Response) -> bool:
    """401/403, or the sign-in page asked to come back to the refused page (signing out also
    ends on the sign-in page, but not asked to come back)."""
    if response.status_code in (401, 403):
        return True
    if response.status_code in (302, 303):
        return response.headers["location"].startswith(f"/review/login?next={quote(response.request.url.path, safe='')}")
    # the edit preview answers an unsigned request with its "session expired" fragment, never a redirect
    return "Your session expired" in response.text


@pytest.mark.parametrize("route", ROUTES, ids=[f"{r.method} {r.path}" for r in ROUTES])
def test_every_role_gets_exactly_what_the_table_allows(proxy: Proxy, world: tuple[dict[str, Caller], int],
                                                        route: Route) -> None:
    callers, review_id = world
    wrong = []
    for role in ROLES:
        response = _send(proxy, route, callers[role], review_id)
        assert response.status_code < 500, f"{role}: {response.status_code} {response.text[:200]}"
        if _refused(response) == (role in route.allowed):
            wrong.append(f"{role}: {response.status_code} {response.text[:120]!r}")
    if route.path == "/review/logout":  # signed out: the walk goes on with fresh sessions
        _renew_sessions(proxy, callers)
    assert not wrong, f"{route.method} {route.path}: " + "; ".join(wrong)


def _renew_sessions(proxy: Proxy, callers: dict[str, Caller]) -> None:
    from review_ui.accounts import sessions

    store = proxy.store()
    for caller in callers.values():
        if caller.session is not None:
            user = store.user_by_email(f"roles-{caller.role}@example.com")
            assert user is not None
            caller.session = sessions.start(store, user)
            caller.csrf, caller.cookies = sessions.csrf_token(caller.session), {sessions.COOKIE: caller.session}


def test_the_table_lists_every_route_the_server_has(proxy: Proxy) -> None:
    schema = httpx.get(f"{proxy.root}/openapi.json").json()
    served = {(method.upper(), path) for path, item in schema["paths"].items() for method in item}
    served |= {("GET", "/openapi.json"), ("GET", "/review/static/review.css")}  # the schema itself, static files
    assert served == {(r.method, r.path) for r in ROUTES}


def test_ml_reads_items_only_as_guarded_never_the_raw_candidates(proxy: Proxy,
                                                                world: tuple[dict[str, Caller], int]) -> None:
    callers, _ = world
    review_id = deferred(proxy, "roles-app", "REPLY: We can do 35% off; write to dana.lee@example.com today.")
    raw = _send(proxy, Route("GET", "/api/reviews/{review_id}", USERS), callers["reviewer"], review_id).json()
    masked = _send(proxy, Route("GET", "/api/reviews/{review_id}", USERS), callers["ml"], review_id).json()
    assert "dana.lee@example.com" in raw["candidates"][0]["message"]["content"]
    assert "dana.lee@example.com" not in str(masked["candidates"]) and masked["candidates"][0]["message"]["content"]
    page = _send(proxy, Route("GET", "/review/items/{review_id}", USERS), callers["ml"], review_id)
    output = page.text.split('id="out-h"', 1)[1]  # the candidates, after the conversation that asked for them
    assert page.status_code == 200 and "dana.lee@example.com" not in output and "&lt;EMAIL_ADDRESS&gt;" in output
    lead = _send(proxy, Route("GET", "/review/items/{review_id}", USERS), callers["lead"], review_id)
    assert "dana.lee@example.com" in lead.text.split('id="out-h"', 1)[1]
