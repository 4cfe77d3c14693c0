"""`loopguard export`: review decisions as preference data for trainers (see `review_ui.prefs`).

Bad input (an unknown format, a bad date, an unwritable path, nothing to export) is one
line on stderr and exit 1, and no file under the target name.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import click

from proxy.cli.common import config_option, settings

if TYPE_CHECKING:
    from proxy.config import Settings
    from proxy.policy import LoadedPolicy
    from proxy.store.database import Store

EXPORT_ROLES = ("ml", "admin")


def parse_when(value: str | None, option: str) -> datetime | None:
    """A date (YYYY-MM-DD) or ISO 8601 time; without a zone it is UTC."""
    if value is None:
        return None
    try:
        when = datetime.fromisoformat(value)
    except ValueError:
        raise click.ClickException(f"bad date for {option}: {value!r} (use YYYY-MM-DD or an ISO 8601 time)") from None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def unmasking_actor(store: Store, token: str | None) -> str:
    """The audit actor for an unmasked export: an active ml or admin user, or an error."""
    user = store.user_for_token(token) if token else None
    if user is None or user.role not in EXPORT_ROLES:
        raise click.ClickException("--no-mask needs the API token of an ml or admin user (--token or LOOPGUARD_TOKEN)")
    return f"user:{user.id}"


def _policies(loaded: Settings) -> dict[str, LoadedPolicy]:
    """The policies with their checks (for masking), or a one-line error."""
    from checks.registry import discover
    from checks.resources import Resources
    from checks.types import CheckError
    from proxy.config import ConfigError
    from proxy.policy import load_policies

    try:
        return load_policies(loaded.policies_dir, discover(loaded.check_plugins), Resources())
    except (CheckError, ConfigError) as exc:
        raise click.ClickException(str(exc)) from exc


@click.command("export")
@config_option
@click.option("--format", "fmt", required=True, help="trl, openai-dpo, hh, kto, jsonl or parquet.")
@click.option("--out", required=True, type=click.Path(path_type=Path, dir_okay=False), help="The file to write.")
@click.option("--since", default=None, help="Decided at or after (YYYY-MM-DD or ISO time, UTC).")
@click.option("--until", default=None, help="Decided before.")
@click.option("--app", "app_name", default=None, help="Only this app's items.")
@click.option("--policy", default=None, help="Only this policy's items.")
@click.option("--reason", default=None, help="Only decisions with this reason code.")
@click.option("--min-agreement", type=click.FloatRange(0, 1), default=None,
              help="Only items several reviewers decided, agreeing at least this much.")
@click.option("--test-fraction", type=click.FloatRange(0, 1, max_open=True), default=0.0,
              help="Share of prompts (by digest) written to NAME.test.EXT instead.")
@click.option("--no-mask", is_flag=True, help="Keep personal data (ml/admin token required; audited).")
@click.option("--token", envvar="LOOPGUARD_TOKEN", default=None, help="Your API token (for --no-mask).")
def export(config: str | None, fmt: str, out: Path, since: str | None, until: str | None, app_name: str | None,
           policy: str | None, reason: str | None, min_agreement: float | None, test_fraction: float, no_mask: bool,
           token: str | None) -> None:
    """Write decided review items as preference data (PII masked unless --no-mask)."""
    from rich.console import Console
    from rich.progress import Progress

    from proxy.store.database import Store, StoreError
    from review_ui.prefs import formats, source
    from review_ui.prefs.export import ExportError, Selection, write
    from review_ui.prefs.masking import Masker

    if fmt not in formats.FORMATS:
        raise click.ClickException(f"unknown format {fmt!r}; use one of: {', '.join(formats.FORMATS)}")
    filters_in = (parse_when(since, "--since"), parse_when(until, "--until"))
    loaded = settings(config)
    store = Store(loaded.database_url)
    actor = unmasking_actor(store, token) if no_mask else "cli"
    try:
        app_ids = frozenset({store.app_named(app_name).id or 0}) if app_name else None
    except StoreError as exc:
        raise click.ClickException(str(exc)) from exc
    masker = None if no_mask else Masker(lambda: _policies(loaded))
    filters = source.Filters(*filters_in, app_ids, policy)
    selection = Selection(filters, reason, min_agreement, test_fraction, mask=not no_mask)
    with Progress(console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task("exporting", total=source.count(store, filters))
        try:
            summary = write(store, fmt, out, selection, masker, lambda n: bar.advance(task, n))
        except ExportError as exc:
            raise click.ClickException(str(exc)) from exc
    store.audit(actor, "export.unmasked" if no_mask else "export", f"export:{out.name}",
                {"format": fmt, "rows": summary.rows, "items": summary.items, "masked": not no_mask,
                 "filters": {"since": since, "until": until, "app": app_name, "policy": policy, "reason": reason,
                             "min_agreement": min_agreement}})
    split = ", ".join(f"{s} {n}" for s, n in sorted(summary.written.items()))
    click.echo(f"wrote {summary.rows} rows ({split}) from {summary.items} decided items"
               f"{'' if no_mask else ', personal data masked'}")
    for name, path in summary.paths.items():
        click.echo(f"  {name}: {path}")
    for why, n in summary.skipped.most_common():
        click.echo(f"  skipped {n}: {why}")
