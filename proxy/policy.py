"""Policies: YAML data validated into typed models, each with its built check suite.

A policy names its checks and their configs, the triage tiers, the reason-code
taxonomy, the messages an app sees, hold timing, and a playbook of examples with the
decision each must get. Code never branches on a policy's name.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from importlib import resources as importlib_resources
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from checks.engine import CheckSuite
from checks.registry import CheckFactory
from checks.resources import Resources
from checks.types import Action, CheckError, Comparison, Severity
from proxy.config import ConfigError, format_validation_error, read_yaml
from proxy.store.quotas import Limits
from proxy.store.sealing import StoreRaw

DecisionAction = Literal["approve", "edit", "reject", "escalate"]


def _all_decision_actions() -> list[DecisionAction]:
    return ["approve", "edit", "reject", "escalate"]


class TierCondition(BaseModel):
    """A tier applies when any listed rule/check/action fired, or metadata matches."""

    model_config = ConfigDict(extra="forbid")

    rules: list[str] = Field(default_factory=list)
    checks: list[str] = Field(default_factory=list)
    actions: list[Action] = Field(default_factory=list)
    min_severity: Severity | None = None
    metadata: dict[str, dict[Comparison, Any]] = Field(default_factory=dict)


class Tier(BaseModel):
    """A triage tier: queue priority and SLA, and optionally a stronger action.

    `two_person: true` makes a `command`-mode item of this tier need approvals from two
    distinct users before anything is released.
    """

    model_config = ConfigDict(extra="forbid")

    name: str
    when: TierCondition
    action: Action | None = None
    priority: int = 0
    sla_minutes: int = Field(240, gt=0)
    two_person: bool = False


class ReasonCode(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: str
    label: str
    applies_to: list[DecisionAction] = Field(default_factory=_all_decision_actions)


class Messages(BaseModel):
    model_config = ConfigDict(extra="forbid")

    hold: str = "This response is being reviewed and will be available shortly."
    block: str = "This response was blocked by policy."


class PlaybookExample(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str
    expect: Action
    metadata: dict[str, Any] = Field(default_factory=dict)
    rules: list[str] = Field(default_factory=list, description="rules that must fire")
    note: str = ""
    prompt: str = Field("", description="the user message a gold item shows with the text (proxy.review.gold)")


class Policy(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str
    description: str = ""
    checks: dict[str, dict[str, Any]] = Field(default_factory=dict)
    on_check_error: Literal["hold", "block"] = "hold"
    tiers: list[Tier] = Field(default_factory=list)
    default_tier: Tier = Tier(name="standard", when=TierCondition(), priority=0, sla_minutes=240)
    reason_codes: list[ReasonCode] = Field(min_length=1)
    messages: Messages = Messages()
    stream: Literal["window", "buffer"] = Field(
        "window", description="window: release streamed text as the checks settle it; buffer: check the whole output first")
    hold_timeout_s: float = Field(300.0, gt=0)
    timeout_action: Literal["block", "release"] = "block"
    playbook: list[PlaybookExample] = Field(default_factory=list)
    audit_sample: float = Field(0.0, ge=0.0, le=1.0, description="share of auto-released outputs queued for audit")
    overlap: float = Field(0.0, ge=0.0, le=1.0, description="share of review items decided blind by several reviewers")
    overlap_reviewers: int = Field(2, ge=2, le=10, description="independent decisions an overlap item collects")
    gold_rate: float = Field(0.0, ge=0.0, le=1.0, description="gold items (playbook examples) per real review item")
    gold_floor: float = Field(0.8, ge=0.0, le=1.0, description="gold accuracy below which a reviewer is flagged")
    gold_min: int = Field(10, ge=1, description="gold decisions a reviewer needs before the floor applies")
    limits: Limits = Field(default_factory=lambda: Limits.model_validate({}))
    store_raw: StoreRaw = "clear"  # how raw outputs are kept (proxy.store.sealing)

    @model_validator(mode="after")
    def _unique_reason_codes(self) -> Policy:
        codes = [r.code for r in self.reason_codes]
        if len(codes) != len(set(codes)):
            raise ValueError("reason_codes: codes must be unique")
        return self

    def reason_code(self, code: str) -> ReasonCode | None:
        return next((r for r in self.reason_codes if r.code == code), None)

    def overlap_for(self, review_id: int) -> int:
        """Independent decisions review item `review_id` collects: `overlap_reviewers` for the
        `overlap` share of items (drawn from the id, so always the same items), else one."""
        return self.overlap_reviewers if draw(f"overlap:{self.name}:{review_id}") < self.overlap else 1


def draw(key: str) -> float:
    """A number in [0, 1) fixed by `key`: a reproducible stand-in for a random draw, so the
    same item is always in or out of a sample and the share over many items is the rate."""
    return int(hashlib.sha256(key.encode()).hexdigest()[:16], 16) / 16**16


@dataclass
class LoadedPolicy:
    policy: Policy
    suite: CheckSuite
    source: str


def shipped_policies_dir() -> Path:
    return Path(str(importlib_resources.files("policies")))


def policy_files(extra_dir: str | None) -> dict[str, Path]:
    """Policy files by stem: the shipped ones, overridden or extended by `extra_dir`."""
    files = {p.stem: p for p in sorted(shipped_policies_dir().glob("*.yaml"))}
    if extra_dir:
        directory = Path(extra_dir)
        if not directory.is_dir():
            raise ConfigError(f"policies_dir: {directory} is not a directory")
        files.update({p.stem: p for p in sorted(directory.glob("*.yaml"))})
    return files


def parse_policy(path: Path, factories: dict[str, CheckFactory]) -> tuple[Policy, dict[str, Any]]:
    """The validated policy and each check's validated config."""
    try:
        policy = Policy.model_validate(read_yaml(path))
    except ValidationError as exc:
        raise ConfigError(format_validation_error(str(path), exc)) from exc
    if policy.name != path.stem:
        raise ConfigError(f"{path}: name: {policy.name!r} must match the file name {path.stem!r}")
    configs: dict[str, Any] = {}
    for check_name, raw in policy.checks.items():
        if check_name not in factories:
            raise ConfigError(f"{path}: checks.{check_name}: unknown check (known: {', '.join(sorted(factories))})")
        try:
            configs[check_name] = factories[check_name].Config.model_validate(raw or {})
        except ValidationError as exc:
            raise ConfigError(format_validation_error(f"{path}: checks.{check_name}", exc)) from exc
    return policy, configs


def load_policy(path: Path, factories: dict[str, CheckFactory], resources: Resources) -> LoadedPolicy:
    policy, configs = parse_policy(path, factories)
    try:
        suite = CheckSuite.build(configs, factories, resources, on_error=policy.on_check_error)
    except CheckError as exc:
        raise ConfigError(f"{path}: {exc}") from exc
    return LoadedPolicy(policy, suite, str(path))


def load_policies(
    extra_dir: str | None, factories: dict[str, CheckFactory], resources: Resources
) -> dict[str, LoadedPolicy]:
    return {name: load_policy(path, factories, resources) for name, path in policy_files(extra_dir).items()}
