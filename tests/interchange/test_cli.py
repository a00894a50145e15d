"""`tutor bank export` and `tutor bank import`, run as a person runs them: in a subprocess."""

from __future__ import annotations

import zipfile

import pytest

from tests.cli.test_cli import run
from tests.interchange.conftest import UNIT, counts, service_on


@pytest.fixture(scope="module")
def bank_copy(bank_url, tmp_path_factory):
    from tests.conftest import copy_database

    return copy_database(bank_url, tmp_path_factory.mktemp("cli-interchange") / "bank.db")


def test_export_each_format(bank_copy, tmp_path):
    for fmt in ("qti3", "moodle-xml", "gift", "aiken"):
        out = tmp_path / f"bank.{fmt}"
        result = run("bank", "export", "--format", fmt, "--unit", UNIT, "--output", str(out), db=bank_copy)
        assert result.returncode == 0, result.stderr
        assert result.stdout.startswith("Exported ") and f" of {UNIT} as {fmt} to " in result.stdout
        assert out.stat().st_size > 0
    assert "imsmanifest.xml" in zipfile.ZipFile(tmp_path / "bank.qti3").namelist()
    assert "Refused 6 items that aiken cannot carry" in run(
        "bank", "export", "--format", "aiken", "--unit", UNIT, "--output", str(tmp_path / "again"),
        db=bank_copy).stdout


def test_export_to_standard_output_and_its_one_line_refusals(bank_copy, tmp_path):
    result = run("bank", "export", "--format", "gift", "--unit", UNIT, db=bank_copy)
    assert result.returncode == 0 and result.stdout.startswith("// question: 0")
    assert result.stderr.startswith("Exported ")
    for args, message in (
        (["--format", "qti3", "--unit", UNIT], "give --output PATH"),
        (["--format", "gift", "--unit", "9999-999"], "no unit '9999-999'"),
        (["--format", "gift", "--unit", UNIT, "--output", str(tmp_path / "nowhere" / "x")], "does not exist"),
    ):
        result = run("bank", "export", *args, db=bank_copy)
        assert result.returncode == 1 and result.stderr.count("\n") == 1 and message in result.stderr, result.stderr
    existing = tmp_path / "exists.gift"
    existing.write_text("mine")
    result = run("bank", "export", "--format", "gift", "--unit", UNIT, "--output", str(existing), db=bank_copy)
    assert result.returncode == 1 and "--force" in result.stderr and existing.read_text() == "mine"


def test_import_reports_each_question_and_writes_drafts(empty_db, tmp_path):
    path = tmp_path / "mixed.gift"
    path.write_text("::one::Which?{=a ~b ~c ~d}\n\n::two::Essay?{}\n\n::three::True?{T}\n", encoding="utf-8")
    result = run("bank", "import", str(path), "--unit", UNIT, "--criterion", "1.2", db=empty_db)
    assert result.returncode == 0, result.stderr
    assert "3 questions: 2 imported as draft items of 2794-210, 1 skipped" in result.stdout
    assert "skipped 2 (two): an essay question" in result.stdout
    assert counts(empty_db)[0] == 2


@pytest.mark.parametrize(("content", "message"), [
    (b"", "the file is empty"),
    (b'<?xml version="1.0"?><!DOCTYPE q [<!ENTITY x SYSTEM "file:///etc/passwd">]><quiz>&x;</quiz>', "DOCTYPE"),
    ("::q::Größe?{=a ~b ~c ~d}".encode("cp1252"), "not UTF-8"),
])
def test_bad_files_give_one_line_and_write_nothing(empty_db, tmp_path, content, message):
    path = tmp_path / "bad.gift"
    path.write_bytes(content)
    before = counts(empty_db)
    result = run("bank", "import", str(path), "--unit", UNIT, "--criterion", "1.1", db=empty_db)
    assert result.returncode == 1 and result.stderr.count("\n") == 1, result.stderr
    assert result.stderr.startswith("tutor: error: ") and message in result.stderr
    assert "Traceback" not in result.stderr and counts(empty_db) == before


def _audit(url: str, kind: str) -> list[dict]:
    import json
    import sqlite3

    connection = sqlite3.connect(url.removeprefix("sqlite:///"))
    try:
        rows = connection.execute("select data from audit_entry where kind = ? order by seq", (kind,)).fetchall()
    finally:
        connection.close()
    return [json.loads(r[0]) for r in rows]


def test_the_round_trip_through_the_commands(bank_copy, empty_db, tmp_path):
    out = tmp_path / "bank.xml"
    assert run("bank", "export", "--format", "moodle-xml", "--unit", UNIT, "--output", str(out),
               db=bank_copy).returncode == 0
    result = run("bank", "import", str(out), "--unit", UNIT, "--keep-status", db=empty_db)
    assert result.returncode == 0, result.stderr
    first = result.stdout.splitlines()[0]
    assert "with the status the file records (" in first and " approved), 0 skipped." in first, first
    assert "Drafts are never served" not in result.stdout
    [entry] = _audit(empty_db, "bank.import_status")
    assert entry["file"] == "bank.xml" and list(entry["restored"]) == ["approved"]
    assert entry["no_record_left_draft"] == 0 and entry["restored"]["approved"] == counts(empty_db)[0]
    again = tmp_path / "again.xml"
    assert run("bank", "export", "--format", "moodle-xml", "--unit", UNIT, "--output", str(again),
               db=empty_db).returncode == 0
    assert again.read_bytes() == out.read_bytes()
    assert service_on(empty_db)  # the database still opens


def test_keep_status_leaves_a_question_without_a_record_a_draft(empty_db, tmp_path):
    path = tmp_path / "two.gift"
    path.write_text("// [tag:status:approved]\n::one::Which?{=a ~b ~c ~d}\n\n::two::Which two?{=e ~f ~g ~h}\n",
                    encoding="utf-8")
    result = run("bank", "import", str(path), "--unit", UNIT, "--criterion", "1.2", "--keep-status", db=empty_db)
    assert result.returncode == 0, result.stderr
    assert "(1 draft, 1 approved), 0 skipped." in result.stdout and "Drafts are never served" in result.stdout
    assert _audit(empty_db, "bank.import_status") == [
        {"file": "two.gift", "sha256": _audit(empty_db, "bank.import")[0]["sha256"], "restored": {"approved": 1},
         "no_record_left_draft": 1}]


def test_import_help_tells_of_keep_status():
    result = run("bank", "import", "--help")
    assert result.returncode == 0 and "--keep-status" in result.stdout and "admin" in result.stdout


def test_a_qti_item_with_a_picture_comes_in_as_a_draft_with_what_to_review(empty_db):
    import json
    import sqlite3

    from tests.interchange.conftest import corpus

    path = corpus("qti3/items/choice_fixed.xml")
    result = run("bank", "import", str(path), "--unit", UNIT, "--criterion", "1.1", db=empty_db)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert "1 question: 1 imported as draft items of 2794-210, 0 skipped." in lines[0]
    assert [line.split(":")[0] for line in lines[2:4]] == ["    to review"] * 2 and "option D" in lines[2]
    connection = sqlite3.connect(empty_db.removeprefix("sqlite:///"))
    status, body = connection.execute("select status, body from bank_item").fetchone()
    connection.close()
    assert status == "draft" and "[Picture: NEVER LEAVE LUGGAGE UNATTENDED]" in json.loads(body)["stem"]
    assert len(json.loads(body)["provenance"]["review"]) == 2
