"""`loopguard serve` and `loopguard demo`."""

from __future__ import annotations

import logging
from typing import cast

import click

from proxy.cli.common import config_option, settings
from proxy.config import ConfigError


@click.command()
@config_option
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=4000, show_default=True, type=int)
@click.option("--log-level", default="info", show_default=True)
@click.option("--routes", "routes_served", type=click.Choice(["all", "proxy", "review"]), default="all",
              show_default=True, help="proxy: the OpenAI routes for apps; review: the review UI and its JSON API.")
def serve(config: str | None, host: str, port: int, log_level: str, routes_served: str) -> None:
    """Run the proxy and/or the review UI."""
    import uvicorn

    from proxy.app import Routes, create_app
    from proxy.gateway import Gateway

    logging.basicConfig(level=log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    loaded = settings(config)
    try:
        gateway = Gateway.build(loaded)
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from exc
    served = {"all": "proxy and review UI", "proxy": "proxy only", "review": "review UI only"}[routes_served]
    click.echo(f"loopguard: {len(gateway.policies)} policies, models {', '.join(loaded.model_names)}; {served}; "
               f"listening on http://{host}:{port}", err=True)
    uvicorn.run(create_app(gateway, cast(Routes, routes_served)), host=host, port=port, log_level=log_level)


@click.command()
def demo() -> None:
    """Run the proxy in front of a local SmolLM2 model and show mask, hold and block."""
    from proxy.demo import main as run_demo

    run_demo()
