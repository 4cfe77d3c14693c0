"""Person, phone and street-address tables (tests/data/pii_tables/*.yaml), through the check
suite as the proxy runs it: each text must yield exactly the listed spans of its entity."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from checks.engine import CheckSuite
from checks.pii import PiiCheck, PiiConfig
from checks.resources import Resources
from checks.types import CheckContext

TABLES = Path(__file__).parent / "data" / "pii_tables"
ENTITIES = {"person": "PERSON", "phone": "PHONE_NUMBER", "street_address": "STREET_ADDRESS"}


def _rows() -> list[Any]:
    rows = []
    for table, entity in ENTITIES.items():
        data = yaml.safe_load((TABLES / f"{table}.yaml").read_text())
        rows += [pytest.param(entity, text, spans, id=f"{table}-found-{i}") for i, (text, spans) in enumerate(data["found"])]
        rows += [pytest.param(entity, text, [], id=f"{table}-none-{i}") for i, text in enumerate(data["not_found"])]
    return rows


@pytest.fixture(scope="module")
def suite(resources: Resources) -> CheckSuite:
    return CheckSuite([PiiCheck(PiiConfig(), resources)])


@pytest.mark.parametrize(("entity", "text", "spans"), _rows())
def test_entity_spans(suite: CheckSuite, entity: str, text: str, spans: list[str]) -> None:
    found = [text[f.start or 0 : f.end or 0] for f in suite.run(text, CheckContext()) if f.rule == entity]
    assert found == spans
