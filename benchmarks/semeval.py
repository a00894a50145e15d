"""Benchmark: the chat marker on the public SemEval-2013 Task 7 data (Beetle and SciEntsBank).

Reads the task's zip in place from ``../shared/external/semeval-2013-task7/`` (never copied into the
project). Each question becomes a knowledge-sheet entry: its reference answers are the key points. With
``--train`` (the default), the train split's labelled answers to the same question are added as the
entry's phrasings (correct ones as accepted phrasings, contradictory ones as misconceptions): tuning on
the train split only, as the task allows. Prints 2-way and 3-way accuracy, macro-F1 and weighted-F1 per
test set beside the published figures, and the share of contradictory answers credited. Asserts nothing.

    python benchmarks/semeval.py [--sets beetle-answers,...] [--no-train] [--quick]
"""

from __future__ import annotations

import argparse
import sys
import time
import xml.etree.ElementTree as ET
import zipfile
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tutor.bank.model import CriterionRef, KeyPoint, Misconception, SheetEntry  # noqa: E402
from tutor.practice.marking import mark_answer  # noqa: E402

ZIP = ROOT.parent / "shared" / "external" / "semeval-2013-task7" / "semeval-3way.zip"
SETS = {  # name -> (corpus, test folder)
    "beetle-answers": ("beetle", "test-unseen-answers"),
    "beetle-questions": ("beetle", "test-unseen-questions"),
    "sciEntsBank-answers": ("sciEntsBank", "test-unseen-answers"),
    "sciEntsBank-questions": ("sciEntsBank", "test-unseen-questions"),
    "sciEntsBank-domains": ("sciEntsBank", "test-unseen-domains"),
}
# Published figures (second-hand, from the task's reports; see ../shared/external/README.md).
PUBLISHED = {"beetle-answers": {"baseline 2-way macro-F1": 0.78, "best 2-way macro-F1": 0.833,
                                "baseline 3-way macro-F1": 0.55, "best 3-way macro-F1": 0.715}}
LABELS_3 = ("correct", "contradictory", "incorrect")


@dataclass(frozen=True)
class Answer:
    question: str
    text: str
    label: str  # correct | contradictory | incorrect (3-way)


@dataclass
class Question:
    id: str
    text: str
    references: list[str]


def _read(archive: zipfile.ZipFile, folder: str) -> tuple[dict[str, Question], list[Answer]]:
    questions: dict[str, Question] = {}
    answers: list[Answer] = []
    for name in sorted(n for n in archive.namelist() if n.startswith(folder) and n.endswith(".xml")):
        root = ET.fromstring(archive.read(name))
        qid = root.get("id")
        questions[qid] = Question(qid, (root.findtext("questionText") or "").strip(),
                                  [r.text.strip() for r in root.iter("referenceAnswer") if r.text])
        for a in root.iter("studentAnswer"):
            answers.append(Answer(qid, (a.text or "").strip(), a.get("accuracy")))
    return questions, answers


def sheet_entry(question: Question, train: list[Answer]) -> SheetEntry:
    correct = [a.text for a in train if a.label == "correct"]
    wrong = [a.text for a in train if a.label == "contradictory"]
    points = [KeyPoint(point=ref, short=ref, accept=[ref] + (correct if i == 0 else []), synonyms={}, source={})
              for i, ref in enumerate(question.references)]
    misconceptions = [Misconception(statement=text, wrong=text, why="contradicts the reference answer", source={})
                      for text in wrong]
    return SheetEntry(CriterionRef("semeval", "semeval", "1", question.id), question.text, False, question.text,
                      question.text, points, misconceptions)


def predict(answer: Answer, entry: SheetEntry) -> str:
    """A task's reference answers are alternatives (any one is a full answer), unlike a sheet's key points:
    an answer asserting one is correct, even where its words deny another (references about different
    terminals share most words); one that asserts none and contradicts one is contradictory."""
    marking = mark_answer(answer.text, entry)
    if marking.made:
        return "correct"
    return "contradictory" if marking.contradicted or marking.misconceptions else "incorrect"


def scores(gold: list[str], predicted: list[str], labels: tuple[str, ...]) -> dict[str, float]:
    counts = Counter(zip(gold, predicted))
    f1s, weights = [], []
    for label in labels:
        tp = counts[(label, label)]
        fp = sum(counts[(g, label)] for g in labels if g != label)
        fn = sum(counts[(label, p)] for p in labels if p != label)
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        f1s.append(2 * precision * recall / (precision + recall) if precision + recall else 0.0)
        weights.append(sum(1 for g in gold if g == label))
    total = len(gold) or 1
    return {"accuracy": sum(counts[(label, label)] for label in labels) / total,
            "macro_f1": sum(f1s) / len(f1s),
            "weighted_f1": sum(f * w for f, w in zip(f1s, weights)) / total}


def evaluate(name: str, use_train: bool = True, limit: int | None = None) -> dict:
    corpus, folder = SETS[name]
    with zipfile.ZipFile(ZIP) as archive:
        questions, test = _read(archive, f"test/3way/{corpus}/{folder}/")
        _, train = _read(archive, f"training/3way/{corpus}/")
    by_question: dict[str, list[Answer]] = defaultdict(list)
    for answer in train:
        by_question[answer.question].append(answer)
    entries = {qid: sheet_entry(q, by_question.get(qid, []) if use_train else []) for qid, q in questions.items()}
    if limit:
        test = test[:limit]
    gold3 = [a.label for a in test]
    started = time.perf_counter()
    predicted3 = [predict(a, entries[a.question]) for a in test]
    elapsed = time.perf_counter() - started
    two = lambda labels: ["correct" if label == "correct" else "incorrect" for label in labels]  # noqa: E731
    contradictory = [p for g, p in zip(gold3, predicted3) if g == "contradictory"]
    return {
        "set": name, "answers": len(test), "train_phrasings": use_train,
        "2way": scores(two(gold3), two(predicted3), ("correct", "incorrect")),
        "3way": scores(gold3, predicted3, LABELS_3),
        "contradictory_credited": sum(1 for p in contradictory if p == "correct") / len(contradictory) if contradictory else 0.0,
        "ms_per_answer": 1000 * elapsed / max(1, len(test)),
    }


def main(argv: list[str] | None = None) -> list[dict]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sets", default=",".join(SETS), help="comma-separated: " + ", ".join(SETS))
    parser.add_argument("--no-train", action="store_true", help="reference answers only, no train-split phrasings")
    parser.add_argument("--quick", "--smoke", action="store_true", help="Beetle unseen answers only, first 120 answers")
    args = parser.parse_args(argv)
    if not ZIP.exists():
        print(f"no SemEval data at {ZIP}: nothing to measure")
        return []
    names = ["beetle-answers"] if args.quick else [s.strip() for s in args.sets.split(",") if s.strip()]
    results = []
    print(f"{'set':24s} {'n':>5s}  {'2-way acc':>9s} {'macro-F1':>8s} {'w-F1':>6s}   {'3-way acc':>9s} {'macro-F1':>8s} "
          f"{'w-F1':>6s}   contra. credited  ms/answer")
    for name in names:
        r = evaluate(name, use_train=not args.no_train, limit=120 if args.quick else None)
        results.append(r)
        two, three = r["2way"], r["3way"]
        print(f"{name:24s} {r['answers']:5d}  {two['accuracy']:9.3f} {two['macro_f1']:8.3f} {two['weighted_f1']:6.3f}   "
              f"{three['accuracy']:9.3f} {three['macro_f1']:8.3f} {three['weighted_f1']:6.3f}   "
              f"{r['contradictory_credited']:16.1%}  {r['ms_per_answer']:9.2f}")
        for what, figure in PUBLISHED.get(name, {}).items():
            print(f"    published {what}: {figure:.3f}")
    return results


if __name__ == "__main__":
    main()
