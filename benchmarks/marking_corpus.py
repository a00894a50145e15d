"""Benchmark: the chat marker on the project's own labelled corpus of learner answers.

``tests/practice/marking_corpus/*.yaml`` holds answers written as Level 2-3 learners type in a chat, to
knowledge criteria of several qualifications, each labelled correct / partial / contradictory /
misconception / irrelevant / empty with the key points it makes. Prints, per label, how often the marker
credits the answer (verdict secure or partial), the verdicts it gives, the 2-way macro-F1 (credited
vs not), key-point recall and precision on the answers that make points. Asserts nothing.

    python benchmarks/marking_corpus.py [--show LABEL] [--no-examples] [--examples-cv] [--tune]
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
sys.path.insert(0, str(ROOT / "benchmarks"))  # semeval, for --tune

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


def two_way_macro_f1(gold: list[bool], predicted: list[bool]) -> float:
    """The mean F1 of "credited" and "not credited" (the figure both the corpus and the development sets print)."""
    f1s = []
    for positive in (True, False):
        tp = sum(1 for g, p in zip(gold, predicted) if g == positive and p == positive)
        fp = sum(1 for g, p in zip(gold, predicted) if g != positive and p == positive)
        fn = sum(1 for g, p in zip(gold, predicted) if g == positive and p != positive)
        f1s.append(2 * tp / (2 * tp + fp + fn) if tp else 0.0)
    return sum(f1s) / 2


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


TUNE_LIFT = (0.5, 0.65, 0.8, 0.9)
TUNE_SECURE = (0.5, 0.3, 0.1, 0.05)


def tune_thresholds(entries: dict, smoke: bool = False) -> tuple[float, float] | None:
    """The grid the marker's MODEL_LIFT_THRESHOLD and MODEL_SECURE_THRESHOLD were chosen on: each setting
    cross-validated on the sheets' own examples and on SemEval Beetle's train split (never the corpus). The
    rule: the best mean 2-way macro-F1 among settings crediting no more contradicted answers on either set
    than the marker without the two thresholds (both at MODEL_THRESHOLD). Prints the grid; returns the choice."""
    import zipfile

    import semeval
    from tutor.practice import example_model, marking

    if not semeval.ZIP.exists():
        print(f"no SemEval data at {semeval.ZIP}: tuning skipped")
        return None
    with zipfile.ZipFile(semeval.ZIP) as archive:
        questions, _ = semeval._read(archive, "test/3way/beetle/test-unseen-answers/")
        _, train = semeval._read(archive, "training/3way/beetle/")
    if smoke:
        questions = dict(list(questions.items())[:2])
    settings = (example_model.L2, example_model.CONTRADICTED_WEIGHT)
    saved = marking.MODEL_LIFT_THRESHOLD, marking.MODEL_SECURE_THRESHOLD
    base = (marking.MODEL_THRESHOLD, marking.MODEL_THRESHOLD)
    grid = [base] + [(lift, secure) for lift in TUNE_LIFT for secure in TUNE_SECURE if (lift, secure) != base]
    rows = []
    try:
        for lift, secure in grid[:2] if smoke else grid:
            marking.MODEL_LIFT_THRESHOLD, marking.MODEL_SECURE_THRESHOLD = lift, secure
            sheets = examples_cross_validated(entries, limit=2 if smoke else None)
            beetle = semeval.cross_validate(train, questions, settings)
            if beetle is None:
                print("no Beetle train answers to these questions: tuning skipped")
                return None
            beetle_f1, beetle_contra = beetle
            rows.append((lift, secure, sheets["macro_f1_2way"], sheets["credited"]["contradicted"], beetle_f1, beetle_contra))
            print(f"lift {lift:<4} secure {secure:<4}  sheets F1 {rows[-1][2]:.4f} contradicted {rows[-1][3]:6.1%}   "
                  f"Beetle train F1 {beetle_f1:.4f} contradicted {beetle_contra:6.1%}   mean F1 {(rows[-1][2] + beetle_f1) / 2:.4f}",
                  flush=True)
    finally:
        marking.MODEL_LIFT_THRESHOLD, marking.MODEL_SECURE_THRESHOLD = saved
    base = rows[0]
    allowed = [r for r in rows[1:] if r[3] <= base[3] and r[5] <= base[5]]
    if not allowed:
        print("every setting credits more contradicted answers than the baseline: none chosen")
        return None
    best = max(allowed, key=lambda r: r[2] + r[4])
    print(f"chosen: lift {best[0]}, secure {best[1]} (baseline, both {base[0]}: contradicted {base[3]:.1%} / {base[5]:.1%})")
    return best[0], best[1]


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--show", metavar="LABEL", help="print the answers of this label that the marker gets wrong")
    parser.add_argument("--no-examples", action="store_true",
                        help="mark as if the sheets had no marked examples (how an entry without them marks)")
    parser.add_argument("--smoke", action="store_true", help="the first 60 answers, seconds: the test suite's run, so the benchmark cannot rot")
    parser.add_argument("--examples-cv", action="store_true",
                        help=f"instead, cross-validate the sheets' own marked examples ({FOLDS} folds): the development set")
    parser.add_argument("--tune", action="store_true",
                        help="instead, cross-validate the model's lift and secure thresholds on the sheets' examples "
                             "and SemEval Beetle's train split (slow: about 15 minutes), and print the choice")
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
    cases = load_corpus()[:60] if args.smoke else load_corpus()
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
