"""A decided review item becomes a playbook example of its policy, so `loopguard policy
test` guards that decision from then on.

The example's expected decision is what the checks should do with that output: what they
did, when the reviewer approved it; `hold` when the checks let it through (allowed or only
fixed it) and the reviewer edited or rejected it (a miss the checks must learn to catch); the
checks' own decision when they held it and the reviewer agreed something was wrong. The
rules that fired must keep firing. Personal data is masked with the policy's PII check
(unless asked not to), and PII rules are then not required, since the masked text no longer
holds what they found.

The example is appended to the policy file in `policies_dir` (a shipped policy is copied
there first), as one flow-style list entry, so the file's comments and layout stay as they were.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from checks.types import CheckContext
from proxy.config import ConfigError
from proxy.policy import LoadedPolicy, PlaybookExample, policy_files
from proxy.review.triage import triage
from proxy.store.database import Store
from proxy.store.models import ruling
from review_ui.prefs.masking import Masker

DECIDED = ("approved", "edited", "rejected")


@dataclass(frozen=True)
class Added:
    example: PlaybookExample
    path: Path
    passes_now: bool
    got: str


def example_for(store: Store, review_id: int, masker: Masker | None) -> tuple[str, PlaybookExample]:
    """(policy name, the example) for a decided item; ConfigError when it cannot be one."""
    item = store.get_review(review_id)
    if item is None or item.status not in DECIDED or item.gold:
        raise ConfigError(f"review {review_id} is not a decided item")
    interaction = store.get_interaction(item.interaction_id)
    final = ruling(store.decisions_for(review_id))
    if interaction is None or final is None or not interaction.candidates:
        raise ConfigError(f"review {review_id} has no decided output")
    message = interaction.candidates[min(final.candidate_index, len(interaction.candidates) - 1)].get("message") or {}
    text = message.get("content")
    if not isinstance(text, str) or not text:
        raise ConfigError(f"review {review_id}'s output has no text (tool calls only)")
    missed = final.action in ("edit", "reject") and item.decision in ("allow", "fix")
    rules = sorted({r for r in item.rules.strip(",").split(",") if r})
    if masker is not None:
        masked = masker.text(item.policy, text)
        if masked != text:
            pii = {str(f.get("rule")) for f in interaction.findings if f.get("check") == "pii"}
            text, rules = masked, [r for r in rules if r not in pii]
    expect = "hold" if missed else item.decision
    note = f"review {review_id}: {final.action} ({final.reason_code})"
    example = PlaybookExample.model_validate({"text": text, "expect": expect, "rules": [] if missed else rules,
                                              "metadata": interaction.request_metadata or {}, "note": note})
    return item.policy, example


def add(store: Store, review_id: int, policies: dict[str, LoadedPolicy], policies_dir: str | None,
        masker: Masker | None) -> Added:
    name, example = example_for(store, review_id, masker)
    if not policies_dir:
        raise ConfigError("set policies_dir in loopguard.yaml: examples are added to the policy files there")
    if name not in policies:
        raise ConfigError(f"policy {name!r} is not loaded")
    target = Path(policies_dir) / f"{name}.yaml"
    if not target.exists():
        shutil.copyfile(policy_files(None)[name], target)
    _append(target, example)
    loaded = policies[name]
    verdict = triage(loaded.policy, loaded.suite.run(example.text, CheckContext(metadata=example.metadata)),
                     example.metadata)
    return Added(example, target, verdict.action == example.expect, verdict.action)


def _append(path: Path, example: PlaybookExample) -> None:
    """Adds the example as the last entry of `playbook:`, editing the text in place when
    the playbook is the file's last key (or absent); otherwise the file is rewritten."""
    text = path.read_text()
    data: dict[str, Any] = yaml.safe_load(text) or {}
    entry = {k: v for k, v in example.model_dump().items() if v not in ([], {}, "")}
    line = yaml.safe_dump([entry], default_flow_style=None, width=10_000, sort_keys=False, allow_unicode=True)
    last_key = list(data)[-1] if data else None
    if "playbook" not in data or (last_key == "playbook" and data["playbook"]):
        prefix = "" if "playbook" in data else "playbook:\n"
        indented = "".join(f"  {row}\n" for row in line.rstrip("\n").split("\n"))
        edited = text.rstrip("\n") + "\n" + prefix + indented
        if _playbook_length(edited) == len(data.get("playbook") or []) + 1:
            path.write_text(edited)
            return
    data["playbook"] = [*(data.get("playbook") or []), entry]  # the layout did not allow an in-place edit
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True))


def _playbook_length(text: str) -> int:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError:
        return -1
    return len(data.get("playbook") or []) if isinstance(data, dict) else -1
