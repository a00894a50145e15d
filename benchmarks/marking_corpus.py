"""Benchmark: the chat marker on the project's own labelled corpus of learner answers.

``tests/practice/marking_corpus/*.yaml`` holds answers written as Level 2-3 learners type in a chat, to
knowledge criteria of several qualifications, each labelled correct / partial / contradictory /
misconception / irrelevant / empty with the key points it makes. Prints, per label, how often the marker
credits the answer (verdict secure or partial), the verdicts it gives, the 2-way macro-F1 (credited
vs not), key-point recall and precision on the answers that make points. Asserts nothing.

``tests/practice/marking_dev/*.yaml`` is a development corpus in the same form: answers to the same
criteria, written and reviewed by other hands, who never saw the marking corpus. The marker's settings
are chosen there (``--tune``); ``--dev`` prints its figures.

    python benchmarks/marking_corpus.py [--dev] [--show LABEL] [--no-examples] [--examples-cv] [--tune]
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
DEV = ROOT / "tests" / "practice" / "marking_dev"  # the development corpus: choices are made on it, not on CORPUS
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


def two_way_macro_f1(gold: list[bool], predicted: list[bool]) -> float:
    """The mean F1 of "credited" and "not credited" (the figure both the corpus and the development sets print)."""
    pairs = Counter(zip(gold, predicted))
    return macro_f1_of(pairs[(True, True)], pairs[(False, True)], pairs[(True, False)], pairs[(False, False)])


def macro_f1_of(tp: int, fp: int, fn: int, tn: int) -> float:
    """:func:`two_way_macro_f1` from the four counts (credited rightly, wrongly; held back wrongly, rightly)."""
    credited = 2 * tp / (2 * tp + fp + fn) if tp else 0.0
    held_back = 2 * tn / (2 * tn + fn + fp) if tn else 0.0
    return (credited + held_back) / 2


def figures(results: list[tuple[Case, Marking]]) -> dict:
    by_label: dict[str, Counter] = {label: Counter() for label in LABELS}
    for case, marking in results:
        by_label[case.label][marking.verdict] += 1
    credited = {label: (sum(c[v] for v in CREDITED) / sum(c.values()) if sum(c.values()) else 0.0)
                for label, c in by_label.items()}
    gold = [case.label in ("correct", "partial") for case, _ in results]
    predicted = [marking.verdict in CREDITED for _, marking in results]
    found = [(set(case.points), {m.index + 1 for m in marking.made}) for case, marking in results
             if case.label in ("correct", "partial")]
    hits = sum(len(g & p) for g, p in found)
    return {"answers": len(results), "credited": credited, "verdicts": {k: dict(v) for k, v in by_label.items()},
            "macro_f1_2way": two_way_macro_f1(gold, predicted),
            "point_recall": hits / max(1, sum(len(g) for g, _ in found)),
            "point_precision": hits / max(1, sum(len(p) for _, p in found)),
            "correct_secure": by_label["correct"]["secure"] / max(1, sum(by_label["correct"].values()))}


EXAMPLE_LABELS = ("credited", "not_credited", "contradicted")
FOLDS = 5


def examples_cross_validated(entries: dict, limit: int | None = None) -> dict:
    """The sheets' own marked examples as a development set, apart from the corpus: each entry's examples in
    FOLDS folds (an answer's duplicates share its fold), each fold marked by the entry with the other folds as
    its examples, as the marker marks in the chat. Per example label, the share credited, and the 2-way
    macro-F1. Choices about how the phrasings and the example model combine are made on this (and on
    SemEval's train split), not on the corpus."""
    marked: list[tuple[str, bool]] = []  # (example label, credited now)
    keyed = [entry for entry in entries.values() if entry.examples][:limit]
    for entry in keyed:
        texts = sorted({x.text.lower() for x in entry.examples})
        fold = {t: i % FOLDS for i, t in enumerate(texts)}
        for f in range(FOLDS):
            held_in = replace(entry, examples=[x for x in entry.examples if fold[x.text.lower()] != f])
            for x in (x for x in entry.examples if fold[x.text.lower()] == f):
                marked.append((x.label, mark_answer(x.text, held_in).verdict in CREDITED))
    shares = {label: [credited for lab, credited in marked if lab == label] for label in EXAMPLE_LABELS}
    return {"entries": len(keyed), "examples": len(marked),
            "credited": {label: sum(got) / max(1, len(got)) for label, got in shares.items()},
            "macro_f1_2way": two_way_macro_f1([label == "credited" for label, _ in marked], [c for _, c in marked])}


WRONG_LABELS = ("contradictory", "misconception", "irrelevant", "empty")
TUNE_GRID = (0.02, 0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.65, 0.7, 0.8, 0.9, 0.95)
CORRECT_FLOOR = 0.93     # of the development corpus's correct answers credited, at least
BEETLE_F1_FLOOR = 0.83   # Beetle train split, cross-validated: 2-way macro-F1 at least ...
BEETLE_CONTRA_CEILING = 0.10  # ... and contradictory answers credited at most


class _Tally:
    """Answers credited under each threshold of each case, so a setting's figures are sums, not markings."""

    CASES = ("wrong", "some", "all", "none")

    def __init__(self, readings: list[tuple[str, str | None, float]]):
        self.n = Counter(label for label, _, _ in readings)
        self.fixed = Counter(label for label, case, p in readings if case is None and p > 0.5)
        self.above = {(case, t): Counter(label for label, c, p in readings if c == case and p >= t)
                      for case in self.CASES for t in TUNE_GRID}

    def credited(self, setting: tuple[float, ...]) -> Counter:
        total = Counter(self.fixed)
        for case, t in zip(self.CASES, setting):
            total.update(self.above[(case, t)])
        return total


def _beetle_readings(smoke: bool) -> list[tuple[str, str | None, float]] | None:
    import zipfile

    import semeval

    if not semeval.ZIP.exists():
        print(f"no SemEval data at {semeval.ZIP}: the Beetle constraint is skipped")
        return None
    with zipfile.ZipFile(semeval.ZIP) as archive:
        questions, _ = semeval._read(archive, "test/3way/beetle/test-unseen-answers/")
        _, train = semeval._read(archive, "training/3way/beetle/")
    if smoke:
        questions = dict(list(questions.items())[:2])
    return semeval.cross_validated_readings(train, questions)


def tune_thresholds(entries: dict, smoke: bool = False) -> dict[str, float] | None:
    """The grid the marker's MODEL_THRESHOLDS were chosen on: the development corpus and SemEval Beetle's train
    split (cross-validated), never the marking corpus. The rule: the fewest development answers of WRONG_LABELS
    credited (pooled) among the settings that credit at least CORRECT_FLOOR of its correct answers and on Beetle
    reach BEETLE_F1_FLOOR crediting at most BEETLE_CONTRA_CEILING of the contradictory answers; ties to the most
    partial answers credited. Each answer's model probability is read once (``model_reading``), so the grid
    costs no marking. Prints the current setting and the choice; returns the choice."""
    import itertools

    from tutor.practice import marking

    cases = load_corpus(DEV)[:60] if smoke else load_corpus(DEV)
    readings = []
    for case in cases:
        entry = entries[(case.qualification, case.unit, case.criterion)]
        weighed = marking.model_reading(case.text, entry)
        if weighed is None:
            readings.append((case.label, None, 1.0 if mark_answer(case.text, entry).verdict in CREDITED else 0.0))
        else:
            readings.append((case.label, *weighed))
    dev = _Tally(readings)
    beetle_readings = _beetle_readings(smoke)
    beetle = _Tally(beetle_readings) if beetle_readings else None

    def figures_of(setting: tuple[float, ...]) -> dict[str, float]:
        credited = dev.credited(setting)
        out = {label: credited[label] / dev.n[label] for label in LABELS if dev.n[label]}
        out["wrong"] = sum(credited[label] for label in WRONG_LABELS) / max(1, sum(dev.n[label] for label in WRONG_LABELS))
        if beetle is not None:
            got = beetle.credited(setting)
            positives, negatives = beetle.n["correct"], sum(beetle.n.values()) - beetle.n["correct"]
            tp, fp = got["correct"], sum(got[label] for label in got if label != "correct")
            out["beetle_f1"] = macro_f1_of(tp, fp, positives - tp, negatives - fp)
            out["beetle_contradictory"] = got["contradictory"] / max(1, beetle.n["contradictory"])
        return out

    def allowed(got: dict[str, float]) -> bool:
        return got.get("correct", 0.0) >= CORRECT_FLOOR and (
            "beetle_f1" not in got or (got["beetle_f1"] >= BEETLE_F1_FLOOR and got["beetle_contradictory"] <= BEETLE_CONTRA_CEILING))

    best = None
    for setting in itertools.product(TUNE_GRID, repeat=len(_Tally.CASES)):
        got = figures_of(setting)
        if allowed(got):
            key = (round(got["wrong"], 9), -got.get("partial", 0.0))
            if best is None or key < best[0]:
                best = (key, setting, got)

    def line(title: str, got: dict[str, float]) -> str:
        text = f"{title}: development wrong {got['wrong']:.1%}; " + ", ".join(f"{label} {got[label]:.1%}" for label in LABELS if label in got)
        if "beetle_f1" in got:
            text += f"; Beetle train 2-way macro-F1 {got['beetle_f1']:.3f}, contradictory {got['beetle_contradictory']:.1%}"
        return text

    print(f"{len(cases)} development answers, {sum(beetle.n.values()) if beetle else 0} Beetle train answers; rule: fewest "
          f"wrong credited with correct >= {CORRECT_FLOOR:.0%}, Beetle F1 >= {BEETLE_F1_FLOOR} and contradictory <= {BEETLE_CONTRA_CEILING:.0%}")
    current = tuple(marking.MODEL_THRESHOLDS[k] for k in _Tally.CASES)
    if all(t in TUNE_GRID for t in current):
        print(line(f"current {dict(zip(_Tally.CASES, current))}", figures_of(current)))
    if best is None:
        print("no setting meets the floors: none chosen")
        return None
    choice = dict(zip(_Tally.CASES, best[1]))
    print(line(f"chosen  {choice}", best[2]))
    return choice


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--show", metavar="LABEL", help="print the answers of this label that the marker gets wrong")
    parser.add_argument("--no-examples", action="store_true",
                        help="mark as if the sheets had no marked examples (how an entry without them marks)")
    parser.add_argument("--smoke", action="store_true", help="the first 60 answers, seconds: the test suite's run, so the benchmark cannot rot")
    parser.add_argument("--examples-cv", action="store_true",
                        help=f"instead, cross-validate the sheets' own marked examples ({FOLDS} folds): a development set")
    parser.add_argument("--dev", action="store_true",
                        help="mark the development corpus instead (tests/practice/marking_dev), where choices are made")
    parser.add_argument("--tune", action="store_true",
                        help="instead, choose the example model's thresholds on the development corpus, and print the choice")
    args = parser.parse_args(argv)
    entries = sheet_entries()
    if args.tune:
        choice = tune_thresholds(entries, smoke=args.smoke)
        return {"choice": choice}
    if args.examples_cv:
        cv = examples_cross_validated(entries, limit=3 if args.smoke else None)
        print(f"{cv['examples']} marked examples of {cv['entries']} sheet entries, {FOLDS}-fold cross-validation")
        for label in EXAMPLE_LABELS:
            print(f"{label:14s} credited {cv['credited'][label]:6.1%}")
        print(f"2-way macro-F1 (credited vs not): {cv['macro_f1_2way']:.3f}")
        return cv
    cases = load_corpus(DEV if args.dev else CORPUS)
    cases = cases[:60] if args.smoke else cases
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
