"""Grammar and sense checks: the rules on hand-made items, then every item the shipped bank serves."""

from __future__ import annotations

from dataclasses import replace

import pytest

from tests.bank.conftest import BANK
from tutor.bank.audit import audit_bank
from tutor.bank.grammar import grammar_problems, opens_on_pronoun
from tutor.bank.model import CriterionRef, Item
from tutor.paths import templates_dir

GOOD = Item(id="x", ref=CriterionRef("q", "u", "1", "1.1"), kind="single_best", use="practice", status="approved",
            difficulty=2, stem="Which of these is an advantage of a PESTLE analysis?",
            options={"A": "It looks at factors outside the organisation", "B": "It rates an employee's performance",
                     "C": "It lists the team's own strengths", "D": "It measures how happy an hour's callers are"},
            key="A", rationale="r", source={}, provenance={"kind": "generated", "template": "items/single_best.j2"})


@pytest.mark.parametrize(("change", "problem"), [
    ({"stem": "which of these is an advantage?"}, "the stem does not start with a capital letter"),
    ({"stem": "Which of these is an advantage"}, "the stem does not end with a question mark, colon or full stop"),
    ({"stem": "Which of the the advantages is real?"}, "the stem repeats the word 'the'"),
    ({"stem": "Which of these is a advantage?"}, "the stem has 'a' before 'advantage'"),
    ({"stem": "Which of these is an benefit?"}, "the stem has 'an' before 'benefit'"),
    ({"stem": "Which (of these is an advantage?"}, "the stem has unbalanced ()"),
    ({"options": {**GOOD.options, "B": "it rates an employee's performance"}}, "option B does not start with a capital letter"),
    ({"options": {**GOOD.options, "C": "It lists the team's own strengths."}},
     "some options end with a full stop and some do not (not parallel)"),
    ({"kind": "true_false", "options": {"A": "True", "B": "False"}, "stem": "True or false? It makes them look outward."},
     "the true/false statement opens on a pronoun with nothing to refer to"),
    ({"kind": "true_false", "options": {"A": "True", "B": "False"}, "stem": "True or false? Staff need training"},
     "the true/false statement does not end with a full stop"),
])
def test_each_rule_catches_its_fault(change, problem):
    assert grammar_problems(GOOD) == []
    assert problem in grammar_problems(replace(GOOD, **change))


@pytest.mark.parametrize(("sentence", "dangling"), [
    ("It makes the organisation look outward.", True), ("They stay longer.", True), ("These models help.", True),
    ("It is fine to leave files out.", False), ("It tends to be cheaper to keep customers.", False),
    ("Itemised bills help.", False), ("A PESTLE analysis looks outward.", False),
])
def test_a_sentence_on_its_own_needs_something_to_refer_to(sentence, dangling):
    assert opens_on_pronoun(sentence) is dangling


def test_every_item_the_bank_serves_reads_well(index):
    audit = audit_bank(BANK, templates_dir(), index)
    served = [i for i in audit.all_items if i.status == "approved"]
    assert len(served) > 5000
    problems = [f"{i.id}: {p}" for i in served for p in grammar_problems(i)]
    assert problems == []


@pytest.mark.parametrize(("criterion", "topic"), [
    ("Define the main responsibilities for health and safety in the workplace of the following: a) employers "
     "b) employees", "Define the main responsibilities for health and safety in the workplace of the following: "
                     "employers, employees"),
    ("explain why it matters.", "Explain why it matters"),
    ("Describe (in outline) the law", "Describe (in outline) the law"),
    ("Identify: i) one ii) two", "Identify: one, two"),
    ("Describe a) what b) why", "Describe: what, why"),
])
def test_a_criterion_becomes_a_topic_line_with_no_list_marker_left_open(criterion, topic):
    from tutor.bank.generator import criterion_topic

    assert criterion_topic(criterion) == topic
