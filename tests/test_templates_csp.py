"""The review UI's CSP allows no inline script or style: so no template may hold any (an
inline script, an event-handler attribute, a style attribute or block, a javascript: URL),
or the page would silently break under its own policy. A data block (`<script
type="application/json">`) is not script: browsers never run it, and the CSP allows it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

TEMPLATES = sorted((Path(__file__).parents[1] / "review_ui" / "templates").glob("**/*.html"))
INLINE = re.compile(r"<script(?![^>]*\b(?:src=|type=\"application/json\"))|\son[a-z]+\s*=|\sstyle\s*=|<style|javascript:|\shx-on", re.IGNORECASE)


@pytest.mark.parametrize("template", TEMPLATES, ids=[t.name for t in TEMPLATES])
def test_templates_hold_no_inline_script_or_style(template: Path) -> None:
    found = [m.group(0) for m in INLINE.finditer(template.read_text())]
    assert not found, f"{template.name}: {found}"


def test_the_check_catches_what_it_is_for() -> None:
    for bad in ['<script>alert(1)</script>', '<a onclick="x()">', '<p style="color:red">', '<a href="javascript:x">',
                '<div hx-on:click="x">']:
        assert INLINE.search(bad), bad
    assert not INLINE.search('<script src="/review/static/keys.js" defer></script>')
    assert not INLINE.search('<script type="application/json" id="figures-data">{}</script>')
    assert INLINE.search('<script type="module">x()</script>')
