"""The secure-pool audit: each deliberately broken item is caught by its own check with its own message,
and the strategy figures are exact expected scores."""

from __future__ import annotations

import pytest

from tutor.bank.model import item_from_dict
from tutor.bank.secure_audit import (
    CRITERION_STRATEGY_LIMIT,
    STRATEGIES,
    audit_secure_pool,
    content_words,
    giveaway_pairs,
    same_content,
    strategy_score,
)


def item(item_id: str, stem: str, options: list[str], key: str = "A", criterion: str = "1.1", use: str = "secure",
         enemies: list[str] | None = None, kind: str = "single_best"):
    raw = {"id": item_id, "outcome": criterion.split(".")[0], "criterion": criterion, "use": use, "kind": kind,
           "status": "approved", "difficulty": 2, "stem": stem, "options": dict(zip("ABCD", options, strict=True)),
           "key": key, "rationale": "r", "source": {"spec_line": 1}, "provenance": {"kind": "authored"}}
    if enemies:
        raw["enemies"] = enemies
    return item_from_dict(raw, "603/2394/2", "2794-210")


# A clean item in one register: four plain options of like length, the key third-longest.
CLEAN = item("clean", "A hotel notes that more guests now book rooms on their phones. Under which heading does this belong?",
             ["Technological", "Economic", "Political", "Environmental"], key="A")

PRACTICE = [item("gen-3.4-1", "Which of these is a disadvantage of rewarding loyalty?",
                 ["Customers can feel overwhelmed by how many schemes there are", "The organisation learns buying habits",
                  "Customers feel appreciated", "The organisation stands out"], use="practice", criterion="3.4")]

BROKEN = [
    ("length_cue", "length cue: the key (",
     item("long-key", "What does a customer charter set out?",
          ["The level of service customers are promised and what happens if it is not met", "A list of prices",
           "The staff rota", "A sales target"])),
    ("absolute_distractors", "register cue: 3 distractors carry absolute or legal-duty words and the key none",
     item("absolutes", "Why does a gym keep its service offer up to date?",
          ["Members know what service to expect", "Members are always given a refund on request",
           "Staff never have to deal with complaints", "Every member pays the same monthly price"])),
    ("hedged_key", "register cue: the key is the only option with hedged wording",
     item("hedge", "What is a possible result of a supermarket's long-running points scheme?",
          ["Rewards may be reduced as costs rise", "Customers pay more for each product",
           "Staff spend less time at the tills", "Shoppers visit rival stores instead"])),
    ("exposure", "option A (key) is served in practice by gen-3.4-1",
     item("twin", "A pharmacy chain has run a loyalty card for years. What problem is it facing?",
          ["Customers feel overwhelmed by the number of loyalty schemes", "Staff get to know the regular customers well",
           "It holds more data on what its customers buy", "It stands apart from the rival chemists nearby"],
          criterion="3.4")),
    ("stem_echo", "word-match cue: the key shares",
     item("echo", "A bakery checks the prices and deals of the rival bakery each week. What is it doing?",
          ["Checking the rival bakery's prices and deals", "Forming a relationship with customers",
           "Promoting its unique selling point", "Listening to what customers want"])),
]


@pytest.mark.parametrize(("check", "message", "broken"), BROKEN, ids=[b[0] for b in BROKEN])
def test_each_broken_item_is_caught_by_its_own_check(check, message, broken):
    audit = audit_secure_pool("T", [CLEAN, broken], PRACTICE)
    found = [f for f in audit.cues + audit.exposed + audit.giveaways if f.item == broken.id]
    assert [f.check for f in found] == [check], [str(f) for f in found]
    assert message in found[0].message
    failure = "secure option(s) served in practice" if check == "exposure" else "item cue(s)"
    assert not audit.passed and any(f"1 {failure} (limit 0)" in line for line in audit.failures), audit.failures


def test_the_clean_item_passes_every_item_check():
    audit = audit_secure_pool("T", [CLEAN], PRACTICE)
    assert (audit.cues, audit.exposed, audit.giveaways) == ([], [], [])


GIVER = item("giver", "A removals firm answers calls around the clock, every day of the year, which no rival does. "
             "Staff call this its unique service offer. What would its customers say it offers them?",
             ["Help at any hour of the day or night", "Lower prices than other firms", "A bigger fleet of vans",
              "Staff who wear a uniform"], criterion="4.1")
RECEIVER = item("receiver", "Which of these is an example of a unique service offer?",
                ["A removals firm that answers calls around the clock", "A discount for booking early",
                 "A price list on the website", "A van with the company logo"], criterion="4.2")


def test_an_undeclared_give_away_pair_is_listed_and_a_declared_one_is_not():
    audit = audit_secure_pool("T", [GIVER, RECEIVER], [])
    assert [(f.check, f.item, f.other) for f in audit.giveaways] == [("giveaway", "receiver", "giver")]
    assert "give-away pair: giver's stem or key holds" in audit.giveaways[0].message
    declared = item("receiver", RECEIVER.stem, list(RECEIVER.options.values()), criterion="4.2", enemies=["giver"])
    audit = audit_secure_pool("T", [GIVER, declared], [])
    assert audit.giveaways == [] and audit.detected_declared == 1 and audit.declared == 1


def test_a_stem_mentioning_the_topic_is_not_a_give_away_when_it_holds_the_distractors_too():
    neutral = item("neutral", "A removals firm advertises its prices, its vans and its early-booking discount. "
                   "Which of these is a unique service offer?", list(RECEIVER.options.values()), criterion="4.3")
    assert ("neutral", "receiver") not in {(g, r) for g, r, _ in giveaway_pairs([neutral, RECEIVER])}


@pytest.mark.parametrize(("a", "b", "same"), [
    ("Customers can feel overwhelmed by how many schemes there are",
     "Customers may feel overwhelmed by the number of schemes", True),  # a rewording
    ("Listening to customers and meeting their needs",
     "It means the organisation no longer needs to listen to its customers", False),  # the opposite, longer
    ("Social", "Social", False),  # a one-word term is vocabulary, not an item
    ("It makes the organisation look at the external factors that affect it",
     "It makes the organisation look at outside factors affecting it", True),  # one word swapped in five
])
def test_options_are_compared_by_content_words(a, b, same):
    assert same_content(set(content_words(a)), set(content_words(b))) is same


def test_strategy_scores_are_exact_expected_scores():
    # Key longest and unique in the first item, a three-way tie for longest including the key in the second.
    first = item("one", "Stem one?", ["The longest option of all four", "Short", "Shorter", "Tiny"], key="A")
    second = item("two", "Stem two?", ["abcde", "fghij", "klmno", "pq"], key="B")
    _, longest = STRATEGIES["longest"]
    _, avoid = STRATEGIES["avoid_longest"]
    assert strategy_score([first, second], longest) == pytest.approx((1 + 1 / 3) / 2)
    assert strategy_score([first, second], avoid) == pytest.approx((0 + 0) / 2)  # "pq" is all that is left in two
    _, shortest = STRATEGIES["shortest"]
    assert strategy_score([first, second], shortest) == pytest.approx(0.0)


def test_a_criterion_whose_items_a_strategy_beats_fails_the_audit():
    hedged = [item(f"h{n}", f"Stem {n}?", ["It may help staff", "It cuts prices", "It ends fees", "It sets rotas"])
              for n in range(4)]
    audit = audit_secure_pool("T", hedged, [])
    assert audit.per_criterion["1.1"][list(STRATEGIES).index("prefer_hedged")].score == 1.0
    assert any(f"criterion 1.1: strategy 'prefer options with hedged wording' scores 100.0% (limit "
               f"{CRITERION_STRATEGY_LIMIT:.0%})" in line for line in audit.failures)
