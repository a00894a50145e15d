"""The pearson parser on its own traps: detection, truncation, and the layout defects of the seed."""

from __future__ import annotations

import pytest

from tests.conftest import DOCUMENTS, spec_path
from tutor.importer.errors import SpecError
from tutor.importer.parsers import pearson
from tutor.importer.reader import parse_bytes, read_document

L1, L2, L3 = "600/1225/0", "600/1635/8", "600/1226/2"


@pytest.fixture(scope="module")
def source_lines() -> list[str]:
    return spec_path("pearson").read_text(encoding="utf-8").split("\n")


@pytest.fixture
def reading(readings):
    return readings("pearson")


def _line_of(lines: list[str], text: str, after: str | None = None) -> int:
    """1-based number of the first line containing ``text`` (after the first line containing ``after``)."""
    start = next(i for i, line in enumerate(lines) if after in line) + 1 if after else 0
    return next(i for i in range(start, len(lines)) if text in lines[i]) + 1


@pytest.mark.parametrize("family", list(DOCUMENTS))
def test_detect_only_the_pearson_document(family):
    assert pearson.detect(read_document(spec_path(family).read_bytes())) is (family == "pearson")


# (cut after the line containing this text, searched after the line containing this, expected message part)
TRUNCATIONS = [
    ("Contents", None, "no table of qualification titles"),
    ("What is the qualification structure for the Pearson Edexcel Level 2", None,
     "the qualification structure for Pearson Edexcel Level 2 NVQ Certificate in Contact Centre Operations is cut off"),
    ("Unit 3: Develop Personal and", None, "'Unit 3: Develop Personal and' has no 'Unit reference number:' line"),
    ("Level: 1", "Unit reference number: F/503/0361", "Unit 4: expected 'Credit value:' here"),
    ("Assessment methodology", "Unit 5: ", "Unit 5 has no learning outcomes grid"),
    ("Identify the next customer service actions", "Unit 41: ",
     "Unit 41: the grid of outcomes and criteria has no sign-off block after it"),
    ("(if sampled)", "Unit 60: ", "the contents list units up to Unit 107 but the document ends after Unit 60"),
]


@pytest.mark.parametrize(("cut_after", "search_after", "message"), TRUNCATIONS)
def test_truncated_document_gives_one_spec_error_with_a_line(source_lines, cut_after, search_after, message):
    cut = _line_of(source_lines, cut_after, search_after)
    with pytest.raises(SpecError) as error:
        parse_bytes("\n".join(source_lines[:cut]).encode())
    assert message in error.value.message
    assert error.value.line is not None and error.value.line <= cut


# (line removed: the first line containing this text after the line containing the second, expected message part)
GARBLINGS = [
    ("The minimum credit value for this qualification is 21", None,
     "no minimum credit value stated for Pearson Edexcel Level 1 NVQ Certificate in Contact Centre Operations"),
    ("Types of evidence", None, "no 'Types of evidence' list before the units"),
    ("Unit reference number: T/503/0342", None, "'Unit 1: Improve Personal Effectiveness at' has no 'Unit reference"),
    ("Guided learning hours:", "Unit 2: ", "Unit 2: expected 'Guided learning hours:' here"),
    ("Learner name:", "Unit 1: ", "Unit 1: the grid of outcomes and criteria has no sign-off block"),
]


@pytest.mark.parametrize(("removed", "search_after", "message"), GARBLINGS)
def test_garbled_document_gives_one_spec_error(source_lines, removed, search_after, message):
    index = _line_of(source_lines, removed, search_after) - 1
    kept = source_lines[:index] + source_lines[index + 1:]
    with pytest.raises(SpecError) as error:
        parse_bytes("\n".join(kept).encode())
    assert message in error.value.message
    assert error.value.line is not None


def test_every_truncation_point_fails_cleanly_or_reads(source_lines):
    """Cut anywhere: never an IndexError or KeyError, only a SpecError naming a line."""
    for cut in range(20, len(source_lines), 97):
        try:
            parse_bytes("\n".join(source_lines[:cut]).encode())
        except SpecError as error:
            assert error.line is not None, (cut, error.message)


def test_three_qualifications_share_one_pool_of_units(reading):
    assert [q.number for q in reading.qualifications] == [L1, L2, L3]
    assert reading.qualifications[reading.primary].number == L2  # the one sharing most units
    local_ids = [u.local_id for u in reading.units]
    assert len(local_ids) == 105 and "Unit 55" not in local_ids and "Unit 97" not in local_ids  # repeats dropped


# (qualification, unit ref in the body, printed table ref, printed table credit): rows the table got wrong
MEMBERSHIP_TRAPS = [
    (L1, "Y/503/0382", "F/503/0392", None),  # two rows swap their refs: joined by exact title
    (L1, "F/503/0392", "Y/503/0382", None),
    (L1, "F/503/0361", None, 3),  # table credit 3, unit body 4
    (L2, "J/503/0426", "L/503/0426", None),  # a ref no unit has
    (L2, "D/502/4292", None, 4),
    (L2, "J/502/8577", None, None),  # title drift '(In-Bound)' is still the same unit
    (L3, "T/601/1235", "R/600/9685", None),  # 'Champion Customer Service' printed with another unit's ref
    (L3, "R/600/9685", None, None),  # ... which keeps its own row
]


@pytest.mark.parametrize(("number", "ref", "table_ref", "table_credit"), MEMBERSHIP_TRAPS)
def test_membership_traps(reading, number, ref, table_ref, table_credit):
    qual = next(q for q in reading.qualifications if q.number == number)
    member = next(m for m in qual.units if m.ref == ref)
    assert (member.table_ref, member.table_credit) == (table_ref, table_credit)


# (unit key, field, expected): one row per layout trap of a unit's header or prose
UNIT_TRAPS = [
    ("R/601/1209", "title", "Maintain a Positive and Customer-Friendly Attitude"),  # hyphen at a wrap
    ("Y/503/0348", "title", "Develop Personal and Organisational Effectiveness in a Contact Centre"),  # 3 lines
    ("D/601/0936", "level", 2),  # 'evel: 2'
    ("D/503/0352", "group", "L1:A(mandatory); L2:A(mandatory); L3:A(mandatory)"),
    ("T/502/4296", "group", "L1:ICT; L2:C2 IT1"),  # sub-group marker rows
    ("R/503/0350", "group", "none (in no L1/L2/L3 structure)"),  # a unit of the withdrawn Level 4
    ("M/502/4300", "assessment_methods", ["evidence from day-to-day work", "scenarios", "knowledge tests"]),
    ("M/600/9628", "assessment_methods",  # 'i.e.' for 'ie'; the comma inside brackets does not split
     ["observable performance", "physical products of work (such as reports, plans, correspondence etc)",
      "witness testimony", "discussion", "questioning"]),
]


@pytest.mark.parametrize(("key", "name", "expected"), UNIT_TRAPS)
def test_unit_traps(reading, key, name, expected):
    assert getattr(reading.unit(key), name) == expected


@pytest.mark.parametrize(
    ("key", "simulation"),
    [("M/601/1508", True), ("R/601/1209", False), ("T/503/0342", True)],  # 'Simulation is not allowed' in R/601/1209
)
def test_simulation_only_where_the_unit_allows_it(reading, key, simulation):
    methods = reading.unit(key).assessment_methods
    assert len(methods) == 10 - (not simulation)
    assert any("simulation" in m for m in methods) is simulation


def test_wrapped_method_bullet_is_one_method(reading):
    methods = reading.unit("L/502/4627").assessment_methods
    assert "portfolio of evidence taken from activities involving the use of contemporary ICT systems" in methods


# (unit key, outcome id, expected criterion ids)
CRITERIA_IDS = [
    ("Y/601/1230", "4", ["4.1", "4.2", "4.3", "4.4", "4.5", "4.6", "4.7", "4.8"]),  # '48' for 4.8
    ("L/600/9636", "4", ["4.1", "4.2"]),  # '4.1 4.2' and both texts in one cell
    ("M/600/9600", "4", ["4.1", "4.2"]),  # second id lost: split at '. Provide'
    ("Y/503/0429", "1", ["1.1", "1.2"]),  # ... or at '... services Identify' with no full stop
    ("A/503/0407", "2", ["2.1", "2.2"]),  # id column garbled: 'e enhancement of pressure'
    ("M/503/0355", "3", ["3.1", "3.2", "3.3"]),  # id lost, text in the criterion column
    ("F/503/0408", "3", ["3.1", "3.3", "3.4", "3.5"]),  # a real gap in the source is kept
    ("J/502/8580", "4", ["4.1", "4.2", "4.3", "4.4", "4.5"]),  # texts only in the run-on cell
    ("K/503/0418", "1", ["1.1", "1.2", "1.3", "1.4", "1.5", "1.6", "1.7"]),  # fused into the outcome column
    ("F/503/0392", "3", ["3.1", "3.2", "3.3"]),  # stray id before the real one ('3.2<TAB>3.2')
]


@pytest.mark.parametrize(("key", "outcome", "ids"), CRITERIA_IDS)
def test_criterion_ids(reading, key, outcome, ids):
    found = next(o for o in reading.unit(key).outcomes if o.id == outcome)
    assert [c.id for c in found.criteria] == ids
    assert all(c.text for c in found.criteria)


# (unit key, outcome id, expected text, kind)
OUTCOME_TRAPS = [
    ("F/503/0392", "2", "Be able to make direct sales to customers through a contact centre", "competence"),  # 'S'
    ("J/503/0412", "2",  # opening words restored from the unit summary
     "Be able to communicate information about specified products and/or services in a contact centre", "competence"),
    ("J/503/0412", "4", "Understand support for customers in a contact centre", "knowledge"),  # and the lost tail
    ("A/502/8639", "2",  # whole in the repeated Unit 97
     "Be able to contribute to the product and/or service development and launch process", "competence"),
    ("M/503/0355", "2", "Be able to monitor compliance with health and safety procedures in a contact centre",
     "competence"),  # stray '2' inside the text
    ("R/503/0350", "3", "Be able to promote and support actions to improve organisational effectiveness in contact "
     "centre operations", "competence"),  # 'organisational' printed three times
    ("M/600/9628", "1", "Understand own responsibilities under equality legislation, relevant codes of practice and "
     "own organisational policies", "knowledge"),  # the text column repeats part of it
    ("K/503/0418", "3", "manage incidents reported to a contact centre", "knowledge"),  # a cut fragment: by criteria
    ("A/502/4395", "2", "to edit, process, format and present information", "competence"),
    ("T/600/9632", "1", "Be able to understand the benefits of an inclusive and diverse workforce", "knowledge"),
]


@pytest.mark.parametrize(("key", "outcome", "text", "kind"), OUTCOME_TRAPS)
def test_outcome_traps(reading, key, outcome, text, kind):
    found = next(o for o in reading.unit(key).outcomes if o.id == outcome)
    assert (found.text, found.kind) == (text, kind)


def test_range_lists_nested_under_a_numbered_paragraph(reading):
    terms = reading.unit("R/601/1601").range
    assert list(terms) == [
        "The 'appropriate people' with whom the learner agrees the boundaries of the customer service process "
        "to be reviewed must include one or more of the following:"
    ]
    assert len(next(iter(terms.values()))) == 7


def test_rule_groups_state_the_documents_limits(reading):
    qual = next(q for q in reading.qualifications if q.number == L2)
    limits = {g.name: (g.kind, g.min_credits, g.max_credits, g.max_units) for g in qual.rule_groups}
    assert limits["A"] == ("mandatory", 6, 6, 2)  # kind from the rules: the heading is shredded
    assert limits["B"] == ("optional", 12, 22, None)  # 'a maximum of 10 further credits'
    assert limits["C1"] == ("optional", None, 10, None)  # 'Sub-group C1' inside the Group C heading
    assert limits["C2"] == ("restricted optional ICT", None, None, 2)
    assert limits["C2 IT3"] == ("restricted optional ICT", None, None, 1)
    assert limits["C3"] == ("restricted optional", None, None, 1)
    assert "minimum credit value for this qualification is 28" in qual.rules_of_combination
