"""Calibration suggestions as concrete edits of a policy file (`loopguard calibrate --write`).

Only changes the evidence pins down exactly are made; the rest stay advice in the table:

- a number threshold (`hold_above` of the rule's entry in the check's config): raised to the
  highest figure reviewers approved unchanged, when that is below every figure they corrected
  (and below `block_above`), for a rule with precision under one half;
- a score threshold (`score_threshold` of the check): raised just above the highest score of
  an overridden flag that scored below every confirmed one, for a rule with precision under
  one half;
- an action: `hold` becomes `block` for a rule whose every flag was rejected (the rule's own
  entry `action`, or the check's `competitor_action` when it names the rule).

A rule with fewer than `min_evidence` flags, or one that missed audit samples (which no
threshold of its own explains), gets no edit. The file is edited with ruamel.yaml's round
trip, so its comments, order and layout stay as they were.
"""

from __future__ import annotations

import difflib
import io
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.util import load_yaml_guess_indent

from review_ui.metrics.calibration import RuleStats

Path = tuple[str | int, ...]
Default = Callable[[str, str], Any]  # (check, config key) -> the check's default for it, or None


@dataclass(frozen=True)
class Change:
    policy: str
    path: Path
    old: Any
    new: Any
    evidence: str

    @property
    def where(self) -> str:
        return ".".join(str(p) for p in self.path)


def changes(stats: list[RuleStats], data: Mapping[str, Any], min_evidence: int, default: Default) -> list[Change]:
    """The edits of policy `data` (parsed YAML) the rules' evidence supports."""
    out = []
    for r in stats:
        if r.policy != data.get("name") or r.flags < min_evidence or r.missed:
            continue
        found = _relax(r, data, default) if (r.precision or 0) < 0.5 else None
        if found is None and r.rejected == r.flags:
            found = _block(r, data)
        if found is not None:
            out.append(found)
    return out


def _relax(r: RuleStats, data: Mapping[str, Any], default: Default) -> Change | None:
    config = (data.get("checks") or {}).get(r.check)
    if not isinstance(config, Mapping):
        return None
    for path, entry in _entries(config, ("checks", r.check)):
        if entry.get("rule") == r.rule and isinstance(entry.get("hold_above"), (int, float)):
            return _number(r, path, entry)
    return _score(r, config, default)


def _number(r: RuleStats, path: Path, entry: Mapping[str, Any]) -> Change | None:
    lowest_corrected = min(r.values_confirmed, default=float("inf"))
    ceiling = min(lowest_corrected, float(entry.get("block_above") or float("inf")))
    approved = [v for v in r.values_overridden if v < ceiling]
    if not approved or max(approved) <= entry["hold_above"]:
        return None
    new = max(approved)
    corrected = f"; the lowest corrected was {lowest_corrected:g}" if r.values_confirmed else ""
    return Change(r.policy, (*path, "hold_above"), entry["hold_above"], _plain(new),
                  f"{len(approved)} of {r.flags} flags up to {new:g} were approved unchanged{corrected}")


def _score(r: RuleStats, config: Mapping[str, Any], default: Default) -> Change | None:
    old = config.get("score_threshold", default(r.check, "score_threshold"))
    if not isinstance(old, (int, float)) or not r.scores_overridden:
        return None
    floor = min(r.scores_confirmed, default=1.01)
    below = [s for s in r.scores_overridden if s < floor]
    if not below:
        return None
    new = round(min(max(below) + 0.01, 1.0), 2)
    if new <= old:
        return None
    return Change(r.policy, ("checks", r.check, "score_threshold"), old, new,
                  f"{len(below)} of {r.flags} flags scoring up to {max(below):.2f} were overridden; "
                  f"confirmed ones scored from {floor:.2f}" if r.scores_confirmed else
                  f"{len(below)} of {r.flags} flags scoring up to {max(below):.2f} were overridden; none was confirmed")


def _block(r: RuleStats, data: Mapping[str, Any]) -> Change | None:
    config = (data.get("checks") or {}).get(r.check)
    if not isinstance(config, Mapping):
        return None
    evidence = f"all {r.flags} flagged items were rejected"
    for path, entry in _entries(config, ("checks", r.check)):
        if entry.get("rule") == r.rule and entry.get("action") == "hold":
            return Change(r.policy, (*path, "action"), "hold", "block", evidence)
        for key, value in entry.items():  # a check-level rule name with its action beside it: x_rule / x_action
            if isinstance(key, str) and key.endswith("_rule") and value == r.rule:
                action_key = key.removesuffix("_rule") + "_action"
                if entry.get(action_key) == "hold":
                    return Change(r.policy, (*path, action_key), "hold", "block", evidence)
    return None


def _entries(node: Any, path: Path) -> Iterator[tuple[Path, Mapping[str, Any]]]:
    """Every mapping in a check's config, with its path."""
    if isinstance(node, Mapping):
        yield path, node
        for key, value in node.items():
            yield from _entries(value, (*path, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _entries(value, (*path, i))


def _plain(value: float) -> int | float:
    return int(value) if float(value).is_integer() else value


def apply(text: str, edits: list[Change]) -> str:
    """The policy file's text with the edits made, everything else as it was."""
    _, indent, dash = load_yaml_guess_indent(text)  # write lists indented as the file has them
    yaml = YAML()
    yaml.preserve_quotes = True
    yaml.width = 4096
    yaml.indent(mapping=2, sequence=indent or 2, offset=dash or 0)
    doc = yaml.load(text)
    for edit in edits:
        node = doc
        for key in edit.path[:-1]:
            node = node[key]
        node[edit.path[-1]] = edit.new
    out = io.StringIO()
    yaml.dump(doc, out)
    return out.getvalue()


def unified_diff(name: str, before: str, after: str) -> str:
    return "".join(difflib.unified_diff(before.splitlines(keepends=True), after.splitlines(keepends=True),
                                        fromfile=f"{name} (now)", tofile=f"{name} (calibrated)"))
