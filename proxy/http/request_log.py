"""Request ids and structured logs.

Every request gets an id (`X-Request-Id`: a client's own, if it sent a short safe one, else
a new one), echoed on the response, including refusals made before the app (413) and 500s.
While the request runs, the id sits in a context variable, and every log line written for
it, by loopguard, uvicorn or litellm, carries it as `request_id`: a client quoting the id
from an error leads to the full detail in the log. `configure` makes the log one JSON object
per line.

A context variable is the one piece of per-request state outside the app object; it is
asyncio's way to follow a request into the tasks and threads it starts.
"""

from __future__ import annotations

import logging
import re
import uuid
from contextvars import ContextVar

from pythonjsonlogger.json import JsonFormatter
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

HEADER = "X-Request-Id"
_SAFE_ID = re.compile(r"[A-Za-z0-9._-]{8,64}")
current_request_id: ContextVar[str | None] = ContextVar("loopguard_request_id", default=None)


class RequestId:
    """ASGI middleware: assigns the id, echoes it, and puts it in the log context."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        sent = dict(scope.get("headers") or []).get(HEADER.lower().encode(), b"").decode("latin-1")
        request_id = sent if _SAFE_ID.fullmatch(sent) else uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id
        token = current_request_id.set(request_id)

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message)[HEADER] = request_id
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            current_request_id.reset(token)


class _FirstLineOnly(logging.Filter):
    """Python warnings logged by the server keep only their first line: pydantic's serializer
    warnings quote the value they met (a model's reply) on the lines after it."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg, record.args = record.getMessage().strip().splitlines()[0], None
        return True


class _DetailWithheld(logging.Filter):
    """litellm's log messages embed request and reply text (and tracebacks): only the fact
    of the event is kept; loopguard logs upstream failures itself, without content."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg, record.args, record.exc_info, record.exc_text = (
            f"litellm {record.levelname.lower()} in {record.funcName} (detail withheld: it may quote content)",
            None, None, None)
        return True


class _WithRequestId(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = current_request_id.get()
        return True


def configure(level: str) -> None:
    """Root logging as JSON lines on stderr (uvicorn's loggers included), each with its request id."""
    handler = logging.StreamHandler()
    handler.addFilter(_WithRequestId())
    handler.setFormatter(JsonFormatter("%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s",
                                       rename_fields={"levelname": "level", "name": "logger"}))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    adopt("uvicorn", "uvicorn.error", "uvicorn.access")
    logging.captureWarnings(True)
    warnings = logging.getLogger("py.warnings")
    if not any(isinstance(f, _FirstLineOnly) for f in warnings.filters):
        warnings.addFilter(_FirstLineOnly())


def adopt(*names: str, withhold_detail: bool = False) -> None:
    """Sends these libraries' loggers through the root's handler only (they add their own
    plain-text handlers; litellm does when imported); `withhold_detail` keeps warnings and
    errors only, without their text."""
    for name in names:
        logger = logging.getLogger(name)
        logger.handlers[:] = []
        logger.propagate = True
        if withhold_detail:
            logger.setLevel(logging.WARNING)
            if not any(isinstance(f, _DetailWithheld) for f in logger.filters):
                logger.addFilter(_DetailWithheld())
