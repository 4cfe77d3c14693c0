"""Finds check factories: installed entry points and dotted paths from the config.

Built-in checks are entry points in loopguard's own pyproject, exactly as an outside
package would declare them (group `loopguard.checks`), so nothing built in is special.
"""

from __future__ import annotations

import importlib
from importlib.metadata import entry_points
from typing import Any, Protocol

from pydantic import BaseModel

from checks.resources import Resources
from checks.types import Check, CheckError

ENTRY_POINT_GROUP = "loopguard.checks"


class CheckFactory(Protocol):
    """What a check class offers: its name, its config model, a constructor."""

    name: str
    Config: type[BaseModel]

    def __call__(self, config: Any, resources: Resources) -> Check: ...


def _load_dotted(path: str) -> CheckFactory:
    module_name, _, attr = path.partition(":")
    if not attr:
        raise CheckError(f"check plugin {path!r}: expected 'module.path:ClassName'")
    try:
        factory: CheckFactory = getattr(importlib.import_module(module_name), attr)
    except (ImportError, AttributeError) as exc:
        raise CheckError(f"check plugin {path!r}: {exc}") from exc
    return factory


def discover(extra: list[str] | None = None) -> dict[str, CheckFactory]:
    """All known check factories by name; `extra` are 'module:Class' paths."""
    factories: dict[str, CheckFactory] = {}
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        factory: CheckFactory = ep.load()
        factories[factory.name] = factory
    for path in extra or []:
        factory = _load_dotted(path)
        factories[factory.name] = factory
    return factories
