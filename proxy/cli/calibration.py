"""`loopguard calibrate` (how each rule agrees with reviewers) and `loopguard playbook add`
(a decided item as a playbook example); see `review_ui.metrics.calibration` and
`review_ui.playbook`."""

from __future__ import annotations

import click

from proxy.cli.common import config_option, settings, store


@click.command("calibrate")
@config_option
@click.option("--policy", default=None, help="Only this policy.")
@click.option("--min-evidence", type=click.IntRange(1), default=10, help="Flags needed before a change is suggested.")
def calibrate(config: str | None, policy: str | None, min_evidence: int) -> None:
    """Per check and rule: flags, confirmed, overridden, precision, audit misses, a suggestion."""
    from rich.console import Console
    from rich.table import Table

    from review_ui.metrics.calibration import calibrate as compute

    rows = compute(store(config), policy)
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
