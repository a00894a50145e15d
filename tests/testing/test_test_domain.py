"""The test's rules as pure functions: forms to the blueprint, scoring at the pass mark, the clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tutor.domain.testing import (
    AttemptClock,
    FormQuestion,
    PoolItem,
    TestDefinition,
    TestRuleError,
    assemble_form,
    check_transition,
    format_remaining,
    score,
)

TEST = TestDefinition("2794-210", "Customer service principles", "2794-210", "603/2394/2", 25, 60, 18,
                      {"1": 5, "2": 5, "3": 8, "4": 7})
CRITERIA = {"1": 5, "2": 5, "3": 7, "4": 6}
START = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def make_pool(per_outcome: dict[str, int]) -> list[PoolItem]:
    pool = []
    for outcome, count in per_outcome.items():
        for n in range(count):
            criterion = f"{outcome}.{n % CRITERIA[outcome] + 1}"
            pool.append(PoolItem(f"{outcome}-{n}", f"v{n}", outcome, criterion))
    return pool


POOL = make_pool({"1": 25, "2": 26, "3": 37, "4": 34})


@settings(max_examples=200, deadline=None)
@given(seed=st.integers(min_value=0, max_value=2**31 - 1))
def test_every_form_matches_the_blueprint_with_25_distinct_items(seed):
    form = assemble_form(POOL, TEST.blueprint, seed)
    assert len(form.questions) == 25
    assert len({q.item_id for q in form.questions}) == 25
    per_outcome = {o: sum(1 for q in form.questions if q.outcome == o) for o in TEST.blueprint}
    assert per_outcome == TEST.blueprint
    assert [q.position for q in form.questions] == list(range(1, 26))
    assert all(sorted(q.option_order) == ["A", "B", "C", "D"] for q in form.questions)
    assert assemble_form(POOL, TEST.blueprint, seed) == form  # the seed rebuilds the exact form


@settings(max_examples=100, deadline=None)
@given(seed=st.integers(min_value=0, max_value=2**31 - 1))
def test_a_form_covers_every_criterion_its_count_allows(seed):
    form = assemble_form(POOL, TEST.blueprint, seed)
    for outcome, criteria in CRITERIA.items():
        covered = {q.criterion for q in form.questions if q.outcome == outcome}
        assert len(covered) == min(criteria, TEST.blueprint[outcome])


def test_different_seeds_give_different_forms():
    assert assemble_form(POOL, TEST.blueprint, 1) != assemble_form(POOL, TEST.blueprint, 2)


def test_a_pool_too_small_is_refused():
    with pytest.raises(TestRuleError, match="outcome 3"):
        assemble_form(make_pool({"1": 5, "2": 5, "3": 7, "4": 7}), TEST.blueprint, 1)


def _answers_with(correct: int, form, keys):
    answers = {}
    for n, q in enumerate(form.questions):
        key = keys[(q.item_id, q.version)]
        answers[q.position] = key if n < correct else next(x for x in "ABCD" if x != key)
    return answers


@pytest.mark.parametrize(("correct", "passed"), [(0, False), (17, False), (18, True), (25, True)])
def test_pass_mark_boundary(correct, passed):
    form = assemble_form(POOL, TEST.blueprint, 5)
    keys = {(p.item_id, p.version): "ABCD"[i % 4] for i, p in enumerate(POOL)}
    result = score(form, _answers_with(correct, form, keys), keys, TEST)
    assert (result.raw, result.passed) == (correct, passed)
    assert sum(c for c, _ in result.per_outcome.values()) == correct
    assert {o: n for o, (_, n) in result.per_outcome.items()} == TEST.blueprint


@settings(max_examples=100, deadline=None)
@given(st.lists(st.sampled_from(["A", "B", "C", "D", None]), min_size=25, max_size=25), st.integers(0, 1000))
def test_score_reproduces_from_stored_answers(choices, seed):
    form = assemble_form(POOL, TEST.blueprint, seed)
    keys = {(p.item_id, p.version): "B" for p in POOL}
    answers = {q.position: c for q, c in zip(form.questions, choices, strict=True) if c}
    first = score(form, answers, keys, TEST)
    assert first == score(form, dict(answers), keys, TEST)
    assert first.raw == sum(1 for c in choices if c == "B")
    assert first.passed == (first.raw >= 18)


def test_shown_and_own_letters_round_trip():
    question = FormQuestion(1, "x", "v", "1", "1.1", ("C", "A", "D", "B"))
    assert [question.shown_to_own(s) for s in "ABCD"] == ["C", "A", "D", "B"]
    assert all(question.own_to_shown(question.shown_to_own(s)) == s for s in "ABCD")


@pytest.mark.parametrize(("extra", "shown"), [(0, "60:00"), (25, "75:00"), (50, "90:00")])
def test_allowance_with_extra_time(extra, shown):
    clock = AttemptClock.for_test(TEST, extra).start(START)
    assert format_remaining(clock.remaining(START)) == shown


def test_a_rest_break_stops_the_clock():
    clock = AttemptClock.for_test(TEST).start(START)
    clock = clock.stop(START + timedelta(minutes=20))  # break begins
    assert clock.remaining(START + timedelta(minutes=30)) == 40 * 60  # ten minutes later, nothing lost
    clock = clock.start(START + timedelta(minutes=30))
    assert clock.remaining(START + timedelta(minutes=40)) == 30 * 60
    assert clock.deadline() == START + timedelta(minutes=70)


def test_expiry_and_checkpoints():
    clock = AttemptClock.for_test(TEST).start(START)
    clock = clock.checkpoint(START + timedelta(minutes=59, seconds=59))
    assert not clock.expired(START + timedelta(minutes=59, seconds=59))
    assert clock.expired(START + timedelta(minutes=60))
    assert clock.remaining(START + timedelta(hours=3)) == 0
    assert clock.add_time(300).remaining(START + timedelta(minutes=60)) == 300


@pytest.mark.parametrize(("minutes", "message"), [
    (0, "more than zero"), (-5, "more than zero"), (float("nan"), "more than zero"), (float("inf"), "more than zero"),
    (99999999999, "at most 240 minutes"), (240.01, "at most 240 minutes"),
])
def test_added_time_is_bounded(minutes, message):
    from tutor.domain.testing import TestRuleError

    clock = AttemptClock.for_test(TEST).start(START)
    with pytest.raises(TestRuleError, match=message):
        clock.add_time(minutes * 60)
    assert clock.add_time(240 * 60).allowed_seconds == clock.allowed_seconds + 240 * 60


@pytest.mark.parametrize(
    ("status", "to", "allowed"),
    [("in_progress", "paused", True), ("paused", "in_progress", True), ("voided", "in_progress", False),
     ("voided", "submitted", False), ("submitted", "in_progress", False), ("interrupted", "in_progress", True),
     ("not_started", "submitted", False)],
)
def test_state_transitions(status, to, allowed):
    if allowed:
        check_transition(status, to)
    else:
        with pytest.raises(TestRuleError, match="cannot become"):
            check_transition(status, to)


@pytest.mark.parametrize(
    ("criteria", "questions", "blueprint"),
    [
        ({"1": 5, "2": 5, "3": 7, "4": 6}, 23, {"1": 5, "2": 5, "3": 7, "4": 6}),
        ({"1": 4, "2": 0, "3": 4}, 10, {"1": 5, "3": 5}),
        ({"1": 1, "2": 3}, 5, {"1": 1, "2": 4}),
    ],
)
def test_centre_blueprint_follows_the_knowledge_criteria(criteria, questions, blueprint):
    from tutor.domain.testing import centre_blueprint

    assert centre_blueprint(criteria, questions) == blueprint
    assert sum(blueprint.values()) == questions


def test_centre_blueprint_refuses_a_competence_only_unit():
    from tutor.domain.testing import centre_blueprint

    with pytest.raises(TestRuleError, match="no knowledge criteria"):
        centre_blueprint({"1": 0, "2": 0}, 10)


# -- declared enemies and resits ----------------------------------------------------------------

BIG_POOL = make_pool({"1": 45, "2": 45, "3": 70, "4": 60})


@st.composite
def pools_with_enemies(draw):
    """The 8-form pool with some declared enemy pairs, declared on one side or both."""
    ids = [p.item_id for p in BIG_POOL]
    pairs = draw(st.lists(st.tuples(st.sampled_from(ids), st.sampled_from(ids)).filter(lambda p: p[0] != p[1]),
                          max_size=40))
    enemies: dict[str, set[str]] = {}
    for a, b in pairs:
        enemies.setdefault(a, set()).add(b)
        if draw(st.booleans()):
            enemies.setdefault(b, set()).add(a)
    pool = [PoolItem(p.item_id, p.version, p.outcome, p.criterion, frozenset(enemies.get(p.item_id, ())))
            for p in BIG_POOL]
    return pool, {frozenset(pair) for pair in pairs}


@settings(max_examples=150, deadline=None)
@given(pools_with_enemies(), st.integers(min_value=0, max_value=2**31 - 1))
def test_declared_enemies_never_share_a_form(pool_and_pairs, seed):
    pool, pairs = pool_and_pairs
    form = assemble_form(pool, TEST.blueprint, seed)
    on_form = {q.item_id for q in form.questions}
    assert not any(pair <= on_form for pair in pairs)
    assert len(on_form) == 25
    assert {o: sum(1 for q in form.questions if q.outcome == o) for o in TEST.blueprint} == TEST.blueprint
    assert assemble_form(pool, TEST.blueprint, seed) == form


def test_enemies_that_leave_too_few_items_are_refused_in_one_line():
    pool = make_pool({"1": 5, "2": 5, "3": 8, "4": 7})
    first, second = [p for p in pool if p.outcome == "1"][:2]
    pool = [PoolItem(p.item_id, p.version, p.outcome, p.criterion,
                     frozenset({second.item_id}) if p is first else frozenset()) for p in pool]
    with pytest.raises(TestRuleError, match="outcome 1 has too few items that are not declared enemies"):
        assemble_form(pool, TEST.blueprint, 3)


@settings(max_examples=150, deadline=None)
@given(st.integers(min_value=0, max_value=2**31 - 1), st.integers(min_value=0, max_value=2**31 - 1),
       st.integers(min_value=1, max_value=10))
def test_a_resit_draws_none_of_the_earlier_items_while_the_pool_allows(first_seed, seed, attempts):
    seen: set[str] = set()
    for n in range(attempts):
        form = assemble_form(BIG_POOL, TEST.blueprint, (first_seed + n) % 2**31)
        seen |= {q.item_id for q in form.questions}
    resit = assemble_form(BIG_POOL, TEST.blueprint, seed, avoid=frozenset(seen))
    fresh = {o: sum(1 for p in BIG_POOL if p.outcome == o and p.item_id not in seen) for o in TEST.blueprint}
    reused = {q.item_id for q in resit.questions} & seen
    if all(fresh[o] >= need for o, need in TEST.blueprint.items()):
        assert not reused
    else:  # the pool cannot: only the outcomes short of fresh items reuse, and only as many as they lack
        for outcome, need in TEST.blueprint.items():
            reused_here = sum(1 for q in resit.questions if q.outcome == outcome and q.item_id in seen)
            assert reused_here == max(0, need - fresh[outcome])
    assert len({q.item_id for q in resit.questions}) == 25
    assert assemble_form(BIG_POOL, TEST.blueprint, seed, avoid=frozenset(seen)) == resit


def test_a_resit_with_nothing_to_avoid_draws_the_same_form_as_a_first_attempt():
    assert assemble_form(POOL, TEST.blueprint, 11, avoid=frozenset()) == assemble_form(POOL, TEST.blueprint, 11)
