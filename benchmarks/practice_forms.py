"""Benchmark: the mix of practice-item forms the chat serves, per qualification.

Simulates learners practising every unit of each qualification through the real engine (open answer, feedback,
then the practice item, answered), until ``--turns`` items have been served per qualification, and prints the
share of each form served and the share of "which is NOT" items among the multiple-choice ones. The engine
draws a form per visit by its weights (``tutor.practice.engine.FORM_WEIGHTS``); NOT must stay at most 15%.

    python benchmarks/practice_forms.py [--turns 1000] [--quick]
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tutor.bank.audit import BankAudit, audit_bank  # noqa: E402
from tutor.bank.generator import FORMS, item_form  # noqa: E402
from tutor.clock import FakeClock  # noqa: E402
from tutor.practice.engine import item_layout  # noqa: E402
from tutor.rendering import TextRenderer  # noqa: E402
from tutor.services.practice import practice_engine  # noqa: E402

NOT_LIMIT = 0.15


def serve(audit: BankAudit, qualification: str, turns: int, renderer: TextRenderer) -> Counter:
    """Forms of the first ``turns`` practice items served while practising the qualification's units in turn,
    session after session (each session a new seed, as a returning learner gets)."""
    scope = audit.index.scope(qualification)
    served: Counter = Counter()
    clock = FakeClock()
    session = 0
    while sum(served.values()) < turns:
        before = sum(served.values())
        for unit in scope.unit_keys:
            engine = practice_engine(audit, qualification, unit, [], renderer, clock.now, seed=session)
            if not engine.items:
                continue
            engine.start()
            while not engine.finished and sum(served.values()) < turns:
                if engine._state.stage == "mcq":
                    item = engine._state.item
                    served[item_form(item)] += 1
                    turn = engine.respond(item_layout(item).key)
                else:
                    turn = engine.respond("I am not sure")
                if turn.exchange is None:
                    break
            if sum(served.values()) >= turns:
                break
        session += 1
        if sum(served.values()) == before:
            break  # nothing to serve in this qualification
    return served


def main(argv: list[str] | None = None) -> dict[str, Counter]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--turns", type=int, default=1000, help="practice items served per qualification")
    parser.add_argument("--quick", "--smoke", action="store_true", help="100 items for two qualifications")
    args = parser.parse_args(argv)
    audit = audit_bank(ROOT / "question_bank", ROOT / "templates")
    renderer = TextRenderer(ROOT / "templates")
    numbers = list(audit.index.scopes)
    turns = args.turns
    if args.quick:
        numbers, turns = numbers[:2], 100
    results = {}
    print(f"{'qualification':14s} {'served':>6s}  " + "  ".join(f"{f:>11s}" for f in FORMS) + "  NOT share of MCQ")
    for number in numbers:
        served = serve(audit, number, turns, renderer)
        results[number] = served
        total = sum(served.values()) or 1
        mcq = sum(served[f] for f in ("scenario", "single_best", "statement", "negative")) or 1
        share = served["negative"] / mcq
        print(f"{number:14s} {sum(served.values()):6d}  " + "  ".join(f"{served[f] / total:11.1%}" for f in FORMS)
              + f"  {share:16.1%}{'' if share <= NOT_LIMIT else '  (over the limit)'}")
    return results


if __name__ == "__main__":
    main()
