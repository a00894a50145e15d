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


def test_a_model_whose_examples_credit_nothing_blocks_the_phrasings_but_not_the_sheets_own_words():
    # An entry whose examples say every learner's answer is wrong: a phrasing match alone no longer credits ...
    strict = replace(ENTRY, examples=[MarkedExample(x.text, "not_credited") for x in EXAMPLES]
                     + [MarkedExample("zzz qqq", "credited")] * 5)
    answer = "hear them out and repeat back what the problem is"
    assert mark_answer(answer, ENTRY).verdict == "partial"
    result = mark_answer(answer, strict)
    assert result.precedent == "not_credited" and result.verdict == "not_yet"
    # ... but the sheet's key points are credited examples of the model too: their own words still earn credit.
    assert mark_answer("listen carefully and repeat back what they said", strict).verdict == "secure"


def test_the_sheets_key_points_denied_and_its_misconceptions_teach_the_model_what_is_wrong():
    """An entry's model learns from the sheet's own sentences as well as its examples: trained on the same
    examples without them (the entry's points and misconceptions blanked for training only), it is surer that a
    denial of a key point or a stated misconception deserves credit."""
    from tutor.practice import marking

    compiled = compile_entry(TRAINED)  # the phrasings, the same for both models
    blank = replace(TRAINED, key_points=[replace(k, point="zzz") for k in ENTRY.key_points],
                    misconceptions=[replace(m, statement="qqq", wrong="qqq") for m in ENTRY.misconceptions])
    without_sheet = marking._train_model(blank, compiled)
    for answer in ("you dont need to repeat anything back to the customer", "interrupting them saves time"):
        features = marking._model_features(marking._read(answer, compiled))
        assert compiled.model.probability(features) < without_sheet.probability(features), answer


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


# (what the phrasings found, an answer of that kind, its verdict when the model credits it, and when it does not)
THRESHOLD_CASES = [
    ("all", "listen carefully and repeat back what they said", "secure", "not_yet"),
    ("some", "listen carefully to them", "partial", "not_yet"),
    ("none", "let them finish and then say back what the problem was", "partial", "not_yet"),
    ("wrong", "a badly handled complaint doesnt really damage reputation cos people dont read bad reviews",
     "partial", "contradicted"),
]


@pytest.mark.parametrize(("case", "answer", "credited", "held_back"), THRESHOLD_CASES)
def test_how_sure_the_model_must_be_depends_on_what_the_phrasings_found(monkeypatch, case, answer, credited, held_back):
    """The model credits an answer when its probability reaches MODEL_THRESHOLDS[case], for the case of what
    the phrasings found in it; a credited "wrong" answer is partial and its correction is not told."""
    from tutor.practice import marking

    assert marking.model_reading(answer, TRAINED)[0] == case
    threshold = marking.MODEL_THRESHOLDS[case]
    for probability, verdict in ((threshold - 0.01, held_back), (threshold, credited)):
        monkeypatch.setattr(example_model.ExampleModel, "probability", lambda self, features, p=probability: p)
        result = mark_answer(answer, TRAINED)
        assert result.verdict == verdict, (case, probability)
        if verdict == "partial" and case == "wrong":
            assert not result.contradicted


def test_model_reading_is_none_where_no_model_is_asked():
    from tutor.practice import marking

    assert marking.model_reading("listen carefully", ENTRY) is None           # no examples, no model
    assert marking.model_reading("", TRAINED) is None                          # nothing to read
    assert marking.model_reading(ENTRY.question, TRAINED) is None              # a copy of the question
