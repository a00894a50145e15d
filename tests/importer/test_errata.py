"""Errata files: loading, validating and applying corrections by their text, not their line number."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import ERRATA, SPECIFICATIONS
from tutor.importer.errata import (
    apply_errata,
    load_errata_dir,
    load_errata_file,
    locate,
)
from tutor.importer.errors import SpecError
from tutor.importer.text import decode, normalise

DOC = "Spec 123\n\n1.1 Explain the\n1.2 Describe things\n\nPage 3\n"


def _errata(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "e.yaml"
    path.write_text('document: test\nidentify: "Spec 123"\nentries:\n' + body, encoding="utf-8")
    return path


def test_corrections_are_applied_by_text(tmp_path):
    errata = load_errata_file(_errata(tmp_path, (
        '  - {line: 3, find: "Explain the", replace: "Explain the purpose", reason: "cut at page end"}\n'
        '  - {line: 4, find: "1.2 Describe things", insert_after: ["1.3 List them"], reason: "lost row"}\n'
        '  - {line: 6, find: "Page 3", delete: true, reason: "page footer"}\n'
    )))
    doc = normalise(decode(DOC.encode()))
    fixed, notes = apply_errata(doc, errata)
    assert [line.text for line in fixed.lines] == [
        "Spec 123", "", "1.1 Explain the purpose", "1.2 Describe things", "1.3 List them", "",
    ]
    assert notes == ["L3: cut at page end", "L4: lost row", "L6: page footer"]
    # Doubled blank lines move every line number, yet the same corrections apply.
    doubled = normalise(decode(DOC.replace("\n\n", "\n\n\n\n").encode()))
    assert [line.text for line in apply_errata(doubled, errata)[0].lines] == [line.text for line in fixed.lines]


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ('  - {line: 3, find: "1.1", replace: "x"}\n', "needs a reason"),
        ('  - {line: 3, find: "1.1", reason: "r"}\n', "exactly one of"),
        ('  - {find: "1.1", replace: "x", reason: "r"}\n', "bad errata entry"),
    ],
)
def test_malformed_entries_are_refused_with_their_line(tmp_path, entry, message):
    with pytest.raises(SpecError) as caught:
        load_errata_file(_errata(tmp_path, entry))
    assert message in str(caught.value)
    assert caught.value.line == 4


@pytest.mark.parametrize(("find", "how"), [("Nowhere", "matches no line"), ("1.", "matches 2 lines")])
def test_an_entry_must_match_exactly_one_line(tmp_path, find, how):
    errata = load_errata_file(_errata(tmp_path, f'  - {{line: 3, find: "{find}", replace: "x", reason: "r"}}\n'))
    with pytest.raises(SpecError, match=how):
        apply_errata(normalise(decode(DOC.encode())), errata)


def test_invalid_yaml_names_the_file(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("identify: [unclosed\n", encoding="utf-8")
    with pytest.raises(SpecError, match="not valid YAML") as caught:
        load_errata_file(path)
    assert caught.value.path == str(path)


def test_bundled_errata_line_numbers_point_at_the_corrected_line():
    """Each shipped erratum's ``line`` is where its ``find`` text stands in the bundled document."""
    documents = [normalise(decode(p.read_bytes())) for p in sorted(SPECIFICATIONS.glob("*.txt"))]
    checked = 0
    for errata in load_errata_dir(ERRATA):
        targets = [doc for doc in documents if errata.applies_to(doc)]
        assert len(targets) == 1, f"{errata.path.name} must identify exactly one bundled document"
        for erratum in errata.entries:
            assert targets[0].lines[locate(erratum, targets[0])].no == erratum.line, (errata.path.name, erratum)
            checked += 1
    assert checked > 0
