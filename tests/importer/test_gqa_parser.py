"""The gqa parser's traps, each checked on the bundled GQA booklet or a damaged copy of it."""

from __future__ import annotations

import pytest

from tests.conftest import DOCUMENTS, ERRATA, spec_path
from tutor.importer import SpecError, parse_bytes
from tutor.importer.errata import load_errata_dir
from tutor.importer.parsers import gqa
from tutor.importer.reader import read_document

TEXT = spec_path("gqa").read_text(encoding="utf-8")
LINES = TEXT.split("\n")


def line_of(needle: str, occurrence: int = 1) -> int:
    """1-based number of the line holding ``needle`` (its ``occurrence``-th appearance)."""
    hits = [no for no, text in enumerate(LINES, start=1) if needle in text]
    return hits[occurrence - 1]


def read(text: str):
    return parse_bytes(text.encode("utf-8"), load_errata_dir(ERRATA))


def cut_after(needle: str, occurrence: int = 1) -> str:
    """The document cut off just after the line holding ``needle``."""
    return "\n".join(LINES[: line_of(needle, occurrence)])


@pytest.fixture(scope="module")
def reading():
    return read(TEXT)


@pytest.mark.parametrize("family", list(DOCUMENTS))
def test_detect_only_the_gqa_booklet(family):
    doc = read_document(spec_path(family).read_bytes())
    assert gqa.detect(doc) is (family == "gqa")


@pytest.mark.parametrize(
    ("damage", "message", "line"),
    [
        # cut in the middle of CS5's grid: no "Assessor comments" closes the unit
        (lambda: cut_after("2.3 Identify current and future likely skills"), "D/618/0469 is cut off",
         lambda: line_of("2.3 Identify current and future likely skills")),
        # cut between a unit heading and its grid
        (lambda: cut_after("This unit aims to develop the knowledge and skills required to exceed"),
         "H/618/0473 is cut off before its assessment grid",
         lambda: line_of("This unit aims to develop the knowledge and skills required to exceed")),
        # cut inside the structure table, across the page-break blank line
        (lambda: cut_after("CS19\t"), "no closing sentence", lambda: line_of("CS19\t")),
        # cut after a whole unit (CS10): the next unit of the table has no specification
        (lambda: cut_after("Assessor comments", occurrence=10), "M/618/0475 is listed in the structure",
         lambda: line_of("M/618/0475\tDeliver customer service while working on customers' premises\t2\t4")),
        # a unit's closing "Assessor comments" lost: the grid runs into the next heading
        (lambda: TEXT.replace("\nAssessor comments\n", "\n\n", 1), "H/618/0196 has no 'Assessor comments'",
         lambda: line_of("L/618/0466\tUnderstand the customer service environment\tLevel 3")),
        # a criterion number out of sequence
        (lambda: TEXT.replace("\t1.3 Explain the importance of differentiating", "\t1.4 Explain the importance"),
         "criterion 1.4 is out of sequence", lambda: line_of("\t1.3 Explain the importance of differentiating")),
        # a criterion wrapped onto a second physical line
        (lambda: TEXT.replace("\t2.2 Map the \"customer journey\"", "\t2.2 Map the\ncustomer journey"),
         "unexpected line in the assessment grid", lambda: line_of("\t2.2 Map the \"customer journey\"") + 1),
        # a table row that lost its unit code line
        (lambda: TEXT.replace("\t3\t10\nCS4\t\t\t\n", "\t3\t10\n"), "is not followed by its unit code",
         lambda: line_of("Y/618/0468\tPrinciples of business\t3\t10", occurrence=2)),
    ],
    ids=["mid-grid", "before-grid", "mid-table", "after-unit", "unclosed-unit", "criterion-sequence",
         "wrapped-row", "lost-code"],
)
def test_damaged_document_gives_one_spec_error_naming_the_line(damage, message, line):
    with pytest.raises(SpecError) as caught:
        read(damage())
    assert message in caught.value.message
    assert caught.value.line == line()


@pytest.mark.parametrize(
    ("local_id", "outcome", "criterion", "text"),
    [
        # the next outcome's number leaked onto the end of the previous criterion (page break)
        ("CS13", "1", "1.7", "Explain the importance of regular communication in the development of both "
                             "internal and external customer relationships"),
        ("CS17", "1", "1.4", "Explain how cultural differences might affect negotiations"),
        # curly quotes are kept as written
        ("CS7", "1", "1.3", "Explain why \u201ccustomer service language\u201d is used"),
    ],
)
def test_criterion_text_traps(reading, local_id, outcome, criterion, text):
    found = next(o for o in reading.unit(local_id).outcomes if o.id == outcome)
    assert next(c.text for c in found.criteria if c.id == criterion) == text


def test_trailing_number_other_than_the_next_outcome_is_kept():
    damaged = TEXT.replace("customer relationships 2\t", "customer relationships 3\t")
    last = read(damaged).unit("CS13").outcomes[0].criteria[-1]
    assert last.text.endswith("customer relationships 3")


@pytest.mark.parametrize(
    ("local_id", "field", "value"),
    [
        ("CS17", "level", 3),  # heading says "Level 2"; the structure table says 3
        ("CS18", "title", "Promote equality, diversity and inclusion in the workplace"),  # heading: "diversion"
        ("CS19", "group", "optional group 2"),  # after the page-break blank line inside the table
        ("CS1", "group", "mandatory"),
    ],
)
def test_structure_table_is_the_authority(reading, local_id, field, value):
    assert getattr(reading.unit(local_id), field) == value


def test_boilerplate_and_summary_sheet_add_nothing(reading):
    """Numbered boilerplate is not read as outcomes; the summary sheet does not repeat units."""
    assert reading.counts() == {"units": 23, "outcomes": 62, "criteria": 297}
    refs = [m.ref for m in reading.qualifications[0].units]
    assert len(refs) == len(set(refs)) == 23
    assert reading.unit("CS1").source_line == line_of("H/618/0196\tOrganise and deliver customer service\tLevel 3")


@pytest.mark.parametrize(
    ("text", "credits"),
    [
        (TEXT, 55),  # 31 mandatory + 15 + 9, never written in the document
        (TEXT.replace("(Minimum of 15 Credits)", "(Minimum of 16 Credits)"), 56),
    ],
)
def test_credit_total_is_derived_from_the_groups(text, credits):
    assert read(text).qualifications[0].credits == credits


def test_assessment_methods_are_the_qualification_wide_evidence_forms(reading):
    methods = reading.unit("CS23").assessment_methods
    assert methods[:4] == ["Observation in the workplace", "Records of prior experience", "Testimonial(s)",
                           "Work records"]
    assert methods[4:] == ["Assessment of knowledge", "Witness statement(s)", "Photographic evidence",
                           "External testing"]


def test_line_endings_and_blank_runs_do_not_change_the_reading(reading):
    noisy = "\ufeff" + TEXT.replace("\n\n", "\n\n\n\n").replace("\n", "\r\n")
    assert read(noisy).to_reference_dict() == reading.to_reference_dict()
