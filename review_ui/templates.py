"""The Jinja2 environment of the review UI: autoescaping on (every output, finding and
prompt is untrusted text), and the few filters the pages use for times and amounts."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import jinja2
from fastapi.templating import Jinja2Templates

from proxy.store.models import utcnow

TEMPLATES_DIR = Path(__file__).with_name("templates")


def make_templates() -> Jinja2Templates:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES_DIR), autoescape=True,
                             undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters.update(duration=duration, countdown=countdown, left=left, ago=ago, when=when, money=money)
    return Jinja2Templates(env=env)


def duration(seconds: float) -> str:
    """`95` -> "1m", `4000` -> "1h 06m", `200000` -> "2d 07h"."""
    s = int(abs(seconds))
    if s < 60:
        return f"{s}s"
    if s < 3600:
        return f"{s // 60}m"
    if s < 86400:
        return f"{s // 3600}h {s % 3600 // 60:02d}m"
    return f"{s // 86400}d {s % 86400 // 3600:02d}h"


def countdown(seconds: float | None) -> str:
    if seconds is None:
        return "no SLA"
    return f"{duration(seconds)} left" if seconds >= 0 else f"overdue {duration(seconds)}"


def left(deadline: datetime | None) -> str:
    return countdown((deadline - utcnow()).total_seconds() if deadline else None)


def ago(when_: datetime | None) -> str:
    return duration((utcnow() - when_).total_seconds()) if when_ else "–"


def when(when_: datetime | None) -> str:
    return f"{when_:%Y-%m-%d %H:%M:%S} UTC" if when_ else "–"


def money(value: float | None) -> str:
    if value is None:
        return "–"
    return f"{value:,.0f}" if value == int(value) else f"{value:,.2f}"
