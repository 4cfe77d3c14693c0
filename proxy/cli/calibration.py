"""`loopguard calibrate` (how each rule agrees with reviewers; `--write` applies the changes
the evidence pins down to the policy files, `review_ui.metrics.tuning`) and `loopguard
playbook add` (a decided item as a playbook example); see `review_ui.metrics.calibration`
and `review_ui.playbook`."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from proxy.cli.common import config_option, settings, store

if TYPE_CHECKING:
    from checks.registry import CheckFactory
    from proxy.store.database import Store
    from review_ui.metrics.calibration import RuleStats


@click.command("calibrate")
@config_option
@click.option("--policy", default=None, help="Only this policy.")
@click.option("--min-evidence", type=click.IntRange(1), default=10, help="Flags needed before a change is suggested.")
@click.option("--write", is_flag=True, help="Apply the threshold and action changes to the policy files (diff first).")
@click.option("--yes", is_flag=True, help="With --write: do not ask before writing.")
def calibrate(config: str | None, policy: str | None, min_evidence: int, write: bool, yes: bool) -> None:
    """Per check and rule: flags, confirmed, overridden, precision, audit misses, a suggestion."""
    from rich.console import Console
    from rich.table import Table

    from review_ui.metrics.calibration import calibrate as compute

    db = store(config)
    rows = compute(db, policy)
    if not rows:
        raise click.ClickException("no decided items" + (f" for policy {policy}" if policy else ""))
    table = Table(title="calibration", caption="precision = confirmed ÷ flags; miss rate = audit samples edited or "
                  "rejected with this rule as the reason ÷ audit samples decided")
    for name in ("policy", "check", "rule", "flags", "confirmed", "overridden", "precision", "missed", "miss rate",
                 "suggestion"):
        table.add_column(name)
    for r in rows:
        table.add_row(r.policy, r.check, r.rule, str(r.flags), str(r.confirmed), str(r.overridden),
                      _show(r.precision), f"{r.missed}/{r.audit_samples}", _show(r.miss_rate), r.suggestion(min_evidence))
    Console(width=200).print(table)
    if write:
        for name in sorted({r.policy for r in rows}):
            _write(config, db, name, rows, min_evidence, yes)


def _write(config: str | None, db: Store, name: str, rows: list[RuleStats], min_evidence: int, yes: bool) -> None:
    """Shows the policy file's diff and the evidence, then (confirmed) writes it in place:
    into `policies_dir`, where a shipped policy is copied first."""
    from checks.registry import discover
    from proxy.config import ConfigError
    from proxy.policy import policy_files
    from review_ui.metrics import tuning

    loaded = settings(config)
    factories = discover(loaded.check_plugins)
    files = policy_files(loaded.policies_dir)
    if name not in files:
        click.echo(f"policy {name}: no policy file (not loaded here); nothing written")
        return
    source = files[name]
    before = source.read_text()
    import yaml

    edits = tuning.changes(rows, yaml.safe_load(before) or {}, min_evidence, lambda check, key: _default(factories, check, key))
    if not edits:
        click.echo(f"policy {name}: no threshold or action change is pinned down by the evidence; nothing written")
        return
    after = tuning.apply(before, edits)
    try:
        _validate(after, factories)
    except (ConfigError, ValueError) as exc:
        raise click.ClickException(f"policy {name}: the calibrated file would not load ({exc}); nothing written") from exc
    target = Path(loaded.policies_dir) / source.name if loaded.policies_dir else None
    if target is None:
        raise click.ClickException(f"policy {name} is a shipped policy: set policies_dir in loopguard.yaml to write a "
                                   "calibrated copy there")
    click.echo(tuning.unified_diff(str(target), before, after), nl=False)
    for edit in edits:
        click.echo(f"  {edit.where}: {edit.old} -> {edit.new} ({edit.evidence})")
    if not yes and not click.confirm(f"write {target}?", default=False):
        click.echo("nothing written")
        return
    if source != target:
        shutil.copyfile(source, target)
    _replace(target, after)
    db.audit("cli", "policy.calibrate", f"policy:{name}", {"file": target.name, "changes": [
        {"path": e.where, "from": e.old, "to": e.new, "evidence": e.evidence} for e in edits]})
    click.echo(f"wrote {target}")


def _default(factories: dict[str, CheckFactory], check: str, key: str) -> Any:
    field = factories[check].Config.model_fields.get(key) if check in factories else None
    return field.default if field is not None else None


def _validate(text: str, factories: dict[str, CheckFactory]) -> None:
    """Raises unless the text is a policy whose check configs all validate."""
    import yaml

    from proxy.policy import Policy

    policy = Policy.model_validate(yaml.safe_load(text))
    for check, raw in policy.checks.items():
        if check in factories:
            factories[check].Config.model_validate(raw or {})


def _replace(target: Path, text: str) -> None:
    """Writes the whole file or nothing (a temporary file renamed over it)."""
    fd, temp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
    try:
        with os.fdopen(fd, "w") as out:
            out.write(text)
        os.replace(temp, target)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


@click.group()
def playbook() -> None:
    """Policy playbooks."""


@playbook.command("add")
@config_option
@click.argument("review_id", type=int)
@click.option("--keep-pii", is_flag=True, help="Write the output as it was (default: masked).")
def playbook_add(config: str | None, review_id: int, keep_pii: bool) -> None:
    """Add decided item REVIEW_ID to its policy's playbook (in policies_dir)."""
    from checks.registry import discover
    from checks.resources import Resources
    from checks.types import CheckError
    from proxy.config import ConfigError
    from proxy.policy import load_policies
    from review_ui.playbook import add
    from review_ui.prefs.masking import Masker

    loaded = settings(config)
    try:
        policies = load_policies(loaded.policies_dir, discover(loaded.check_plugins), Resources())
        db = store(config)
        added = add(db, review_id, policies, loaded.policies_dir, None if keep_pii else Masker(lambda: policies))
    except (ConfigError, CheckError) as exc:
        raise click.ClickException(str(exc)) from exc
    db.audit("cli", "playbook.add", f"review:{review_id}", {"policy_file": added.path.name, "expect": added.example.expect,
                                                           "masked": not keep_pii})
    state = "passes now" if added.passes_now else f"FAILS now (the checks give {added.got}): fix the rule, then re-test"
    click.echo(f"added to {added.path}: expect={added.example.expect} rules={','.join(added.example.rules) or '-'}; {state}")


def _show(value: float | None) -> str:
    return "–" if value is None else f"{value:.2f}"
