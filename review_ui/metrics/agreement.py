"""Inter-annotator agreement on nominal labels (a decision's action, or its reason code).

Cohen's kappa compares two raters on the items both labelled; Krippendorff's alpha takes
any number of raters per item with gaps. Both are chance-corrected: 1 is full agreement, 0
what chance alone would give. Both are None when chance agreement is already total (every
label the same), where the statistic is undefined. The formulas are short and exact; the
tests check them against scikit-learn's `cohen_kappa_score` and the `krippendorff` package.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from itertools import combinations, permutations


def cohen_kappa(first: Sequence[str], second: Sequence[str]) -> float | None:
    """Kappa of two raters' labels for the same items, in the same order."""
    if len(first) != len(second):
        raise ValueError("both raters must label the same items")
    n = len(first)
    if n == 0:
        return None
    observed = sum(a == b for a, b in zip(first, second, strict=True)) / n
    left, right = Counter(first), Counter(second)
    expected = sum(left[label] * right[label] for label in left) / (n * n)
    if expected == 1:
        return None
    return (observed - expected) / (1 - expected)


def krippendorff_alpha(units: Sequence[Sequence[str]]) -> float | None:
    """Nominal alpha; each unit lists the labels it got (one per rater who rated it).

    Units with fewer than two labels carry no information about agreement and are left out.
    """
    coincidences: defaultdict[tuple[str, str], float] = defaultdict(float)
    for labels in units:
        m = len(labels)
        if m < 2:
            continue
        for a, b in permutations(labels, 2):
            coincidences[a, b] += 1 / (m - 1)
    totals: defaultdict[str, float] = defaultdict(float)
    for (a, _), weight in coincidences.items():
        totals[a] += weight
    n = sum(totals.values())
    if n <= 1:
        return None
    disagreement = sum(w for (a, b), w in coincidences.items() if a != b)
    expected = sum(totals[a] * totals[b] for a in totals for b in totals if a != b)
    if expected == 0:
        return None
    return 1 - (n - 1) * disagreement / expected


def by_rater_pair(ratings: Mapping[int, Mapping[int, str]]) -> dict[tuple[int, int], tuple[int, float | None]]:
    """(items both rated, kappa) for every two raters; `ratings` maps item -> rater -> label."""
    shared: dict[tuple[int, int], tuple[list[str], list[str]]] = {}
    for labels in ratings.values():
        for a, b in combinations(sorted(labels), 2):
            left, right = shared.setdefault((a, b), ([], []))
            left.append(labels[a])
            right.append(labels[b])
    return {pair: (len(left), cohen_kappa(left, right)) for pair, (left, right) in shared.items()}


def summary(ratings: Mapping[int, Mapping[int, str]]) -> dict[str, float | int | None]:
    """Agreement over items rated by two or more: alpha over all their labels, kappa over
    each item's first two raters (by id) as rater A and rater B."""
    multi = {item: labels for item, labels in ratings.items() if len(labels) >= 2}
    firsts = [[labels[r] for r in sorted(labels)[:2]] for labels in multi.values()]
    kappa = cohen_kappa([f[0] for f in firsts], [f[1] for f in firsts]) if firsts else None
    alpha = krippendorff_alpha([list(labels.values()) for labels in multi.values()])
    return {"cohen_kappa": _round(kappa), "krippendorff_alpha": _round(alpha), "items": len(multi)}


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 4)
