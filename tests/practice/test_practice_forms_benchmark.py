"""The served-form benchmark runs (quick mode) and its figures hold: every A-D form is served, NOT stays rare."""

from __future__ import annotations

import importlib.util
from pathlib import Path

BENCHMARK = Path(__file__).resolve().parents[2] / "benchmarks" / "practice_forms.py"


def test_the_practice_forms_benchmark_runs_in_quick_mode(capsys):
    spec = importlib.util.spec_from_file_location("practice_forms", BENCHMARK)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    results = module.main(["--quick"])
    out = capsys.readouterr().out
    assert "NOT share of MCQ" in out and "over the limit" not in out
    for served in results.values():
        assert sum(served.values()) == 100
        assert {"single_best", "statement", "true_false"} <= set(served)
        mcq = sum(served[f] for f in ("scenario", "single_best", "statement", "negative"))
        assert served["negative"] <= 0.15 * mcq
