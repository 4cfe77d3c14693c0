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

Most replies hold no secret, and a scan costs ~15 ms per KB of fixed and per-line overhead
(a temporary file, settings swapped in and out, every filter asked through `inspect`). So a
cheap pass asks first (`Candidates`): every detect-secrets plugin finds its secrets among the
raw values its `analyze_string` yields for a line; the filters and the entropy limits only
drop some of them. A text where no plugin yields a raw value on any line, neither as written
nor as the eager config transformer rewrites it (the scan's second pass), has no secret to
find, and the scan is skipped; otherwise the full scan runs, unchanged.
"""

from __future__ import annotations

import functools
import io
import os
import re
import tempfile
import threading
from collections import OrderedDict
from typing import Any

from detect_secrets import settings
from detect_secrets.core.plugins.util import get_mapping_from_secret_type_to_class
from detect_secrets.core.secrets_collection import SecretsCollection
from detect_secrets.filters import heuristic
from detect_secrets.plugins.base import BasePlugin, RegexBasedDetector
from detect_secrets.plugins.keyword import (
    DENYLIST,
    QUOTES_REQUIRED_DENYLIST_REGEX_TO_GROUP,
    REGEX_BY_FILETYPE,
    KeywordDetector,
)
from detect_secrets.settings import Settings
from detect_secrets.transformers import get_transformed_file
from detect_secrets.util.filetype import FileType
from guardrails_ai.secrets_present import SecretsPresent as HubSecretsPresent

_SLOW_FILTER = "detect_secrets.filters.heuristic.is_indirect_reference"
_SCANNING = threading.Lock()
SCANNED_NAME = "guardrails_secrets_.txt"  # the scan's file type (OTHER) is read from the name
REMEMBERED_LINES = 4_096  # lines whose cheap pass is kept: a stream checks its lines again and again


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


class Candidates:
    """The cheap pass: whether any detect-secrets plugin yields a raw value from a text's lines."""

    def __init__(self) -> None:
        classes: list[type[BasePlugin]] = list(get_mapping_from_secret_type_to_class().values())
        self.plugins = [cls() for cls in classes]
        self._keyword_regexes = REGEX_BY_FILETYPE.get(FileType.OTHER, QUOTES_REQUIRED_DENYLIST_REGEX_TO_GROUP)
        # Every keyword pattern requires one of the keywords; a line without any skips them all
        # (the patterns' own search, started at every position of a line, is the slow part).
        keywords = "|".join(DENYLIST)
        required = all(keywords in regex.pattern for regex in self._keyword_regexes)
        self._keyword = re.compile(keywords, re.IGNORECASE) if required else None
        self._lines: OrderedDict[str, bool] = OrderedDict()
        self._lock = threading.Lock()

    def any_in(self, value: str) -> bool:
        """Whether the scan of `value` could find a secret (False only when it cannot)."""
        lines = io.StringIO(value, newline=None).readlines()  # as the scan reads its file back
        if any(self._line(line.rstrip()) for line in lines):
            return True
        eager = _EagerInput(value)
        rewritten = get_transformed_file(eager, use_eager_transformers=True)  # type: ignore[arg-type]
        return bool(rewritten) and any(self._line(line.rstrip()) for line in rewritten or [])

    def _line(self, line: str) -> bool:
        with self._lock:
            known = self._lines.get(line)
        if known is None:
            known = any(next(iter(self._raw_values(plugin, line)), None) is not None for plugin in self.plugins)
            with self._lock:
                self._lines[line] = known
                while len(self._lines) > REMEMBERED_LINES:
                    self._lines.popitem(last=False)
        return known

    def _raw_values(self, plugin: BasePlugin, line: str) -> Any:
        """What `plugin.analyze_line` would turn into secrets, before verification and filters."""
        if isinstance(plugin, KeywordDetector):
            if self._keyword is not None and not self._keyword.search(line):
                return ()
            return plugin.analyze_string(line, denylist_regex_to_group=self._keyword_regexes)
        if isinstance(plugin, RegexBasedDetector) and type(plugin).analyze_string is RegexBasedDetector.analyze_string:
            return (True for regex in plugin.denylist if regex.search(line))
        return plugin.analyze_string(line)


class _EagerInput(io.StringIO):
    """The text as the scan's eager transformers read it: a named file."""

    name = SCANNED_NAME

    def __init__(self, value: str) -> None:
        super().__init__(value, newline=None)


class SecretsPresent(HubSecretsPresent):  # type: ignore[misc]
    """The hub validator; `get_unique_secrets` is its own: the cheap pass first, then, when it
    marks the text, a scan with the swapped filter, one scan at a time."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.candidates = Candidates()

    def get_unique_secrets(self, value: str) -> tuple[dict[str, list[int]], list[str]]:
        """Each secret found and the lines it is on, and the lines (the hub validator's result)."""
        if not self.candidates.any_in(value):
            return {}, io.StringIO(value, newline=None).readlines()
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
