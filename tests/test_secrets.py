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


# Texts the cheap pass must mark (a plugin yields a raw value), beside the secrets table above:
# each plugin family, the keyword plugin on a config line the eager transformer rewrites, and
# prose that only looks technical.
MARKED = [
    *[(text, True) for text, secrets in TEXTS if secrets],
    ("[deploy]\npassword = hunter2isgood\n", True),
    ("password: correct-horse-battery\n", True),
    ("token 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 here\n", True),
    ("-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA\n", True),
    ("Hi Dana, the rollout starts Monday: two teams first (then everyone).", False),
    ("Our quarterly review is on Friday at 10:00; the key = the plan we agreed.", False),
]


@pytest.mark.parametrize(("text", "marked"), MARKED)
def test_the_cheap_pass_marks_every_text_a_scan_could_flag(text: str, marked: bool) -> None:
    validator = SecretsPresent(on_fail="noop", use_local=True)
    assert validator.candidates.any_in(text + "\n") is marked


@pytest.mark.parametrize("seed", range(12))
def test_an_unmarked_text_is_one_the_full_scan_finds_nothing_in(seed: int) -> None:
    """The cheap pass only ever skips a scan that would have found nothing."""
    disable_telemetry()
    text = reply(2048, seed=seed) + ("\npassword = 'xK9#mq2Lz!'" if seed % 3 == 0 else "")
    validator = SecretsPresent(on_fail="noop", use_local=True)
    hub = _secrets(HubSecretsPresent(on_fail="noop", use_local=True), text)
    assert validator.candidates.any_in(text + "\n") or hub == []
    assert _secrets(validator, text) == hub
