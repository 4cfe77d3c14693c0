"""A reviewer's edit runs through the item's policy before the app receives it.

The edited text is checked like any output, with the interaction's request metadata: what
a check can fix (masked personal data, a missing footer) is fixed in what the app receives;
a block-level finding refuses the edit with 409 and the findings, so the reviewer sees why
and the item stays undecided. Hold-level findings do not stop an edit: the reviewer is the
human review they ask for.
"""

from __future__ import annotations

from typing import Any

from proxy.fields import sanitize_text
from proxy.guard import check_context, check_text, public_finding
from proxy.http.errors import ApiError
from proxy.policy import LoadedPolicy


def checked_edit(policy: LoadedPolicy, request: dict[str, Any], metadata: dict[str, Any],
                 edited_text: str) -> dict[str, Any]:
    """The message the app receives for `edited_text`, or a 409 ApiError naming the findings.

    The edit is the whole reply: nothing of the original candidate (tool calls, reasoning,
    audio, logprobs) rides along with it.
    """
    text = sanitize_text(edited_text)
    fixed, findings = check_text(policy, text, check_context(request, metadata))
    blocking = [f for f in findings if f.action == "block"]
    if blocking:
        rules = ", ".join(sorted({f.rule for f in blocking}))
        raise ApiError(409, f"The edited text still breaks policy '{policy.policy.name}' ({rules}); change it and "
                            "decide again.", "edit_blocked", "edited_text",
                       {"findings": [public_finding(f) for f in findings]})
    return {"role": "assistant", "content": fixed}
