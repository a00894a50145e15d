"""Item analysis against values worked out by hand, cross-checked by independent formulas.

The worked data set: 8 candidates x 4 items (1 = correct, 0 = incorrect).

          Q1  Q2  Q3  Q4 | total T
    c1     1   0   1   1 |   3
    c2     1   1   0   1 |   3
    c3     1   1   0   1 |   3
    c4     0   0   0   1 |   1
    c5     0   0   0   1 |   1
    c6     0   0   0   1 |   1
    c7     0   0   1   1 |   2
    c8     0   1   0   1 |   2
    right  3   3   2   8 |  16

(No 6-candidate x 4-item set gives one good, one near-zero, one negative and one all-correct item
at once, hence 8 candidates.)

Facility p = right / 8:  Q1 3/8 = 0.375,  Q2 3/8 = 0.375,  Q3 2/8 = 0.25,  Q4 8/8 = 1.

Total scores: sum 16, mean 16/8 = 2; deviations T - 2 = 1, 1, 1, -1, -1, -1, 0, 0;
sum of squares = 6; population variance = 6/8 = 0.75.

Corrected point-biserial r = Sxy / sqrt(Sxx * Syy), x = the item's 0/1 score, y = rest score T - x,
S = sums of products of deviations from the means.

Q1: x = 1 1 1 0 0 0 0 0, mean 3/8 = 0.375, deviations +0.625 (c1-c3), -0.375 (c4-c8).
    rest y = 2 2 2 1 1 1 2 2, sum 13, mean 13/8 = 1.625, deviations +0.375 (c1-c3, c7, c8), -0.625 (c4-c6).
    Sxy = 3 * (0.625 * 0.375)          c1-c3:  3 * 0.234375 =  0.703125
        + 3 * (-0.375 * -0.625)        c4-c6:  3 * 0.234375 =  0.703125
        + 2 * (-0.375 * 0.375)         c7-c8:  2 * -0.140625 = -0.28125
        = 1.125
    Sxx = 3 * 0.625**2 + 5 * 0.375**2 = 1.171875 + 0.703125 = 1.875
    Syy = 5 * 0.375**2 + 3 * 0.625**2 = 0.703125 + 1.171875 = 1.875
    r = 1.125 / sqrt(1.875 * 1.875) = 1.125 / 1.875 = 0.6                      -> discriminates well

Q2: x = 0 1 1 0 0 0 0 1, mean 0.375, deviations +0.625 (c2, c3, c8), -0.375 (others).
    rest y = 3 2 2 1 1 1 2 1, sum 13, mean 1.625,
    deviations c1 +1.375; c2, c3, c7 +0.375; c4, c5, c6, c8 -0.625.
    Sxy = (-0.375 * 1.375)             c1:     -0.515625
        + 2 * (0.625 * 0.375)          c2-c3:   0.46875
        + 3 * (-0.375 * -0.625)        c4-c6:   0.703125
        + (-0.375 * 0.375)             c7:     -0.140625
        + (0.625 * -0.625)             c8:     -0.390625
        = 0.125
    Sxx = 3 * 0.625**2 + 5 * 0.375**2 = 1.875
    Syy = 1.375**2 + 3 * 0.375**2 + 4 * 0.625**2 = 1.890625 + 0.421875 + 1.5625 = 3.875
    r = 0.125 / sqrt(1.875 * 3.875) = 0.125 / sqrt(7.265625) = 0.125 / 2.6954823...
      = 1 / sqrt(465) = 0.0463739...                                           -> near zero (< 0.10)

Q3: x = 1 0 0 0 0 0 1 0, mean 2/8 = 0.25, deviations +0.75 (c1, c7), -0.25 (others).
    rest y = 2 3 3 1 1 1 1 2, sum 14, mean 14/8 = 1.75,
    deviations c1, c8 +0.25; c2, c3 +1.25; c4-c7 -0.75.
    Sxy = (0.75 * 0.25)                c1:      0.1875
        + 2 * (-0.25 * 1.25)           c2-c3:  -0.625
        + 3 * (-0.25 * -0.75)          c4-c6:   0.5625
        + (0.75 * -0.75)               c7:     -0.5625
        + (-0.25 * 0.25)               c8:     -0.0625
        = -0.5
    Sxx = 2 * 0.75**2 + 6 * 0.25**2 = 1.125 + 0.375 = 1.5
    Syy = 2 * 0.25**2 + 2 * 1.25**2 + 4 * 0.75**2 = 0.125 + 3.125 + 2.25 = 5.5
    r = -0.5 / sqrt(1.5 * 5.5) = -0.5 / sqrt(8.25) = -0.5 / 2.8722813...
      = -1 / sqrt(33) = -0.1740777...                                         -> negative

Q4: everyone right, x = 1 for all, Sxx = 0: r undefined (None)                -> no variance

KR-20 (k = 4 items, population variances):
    p*q: Q1 0.375 * 0.625 = 0.234375; Q2 0.234375; Q3 0.25 * 0.75 = 0.1875; Q4 1 * 0 = 0
    sum(p*q) = 0.65625 (= 21/32)
    KR20 = 4/3 * (1 - 0.65625 / 0.75) = 4/3 * (1 - 0.875) = 4/3 * 0.125 = 1/6 = 0.1666...
"""

from __future__ import annotations

import math
import random
import statistics
from collections.abc import Mapping, Sequence

import pytest

from tutor.domain.item_analysis import (
    FLAG_NEAR_ZERO,
    FLAG_NEGATIVE,
    FLAG_NO_REST_VARIANCE,
    FLAG_NO_VARIANCE,
    NEAR_ZERO,
    FormStatistics,
    analyse,
    item_flag,
)

KEYS = ("Q1", "Q2", "Q3", "Q4")
GRID = {  # the worked data set in the module docstring
    "c1": (1, 0, 1, 1),
    "c2": (1, 1, 0, 1),
    "c3": (1, 1, 0, 1),
    "c4": (0, 0, 0, 1),
    "c5": (0, 0, 0, 1),
    "c6": (0, 0, 0, 1),
    "c7": (0, 0, 1, 1),
    "c8": (0, 1, 0, 1),
}


def responses_from(grid: Mapping[str, Sequence[int]], keys: Sequence[str]) -> dict[str, dict[str, bool]]:
    return {c: {k: bool(v) for k, v in zip(keys, row, strict=True)} for c, row in grid.items()}


RESPONSES = responses_from(GRID, KEYS)


@pytest.fixture(scope="module")
def worked() -> FormStatistics:
    return analyse(RESPONSES, KEYS)


# ---- the worked data set -------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("key", "correct", "facility", "discrimination", "flag"),
    [
        ("Q1", 3, 0.375, 0.6, ""),
        ("Q2", 3, 0.375, 0.125 / math.sqrt(1.875 * 3.875), FLAG_NEAR_ZERO),
        ("Q3", 2, 0.25, -0.5 / math.sqrt(1.5 * 5.5), FLAG_NEGATIVE),
        ("Q4", 8, 1.0, None, FLAG_NO_VARIANCE),
    ],
)
def test_items_match_the_hand_computation(worked, key, correct, facility, discrimination, flag):
    item = next(i for i in worked.items if i.key == key)
    assert item.answered == 8
    assert item.correct == correct
    assert item.facility == pytest.approx(facility, abs=1e-9)
    if discrimination is None:
        assert item.discrimination is None
    else:
        assert item.discrimination == pytest.approx(discrimination, abs=1e-9)
    assert item.flag == flag


def test_hand_values_in_closed_form(worked):
    """The square roots above simplify: 1/sqrt(465) and -1/sqrt(33)."""
    q1, q2, q3, _ = worked.items
    assert q1.discrimination == pytest.approx(0.6, abs=1e-9)
    assert q2.discrimination == pytest.approx(1 / math.sqrt(465), abs=1e-9)
    assert q2.discrimination == pytest.approx(0.0463739, abs=1e-7)
    assert q3.discrimination == pytest.approx(-1 / math.sqrt(33), abs=1e-9)
    assert q3.discrimination == pytest.approx(-0.1740777, abs=1e-7)


def test_form_matches_the_hand_computation(worked):
    assert worked.candidates == 8
    assert [i.key for i in worked.items] == list(KEYS)
    assert worked.mean_score == pytest.approx(2.0, abs=1e-9)
    assert worked.score_variance == pytest.approx(0.75, abs=1e-9)
    assert worked.kr20 == pytest.approx(1 / 6, abs=1e-9)


# ---- independent cross-checks --------------------------------------------------------------------

def population_variance(values: Sequence[float]) -> float:
    mean = sum(values) / len(values)
    return sum((v - mean) ** 2 for v in values) / len(values)


def cronbach_alpha(grid: Mapping[str, Sequence[int]]) -> float:
    """alpha = k/(k-1) * (1 - sum of item variances / variance of totals), population variances.

    For 0/1 items an item's population variance is p*q, so alpha is KR-20.
    """
    rows = list(grid.values())
    k = len(rows[0])
    item_variances = [population_variance([row[i] for row in rows]) for i in range(k)]
    total_variance = population_variance([sum(row) for row in rows])
    return k / (k - 1) * (1 - sum(item_variances) / total_variance)


def random_grid(seed: int, candidates: int, items: int) -> dict[str, tuple[int, ...]]:
    """Candidates of varying ability, so totals vary and items correlate a little."""
    rng = random.Random(seed)
    grid = {}
    for c in range(candidates):
        ability = rng.random()
        grid[f"c{c}"] = tuple(int(rng.random() < 0.25 + 0.5 * ability) for _ in range(items))
    return grid


def test_kr20_equals_cronbach_alpha_on_the_worked_set(worked):
    assert cronbach_alpha(GRID) == pytest.approx(1 / 6, abs=1e-9)
    assert worked.kr20 == pytest.approx(cronbach_alpha(GRID), abs=1e-9)


@pytest.mark.parametrize(("seed", "candidates", "items"), [(1, 12, 5), (2, 30, 10), (3, 200, 25), (4, 7, 3)])
def test_kr20_and_discrimination_agree_with_independent_formulas(seed, candidates, items):
    grid = random_grid(seed, candidates, items)
    keys = [f"Q{i + 1}" for i in range(items)]
    stats = analyse(responses_from(grid, keys), keys)

    assert stats.kr20 == pytest.approx(cronbach_alpha(grid), abs=1e-9)
    assert stats.score_variance == pytest.approx(population_variance([sum(r) for r in grid.values()]), abs=1e-9)
    assert stats.mean_score == pytest.approx(statistics.fmean(sum(r) for r in grid.values()), abs=1e-9)
    for i, item in enumerate(stats.items):
        x = [row[i] for row in grid.values()]
        rest = [sum(row) - row[i] for row in grid.values()]
        if len(set(x)) == 1 or len(set(rest)) == 1:
            assert item.discrimination is None
        else:
            assert item.discrimination == pytest.approx(statistics.correlation(x, rest), abs=1e-9)


# ---- flags ---------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("discrimination", "item_has_variance", "flag"),
    [
        (0.6, True, ""),
        (NEAR_ZERO, True, ""),  # the threshold itself is not near zero
        (0.0999, True, FLAG_NEAR_ZERO),
        (0.0, True, FLAG_NEAR_ZERO),  # zero is near zero, not negative
        (-1e-12, True, FLAG_NEGATIVE),
        (-0.8, True, FLAG_NEGATIVE),
        (None, False, FLAG_NO_VARIANCE),
        (None, True, FLAG_NO_REST_VARIANCE),
    ],
)
def test_item_flag(discrimination, item_has_variance, flag):
    assert item_flag(discrimination, item_has_variance=item_has_variance) == flag


@pytest.mark.parametrize(
    ("grid", "keys", "key", "flag"),
    [
        pytest.param(GRID, KEYS, "Q1", "", id="discriminates"),
        pytest.param(GRID, KEYS, "Q2", FLAG_NEAR_ZERO, id="near-zero"),
        pytest.param(GRID, KEYS, "Q3", FLAG_NEGATIVE, id="negative"),
        pytest.param(GRID, KEYS, "Q4", FLAG_NO_VARIANCE, id="everyone-right"),
        pytest.param({"a": (0, 1), "b": (0, 0), "c": (0, 1)}, ("Q1", "Q2"), "Q1", FLAG_NO_VARIANCE,
                     id="everyone-wrong"),
        # totals 2,1,2,1: Q1 = 1,0,1,0 vs rest 1,1,1,1 (no rest variance)
        pytest.param({"a": (1, 1), "b": (0, 1), "c": (1, 1), "d": (0, 1)}, ("Q1", "Q2"), "Q1",
                     FLAG_NO_REST_VARIANCE, id="rest-constant"),
        # Q1 = 1,1,0,0 vs rest 2,1,1,0 (means 0.5, 1): Sxy = 0.5 + 0 + 0 + 0.5 = 1, Sxx = 1, Syy = 2,
        # r = 1 / sqrt(2) = 0.707
        pytest.param({"a": (1, 1, 1), "b": (1, 1, 0), "c": (0, 0, 1), "d": (0, 0, 0)}, ("Q1", "Q2", "Q3"), "Q1",
                     "", id="positive-small-form"),
    ],
)
def test_flags_from_analyse(grid, keys, key, flag):
    stats = analyse(responses_from(grid, keys), keys)
    assert next(i for i in stats.items if i.key == key).flag == flag


# ---- errors --------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("responses", "keys", "message"),
    [
        pytest.param({"c1": {}}, [], "no items: item_keys is empty", id="no-items"),
        pytest.param({"c1": {}}, ["Q1", "Q2", "Q1"], "duplicate item key 'Q1' in item_keys", id="duplicate"),
        pytest.param({"c1": {"Q1": True}, "c2": {"Q9": False}}, ["Q1"],
                     "candidate 'c2' has a response for unknown item 'Q9'", id="unknown-item"),
        pytest.param({}, ["Q1"], "no candidates: responses is empty", id="no-candidates"),
    ],
)
def test_invalid_input_is_a_one_line_value_error(responses, keys, message):
    with pytest.raises(ValueError) as raised:
        analyse(responses, keys)
    assert str(raised.value) == message
    assert "\n" not in str(raised.value)


# ---- edge cases ----------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("responses", "keys", "mean", "variance"),
    [
        pytest.param({"c1": {"Q1": True, "Q2": False}}, ["Q1", "Q2"], 1.0, 0.0, id="one-candidate"),
        pytest.param({"c1": {"Q1": True, "Q2": False}, "c2": {"Q1": False, "Q2": True}, "c3": {"Q1": True}},
                     ["Q1", "Q2"], 1.0, 0.0, id="all-same-total"),
        pytest.param({"c1": {"Q1": True}, "c2": {"Q1": False}, "c3": {"Q1": True}}, ["Q1"],
                     2 / 3, 2 / 9, id="one-item"),
    ],
)
def test_kr20_is_none_when_undefined(responses, keys, mean, variance):
    stats = analyse(responses, keys)
    assert stats.kr20 is None
    assert stats.mean_score == pytest.approx(mean, abs=1e-9)
    assert stats.score_variance == pytest.approx(variance, abs=1e-9)


def test_one_candidate_items_have_no_variance():
    stats = analyse({"c1": {"Q1": True, "Q2": False}}, ["Q1", "Q2"])
    assert stats.candidates == 1
    assert [(i.correct, i.facility, i.discrimination, i.flag) for i in stats.items] == [
        (1, 1.0, None, FLAG_NO_VARIANCE),
        (0, 0.0, None, FLAG_NO_VARIANCE),
    ]


def test_same_totals_still_give_item_discrimination():
    """Totals 1,1: Q1 = 1,0 against rest 0,1 is a perfect negative correlation."""
    stats = analyse({"c1": {"Q1": True, "Q2": False}, "c2": {"Q1": False, "Q2": True}}, ["Q1", "Q2"])
    assert [i.discrimination for i in stats.items] == [pytest.approx(-1.0), pytest.approx(-1.0)]
    assert [i.flag for i in stats.items] == [FLAG_NEGATIVE, FLAG_NEGATIVE]


@pytest.mark.parametrize(
    ("missing", "explicit"),
    [
        pytest.param({"c1": {"Q1": True}, "c2": {}, "c3": {"Q2": True}},
                     {"c1": {"Q1": True, "Q2": False},
                      "c2": {"Q1": False, "Q2": False},
                      "c3": {"Q1": False, "Q2": True}},
                     id="some-missing"),
        pytest.param({c: {k: v for k, v in marks.items() if v} for c, marks in RESPONSES.items()}, RESPONSES,
                     id="worked-set-with-wrong-answers-left-out"),
    ],
)
def test_a_missing_answer_counts_as_incorrect(missing, explicit):
    keys = sorted({k for marks in explicit.values() for k in marks})
    assert analyse(missing, keys) == analyse(explicit, keys)


def test_missing_answer_lowers_facility_and_total():
    stats = analyse({"c1": {"Q1": True, "Q2": True}, "c2": {"Q1": True}}, ["Q1", "Q2"])
    q1, q2 = stats.items
    assert (q1.correct, q1.facility) == (2, 1.0)
    assert (q2.answered, q2.correct, q2.facility) == (2, 1, 0.5)
    assert stats.mean_score == pytest.approx(1.5)


def test_analyse_forms_uses_only_the_candidates_who_saw_each_item():
    """Three candidates, two-question forms from a pool of a, b, c (worked by hand):
    c1 a✓ b✓ (total 2), c2 b✗ c✓ (1), c3 a✗ c✗ (0).
    a: seen by c1 (1, rest 1) and c3 (0, rest 0): r = 1, facility 1/2.
    b: c1 (1, rest 1) and c2 (0, rest 1): rest scores equal, so no discrimination.
    c: c2 (1, rest 0) and c3 (0, rest 0): likewise.
    KR-20 by position: p = 1/3 and 2/3, sum pq = 4/9; totals 2, 1, 0 have variance 2/3;
    KR-20 = 2 * (1 - (4/9) / (2/3)) = 2/3."""
    from tutor.domain.item_analysis import FLAG_NO_REST_VARIANCE, analyse_forms

    stats = analyse_forms({"c1": [("a", True), ("b", True)], "c2": [("b", False), ("c", True)],
                           "c3": [("a", False), ("c", False)]})
    by_key = {s.key: s for s in stats.items}
    assert by_key["a"].answered == 2 and by_key["a"].facility == 0.5
    assert by_key["a"].discrimination == pytest.approx(1.0)
    assert by_key["b"].discrimination is None and by_key["b"].flag == FLAG_NO_REST_VARIANCE
    assert stats.kr20 == pytest.approx(2 / 3) and stats.mean_score == pytest.approx(1.0)


@pytest.mark.parametrize(("forms", "message"), [
    ({}, "no candidates"),
    ({"c1": [("a", True)], "c2": [("a", True), ("b", False)]}, "differ in length"),
    ({"c1": [("a", True), ("a", False)]}, "twice"),
])
def test_analyse_forms_rejects(forms, message):
    from tutor.domain.item_analysis import analyse_forms

    with pytest.raises(ValueError, match=message):
        analyse_forms(forms)
