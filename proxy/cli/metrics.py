"""`loopguard metrics`: the review figures (`review_ui.metrics.figures`) as a table, or as
one JSON object for scripts. Gold floors come from the policy files (read, not built: no
check is loaded)."""

from __future__ import annotations

import json

import click

from proxy.cli.common import config_option, settings, store
from proxy.cli.exports import parse_when


@click.command("metrics")
@config_option
@click.option("--since", default=None, help="From (YYYY-MM-DD or ISO time, UTC).")
@click.option("--until", default=None, help="Before.")
@click.option("--policy", default=None, help="Only this policy's apps and items.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object instead of a table.")
def metrics(config: str | None, since: str | None, until: str | None, policy: str | None, as_json: bool) -> None:
    """Flag, correction, override and rejection rates, review latency, SLA misses, agreement."""
    from rich.console import Console
    from rich.table import Table

    from review_ui.metrics.figures import CAPTIONS, Window, compute

    window = Window(parse_when(since, "--since"), parse_when(until, "--until"), policy)
    figures = compute(store(config), window, None, _floors(config))
    if as_json:
        click.echo(json.dumps(figures, sort_keys=True))
        return
    console = Console()
    table = Table(title=f"review metrics {since or 'start'} → {until or 'now'}" + (f", policy {policy}" if policy else ""),
                  caption=f"{figures['interactions']} interactions, {figures['decided']} decided items")
    for name in ("figure", "value", "share of / unit"):
        table.add_column(name)
    for key, caption in CAPTIONS.items():
        table.add_row(key, _show(figures[key]), caption)
    for rule, rate in figures["flag_rate_by_rule"].items():
        table.add_row(f"flag_rate {rule}", _show(rate), "interactions where it fired ÷ interactions")
    for name, value in figures["agreement"].items():
        table.add_row(f"agreement {name}", f"κ {_show(value['cohen_kappa'])}  α {_show(value['krippendorff_alpha'])}",
                      f"action, over {value['items']} items decided by 2+ reviewers")
    for email, n in figures["throughput"].items():
        table.add_row(f"throughput {email}", str(n), "decisions")
    for email, r in figures["reviewers"].items():
        if r["gold_decisions"]:
            flag = f"  RECALIBRATE ({', '.join(r['flagged_policies'])})" if r["flagged"] else ""
            table.add_row(f"gold accuracy {email}", _show(r["gold_accuracy"]) + flag,
                          f"gold items decided as expected ÷ {r['gold_decisions']} gold items decided")
    console.print(table)


def _floors(config: str | None) -> dict[str, tuple[float, int]]:
    """Each policy's gold floor and minimum, from its file."""
    from proxy.config import ConfigError, read_yaml
    from proxy.policy import Policy, policy_files

    try:
        files = policy_files(settings(config).policies_dir)
        policies = {name: Policy.model_validate(read_yaml(path)) for name, path in files.items()}
    except (ConfigError, ValueError) as exc:
        raise click.ClickException(str(exc)) from exc
    return {name: (p.gold_floor, p.gold_min) for name, p in policies.items()}


def _show(value: object) -> str:
    if value is None:
        return "–"
    return f"{value:.4g}" if isinstance(value, float) else str(value)
