"""The review UI over plain HTTP: security headers, the embed view's frame ancestors, sign-in
redirects, bad form input, and `serve --routes`."""

from __future__ import annotations

import re

import httpx
import pytest
from playwright.sync_api import Browser, expect

from proxy.services import free_port
from review_ui.accounts.admin import origin_list
from review_ui.web import safe_next
from tests.conftest import Proxy, run_cli, start_server
from tests.review_helpers import PASSWORD, deferred, person, signed_in
from tests.webhook_receiver import Receiver


def session(proxy: Proxy, email: str) -> httpx.Client:
    """An HTTP client signed in through the form (cookie jar and all)."""
    client = httpx.Client(base_url=proxy.root, follow_redirects=False, timeout=10)
    proxy.clients.append(client)
    page = client.get("/review/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token
    done = client.post("/review/login", data={"email": email, "password": PASSWORD, "csrf_token": token.group(1),
                                              "next": "/review"})
    assert done.status_code == 303, done.text
    return client


def test_pages_forbid_framing_and_inline_script(proxy: Proxy) -> None:
    person(proxy, "headers@example.com", "reviewer", [])
    client = session(proxy, "headers@example.com")
    for path in ("/review", "/review/login"):
        response = client.get(path)
        csp = response.headers["content-security-policy"]
        assert "script-src 'self'" in csp and "style-src 'self'" in csp and "frame-ancestors 'none'" in csp
        assert "unsafe-inline" not in csp
        assert response.headers["x-frame-options"] == "DENY" and response.headers["x-content-type-options"] == "nosniff"
        assert "<script>" not in response.text and " style=" not in response.text and " on" + "click=" not in response.text
    cookie = next(c for c in client.cookies.jar if c.name == "lg_session")
    assert cookie.has_nonstandard_attr("HttpOnly") and not cookie.secure  # http on 127.0.0.1; https gets Secure
    assert (cookie.get_nonstandard_attr("SameSite") or "").lower() == "lax"


def test_the_embed_view_may_be_framed_only_by_the_apps_allowed_origins(proxy: Proxy, browser: Browser) -> None:
    proxy.key("embed-app", "sales-email", "review", "defer")
    person(proxy, "embedder@example.com", "reviewer", ["embed-app"])
    review_id = deferred(proxy, "embed-app", "REPLY: Happy to offer 30% off if you sign today.")
    with Receiver() as crm:
        allowed = crm.url("", host="127.0.0.1")
        run_cli(proxy.config, "apps", "frame-origins", "--app", "embed-app", allowed)
        client = session(proxy, "embedder@example.com")
        embed = client.get(f"/review/items/{review_id}/embed")
        assert f"frame-ancestors {allowed}" in embed.headers["content-security-policy"]
        assert "x-frame-options" not in embed.headers
        assert "frame-ancestors 'none'" in client.get(f"/review/items/{review_id}").headers["content-security-policy"]
        frame = f'<iframe id="lg" src="{proxy.root}/review/items/{review_id}/embed" width="900" height="700"></iframe>'
        crm.pages["/deal"] = f"<!doctype html><title>CRM</title><h1>Deal 42</h1>{frame}"
        page = signed_in(browser, proxy, "embedder@example.com")
        page.goto(crm.url("/deal"))  # same site as the review UI, another origin: allowed
        inner = page.frame_locator("#lg")
        expect(inner.locator("h1")).to_contain_text(f"Review #{review_id}")
        inner.locator("h1").click()  # the reviewer clicks into the framed item, then uses its keys
        page.keyboard.press("a")
        page.keyboard.press("2")
        expect(inner.locator(".done")).to_contain_text("Decided: approved")
        blocked = page.context.new_page()
        blocked.goto(crm.url("/deal", host="localhost"))  # an origin nobody allowed
        framed = blocked.frame_locator("#lg").locator("body")
        expect(framed).to_contain_text("blocked")  # chromium's own page for a refused frame
        assert f"Review #{review_id}" not in framed.inner_text()
        page.context.close()


def test_pages_send_signed_out_people_to_sign_in_and_back(proxy: Proxy) -> None:
    response = httpx.get(f"{proxy.root}/review/items/1", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/review/login?next=%2Freview%2Fitems%2F1"
    htmx = httpx.get(f"{proxy.root}/review/queue/updates", headers={"HX-Request": "true"}, follow_redirects=False)
    assert htmx.status_code == 401 and htmx.headers["hx-redirect"].startswith("/review/login")


@pytest.mark.parametrize(("value", "expected"), [
    ("/review/items/3", "/review/items/3"),
    ("/review?app=x", "/review?app=x"),
    ("https://evil.example/review", "/review"),
    ("//evil.example/review", "/review"),
    ("/reviewer-evil", "/reviewer-evil"),  # still a path on this server
    ("/api/reviews", "/review"),
    ("/review\\@evil", "/review"),
    ("", "/review"),
])
def test_sign_in_redirects_stay_inside_the_review_ui(value: str, expected: str) -> None:
    assert safe_next(value) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("https://crm.example.com", ["https://crm.example.com"]),
    ("https://a.example.com, http://127.0.0.1:8080/", ["https://a.example.com", "http://127.0.0.1:8080"]),
    ("", []),
    ("crm.example.com", ValueError),
    ("https://crm.example.com/path", ValueError),
    ("https://x.example.com; script-src *", ValueError),
    ("'self'", ValueError),
])
def test_frame_origins_are_origins_only(text: str, expected: list[str] | type[Exception]) -> None:
    if isinstance(expected, list):
        assert origin_list(text) == expected
    else:
        with pytest.raises(expected):
            origin_list(text)


def test_bad_form_input_is_answered_inline_and_keeps_what_was_typed(proxy: Proxy) -> None:
    proxy.key("form-app", "sales-email", "review", "defer")
    person(proxy, "former@example.com", "reviewer", ["form-app"])
    review_id = deferred(proxy, "form-app", "REPLY: Happy to offer 30% off if you sign today.")
    client = session(proxy, "former@example.com")
    page = client.get(f"/review/items/{review_id}")
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert csrf
    note = "Checked with <b>the deal desk</b>"
    missing_reason = client.post(f"/review/items/{review_id}/decision", data={
        "csrf_token": csrf.group(1), "action": "approve", "note": note})
    assert missing_reason.status_code == 400
    assert "Choose a reason code" in missing_reason.text
    assert "Checked with &lt;b&gt;the deal desk&lt;/b&gt;</textarea>" in missing_reason.text  # kept, escaped
    bad_reason = client.post(f"/review/items/{review_id}/decision", data={
        "csrf_token": csrf.group(1), "action": "edit", "reason_code": "not-a-code", "edited_text": "My careful edit."})
    assert bad_reason.status_code == 400 and "use one of: unauthorized_discount" in bad_reason.text
    assert ">My careful edit.</textarea>" in bad_reason.text
    empty_edit = client.post(f"/review/items/{review_id}/decision", data={
        "csrf_token": csrf.group(1), "action": "edit", "reason_code": "tone", "edited_text": "   "}, headers={"HX-Request": "true"})
    assert empty_edit.status_code == 400 and "An edit needs the corrected text" in empty_edit.text
    assert proxy.store().get_review(review_id).status == "claimed"  # type: ignore[union-attr]


def test_serve_routes_splits_the_proxy_from_the_review_ui(proxy: Proxy) -> None:
    key = proxy.key("routes-app", "default", "monitor")
    ports = {"proxy": free_port(), "review": free_port()}
    procs = {name: start_server(proxy.config, port, proxy.connections_log, log_name=f"serve-{name}.log",
                                extra=["--routes", name]) for name, port in ports.items()}
    try:
        chat = {"model": "fake-model", "messages": [{"role": "user", "content": "hi"}]}
        auth = {"Authorization": f"Bearer {key}"}
        proxy_only, review_only = (f"http://127.0.0.1:{ports[n]}" for n in ("proxy", "review"))
        assert httpx.post(f"{proxy_only}/v1/chat/completions", json=chat, headers=auth, timeout=20).status_code == 200
        assert httpx.get(f"{proxy_only}/review/login").status_code == 404
        assert httpx.get(f"{proxy_only}/api/reviews").status_code == 404
        assert httpx.post(f"{review_only}/v1/chat/completions", json=chat, headers=auth).status_code == 404
        assert httpx.get(f"{review_only}/review/login").status_code == 200
        assert httpx.get(f"{review_only}/api/reviews").status_code == 401
        assert httpx.get(f"{review_only}/healthz").status_code == 200
    finally:
        for proc in procs.values():
            proc.terminate()
            proc.wait(timeout=10)


