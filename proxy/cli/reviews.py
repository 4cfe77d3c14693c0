"""`loopguard reviews ...`: an item's deep link, and deciding from the command line
through the same decision code as the web UI and the JSON API."""

from __future__ import annotations

import click

from proxy.cli.common import config_option, settings, store


@click.group()
def reviews() -> None:
    """Review items."""


@reviews.command("link")
@config_option
@click.argument("review_id", type=int)
def reviews_link(config: str | None, review_id: int) -> None:
    """The item's stable link in the review UI (and its embeddable view)."""
    from proxy.review.webhooks import review_link

    loaded = settings(config)
    if store(config).get_review(review_id) is None:
        raise click.ClickException(f"no review {review_id}")
    link = review_link(loaded.public_url, review_id)
    click.echo(link)
    click.echo(f"{link}/embed")


@reviews.command("decide")
@config_option
@click.argument("review_id", type=int)
@click.option("--as", "email", required=True, help="The deciding user (their role and grants apply).")
@click.option("--action", type=click.Choice(["approve", "edit", "reject", "escalate"]), required=True)
@click.option("--reason", "reason_code", required=True, help="A reason code of the item's policy.")
@click.option("--note", default="")
@click.option("--text", "edited_text", default=None, help="The corrected text, for --action edit.")
@click.option("--candidate", type=int, default=None, help="Candidate number (1-based) when there are several.")
def reviews_decide(config: str | None, review_id: int, email: str, action: str, reason_code: str, note: str,
                   edited_text: str | None, candidate: int | None) -> None:
    """Decide an item as EMAIL (for scripts and break-glass use)."""
    from proxy.gateway import Gateway
    from proxy.http.errors import ApiError
    from proxy.store.migrate import SchemaError
    from review_ui.accounts.access import viewer_for
    from review_ui.decisions import DecisionIn, decide

    try:
        gateway = Gateway.build(settings(config))
    except SchemaError as exc:
        raise click.ClickException(str(exc)) from exc
    user = gateway.store.user_by_email(email)
    if user is None or user.disabled_at is not None:
        raise click.ClickException(f"no active user {email}")
    decision = DecisionIn(action, reason_code, note, edited_text, candidate - 1 if candidate else None)
    try:
        outcome = decide(gateway, viewer_for(gateway.store, user), review_id, decision)
    except ApiError as exc:
        raise click.ClickException(exc.message) from exc
    more = " (first approval; a second approver is needed)" if outcome.awaiting_second_approval else ""
    click.echo(f"review {review_id}: {outcome.status}{more}")
