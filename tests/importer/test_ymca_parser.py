"""The ymca parser on its own traps: detection, truncation, and the layout defects of the seed."""

from __future__ import annotations

import pytest
import yaml

from tests.conftest import DOCUMENTS, ERRATA, spec_path
from tutor.importer.errata import load_errata_dir
from tutor.importer.errors import SpecError
from tutor.importer.parsers import ymca
from tutor.importer.reader import parse_bytes, read_document

ERRATA_FILE = ERRATA / "ymca-601-4797-0.yaml"


@pytest.fixture(scope="module")
def source_lines() -> list[str]:
    return spec_path("ymca").read_text(encoding="utf-8").split("\n")


@pytest.fixture(scope="module")
def reading(source_lines):
    return parse_bytes("\n".join(source_lines).encode(), load_errata_dir(ERRATA))


@pytest.mark.parametrize("family", list(DOCUMENTS))
def test_detect_only_the_ymca_document(family):
    assert ymca.detect(read_document(spec_path(family).read_bytes())) is (family == "ymca")


def _line_after(lines: list[str], text: str, after: str | None = None) -> int:
    """1-based number of the first line equal to ``text`` (after the first line equal to ``after``)."""
    start = lines.index(after) + 1 if after else 0
    return lines.index(text, start) + 1


# (cut after the line equal to this text, searched after this line, expected message part)
TRUNCATIONS = [
    ("Optional Group C Units", None, "no 'Unit specifications and recommended assessment methods' heading"),
    ("Unit aim", "Deliver customer service (A/506/2130)", "unit A/506/2130 ends before its unit content"),
    ("The learner will:", "Deliver customer service (A/506/2130)", "unit A/506/2130 ends before its learning outcomes"),
    ("The learner can:", "1. Understand customer service delivery", "A/506/2130 ends before the assessment criteria of outcome 1"),
    ("4.2 Adapt their own behaviour to meet customers' needs or expectations", None,
     "unit A/506/2130 ends before its assessment specification"),
    ("Assessment specification", "Deliver customer service (A/506/2130)", "unit A/506/2130 names no assessment methods"),
    ("Questioning", "Deliver customer service (A/506/2130)",
     "unit F/506/2131 (Understand customers) is listed in the structure table but its specification is missing"),
]


@pytest.mark.parametrize(("cut_after", "search_after", "message"), TRUNCATIONS)
def test_truncated_document_gives_one_spec_error_with_a_line(source_lines, cut_after, search_after, message):
    cut = _line_after(source_lines, cut_after, search_after)
    with pytest.raises(SpecError) as error:
        parse_bytes("\n".join(source_lines[:cut]).encode())
    assert message in error.value.message
    assert error.value.line is not None and error.value.line <= cut


# (line removed from the document, expected message part)
GARBLINGS = [
    ("5. Be able to support improvements to customer service delivery", "criterion 5.1 is under outcome 4"),
    ("L/506/1788\tManage personal performance and development\t2\t4",  # between groups A and B
     "unit 'L/506/1788' is not in the structure table and its group cannot be told from its neighbours"),
    ("Qualification number: 601/4797/0", "no 'Qualification number:' line"),
]


@pytest.mark.parametrize(("removed", "message"), GARBLINGS)
def test_garbled_document_gives_one_spec_error(source_lines, removed, message):
    kept = [line for line in source_lines if line != removed]
    assert len(kept) == len(source_lines) - 1
    with pytest.raises(SpecError) as error:
        parse_bytes("\n".join(kept).encode())
    assert message in error.value.message


def test_every_truncation_point_fails_cleanly_or_reads(source_lines):
    """Cut anywhere in the units: never an IndexError or KeyError, only a SpecError."""
    start = source_lines.index("Unit specifications and recommended assessment methods")
    for cut in range(start, len(source_lines), 7):
        try:
            parse_bytes("\n".join(source_lines[:cut]).encode())
        except SpecError as error:
            assert error.line is not None


def test_crlf_and_doubled_blank_lines_read_the_same(source_lines, reading):
    doubled = "\r\n\r\n".join(source_lines)
    again = parse_bytes(doubled.encode(), load_errata_dir(ERRATA))
    assert again.to_reference_dict() == reading.to_reference_dict()


# (unit key, field, expected): one row per layout trap of the seed notes
UNIT_TRAPS = [
    ("J/506/2132", "title", "Principles of Customer Service"),  # reference alone on the next line
    ("L/506/1788", "title", "Manage personal performance and development"),  # "(L506/1788)"
    ("K/506/2155", "title", "Make telephone calls to customers"),  # "(K506/2155)"
    ("L/506/1807", "title", "Manage diary systems"),  # no reference in the heading: from the table
    ("L/506/1807", "credit", 2),
    ("L/506/2133", "credit", 2),  # its row is printed with K/506/2155's reference
    ("K/506/2155", "credit", None),  # ... so this unit has no row at all
    ("K/506/2155", "level", None),
    ("K/506/2155", "group", "Optional Group C"),  # group from its neighbours in the body
    ("R/506/2151", "level", 3),  # table title drift "Resolve customer's complaints"
    ("A/506/2130", "group", "mandatory"),
    ("A/506/2130", "assessment_methods", ["Products of work", "Reflective account", "Tasks and projects", "Questioning"]),
    ("L/506/1788", "assessment_methods",  # bullet glyph lost: leading spaces
     ["Observation", "Products of work", "Reflective account", "Tasks and projects", "Witness testimony"]),
    ("D/506/2119", "assessment_methods",  # two-row tab table, names joined by spaces
     ["Observation", "Products of work", "Reflective account", "Tasks and projects", "Witness testimony"]),
    ("T/506/2143", "assessment_methods",  # all on the heading line, then a '---' rule
     ["Products of work", "Reflective account", "Tasks and projects", "Observation", "Witness testimony"]),
    ("L/506/1905", "assessment_methods",
     ["Products of work", "Reflective account", "Tasks and projects", "Questioning (oral or written)"]),
    ("F/502/4396", "assessment_methods",  # the last unit: the marketing footer is not attached
     ["Products of work", "Reflective account", "Tasks and projects", "Observation", "Witness testimony"]),
]


@pytest.mark.parametrize(("key", "name", "expected"), UNIT_TRAPS)
def test_unit_traps(reading, key, name, expected):
    assert getattr(reading.unit(key), name) == expected


def _criterion(reading, key: str, cid: str) -> str:
    unit = reading.unit(key)
    return next(c.text for o in unit.outcomes for c in o.criteria if c.id == cid)


# (unit, criterion id, expected text ending)
CRITERION_TRAPS = [
    ("D/506/2119", "2.10", "when communicating verbally with customers"),  # two-digit id after bullets
    ("M/502/8606", "1.10", "State who to go to when in need of support to overcome objections"),
    ("L/506/2164", "1.5", "post-transaction customer service programmes"),  # wrapped after a blank line
    ("J/506/1806", "1.5", "failing to comply with equality legislation"),
    ("T/505/4673", "1.1", "of the following: a) employers b) employees"),  # sub-items folded, full stop dropped
    ("T/505/4673", "1.2", "Describe two health and safety laws affecting the workplace"),
    ("R/506/2151", "2.9", "when dealing with customers' complaints"),  # erratum: cut off in the PDF
    ("L/503/0394", "4.2", "during direct selling through a contact centre"),  # erratum
    ("J/506/2132", "1.2", "Define the term “service offer”"),  # curly quotes kept
]


@pytest.mark.parametrize(("key", "cid", "ending"), CRITERION_TRAPS)
def test_criterion_traps(reading, key, cid, ending):
    assert _criterion(reading, key, cid).endswith(ending)


@pytest.mark.parametrize(
    ("key", "kinds"),
    [
        ("F/502/4396", ["competence"] * 3),  # bare verbs "Input ...", "Use ..."
        ("T/505/4673", ["knowledge", "competence"]),  # "Know ..."
        ("K/503/0421", ["competence", "competence", "knowledge"]),  # knowledge outcome last
    ],
)
def test_outcome_kinds(reading, key, kinds):
    assert [o.kind for o in reading.unit(key).outcomes] == kinds


def test_rule_groups_state_the_documents_limits(reading):
    qual = reading.qualifications[0]
    limits = {g.name: (g.kind, g.min_credits, g.max_credits) for g in qual.rule_groups}
    assert limits == {
        "mandatory": ("mandatory", 19, 19),
        "Optional Group B": ("optional", 3, None),
        "Optional Group C": ("optional", 16, None),
        "Optional Group D": ("optional", None, 7),
    }
    assert "minimum of 45 credits" in qual.rules_of_combination
    member = next(m for m in qual.units if m.ref == "L/506/2133")
    assert (member.table_ref, member.group) == ("K/506/2155", "Optional Group C")
    assert member.table_line is not None and "Promote additional products" in spec_path("ymca").read_text(
        encoding="utf-8").split("\n")[member.table_line - 1]


def test_errata_line_numbers_point_at_their_text(source_lines):
    entries = yaml.safe_load(ERRATA_FILE.read_text(encoding="utf-8"))["entries"]
    for entry in entries:
        assert entry["find"] in source_lines[entry["line"] - 1], entry["line"]
