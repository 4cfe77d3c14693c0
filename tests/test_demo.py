"""`make demo`'s set-up, without its local model: the reviewer it creates can sign in, the
config it writes loads, and the samples leave the held draft in that reviewer's queue."""

from __future__ import annotations

from pathlib import Path

import pytest

from proxy import demo
from proxy.config import load_settings
from proxy.store.database import Store
from review_ui.accounts.access import viewer_for
from review_ui.accounts.auth import sign_in
from tests.conftest import Proxy


def test_the_demo_reviewer_signs_in_with_the_printed_password(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(demo, "WORKDIR", tmp_path)
    settings = load_settings(demo.write_config(model_port=1234))
    assert settings.secret_key and settings.public_url == "http://127.0.0.1:4000"
    store = Store(f"sqlite:///{tmp_path / 'demo.db'}")
    access = demo.set_up_access(store)
    assert store.app_for_key(access.key) is not None
    assert sign_in(store, settings, access.reviewer, access.password, "127.0.0.1").user is not None
    assert sign_in(store, settings, access.reviewer, "not the password", "127.0.0.1").user is None
    user = store.user_by_email(access.reviewer)
    assert user is not None and user.role == "reviewer"
    assert viewer_for(store, user).app_ids == {store.app_named(demo.DEMO_APP).id}
    banner = demo.review_banner(access, "http://127.0.0.1:4000", 7)
    assert "http://127.0.0.1:4000/review/login" in banner and access.password in banner
    assert "http://127.0.0.1:4000/review/items/7" in banner


def test_the_demo_samples_leave_the_held_draft_pending_for_the_reviewer(proxy: Proxy) -> None:
    store = proxy.store()
    key = proxy.key("demo-samples", "sales-email", "review", "defer")
    held = demo.run_samples(proxy.base_url, key, model="fake-model")  # the fake upstream echoes the samples back
    assert held is not None
    item = store.get_review(held)
    assert item is not None and item.status == "pending" and item.app_id == store.app_named("demo-samples").id
