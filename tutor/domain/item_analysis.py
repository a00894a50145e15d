"""Classical item analysis of multiple-choice test results.

Provides, from each candidate's right/wrong marks on a form:

- per item (``ItemStatistics``): the facility (proportion correct, p), the corrected point-biserial
  discrimination (the item against the rest score) and a flag for items worth reviewing;
- per form (``FormStatistics``): the mean and variance of total scores and KR-20 reliability.

Choices, stated so the numbers can be checked by hand:

- An item missing from a candidate's marks is unanswered and counts as incorrect (0).
- Variances are POPULATION variances (divide by N, the number of candidates), used consistently:
  ``score_variance`` is the population variance of total scores, and
  ``KR20 = k/(k-1) * (1 - sum(p*q) / score_variance)`` with ``q = 1 - p`` and k items.
- Discrimination is the Pearson correlation between the item's 0/1 score and the candidate's total
  on the OTHER items (the rest score), so the item does not correlate with itself. Pearson's r is
  scale-free, so dividing by N or N-1 cancels.
- Sums are kept in integers (and ``Fraction``) so that zero variance is detected exactly and the
  mean, variance and KR-20 are correctly rounded; only the correlation's square root is floating.

Pure: standard library only.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction

NEAR_ZERO = 0.10  # a discrimination in [0, NEAR_ZERO) barely separates stronger from weaker candidates

FLAG_NEGATIVE = "negative discrimination"
FLAG_NEAR_ZERO = "near-zero discrimination"
FLAG_NO_VARIANCE = "no variance"  # everyone right, or everyone wrong
FLAG_NO_REST_VARIANCE = "no rest-score variance"  # the item varies but every rest score is the same


@dataclass(frozen=True)
class ItemStatistics:
    """One item's statistics; ``discrimination`` is None when the correlation is undefined."""

    key: str
    answered: int  # candidates in the analysis (an unanswered item counts as incorrect)
    correct: int
    facility: float
    discrimination: float | None
    flag: str


@dataclass(frozen=True)
class FormStatistics:
    """A form's statistics; ``kr20`` is None when it is undefined (see ``analyse``)."""

    candidates: int
    items: tuple[ItemStatistics, ...]
    kr20: float | None
    mean_score: float
    score_variance: float


def item_flag(discrimination: float | None, *, item_has_variance: bool) -> str:
    """The review flag for an item: "" when nothing is wrong.

    ``item_has_variance`` says whether some candidates got the item right and some wrong; it
    tells apart the two reasons a discrimination can be undefined.
    """
    if discrimination is None:
        return FLAG_NO_REST_VARIANCE if item_has_variance else FLAG_NO_VARIANCE
    if discrimination < 0:
        return FLAG_NEGATIVE
    if discrimination < NEAR_ZERO:
        return FLAG_NEAR_ZERO
    return ""


def analyse(responses: Mapping[str, Mapping[str, bool]], item_keys: Sequence[str]) -> FormStatistics:
    """Analyse a form's results.

    ``responses`` maps a candidate id to ``{item key: answered correctly?}``; an item missing from a
    candidate's mapping counts as incorrect. ``item_keys`` names the form's items in order, and the
    result's ``items`` follow that order.

    ``kr20`` is None with fewer than 2 candidates, with fewer than 2 items (k/(k-1) is undefined) or
    when every candidate has the same total (zero score variance).

    Raises ValueError for no items, a duplicate item key, no candidates, or a response for an item
    key not in ``item_keys``.
    """
    keys = tuple(item_keys)
    if not keys:
        raise ValueError("no items: item_keys is empty")
    seen: set[str] = set()
    for key in keys:
        if key in seen:
            raise ValueError(f"duplicate item key {key!r} in item_keys")
        seen.add(key)
    if not responses:
        raise ValueError("no candidates: responses is empty")
    for candidate, marks in responses.items():
        for key in marks:
            if key not in seen:
                raise ValueError(f"candidate {candidate!r} has a response for unknown item {key!r}")

    scores = [[1 if marks.get(key, False) else 0 for key in keys] for marks in responses.values()]
    totals = [sum(row) for row in scores]
    n = len(scores)

    items = tuple(_item_statistics(key, [row[i] for row in scores], totals) for i, key in enumerate(keys))

    # n * sum of squared deviations of the totals; the population variance is this over n**2.
    total_ss_n = n * sum(t * t for t in totals) - sum(totals) ** 2
    score_variance = Fraction(total_ss_n, n * n)
    return FormStatistics(
        candidates=n,
        items=items,
        kr20=_kr20(len(keys), [item.correct for item in items], n, total_ss_n),
        mean_score=float(Fraction(sum(totals), n)),
        score_variance=float(score_variance),
    )


def _item_statistics(key: str, item: list[int], totals: list[int]) -> ItemStatistics:
    n = len(item)
    correct = sum(item)
    discrimination = _pearson(item, [t - x for t, x in zip(totals, item, strict=True)])
    return ItemStatistics(
        key=key,
        answered=n,
        correct=correct,
        facility=correct / n,
        discrimination=discrimination,
        flag=item_flag(discrimination, item_has_variance=0 < correct < n),
    )


def _pearson(xs: list[int], ys: list[int]) -> float | None:
    """Pearson's r of two integer sequences; None when either has zero variance.

    Uses ``r = (n*Sxy - Sx*Sy) / sqrt((n*Sxx - Sx**2) * (n*Syy - Sy**2))``, exact in integers up to
    the square root, so a zero variance or a zero covariance is never a rounding artefact.
    """
    n = len(xs)
    sx, sy = sum(xs), sum(ys)
    sxx = n * sum(x * x for x in xs) - sx * sx
    syy = n * sum(y * y for y in ys) - sy * sy
    if sxx == 0 or syy == 0:
        return None
    sxy = n * sum(x * y for x, y in zip(xs, ys, strict=True)) - sx * sy
    if sxy == 0:
        return 0.0
    r = sxy / math.sqrt(sxx * syy)
    return max(-1.0, min(1.0, r))


def _kr20(k: int, corrects: list[int], n: int, total_ss_n: int) -> float | None:
    """KR-20 from integer counts: sum(p*q)/var_total = sum(c*(n-c)) / (n*sum(T**2) - sum(T)**2)."""
    if n < 2 or k < 2 or total_ss_n == 0:
        return None
    pq_n2 = sum(c * (n - c) for c in corrects)  # n**2 * sum(p*q)
    return float(Fraction(k, k - 1) * (1 - Fraction(pq_n2, total_ss_n)))


def analyse_forms(forms: Mapping[str, Sequence[tuple[str, bool]]]) -> FormStatistics:
    """Item analysis of a sitting whose candidates sat different forms drawn from one pool.

    ``forms`` maps a candidate to their form: (item key, correct?) per question, in the order the
    questions were numbered. Every form has the same length k.

    - An item's facility and discrimination use only the candidates whose form held it; the rest
      score is that candidate's total on their other k-1 questions.
    - KR-20 treats question *positions* as the k items (the slot approach Moodle takes for random
      questions), so it measures the internal consistency of the total score across forms.
    """
    if not forms:
        raise ValueError("no candidates: forms is empty")
    lengths = {len(form) for form in forms.values()}
    if len(lengths) != 1:
        raise ValueError(f"forms differ in length: {sorted(lengths)}")
    k = lengths.pop()
    if k == 0:
        raise ValueError("no items: the forms are empty")
    totals = {candidate: sum(1 for _, right in form if right) for candidate, form in forms.items()}
    by_position = analyse({candidate: {f"{p:03}": right for p, (_, right) in enumerate(form)}
                           for candidate, form in forms.items()}, [f"{p:03}" for p in range(k)])
    seen: dict[str, tuple[list[int], list[int]]] = {}
    for candidate, form in forms.items():
        keys = [key for key, _ in form]
        if len(set(keys)) != len(keys):
            raise ValueError(f"candidate {candidate!r} has an item twice on their form")
        for key, right in form:
            marks, rest_totals = seen.setdefault(key, ([], []))
            marks.append(int(right))
            rest_totals.append(totals[candidate])
    items = tuple(_item_statistics(key, marks, rest_totals) for key, (marks, rest_totals) in sorted(seen.items()))
    return FormStatistics(candidates=len(forms), items=items, kr20=by_position.kr20,
                          mean_score=by_position.mean_score, score_variance=by_position.score_variance)


# -- item statistics across sittings ----------------------------------------------------------

FACILITY_HIGH = 0.90  # above this an item tells candidates apart hardly at all (too easy)
FACILITY_LOW = 0.20  # below this it is too hard, miskeyed or unclear
DISCRIMINATION_LOW = 0.10
DISTRACTOR_MIN = 0.05  # a distractor chosen by fewer candidates than this is not working
MIN_SEEN = 20  # fewer candidates than this tell too little to flag an item
OPTION_LETTERS = ("A", "B", "C", "D")


@dataclass(frozen=True)
class ItemUsage:
    """One item version over every attempt that showed it.

    ``choices`` counts the item's own letters chosen (option order is shuffled per candidate, so
    the letters are the item's, not the screen's); ``omitted`` counts questions left unanswered.
    Discrimination is the point-biserial of the item against the candidate's rest score (their
    total on the other questions of their own form), as in :func:`analyse_forms`.
    """

    key: str
    answer: str
    seen: int
    correct: int
    facility: float
    discrimination: float | None
    choices: dict[str, int]
    omitted: int
    flags: tuple[str, ...]


def item_usage(attempts: Mapping[str, Sequence[tuple[str, str | None, bool]]],
               answers: Mapping[str, str], min_seen: int = MIN_SEEN) -> list[ItemUsage]:
    """Statistics per item over many attempts (forms drawn from one pool, any sittings).

    ``attempts`` maps an attempt to its questions as (item key, own letter chosen or None, correct?);
    ``answers`` maps an item key to its own key letter. Items come back sorted by key. An item seen
    by fewer than ``min_seen`` candidates gets its figures but no flags, only a note saying so.
    """
    totals = {attempt: sum(1 for _, _, right in questions if right) for attempt, questions in attempts.items()}
    marks: dict[str, list[int]] = {}
    rests: dict[str, list[int]] = {}
    chosen: dict[str, list[str | None]] = {}
    for attempt, questions in attempts.items():
        for key, letter, right in questions:
            marks.setdefault(key, []).append(int(right))
            rests.setdefault(key, []).append(totals[attempt] - int(right))
            chosen.setdefault(key, []).append(letter)
    usage = []
    for key in sorted(marks):
        seen, correct = len(marks[key]), sum(marks[key])
        facility = correct / seen
        discrimination = _pearson(marks[key], rests[key])
        counts = {letter: sum(1 for c in chosen[key] if c == letter) for letter in OPTION_LETTERS}
        flags = []
        if seen < min_seen:
            usage.append(ItemUsage(key, answers[key], seen, correct, facility, discrimination,
                                   {letter: sum(1 for c in chosen[key] if c == letter) for letter in OPTION_LETTERS},
                                   sum(1 for c in chosen[key] if c is None), (f"seen by fewer than {min_seen}: not judged",)))
            continue
        if facility > FACILITY_HIGH:
            flags.append(f"facility above {FACILITY_HIGH:.2f}")
        if facility < FACILITY_LOW:
            flags.append(f"facility below {FACILITY_LOW:.2f}")
        if discrimination is not None and discrimination < DISCRIMINATION_LOW:
            flags.append(f"discrimination below {DISCRIMINATION_LOW:.2f}")
        idle = [letter for letter in OPTION_LETTERS if letter != answers[key] and counts[letter] < DISTRACTOR_MIN * seen]
        if idle:
            flags.append(f"distractor{'s' if len(idle) > 1 else ''} {', '.join(idle)} chosen by under {DISTRACTOR_MIN:.0%}")
        usage.append(ItemUsage(key, answers[key], seen, correct, facility, discrimination, counts,
                               sum(1 for c in chosen[key] if c is None), tuple(flags)))
    return usage
