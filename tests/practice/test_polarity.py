"""What an answer says about a key point, not only which words it uses: negation's reach, misconceptions that
turn on "only", and a misconception stated at length blocking the key point whose words it borrows.

One small sheet entry written for these tests (so the rules are pinned whatever the shipped sheets say).
"""

from __future__ import annotations

import pytest

from tutor.bank.model import CriterionRef, KeyPoint, Misconception, SheetEntry
from tutor.practice.marking import mark_answer

SOURCE = {"spec_line": 1}
ENTRY = SheetEntry(
    ref=CriterionRef("q", "u", "1", "1.1"),
    text="explain how to handle a customer complaint",
    own_organisation=False,
    question="How should a complaint be handled?",
    question_not="Which of these is NOT a way to handle a complaint?",
    key_points=[
        KeyPoint("Listen carefully to the whole complaint; the list of skills here is not complete.",
                 "Listen carefully to the whole complaint", ["listen carefully", "active listening"], {}, SOURCE),
        KeyPoint("Repeat back what the customer said to check understanding.",
                 "Repeat back what the customer said", ["repeat back", "summarise what they said"], {}, SOURCE),
        KeyPoint("A complaint handled badly damages the organisation's reputation.",
                 "A badly handled complaint damages reputation", ["damages reputation", "bad reviews"], {}, SOURCE),
        KeyPoint("Check competitors' prices so offers stay attractive.",
                 "Check competitors' prices", ["competitors prices", "rival prices"], {}, SOURCE),
    ],
    misconceptions=[
        Misconception("Only managers' actions affect the organisation's reputation.",
                      "Only managers' actions affect reputation", "Everyone's service affects reputation.", SOURCE),
        Misconception("Customers who complain should be passed straight to a manager without listening to them.",
                      "Passing complainers straight to a manager without listening",
                      "Listening first often resolves it.", SOURCE),
        Misconception("Interrupting the customer saves time.", "Interrupting to save time",
                      "Interrupting makes the customer feel unheard.", SOURCE),
    ],
)

# (answer, key points made, key points contradicted, misconceptions held)
CASES = [
    # A negation reaches to the end of its comma item, not into the next instruction.
    ("listen carefully, don't interrupt, repeat back what they said", {0, 1}, set(), set()),
    ("I would listen carefully and repeat back what they said", {0, 1}, set(), set()),
    # ... but into a short list item after it.
    ("there's no need to check competitors prices, offers or deals", set(), {3}, set()),
    ("no need to check competitors prices, just listen carefully to what the customer wants", {0}, {3}, set()),
    ("check competitors prices so your offers are good", {3}, set(), set()),
    # Back to its subject; "cos" starts a new clause, so "don't read" does not cancel "doesn't damage".
    ("a bad complaint doesnt really damage reputation cos people dont read bad reviews", set(), {2}, set()),
    # "The list is not complete" in a point's sentence does not make its phrasings negative.
    ("active listening", {0}, set(), set()),
    # A misconception that turns on "only" is held only by an answer that says "only".
    ("managers actions affect reputation and so does everyone else's", set(), set(), set()),
    ("only managers actions affect reputation", set(), set(), {0}),
    # A misconception stated at length blocks the key point whose words it borrows; "without" negates only
    # what follows it.
    ("pass them straight to a manager without listening carefully to them", set(), {0}, {1}),
    ("pass them straight to a manager without listening", set(), set(), {1}),
    ("pass it to a manager if it is serious, after you listen carefully", {0}, set(), set()),
]


@pytest.mark.parametrize(("answer", "made", "contradicted", "held"), CASES)
def test_polarity(answer, made, contradicted, held):
    marking = mark_answer(answer, ENTRY)
    assert set(marking.made_indexes) == made
    assert {m.index for m in marking.contradicted} == contradicted
    assert {m.index for m in marking.misconceptions} == held
    if contradicted or held:
        assert marking.verdict == "contradicted"
