"""The review UI in a real browser (Debian's chromium, driven by Playwright) against a real
`loopguard serve`, with apps calling it through the openai SDK and the fake upstream.

Each test uses its own apps and people granted only those apps, so "the next item opens"
never reaches into another test's items. Screenshots of the main views land in
test-output/screenshots/.
"""

from __future__ import annotations

import re
import sqlite3
from datetime import timedelta

import pytest
from playwright.sync_api import Browser, expect

from proxy.store.models import ReviewItem, ReviewSession, utcnow
from tests.conftest import Proxy
from tests.review_helpers import (
    Keys,
    app_key,
    deferred,
    in_background,
    newest_pending,
    person,
    poll,
    rewrite,
    shot,
    signed_in,
)

pytestmark = pytest.mark.timeout(180)
DISCOUNT = "REPLY: Happy to offer 30% off if you sign today. Write to jane.doe@example.com."


def test_sign_in_queue_and_item_with_every_finding_marked(proxy: Proxy, browser: Browser) -> None:
    app_key(proxy, "ui-look")
    person(proxy, "look@example.com", "reviewer", ["ui-look"])
    review_id = deferred(proxy, "ui-look", DISCOUNT, metadata={"deal_value": 120000, "region": "EU", "channel": "email"})
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(f"{proxy.root}/review/items/{review_id}")  # a deep link before sign-in
    expect(page).to_have_url(re.compile(r"/review/login\?next="))
    shot(page, "1-login")
    page.fill("#email", "look@example.com")
    page.fill("#password", "correct horse battery")
    page.click("button[type=submit]")
    page.wait_for_url(f"{proxy.root}/review/items/{review_id}")  # back to the deep link
    page.goto(f"{proxy.root}/review")
    row = page.locator(f"tr[data-id='{review_id}']")
    expect(row).to_contain_text("high-value")
    expect(row).to_contain_text("unauthorized_discount")
    expect(row).to_contain_text("claimed by you")
    expect(page.locator("#queue-summary")).to_contain_text("high-value")
    shot(page, "2-queue")
    page.goto(f"{proxy.root}/review/items/{review_id}")
    marks = page.locator(".side-original mark")
    expect(marks).to_have_count(2)
    assert sorted(marks.all_inner_texts()) == ["30%", "jane.doe@example.com"]
    guarded = page.locator(".side-guarded").inner_text()
    assert "<EMAIL_ADDRESS>" in guarded and "jane.doe@example.com" not in guarded
    findings = page.locator("ol.findings").inner_text()
    for label in ("compliance", "unauthorized_discount", "EMAIL_ADDRESS", "fix: <EMAIL_ADDRESS>", "high_value_deal"):
        assert label in findings
    expect(page.locator(".facts").first).to_contain_text("120,000")
    expect(page.locator(".playbook")).to_contain_text("25% discount")  # an example of a rule that fired
    expect(page.locator(".history")).to_contain_text("claim by look@example.com")
    shot(page, "3-item")
    context.close()


def test_approve_with_two_keystrokes_releases_the_waiting_sdk_request_and_opens_the_next_item(
        proxy: Proxy, browser: Browser) -> None:
    client = proxy.client("ui-approve", "sales-email", "review", "wait")
    app_key(proxy, "ui-approve-later")
    person(proxy, "approver@example.com", "reviewer", ["ui-approve", "ui-approve-later"])
    thread, result = in_background(lambda: client.chat.completions.create(
        model="fake-model", messages=[{"role": "user", "content": DISCOUNT}]))
    first = newest_pending(proxy, "ui-approve")
    second = deferred(proxy, "ui-approve-later", "REPLY: We can do 25% off the annual plan.")
    page = signed_in(browser, proxy, "approver@example.com")
    page.goto(f"{proxy.root}/review/items/{first}")
    keys = Keys(page)
    keys.press("a", "1")  # approve, reason 1 (approved_as_is)
    page.wait_for_url(re.compile(rf"/review/items/{second}\?after={first}&did=approved"))
    assert keys.count == 2
    expect(page.locator(".done")).to_contain_text(f"Review #{first} approved")
    thread.join(timeout=20)
    reply = result["value"]
    assert reply.choices[0].message.content == "Happy to offer 30% off if you sign today. Write to <EMAIL_ADDRESS>."
    assert reply.model_extra["loopguard"]["status"] == "approved"
    page.context.close()


def test_edit_with_a_reason_shows_the_diff_and_the_waiting_request_gets_the_edited_text(
        proxy: Proxy, browser: Browser) -> None:
    client = proxy.client("ui-edit", "sales-email", "review", "wait")
    person(proxy, "editor@example.com", "reviewer", ["ui-edit"])
    thread, result = in_background(lambda: client.chat.completions.create(
        model="fake-model", messages=[{"role": "user", "content": DISCOUNT}]))
    review_id = newest_pending(proxy, "ui-edit")
    page = signed_in(browser, proxy, "editor@example.com")
    page.goto(f"{proxy.root}/review/items/{review_id}")
    keys = Keys(page)
    keys.press("e")
    editor = page.locator("#edited_text")
    expect(editor).to_be_focused()
    assert editor.input_value() == "Happy to offer 30% off if you sign today. Write to <EMAIL_ADDRESS>."  # the guarded text
    editor.fill("Happy to offer 15% off if you sign today. Write to sales@example.com.")
    expect(page.locator("#diff pre del")).to_contain_text(["30"])
    expect(page.locator("#diff pre ins").first).to_contain_text("15")
    expect(page.locator("#diff")).to_contain_text("The policy will fix this")  # the email gets masked
    shot(page, "4-edit")
    keys.press("Escape", "1")  # leave the editor, reason 1 (unauthorized_discount for edit)
    page.wait_for_url(re.compile(rf"after={review_id}&did=edited"))
    assert keys.count == 3
    thread.join(timeout=20)
    reply = result["value"]
    assert reply.choices[0].message.content == "Happy to offer 15% off if you sign today. Write to <EMAIL_ADDRESS>."
    assert reply.model_extra["loopguard"]["status"] == "edited"
    page.context.close()


def test_an_edit_that_still_breaks_policy_is_refused_inline_and_the_text_stays(proxy: Proxy, browser: Browser) -> None:
    app_key(proxy, "ui-refuse", policy="support-reply")
    person(proxy, "refused@example.com", "reviewer", ["ui-refuse"])
    review_id = deferred(proxy, "ui-refuse", "REPLY: I've approved a $900 refund for the outage.")
    page = signed_in(browser, proxy, "refused@example.com")
    page.goto(f"{proxy.root}/review/items/{review_id}")
    page.keyboard.press("e")
    bad = "Refunded to card 4111 1111 1111 1111."
    page.locator("#edited_text").fill(bad)
    expect(page.locator("#diff")).to_contain_text("will be refused")
    page.keyboard.press("Escape")
    page.keyboard.press("1")
    error = page.locator("#decision-error")
    expect(error).to_contain_text("still breaks policy")
    expect(error).to_contain_text("CREDIT_CARD")
    assert page.locator("#edited_text").input_value() == bad  # nothing the reviewer typed is lost
    assert "4111 1111" not in error.inner_text()
    assert "choices" not in poll(proxy, "ui-refuse", review_id)  # still undecided
    page.context.close()


def test_reject_blocks_the_output(proxy: Proxy, browser: Browser) -> None:
    app_key(proxy, "ui-reject")
    person(proxy, "rejecter@example.com", "reviewer", ["ui-reject"])
    review_id = deferred(proxy, "ui-reject", DISCOUNT)
    page = signed_in(browser, proxy, "rejecter@example.com")
    page.goto(f"{proxy.root}/review/items/{review_id}")
    page.keyboard.press("r")
    expect(page.locator("fieldset[data-for=reject]")).to_be_visible()
    page.keyboard.press("1")
    page.wait_for_url(re.compile(rf"after={review_id}&did=rejected"))
    polled = poll(proxy, "ui-reject", review_id)
    assert polled["status"] == "rejected"
    assert polled["choices"][0]["finish_reason"] == "content_filter" and "30%" not in polled["choices"][0]["message"]["content"]
    page.context.close()


def test_escalate_with_a_note_then_a_lead_decides(proxy: Proxy, browser: Browser) -> None:
    app_key(proxy, "ui-escalate")
    person(proxy, "junior@example.com", "reviewer", ["ui-escalate"])
    person(proxy, "senior@example.com", "lead", ["ui-escalate"])
    review_id = deferred(proxy, "ui-escalate", DISCOUNT)
    page = signed_in(browser, proxy, "junior@example.com")
    page.goto(f"{proxy.root}/review/items/{review_id}")
    page.keyboard.press("x")
    page.locator("#note").fill("Deal desk should confirm the 30%.")
    page.keyboard.press("Escape")
    page.keyboard.press("1")
    page.wait_for_url(re.compile(rf"after={review_id}&did=escalated"))
    page.goto(f"{proxy.root}/review/items/{review_id}")
    expect(page.locator("#why-not")).to_contain_text("waits for a lead")
    lead = signed_in(browser, proxy, "senior@example.com")
    expect(lead.locator("tbody tr").first).to_have_attribute("data-id", str(review_id))  # moved up to the leads
    lead.locator(f"tr[data-id='{review_id}'] a.row-link").focus()
    lead.keyboard.press("Enter")
    lead.wait_for_url(f"{proxy.root}/review/items/{review_id}")
    expect(lead.locator(".history")).to_contain_text("Deal desk should confirm the 30%.")
    lead.keyboard.press("a")
    lead.keyboard.press("2")  # discount_approved
    lead.wait_for_url(re.compile(rf"after={review_id}&did=approved"))
    assert poll(proxy, "ui-escalate", review_id)["status"] == "approved"
    page.context.close()
    lead.context.close()


def test_two_person_rule_needs_two_distinct_approvers(proxy: Proxy, browser: Browser) -> None:
    app_key(proxy, "ui-two", policy="two-person", mode="command")
    person(proxy, "first@example.com", "reviewer", ["ui-two"])
    person(proxy, "second@example.com", "reviewer", ["ui-two"])
    review_id = deferred(proxy, "ui-two", "REPLY: The board approved the merger terms.")
    first = signed_in(browser, proxy, "first@example.com")
    first.goto(f"{proxy.root}/review/items/{review_id}")
    first.keyboard.press("a")
    first.keyboard.press("1")
    first.wait_for_url(re.compile(rf"after={review_id}&did=pending"))
    expect(first.locator(".done")).to_contain_text("needs a second approver")
    assert poll(proxy, "ui-two", review_id)["status"] == "pending"
    first.goto(f"{proxy.root}/review/items/{review_id}")
    expect(first.locator("#why-not")).to_contain_text("a second reviewer must approve")
    second = signed_in(browser, proxy, "second@example.com")
    expect(second.locator(f"#state-{review_id}")).to_contain_text("1 of 2 approvals")
    second.goto(f"{proxy.root}/review/items/{review_id}")
    expect(second.locator(".two-person")).to_contain_text("First approval by first@example.com")
    second.keyboard.press("a")
    second.keyboard.press("1")
    second.wait_for_url(re.compile(rf"after={review_id}&did=approved"))
    polled = poll(proxy, "ui-two", review_id)
    assert polled["status"] == "approved"
    assert polled["choices"][0]["message"]["content"] == "The board approved the merger terms."
    first.context.close()
    second.context.close()


def test_rank_three_candidates_and_approve_the_chosen_one(proxy: Proxy, browser: Browser) -> None:
    app_key(proxy, "ui-rank")
    person(proxy, "ranker@example.com", "reviewer", ["ui-rank"])
    review_id = deferred(proxy, "ui-rank", "REPLY: We can offer 25% off. || I can approve 30% off. || Ask me about pricing.",
                         n=3)
    page = signed_in(browser, proxy, "ranker@example.com")
    page.goto(f"{proxy.root}/review/items/{review_id}")
    expect(page.locator(".candidate")).to_have_count(3)
    page.keyboard.press("a")
    page.keyboard.press("Escape")  # no ranking yet: close, rank first
    for key in ("3", "1", "2"):
        page.keyboard.press(key)
    expect(page.locator("#ranking-shown")).to_have_text("#3 › #1 › #2")
    expect(page.locator("#cand-2 .rank-badge")).to_have_text("rank 1")
    page.drag_and_drop("#cand-1 header", "#cand-0 header")  # by mouse: #2 goes above #1
    expect(page.locator("#ranking-shown")).to_have_text("#3 › #2 › #1")
    page.drag_and_drop("#cand-0 header", "#cand-1 header")  # and back
    expect(page.locator("#ranking-shown")).to_have_text("#3 › #1 › #2")
    page.keyboard.press("a")
    page.keyboard.press("1")
    page.wait_for_url(re.compile(rf"after={review_id}&did=approved"))
    with sqlite3.connect(proxy.db) as db:
        ranking, index = db.execute("select ranking, candidate_index from decision where review_id=?", (review_id,)).fetchone()
    assert (ranking, index) == ("[2, 0, 1]", 2)
    choices = poll(proxy, "ui-rank", review_id)["choices"]
    assert choices[2]["message"]["content"] == "Ask me about pricing."
    assert all("%" not in c["message"]["content"] for c in choices)  # the unchosen candidates are withheld
    page.context.close()


def test_claim_contention_between_two_browsers(proxy: Proxy, browser: Browser) -> None:
    app_key(proxy, "ui-claim")
    person(proxy, "holder@example.com", "reviewer", ["ui-claim"])
    person(proxy, "other@example.com", "reviewer", ["ui-claim"])
    review_id = deferred(proxy, "ui-claim", DISCOUNT)
    holder = signed_in(browser, proxy, "holder@example.com")
    holder.goto(f"{proxy.root}/review/items/{review_id}")
    expect(holder.locator(".status")).to_contain_text("claimed: you")
    other = signed_in(browser, proxy, "other@example.com")
    expect(other.locator(f"#state-{review_id}")).to_contain_text("claimed by holder@example.com")
    other.goto(f"{proxy.root}/review/items/{review_id}")
    expect(other.locator("#why-not")).to_contain_text("Claimed by holder@example.com")
    expect(other.locator("#decision-form")).to_have_count(0)
    other.keyboard.press("a")  # nothing to open
    holder.keyboard.press("a")
    holder.keyboard.press("1")
    holder.wait_for_url(re.compile(rf"after={review_id}&did=approved"))
    other.reload()
    expect(other.locator("#why-not")).to_contain_text("approved")
    holder.context.close()
    other.context.close()


def test_a_decision_on_an_item_someone_else_decided_says_who_and_when_and_keeps_the_text(
        proxy: Proxy, browser: Browser) -> None:
    app_key(proxy, "ui-late")
    person(proxy, "late@example.com", "reviewer", ["ui-late"])
    api_token = person(proxy, "early@example.com", "lead", ["ui-late"])
    review_id = deferred(proxy, "ui-late", DISCOUNT)
    page = signed_in(browser, proxy, "late@example.com")
    page.goto(f"{proxy.root}/review/items/{review_id}")
    page.keyboard.press("e")
    page.locator("#edited_text").fill("A careful rewrite that took a while.")
    rewrite(proxy, ReviewItem, review_id, claimed_at=utcnow() - timedelta(hours=1))  # the claim lapses while typing...
    api = proxy.review_api(api_token)  # ...and a lead decides the item meanwhile
    assert api.post(f"/reviews/{review_id}/decision", json={"action": "reject", "reason_code": "tone"}).status_code == 200
    page.keyboard.press("Escape")
    page.keyboard.press("1")
    error = page.locator("#decision-error")
    expect(error).to_contain_text("rejected by early@example.com at")
    expect(error).to_contain_text("Nothing was changed")
    expect(error).to_contain_text("What you typed is kept")
    assert page.locator("#edited_text").input_value() == "A careful rewrite that took a while."
    assert poll(proxy, "ui-late", review_id)["status"] == "rejected"
    page.goto(f"{proxy.root}/review/items/{review_id}")  # the draft waits on the item, to copy
    assert page.locator("#kept-draft").input_value() == "A careful rewrite that took a while."
    page.context.close()


def test_session_expiry_keeps_the_unsent_edit_and_says_so(proxy: Proxy, browser: Browser) -> None:
    app_key(proxy, "ui-expiry")
    person(proxy, "sleepy@example.com", "reviewer", ["ui-expiry"])
    review_id = deferred(proxy, "ui-expiry", DISCOUNT)
    page = signed_in(browser, proxy, "sleepy@example.com")
    page.goto(f"{proxy.root}/review/items/{review_id}")
    page.keyboard.press("e")
    edit = "Happy to offer 10% off; typed before lunch."
    page.locator("#edited_text").fill(edit)
    rewrite(proxy, ReviewSession, last_seen_at=utcnow() - timedelta(hours=3))  # lunch: the session idles out
    page.keyboard.press("Escape")
    page.keyboard.press("1")
    feedback = page.locator("#decision-feedback")
    expect(feedback).to_contain_text("Your session expired, so this decision was not sent. What you typed is kept")
    assert page.locator("#edited_text").input_value() == edit
    feedback.locator("input[name=email]").fill("sleepy@example.com")
    feedback.locator("input[name=password]").fill("correct horse battery")
    feedback.locator("button[type=submit]").click()
    page.wait_for_url(f"{proxy.root}/review/items/{review_id}")
    expect(page.locator("#draft-notice")).to_contain_text("Your session expired before this was sent")
    assert page.locator("#edited_text").input_value() == edit
    page.keyboard.press("Escape")
    page.keyboard.press("1")
    page.wait_for_url(re.compile(rf"after={review_id}&did=edited"))
    assert poll(proxy, "ui-expiry", review_id)["choices"][0]["message"]["content"] == edit
    page.context.close()


def test_tenants_see_and_decide_only_their_apps(proxy: Proxy, browser: Browser) -> None:
    app_key(proxy, "ui-tenant-a")
    app_key(proxy, "ui-tenant-b")
    token = person(proxy, "tenant-a@example.com", "reviewer", ["ui-tenant-a"])
    mine = deferred(proxy, "ui-tenant-a", DISCOUNT)
    theirs = deferred(proxy, "ui-tenant-b", DISCOUNT)
    page = signed_in(browser, proxy, "tenant-a@example.com")
    expect(page.locator(f"tr[data-id='{mine}']")).to_have_count(1)
    expect(page.locator(f"tr[data-id='{theirs}']")).to_have_count(0)
    response = page.goto(f"{proxy.root}/review/items/{theirs}")
    assert response is not None and response.status == 404
    embed = page.goto(f"{proxy.root}/review/items/{theirs}/embed")
    assert embed is not None and embed.status == 404
    api = proxy.review_api(token)
    assert api.get(f"/reviews/{theirs}").status_code == 404
    assert api.post(f"/reviews/{theirs}/claim").status_code == 404
    assert api.post(f"/reviews/{theirs}/decision", json={"action": "approve", "reason_code": "approved_as_is"}).status_code == 404
    assert theirs not in {i["id"] for i in api.get("/reviews").json()["data"]}
    assert mine in {i["id"] for i in api.get("/reviews").json()["data"]}
    assert poll(proxy, "ui-tenant-b", theirs)["status"] == "pending"
    page.context.close()


def test_a_forged_post_without_the_csrf_token_is_refused(proxy: Proxy, browser: Browser) -> None:
    app_key(proxy, "ui-csrf")
    person(proxy, "csrf@example.com", "reviewer", ["ui-csrf"])
    review_id = deferred(proxy, "ui-csrf", DISCOUNT)
    page = signed_in(browser, proxy, "csrf@example.com")
    form = {"action": "approve", "reason_code": "approved_as_is", "candidate_index": "0"}
    forged = page.request.post(f"{proxy.root}/review/items/{review_id}/decision", form=form)  # the session cookie rides along
    assert forged.status == 403
    wrong = page.request.post(f"{proxy.root}/review/items/{review_id}/decision", form={**form, "csrf_token": "0" * 64})
    assert wrong.status == 403
    login = page.request.post(f"{proxy.root}/review/login", form={"email": "csrf@example.com",
                                                                  "password": "correct horse battery"})
    assert login.status == 400 and "expired" in login.text()
    assert poll(proxy, "ui-csrf", review_id)["status"] == "pending"
    page.context.close()


def test_wrong_passwords_lock_the_email_out(proxy: Proxy, browser: Browser) -> None:
    person(proxy, "locked@example.com", "reviewer", [])
    page = browser.new_page()
    page.goto(f"{proxy.root}/review/login")
    for attempt in range(5):
        page.fill("#email", "locked@example.com")
        page.fill("#password", f"wrong-password-{attempt}")
        page.click("button[type=submit]")
        expect(page.locator("#login-error")).to_contain_text("Wrong email or password")
    expect(page.locator("#login-error")).to_contain_text("locked for 15 minutes")
    page.fill("#email", "locked@example.com")
    page.fill("#password", "correct horse battery")
    page.click("button[type=submit]")
    expect(page.locator("#login-error")).to_contain_text("locked until")
    assert page.url.startswith(f"{proxy.root}/review/login")
    page.close()


def test_live_refresh_updates_rows_in_place_and_announces_new_items(proxy: Proxy, browser: Browser) -> None:
    app_key(proxy, "ui-live")
    person(proxy, "watcher@example.com", "reviewer", ["ui-live"])
    other = person(proxy, "busy@example.com", "reviewer", ["ui-live"])
    ids = [deferred(proxy, "ui-live", DISCOUNT) for _ in range(3)]
    page = signed_in(browser, proxy, "watcher@example.com")
    page.keyboard.press("j")
    page.keyboard.press("j")
    focused = page.evaluate("document.activeElement.textContent")
    order = page.locator("tbody tr").evaluate_all("rows => rows.map(r => r.dataset.id)")
    proxy.review_api(other).post(f"/reviews/{ids[0]}/claim")
    newcomer = deferred(proxy, "ui-live", DISCOUNT)
    expect(page.locator(f"#state-{ids[0]}")).to_contain_text("claimed by busy@example.com")
    expect(page.locator("#queue-new")).to_contain_text("1 new item arrived")
    assert page.locator("tbody tr").evaluate_all("rows => rows.map(r => r.dataset.id)") == order  # nothing moved
    assert page.evaluate("document.activeElement.textContent") == focused
    assert page.locator(f"tr[data-id='{newcomer}']").count() == 0
    page.keyboard.press(".")
    expect(page.locator(f"tr[data-id='{newcomer}']")).to_have_count(1)
    page.context.close()


def test_untrusted_output_is_shown_as_text_never_run(proxy: Proxy, browser: Browser) -> None:
    app_key(proxy, "ui-xss", mode="command")
    person(proxy, "xss@example.com", "reviewer", ["ui-xss"])
    payload = '<img src=x onerror="document.title=\'pwned\'"><script>document.title="pwned"</script>'
    review_id = deferred(proxy, "ui-xss", f"REPLY: {payload}")
    page = signed_in(browser, proxy, "xss@example.com")
    dialogs: list[str] = []
    page.on("dialog", lambda d: dialogs.append(d.message))
    page.goto(f"{proxy.root}/review/items/{review_id}")
    expect(page.locator(".side-original")).to_contain_text("<script>document.title")
    assert page.locator(".candidate img, .candidate script").count() == 0
    assert page.title() != "pwned" and not dialogs
    page.context.close()

