"""secrets-present, the Guardrails hub validator (detect-secrets), with the same findings in
less time and safe to run from several threads.

Profiling the hub validator on 1 KB replies showed two thirds of its time in one
detect-secrets filter, `is_indirect_reference` ("secret = get_secret()"): its pattern starts
a scan at every position of the line, so a long line of prose costs time quadratic in its
length, once for every candidate secret on it. The pattern can only match a line that holds
an assignment or comparison sign and an opening and a closing bracket or parenthesis; this
validator runs detect-secrets with every default plugin and filter, that filter replaced by
one that returns False at once for the lines that have none of those and asks the original
otherwise, so it excludes exactly the same candidates.

detect-secrets keeps its settings in process-wide state that each scan swaps in and out, so
scans are serialised here (the hub validator, run from two threads, could mix them up).
"""

from __future__ import annotations

import functools
import os
import tempfile
import threading
from typing import Any

from detect_secrets import settings
from detect_secrets.core.plugins.util import get_mapping_from_secret_type_to_class
from detect_secrets.core.secrets_collection import SecretsCollection
from detect_secrets.filters import heuristic
from detect_secrets.settings import Settings
from guardrails_ai.secrets_present import SecretsPresent as HubSecretsPresent

_SLOW_FILTER = "detect_secrets.filters.heuristic.is_indirect_reference"
_SCANNING = threading.Lock()


def is_indirect_reference(line: str) -> bool:
    """detect-secrets' filter of the same name, asked only about lines its pattern could match."""
    if "=" not in line and ":" not in line and "!" not in line:
        return False
    if not (("(" in line or "[" in line) and (")" in line or "]" in line)):
        return False
    return bool(heuristic.is_indirect_reference(line))


@functools.cache
def _scan_config() -> dict[str, Any]:
    """detect-secrets' default settings (every plugin, the default filters), one filter swapped."""
    filters = [{"path": path} for path in sorted(Settings().filters) if path != _SLOW_FILTER]
    classes: list[type] = list(get_mapping_from_secret_type_to_class().values())
    plugins = [{"name": plugin.__name__} for plugin in classes]
    return {"plugins_used": plugins, "filters_used": [*filters, {"path": f"{__name__}.is_indirect_reference"}]}


class SecretsPresent(HubSecretsPresent):  # type: ignore[misc]
    """The hub validator; `get_unique_secrets` is its own, scanning with the swapped filter, one
    scan at a time."""

    def get_unique_secrets(self, value: str) -> tuple[dict[str, list[int]], list[str]]:
        """Each secret found and the lines it is on, and the lines (the hub validator's result)."""
        fd, path = tempfile.mkstemp(suffix=".txt", prefix="guardrails_secrets_")
        try:
            with os.fdopen(fd, "w") as file:
                file.write(value)
            found = SecretsCollection()
            with _SCANNING, settings.transient_settings(_scan_config()):
                found.scan_file(path)
            with open(path) as file:
                lines = file.readlines()
        finally:
            os.unlink(path)
        unique: dict[str, list[int]] = {}
        for _, secret in found:
            if secret.secret_value is None:  # only in baselines loaded from disk, not in a scan
                continue
            numbers = unique.setdefault(secret.secret_value, [])
            if secret.line_number not in numbers:
                numbers.append(secret.line_number)
        return unique, lines
