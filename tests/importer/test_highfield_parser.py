"""The highfield parser: detection, the layout traps of 600/5469/4, and bad input."""

from __future__ import annotations

import pytest

from tests.conftest import DOCUMENTS, ERRATA, spec_path
from tutor.importer.errata import load_errata_dir, load_errata_file, locate
from tutor.importer.errors import SpecError
from tutor.importer.parsers import highfield
from tutor.importer.reader import parse_bytes, read_document

SOURCE = spec_path("highfield").read_text(encoding="utf-8")


def _lines() -> list[str]:
    return SOURCE.split("\n")


def _parse(text: str, with_errata: bool = True):
    return parse_bytes(text.encode("utf-8"), load_errata_dir(ERRATA) if with_errata else [])


@pytest.fixture(scope="module")
def reading():
    return _parse(SOURCE)


@pytest.mark.parametrize("family", list(DOCUMENTS))
def test_detect_only_the_highfield_document(family):
    doc = read_document(spec_path(family).read_bytes())
    assert highfield.detect(doc) is (family == "highfield")


@pytest.mark.parametrize(
    ("ref", "field", "expected"),
    [
        ("L/601/1225", "local_id", "25"),  # printed as a second "Unit 24" (L874)
        ("L/601/1211", "local_id", "4"),
        ("D/601/1522", "title", "Process customer service complaints"),  # heading says "problems" (L1138)
        ("Y/601/1213", "title", "Deliver customer service on your customer\u2019s premises"),  # heading's apostrophe
        ("H/601/1554", "title", "Promote continuous improvement"),  # "**Unit 45 Promote ...**", no colon
        ("L/601/0933", "level", 2),  # the body says "Level: 5" (L401)
        ("Y/601/1213", "group", "Optional Unit Group B"),  # heading fused with its rule (L236)
        ("F/601/1609", "group", "mandatory"),
        ("H/601/1229", "guidance", ""),  # no introduction at all
    ],
)
def test_unit_fields(reading, ref, field, expected):
    assert getattr(reading.unit(ref), field) == expected


def _criteria(reading, ref: str, outcome: str) -> dict[str, str]:
    found = next(o for o in reading.unit(ref).outcomes if o.id == outcome)
    return {c.id: c.text for c in found.criteria}


@pytest.mark.parametrize(
    ("ref", "outcome", "criterion", "text"),
    [
        # A page break cut the criterion; the continuation row starts with its second half.
        ("J/601/1224", "4", "4.6", "explain the importance of adapting their speech to meet the needs of "
         "customers who may find their language or accent difficult to understand"),
        ("R/601/1226", "4", "4.4", "explain the importance of adapting their language to meet the needs of "
         "customers who may find the communication hard to understand"),
        # Trailing page debris dropped.
        ("J/601/1210", "3", "3.3", None),
        ("J/601/1515", "2", "2.3", None),
        # Single-space separated criteria (L367) and <li> lists (L1128).
        ("L/601/1211", "1", "1.2", "show they are working hard and making efforts to impress customers"),
        ("D/601/1519", "1", "1.5", "identify the risk of delivering sub-standard services or products for each "
         "stage of the customer service process"),
        # Split by the errata file: the number 1.7 was lost.
        ("D/601/1519", "1", "1.7", "develop staff awareness of the risks they have identified"),
    ],
)
def test_criterion_texts(reading, ref, outcome, criterion, text):
    got = _criteria(reading, ref, outcome)[criterion]
    if text is None:
        assert not got.endswith((".", ","))
    else:
        assert got == text


def test_numbering_gap_is_kept_not_invented(reading):
    assert list(_criteria(reading, "T/601/1574", "3")) == ["3.1", "3.2", "3.4", "3.5", "3.6"]


def test_unnumbered_outcome_takes_the_next_number(reading):
    first = reading.unit("D/601/1519").outcomes[0]
    assert (first.id, first.text) == ("1", "Analyse customer service processes for risk")


@pytest.mark.parametrize(
    ("ref", "outcome", "kind"),
    [
        ("L/601/1614", "2", "knowledge"),  # "know how to ..." in lower case (L322)
        ("M/601/1217", "1", "knowledge"),  # "Understand and explain ..."
        ("M/601/1220", "2", "competence"),  # "Check that your extra mile ideas are feasible"
        ("T/601/1221", "1", "competence"),
    ],
)
def test_outcome_kinds(reading, ref, outcome, kind):
    assert next(o for o in reading.unit(ref).outcomes if o.id == outcome).kind == kind


def test_appendix_3_example_sheet_is_not_a_unit(reading):
    assert reading.counts() == {"units": 49, "outcomes": 168, "criteria": 1006}
    sheet = reading.extras["sample_assessment_material"]
    assert sheet["codes_used_but_not_in_key"] == ["D"]
    assert len(sheet["example_rows"]) == 4


def test_rule_groups_state_their_limits(reading):
    qual = reading.qualifications[0]
    limits = {g.name: (g.min_units, g.max_units) for g in qual.rule_groups}
    assert limits["mandatory"] == (2, 2)
    assert limits["Optional Unit Group C"] == (1, None)
    assert "learners must complete learners must complete" not in qual.rules_of_combination
    assert "a minimum of 20 credits" in qual.rules_of_combination


def test_without_errata_the_fused_criteria_stay_fused():
    fused = _criteria(_parse(SOURCE, with_errata=False), "D/601/1519", "1")
    assert "1.7" not in fused and fused["1.6"].endswith("develop staff awareness of the risks they have identified")


def test_errata_lines_are_true_for_the_bundled_document():
    doc = read_document(spec_path("highfield").read_bytes())
    errata = load_errata_file(ERRATA / "highfield-600-5469-4.yaml")
    assert errata.applies_to(doc)
    for erratum in errata.entries:
        assert doc.lines[locate(erratum, doc)].no == erratum.line


def test_same_reading_with_crlf_and_doubled_blank_lines(reading):
    noisy = SOURCE.replace("\n\n", "\n\n\n").replace("\n", "\r\n")
    assert _parse(noisy).to_reference_dict() == reading.to_reference_dict()


@pytest.mark.parametrize(
    ("cut_after", "message"),
    [
        (225, "no 'Appendix: Qualification content'"),  # inside the structure table
        (286, "ends inside 'Qualification content'"),  # between a unit's number and its grid
        (760, "ends inside 'Qualification content'"),  # in the middle of a unit's grid
        (1479, "ends inside 'Qualification content'"),  # after the last unit, before Appendix 3
    ],
)
def test_truncated_document_names_its_last_line(cut_after, message):
    with pytest.raises(SpecError) as error:
        _parse("\n".join(_lines()[:cut_after]), with_errata=False)
    assert message in error.value.message
    assert error.value.line is not None and error.value.line <= cut_after


def _garble(line_no: int, old: str, new: str) -> str:
    lines = _lines()
    assert old in lines[line_no - 1]
    lines[line_no - 1] = lines[line_no - 1].replace(old, new)
    return "\n".join(lines)


@pytest.mark.parametrize(
    ("line_no", "old", "new", "error_line", "message"),
    [
        (367, "\t", " ", 367, "unexpected text in unit L/601/1211"),  # a grid row lost its tab
        (307, "Unit number: L/601/1614", "", 305, "has no 'Unit number:'"),
        (745, "J/601/1210", "J/601/9999", 743, "not in the qualification structure"),
        (298, "\t1.1 ", "\t", 298, "outcome 1 has criteria text before any numbered criterion"),
        (221, "\t40\t6", "\tforty\t6", 221, "malformed structure table row"),
    ],
)
def test_garbled_document_gives_one_error_with_its_line(line_no, old, new, error_line, message):
    with pytest.raises(SpecError) as error:
        _parse(_garble(line_no, old, new), with_errata=False)
    assert message in error.value.message
    assert error.value.line == error_line
