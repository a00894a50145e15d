"""The command line, run as a person runs it: in a subprocess, reading stdout, stderr and the exit status."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import DOCUMENTS, reference, spec_path


def run(*args: str, db: str | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("TUTOR_DATABASE_URL", "TUTOR_DEBUG")}
    if db is not None:
        env["TUTOR_DATABASE_URL"] = db
    return subprocess.run([sys.executable, "-m", "tutor", *args], capture_output=True, text=True,
                          env=env, cwd=cwd, timeout=120)


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    url = f"sqlite:///{tmp_path_factory.mktemp('cli') / 'tutor.db'}"
    paths = [str(spec_path(f)) for f in DOCUMENTS]
    result = run("import", *paths, db=url)
    assert result.returncode == 0, result.stderr
    return url


def test_spec_parse_prints_the_reading_as_json():
    result = run("spec", "parse", str(spec_path("cityguilds")))
    assert result.returncode == 0, result.stderr
    got = json.loads(result.stdout)
    want = reference("cityguilds")
    assert got["test_spec"] == want["test_spec"]
    assert [u["local_id"] for u in got["units"]] == [u["local_id"] for u in want["units"]]


def test_spec_parse_writes_nothing(tmp_path):
    url = f"sqlite:///{tmp_path / 'never.db'}"
    assert run("spec", "parse", str(spec_path("gqa")), db=url).returncode == 0
    assert not (tmp_path / "never.db").exists()


def test_import_prints_one_line_per_qualification_then_unchanged(tmp_path):
    url = f"sqlite:///{tmp_path / 'tutor.db'}"
    first = run("import", str(spec_path("pearson")), db=url)
    assert first.returncode == 0, first.stderr
    lines = first.stdout.strip().splitlines()
    assert [line.split()[0] for line in lines] == ["600/1225/0", "600/1635/8", "600/1226/2"]
    assert all("(new, version 1)" in line for line in lines)
    again = run("import", str(spec_path("pearson")), db=url)
    assert all("unchanged" in line for line in again.stdout.strip().splitlines())


def test_quals_lists_seven_with_counts(db):
    result = run("quals", "--json", db=db)
    assert result.returncode == 0, result.stderr
    quals = {q["number"]: q for q in json.loads(result.stdout)}
    assert len(quals) == 7
    assert (quals["603/5637/6"]["units"], quals["603/5637/6"]["outcomes"], quals["603/5637/6"]["criteria"]) == (23, 62, 297)
    table = run("quals", db=db).stdout
    assert "603/5637/6" in table and "7 qualifications" in table


def test_show_marks_knowledge_and_competence(db):
    result = run("show", "2794-204", db=db)
    assert result.returncode == 0, result.stderr
    outcome_lines = [line for line in result.stdout.splitlines() if line.startswith(("[K] LO", "[C] LO"))]
    assert [line[:7] for line in outcome_lines] == ["[K] LO1", "[K] LO2", "[C] LO3", "[C] LO4", "[C] LO5"]


def _bad_inputs(tmp_path: Path) -> dict[str, Path]:
    text = spec_path("ymca").read_text(encoding="utf-8")
    files = {
        "empty": b"",
        "binary": bytes(range(256)) * 8,
        "unknown-layout": b"Minutes of the staff meeting\n\nApologies: none\nAny other business: none\n",
        "truncated": "\n".join(text.split("\n")[: len(text.split("\n")) * 2 // 3]).encode(),
        "wrong-encoding": text.replace("Customer", "Caf\u00e9 customer", 3).encode("cp1252"),
    }
    out = {}
    for name, data in files.items():
        path = tmp_path / f"{name}.txt"
        path.write_bytes(data)
        out[name] = path
    out["missing"] = tmp_path / "no-such-file.txt"
    return out


@pytest.mark.parametrize("case", ["empty", "binary", "unknown-layout", "truncated", "wrong-encoding", "missing"])
@pytest.mark.parametrize("command", ["spec parse", "import"])
def test_bad_documents_get_one_line_and_a_nonzero_exit(tmp_path, case, command):
    path = _bad_inputs(tmp_path)[case]
    url = f"sqlite:///{tmp_path / 'tutor.db'}"
    result = run(*command.split(), str(path), db=url)
    assert result.returncode != 0
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"tutor: error: {path}")
    if case in ("truncated", "wrong-encoding"):
        assert lines[0].split(":")[3].strip().isdigit(), "names the line"


def test_a_bad_document_in_a_batch_stores_nothing(tmp_path):
    url = f"sqlite:///{tmp_path / 'tutor.db'}"
    bad = _bad_inputs(tmp_path)["truncated"]
    result = run("import", str(spec_path("gqa")), str(bad), db=url)
    assert result.returncode != 0
    assert not (tmp_path / "tutor.db").exists()  # every document is read before the database is opened
    assert run("import", str(spec_path("cityguilds")), db=url).returncode == 0
    result = run("import", str(spec_path("gqa")), str(bad), db=url)
    assert result.returncode != 0
    assert [q["number"] for q in json.loads(run("quals", "--json", db=url).stdout)] == ["603/2394/2"]


@pytest.mark.parametrize("command", [("quals",), ("show", "2794-210"), ("sitting", "status", "1"), ("user", "list"),
                                     ("audit", "verify")])
def test_a_command_never_creates_a_database_at_a_path_that_names_none(tmp_path, command):
    """A mistyped --db is an error naming the path, not an empty catalogue; nothing is created."""
    for url, made in ((f"sqlite:///{tmp_path / 'typo.db'}", tmp_path / "typo.db"),
                      (f"sqlite:///{tmp_path / 'no' / 'such' / 'x.db'}", tmp_path / "no")):
        result = run(*command, "--db", url)
        assert result.returncode != 0, (command, result.stdout)
        assert "Traceback" not in result.stderr
        assert len(result.stderr.strip().splitlines()) == 1, result.stderr
        assert "no database at" in result.stderr and "to create one" in result.stderr, result.stderr
        assert not made.exists()


def test_import_creates_a_database_in_an_existing_folder_but_never_makes_folders(tmp_path):
    missing = tmp_path / "no" / "such" / "x.db"
    result = run("import", str(spec_path("cityguilds")), "--db", f"sqlite:///{missing}")
    assert result.returncode != 0 and "no folder" in result.stderr
    assert not (tmp_path / "no").exists()
    assert run("import", str(spec_path("cityguilds")), "--db", f"sqlite:///{tmp_path / 'x.db'}").returncode == 0
    assert (tmp_path / "x.db").exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("show", "Z/999/9999"), "no unit"),
        (("quals", "--db", "sqlite:////proc/none/x.db"), "no database at /proc/none/x.db"),
        (("quals", "--db", "postgresql+psycopg://u@127.0.0.1:1/none"), "database"),
        (("frobnicate",), "invalid choice"),
        (("show",), "required"),
    ],
)
def test_bad_requests_get_one_line_and_a_nonzero_exit(db, args, message):
    result = run(*args, db=db)
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert message in result.stderr


def test_bank_check_passes_and_reports_forms():
    result = run("bank", "check")
    assert result.returncode == 0, result.stdout[-2000:]
    assert "0 errors" in result.stdout
    data = json.loads(run("bank", "check", "--json").stdout)
    (form,) = [f for f in data["forms"] if f["unit"] == "2794-210"]
    assert form["disjoint_forms"] >= 8


def test_bank_check_fails_naming_file_and_item(tmp_path):
    import shutil

    bank = tmp_path / "bank"
    shutil.copytree(spec_path("gqa").parent.parent, bank)
    item_file = next((bank / "items").glob("*.yaml"))
    text = re.sub(r"^(\s*)key: [A-D]$", r"\1key: [A, B]", item_file.read_text(encoding="utf-8"), count=1, flags=re.M)
    item_file.write_text(text, encoding="utf-8")
    result = run("bank", "check", "--bank", str(bank))
    assert result.returncode == 1
    assert f"{item_file.name}:" in result.stdout and "has 2 keys" in result.stdout


def test_bank_audit_passes_on_the_shipped_bank_with_every_figure_and_its_limit():
    result = run("bank", "audit")
    assert result.returncode == 0, result.stdout[-3000:]
    assert "Secure pool of 2794-210" in result.stdout and "PASS: every threshold holds." in result.stdout
    assert "pick the longest option" in result.stdout and "Exposure in practice: 0 option(s) (limit 0)" in result.stdout
    (pool,) = json.loads(run("bank", "audit", "--json").stdout)
    assert pool["passed"] and pool["items"] >= 220
    assert all(f["score"] <= f["limit"] == 0.30 for f in pool["strategies"].values())
    assert set(pool["per_criterion"]) >= {"1.1", "3.7", "4.6"}


def test_bank_audit_fails_when_an_item_gives_its_key_away(tmp_path):
    import shutil

    import yaml

    bank = tmp_path / "bank"
    shutil.copytree(spec_path("gqa").parent.parent, bank)
    item_file = bank / "items" / "2794-210.yaml"
    data = yaml.safe_load(item_file.read_text(encoding="utf-8"))
    item = next(i for i in data["items"] if i["status"] == "approved")
    longest = max(len(text) for text in item["options"].values())
    item["options"][item["key"]] = "The key, padded out so that its length alone finds it " + "x" * longest
    item_file.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    result = run("bank", "audit", "--bank", str(bank))
    assert result.returncode == 1
    assert f"{item['id']}: length cue: the key" in result.stdout and "FAIL:" in result.stdout


def test_bank_stats_and_coverage_print_figures():
    stats = run("bank", "stats", "--json")
    assert stats.returncode == 0
    figures = json.loads(stats.stdout)["2794-210"]
    assert figures["items"] >= 220 and figures["key_longest_share"] <= 0.35
    coverage = run("bank", "coverage")
    assert coverage.returncode == 0 and "603/2394/2" in coverage.stdout
