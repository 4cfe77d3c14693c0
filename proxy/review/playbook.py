"""Runs a policy's playbook: each example through the checks and triage, against its expected decision."""

from __future__ import annotations

from dataclasses import dataclass

from checks.registry import discover
from checks.resources import Resources
from checks.types import CheckContext
from proxy.config import ConfigError, Settings
from proxy.policy import load_policy, policy_files
from proxy.review.triage import triage


@dataclass(frozen=True)
class ExampleResult:
    text: str
    expect: str
    got: str
    rules: list[str]
    passed: bool


def run_playbook(settings: Settings, name: str) -> list[ExampleResult]:
    files = policy_files(settings.policies_dir)
    if name not in files:
        raise ConfigError(f"unknown policy {name!r}; known: {', '.join(sorted(files))}")
    loaded = load_policy(files[name], discover(settings.check_plugins), Resources())
    results = []
    for example in loaded.policy.playbook:
        findings = loaded.suite.run(example.text, CheckContext(metadata=example.metadata))
        verdict = triage(loaded.policy, findings, example.metadata)
        rules = sorted({f.rule for f in findings})
        passed = verdict.action == example.expect and set(example.rules) <= set(rules)
        results.append(ExampleResult(example.text, example.expect, verdict.action, rules, passed))
    return results
