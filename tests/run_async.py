"""Runs a coroutine to its end from a test, whatever loop the test's thread may be running.

Playwright's sync API keeps an event loop running in the main thread while a browser
fixture is alive, so `asyncio.run` there fails ("cannot be called from a running event
loop") depending on which tests ran before. A thread of its own has no loop.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

T = TypeVar("T")


def run_async(coroutine: Coroutine[Any, Any, T]) -> T:
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()
