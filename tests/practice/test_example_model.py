"""The example model: an entry with enough marked answers learns its own judgement from them.

The entry is test_polarity's small complaint-handling entry; its examples are written for these tests so
the rules are pinned whatever the shipped sheets say.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from tests.practice.test_polarity import ENTRY
from tutor.bank.model import MarkedExample
from tutor.practice import example_model
from tutor.practice.marking import compile_entry, mark_answer

CREDITED = [
    "let them finish talking then say back to them what the problem is",
    "hear them out fully and then say back to them what went wrong",
    "let the customer explain everything then summarise it back",
    "stay quiet until they have finished then repeat the problem back",
    "listen to all of it without butting in and then check you understood by saying it back",
    "let them get it all out then go over it back to them so they know you got it",
    "hear the whole story first and say it back to check",
    "let them talk it through and then repeat back the main points",
    "don't interrupt them, let them finish, then say back what they told you",
    "give them time to explain the whole thing then summarise it to check",
    "wait till they finish explaining and then tell them back what you heard",
    "listen properly to everything and then say back the problem in your own words",
]
NOT_CREDITED = [
    "give them a voucher",
    "tell them the policy straight away",
    "pass them to a manager",
    "apologise and offer a refund",
    "interrupt them so you can save time",
    "tell them they are wrong",
    "send them an email later",
    "ask them to come back another day",
    "there is no point letting them finish, just tell them the policy",
    "cut them off and explain the rules",
    "say sorry and move on to the next customer",
    "fill in a form and give them a number to ring",
]
EXAMPLES = [MarkedExample(t, "credited") for t in CREDITED] + [MarkedExample(t, "not_credited") for t in NOT_CREDITED]
TRAINED = replace(ENTRY, examples=EXAMPLES)


def test_an_entry_with_enough_examples_of_each_kind_learns_a_model():
    assert compile_entry(TRAINED).model is not None
    # Too few examples in all, or too few of one kind: the nearest examples' vote decides instead.
    assert compile_entry(replace(ENTRY, examples=EXAMPLES[:10] + EXAMPLES[12:21])).model is None
    assert compile_entry(replace(ENTRY, examples=EXAMPLES[:4] + EXAMPLES[12:])).model is None


def test_training_is_deterministic():
    rows = [({"w:" + w: 1.0 for w in t.split()} | {"bias": 1.0}, x.label == "credited", 1.0)
            for x in EXAMPLES for t in [x.text]]
    assert example_model.train(rows).weights == example_model.train(rows).weights


@pytest.mark.parametrize(("answer", "precedent", "credited"), [
    # Unseen wordings: close to the credited examples, and to the uncredited ones.
    ("let them finish and then say back what the problem was", "credited", True),
    ("just give them a voucher and a refund", "not_credited", False),
    # Not credited, and the phrasings found a misconception (interrupting to save time): contradicted.
    ("interrupt them to save time and tell them the policy", "contradicted", False),
])
def test_the_model_decides_as_its_examples_were_marked(answer, precedent, credited):
    result = mark_answer(answer, TRAINED)
    assert result.precedent == precedent
    assert (result.verdict in ("secure", "partial")) is credited


def test_a_model_that_credits_nothing_blocks_the_phrasings():
    # An entry whose examples say every answer is wrong: a phrasing match alone no longer credits.
    strict = replace(ENTRY, examples=[MarkedExample(x.text, "not_credited") for x in EXAMPLES]
                     + [MarkedExample("zzz qqq", "credited")] * 5)
    plain = mark_answer("listen carefully and repeat back what they said", ENTRY)
    assert plain.verdict == "secure"
    result = mark_answer("listen carefully and repeat back what they said", strict)
    assert result.precedent == "not_credited" and result.verdict == "not_yet"


# The phrasings hear "dont have to match rival prices" as denying "check competitors' prices"; the examples
# say answers like it are right. The model weighs the phrasings' finding among its features, and credits.
PRICES_CREDITED = [
    "you dont have to match rival prices but you do keep an eye on them",
    "no need to beat competitors prices, just check them so offers stay attractive",
    "you dont need to be the cheapest but you check what competitors charge",
    "never ignore what competitors charge, check their prices",
    "we dont copy the shop next door but we look at their prices every week",
    "u dont have to undercut anyone, just know what rivals are charging",
    "check what other shops charge so our deals still look good",
    "keep an eye on rival prices so our offers stay worth it",
    "look at competitors prices regularly",
    "not about being cheapest, its about checking rival prices so we stay attractive",
    "we check the other supermarkets prices every monday",
    "no point matching every price but u should know what competitors charge",
]
PRICES_WRONG = [
    ("competitors prices dont matter so dont bother checking them", "contradicted"),
    ("ignore rival prices, customers dont compare", "contradicted"),
    ("theres no need to look at what other shops charge", "contradicted"),
    ("never check competitors, just set your own price", "contradicted"),
    ("you should always be the cheapest in town", "not_credited"),
    ("put the prices up every year", "not_credited"),
    ("give everyone a discount", "not_credited"),
    ("prices are set by head office", "not_credited"),
    ("dont know", "not_credited"),
    ("competition is good for customers", "not_credited"),
]
PRICES = replace(ENTRY, examples=[MarkedExample(t, "credited") for t in PRICES_CREDITED]
                 + [MarkedExample(t, label) for t, label in PRICES_WRONG])


def test_a_model_credits_where_it_learned_the_phrasings_contradiction_misfires():
    answer = "you dont need to copy rival prices but you should watch what competitors charge"
    plain = mark_answer(answer, ENTRY)
    assert plain.verdict == "contradicted"
    result = mark_answer(answer, PRICES)
    assert result.precedent == "credited" and result.verdict == "partial"
    assert not result.contradicted  # the feedback does not correct what the marker has credited
    # ... and a real denial stays contradicted.
    denial = mark_answer("dont bother checking competitors prices, they dont matter", PRICES)
    assert denial.verdict == "contradicted"


def test_the_model_lifts_an_answer_the_phrasings_found_nothing_in_only_when_surer(monkeypatch):
    """Where the phrasings found a point, the model credits at 0.5; where they found nothing, it needs
    MODEL_LIFT_THRESHOLD (a guess from words alone is the likelier to be wrong)."""
    made = "listen carefully and repeat back what they said"
    unfound = "let them finish and then say back what the problem was"
    assert mark_answer(made, ENTRY).made and not mark_answer(unfound, ENTRY).made
    for probability, lifted in ((0.6, False), (0.85, True)):
        monkeypatch.setattr(example_model.ExampleModel, "probability", lambda self, features, p=probability: p)
        assert mark_answer(made, TRAINED).verdict in ("secure", "partial")
        assert (mark_answer(unfound, TRAINED).verdict == "partial") is lifted


def test_a_model_holds_back_an_answer_making_every_point_asked_for_only_when_sure_it_is_wrong(monkeypatch):
    """Where the phrasings found every point the question asks for and nothing wrong, the model overrules them
    only below MODEL_SECURE_THRESHOLD; an answer they found contradicted stays so whatever it says below 0.5."""
    complete = "listen carefully and repeat back what they said"
    contradicted = "a badly handled complaint doesnt really damage reputation cos people dont read bad reviews"
    assert mark_answer(complete, ENTRY).verdict == "secure"
    assert mark_answer(contradicted, ENTRY).verdict == "contradicted"
    for probability, verdict in ((0.3, "secure"), (0.05, "not_yet")):
        monkeypatch.setattr(example_model.ExampleModel, "probability", lambda self, features, p=probability: p)
        assert mark_answer(complete, TRAINED).verdict == verdict
        assert mark_answer(contradicted, TRAINED).verdict == "contradicted"
