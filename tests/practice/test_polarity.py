"""What an answer says about a key point, not only which words it uses: negation's reach, misconceptions that
turn on "only", and a misconception stated at length blocking the key point whose words it borrows.

One small sheet entry written for these tests (so the rules are pinned whatever the shipped sheets say).
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from tutor.bank.model import CriterionRef, KeyPoint, MarkedExample, Misconception, SheetEntry
from tutor.practice.marking import example_vote, mark_answer

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
    # "Rarely" and "seldom" deny as "hardly" does.
    ("a badly handled complaint rarely damages reputation", set(), {2}, set()),
    ("you should seldom check competitors prices", set(), {3}, set()),
    # ... but into a short list item after it.
    ("there's no need to check competitors prices, offers or deals", set(), {3}, set()),
    ("no need to check competitors prices, just listen carefully to what the customer wants", {0}, {3}, set()),
    ("check competitors prices so your offers are good", {3}, set(), set()),
    # ... and into a list's last item, however worded, when "or"/"and" ends the list.
    ("there's no need to look at adverts, offers or the competitors prices", set(), {3}, set()),
    # A second predicate's own "not" starts its own reach: it does not cancel the first's ...
    ("a badly handled complaint you can't fix doesn't damage reputation", set(), {2}, set()),
    # ... but a "not" inside what is said or thought is cancelled by the negation of the saying.
    ("never say a badly handled complaint doesn't damage reputation", {2}, set(), set()),
    # ", or ..." after a negation is what follows from it, not a list item it negates.
    ("don't ignore complaints, or bad reviews follow", {2}, set(), set()),
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


# Marked examples: answers a tutor (or a labelled data set) already judged. An answer close to them is marked
# as they were; an answer unlike all of them is left to the phrasings.
EXAMPLES = [
    MarkedExample("let them finish talking then say back to them what the problem is", "credited"),
    MarkedExample("let them finish talking and then tell them what the problem is", "credited"),
    MarkedExample("there is no point letting them finish talking, tell them the policy", "contradicted"),
    MarkedExample("check competitors prices and ignore the moaners", "contradicted"),
    MarkedExample("give them a voucher", "not_credited"),
]
WITH_EXAMPLES = replace(ENTRY, examples=EXAMPLES)


@pytest.mark.parametrize(("answer", "precedent", "verdict"), [
    # No phrasing matches, but the answer is a near copy of credited examples: lifted to partial.
    ("let them finish talking, then say back what the problem is", "credited", "partial"),
    # The phrasings credit it (competitors prices); a close contradicted example overrules them.
    ("check competitors prices and ignore moaners", "contradicted", "contradicted"),
    # A close uncredited example overrules nothing that was not credited.
    ("give them a voucher", "not_credited", "not_yet"),
    # Unlike every example: the phrasings decide.
    ("listen carefully and repeat back what they said", None, "secure"),
    ("", None, "not_yet"),
])
def test_marked_examples_decide_close_answers(answer, precedent, verdict):
    result = mark_answer(answer, WITH_EXAMPLES)
    assert (result.precedent, result.verdict) == (precedent, verdict)


def test_example_vote_leaves_one_out_and_respects_its_threshold():
    near = "let them finish talking then say back to them what the problem is"
    assert example_vote(near, WITH_EXAMPLES) == "credited"
    assert example_vote(near, WITH_EXAMPLES, neighbours=1, min_similarity=1.01) is None
    # Without examples 0 and 1 the nearest left is the contradicted one (or none close enough).
    assert example_vote(near, replace(ENTRY, examples=EXAMPLES[2:])) in (None, "contradicted")
    assert example_vote("give them a voucher", WITH_EXAMPLES, exclude=4) is None
    assert example_vote(near, ENTRY) is None


# Acronyms that are stop-words in lower case ("ID" is not "I'd", "IT" is not "it").
ID_ENTRY = replace(ENTRY, key_points=[
    KeyPoint("Check the customer's identity before discussing the account.", "Check their identity",
             ["ID check", "security questions"], {}, SOURCE),
    KeyPoint("Log the call on the IT system.", "Log it on the IT system", ["IT system"], {}, SOURCE),
], misconceptions=[])


@pytest.mark.parametrize(("answer", "made"), [
    ("do an ID check first", {0}),
    ("put it on the IT system", {1}),
    ("i'd check it", set()),           # "I'd" is not "ID"
    ("it is a system thing", set()),   # "it" is not "IT"
    ("DO AN ID CHECK AND PUT IT ON THE IT SYSTEM", set()),  # all capitals: no word is taken for an acronym
])
def test_acronyms_written_in_capitals_are_words(answer, made):
    assert set(mark_answer(answer, ID_ENTRY).made_indexes) == made
