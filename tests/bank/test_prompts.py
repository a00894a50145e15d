"""Open chat prompts: worded for the criterion's command verb, naming its range."""

from __future__ import annotations

import pytest

from tutor.bank.prompts import command_verb, open_prompt


@pytest.mark.parametrize(
    ("unit", "outcome", "criterion", "verb", "starts", "range_text"),
    [
        ("2794-210", "1", "1.1", "state", "In a sentence or two, state what is meant by a PESTLE analysis.", None),
        ("2794-210", "1", "1.3", "explain", "Explain the importance of keeping up to date", None),
        ("2794-210", "1", "1.4", "describe", "Describe why organisational change is important.",
         "Cover Importance of organisational change to: own organisation, staff, customer(s)."),
        ("2794-210", "1", "1.5", "describe", "Describe how organisational change should be introduced.",
         "Cover How organisational change should be introduced to: own organisation, staff, customer(s)."),
        ("2794-210", "3", "3.3", "describe", "Describe the advantages of rewarding loyalty.",
         "Cover Advantages for: Customer(s), Own organisation, Staff."),
        ("2794-210", "3", "3.4", "describe", "Describe the disadvantages of rewarding loyalty.",
         "Cover Disadvantages for: Customer(s), Own organisation, Staff."),
        ("2794-210", "4", "4.5", "state", "In a sentence or two, state the importance of 'first impressions'.",
         "Cover Importance of first impressions on: Customer, Organisation, Staff, Reputation/Brand."),
    ],
)
def test_prompt_uses_verb_and_range(index, renderer, unit, outcome, criterion, verb, starts, range_text):
    facts = index.criterion("603/2394/2", unit, outcome, criterion)
    prompt = open_prompt(facts, index.scope("603/2394/2").units[unit], renderer)
    assert prompt.verb == verb
    assert prompt.text.startswith(starts)
    if range_text:
        assert range_text in prompt.text
    else:
        assert "Cover" not in prompt.text


def test_advantages_range_is_not_given_to_the_disadvantages_criterion(index, renderer):
    prompt = open_prompt(index.criterion("603/2394/2", "2794-210", "3", "3.4"),
                         index.scope("603/2394/2").units["2794-210"], renderer)
    assert list(prompt.range_terms) == ["LO3 Disadvantages for"]


def test_own_organisation_criteria_leave_judgement_to_the_tutor(index, renderer):
    facts = index.criterion("603/2394/2", "2794-201", "1", "1.1")  # describe own role and responsibilities
    prompt = open_prompt(facts, index.scope("603/2394/2").units["2794-201"], renderer)
    assert prompt.own_organisation
    assert "your tutor to judge" in prompt.text


@pytest.mark.parametrize(
    ("text", "verb"),
    [("Explain why", "explain"), ("identify who", "identify"), ("List the", "list"), ("Compare two", "compare"),
     ("Define the term", "define"), ("Outline the", "outline"), ("  describe x", "describe")],
)
def test_command_verb(text, verb):
    assert command_verb(text) == verb


def test_every_knowledge_criterion_of_every_qualification_has_a_prompt(index, renderer):
    missing = []
    for facts in index.knowledge_criteria():
        prompt = open_prompt(facts, index.scope(facts.qualification).units[facts.unit], renderer)
        if not prompt.text or prompt.verb not in prompt.text.lower():
            missing.append(facts)
    assert missing == []
