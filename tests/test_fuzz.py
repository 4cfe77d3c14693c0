"""Schemathesis against the running server's OpenAPI schema (the proxy's routes with the chat
request's full body schema, the review JSON API and the review UI's pages): valid and invalid
input generated from the schema, and whatever it is, no route answers 500 and every error is
in OpenAI's shape. (A review UI form posted with bad fields answers with the form and its
inline message, for the person filling it in; its standalone errors are negotiated, see
`test_error_pages`.)

The fuzzing identities own nothing: an app with no reviews and a reviewer granted no app, so
that claims and decisions made up by the fuzzer cannot touch another test's items. Bounded:
a few examples per operation and mode, derandomized, so a run is the same every time. (The
operations are walked in one test: schemathesis's own pytest parametrization cannot use a
fixture's server on this pytest.)
"""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable

from tests.conftest import Proxy

EXAMPLES = 5


@pytest.fixture(scope="module")
def fuzz_identities(proxy: Proxy) -> dict[str, str]:
    return {"app": proxy.key("fuzz-app", "default", "monitor"),
            "user": proxy.user_token("fuzz-reviewer@example.com", "reviewer", grant_all=False)}


def _check(case: Any, proxy: Proxy, identities: dict[str, str]) -> None:
    token = identities["app"] if case.path.startswith("/v1/") else identities["user"]
    response = case.call(base_url=proxy.root, headers={"Authorization": f"Bearer {token}"}, timeout=30,
                         allow_redirects=False)
    where = f"{case.method} {case.formatted_path} -> {response.status_code}: {response.text[:300]}"
    assert response.status_code != 500, where
    assert "Traceback" not in response.text, where
    content_type = " ".join(response.headers.get("content-type") or [])
    if case.path.startswith("/review") and content_type.startswith("text/html"):
        return  # a form page answering its own post (the sign-in form, an item's decision form) with the form
    if response.status_code >= 400:
        error = response.json()["error"]
        assert set(error) >= {"message", "type", "param", "code"}, where
        assert "Traceback" not in error["message"] and ".py\"" not in error["message"], where


@pytest.mark.timeout(600)
def test_no_route_answers_500_and_every_error_is_openai_shaped(proxy: Proxy, fuzz_identities: dict[str, str]) -> None:
    schema = schemathesis.openapi.from_url(f"{proxy.root}/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) > 20 and any(op.path == "/v1/chat/completions" and op.body for op in operations)
    for operation in operations:
        for mode in schemathesis.GenerationMode:
            @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                      suppress_health_check=list(HealthCheck), phases=[Phase.explicit, Phase.generate])
            @given(case=operation.as_strategy(mode))
            def fuzz(case: Any) -> None:
                _check(case, proxy, fuzz_identities)

            try:
                fuzz()
            except Unsatisfiable:  # nothing to make invalid: an operation without parameters or body
                assert mode is schemathesis.GenerationMode.NEGATIVE, operation.label
