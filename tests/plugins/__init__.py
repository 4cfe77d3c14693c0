"""Outside checks used by tests, registered through `check_plugins` like any third-party check."""

from __future__ import annotations

from pydantic import BaseModel

from checks.resources import Resources
from checks.types import CheckContext, Finding


class CrashConfig(BaseModel):
    pass


class CrashingCheck:
    """A check with a bug: it raises on every text."""

    name = "crash"
    Config = CrashConfig

    def __init__(self, config: CrashConfig, resources: Resources) -> None:
        self.config = config

    def run(self, text: str, context: CheckContext) -> list[Finding]:
        raise RuntimeError("bug in an outside check")
