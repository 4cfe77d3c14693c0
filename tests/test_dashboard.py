"""The dashboard and the export download in a real browser, and the paginated export API:
traffic through the proxy, decisions through the review API."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from tests.conftest import Proxy
from tests.review_helpers import app_key, deferred, person, shot, signed_in

pytestmark = pytest.mark.timeout(180)


@pytest.fixture(scope="module")
def decided(proxy: Proxy) -> list[int]:
    app_key(proxy, "dash-app")
    reviewer = proxy.review_api(person(proxy, "dash-reviewer@example.com", "reviewer", ["dash-app"]))
    ids = [deferred(proxy, "dash-app", "REPLY: Take 25% off || We can do 30% off", n=2),
           deferred(proxy, "dash-app", "REPLY: I can approve 30% off today."),
           deferred(proxy, "dash-app", "REPLY: Unlike Initech, we ship weekly.")]
    bodies = [{"action": "approve", "reason_code": "discount_approved", "ranking": [1, 0]},
              {"action": "edit", "reason_code": "unauthorized_discount", "edited_text": "I can approve 20% off today."},
              {"action": "reject", "reason_code": "competitor_mention"}]
    for review_id, body in zip(ids, bodies, strict=True):
        assert reviewer.post(f"/reviews/{review_id}/decision", json=body).status_code == 200
    return ids


def test_dashboard_draws_its_charts_for_a_lead_and_names_each_share(proxy: Proxy, browser: Browser,
                                                                   decided: list[int]) -> None:
    person(proxy, "dash-lead@example.com", "lead", ["dash-app"])
    page = signed_in(browser, proxy, "dash-lead@example.com")
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.click("nav >> text=Dashboard")
    expect(page.locator("body")).to_have_attribute("data-charts-ready", "true")
    for canvas in ("chart-rates", "chart-flags", "chart-reasons", "chart-throughput"):
        box = page.locator(f"#{canvas}").bounding_box()
        assert box is not None and box["height"] > 50
    expect(page.locator("tr[data-key=correction_rate]")).to_contain_text("edited ÷ decided items")
    shot(page, "dashboard")
    page.click("text=7d")
    expect(page.locator("body")).to_have_attribute("data-charts-ready", "true")
    page.fill("#since", "2999-01-01")
    page.click("text=Show")
    expect(page.locator("p.hint").first).to_contain_text("0 decided items")
    assert not errors, errors
    page.context.close()


def test_a_reviewer_gets_no_dashboard_and_no_export(proxy: Proxy, browser: Browser, decided: list[int]) -> None:
    page = signed_in(browser, proxy, "dash-reviewer@example.com")
    expect(page.locator("nav")).not_to_contain_text("Dashboard")
    assert page.goto(f"{proxy.root}/review/dashboard").status == 403  # type: ignore[union-attr]
    assert page.goto(f"{proxy.root}/review/export").status == 403  # type: ignore[union-attr]
    page.context.close()


def test_an_ml_user_downloads_a_masked_export_from_the_ui(proxy: Proxy, browser: Browser, decided: list[int],
                                                          tmp_path: Path) -> None:
    person(proxy, "dash-ml@example.com", "ml", ["dash-app"])
    page = signed_in(browser, proxy, "dash-ml@example.com")
    page.click("nav >> text=Export")
    page.select_option("#format", "trl")
    page.select_option("#app", "dash-app")
    with page.expect_download() as info:
        page.click("text=Download")
    path = tmp_path / "download.jsonl"
    info.value.save_as(path)
    rows = [json.loads(line) for line in path.read_text().splitlines()]
    assert len(rows) == 2  # the ranking of two and the edit; the rejection is unpaired
    assert {r["chosen"][0]["content"] for r in rows} == {"We can do 30% off", "I can approve 20% off today."}
    trail = proxy.store().audit_trail("export:loopguard-trl.jsonl")
    assert trail and trail[-1].action == "export.download"
    page.context.close()


def test_the_json_api_pages_through_the_same_rows_for_ml_tokens_only(proxy: Proxy, decided: list[int]) -> None:
    ml = proxy.review_api(person(proxy, "dash-ml-api@example.com", "ml", ["dash-app"]))
    rows, cursor, pages = [], 0, 0
    while cursor is not None:
        body = ml.get("/export", params={"format": "kto", "app": "dash-app", "limit": 1, "cursor": cursor}).json()
        rows += body["data"]
        cursor, pages = body["next_cursor"], pages + 1
    assert len(rows) == 5 and pages >= 3  # kto: 2 rows per pair, 1 per unpaired rejection
    assert sorted(r["label"] for r in rows) == [False, False, False, True, True]
    other = proxy.review_api(person(proxy, "dash-ml-other@example.com", "ml", []))
    assert other.get("/export", params={"app": "dash-app"}).status_code == 404
    reviewer = proxy.review_api(proxy.user_token("dash-rev-api@example.com", "reviewer"))
    response = reviewer.get("/export")
    assert response.status_code == 403 and response.json()["error"]["code"] == "forbidden"
    assert ml.get("/export", params={"format": "parquet"}).status_code == 400
