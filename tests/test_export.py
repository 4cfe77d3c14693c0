"""`loopguard export` end to end: traffic through the real proxy with the openai SDK and the
fake upstream, decisions through the review API (edit, ranking, approve after a fix, reject,
an approved unflagged item), then every format written by the CLI and loaded with
`datasets.load_dataset`, offline."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

import pytest
from openai import OpenAI

from checks.resources import Resources
from proxy.config import load_settings
from proxy.policy import load_policies
from review_ui.prefs import source
from review_ui.prefs.export import ExportError, Selection, Summary, write
from review_ui.prefs.masking import Masker
from tests.conftest import Proxy, run_cli

pytestmark = pytest.mark.timeout(300)

CARD, PHONE, EMAIL = "4111 1111 1111 1111", "+1 415 555 0147", "jane.doe@example.com"
SYSTEM = f"Customer on file: card {CARD}, phone {PHONE}, email {EMAIL}."
RAW_PII = re.compile(r"4111[ -]?1111|415[ .-]?555|jane\.doe@|bob@example\.org")


def _held(client: OpenAI, prompt: str, n: int = 1) -> int:
    raw = client.chat.completions.with_raw_response.create(
        model="fake-model", n=n, messages=[{"role": "system", "content": SYSTEM}, {"role": "user", "content": prompt}])
    return int(raw.headers["X-Loopguard-Review-Id"])


def _decide(api: Any, review_id: int, **body: Any) -> None:
    response = api.post(f"/reviews/{review_id}/decision", json=body)
    assert response.status_code == 200, response.text


@pytest.fixture(scope="module")
def decided(proxy: Proxy) -> dict[str, int]:
    """One item per kind of preference, decided through the review API."""
    review = proxy.client("prefs-review", "sales-email", "review", "defer")
    command = proxy.client("prefs-command", "sales-email", "command", "defer")
    api = proxy.review_api(proxy.user_token("prefs-reviewer@example.com", "reviewer"))
    ids = {
        "edit": _held(review, f"REPLY: I can approve 30% off today. Write to {EMAIL}."),
        "ranking": _held(review, "REPLY: Take 25% off || We can do 30% off || How about 35% off", n=3),
        "fix": _held(review, "REPLY: Our tool is guaranteed to cut churn. Mail bob@example.org or call +1 415 555 0199."),
        "reject": _held(review, "REPLY: Unlike Initech, we ship weekly."),
        "audit": _held(command, "REPLY: Thanks for your time today, talk soon."),
        "plain": _held(review, "REPLY: We promise 100% uptime."),
    }
    _decide(api, ids["edit"], action="edit", reason_code="unauthorized_discount",
            edited_text=f"I can approve 20% off today. Write to {EMAIL}.")
    _decide(api, ids["ranking"], action="approve", reason_code="discount_approved", ranking=[0, 1, 2])
    _decide(api, ids["fix"], action="approve", reason_code="approved_as_is")
    _decide(api, ids["reject"], action="reject", reason_code="competitor_mention")
    _decide(api, ids["audit"], action="approve", reason_code="approved_as_is")
    _decide(api, ids["plain"], action="approve", reason_code="approved_as_is")
    return ids


def _export(proxy: Proxy, tmp_path: Path, fmt: str, *args: str, check: bool = True,
            app: str = "prefs-review") -> tuple[Path, str]:
    tmp_path.mkdir(parents=True, exist_ok=True)
    out = tmp_path / f"prefs.{'parquet' if fmt == 'parquet' else 'jsonl'}"
    result = run_cli(proxy.config, "export", "--format", fmt, "--out", str(out), "--app", app,
                     *args, check=False)
    if check:
        assert result.returncode == 0, result.stderr
    return out, result.stdout + result.stderr


@pytest.fixture(scope="module")
def masker(proxy: Proxy, resources: Resources) -> Masker:
    """The server's policies' PII checks, loaded once for the in-process exports (on the
    session's NLP cache)."""
    from checks.registry import discover

    settings = load_settings(proxy.config)
    return Masker(lambda: load_policies(settings.policies_dir, discover(settings.check_plugins), resources))


def _write(proxy: Proxy, masker: Masker, out: Path, fmt: str, app: str = "prefs-review",
           **selection: Any) -> tuple[Path, Summary]:
    """The export the CLI makes, in this process (the NLP pipeline loads once per module)."""
    out.parent.mkdir(parents=True, exist_ok=True)
    store = proxy.store()
    filters = source.Filters(app_ids=frozenset({store.app_named(app).id or 0}))
    return out, write(store, fmt, out, Selection(filters, **selection), masker)


def _load(path: Path) -> list[dict[str, Any]]:
    """The file as `datasets` reads it, with no network and a private cache."""
    os.environ["HF_DATASETS_OFFLINE"] = "1"
    import datasets

    kind = "parquet" if path.suffix == ".parquet" else "json"
    dataset = datasets.load_dataset(kind, data_files=str(path), split="train", cache_dir=str(path.parent / "hf"))
    return [dict(row) for row in dataset]


def test_every_format_loads_with_datasets_and_holds_the_expected_pairs(proxy: Proxy, decided: dict[str, int],
                                                                       masker: Masker, tmp_path: Path) -> None:
    out, _ = _write(proxy, masker, tmp_path / "prefs.jsonl", "jsonl")
    records = _load(out)
    by_source: dict[str, list[dict[str, Any]]] = {}
    for r in records:
        by_source.setdefault(r["source"], []).append(r)
    assert len(by_source["ranking"]) == 3  # k·(k−1)/2 for k = 3
    assert {(r["chosen"], r["rejected"]) for r in by_source["ranking"]} == {
        ("Take 25% off", "We can do 30% off"), ("Take 25% off", "How about 35% off"),
        ("We can do 30% off", "How about 35% off")}
    (edit,) = by_source["edit"]
    assert edit["chosen"].startswith("I can approve 20% off") and edit["rejected"].startswith("I can approve 30% off")
    assert edit["reason_code"] == "unauthorized_discount" and edit["review_id"] == decided["edit"]
    assert edit["prompt"][0]["role"] == "system" and edit["prompt"][-1]["role"] == "user"
    assert {f["rule"] for f in edit["findings"]} >= {"unauthorized_discount", "EMAIL_ADDRESS"}
    assert "fix" not in by_source  # the fix only masked personal data: no pair once the export masks it too
    raw, _ = _write(proxy, masker, tmp_path / "raw" / "prefs.jsonl", "jsonl", mask=False)
    (fix,) = [r for r in _load(raw) if r["source"] == "fix"]
    assert "<PHONE_NUMBER>" in fix["chosen"] and "+1 415 555 0199" in fix["rejected"]
    (rejected,) = by_source["rejected"]
    assert rejected["chosen"] is None and "Initech" in rejected["rejected"]
    assert "plain" not in {r["review_id"] for r in records}  # approved as sent: no preference
    for fmt in ("trl", "openai-dpo", "hh", "kto", "parquet"):
        suffix = "parquet" if fmt == "parquet" else "jsonl"
        rows = _load(_write(proxy, masker, tmp_path / fmt / f"prefs.{suffix}", fmt)[0])
        pairs = sum(1 for r in records if r["kind"] == "pair")
        assert len(rows) == {"kto": pairs * 2 + len(records) - pairs, "parquet": len(records)}.get(fmt, pairs)
        first = rows[0]
        if fmt == "trl":
            assert first["prompt"][-1]["role"] == "user" and [m["role"] for m in first["chosen"]] == ["assistant"]
        if fmt == "openai-dpo":
            assert set(first) == {"input", "preferred_output", "non_preferred_output"}
            assert len(first["preferred_output"]) == len(first["non_preferred_output"]) == 1
        if fmt == "hh":
            assert first["chosen"].startswith("\n\nHuman: ") and "\n\nAssistant: " in first["rejected"]
        if fmt == "kto":
            assert {r["label"] for r in rows} == {True, False}


def test_personal_data_is_masked_by_default_and_kept_only_for_an_audited_ml_token(
        proxy: Proxy, decided: dict[str, int], masker: Masker, tmp_path: Path) -> None:
    cli_out, summary = _export(proxy, tmp_path, "jsonl")
    assert "personal data masked" in summary
    for out in (cli_out, _write(proxy, masker, tmp_path / "p.parquet", "parquet")[0]):
        text = json.dumps(_load(out))
        assert not RAW_PII.search(text), RAW_PII.search(text)
        assert "<EMAIL_ADDRESS>" in text and "<CREDIT_CARD>" in text
    refused, message = _export(proxy, tmp_path / "refused", "jsonl", "--no-mask", check=False)
    assert not refused.exists() and "ml or admin" in message
    reviewer = proxy.user_token("prefs-not-ml@example.com", "reviewer")
    _, message = _export(proxy, tmp_path / "reviewer", "jsonl", "--no-mask", "--token", reviewer, check=False)
    assert "ml or admin" in message
    token = proxy.user_token("prefs-ml@example.com", "ml")
    out, _ = _export(proxy, tmp_path / "raw", "jsonl", "--no-mask", "--token", token)
    assert EMAIL in out.read_text()
    trail = proxy.store().audit_trail(f"export:{out.name}")
    assert [e.action for e in trail][-1] == "export.unmasked" and trail[-1].details["masked"] is False


def test_split_by_prompt_puts_no_prompt_on_both_sides_and_is_stable(proxy: Proxy, decided: dict[str, int],
                                                                    masker: Masker, tmp_path: Path) -> None:
    everything = _load(_write(proxy, masker, tmp_path / "all" / "prefs.jsonl", "jsonl")[0])
    position = sorted({int(r["prompt_hash"][:16], 16) / 16**16 for r in everything})
    assert len(position) >= 3
    fraction = (position[0] + position[1]) / 2  # the first prompt (by digest) goes to test, the others to train
    out, _ = _write(proxy, masker, tmp_path / "prefs.jsonl", "jsonl", test_fraction=fraction)
    train_rows, test_rows = _load(out), _load(out.with_name("prefs.test.jsonl"))
    assert len(train_rows) + len(test_rows) == len(everything)
    assert {r["prompt_hash"] for r in test_rows} == {h for h in (r["prompt_hash"] for r in everything)
                                                    if int(h[:16], 16) / 16**16 == position[0]}
    assert not {r["prompt_hash"] for r in train_rows} & {r["prompt_hash"] for r in test_rows}
    assert {r["split"] for r in test_rows} == {"test"} and {r["split"] for r in train_rows} == {"train"}
    again, _ = _write(proxy, masker, tmp_path / "again" / "prefs.jsonl", "jsonl", test_fraction=fraction)
    assert again.with_name("prefs.test.jsonl").read_text() == out.with_name("prefs.test.jsonl").read_text()


def test_filters_and_the_summary_say_what_was_left_out(proxy: Proxy, decided: dict[str, int], masker: Masker,
                                                      tmp_path: Path) -> None:
    out, summary = _write(proxy, masker, tmp_path / "prefs.jsonl", "jsonl", reason="competitor_mention")
    assert {r["source"] for r in _load(out)} == {"rejected"}
    assert summary.skipped["reason code is not competitor_mention"] == 5
    _, summary = _write(proxy, masker, tmp_path / "trl" / "prefs.jsonl", "trl")
    assert summary.skipped["unpaired (use --format kto, jsonl or parquet)"] == 1
    with pytest.raises(ExportError, match=r"nothing to export: .*1 agreement unknown \(one reviewer\)"):
        _write(proxy, masker, tmp_path / "agree" / "prefs.jsonl", "jsonl", reason="competitor_mention",
               min_agreement=0.5)  # one reviewer each: agreement unknown
    assert not (tmp_path / "agree" / "prefs.jsonl").exists()
    out, _ = _write(proxy, masker, tmp_path / "audit" / "prefs.jsonl", "kto", app="prefs-command")
    (positive,) = _load(out)  # the approved audit sample: an unpaired positive
    assert positive["label"] is True and positive["completion"][0]["content"].startswith("Thanks for your time")


@pytest.mark.parametrize(("args", "message"), [
    (["--format", "csv"], "unknown format 'csv'"),
    (["--format", "trl", "--since", "last tuesday"], "bad date for --since"),
    (["--format", "trl", "--since", "2999-01-01"], "nothing to export"),
    (["--format", "jsonl", "--out-dir-missing"], "cannot write"),
])
def test_bad_input_is_one_line_a_nonzero_exit_and_no_file(proxy: Proxy, decided: dict[str, int], tmp_path: Path,
                                                          args: list[str], message: str) -> None:
    out = tmp_path / "prefs.jsonl"
    if "--out-dir-missing" in args:
        args, out = args[:2], tmp_path / "missing" / "prefs.jsonl"
    result = run_cli(proxy.config, "export", *args, "--out", str(out), check=False)
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0], result.stderr
    assert not out.exists() and not list(out.parent.glob(".*part*")) if out.parent.exists() else True
