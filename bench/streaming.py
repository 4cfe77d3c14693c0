"""Streaming: time to first text and total time of a 2 KB reply the fake provider streams word
by word at a readable pace, direct vs through loopguard per policy (monitor mode), side by side
in one run; and how many characters left loopguard before its checks had settled them.

For each policy the issue's target is TTFT <= direct TTFT + the time the provider takes to
fill the policy's window + 20 ms. The window is what loopguard held when it first released
text: the loopguard object says how many characters the provider had written by then
(`stream.first_release_after`), and the direct stream says when it had written them
("window filled at"); the slack is loopguard's TTFT minus that moment (target: <= 20 ms).
"Unchecked" counts the streamed characters that are not the start of the same reply checked
whole (unstreamed, through the same policy): text that went out before the checks saw enough
of it (target: 0).

    python bench/streaming.py [--runs N] [--pace MS] [--smoke]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from contextlib import ExitStack
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.load import Target
from bench.replies import reply
from bench.servers import fake_upstream, loopguard, workdir

POLICIES = ["none", "default", "sales-email", "support-reply"]


def streamed(client: httpx.Client, target: Target, prompt: str) -> tuple[float, float, list[tuple[float, str]], dict]:
    """TTFT and total (ms), the timed content pieces, and the loopguard object (if any)."""
    started = time.perf_counter()
    pieces: list[tuple[float, str]] = []
    info: dict = {}
    with client.stream("POST", **target.request(prompt, stream=True)) as response:
        response.raise_for_status()
        for line in response.iter_lines():
            if not line.startswith("data: ") or line == "data: [DONE]":
                continue
            chunk = json.loads(line[6:])
            info = chunk.get("loopguard") or info
            for choice in chunk.get("choices") or []:
                text = (choice.get("delta") or {}).get("content")
                if text:
                    pieces.append(((time.perf_counter() - started) * 1000, text))
    total = (time.perf_counter() - started) * 1000
    return (pieces[0][0] if pieces else total), total, pieces, info


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--pace", type=int, default=12, help="ms between the provider's words")
    parser.add_argument("--size", type=int, default=2048)
    parser.add_argument("--smoke", action="store_true")
    args = parser.parse_args()
    runs, size = (1, 400) if args.smoke else (args.runs, args.size)
    rows: dict[str, dict[str, list[float]]] = {}
    with ExitStack() as stack:
        tmp = stack.enter_context(workdir())
        upstream = stack.enter_context(fake_upstream(tmp))
        guard = stack.enter_context(loopguard(upstream, tmp, POLICIES))
        targets = [Target("direct", upstream, "sk-bench")] + [Target(p, guard, guard.keys[p]) for p in POLICIES]
        with httpx.Client(timeout=120) as client:
            for target in targets:  # warm-up: first calls load lazily built parts
                streamed(client, target, f"[stream pace=1] REPLY: {reply(300, seed=99)}")
            for run in range(runs):
                text = reply(size, seed=run)
                prompt = f"[stream pace={args.pace}] REPLY: {text}"
                direct_ttft, direct_total, direct_pieces, _ = streamed(client, targets[0], prompt)
                arrival = _arrival(direct_pieces)
                _add(rows, "direct", ttft=direct_ttft, total=direct_total, unchecked=0.0)
                for target in targets[1:]:
                    ttft, total, pieces, info = streamed(client, target, prompt)
                    whole = client.post(**target.request(f"REPLY: {text}")).json()["choices"][0]["message"]["content"]
                    out = "".join(p for _, p in pieces)
                    held = (info.get("stream") or {}).get("first_release_after") or len(text)
                    filled = arrival[min(held, len(arrival)) - 1]
                    _add(rows, target.label, ttft=ttft, total=total, filled=filled, slack=ttft - filled,
                         unchecked=float(len(out) - _common(out, whole)), window=float(held))
    print(f"Streaming: a {size} B reply streamed word by word every {args.pace} ms, {runs} run(s), medians in ms")
    print(f"{'':<16}{'TTFT':>8}{'total':>9}{'held chars':>12}{'window filled at':>18}{'TTFT slack':>12}{'unchecked':>11}")
    for label, values in rows.items():
        med = {k: statistics.median(v) for k, v in values.items()}
        cells = [f"{med['ttft']:>8.0f}", f"{med['total']:>9.0f}"]
        if label == "direct":
            cells += [f"{'-':>12}", f"{'-':>18}", f"{'-':>12}"]
        else:
            cells += [f"{med['window']:>12.0f}", f"{med['filled']:>18.0f}", f"{med['slack']:>12.1f}"]
        print(f"{label:<16}" + "".join(cells) + f"{int(max(values['unchecked'])):>11}")
    print("(TTFT slack: loopguard's TTFT minus the moment the direct stream had written the held characters; "
          "unchecked: the most in any run)")


def _arrival(pieces: list[tuple[float, str]]) -> list[float]:
    """For each character of the direct stream, when it arrived (ms)."""
    return [at for at, text in pieces for _ in text]


def _common(a: str, b: str) -> int:
    n = 0
    while n < min(len(a), len(b)) and a[n] == b[n]:
        n += 1
    return n


def _add(rows: dict[str, dict[str, list[float]]], label: str, **values: float) -> None:
    for key, value in values.items():
        rows.setdefault(label, {}).setdefault(key, []).append(value)


if __name__ == "__main__":
    main()
