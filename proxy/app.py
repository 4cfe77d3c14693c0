"""The ASGI app: the gateway's routes and the review UI with its JSON API, wrapped in the
request id, the body limits and the review UI's security headers; every error leaves in
OpenAI's shape (`proxy.http.errors`).

`routes` picks what one process serves: `all`, `proxy` (the OpenAI-compatible routes apps
call) or `review` (the reviewers' web app and JSON API), so a company can expose the proxy
to apps and keep the review UI internal. Every process runs the background sweeps
(`proxy.review.sweeps`): they work on the shared database and never do anything twice.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Literal

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from sqlalchemy.exc import OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp

from proxy.gateway import Gateway
from proxy.http import chat, routes
from proxy.http.errors import (
    ApiError,
    handle_api_error,
    handle_database_down,
    handle_http_error,
    handle_unexpected,
    handle_validation_error,
)
from proxy.http.limits import BodySizeLimit
from proxy.http.request_log import RequestId
from proxy.review import sweeps
from proxy.shutdown import drain_on_exit
from review_ui import api as review_api
from review_ui import pages
from review_ui.headers import SecurityHeaders

Routes = Literal["all", "proxy", "review"]
ROUTE_SETS: tuple[Routes, ...] = ("all", "proxy", "review")


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    gateway: Gateway = app.state.gateway
    tasks = [asyncio.create_task(sweeps.run(gateway)), asyncio.create_task(gateway.notices.run())]
    try:
        with drain_on_exit(gateway.notices):
            yield
    finally:
        for task in tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await app.state.gateway.upstream.aclose()


def create_app(gateway: Gateway, routes_served: Routes = "all") -> ASGIApp:
    app = FastAPI(title="loopguard", version="0.1.0", docs_url=None, redoc_url=None,
                  lifespan=_lifespan)
    app.state.gateway = gateway
    app.add_exception_handler(ApiError, handle_api_error)
    app.add_exception_handler(RequestValidationError, handle_validation_error)
    app.add_exception_handler(StarletteHTTPException, handle_http_error)
    app.add_exception_handler(OperationalError, handle_database_down)
    app.add_exception_handler(Exception, handle_unexpected)
    app.include_router(routes.probes)
    if routes_served in ("all", "proxy"):
        app.include_router(chat.router)
        app.include_router(routes.router)
    if routes_served in ("all", "review"):
        app.include_router(review_api.router)
        pages.install(app)
    return RequestId(BodySizeLimit(SecurityHeaders(app), gateway.settings.max_body_bytes))
