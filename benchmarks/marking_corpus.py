"""Benchmark: the chat marker on the project's own labelled corpus of learner answers.

``tests/practice/marking_corpus/*.yaml`` holds answers written as Level 2-3 learners type in a chat, to
knowledge criteria of several qualifications, each labelled correct / partial / contradictory /
misconception / irrelevant / empty with the key points it makes. Prints, per label, how often the marker
credits the answer (verdict secure or partial), the verdicts it gives, the 2-way macro-F1 (credited
vs not), key-point recall and precision on the answers that make points. Asserts nothing.

    python benchmarks/marking_corpus.py [--show LABEL]
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from dataclasses import dataclass, replace
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tutor.bank.model import SheetEntry, load_bank  # noqa: E402
from tutor.practice.marking import Marking, mark_answer  # noqa: E402

CORPUS = ROOT / "tests" / "practice" / "marking_corpus"
LABELS = ("correct", "partial", "contradictory", "misconception", "irrelevant", "empty")
CREDITED = ("secure", "partial")


@dataclass(frozen=True)
class Case:
    file: str
    qualification: str
    unit: str
    criterion: str
    text: str
    label: str
    points: tuple[int, ...]  # 1-based key points the answer makes


def load_corpus(folder: Path = CORPUS) -> list[Case]:
    cases = []
    for path in sorted(folder.glob("*.yaml")):
        for block in yaml.safe_load(path.read_text(encoding="utf-8")):
            for answer in block["answers"]:
                cases.append(Case(path.name, block["qualification"], block["unit"], str(block["criterion"]),
                                  answer.get("text") or "", answer["label"], tuple(answer.get("points") or ())))
    return cases


def sheet_entries(bank: Path = ROOT / "question_bank") -> dict[tuple[str, str, str], SheetEntry]:
    return {(e.ref.qualification, e.ref.unit, e.ref.criterion): e for e in load_bank(bank).sheets}


def mark_all(cases: list[Case], entries: dict) -> list[tuple[Case, Marking]]:
    return [(case, mark_answer(case.text, entries[(case.qualification, case.unit, case.criterion)])) for case in cases]


def figures(results: list[tuple[Case, Marking]]) -> dict:
    by_label: dict[str, Counter] = {label: Counter() for label in LABELS}
    for case, marking in results:
        by_label[case.label][marking.verdict] += 1
    credited = {label: (sum(c[v] for v in CREDITED) / sum(c.values()) if sum(c.values()) else 0.0)
                for label, c in by_label.items()}
    gold = [case.label in ("correct", "partial") for case, _ in results]
    predicted = [marking.verdict in CREDITED for _, marking in results]
    f1s = []
    for positive in (True, False):
        tp = sum(1 for g, p in zip(gold, predicted) if g == positive and p == positive)
        fp = sum(1 for g, p in zip(gold, predicted) if g != positive and p == positive)
        fn = sum(1 for g, p in zip(gold, predicted) if g == positive and p != positive)
        precision, recall = (tp / (tp + fp) if tp + fp else 0.0), (tp / (tp + fn) if tp + fn else 0.0)
        f1s.append(2 * precision * recall / (precision + recall) if precision + recall else 0.0)
    found = [(set(case.points), {m.index + 1 for m in marking.made}) for case, marking in results
             if case.label in ("correct", "partial")]
    hits = sum(len(g & p) for g, p in found)
    return {"answers": len(results), "credited": credited, "verdicts": {k: dict(v) for k, v in by_label.items()},
            "macro_f1_2way": sum(f1s) / 2,
            "point_recall": hits / max(1, sum(len(g) for g, _ in found)),
            "point_precision": hits / max(1, sum(len(p) for _, p in found)),
            "correct_secure": by_label["correct"]["secure"] / max(1, sum(by_label["correct"].values()))}


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--show", metavar="LABEL", help="print the answers of this label that the marker gets wrong")
    parser.add_argument("--no-examples", action="store_true",
                        help="mark as if the sheets had no marked examples (how an entry without them marks)")
    parser.add_argument("--smoke", action="store_true", help="the first 60 answers, seconds: the test suite's run, so the benchmark cannot rot")
    args = parser.parse_args(argv)
    cases = load_corpus()[:60] if args.smoke else load_corpus()
    entries = sheet_entries()
    if args.no_examples:
        entries = {key: replace(entry, examples=[]) for key, entry in entries.items()}
    results = mark_all(cases, entries)
    f = figures(results)
    print(f"{f['answers']} answers, {len({(c.qualification, c.unit, c.criterion) for c in cases})} criteria, "
          f"{len({c.qualification for c in cases})} qualifications")
    print(f"{'label':14s} {'n':>4s}  {'credited':>8s}  verdicts")
    for label in LABELS:
        verdicts = f["verdicts"][label]
        print(f"{label:14s} {sum(verdicts.values()):4d}  {f['credited'][label]:8.1%}  "
              + ", ".join(f"{v} {n}" for v, n in sorted(verdicts.items())))
    print(f"2-way macro-F1 (credited vs not): {f['macro_f1_2way']:.3f}; correct answers marked secure: "
          f"{f['correct_secure']:.1%}; key points: recall {f['point_recall']:.1%}, precision {f['point_precision']:.1%}")
    if args.show:
        for case, marking in results:
            wrong = (marking.verdict in CREDITED) != (case.label in ("correct", "partial"))
            if case.label == args.show and wrong:
                print(f"- [{marking.verdict}] {case.unit} {case.criterion}: {case.text!r} "
                      f"made={[m.index + 1 for m in marking.made]} contra={[m.index + 1 for m in marking.contradicted]} "
                      f"misc={[m.index + 1 for m in marking.misconceptions]}")
    return f


if __name__ == "__main__":
    main()
