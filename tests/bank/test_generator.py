"""The generator: deterministic for a seed, several kinds, distractors kept apart, output passes the checks."""

from __future__ import annotations

from pathlib import Path

import pytest

from tutor.bank.checks import check_items
from tutor.bank.generator import ItemGenerator, item_form
from tutor.bank.model import load_sheet_file

SHEET = """\
qualification: 603/2394/2
unit: 2794-210
criteria:
  - outcome: "1"
    criterion: "1.1"
    text: state what is meant by a PESTLE analysis
    question: Which of these describes a PESTLE analysis?
    question_not: Which of these does NOT describe a PESTLE analysis?
    key_points:
      - point: A PESTLE analysis is a tool for tracking the environment an organisation operates in.
        short: A tool for tracking the environment the organisation operates in
        accept: [environment, outside world]
        source: {spec_line: 2391}
      - point: A PESTLE analysis looks at what influences the way an organisation operates.
        short: A look at what influences the way the organisation operates
        accept: [influences]
        source: {spec_line: 2391}
      - point: A PESTLE analysis is used when planning a new service, product or project.
        short: A check used when planning a new service, product or project
        accept: [new product, new project]
        source: {spec_line: 2391}
    misconceptions:
      - statement: A PESTLE analysis rates the performance of individual staff.
        wrong: A rating of the performance of individual staff
        why: Staff performance is reviewed in appraisals, not by PESTLE.
        source: {spec_line: 2391}
      - statement: A PESTLE analysis is a list of internal strengths and weaknesses.
        wrong: A list of the organisation's internal strengths and weaknesses
        why: That is SWOT; PESTLE looks at external factors.
        source: {spec_line: 2391}
      - statement: A PESTLE analysis is a survey of customer satisfaction.
        wrong: A survey of how satisfied customers are with the service
        why: Satisfaction surveys measure service, not the environment.
        source: {spec_line: 2391}
      - statement: A PESTLE analysis is a rating of individual staff performance.
        wrong: A rating of the performance of individual staff members
        why: A near-copy of the first misconception, which the generator must not pair with it.
        source: {spec_line: 2391}
    scenarios:
      - situation: Aisha's hotel is planning a spa. Her manager asks her to look at new laws, local spending and changing holiday habits.
        question: Which tool is her manager asking her to use?
        key: A PESTLE analysis of the outside environment
        wrong:
          - A SWOT list of the team's own strengths
          - An appraisal of each member of staff
          - A survey of current guests' satisfaction
        why: Laws, spending and habits are political, economic and social factors outside the hotel.
        source: {spec_line: 2391}
    pairs:
      - [P, Political]
      - [S, Social]
      - [T, Technological]
      - [L, Legal]
"""


@pytest.fixture
def entry(tmp_path):
    path = tmp_path / "2794-210.yaml"
    path.write_text(SHEET, encoding="utf-8")
    (entry,) = load_sheet_file(path)
    return entry


def test_generation_is_deterministic_for_a_seed(renderer, entry):
    first = [i.to_dict() for i in ItemGenerator(renderer, seed=7).generate(entry)]
    again = [i.to_dict() for i in ItemGenerator(renderer, seed=7).generate(entry)]
    other = [i.to_dict() for i in ItemGenerator(renderer, seed=8).generate(entry)]
    assert first == again
    assert first != other


def test_forms_and_counts(renderer, entry):
    items = ItemGenerator(renderer).generate(entry)
    forms = [item_form(i) for i in items]
    assert forms.count("scenario") == 1  # one per scenario
    # One "which of these" per key point while fresh sets of three distractors last: four misconceptions,
    # two of them near-copies (never together), give two sets.
    assert forms.count("single_best") == 2
    assert forms.count("statement") == 3  # the four statements are not near-copies: a set for each point
    assert forms.count("negative") == 3  # one per misconception, up to three
    assert forms.count("true_false") == 7  # every key point and misconception as a statement
    assert forms.count("matching") == 1
    assert len({i.version for i in items}) == len(items) >= 5
    assert all(i.use == "practice" and i.provenance["kind"] == "generated" for i in items)
    (scenario,) = [i for i in items if item_form(i) == "scenario"]
    assert scenario.stem.startswith("Aisha's hotel") and scenario.options[scenario.key].startswith("A PESTLE")


def test_no_two_items_of_a_criterion_share_their_three_distractors(renderer, index, tmp_path):
    """With neighbours in the unit, every key point gets its own item and its own set of distractors."""
    path = tmp_path / "2794-210.yaml"
    neighbour = SHEET.split("criteria:\n", 1)[1].replace('criterion: "1.1"', 'criterion: "1.2"').replace(
        "state what is meant by a PESTLE analysis", "describe the advantages of a PESTLE analysis")
    neighbour = neighbour.replace("A rating of the performance of individual staff", "A score for each worker's output")
    neighbour = neighbour.replace("internal strengths and weaknesses", "own teams' skills").replace(
        "how satisfied customers are", "how loyal buyers feel")
    path.write_text(SHEET + neighbour, encoding="utf-8")
    first, second = load_sheet_file(path)
    items = ItemGenerator(renderer).generate(first, [first, second])
    best = [i for i in items if item_form(i) == "single_best"]
    assert len(best) == 3
    distractor_sets = [frozenset(t for k, t in i.options.items() if k != i.key) for i in best]
    assert len(set(distractor_sets)) == len(distractor_sets)
    assert check_items(items, index) == []


def test_distractors_are_never_near_copies(renderer, entry):
    near = {"A rating of the performance of individual staff", "A rating of the performance of individual staff members"}
    for item in ItemGenerator(renderer).generate(entry):
        if item.kind == "single_best":
            assert len(near & set(item.options.values())) <= 1


def test_generated_items_pass_the_checks(renderer, entry, index):
    items = ItemGenerator(renderer).generate(entry)
    assert check_items(items, index) == []


def test_the_key_is_the_sheet_point_and_the_stem_its_question(renderer, entry):
    for item in ItemGenerator(renderer).generate(entry):
        if item_form(item) == "single_best":
            assert item.stem == entry.question
            assert item.options[item.key] in {p.short for p in entry.key_points}
        if item_form(item) == "statement":
            assert item.stem.startswith("Topic: State what is meant by a PESTLE analysis. Which of these statements")
            assert item.options[item.key] in {p.point for p in entry.key_points}
        if item.kind == "negative":
            assert "NOT" in item.stem
            assert item.options[item.key] in {m.wrong for m in entry.misconceptions}


def test_shipped_sheets_give_five_distinct_items_per_criterion(renderer):
    from tutor.bank.model import load_bank

    bank = load_bank(Path(__file__).resolve().parents[2] / "question_bank")
    generator = ItemGenerator(renderer)
    for sheet_entry in bank.sheets:
        items = generator.generate(sheet_entry)
        assert len({i.version for i in items}) >= 5, f"{sheet_entry.ref} gives {len(items)} items"
