"""Builds `checks/data/names.tsv.gz`, the multi-origin given-name and surname lexicon the
person recognizer reads.

The source is the `names-dataset` package (MIT; given names and surnames with their rank
in each of 105 countries). Loading it whole takes ~2 GB of memory and most of a minute,
far too much for a proxy worker, so this script keeps what detection needs: every
Latin-script single-word name that ranks in the top `--top` of at least one country,
with its best rank as a given name and as a surname.

    pip install names-dataset && python scripts/build_name_lexicon.py [--top 2000]
"""

from __future__ import annotations

import argparse
import gzip
import pickle
from pathlib import Path

import regex

OUT = Path(__file__).resolve().parents[1] / "checks" / "data" / "names.tsv.gz"
LATIN_WORD = regex.compile(r"^[\p{Latin}](?:[\p{Latin}'’\-]*[\p{Latin}])?$")


def best_ranks(path: Path, top: int) -> dict[str, int]:
    """Name (case-folded) -> its best rank in any country, for names within `top`."""
    with gzip.open(path) as f:
        data = pickle.load(f)
    ranks: dict[str, int] = {}
    for name, entry in data.items():
        rank = min((r for r in (entry.get("rank") or {}).values() if r), default=None)
        if rank is None or rank > top or not LATIN_WORD.match(name):
            continue
        key = name.casefold()
        ranks[key] = min(rank, ranks.get(key, rank))
    return ranks


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--top", type=int, default=2000)
    args = parser.parse_args()
    import names_dataset

    source = Path(names_dataset.__file__).parent / "v3"
    first = best_ranks(source / "first_names.pkl.gz", args.top)
    last = best_ranks(source / "last_names.pkl.gz", args.top)
    lines = [f"{name}\t{first.get(name, '')}\t{last.get(name, '')}" for name in sorted(first.keys() | last.keys())]
    with gzip.open(OUT, "wt", encoding="utf-8", compresslevel=9) as f:
        f.write(f"# name\tbest given-name rank\tbest surname rank (names-dataset, top {args.top} per country)\n")
        f.write("\n".join(lines) + "\n")
    print(f"{OUT}: {len(lines)} names ({len(first)} given, {len(last)} surnames)")


if __name__ == "__main__":
    main()
