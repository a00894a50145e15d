"""The test-wiseness benchmark in quick mode: it runs (so it cannot rot), and on the shipped bank no
test-wise strategy lifts a half-knowing candidate's chance of passing much above blind guessing."""

from __future__ import annotations

import importlib.util

import pytest

from tests.conftest import ROOT


def load_benchmark():
    spec = importlib.util.spec_from_file_location("testwise_benchmark", ROOT / "benchmarks" / "testwise.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_pass_chance_is_the_exact_poisson_binomial_tail():
    benchmark = load_benchmark()
    assert benchmark.pass_chance([0.5, 0.5], 1) == pytest.approx(0.75)
    assert benchmark.pass_chance([1.0, 0.25, 0.25], 2) == pytest.approx(1 - 0.75 * 0.75)
    assert benchmark.pass_chance([0.25] * 25, 0) == pytest.approx(1.0)


def test_quick_run_prints_every_strategy_and_cues_give_little(capsys):
    benchmark = load_benchmark()
    figures = benchmark.main(["--quick"])
    out = capsys.readouterr().out
    assert "50 forms drawn by the assembler" in out and "guesses blind (1 in 4)" in out
    rates = figures["pass_rates"]
    blind = rates.pop("blind guess")
    assert 0.15 < blind < 0.30  # knowing half of 25 and guessing the rest rarely reaches 18
    assert max(rates.values()) - blind <= 0.05, rates
