"""Benchmark: time to mark one ~100-word free-text answer against a real knowledge sheet entry.

Timed twice: against the entry as shipped, and against the same entry given 60 marked examples, so that it
learns its own example model (:mod:`tutor.practice.example_model`) and asks it of every answer.

Prints figures; asserts nothing. Target: under 5 ms median for a 100-word answer.

    python benchmarks/marking.py [--repeat N]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from dataclasses import replace

from tutor.bank.model import MarkedExample, load_sheet_file
from tutor.practice import marking

ANSWER = (
    "a service offer is basicly a statment from the company about the level of servise customers will get. "
    "its also known as a custmer charter and sometimes people call it a service level agreement or SLA. "
    "it says how customers get compensated if things go wrong and it gives timescales for replying, like "
    "how quickly they answer emails or calls. it sets the basis the business provides its service on. "
    "in my job we have one on the website and on posters in the shop so customers know what to expect "
    "from us and staff know what they have to do every day when dealing with them"
)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=1000)
    parser.add_argument("--smoke", action="store_true", help="tiny sizes, seconds: the test suite's run, so the benchmark cannot rot")
    args = parser.parse_args(argv)
    if args.smoke:
        args.repeat = 20
    entry = next(e for e in load_sheet_file(ROOT / "question_bank" / "sheets" / "2794-210.yaml") if e.ref.criterion == "2.1")

    # Marked examples made from the sheet's own phrasings (credited) and misconceptions (not): enough for a model.
    examples = [MarkedExample(f"{kp.short}, {a}", "credited") for kp in entry.key_points for a in kp.accept][:30]
    examples += [MarkedExample(f"{m.wrong}, {m.statement}", "not_credited") for m in entry.misconceptions] * 10
    for label, marked in (("as shipped", entry), ("with an example model", replace(entry, examples=examples[:60]))):
        time_marking(label, marked, args.repeat)


def time_marking(label: str, entry, repeat: int) -> None:
    t0 = time.perf_counter()
    marking._CACHE.clear()
    compiled = marking.compile_entry(entry)
    compile_ms = (time.perf_counter() - t0) * 1000

    words = len(ANSWER.split())
    # Cold words: vary the answer each run (a fresh word at the end) and clear the stem cache,
    # so no run reuses another's work; only the compiled entry is shared, as in real use.
    times = []
    for i in range(repeat):
        marking.stem.cache_clear()
        text = f"{ANSWER} ref{i}"
        t = time.perf_counter()
        marking.mark_answer(text, entry)
        times.append((time.perf_counter() - t) * 1000)
    times.sort()
    made = marking.mark_answer(ANSWER, entry)
    print(f"entry 2794-210 2.1 {label} ({len(entry.examples)} marked examples, "
          f"{'a' if compiled.model else 'no'} model), answer {words} words, points made {len(made.made)}/{len(entry.key_points)}")
    print(f"  compile entry (once):  {compile_ms:.2f} ms")
    print(f"  mark answer, {repeat} runs: median {statistics.median(times):.3f} ms, "
          f"p95 {times[int(0.95 * len(times)) - 1]:.3f} ms, max {times[-1]:.3f} ms")


if __name__ == "__main__":
    main()
