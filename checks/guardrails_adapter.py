"""The `guardrails` check: runs guardrails-ai validators, ours and hub packages, offline.

Validators are named by their registry id ("loopguard/no_shouting") or by import path
("guardrails_ai.secrets_present:SecretsPresent"). Telemetry is switched off before any
validator is built (a validator's constructor starts hub telemetry unless told not to),
and validators run in-process: nothing is sent to the Guardrails hub.

In a stream, a validator's finding is settled once the text has run past it by the
validator's `window`: a number of characters, `line` (the end of the line it is on), or
`output` (the whole output: a stream is read whole before anything is released). Known
validators have theirs in `WINDOWS`; any other defaults to `output` unless its spec sets one.
secrets-present (detect-secrets) reads line by line, but each of its detectors matches one
unbroken token (a key, a token, a quoted high-entropy string) or a keyword and the value
right after it, or a private-key header; a stream checks whole words only, so 128
characters reach past any of them. Its allowlist comment later on a line can only remove a
secret: a stream may stop on a secret that the whole output would have let through.

Before a finding, a stream's window (`resume`) reaches back to the start of the line its
window's reach began on, and one line more (detect-secrets reads the line before a secret
for an allowlist comment) and over indented lines (a config value continued on the next
line). A `line` validator reads from its line's start; an `output` one reads the whole text.
"""

from __future__ import annotations

import importlib
from typing import Any, Literal

from guardrails import settings
from guardrails.classes.rc import RC
from guardrails.validator_base import FailResult, Validator, validators_registry
from pydantic import BaseModel, ConfigDict, Field

from checks import validators as _own_validators  # noqa: F401  (registers loopguard/*)
from checks.resources import Resources
from checks.types import Action, CheckContext, CheckError, Finding, Severity, line_start, reach_back

Window = int | Literal["line", "output"]
# Known validators: each computes in process, and its reach in a stream.
WINDOWS: dict[str, Window] = {
    "loopguard/no_shouting": 80,  # three capitalised words, or "!!"
    "guardrails_ai.secrets_present:SecretsPresent": 128,  # a keyword and its value, or one token
    "checks.secrets:SecretsPresent": 128,  # the same, faster (checks.secrets)
}


class ValidatorSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    validator: str
    rule: str
    action: Action = "hold"
    severity: Severity = "high"
    params: dict[str, Any] = Field(default_factory=dict)
    window: Window | None = Field(None, description="how far a finding reaches in a stream (default: WINDOWS or output)")


class GuardrailsConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    validators: list[ValidatorSpec] = Field(min_length=1)


def disable_telemetry() -> None:
    """No metrics to the Guardrails hub, no remote inference: checks stay on this machine."""
    if settings.rc is None:
        settings.rc = RC()
    settings.rc.enable_metrics = False
    settings.rc.use_remote_inferencing = False


def _validator_class(name: str) -> type[Validator]:
    if ":" in name:
        module, _, attr = name.partition(":")
        try:
            cls: type[Validator] = getattr(importlib.import_module(module), attr)
        except (ImportError, AttributeError) as exc:
            raise CheckError(f"guardrails validator {name!r}: {exc}") from exc
        return cls
    if name not in validators_registry:
        raise CheckError(f"guardrails validator {name!r} is not registered; use 'module:Class' for hub packages")
    registered: type[Validator] = validators_registry[name]
    return registered


class GuardrailsCheck:
    name = "guardrails"
    Config = GuardrailsConfig

    def __init__(self, config: GuardrailsConfig, resources: Resources) -> None:
        disable_telemetry()
        self.validators = [
            (spec, _validator_class(spec.validator)(on_fail="noop", use_local=True, **spec.params))
            for spec in config.validators
        ]
        # Only validators known to compute in process; any other may call out (a hub validator's
        # remote inference), so the gateway runs the check in a thread.
        self.cpu_only = all(spec.validator in WINDOWS for spec, _ in self.validators)

    def settled(self, text: str) -> int:
        point = len(text)
        for spec, _ in self.validators:
            window = spec.window if spec.window is not None else WINDOWS.get(spec.validator, "output")
            if window == "output":
                return 0
            point = min(point, text.rfind("\n") + 1 if window == "line" else reach_back(text, window))
        return point

    def resume(self, text: str, position: int) -> int:
        start = position
        for spec, _ in self.validators:
            window = spec.window if spec.window is not None else WINDOWS.get(spec.validator, "output")
            if window == "output":
                return 0
            start = min(start, line_start(text, position if window == "line" else position - window))
        start = line_start(text, start - 1)  # the line before: an allowlist comment for the next line
        while start > 0 and text[start : start + 1] in (" ", "\t"):  # a value continued from the line above
            start = line_start(text, start - 1)
        return start

    def run(self, text: str, context: CheckContext) -> list[Finding]:
        findings = []
        for spec, validator in self.validators:
            # Line-oriented validators (secrets) expect a trailing newline.
            result = validator.validate(text if text.endswith("\n") else text + "\n", {})
            if isinstance(result, FailResult):
                findings.extend(self._findings(spec, result, len(text)))
        return findings

    def _findings(self, spec: ValidatorSpec, result: FailResult, length: int) -> list[Finding]:
        spans = [(s.start, min(s.end, length)) for s in result.error_spans or []] or [(None, None)]
        # A validator's error message may quote the output (secrets-present lists the secret),
        # so it goes in `text`, which is stored for reviewers and never sent to the app.
        return [
            Finding(
                check=self.name, rule=spec.rule, severity=spec.severity, action=spec.action,
                start=start, end=end, text=str(result.error_message or "")[:500],
                message=f"validator {spec.validator} failed",
            )
            for start, end in spans
        ]
