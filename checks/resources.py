"""Expensive objects (NLP pipelines, analyzers) shared by every check in a process.

The server creates one `Resources` at start-up and hands it to every check it builds,
so a spaCy model is loaded once per process however many policies use it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")


class Resources:
    """A keyed, thread-safe, build-once cache."""

    def __init__(self) -> None:
        self._items: dict[str, Any] = {}
        self._lock = threading.Lock()

    def get(self, key: str, factory: Callable[[], T]) -> T:
        with self._lock:
            if key not in self._items:
                self._items[key] = factory()
            item: T = self._items[key]
            return item
