"""Benchmark: what test-wiseness is worth on real forms of the 2794-210 test.

Draws forms with the project's own assembler from the approved secure pool and, for a candidate who
knows a share of the content (each item known independently), computes the exact chance of passing
(18 of 25): on an unknown item the candidate either guesses blind (1 in 4) or uses a test-wise
strategy (the audit's expected score for that item). The gap between the two is what the cues give
away; on a sound bank it is near zero. Prints figures; asserts nothing.

    python benchmarks/testwise.py [--forms N] [--knowledge 0.5] [--bank DIR] [--quick]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tutor.bank.audit import audit_bank  # noqa: E402
from tutor.bank.secure_audit import STRATEGIES  # noqa: E402
from tutor.domain.testing import PoolItem, assemble_form  # noqa: E402
from tutor.paths import templates_dir  # noqa: E402

UNIT = "2794-210"


def pass_chance(probabilities: list[float], pass_mark: int) -> float:
    """P(at least ``pass_mark`` right) for independent items with these chances (Poisson-binomial)."""
    dist = [1.0]
    for p in probabilities:
        dist = [(dist[k] if k < len(dist) else 0.0) * (1 - p) + (dist[k - 1] * p if k else 0.0)
                for k in range(len(dist) + 1)]
    return sum(dist[pass_mark:])


def measure(bank: Path, forms: int, knowledge: float) -> dict:
    audit = audit_bank(bank, templates_dir())
    (qualification, spec), = [(q, s) for q, s in audit.index.test_specs if s.unit == UNIT]
    items = {i.id: i for i in audit.bank.items if i.use == "secure" and i.status == "approved"
             and len(i.options) == 4 and i.key in i.options}
    pool = [PoolItem(i.id, i.version, i.ref.outcome, i.ref.criterion, frozenset(i.enemies)) for i in items.values()]
    drawn = [assemble_form(pool, spec.blueprint(), seed) for seed in range(forms)]
    chance_of = {name: {i.id: (i.key in (picked := choose(i))) / len(picked) for i in items.values()}
                 for name, (_, choose) in STRATEGIES.items()}
    chance_of["blind guess"] = {item_id: 0.25 for item_id in items}
    results = {}
    for name, chances in chance_of.items():
        per_form = [pass_chance([knowledge + (1 - knowledge) * chances[q.item_id] for q in form.questions],
                                spec.pass_mark) for form in drawn]
        results[name] = sum(per_form) / len(per_form)
    return {"items": len(items), "forms": forms, "knowledge": knowledge, "pass_mark": spec.pass_mark,
            "pass_rates": results}


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--forms", type=int, default=2000)
    parser.add_argument("--knowledge", type=float, default=0.5)
    parser.add_argument("--bank", type=Path, default=ROOT / "question_bank")
    parser.add_argument("--quick", "--smoke", action="store_true", help="50 forms (the test suite's run)")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    figures = measure(args.bank, 50 if args.quick else args.forms, args.knowledge)
    blind = figures["pass_rates"]["blind guess"]
    print(f"{UNIT}: {figures['items']} approved secure items, {figures['forms']} forms drawn by the assembler; "
          f"a candidate who knows {figures['knowledge']:.0%} of the items, pass mark {figures['pass_mark']}/25")
    print(f"  {'on an unknown item the candidate ...':58s} {'passes':>7s}  {'vs blind':>8s}")
    for name, rate in sorted(figures["pass_rates"].items(), key=lambda kv: -kv[1]):
        what = "guesses blind (1 in 4)" if name == "blind guess" else STRATEGIES[name][0]
        print(f"  {what:58s} {rate:7.1%}  {rate - blind:+8.1%}")
    print(f"({time.perf_counter() - started:.1f} s)")
    return figures


if __name__ == "__main__":
    main()
