"""Shipped policies: playbooks pass through the CLI, and loading errors (the sales dev sets: test_sales_accuracy)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from checks.registry import discover
from checks.types import Finding
from proxy.config import ConfigError, load_settings
from proxy.guard import GuardResult
from proxy.policy import Policy, parse_policy, shipped_policies_dir
from proxy.review.holds import new_review_item
from proxy.review.triage import triage
from tests.conftest import BIN, run_cli, run_cli_here

MINIMAL_CONFIG = "model_list: [{model_name: m, litellm_params: {model: openai/m}}]\ndatabase_url: sqlite:///DB\n"


@pytest.fixture()
def config(tmp_path: Path) -> Path:
    path = tmp_path / "loopguard.yaml"
    path.write_text(MINIMAL_CONFIG.replace("DB", str(tmp_path / "lg.db")))
    return path


@pytest.mark.parametrize("name", sorted(p.stem for p in shipped_policies_dir().glob("*.yaml")))
def test_policy_test_passes_for_every_shipped_policy(config: Path, name: str) -> None:
    result = run_cli_here(config, "policy", "test", name, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert " 0 failed" in result.stdout


def test_policy_test_fails_loudly_on_a_miss(config: Path, tmp_path: Path) -> None:
    policies = tmp_path / "policies"
    policies.mkdir()
    (policies / "strict.yaml").write_text(
        "name: strict\nreason_codes: [{code: ok, label: OK}]\n"
        "playbook: [{text: 'hello', expect: block}]\n")
    config.write_text(config.read_text() + "policies_dir: policies\n")
    result = run_cli_here(config, "policy", "test", "strict", check=False)
    assert result.returncode == 1
    assert "MISS" in result.stdout and "1 failed" in result.stdout


@pytest.fixture(scope="module")
def sales_policy() -> Policy:
    return parse_policy(shipped_policies_dir() / "sales-email.yaml", discover())[0]


@pytest.mark.parametrize(("deal_value", "tier", "action", "noted"), [
    (150000, "high-value", "hold", False),
    ("150000", "high-value", "hold", False),
    ("150,000", "high-value", "hold", False),
    ("$250,000", "high-value", "hold", False),
    ("99,999", "standard", "allow", False),
    ("lots", "standard", "allow", True),
    ({}, "standard", "allow", True),
    (None, "standard", "allow", False),
])
def test_tier_conditions_coerce_metadata_and_note_what_they_cannot_read(
        sales_policy: Policy, deal_value: object, tier: str, action: str, noted: bool) -> None:
    verdict = triage(sales_policy, [], {"deal_value": deal_value})
    assert (verdict.tier.name, verdict.action, bool(verdict.notes)) == (tier, action, noted)


@pytest.mark.parametrize(("deal_value", "stored"), [("150,000", 150000.0), (250000, 250000.0), ("TBD", None), (True, None)])
def test_review_items_store_the_coerced_deal_value(sales_policy: Policy, deal_value: object, stored: float | None) -> None:
    finding = Finding(check="brand", rule="competitor_mention", severity="high", action="hold")
    guard = GuardResult([], triage(sales_policy, [finding], {"deal_value": deal_value}))
    item = new_review_item(1, 1, "review", sales_policy, guard, {"deal_value": deal_value}, blocking=True)
    assert item.deal_value == stored


@pytest.mark.parametrize(("policy_yaml", "fragment"), [
    ("name: bad\nreason_codes: []\n", "reason_codes"),
    ("name: bad\nreason_codes: [{code: a, label: A}]\nchecks: {nope: {}}\n", "checks.nope: unknown check"),
    ("name: bad\nreason_codes: [{code: a, label: A}]\nchecks: {pii: {entities: {FOO: mask}}}\n", "unknown entity FOO"),
    ("name: other\nreason_codes: [{code: a, label: A}]\n", "must match the file name"),
    ("name: bad\nreason_codes: [{code: a, label: A}]\nhold_timeout_s: soon\n", "hold_timeout_s"),
])
def test_bad_policy_stops_serve_naming_file_and_field(config: Path, tmp_path: Path, policy_yaml: str, fragment: str) -> None:
    policies = tmp_path / "policies"
    policies.mkdir()
    (policies / "bad.yaml").write_text(policy_yaml)
    config.write_text(config.read_text() + "policies_dir: policies\n")
    result = subprocess.run([str(BIN / "loopguard"), "serve", "--config", str(config), "--port", "1"],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode != 0
    assert "bad.yaml" in result.stderr and fragment in result.stderr


@pytest.mark.parametrize(("config_yaml", "fragment"), [
    ("model_list: []\n", "model_list"),
    ("model_list: [{model_name: m}]\nmax_body_bytes: big\n", "max_body_bytes"),
    ("model_list: [{model_name: m}]\ndatabse_url: x\n", "databse_url"),
    ("model_list: [{model_name: m}]\ndatabase_url: os.environ/LOOPGUARD_UNSET_VAR\n", "LOOPGUARD_UNSET_VAR"),
    ("model_list: [oops\n", "not valid YAML"),
])
def test_bad_config_is_reported_with_file_and_field(tmp_path: Path, config_yaml: str, fragment: str) -> None:
    path = tmp_path / "loopguard.yaml"
    path.write_text(config_yaml)
    with pytest.raises(ConfigError) as err:
        load_settings(path)
    assert str(path) in str(err.value) and fragment in str(err.value)


def test_config_comes_from_the_environment_variable_when_no_flag(config: Path) -> None:
    import os

    env = {**os.environ, "LOOPGUARD_CONFIG": str(config)}
    result = subprocess.run([str(BIN / "loopguard"), "users", "create", "--email", "e@x.io", "--role", "ml"],
                            capture_output=True, text=True, env=env, timeout=60, check=True)
    assert result.stdout.strip().splitlines()[-1].startswith("lgu-")
    assert (config.parent / "lg.db").exists()


def test_keys_are_stored_hashed_and_listed_by_prefix(config: Path) -> None:
    key = run_cli(config, "keys", "create", "--app", "a1", "--policy", "default", "--mode", "review").stdout.strip().splitlines()[-1]
    assert key.startswith("lg-") and len(key) > 40
    assert key.encode() not in (config.parent / "lg.db").read_bytes()
    listing = run_cli(config, "keys", "list").stdout
    assert key[:10] in listing and key not in listing


def test_keys_create_refuses_an_unknown_policy(config: Path) -> None:
    result = run_cli(config, "keys", "create", "--app", "a", "--policy", "nope", "--mode", "review", check=False)
    assert result.returncode != 0 and "unknown policy 'nope'" in result.stderr
