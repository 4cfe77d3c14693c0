"""The app of one worker process of `loopguard serve --workers N`.

uvicorn starts each worker from an import string, so the worker builds its own gateway (its
own models, database pool and litellm Router) from the config file named in
$LOOPGUARD_CONFIG, and serves the routes named in $LOOPGUARD_ROUTES (all, proxy or review);
`serve` sets both before starting them.
"""

from __future__ import annotations

import os
from typing import cast

from starlette.types import ASGIApp

from proxy.app import Routes, create_app
from proxy.config import config_path, load_settings
from proxy.gateway import Gateway
from proxy.http.request_log import configure


def worker_app() -> ASGIApp:
    configure(os.environ.get("LOOPGUARD_LOG_LEVEL", "info"))
    routes = cast(Routes, os.environ.get("LOOPGUARD_ROUTES", "all"))
    return create_app(Gateway.build(load_settings(config_path(None))), routes)
