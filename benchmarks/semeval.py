"""Benchmark: the chat marker on the public SemEval-2013 Task 7 data (Beetle and SciEntsBank).

Reads the task's zip in place from ``../shared/external/semeval-2013-task7/`` (never copied into the
project). Each question becomes a knowledge-sheet entry: its reference answers are the key points. With
``--train`` (the default), the train split's labelled answers to the same question become the entry's
marked examples (correct: credited; contradictory: contradicted; others: not credited), and the marker's
two example settings (neighbours, least similarity) are chosen by leave-one-out over the train split alone
(each train answer marked against the others): the test split is never looked at while tuning. Prints 2-way and 3-way accuracy, macro-F1 and weighted-F1 per
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

from tutor.bank.model import CriterionRef, KeyPoint, MarkedExample, SheetEntry  # noqa: E402
from tutor.practice import marking  # noqa: E402
from tutor.practice.marking import example_similarities, example_vote, mark_answer, precedent_of  # noqa: E402

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
# Candidate example settings, (neighbours, least similarity): the train split picks one. The last never
# consults the examples, so they are used only where they help on the train split.
GRID = [(k, t) for k in (1, 3, 5) for t in (0.6, 0.7, 0.75, 0.8, 0.85, 0.9)] + [(1, 1.01)]


def sheet_entry(question: Question, train: list[Answer]) -> SheetEntry:
    points = [KeyPoint(point=ref, short=ref, accept=[ref], synonyms={}, source={}) for ref in question.references]
    return SheetEntry(CriterionRef("semeval", "semeval", "1", question.id), question.text, False, question.text,
                      question.text, points, [],
                      examples=[MarkedExample(a.text, EXAMPLE_LABEL[a.label]) for a in train])


def tune(train: list[Answer], entries: dict[str, SheetEntry]) -> tuple[tuple[int, float], float] | None:
    """The (neighbours, least similarity) with the best 2-way macro-F1 over the train split, each train
    answer marked by its question's other train answers (leave-one-out), and that F1."""
    position: dict[str, int] = defaultdict(int)
    rows = []
    for answer in train:
        entry = entries.get(answer.question)
        if entry is None:
            continue
        index = position[answer.question]
        position[answer.question] += 1
        rule = predict(answer, entry)
        rows.append((answer, rule, example_similarities(answer.text, entry, exclude=index)))
    if not rows:
        return None  # unseen questions: the train split has no answers to them
    best: tuple[tuple[int, float], float] | None = None
    for k, t in GRID:
        gold, guess = [], []
        for answer, rule, similarities in rows:
            vote = precedent_of(similarities, k, t)
            gold.append(_two(answer.label))
            guess.append(_two(_combine(rule, vote)))
        f1 = scores(gold, guess, ("correct", "incorrect"))["macro_f1"]
        if best is None or f1 > best[1] + 1e-9:
            best = ((k, t), f1)
    return best


def _two(label: str) -> str:
    return "correct" if label == "correct" else "incorrect"


def _combine(rule: str, vote: str | None) -> str:
    """The marker's rule as :func:`tutor.practice.marking.mark_answer` applies it, in the task's labels."""
    if vote == "credited":
        return "correct"
    if vote in ("contradicted", "not_credited") and rule == "correct":
        return "contradictory" if vote == "contradicted" else "incorrect"
    return rule


def predict(answer: Answer, entry: SheetEntry, settings: tuple[int, float] | None = None) -> str:
    """A task's reference answers are alternatives (any one is a full answer), unlike a sheet's key points:
    an answer asserting one is correct, even where its words deny another (references about different
    terminals share most words); one that asserts none and contradicts one is contradictory. Marked
    examples then decide as in the marker (with ``settings``: neighbours, least similarity): a close credited
    precedent credits, a close uncredited one does not."""
    result = mark_answer(answer.text, entry)
    if result.made:
        rule = "correct"
    else:
        rule = "contradictory" if result.contradicted or result.misconceptions else "incorrect"
    return _combine(rule, example_vote(answer.text, entry, *settings)) if settings else rule


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
    settings, train_f1 = (marking.EXAMPLE_NEIGHBOURS, marking.EXAMPLE_MIN_SIMILARITY), None
    tuned = tune([a for a in train if a.question in entries], entries) if use_train else None
    if tuned:
        settings, train_f1 = tuned
    if limit:
        test = test[:limit]
    gold3 = [a.label for a in test]
    started = time.perf_counter()
    predicted3 = [predict(a, entries[a.question], settings if use_train else None) for a in test]
    elapsed = time.perf_counter() - started
    two = lambda labels: ["correct" if label == "correct" else "incorrect" for label in labels]  # noqa: E731
    contradictory = [p for g, p in zip(gold3, predicted3) if g == "contradictory"]
    return {
        "set": name, "answers": len(test), "train_examples": use_train, "settings": settings, "train_f1": train_f1,
        "2way": scores(two(gold3), two(predicted3), ("correct", "incorrect")),
        "3way": scores(gold3, predicted3, LABELS_3),
        "contradictory_credited": sum(1 for p in contradictory if p == "correct") / len(contradictory) if contradictory else 0.0,
        "ms_per_answer": 1000 * elapsed / max(1, len(test)),
    }


def main(argv: list[str] | None = None) -> list[dict]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sets", default=",".join(SETS), help="comma-separated: " + ", ".join(SETS))
    parser.add_argument("--no-train", action="store_true", help="reference answers only, no train-split examples")
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
        if r["train_f1"] is not None:
            print(f"    example settings chosen on the train split (leave-one-out 2-way macro-F1 {r['train_f1']:.3f}): "
                  f"{r['settings'][0]} neighbours, similarity >= {r['settings'][1]}")
        for what, figure in PUBLISHED.get(name, {}).items():
            print(f"    published {what}: {figure:.3f}")
    return results


if __name__ == "__main__":
    main()
