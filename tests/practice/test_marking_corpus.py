"""The labelled marking corpus (``tests/practice/marking_corpus``): its shape, and what the marker does with
it, label by label. The figures the acceptance asks for are printed by ``benchmarks/marking_corpus.py``; the
limits here are the floor the marker must not fall below (raise them as the marker improves)."""

from __future__ import annotations

import importlib.util
import sys
from collections import Counter

import pytest

from tests.conftest import ROOT

LABELS = ("correct", "partial", "contradictory", "misconception", "irrelevant", "empty")


def _benchmark(name: str):
    spec = importlib.util.spec_from_file_location(name, ROOT / "benchmarks" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def corpus():
    return _benchmark("marking_corpus")


@pytest.fixture(scope="module")
def results(corpus):
    return corpus.mark_all(corpus.load_corpus(), corpus.sheet_entries())


def test_the_corpus_is_big_varied_and_labelled(corpus):
    cases = corpus.load_corpus()
    entries = corpus.sheet_entries()
    assert len(cases) >= 600
    assert len({(c.qualification, c.unit, c.criterion) for c in cases}) >= 60
    assert len({c.qualification for c in cases}) >= 5
    assert set(Counter(c.label for c in cases)) == set(LABELS)
    for case in cases:
        entry = entries[(case.qualification, case.unit, case.criterion)]  # every answer's criterion has a sheet
        assert not entry.own_organisation
        assert all(1 <= p <= len(entry.key_points) for p in case.points), case
        if case.label in ("correct", "partial"):
            assert case.points, case
        else:
            assert not case.points, case


def test_empty_answers_are_never_credited(results):
    assert [c.text for c, m in results if c.label == "empty" and m.verdict in ("secure", "partial")] == []


# Measured 2026-12-07 (fifth stop: the model learns from the sheet's own sentences too, thresholds chosen on the
# development corpus and Beetle's train split): contradictory 2.5%, misconception 3.3%, irrelevant 1.6% credited.
# The first two bounds are the acceptance targets; irrelevant's target is 0%, and this bound catches a regression.
@pytest.mark.parametrize(("label", "most"), [("irrelevant", 0.02), ("contradictory", 0.05), ("misconception", 0.05)])
def test_wrong_answers_are_rarely_credited(results, label, most):
    marked = [m.verdict for c, m in results if c.label == label]
    credited = sum(v in ("secure", "partial") for v in marked) / len(marked)
    assert credited <= most, f"{label}: {credited:.1%} credited"


def test_right_answers_are_credited(results):
    # Measured 2026-12-07 (fifth stop): 91.8% of correct answers credited; the target is 90%.
    marked = [m.verdict for c, m in results if c.label == "correct"]
    assert sum(v in ("secure", "partial") for v in marked) / len(marked) >= 0.90


def test_the_development_corpus_is_apart_from_the_marking_corpus(corpus):
    """The development corpus (where the marker's settings are chosen) answers the same criteria in the same
    form, and shares no answer with the marking corpus (where it is measured)."""
    dev = corpus.load_corpus(corpus.DEV)
    test = corpus.load_corpus()
    entries = corpus.sheet_entries()
    assert len(dev) >= 900 and set(Counter(c.label for c in dev)) == set(LABELS)
    assert {(c.qualification, c.unit, c.criterion) for c in dev} == {(c.qualification, c.unit, c.criterion) for c in test}
    for case in dev:
        entry = entries[(case.qualification, case.unit, case.criterion)]
        assert all(1 <= p <= len(entry.key_points) for p in case.points), case
        assert bool(case.points) == (case.label in ("correct", "partial")), case

    def words(text):
        return " ".join(text.lower().split())

    shared = {words(c.text) for c in test} & {words(c.text) for c in dev}
    assert all(c.label == "empty" for c in test + dev if words(c.text) in shared), shared  # only "idk" and the like
    sheet_examples = {words(x.text) for e in entries.values() for x in e.examples}
    assert all(c.label == "empty" for c in test if words(c.text) in sheet_examples)  # nor with the marked examples


def test_the_shipped_thresholds_are_the_ones_the_rule_chooses(corpus):
    """MODEL_THRESHOLDS are what ``--tune`` picks on the development sets: a change to the sheets' examples or
    to the marker that moves the choice fails here until the thresholds are chosen again."""
    from tutor.practice import marking

    semeval = _benchmark("semeval")
    if not semeval.ZIP.exists():
        pytest.skip(f"SemEval-2013 Task 7 data not found at {semeval.ZIP}")
    assert corpus.tune_thresholds(corpus.sheet_entries()) == marking.MODEL_THRESHOLDS


def test_the_corpus_benchmark_runs(corpus, capsys):
    figures = corpus.main([])
    out = capsys.readouterr().out
    assert "2-way macro-F1" in out and figures["answers"] >= 600


QUICK_SEMEVAL_FLOOR = 0.86  # measured 2026-12-07 (fifth stop): 0.874 on these 120 answers (0.837 on all 439)


def test_the_semeval_benchmark_runs_in_quick_mode(capsys):
    semeval = _benchmark("semeval")
    if not semeval.ZIP.exists():
        pytest.skip(f"SemEval-2013 Task 7 data not found at {semeval.ZIP}")
    (result,) = semeval.main(["--quick"])
    assert result["answers"] == 120 and result["2way"]["macro_f1"] >= QUICK_SEMEVAL_FLOOR
    assert result["questions_with_model"] == result["questions"]  # every Beetle question has train answers
    assert "beetle-answers" in capsys.readouterr().out
