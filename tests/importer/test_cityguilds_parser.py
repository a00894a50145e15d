"""The City & Guilds parser's traps, one table per trap.

Small handbooks are built in the family's layout so that each trap is tested on its own;
the bundled 2794-02 handbook checks the same traps where they really occur.
"""

from __future__ import annotations

import pytest

from tests.conftest import DOCUMENTS, ERRATA, spec_path
from tutor.importer import SpecError, parse_bytes
from tutor.importer.errata import load_errata_dir, locate
from tutor.importer.parsers import cityguilds
from tutor.importer.reader import read_document

FRONT = """City & Guilds Level 2 Diploma for Testing Practice (9999-02)

Title and level\tCity & Guilds qualification number\tRegulatory reference number\tGLH\tTQT
City & Guilds Level 2 Diploma for Testing Practice\t9999-02\t600/0000/1\t40\t80

To achieve the City & Guilds Level 2 Diploma for Testing Practice, learners must achieve:

City & Guilds unit number\tUnit title\tGLH\t
Mandatory un\tnits:\t\t
Learners must\tachieve all mandatory units.\t\t
9999-201\tTesting things\t40\t

Unit\tTitle\tAssessment method\tWhere to obtain assessment materials
9999-201\tTesting things\tPortfolio of evidence Centre-devised, internally set and marked assessment\twww.cityandguilds.com
"""

UNIT = """
Unit 201 Testing things

Level: 2 GLH: 40 Aim: This unit aims to test.

Learning outcome

The learner will:

LO1 Understand testing

Assessment criteria

The learner can:

{criteria}

Range

{range}

Unit 201 Testing things Supporting information

Evidence requirements

- Witness statements
"""


def _handbook(criteria: str = "- AC1.1 describe testing", range_lines: str = "Kinds:\n- Unit") -> bytes:
    return (FRONT + UNIT.format(criteria=criteria, range=range_lines)).encode()


def _unit(**parts: str):
    return parse_bytes(_handbook(**parts)).units[0]


@pytest.mark.parametrize("family", list(DOCUMENTS))
def test_detect_only_city_and_guilds(family):
    doc = read_document(spec_path(family).read_bytes())
    assert cityguilds.detect(doc) is (family == "cityguilds")


@pytest.mark.parametrize(
    ("criteria", "expected"),
    [
        ("- AC1.1 identify **feedback** on own skills.", [("1.1", "identify feedback on own skills")]),
        (
            "AC1.1 describe actions AC1.2 explain added value",
            [("1.1", "describe actions"), ("1.2", "explain added value")],
        ),
        (
            "- AC1.1 describe the difference between providing:\n - a. a product\n - b. a service",
            [("1.1", "describe the difference between providing: a. a product; b. a service")],
        ),
        (
            "- AC1.1 demonstrate a welcoming tone\n - a. Face to face\n - b. Non face to face",
            [("1.1", "demonstrate a welcoming tone: a. Face to face; b. Non face to face")],
        ),
        ("- AC1.10 record information", [("1.10", "record information")]),
    ],
)
def test_criteria(criteria, expected):
    outcome = _unit(criteria=criteria).outcomes[0]
    assert [(c.id, c.text) for c in outcome.criteria] == expected


@pytest.mark.parametrize(
    ("range_lines", "expected"),
    [
        ("Appropriate person eg:\n- Manager\n- · Supervisor", {"Appropriate person": ["Manager", "Supervisor"]}),
        ("Feedback eq:\n- Cards\n\nFormal eg:\n- Surveys", {"Feedback": ["Cards"], "Formal": ["Surveys"]}),
        ("Challenging situations: eg\n- issues", {"Challenging situations": ["issues"]}),
        ("Payments: For example\n- Cash", {"Payments": ["Cash"]}),
        ("Adjust priorities e.g:\n- When busy", {"Adjust priorities": ["When busy"]}),
        (
            "Rapport: Make effective use of\n- questioning skills\n - Open\n - · Closed",
            {"Rapport (make effective use of)": ["questioning skills: Open; Closed"]},
        ),
        ("Presentation methods: will vary by software\nChannels:\n- email", {
            "Presentation methods": ["will vary by software"], "Channels": ["email"]}),
        ("Listening skills:\n\nactive listening", {"Listening skills": ["active listening"]}),
        ("Sector:\n- Private:\n - Sole Trader\n - ∘ Trusts", {"Sector": ["Private: Sole Trader; Trusts"]}),
        ("Rules:\n- · Rules eg\n - · commission", {"Rules": ["Rules: commission"]}),
        (
            "Customers eg:\n- General\n- Those with\n - Special requirements\n\nCustomers:\n- Internal",
            {"Customers": ["General", "Those with: Special requirements", "Internal"]},
        ),
        ("Different customers eg:\n- Regular\nThose with\n- Language barriers\nAdapt:\n- Tone", {
            "Different customers": ["Regular", "Those with: Language barriers"], "Adapt": ["Tone"]}),
        (
            "Types of meetings:\nFormal\n- Board\n\nInformal\n- Team\nAdministrative support:\n"
            "Documentation required:\n- Agenda\nFacilities\n- Room",
            {
                "Types of meetings": ["Formal: Board", "Informal: Team"],
                "Administrative support": ["Documentation required: Agenda", "Facilities: Room"],
            },
        ),
        (
            "Steps:\nUnderstanding of the following:\n- timescales\n\n• follow-up",
            {"Steps": ["timescales", "follow-up"]},
        ),
    ],
)
def test_range_terms(range_lines, expected):
    unit = _unit(range_lines=range_lines)
    assert unit.range == {f"LO1 {term}": values for term, values in expected.items()}


def test_merged_method_cell_is_split():
    methods = _unit().assessment_methods
    assert methods == ["Portfolio of evidence", "Centre-devised, internally set and marked assessment"]


def test_outcome_without_statement_takes_number_and_kind_from_criteria():
    text = _handbook().decode().replace("LO1 Understand testing\n", "")
    criteria = "- AC1.1 describe filing\n- AC1.2 create filing systems"
    text = text.replace("- AC1.1 describe testing", criteria)
    outcome = parse_bytes(text.encode()).units[0].outcomes[0]
    assert (outcome.id, outcome.text, outcome.kind) == ("1", "", "competence")


@pytest.mark.parametrize(
    ("cut_after", "message"),
    [
        ("- AC1.2 describe the difference between providing:", "unit 2794-205 ends without its supporting information"),
        ("Data collection methods: Strengths and weaknesses of", "unit 2794-213 ends without its supporting"),
        ("LO3 Understand customer loyalty", "unit 2794-210 ends without its supporting information"),
        ("2794-204\tContribute to a customer focused experience\t38", "no unit specifications found"),
    ],
)
def test_truncated_document_names_the_line(cut_after, message):
    data = spec_path("cityguilds").read_bytes()
    cut = data.index(cut_after.encode()) + len(cut_after)
    with pytest.raises(SpecError) as caught:
        parse_bytes(data[:cut])  # no errata: they would fail first, on the lines cut off
    assert message in caught.value.message
    assert caught.value.line == data[:cut].count(b"\n") + 1


def test_blank_lines_do_not_matter():
    data = spec_path("cityguilds").read_bytes()
    errata = load_errata_dir(ERRATA)
    spread = data.replace(b"\n- ", b"\n\n\n- ")  # as if every list item sat after a page break
    assert parse_bytes(spread, errata).to_reference_dict() == parse_bytes(data, errata).to_reference_dict()


@pytest.mark.parametrize(
    ("unit", "outcome", "criterion", "text"),
    [
        ("2794-201", "3", "3.2", "identify suitable ways of obtaining feedback on own service skills and knowledge"),
        ("2794-205", "1", "1.2", "describe the difference between providing: a. a product; b. a service"),
        ("2794-210", "3", "3.7", "explain why added value must be beneficial to both the customer and the "
         "organisation"),
        ("2794-209", "3", "3.10", "record information on the conversation including the outcome and any agreed "
         "follow-up actions"),
    ],
)
def test_bundled_criteria(readings, unit, outcome, criterion, text):
    found = next(o for o in readings("cityguilds").unit(unit).outcomes if o.id == outcome)
    assert {c.id: c.text for c in found.criteria}[criterion] == text


def test_bundled_units_and_groups(readings):
    reading = readings("cityguilds")
    qual = reading.qualifications[0]
    assert [u.local_id for u in reading.units] == [f"2794-2{n:02d}" for n in range(1, 14)]
    assert [(g.name, g.min_units, g.max_units) for g in qual.rule_groups] == [("mandatory", 6, 6), ("optional", 1, 1)]
    assert reading.unit("2794-208").title == "Working in an administrative environment"  # heading split over lines
    assert reading.unit("2794-210").assessment_methods == ["Multiple choice test"]


def test_bundled_test_specification(readings):
    spec = readings("cityguilds").test_specs[0]
    assert (spec.unit, spec.unit_title, spec.format) == (
        "2794-210", "Customer service principles", "online multiple choice test")
    assert (spec.duration_minutes, spec.total_questions, spec.pass_mark, spec.grading) == (60, 25, 18, "Pass/Fail")
    assert [(o.outcome, o.questions, o.percentage) for o in spec.outcomes] == [
        ("1", 5, 20), ("2", 5, 20), ("3", 8, 32), ("4", 7, 28)]
    assert spec.where_to_obtain_materials == "www.cityandguilds.com"


def test_errata_lines_are_true_for_the_bundled_document():
    doc = read_document(spec_path("cityguilds").read_bytes())
    (errata,) = [e for e in load_errata_dir(ERRATA) if e.applies_to(doc)]
    for erratum in errata.entries:
        assert doc.lines[locate(erratum, doc)].no == erratum.line, erratum.find
