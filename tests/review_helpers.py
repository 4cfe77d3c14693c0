"""Helpers for the review UI tests: people with passwords and grants, held items, signed-in
browser pages, screenshots."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
from playwright.sync_api import Browser, Page
from sqlmodel import SQLModel

from review_ui.accounts.auth import hash_password
from tests.conftest import ROOT, Proxy

PASSWORD = "correct horse battery"
SHOTS = ROOT / "test-output" / "screenshots"


def person(proxy: Proxy, email: str, role: str, apps: list[str]) -> str:
    """A user with a password, granted exactly `apps`; returns their API token."""
    token = proxy.user_token(email, role, grant_all=False)
    store = proxy.store()
    store.set_password_hash(email, hash_password(PASSWORD), "test")
    for app in apps:
        store.grant(email, app, "test")
    return token


def app_key(proxy: Proxy, app: str, policy: str = "sales-email", mode: str = "review", on_hold: str = "defer") -> str:
    return proxy.key(app, policy, mode, on_hold)


def deferred(proxy: Proxy, app: str, text: str, n: int = 1, metadata: dict[str, Any] | None = None) -> int:
    """Sends `text` through the app (created beforehand) and returns the held item's id."""
    body: dict[str, Any] = {"model": "fake-model", "n": n, "messages": [{"role": "user", "content": text}]}
    if metadata:
        body["metadata"] = metadata
    response = httpx.post(f"{proxy.base_url}/chat/completions", json=body, timeout=30,
                          headers={"Authorization": f"Bearer {proxy.keys[app]}"})
    assert response.status_code == 200, response.text
    return int(response.headers["X-Loopguard-Review-Id"])


def poll(proxy: Proxy, app: str, review_id: int) -> dict[str, Any]:
    """What the app sees for its deferred review."""
    response = httpx.get(f"{proxy.base_url}/reviews/{review_id}", headers={"Authorization": f"Bearer {proxy.keys[app]}"})
    result: dict[str, Any] = response.json()
    return result


def in_background(fn: Callable[[], Any]) -> tuple[threading.Thread, dict[str, Any]]:
    result: dict[str, Any] = {}

    def run() -> None:
        try:
            result["value"] = fn()
        except Exception as exc:  # noqa: BLE001 - the test asserts on it
            result["error"] = exc

    thread = threading.Thread(target=run)
    thread.start()
    return thread, result


def newest_pending(proxy: Proxy, app: str, timeout: float = 20) -> int:
    store = proxy.store()
    app_id = store.app_named(app).id or 0
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        items = store.list_reviews(["pending"], None, {app_id})
        if items:
            return max(i.id or 0 for i in items)
        time.sleep(0.1)
    raise AssertionError(f"no pending review for {app}")


def signed_in(browser: Browser, proxy: Proxy, email: str, width: int = 1280) -> Page:
    """A fresh browser context signed in as `email` through the sign-in form."""
    context = browser.new_context(viewport={"width": width, "height": 900})
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.goto(f"{proxy.root}/review/login")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{proxy.root}/review")
    return page


def shot(page: Page, name: str) -> Path:
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def rewrite(proxy: Proxy, model: type[SQLModel], row_id: int | None = None, **values: Any) -> None:
    """Moves time for the server by editing its database (claims lapse, sessions idle out).
    Typed by the model's columns, so datetimes are stored exactly as the server stores them."""
    from sqlmodel import col, update

    statement = update(model).values(**values)
    if row_id is not None:
        statement = statement.where(col(model.id) == row_id)  # type: ignore[attr-defined]
    with proxy.store().engine.begin() as conn:
        conn.execute(statement)


class Keys:
    """Presses keys and counts them: the keystrokes a decision costs."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.count = 0

    def press(self, *keys: str) -> None:
        for key in keys:
            self.page.keyboard.press(key)
            self.count += 1
