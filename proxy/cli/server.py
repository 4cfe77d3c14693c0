"""`loopguard serve` and `loopguard demo`."""

from __future__ import annotations

import math
import os
from typing import cast

import click

from proxy.cli.common import config_option, settings
from proxy.config import ConfigError, config_path


@click.command()
@config_option
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=4000, show_default=True, type=int)
@click.option("--log-level", default="info", show_default=True)
@click.option("--routes", "routes_served", type=click.Choice(["all", "proxy", "review"]), default="all",
              show_default=True, help="proxy: the OpenAI routes for apps; review: the review UI and its JSON API.")
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1, 64),
              help="Worker processes (about one per core); they share the database.")
def serve(config: str | None, host: str, port: int, log_level: str, routes_served: str, workers: int) -> None:
    """Run the proxy and/or the review UI."""
    import uvicorn

    from proxy.app import Routes, create_app
    from proxy.gateway import Gateway
    from proxy.http.request_log import configure
    from proxy.store.database import make_engine
    from proxy.store.migrate import SchemaError, require_current

    configure(log_level)
    loaded = settings(config)
    grace = math.ceil(loaded.shutdown_grace_s)  # on SIGTERM, in-flight requests finish within it (proxy.shutdown)
    served = {"all": "proxy and review UI", "proxy": "proxy only", "review": "review UI only"}[routes_served]
    if workers > 1:  # each worker builds its gateway from the config (proxy.serving)
        try:
            require_current(make_engine(loaded.database_url))
        except SchemaError as exc:
            raise click.ClickException(str(exc)) from exc
        os.environ["LOOPGUARD_CONFIG"] = str(config_path(config).resolve())
        os.environ["LOOPGUARD_ROUTES"] = routes_served
        os.environ["LOOPGUARD_LOG_LEVEL"] = log_level
        click.echo(f"loopguard: {workers} workers, models {', '.join(loaded.model_names)}; {served}; "
                   f"listening on http://{host}:{port}", err=True)
        uvicorn.run("proxy.serving:worker_app", factory=True, workers=workers, host=host, port=port,
                    log_level=log_level, log_config=None, timeout_graceful_shutdown=grace)
        return
    try:
        gateway = Gateway.build(loaded)
    except (ConfigError, SchemaError) as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"loopguard: {len(gateway.policies)} policies, models {', '.join(loaded.model_names)}; {served}; "
               f"listening on http://{host}:{port}", err=True)
    uvicorn.run(create_app(gateway, cast(Routes, routes_served)), host=host, port=port, log_level=log_level,
                log_config=None, timeout_graceful_shutdown=grace)


@click.command()
def demo() -> None:
    """Run the proxy in front of a local SmolLM2 model and show mask, hold and block."""
    from proxy.demo import main as run_demo

    run_demo()
