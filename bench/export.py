"""Export throughput and memory: N decided review items seeded straight into the database
(a mix of edits, rankings of three, approvals after a fix, rejections and approved audit
samples), then `loopguard export` to every format, each run in its own process so its peak
RSS is its own. Two sizes side by side show whether memory grows with the number of rows.

    python bench/export.py                                  # smoke: 2,000 and 10,000 items
    python bench/export.py --items 10000 --items 100000     # the issue's figure
    python bench/export.py --postgres                       # the same on a throwaway PostgreSQL
    python bench/export.py --mask --items 200 --items 1000  # with PII masking (the NLP pipeline dominates)

Unmasked runs use an ml user's token (`--no-mask`), which is what the figure is about: the
database read, the shaping and the writing.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import insert  # noqa: E402

from proxy.store.database import Store  # noqa: E402
from proxy.store.models import Decision, Interaction, ReviewItem, utcnow  # noqa: E402

FORMATS = ("trl", "openai-dpo", "hh", "kto", "jsonl", "parquet")
CHUNK = 5_000
REPLY = ("Thanks for the call. I can approve {pct}% off the annual plan if you sign this week; our onboarding "
         "team will schedule the kickoff and send the contract redlines by Friday. Best regards, Sam.")


def _rows(start: int, count: int, app_id: int, reviewer: int) -> tuple[list[dict[str, Any]], ...]:
    """Interactions, items and decisions for ids start .. start+count-1 (ids set explicitly)."""
    now = utcnow()
    interactions, items, decisions = [], [], []
    for i in range(start, start + count):
        kind = i % 5
        n = 3 if kind == 1 else 1
        candidates = [{"index": c, "message": {"role": "assistant", "content": REPLY.format(pct=20 + c + i % 17)},
                       "fixed": {"role": "assistant", "content": REPLY.format(pct=20 + c + i % 17).replace("Sam", "<PERSON>")
                                 if kind == 2 else REPLY.format(pct=20 + c + i % 17)}, "findings": []}
                      for c in range(n)]
        interactions.append({"id": i, "app_id": app_id, "created_at": now, "model": "fake-model", "state": "completed",
                             "request": {"model": "fake-model", "n": n, "messages": [
                                 {"role": "system", "content": "You write sales emails."},
                                 {"role": "user", "content": f"Draft a follow-up for account {i}."}]},
                             "request_metadata": {}, "candidates": candidates,
                             "findings": [{"check": "compliance", "rule": "unauthorized_discount", "severity": "medium",
                                           "action": "hold"}] if kind != 4 else [],
                             "decision": "allow" if kind == 4 else "hold", "final_output": [], "usage": {}})
        status = {0: "edited", 1: "approved", 2: "approved", 3: "rejected", 4: "approved"}[kind]
        items.append({"id": i, "interaction_id": i, "app_id": app_id, "policy": "sales-email", "mode": "review",
                      "decision": "allow" if kind == 4 else "hold", "status": status, "created_at": now,
                      "decided_at": now + timedelta(seconds=30), "rules": "" if kind == 4 else ",unauthorized_discount,",
                      "checks": "", "tier": "commercial", "version": 2})
        action = {0: "edit", 3: "reject"}.get(kind, "approve")
        decisions.append({"review_id": i, "reviewer_id": reviewer, "action": action, "reason_code": "tone",
                          "candidate_index": 0, "original_text": candidates[0]["message"]["content"],
                          "edited_text": "Thanks for the call. Here is the proposal we discussed." if kind == 0 else None,
                          "ranking": [2, 0, 1] if kind == 1 else None, "created_at": now, "note": ""})
    return interactions, items, decisions


def seed(url: str, count: int) -> str:
    """Seeds `count` decided items; returns an ml user's token."""
    store = Store(url)
    app, _ = store.create_app_key("bench-app", "sales-email", "review", "wait")
    _, token = store.create_user("bench-ml@example.com", "ml")
    reviewer, _ = store.create_user("bench-reviewer@example.com", "reviewer")
    with store.engine.begin() as conn:
        for start in range(1, count + 1, CHUNK):
            interactions, items, decisions = _rows(start, min(CHUNK, count - start + 1), app.id or 0, reviewer.id or 0)
            conn.execute(insert(Interaction), interactions)
            conn.execute(insert(ReviewItem), items)
            conn.execute(insert(Decision), decisions)
    if store.engine.dialect.name == "postgresql":  # explicit ids: move the sequences past them
        with store.engine.begin() as conn:
            for table in ("interaction", "reviewitem", "decision"):
                conn.exec_driver_sql(f"SELECT setval('{table}_id_seq', (SELECT max(id) FROM {table}))")
    store.engine.dispose()
    return token


def run_export(config: Path, fmt: str, out: Path, token: str, mask: bool) -> tuple[float, float, str]:
    """(seconds, peak RSS in MB, summary line) of one export in its own process."""
    args = [str(Path(sys.executable).parent / "loopguard"), "export", "--config", str(config), "--format", fmt,
            "--out", str(out)]
    if not mask:
        args += ["--no-mask", "--token", token]
    started = time.perf_counter()
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env={**os.environ, "PYTHONPATH": str(ROOT)})
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - started
    stdout = proc.stdout.read().decode() if proc.stdout else ""
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"export {fmt} failed: {proc.stderr.read().decode() if proc.stderr else ''}")
    return seconds, usage.ru_maxrss / 1024, stdout.splitlines()[0]


@contextmanager
def database(directory: Path, count: int, postgres: bool) -> Iterator[str]:
    if postgres:
        from tests.postgres import postgres_cluster

        with postgres_cluster() as url:
            yield url
    else:
        yield f"sqlite:///{directory / f'bench-{count}.db'}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--items", type=int, action="append", help="decided items to seed (give two sizes)")
    parser.add_argument("--format", action="append", choices=FORMATS, help="formats (default: all)")
    parser.add_argument("--postgres", action="store_true", help="seed a throwaway PostgreSQL instead of SQLite")
    parser.add_argument("--mask", action="store_true", help="mask personal data (default: --no-mask)")
    args = parser.parse_args()
    sizes = args.items or [2_000, 10_000]
    formats = args.format or list(FORMATS)
    results: dict[tuple[str, int], tuple[float, float, float, str]] = {}
    with tempfile.TemporaryDirectory(prefix="loopguard-bench-") as tmp:
        directory = Path(tmp)
        for count in sizes:
            with database(directory, count, args.postgres) if args.postgres else nullcontext(
                    f"sqlite:///{directory / f'bench-{count}.db'}") as url:
                config = directory / f"loopguard-{count}.yaml"
                config.write_text("model_list: [{model_name: m, litellm_params: {model: openai/m}}]\n"
                                  f"database_url: {url}\n")
                started = time.perf_counter()
                token = seed(url, count)
                print(f"seeded {count:,} decided items in {time.perf_counter() - started:.1f} s ({url.split(':')[0]})")
                for fmt in formats:
                    out = directory / f"out-{count}.{'parquet' if fmt == 'parquet' else 'jsonl'}"
                    seconds, rss, summary = run_export(config, fmt, out, token, args.mask)
                    rows = int(summary.split()[1])
                    results[fmt, count] = (seconds, rows / seconds, rss, summary)
                    out.unlink()
    header = f"{'format':<11}" + "".join(f"{f'{n:,} items: rows, rows/s, peak RSS':>44}" for n in sizes)
    print(header)
    for fmt in formats:
        cells = "".join(f"{results[fmt, n][3].split()[1]:>14}{results[fmt, n][1]:>14,.0f}{results[fmt, n][2]:>13.0f} MB"
                        for n in sizes)
        print(f"{fmt:<11}{cells}")


if __name__ == "__main__":
    main()
