"""Schemathesis against the running server's OpenAPI schema (the proxy's routes, the review
JSON API and the review UI's pages): whatever the generated input, no route answers 500, and
every error is in OpenAI's shape.

The fuzzing identities own nothing: an app with no reviews and a reviewer granted no app, so
that claims and decisions made up by the fuzzer cannot touch another test's items. Bounded:
a few examples per operation, derandomized, so the run is the same every time.
"""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, settings

from tests.conftest import Proxy

EXAMPLES = 6


@pytest.fixture(scope="module")
def fuzz_identities(proxy: Proxy) -> dict[str, str]:
    return {"app": proxy.key("fuzz-app", "default", "monitor"),
            "user": proxy.user_token("fuzz-reviewer@example.com", "reviewer", grant_all=False)}


@pytest.fixture(scope="module")
def api_schema(proxy: Proxy) -> Any:
    return schemathesis.openapi.from_url(f"{proxy.root}/openapi.json")


schema = schemathesis.pytest.from_fixture("api_schema")


@pytest.mark.timeout(300)
@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
          suppress_health_check=list(HealthCheck), phases=[Phase.explicit, Phase.generate])
def test_no_route_answers_500_and_every_error_is_openai_shaped(case: Any, proxy: Proxy,
                                                               fuzz_identities: dict[str, str]) -> None:
    token = fuzz_identities["app"] if case.path.startswith("/v1/") else fuzz_identities["user"]
    response = case.call(base_url=proxy.root, headers={"Authorization": f"Bearer {token}"}, timeout=30,
                         allow_redirects=False)
    assert response.status_code != 500, response.text
    if response.status_code >= 400:
        error = response.json()["error"]
        assert set(error) >= {"message", "type", "param", "code"}, error
        assert "Traceback" not in error["message"] and ".py\"" not in error["message"]
