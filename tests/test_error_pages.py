"""The review UI's errors are negotiated: a browser (Accept: text/html) gets a readable page,
anything else OpenAI's error shape; both carry the request id and never a traceback. And an
`ml` user reads a held item's prompt masked, as an export would give it, and the candidate
only as guarded, in the edit preview too (a reviewer reads both raw)."""

from __future__ import annotations

import re

import httpx
import pytest

from tests.conftest import Proxy
from tests.review_helpers import deferred, person
from tests.test_review_web import session

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


@pytest.fixture(scope="module")
def reviewer(proxy: Proxy) -> str:
    email = "errors-page@example.com"
    person(proxy, email, "reviewer", [])
    return email


@pytest.mark.parametrize(("path", "status", "signed_in"), [
    ("/review/items/999999", 404, True),  # a page that renders its own error
    ("/review/no-such-page", 404, False),  # the router's 404
    ("/review/items/not-a-number", 400, True),  # a bad path parameter
])
@pytest.mark.parametrize("accept", [BROWSER, "application/json", "*/*"])
def test_review_page_errors_are_pages_for_browsers_and_openai_errors_for_programs(
        proxy: Proxy, reviewer: str, path: str, status: int, signed_in: bool, accept: str) -> None:
    client = session(proxy, reviewer) if signed_in else httpx.Client(base_url=proxy.root, timeout=10)
    proxy.clients.append(client)
    response = client.get(path, headers={"Accept": accept})
    assert response.status_code == status
    request_id = response.headers["x-request-id"]
    assert "Traceback" not in response.text and ".py" not in response.text
    if accept == BROWSER:
        assert response.headers["content-type"].startswith("text/html")
        assert "<h1" in response.text and request_id in response.text
    else:
        error = response.json()["error"]
        assert set(error) >= {"message", "type", "param", "code"} and error["message"]


def test_an_ml_user_reads_the_prompt_masked_and_a_reviewer_reads_it_raw(proxy: Proxy) -> None:
    proxy.key("mask-app", "sales-email", "review", "defer")
    prompt = "REPLY: We can do 35% off. Write to dana.reyes@example.org or call +1 415 555 0134."
    review_id = deferred(proxy, "mask-app", prompt)
    ml = person(proxy, "mask-ml@example.com", "ml", ["mask-app"])
    reviewer = person(proxy, "mask-reviewer@example.com", "reviewer", ["mask-app"])

    def prompt_seen(token: str) -> str:
        with httpx.Client(base_url=f"{proxy.root}/api", headers={"Authorization": f"Bearer {token}"}, timeout=30) as api:
            item = api.get(f"/reviews/{review_id}")
        assert item.status_code == 200, item.text
        return str(item.json()["request"]["messages"][0]["content"])

    assert prompt_seen(reviewer) == prompt
    masked = prompt_seen(ml)
    assert "dana.reyes@example.org" not in masked and "415 555 0134" not in masked
    assert "<EMAIL_ADDRESS>" in masked and masked.startswith("REPLY: We can do 35% off.")
    for email, sees_raw in (("mask-ml@example.com", False), ("mask-reviewer@example.com", True)):
        client = session(proxy, email)
        page = client.get(f"/review/items/{review_id}").text
        assert ("dana.reyes@example.org" in page) == sees_raw
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', page)
        assert csrf
        preview = client.post(f"/review/items/{review_id}/diff", data={"csrf_token": csrf.group(1),
                                                                        "edited_text": "Shorter.", "candidate_index": "0"})
        assert preview.status_code == 200
        assert ("dana.reyes@example.org" in preview.text) == sees_raw  # the edit preview's diff too
