"""Invigilated tests: definitions, forms drawn to a blueprint, the attempt clock and scoring.

Pure: every time is passed in, every random choice comes from a seed, so a form can be rebuilt
for quality assurance and a 60-minute test is tested in milliseconds.
"""

from __future__ import annotations

import json
import math
import random
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

AWARDING_BODY = "awarding body"
CENTRE = "centre"
LETTERS = ("A", "B", "C", "D")


class TestRuleError(Exception):
    """An action the rules of the test do not allow; the message is one line for people."""

    __test__ = False


@dataclass(frozen=True)
class TestDefinition:
    """What a test is: the 2794-210 test is 25 questions in 60 minutes, pass at 18, blueprint 5/5/8/7."""

    __test__ = False

    code: str
    title: str
    unit_key: str
    qualification: str
    total_questions: int
    duration_minutes: int
    pass_mark: int
    blueprint: dict[str, int]
    set_by: str = AWARDING_BODY  # a centre-set test is never labelled as the awarding body's

    def __post_init__(self) -> None:
        if sum(self.blueprint.values()) != self.total_questions:
            raise TestRuleError(f"test {self.code}: the blueprint gives {sum(self.blueprint.values())} "
                                f"questions, not {self.total_questions}")
        if not 0 < self.pass_mark <= self.total_questions:
            raise TestRuleError(f"test {self.code}: pass mark {self.pass_mark} is not between 1 and {self.total_questions}")


def centre_blueprint(knowledge_criteria: dict[str, int], questions: int) -> dict[str, int]:
    """Spread a centre-set test's questions over a unit's knowledge outcomes in proportion to
    their criteria (largest remainders), each outcome getting at least one where possible."""
    if questions < 1:
        raise TestRuleError("a test needs at least one question")
    outcomes = {o: n for o, n in knowledge_criteria.items() if n}
    if not outcomes:
        raise TestRuleError("the unit has no knowledge criteria: questions cannot assess it")
    total = sum(outcomes.values())
    shares = {o: questions * n / total for o, n in outcomes.items()}
    blueprint = {o: int(share) for o, share in shares.items()}
    for outcome in sorted(shares, key=lambda o: shares[o] - blueprint[o], reverse=True)[: questions - sum(blueprint.values())]:
        blueprint[outcome] += 1
    return {o: n for o, n in blueprint.items() if n}


@dataclass(frozen=True)
class PoolItem:
    """An approved secure item a form can draw; ``enemies`` are items it must never share a form with
    (one states the other's answer), declared in the bank."""

    item_id: str
    version: str
    outcome: str
    criterion: str
    enemies: frozenset[str] = frozenset()


@dataclass(frozen=True)
class FormQuestion:
    """One question of a form: which item version, and the order its options are shown in.

    ``option_order[i]`` is the item's own letter shown at position ``LETTERS[i]``.
    """

    position: int
    item_id: str
    version: str
    outcome: str
    criterion: str
    option_order: tuple[str, ...]

    def shown_to_own(self, shown: str) -> str:
        return self.option_order[LETTERS.index(shown)]

    def own_to_shown(self, own: str) -> str:
        return LETTERS[self.option_order.index(own)]


@dataclass(frozen=True)
class Form:
    seed: int
    questions: tuple[FormQuestion, ...]


def assemble_form(pool: list[PoolItem], blueprint: dict[str, int], seed: int,
                  avoid: frozenset[str] = frozenset()) -> Form:
    """Draw a form to the blueprint: within each outcome, criteria are taken in turn so a form
    covers as many criteria as its count allows; then questions and options are shuffled.

    Two items declared enemies never share a form. Items in ``avoid`` (those a resitting candidate
    has already seen) are drawn only when an outcome has too few others; the caller counts them.
    """
    rng = random.Random(seed)
    chosen: list[PoolItem] = []
    chosen_ids: set[str] = set()
    blocked: set[str] = set()  # chosen items and the enemies they declare

    def fits(item: PoolItem) -> bool:  # enemies count whichever side declared them
        return item.item_id not in blocked and not item.enemies & chosen_ids

    for outcome, count in blueprint.items():
        candidates = sorted((p for p in pool if p.outcome == outcome), key=lambda p: (p.criterion, p.item_id))
        if len(candidates) < count:
            raise TestRuleError(f"the bank has {len(candidates)} approved secure items for outcome {outcome}; "
                                f"the blueprint needs {count}")
        fresh: dict[str, list[PoolItem]] = {}
        seen: dict[str, list[PoolItem]] = {}
        for item in candidates:
            (seen if item.item_id in avoid else fresh).setdefault(item.criterion, []).append(item)
            fresh.setdefault(item.criterion, [])
        for criterion in fresh:
            rng.shuffle(fresh[criterion])
            rng.shuffle(seen.get(criterion, []))
        order = sorted(fresh)
        rng.shuffle(order)
        picked: list[PoolItem] = []
        for lists in (fresh, seen):  # unseen items first, round the criteria; seen ones only if needed
            while len(picked) < count:
                progressed = False
                for criterion in order:
                    waiting = lists.get(criterion, [])
                    for index in range(len(waiting) - 1, -1, -1):
                        if len(picked) < count and fits(waiting[index]):
                            item = waiting.pop(index)
                            picked.append(item)
                            chosen.append(item)
                            chosen_ids.add(item.item_id)
                            blocked.update({item.item_id} | item.enemies)
                            progressed = True
                            break
                if not progressed:
                    break
        if len(picked) < count:
            raise TestRuleError(f"outcome {outcome} has too few items that are not declared enemies of the "
                                f"others on the form: {len(picked)} of {count}")
    rng.shuffle(chosen)
    questions = []
    for position, item in enumerate(chosen, start=1):
        order = list(LETTERS)
        rng.shuffle(order)
        questions.append(FormQuestion(position, item.item_id, item.version, item.outcome, item.criterion, tuple(order)))
    return Form(seed, tuple(questions))


@dataclass(frozen=True)
class TestResult:
    __test__ = False

    raw: int
    total: int
    pass_mark: int
    passed: bool
    per_outcome: dict[str, tuple[int, int]]  # outcome -> (correct, questions)


def score(form: Form, answers: dict[int, str], keys: dict[tuple[str, str], str], test: TestDefinition) -> TestResult:
    """Mark stored answers: ``answers`` maps position to the item's own letter chosen,
    ``keys`` maps (item id, version) to the item's own key letter."""
    per_outcome: dict[str, list[int]] = {o: [0, 0] for o in test.blueprint}
    raw = 0
    for question in form.questions:
        correct = answers.get(question.position) == keys[(question.item_id, question.version)]
        raw += correct
        tally = per_outcome.setdefault(question.outcome, [0, 0])
        tally[0] += correct
        tally[1] += 1
    return TestResult(raw, test.total_questions, test.pass_mark, raw >= test.pass_mark,
                      {o: (c, n) for o, (c, n) in per_outcome.items()})


@dataclass(frozen=True)
class AttemptClock:
    """An attempt's time: the allowance, the active time used, and since when it is running.

    Time runs only between ``start``/``resume`` and ``pause``/``checkpoint``; a crashed client
    stops it at its last checkpoint, so nobody loses (or gains) more than one heartbeat.
    """

    allowed_seconds: float
    active_seconds: float = 0.0
    running_since: datetime | None = None

    @classmethod
    def for_test(cls, test: TestDefinition, extra_time_percent: int = 0) -> AttemptClock:
        return cls(test.duration_minutes * 60 * (1 + extra_time_percent / 100))

    @property
    def running(self) -> bool:
        return self.running_since is not None

    def used(self, now: datetime) -> float:
        live = (now - self.running_since).total_seconds() if self.running_since else 0.0
        return self.active_seconds + max(0.0, live)

    def remaining(self, now: datetime) -> float:
        return max(0.0, self.allowed_seconds - self.used(now))

    def expired(self, now: datetime) -> bool:
        return self.remaining(now) <= 0

    def deadline(self) -> datetime | None:
        """When a running clock reaches zero."""
        if self.running_since is None:
            return None
        return self.running_since + timedelta(seconds=self.allowed_seconds - self.active_seconds)

    def start(self, now: datetime) -> AttemptClock:
        if self.running:
            raise TestRuleError("the clock is already running")
        return replace(self, running_since=now)

    def stop(self, now: datetime) -> AttemptClock:
        """Pause, rest break or submission: fold the running time in and stop."""
        return replace(self, active_seconds=min(self.allowed_seconds, self.used(now)), running_since=None)

    def checkpoint(self, now: datetime) -> AttemptClock:
        """Fold the running time in and keep running (a heartbeat, or an answer saved)."""
        if not self.running:
            return self
        return replace(self, active_seconds=min(self.allowed_seconds, self.used(now)), running_since=now)

    def add_time(self, seconds: float) -> AttemptClock:
        """More time for the candidate (an invigilator's decision, e.g. after a disruption): more than zero and
        at most :data:`MAX_ADDED_MINUTES` at a time, a number (not NaN or infinite)."""
        if not math.isfinite(seconds) or seconds <= 0:
            raise TestRuleError("extra time must be a number of minutes more than zero")
        if seconds > MAX_ADDED_MINUTES * 60:
            raise TestRuleError(f"extra time is at most {MAX_ADDED_MINUTES} minutes at a time")
        return replace(self, allowed_seconds=self.allowed_seconds + seconds)


MAX_ADDED_MINUTES = 240  # one addition of time; a four-hour disruption is a new sitting, not extra time


def format_remaining(seconds: float) -> str:
    whole = int(round(seconds))
    return f"{whole // 60:02d}:{whole % 60:02d}"


TRANSITIONS: dict[str, tuple[str, ...]] = {
    "not_started": ("in_progress", "voided"),
    "in_progress": ("paused", "interrupted", "submitted", "voided"),
    "paused": ("in_progress", "submitted", "voided"),
    "interrupted": ("in_progress", "submitted", "voided"),
    "submitted": ("voided",),
    "voided": (),
}
"""The states an attempt moves through. A void is final: nothing leaves ``voided``."""


def check_transition(status: str, to: str) -> None:
    if to not in TRANSITIONS.get(status, ()):
        raise TestRuleError(f"an attempt that is {status.replace('_', ' ')} cannot become {to.replace('_', ' ')}")


def form_to_json(form: Form, item_rows: dict[tuple[str, str], int]) -> str:
    """The form as stored: each question with the bank row of the exact item version it shows."""
    return json.dumps([[q.position, q.item_id, q.version, q.outcome, q.criterion, "".join(q.option_order),
                        item_rows[(q.item_id, q.version)]] for q in form.questions])


def form_from_json(seed: int, data: str) -> tuple[Form, list[int]]:
    """A stored form and the bank row of each question's item version, in question order."""
    entries = json.loads(data)
    form = Form(seed, tuple(FormQuestion(p, i, v, o, c, tuple(order)) for p, i, v, o, c, order, _ in entries))
    return form, [entry[6] for entry in entries]
