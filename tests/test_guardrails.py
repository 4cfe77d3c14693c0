"""The guardrails-ai adapter: our registered validator and a hub validator from PyPI, offline."""

from __future__ import annotations

import pytest

from checks.guardrails_adapter import GuardrailsCheck, GuardrailsConfig
from checks.resources import Resources
from checks.types import CheckContext, CheckError


@pytest.fixture(scope="module")
def guardrails(resources: Resources) -> GuardrailsCheck:
    return GuardrailsCheck(GuardrailsConfig.model_validate({"validators": [
        {"validator": "loopguard/no_shouting", "rule": "shouting", "action": "hold"},
        {"validator": "guardrails_ai.secrets_present:SecretsPresent", "rule": "secret", "action": "block"},
    ]}), resources)


@pytest.mark.parametrize(("text", "expected"), [
    ("THIS IS HUGE NEWS for you", [("shouting", "hold")]),
    ("Great news!!", [("shouting", "hold")]),
    ("Use key AKIAIOSFODNN7EXAMPLE for the bucket.", [("secret", "block")]),
    ("The NASA API team replied.", []),
    ("Thanks, talk soon.", []),
])
def test_validators_become_findings(guardrails: GuardrailsCheck, text: str, expected: list[tuple[str, str]]) -> None:
    assert [(f.rule, f.action) for f in guardrails.run(text, CheckContext())] == expected


def test_shouting_finding_has_the_span(guardrails: GuardrailsCheck) -> None:
    [finding] = guardrails.run("Hi. THIS IS HUGE NEWS", CheckContext())
    assert (finding.start, finding.end) == (4, 21)


def test_telemetry_is_off_after_building(guardrails: GuardrailsCheck) -> None:
    from guardrails import settings

    assert settings.rc.enable_metrics is False


def test_unknown_validator_is_a_clear_error(resources: Resources) -> None:
    with pytest.raises(CheckError, match="not registered"):
        GuardrailsCheck(GuardrailsConfig.model_validate({"validators": [{"validator": "nope/nope", "rule": "x"}]}),
                        resources)
