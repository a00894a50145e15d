"""Portfolio exports: CSV cells never run as formulas, HTML never runs learner text, JSON round-trips,
output paths stay where they are meant to, and files are written whole or not at all."""

from __future__ import annotations

import csv
import errno
import io
import json
import os
from datetime import UTC, datetime, timedelta, timezone
from html.parser import HTMLParser
from pathlib import Path

import pytest

from tutor.domain.portfolio import (
    DECISION_LABELS,
    CriterionRecord,
    Decision,
    EvidenceItem,
    IqaRecord,
    Portfolio,
    UnitRecord,
)
from tutor.export import (
    CSV_COLUMNS,
    ExportError,
    check_output_path,
    render_csv,
    render_html,
    render_json,
    safe_cell,
    safety,
    write_atomically,
    write_portfolio,
)

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
HEAD = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
T0 = datetime(2026, 11, 2, 9, 30, tzinfo=UTC)

HOSTILE = (
    '=HYPERLINK("http://x")',
    "+1",
    "-2",
    "@SUM(A1)",
    "\tx",
    "\rx",
    "\0x",
    "<script>alert(1)</script>",
    "{{ 7*7 }}",
    "[@click=app.quit]x[/]",
)
TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\0")


def _at(hours: float) -> datetime:
    return T0 + timedelta(hours=hours)


def _practice(source_id: int, answer: str, **judgement) -> EvidenceItem:
    return EvidenceItem("practice", source_id, _at(source_id), f"Question {source_id}: why greet customers?",
                        answer, "partial", 1, **judgement)


def _portfolio() -> Portfolio:
    earlier = Decision(10, "not_yet_competent", "asha.assessor", _at(30), "Needs more detail")
    latest = Decision(11, "competent", "asha.assessor", _at(31), "=1+1 corrected after review", supersedes_id=10)
    c11 = CriterionRecord(
        "1", "1.1", "Explain why first impressions matter", "knowledge",
        (
            _practice(1, HOSTILE[0], accepted=True, reference="EV-0001", judged_by="asha.assessor",
                      judged_at=_at(29), judgement_comment="Sound"),
            EvidenceItem("test", 7, _at(2).replace(tzinfo=None), "Which greeting is best?", "B. Good morning",
                         "correct", 0, accepted=False, reference="EV-0002", judged_by="asha.assessor",
                         judged_at=_at(29).astimezone(timezone(timedelta(hours=1)))),
        ),
        latest, (earlier,),
    )
    c12 = CriterionRecord(
        "1", "1.2", "Describe <script>alert(1)</script> handling", "knowledge",
        tuple(_practice(20 + i, text) for i, text in enumerate(HOSTILE[1:])),
        None,
    )
    unit1 = UnitRecord("U101", "Principles of customer service", (c11, c12), None)
    c21 = CriterionRecord("2", "2.1", "Deal with a customer complaint", "competence", (), None)
    c22 = CriterionRecord("2", "2.2", "Outline the complaints procedure", "knowledge",
                          (_practice(40, "Log it, then escalate"),),
                          Decision(12, "insufficient_evidence", "ben.assessor", _at(40), ""))
    unit2 = UnitRecord(
        "U102", "Handle customer complaints", (c21, c22),
        Decision(13, "insufficient_evidence", "ben.assessor", _at(41), "Workplace observation outstanding"),
        (IqaRecord(True, "iris.iqa", _at(50), "Sampled: decisions sound"),),
    )
    return Portfolio("ana", '=HYPERLINK("http://x") <b>Ana</b>', "601/4797/0", "Level 2 Diploma in Customer Service",
                     _at(60), "asha.assessor", HEAD, 42, (unit1, unit2))


PORTFOLIO = _portfolio()


def _evidence(portfolio: Portfolio = PORTFOLIO):
    for unit in portfolio.units:
        for criterion in unit.criteria:
            for item in criterion.evidence:
                yield unit, criterion, item


# -- safe_cell ---------------------------------------------------------------------------------

@pytest.mark.parametrize("text", HOSTILE[:7])
def test_safe_cell_quotes_formula_triggers(text):
    assert safe_cell(text) == "'" + text


@pytest.mark.parametrize(("value", "expected"), [
    (None, ""), ("", ""), ("plain", "plain"), (3, "3"), (-3, "'-3"), ("a=b", "a=b"), ("'quoted", "'quoted"),
    ("<script>", "<script>"),
])
def test_safe_cell_leaves_other_values_as_text(value, expected):
    assert safe_cell(value) == expected


# -- CSV ---------------------------------------------------------------------------------------

def _rows(text: str) -> list[dict[str, str]]:
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader)
    assert tuple(header) == CSV_COLUMNS
    rows = list(reader)
    assert all(len(row) == len(CSV_COLUMNS) for row in rows)
    return [dict(zip(CSV_COLUMNS, row, strict=True)) for row in rows]


def test_csv_starts_with_the_header_and_uses_crlf():
    text = render_csv(PORTFOLIO)
    assert text.startswith(",".join(CSV_COLUMNS) + "\r\n")
    assert text.endswith("\r\n")


def test_csv_quotes_every_cell_that_would_run_as_a_formula():
    rows = _rows(render_csv(PORTFOLIO))
    for row in rows:
        for column, cell in row.items():
            assert not cell.startswith(TRIGGERS), (column, cell)
    answers = {row["answer"] for row in rows}
    for text in HOSTILE:
        expected = "'" + text if text.startswith(TRIGGERS) else text
        assert expected in answers, text
    assert any(row["criterion_comment"] == "'=1+1 corrected after review" for row in rows)


def test_csv_has_every_evidence_item_and_decision():
    rows = _rows(render_csv(PORTFOLIO))
    expected_rows = sum(max(1, len(c.evidence)) for u in PORTFOLIO.units for c in u.criteria)
    assert len(rows) == expected_rows
    seen = {(r["unit"], r["criterion"], r["source"], r["evidence_id"]) for r in rows}
    for unit, criterion, item in _evidence():
        assert (unit.key, criterion.number, item.source, str(item.source_id)) in seen
    by_criterion = {(r["unit"], r["criterion"]): r for r in rows}
    first = by_criterion[("U101", "1.1")]
    assert first["criterion_decision"] == "Competent"
    assert first["criterion_assessor"] == "asha.assessor"
    assert first["criterion_decided_at"] == "2026-11-03T16:30:00+00:00"
    assert by_criterion[("U102", "2.2")]["criterion_decision"] == "Insufficient evidence"
    assert {r["unit_decision"] for r in rows if r["unit"] == "U102"} == {"Insufficient evidence"}
    assert {r["unit_decision"] for r in rows if r["unit"] == "U101"} == {""}
    assert {r["audit_head"] for r in rows} == {HEAD}
    accepted = {(r["source"], r["evidence_id"]): (r["accepted"], r["evidence_reference"]) for r in rows}
    assert accepted[("practice", "1")] == ("yes", "EV-0001")
    assert accepted[("test", "7")] == ("no", "EV-0002")
    assert accepted[("practice", "40")] == ("", "")


def test_csv_gives_a_criterion_without_evidence_one_row_with_empty_evidence_columns():
    rows = [r for r in _rows(render_csv(PORTFOLIO)) if r["criterion"] == "2.1"]
    assert len(rows) == 1
    row = rows[0]
    assert row["kind"] == "competence"
    for column in ("source", "evidence_id", "evidence_at", "question", "answer", "automatic_mark", "hints_used",
                   "accepted", "evidence_reference", "judged_by", "judged_at"):
        assert row[column] == "", column


def test_csv_times_are_utc():
    rows = {(r["source"], r["evidence_id"]): r for r in _rows(render_csv(PORTFOLIO))}
    assert rows[("test", "7")]["evidence_at"] == "2026-11-02T11:30:00+00:00"  # naive: taken as UTC
    assert rows[("test", "7")]["judged_at"] == "2026-11-03T14:30:00+00:00"  # +01:00 converted


# -- JSON --------------------------------------------------------------------------------------

def test_json_round_trips_with_the_audit_head():
    text = render_json(PORTFOLIO)
    doc = json.loads(text)
    assert doc["format"] == "tutor-portfolio"
    assert doc["format_version"] == 1
    assert doc["audit"] == {"head": HEAD, "entries": 42}
    assert doc["learner"] == {"username": "ana", "name": PORTFOLIO.learner_name}
    assert doc["qualification"]["number"] == "601/4797/0"
    assert doc["generated_at"] == "2026-11-04T21:30:00+00:00"
    assert doc["generated_by"] == "asha.assessor"
    assert [u["key"] for u in doc["units"]] == ["U101", "U102"]
    assert text == json.dumps(doc, sort_keys=True, indent=2, ensure_ascii=False) + "\n"
    assert render_json(PORTFOLIO) == text  # stable


def test_json_has_evidence_decisions_history_and_iqa():
    doc = json.loads(render_json(PORTFOLIO))
    u1, u2 = doc["units"]
    c11 = u1["criteria"][0]
    assert (c11["outcome"], c11["number"]) == ("1", "1.1")
    assert c11["decision"]["decision"] == "competent"
    assert c11["decision"]["label"] == "Competent"
    assert c11["decision"]["supersedes_id"] == 10
    assert [d["decision"] for d in c11["history"]] == ["not_yet_competent"]
    assert [e["accepted"] for e in c11["evidence"]] == [True, False]
    assert c11["evidence"][1]["at"] == "2026-11-02T11:30:00+00:00"
    assert u1["criteria"][1]["decision"] is None
    assert [e["answer"] for e in u1["criteria"][1]["evidence"]] == list(HOSTILE[1:])
    assert u1["decision"] is None and u1["iqa"] == []
    assert u2["decision"]["decision"] == "insufficient_evidence"
    assert u2["iqa"] == [{"agree": True, "reviewer": "iris.iqa", "at": "2026-11-04T11:30:00+00:00",
                          "comment": "Sampled: decisions sound"}]
    assert u2["criteria"][0]["evidence"] == [] and u2["criteria"][0]["kind"] == "competence"
    total = sum(len(c["evidence"]) for u in doc["units"] for c in u["criteria"])
    assert total == len(list(_evidence()))


# -- HTML --------------------------------------------------------------------------------------

class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.attrs: list[tuple[str, str | None]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attrs.extend(attrs)


@pytest.fixture(scope="module")
def page() -> str:
    return render_html(PORTFOLIO, TEMPLATES)


def test_html_escapes_learner_text_and_never_runs_it(page):
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<script" not in page.lower()
    assert "&lt;b&gt;Ana&lt;/b&gt;" in page
    assert "<td>{{ 7*7 }}</td>" in page  # shown as written, never evaluated
    assert "<td>49</td>" not in page
    assert "[@click=app.quit]x[/]" in page
    parser = _Tags()
    parser.feed(page)
    assert "script" not in parser.tags and "b" not in parser.tags


def test_html_is_standalone_and_printable(page):
    assert page.startswith("<!DOCTYPE html>")
    assert page.rstrip().endswith("</html>")
    parser = _Tags()
    parser.feed(page)
    assert not {"link", "img", "iframe", "object", "embed"} & set(parser.tags)
    assert not [a for a in parser.attrs if a[0] in ("src", "href") or a[0].startswith("on")]
    assert "@import" not in page and "url(" not in page
    assert "@media print" in page
    assert "page-break-inside: avoid" in page
    assert "page-break-before: always" in page


def test_html_shows_the_header_criteria_decisions_and_evidence(page):
    assert HEAD in page
    assert "42" in page
    assert "601/4797/0" in page and "Level 2 Diploma in Customer Service" in page
    assert "2026-11-04 21:30 UTC" in page  # generated at
    for unit in PORTFOLIO.units:
        assert unit.key in page and unit.title in page
        for criterion in unit.criteria:
            assert f"<h3>{criterion.number} " in page
    assert "Explain why first impressions matter" in page
    for label in ("Competent", "Not yet competent", "Insufficient evidence"):
        assert label in page
    assert "Earlier decision, corrected" in page and "Needs more detail" in page
    assert "Practice (formative, unsupervised)" in page
    assert "Test (invigilated)" in page
    assert "EV-0001" in page and "Accepted" in page and "Rejected" in page and "Not yet judged" in page
    assert "Workplace observation outstanding" in page
    assert "iris.iqa" in page and "Sampled: decisions sound" in page
    assert "Workplace evidence is needed (observation, witness testimony, products of work)" in page
    assert page.count("<article") == sum(len(u.criteria) for u in PORTFOLIO.units)
    assert page.count("<tr>") == len(list(_evidence())) + sum(
        1 for u in PORTFOLIO.units for c in u.criteria if c.evidence)  # rows + one header per table


def test_html_labels_come_from_the_decision_labels():
    assert set(DECISION_LABELS.values()) == {"Competent", "Not yet competent", "Insufficient evidence"}


# -- check_output_path -------------------------------------------------------------------------

def _listing(root: Path) -> dict[str, bytes | str]:
    found: dict[str, bytes | str] = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            full = Path(dirpath) / name
            key = str(full.relative_to(root))
            if full.is_symlink():
                found[key] = "-> " + os.readlink(full)
            elif full.is_file():
                found[key] = full.read_bytes()
            else:
                found[key] = "dir"
    return found


@pytest.fixture
def base(tmp_path: Path) -> Path:
    base = tmp_path / "exports"
    base.mkdir()
    (tmp_path / "exportsX").mkdir()
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside" / "secret.txt").write_text("secret")
    (base / "sub").mkdir()
    (base / "exists.csv").write_text("old")
    (base / "link.csv").symlink_to(tmp_path / "outside" / "secret.txt")
    (base / "dangling.csv").symlink_to(tmp_path / "outside" / "nothing.txt")
    (base / "escape").symlink_to(tmp_path / "outside", target_is_directory=True)
    return base


BAD_PATHS = {
    "dot-dot relative to base": lambda b: Path("../../etc/passwd"),
    "dot-dot inside base": lambda b: b / "sub" / ".." / "x.csv",
    "absolute outside base": lambda b: b.parent / "outside" / "x.csv",
    "partial-prefix sibling": lambda b: Path(str(b) + "X") / "x.csv",
    "through a symlinked directory": lambda b: b / "escape" / "x.csv",
    "NUL in the name": lambda b: b / "a\0b.csv",
    "symlink to a file": lambda b: b / "link.csv",
    "dangling symlink": lambda b: b / "dangling.csv",
    "existing file": lambda b: b / "exists.csv",
    "directory": lambda b: b / "sub",
    "the base itself": lambda b: b,
    "missing parent": lambda b: b / "missing" / "x.csv",
}
WITHOUT_BASE = ("NUL in the name", "symlink to a file", "dangling symlink", "existing file", "directory",
                "missing parent")


@pytest.mark.parametrize("case", list(BAD_PATHS))
def test_check_output_path_refuses(case, base, tmp_path):
    before = _listing(tmp_path)
    path = BAD_PATHS[case](base)
    with pytest.raises(ExportError) as caught:
        check_output_path(path, base=base)
    message = str(caught.value)
    assert message.startswith("cannot write ") and "\n" not in message and "\0" not in message
    with pytest.raises(ExportError):
        write_portfolio(PORTFOLIO, "csv", path, TEMPLATES, base=base)
    assert _listing(tmp_path) == before
    assert not (tmp_path.parent / "etc" / "passwd").exists()
    assert (tmp_path / "outside" / "secret.txt").read_text() == "secret"


@pytest.mark.parametrize("case", WITHOUT_BASE)
def test_check_output_path_refuses_without_a_base(case, base, tmp_path):
    before = _listing(tmp_path)
    with pytest.raises(ExportError):
        check_output_path(BAD_PATHS[case](base))
    assert _listing(tmp_path) == before


def test_check_output_path_names_the_path(base):
    with pytest.raises(ExportError, match="exists.csv: the file exists"):
        check_output_path(base / "exists.csv")
    with pytest.raises(ExportError, match=r"a\\x00b\.csv"):
        check_output_path(base / "a\0b.csv")
    with pytest.raises(ExportError, match="outside"):
        check_output_path(Path(str(base) + "X") / "x.csv", base=base)


def test_check_output_path_accepts_paths_inside_the_base(base, tmp_path, monkeypatch):
    assert check_output_path(base / "new.csv", base=base) == base.resolve() / "new.csv"
    assert check_output_path(Path("sub/new.csv"), base=base) == base.resolve() / "sub" / "new.csv"
    assert check_output_path(base / "exists.csv", base=base, overwrite=True) == base.resolve() / "exists.csv"
    alias = tmp_path / "alias"
    alias.symlink_to(base, target_is_directory=True)
    assert check_output_path(alias / "new.csv", base=alias) == base.resolve() / "new.csv"
    monkeypatch.chdir(base)
    assert check_output_path(Path("new.csv")) == base.resolve() / "new.csv"


# -- writing -----------------------------------------------------------------------------------

def test_write_atomically_replaces_content_and_leaves_no_temporary_file(tmp_path):
    target = tmp_path / "out.csv"
    write_atomically(target, "a,b\r\n1,2\r\n")
    assert target.read_bytes() == b"a,b\r\n1,2\r\n"
    write_atomically(target, "é\n")
    assert target.read_bytes() == "é\n".encode()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.csv"]


@pytest.mark.parametrize("existing", [None, "old content"])
@pytest.mark.parametrize("failing", ["fsync", "replace"])
def test_a_failed_write_leaves_the_target_alone(tmp_path, monkeypatch, existing, failing):
    target = tmp_path / "out.json"
    if existing is not None:
        target.write_text(existing)

    def full_disk(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(safety.os, failing, full_disk)
    with pytest.raises(ExportError) as caught:
        write_atomically(target, "new content" * 1000)
    monkeypatch.undo()
    assert str(caught.value) == f"cannot write {target}: No space left on device"
    assert "\n" not in str(caught.value)
    if existing is None:
        assert not target.exists()
        assert list(tmp_path.iterdir()) == []
    else:
        assert target.read_text() == existing
        assert [p.name for p in tmp_path.iterdir()] == ["out.json"]


def test_a_failed_write_through_write_portfolio_is_one_line(tmp_path, monkeypatch):
    def full_disk(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(safety.os, "fsync", full_disk)
    with pytest.raises(ExportError, match="^cannot write .*out.html: No space left on device$"):
        write_portfolio(PORTFOLIO, "html", tmp_path / "out.html", TEMPLATES)
    monkeypatch.undo()
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("fmt", ["html", "csv", "json"])
def test_write_portfolio_writes_each_format(tmp_path, fmt):
    target = tmp_path / f"portfolio.{fmt}"
    written = write_portfolio(PORTFOLIO, fmt, target, TEMPLATES, base=tmp_path)
    assert written == target.resolve()
    text = target.read_bytes().decode("utf-8")
    expected = {"html": render_html(PORTFOLIO, TEMPLATES), "csv": render_csv(PORTFOLIO),
                "json": render_json(PORTFOLIO)}[fmt]
    assert text == expected
    assert HEAD in text
    with pytest.raises(ExportError, match="exists"):
        write_portfolio(PORTFOLIO, fmt, target, TEMPLATES)
    assert write_portfolio(PORTFOLIO, fmt, target, TEMPLATES, overwrite=True) == target.resolve()
    assert sorted(p.name for p in tmp_path.iterdir()) == [target.name]


@pytest.mark.parametrize("fmt", ["pdf", "HTML", "", "../csv"])
def test_write_portfolio_refuses_an_unknown_format(tmp_path, fmt):
    with pytest.raises(ExportError, match="unknown export format"):
        write_portfolio(PORTFOLIO, fmt, tmp_path / "out", TEMPLATES)
    assert list(tmp_path.iterdir()) == []
