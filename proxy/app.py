"""The ASGI app: the gateway's routes and the review API, wrapped in the body-size limit."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp

from proxy import chat, routes
from proxy.errors import ApiError, handle_api_error, handle_http_error, handle_validation_error
from proxy.gateway import Gateway
from proxy.limits import BodySizeLimit
from review_ui import api as review_api


def create_app(gateway: Gateway) -> ASGIApp:
    app = FastAPI(title="loopguard", version="0.1.0", docs_url=None, redoc_url=None)
    app.state.gateway = gateway
    app.add_exception_handler(ApiError, handle_api_error)
    app.add_exception_handler(RequestValidationError, handle_validation_error)
    app.add_exception_handler(StarletteHTTPException, handle_http_error)
    app.include_router(chat.router)
    app.include_router(routes.router)
    app.include_router(review_api.router)
    return BodySizeLimit(app, gateway.settings.max_body_bytes)
