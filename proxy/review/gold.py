"""Gold items: playbook examples, whose right decision is known, mixed blind into the queue
to measure each reviewer's accuracy (`review_ui.metrics.gold`).

For the policy's `gold_rate` share of real review items (a draw on the item id, so always
the same ones), one example of the policy's playbook is queued for the same app beside it.
The example's text goes through the same checks and triage as a real output, and is stored
as an interaction and a review item like any other, so in the queue and on the item page it
cannot be told from one (it even says "the app waits" when its neighbour does). Only
`ReviewItem.gold` marks it: nothing waits for it, no webhook announces it, no app can read
it, and no export or metric of the real traffic counts it.

A reviewer is right on a gold item when their decision matches what the playbook expects
the checks to do: approve what they allow or fix; edit or reject what they hold or block.
"""

from __future__ import annotations

from typing import Any

from checks.types import CheckContext
from proxy.guard import guard_response
from proxy.policy import LoadedPolicy, draw
from proxy.review.holds import new_review_item
from proxy.store.database import Store
from proxy.store.models import Interaction, ReviewItem

RIGHT = {"allow": ("approve",), "fix": ("approve",), "hold": ("edit", "reject"), "block": ("edit", "reject")}


def right(expect: str | None, action: str) -> bool:
    """Whether a reviewer's final action is the one the gold item's expectation calls for."""
    return action in RIGHT.get(expect or "", ())


def wanted(loaded: LoadedPolicy, review_id: int) -> bool:
    policy = loaded.policy
    return bool(policy.playbook) and draw(f"gold:{policy.name}:{review_id}") < policy.gold_rate


def add_beside(store: Store, loaded: LoadedPolicy, app_id: int, mode: str, model: str, review_id: int,
               blocking: bool) -> int | None:
    """Queues a gold item beside real item `review_id` when the draw says so; its id, or None.
    Runs the checks on the example (call it off the event loop)."""
    if not wanted(loaded, review_id):
        return None
    playbook = loaded.policy.playbook
    example = playbook[int(draw(f"gold-example:{loaded.policy.name}:{review_id}") * len(playbook))]
    request: dict[str, Any] = {"model": model, "messages": [{"role": "user", "content": example.prompt}]
                               if example.prompt else []}
    upstream = {"object": "chat.completion", "model": model,
                "choices": [{"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": example.text}}]}
    guard = guard_response(loaded, upstream, CheckContext(metadata=example.metadata, model=model, prompt=example.prompt))
    with store.session() as s:
        interaction = Interaction(app_id=app_id, model=model, state="completed", request=request,
                                  request_metadata=example.metadata, decision=guard.verdict.action,
                                  candidates=[c.to_dict() for c in guard.candidates],
                                  findings=[f.to_dict() for f in guard.findings],
                                  final_output=[])
        s.add(interaction)
        s.commit()
    item: ReviewItem = new_review_item(interaction.id or 0, app_id, mode, loaded.policy, guard, example.metadata,
                                       blocking=blocking)  # looks like its neighbour; nothing waits on it
    item.gold, item.gold_expect, item.two_person = True, example.expect, False
    return store.create_review(item).id
