"""Benchmark: the chat marker on the public SemEval-2013 Task 7 data (Beetle and SciEntsBank).

Reads the task's zip in place from ``../shared/external/semeval-2013-task7/`` (never copied into the
project). Each question becomes a knowledge-sheet entry: its reference answers are the key points. With
``--train`` (the default), the train split's labelled answers to the same question become the entry's
marked examples (correct: credited; contradictory: contradicted; others: not credited), from which the
marker learns each question's example model (:mod:`tutor.practice.example_model`). Its settings were
chosen by cross-validation over the train split alone (``--tune`` prints those figures): the test split
is never looked at while tuning. Prints 2-way and 3-way accuracy, macro-F1 and weighted-F1 per test set
beside the published figures, and the share of contradictory answers credited. Asserts nothing.

    python benchmarks/semeval.py [--sets beetle-answers,...] [--no-train] [--tune] [--quick]
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

from tutor.bank.model import CriterionRef, KeyPoint, MarkedExample, SheetEntry  # noqa: E402
from tutor.practice import example_model, marking  # noqa: E402
from tutor.practice.marking import compile_entry, mark_answer  # noqa: E402

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


EXAMPLE_LABEL = {"correct": "credited", "contradictory": "contradicted", "incorrect": "not_credited"}
# The example model's settings tried by --tune: (L2, weight of a contradicted example).
TUNE_GRID = [(l2, w) for l2 in (1e-4, 1e-3) for w in (1.0, 1.5, 2.0, 2.5, 3.0, 4.0)]
FOLDS = 5


def sheet_entry(question: Question, train: list[Answer]) -> SheetEntry:
    """The question as a sheet entry: its reference answers as key points, any one of which is a complete answer
    (``required=1``: they are alternatives, not parts of one answer), its train answers as marked examples."""
    points = [KeyPoint(point=ref, short=ref, accept=[ref], synonyms={}, source={}) for ref in question.references]
    return SheetEntry(CriterionRef("semeval", "semeval", "1", question.id), question.text, False, question.text,
                      question.text, points, [],
                      examples=[MarkedExample(a.text, EXAMPLE_LABEL[a.label]) for a in train], required=1)


def _folds(train: list[Answer], questions: dict[str, Question]):
    """(entry, answer) for every train answer to these questions, each question's answers in FOLDS folds: each
    fold marked by an entry whose examples are the other folds (an answer's duplicates share its fold, since one
    left in the training folds would make its twin look easy)."""
    by_question: dict[str, list[Answer]] = defaultdict(list)
    for answer in train:
        if answer.question in questions:
            by_question[answer.question].append(answer)
    for qid, answers in by_question.items():
        texts = sorted({a.text.lower() for a in answers})
        fold = {t: i % FOLDS for i, t in enumerate(texts)}
        for f in range(FOLDS):
            entry = sheet_entry(questions[qid], [a for a in answers if fold[a.text.lower()] != f])
            for answer in (a for a in answers if fold[a.text.lower()] == f):
                yield entry, answer


def cross_validate(train: list[Answer], questions: dict[str, Question], settings: tuple[float, float]
                   ) -> tuple[float, float] | None:
    """2-way macro-F1 over the train split alone (:func:`_folds`), and the share of contradictory answers
    credited. None where the train split has no answers to these questions."""
    gold, guess = [], []
    saved = example_model.L2, example_model.CONTRADICTED_WEIGHT
    example_model.L2, example_model.CONTRADICTED_WEIGHT = settings
    try:
        for entry, answer in _folds(train, questions):
            gold.append(answer.label)
            guess.append(_two(predict(answer, entry)))
    finally:
        example_model.L2, example_model.CONTRADICTED_WEIGHT = saved
    if not gold:
        return None
    contradictory = [g for label, g in zip(gold, guess) if label == "contradictory"]
    return (scores([_two(label) for label in gold], guess, ("correct", "incorrect"))["macro_f1"],
            contradictory.count("correct") / max(1, len(contradictory)))


def cross_validated_readings(train: list[Answer], questions: dict[str, Question]) -> list[tuple[str, str | None, float]]:
    """For choosing the marker's model thresholds on the train split (``benchmarks/marking_corpus.py --tune``):
    each train answer's label, with what the entry's model weighs of it (:func:`marking.model_reading`: the
    threshold's case and the probability), or None and 1.0/0.0 (credited or not) where no model weighs it."""
    out = []
    for entry, answer in _folds(train, questions):
        weighed = marking.model_reading(answer.text, entry)
        if weighed is None:
            out.append((answer.label, None, 1.0 if predict(answer, entry) == "correct" else 0.0))
        else:
            out.append((answer.label, *weighed))
    return out


def _two(label: str) -> str:
    return "correct" if label == "correct" else "incorrect"


def predict(answer: Answer, entry: SheetEntry) -> str:
    """A task's reference answers are alternatives (any one is a full answer), unlike a sheet's key points:
    an answer asserting one is correct, even where its words deny another (references about different
    terminals share most words); one that asserts none and contradicts one is contradictory. The marked
    examples then decide as in the marker: the entry's example model where the train split gives it enough
    answers, else the nearest examples' vote; credited credits, uncredited does not."""
    result = mark_answer(answer.text, entry)
    if result.made:
        rule = "correct"
    else:
        rule = "contradictory" if result.contradicted or result.misconceptions else "incorrect"
    if result.precedent == "credited":
        return "correct"
    if result.precedent in ("contradicted", "not_credited") and rule == "correct":
        return "contradictory" if result.precedent == "contradicted" else "incorrect"
    return rule


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


def evaluate(name: str, use_train: bool = True, limit: int | None = None, tune: bool = False) -> dict:
    corpus, folder = SETS[name]
    with zipfile.ZipFile(ZIP) as archive:
        questions, test = _read(archive, f"test/3way/{corpus}/{folder}/")
        _, train = _read(archive, f"training/3way/{corpus}/")
    by_question: dict[str, list[Answer]] = defaultdict(list)
    for answer in train:
        by_question[answer.question].append(answer)
    entries = {qid: sheet_entry(q, by_question.get(qid, []) if use_train else []) for qid, q in questions.items()}
    trained = sum(1 for e in entries.values() if compile_entry(e).model is not None)
    cv = {settings: cross_validate(train, questions, settings) for settings in TUNE_GRID} if tune and use_train else {}
    if limit:
        test = test[:limit]
    gold3 = [a.label for a in test]
    started = time.perf_counter()
    predicted3 = [predict(a, entries[a.question]) for a in test]
    elapsed = time.perf_counter() - started
    two = lambda labels: ["correct" if label == "correct" else "incorrect" for label in labels]  # noqa: E731
    contradictory = [p for g, p in zip(gold3, predicted3) if g == "contradictory"]
    return {
        "set": name, "answers": len(test), "train_examples": use_train, "questions_with_model": trained,
        "questions": len(entries), "cross_validation": cv,
        "2way": scores(two(gold3), two(predicted3), ("correct", "incorrect")),
        "3way": scores(gold3, predicted3, LABELS_3),
        "contradictory_credited": sum(1 for p in contradictory if p == "correct") / len(contradictory) if contradictory else 0.0,
        "ms_per_answer": 1000 * elapsed / max(1, len(test)),
    }


def main(argv: list[str] | None = None) -> list[dict]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sets", default=",".join(SETS), help="comma-separated: " + ", ".join(SETS))
    parser.add_argument("--no-train", action="store_true", help="reference answers only, no train-split examples")
    parser.add_argument("--tune", action="store_true",
                        help=f"also cross-validate the example model's settings (L2, weight of a contradicted example) "
                             f"over the train split ({FOLDS} folds): slow")
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
        r = evaluate(name, use_train=not args.no_train, limit=120 if args.quick else None, tune=args.tune)
        results.append(r)
        two, three = r["2way"], r["3way"]
        print(f"{name:24s} {r['answers']:5d}  {two['accuracy']:9.3f} {two['macro_f1']:8.3f} {two['weighted_f1']:6.3f}   "
              f"{three['accuracy']:9.3f} {three['macro_f1']:8.3f} {three['weighted_f1']:6.3f}   "
              f"{r['contradictory_credited']:16.1%}  {r['ms_per_answer']:9.2f}")
        if r["train_examples"]:
            print(f"    example model learned for {r['questions_with_model']} of {r['questions']} questions "
                  f"(L2 {example_model.L2:g}, contradicted examples weigh {example_model.CONTRADICTED_WEIGHT:g}); "
                  "the others use the nearest examples' vote")
        for (l2, weight), cv in r["cross_validation"].items():
            print(f"    train split, {FOLDS}-fold cross-validation, L2 {l2:g}, contradicted weigh {weight:g}: "
                  + ("n/a" if cv is None else f"2-way macro-F1 {cv[0]:.3f}, contradictory credited {cv[1]:.1%}"))
        for what, figure in PUBLISHED.get(name, {}).items():
            print(f"    published {what}: {figure:.3f}")
    return results


if __name__ == "__main__":
    main()
