"""Every benchmark runs in its smoke mode (tiny sizes, seconds), so none can rot: a benchmark that hangs,
crashes or stops printing figures fails here. The full runs print the figures the issues ask for."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from tests.conftest import ROOT

BENCHMARKS = ROOT / "benchmarks"
# Benchmarks whose quick mode a test already runs in-process, asserting on its figures (not run twice).
RUN_IN_PROCESS = {
    "practice_forms.py": "tests/practice/test_practice_forms_benchmark.py",
    "testwise.py": "tests/bank/test_testwise_benchmark.py",
}
# What each smoke run must print: a figure the full run is for.
PRINTS = {
    "answer_save.py": r"answer saves .*n=20",
    "centre.py": r"save latency .*\(n=\d+\)(.*\n)*answers acknowledged \d+, stored and matched in order \d+, lost 0",
    "catalogue.py": r"ratio to hello-world: \d+\.\d\d",
    "coverage.py": r"coverage matrix of one cohort",
    "marking.py": r"mark answer, 20 runs: median \d",
    "marking_corpus.py": r"60 answers.*\n(.*\n)*2-way macro-F1",
    "semeval.py": r"macro-F1",
}


# Benchmarks that need something the machine may not have print "... skipped: <why>" and exit 0; the smoke test
# is skipped then, with that reason (centre.py: a PostgreSQL server it can start).
SKIPS = re.compile(r"^.*benchmark skipped: (.*)$", re.M)


def test_every_benchmark_is_smoke_tested():
    scripts = {p.name for p in BENCHMARKS.glob("*.py") if not p.name.startswith("_")}  # _name.py: a helper
    assert scripts == set(PRINTS) | set(RUN_IN_PROCESS)
    for script, test in RUN_IN_PROCESS.items():
        assert (ROOT / test).exists() and script.removesuffix(".py") in (ROOT / test).read_text()


@pytest.mark.parametrize("script", sorted(PRINTS))
def test_benchmark_runs_in_smoke_mode_and_prints_its_figures(script, tmp_path):
    try:
        result = subprocess.run([sys.executable, str(BENCHMARKS / script), "--smoke"], capture_output=True,
                                text=True, timeout=300, cwd=tmp_path)
    except subprocess.TimeoutExpired:
        pytest.fail(f"{script} --smoke did not finish in 300 s")
    assert result.returncode == 0, result.stderr[-2000:] + result.stdout[-2000:]
    if skipped := SKIPS.search(result.stdout):
        pytest.skip(f"{script}: {skipped.group(1)}")
    assert re.search(PRINTS[script], result.stdout), result.stdout


# Modes of a benchmark that choose the marker's settings: each must keep working too.
MODES = {
    ("marking_corpus.py", "--examples-cv"): r"marked examples of \d+ sheet entries(.*\n)*2-way macro-F1 \(credited vs not\): \d",
    ("marking_corpus.py", "--tune"): r"(chosen  \{'wrong': [\d.]+, 'some': [\d.]+, 'all': [\d.]+, 'none': [\d.]+\}|none chosen)",
    ("marking_corpus.py", "--dev"): r"60 answers.*\n(.*\n)*2-way macro-F1",
}


@pytest.mark.parametrize(("script", "mode"), sorted(MODES))
def test_benchmark_modes_run_in_smoke_mode(script, mode, tmp_path):
    result = subprocess.run([sys.executable, str(BENCHMARKS / script), mode, "--smoke"], capture_output=True,
                            text=True, timeout=300, cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-2000:] + result.stdout[-2000:]
    assert re.search(MODES[(script, mode)], result.stdout), result.stdout
