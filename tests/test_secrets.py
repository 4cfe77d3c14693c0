"""checks.secrets finds exactly what the Guardrails hub's secrets-present validator finds, in a
fraction of the time: a table of texts with and without secrets, both validators on each."""

from __future__ import annotations

import pytest
from guardrails.validator_base import FailResult
from guardrails_ai.secrets_present import SecretsPresent as HubSecretsPresent

from bench.replies import reply
from checks.guardrails_adapter import disable_telemetry
from checks.secrets import SecretsPresent, is_indirect_reference

# (text, the secrets in it)
TEXTS = [
    ("Use key AKIAIOSFODNN7EXAMPLE for the bucket.", ["AKIAIOSFODNN7EXAMPLE"]),
    ("api_key = 'sk_live_4eC39HqLyjWDarjtT1zdp7dc'", ["sk_live_4eC39HqLyjWDarjtT1zdp7dc"]),
    ("db: postgres://admin:hunter2pass@db.example.com:5432/app", ["hunter2pass"]),
    # detect-secrets' keyword plugin reports a call on the right of a password as a secret
    # (the hub validator does too: what matters here is that both agree)
    ("password = get_password()", ["get_password()"]),
    ("secret = request.headers['apikey']", []),
    ("Hi Dana, the rollout starts Monday: two teams first (then everyone).", []),
    (reply(1024, seed=1), []),
    (reply(1024, seed=2) + "\nconfig: {\"aws_secret_access_key\": \"wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\"}",
     ["wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"]),
]


def _secrets(validator: HubSecretsPresent, text: str) -> list[str]:
    result = validator.validate(text + "\n", {})
    return sorted(str(result.error_message).splitlines()[1:]) if isinstance(result, FailResult) else []


@pytest.mark.parametrize(("text", "secrets"), TEXTS)
def test_the_same_secrets_as_the_hub_validator(text: str, secrets: list[str]) -> None:
    disable_telemetry()
    ours = _secrets(SecretsPresent(on_fail="noop", use_local=True), text)
    assert ours == _secrets(HubSecretsPresent(on_fail="noop", use_local=True), text)
    assert ours == sorted(secrets)


@pytest.mark.parametrize(("line", "expected"), [
    ("secret = get_secret_key()", True),
    ("token: vault.read('x')", True),
    ("The plan (annual) starts in May", False),  # no assignment sign
    ("price = 40 per seat", False),  # no brackets
])
def test_the_indirect_reference_filter_answers_as_detect_secrets_does(line: str, expected: bool) -> None:
    assert is_indirect_reference(line) is expected
