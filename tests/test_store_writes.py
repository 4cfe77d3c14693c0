"""The request path's two writes (`Store.start_interaction`, `Store.finish_interaction`): one
Core statement each, with the same row the ORM model would have written."""

from __future__ import annotations

from pathlib import Path

import pytest

from proxy.store.database import Store
from proxy.store.models import Interaction


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return Store(f"sqlite:///{tmp_path / 'writes.db'}")


def test_a_started_interaction_holds_the_models_defaults(store: Store) -> None:
    app, _ = store.create_app_key("writes", "default", "monitor", "wait")
    assert app.id is not None
    request = {"model": "fake-model", "messages": [{"role": "user", "content": "hi"}]}
    row = store.get_interaction(store.start_interaction(app.id, request, {"region": "EU"}, stream=True))
    assert row is not None
    expected = Interaction(app_id=app.id, model="fake-model", stream=True, request=request,
                           request_metadata={"region": "EU"})
    skip = {"id", "created_at"}
    assert row.model_dump(exclude=skip) == expected.model_dump(exclude=skip)
    assert row.created_at is not None and row.state == "started" and row.candidates == []


def test_a_finished_interaction_is_updated_and_its_listeners_told(store: Store) -> None:
    app, _ = store.create_app_key("writes", "default", "monitor", "wait")
    assert app.id is not None
    first = store.start_interaction(app.id, {"model": "m"}, {}, stream=False)
    second = store.start_interaction(app.id, {"model": "m"}, {}, stream=False)
    told: list[dict[str, object]] = []
    store.listeners.append(told.append)
    store.finish_interaction(first, state="completed", final_output=[{"role": "assistant", "content": "ok"}], total_ms=1.5)
    done, untouched = store.get_interaction(first), store.get_interaction(second)
    assert done is not None and untouched is not None
    assert (done.state, done.final_output, done.total_ms) == ("completed", [{"role": "assistant", "content": "ok"}], 1.5)
    assert untouched.state == "started"
    assert told == [{"state": "completed", "final_output": [{"role": "assistant", "content": "ok"}], "total_ms": 1.5}]


def test_finishing_with_a_column_the_table_lacks_fails_loudly(store: Store) -> None:
    app, _ = store.create_app_key("writes", "default", "monitor", "wait")
    assert app.id is not None
    row = store.start_interaction(app.id, {"model": "m"}, {}, stream=False)
    with pytest.raises(TypeError, match="statee"):
        store.finish_interaction(row, state="completed", statee="typo")
    assert store.get_interaction(row).state == "started"  # type: ignore[union-attr]
