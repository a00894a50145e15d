"""The free-text marker against real shipped knowledge sheets.

Each row is an answer a Level 2 learner might type (short, informal, some typos) and exactly
which key points (indexes into the entry's ``key_points``) it makes.
"""

from __future__ import annotations

from dataclasses import replace

import random
from functools import cache
from pathlib import Path

import pytest

from tutor.bank.model import SheetEntry, load_sheet_file
from tutor.practice.marking import Marking, compile_entry, mark_answer

SHEETS = Path(__file__).resolve().parents[2] / "question_bank" / "sheets"


@cache
def _sheet(name: str) -> dict[str, SheetEntry]:
    return {e.ref.criterion: e for e in load_sheet_file(SHEETS / name)}


def entry(sheet: str, criterion: str) -> SheetEntry:
    return _sheet(sheet)[criterion]


P210 = "2794-210.yaml"     # City & Guilds 603/2394/2, Principles of customer service
YMCA = "A-506-2130.yaml"   # YMCA 601/4797/0
GQA = "H-618-0196.yaml"    # GQA 603/5637/6

# (sheet, criterion, answer, the key point indexes made)
TABLE: list[tuple[str, str, str, tuple[int, ...]]] = [
    # ---- 2794-210 1.1 what is meant by a PESTLE analysis
    (P210, "1.1", "its looking at political, economic, social, technological, legal and enviromental factors", (0,)),
    (P210, "1.1", "pestle stands for politcal economic socail technology legal and environment", (0,)),
    (P210, "1.1", "a tool organisations use to keep track of the environment they work in", (1,)),
    (P210, "1.1", "you use it when your planning a new product or service", (2,)),
    (P210, "1.1", "it looks at what influences the business and the effects", (3,)),
    (P210, "1.1", "sometimes its just called PEST", (4,)),
    (P210, "1.1", "looks at things that affect the company, eg when bringing in a new product. its also called PEST", (2, 3, 4)),
    (P210, "1.1", ("Political Economic Social Technological Legal Environmental. its a tool to track the enviroment "
                  "the business operates in, used when planning a new project, shows what influences them"), (0, 1, 2, 3)),
    # ---- 2794-210 1.2 advantages of a PESTLE analysis
    (P210, "1.2", "it makes the company look at outside factors that could affect them", (0,)),
    (P210, "1.2", "makes you look at things outside the organisation", (0,)),
    (P210, "1.2", "it shows the good and bad effects on the business", (1,)),
    (P210, "1.2", "it helps with making a buisness plan or a stratergy", (2,)),
    (P210, "1.2", "helps when planning a new product or service", (2, 3)),
    (P210, "1.2", ("makes them look at external factors, shows positive and negative effects, helps with strategy "
                  "and business planning and before launching a new product"), (0, 1, 2, 3)),
    (P210, "1.2", "external factors and positve and negitive effects", (0, 1)),
    # ---- 2794-210 2.1 what is meant by a service offer
    (P210, "2.1", "its a statement from the company about the level of service they will give", (0,)),
    (P210, "2.1", "its also called a customer charter or an SLA", (1,)),
    (P210, "2.1", "it says how customers get compensated if things go wrong", (2,)),
    (P210, "2.1", "it tells you the response times, like how quickly they will reply", (3,)),
    (P210, "2.1", "its the basis the company provides its service on", (4,)),
    (P210, "2.1", "its a contract between the customer and the provider with the priorities and guarantees", (5,)),
    (P210, "2.1", ("a service offer is a statment of the level of servise you get, also known as a custmer charter or "
                  "service level agreement. it says about compensation and timescales for replies"), (0, 1, 2, 3)),
    # ---- 2794-210 3.3 advantages of rewarding loyalty
    (P210, "3.3", "its cheaper to keep existing customers than find new ones", (0,)),
    (P210, "3.3", "it makes you stand out from other shops", (1,)),
    (P210, "3.3", "customers feel valued and apreciated", (2,)),
    (P210, "3.3", "you get information about what customers buy and there buying habits", (3,)),
    (P210, "3.3", "it gives staff a way to encourage customers to buy", (4,)),
    (P210, "3.3", ("its cheaper and easier to keep customers, customers feel special and valued, you stand out from "
                  "competitors and you learn their buying habits"), (0, 1, 2, 3)),
    (P210, "3.3", "it makes the company different from competitors and the customer feels appreciated", (1, 2)),
    (P210, "3.3", "it differentiates you from competiters", (1,)),
    # ---- 2794-210 4.5 importance of first impressions
    (P210, "4.5", "the way staff present themselves and there attitude changes how the customer sees the service", (0,)),
    (P210, "4.5", "the staff are the face of the organisation", (1,)),
    (P210, "4.5", "you dont get a second chance to make a first impression", (2,)),
    (P210, "4.5", "if staff seem uncaring the customer wont be satisfied", (3,)),
    (P210, "4.5", "customers can mirror how staff act so stay calm even when its busy", (4,)),
    (P210, "4.5", "the website and social media give first impressions too so deal with negative comments", (5,)),
    (P210, "4.5", ("your attitude and presentation matter, you only get one chance, customers mirror you, and the "
                  "website needs to be professional"), (0, 2, 4, 5)),
    # ---- YMCA A/506/2130 1.1 needs, expectations and satisfaction
    (YMCA, "1.1", "customers are satisfied when the service meets their needs and expectations", (0,)),
    (YMCA, "1.1", "if the service falls short they will be dissapointed", (1,)),
    (YMCA, "1.1", "expectations come from past experience, adverts, the price and word of mouth", (2,)),
    (YMCA, "1.1", "if you exceed expectations they come back and recomend you", (3,)),
    (YMCA, "1.1", ("if you meet their needs they are happy, if not they are let down. expectations come from "
                  "advertising and word of mouth, and going beyond makes them loyal"), (0, 1, 2, 3)),
    # ---- GQA H/618/0196 1.2 who is involved in organising service delivery
    (GQA, "1.2", "the front line staff because they deal with customers every day", (0,)),
    (GQA, "1.2", "managers and team leaders who plan the rota", (1,)),
    (GQA, "1.2", "other departments like IT and finance", (2,)),
    (GQA, "1.2", "suppliers and contractors", (3,)),
    (GQA, "1.2", "customers through feedback and surveys", (4,)),
    (GQA, "1.2", ("front line staff, supervisors, other departments such as marketing, suppliers and the customers "
                 "themselves with their feedback"), (0, 1, 2, 3, 4)),
    (GQA, "1.2", "frontline staff and the supervisers", (0, 1)),
]

# (sheet, criterion, answer, copied_question): answers that make no point at all
NOTHING: list[tuple[str, str, str, bool]] = [
    (P210, "1.1", "", False),
    (P210, "1.1", "   \n\t ", False),
    (P210, "1.1", "i dont know", False),
    (P210, "1.1", "i like pizza and football on saturdays", False),
    (P210, "1.1", "which of these describes a pestle analysis", True),
    (P210, "1.1", "State what is meant by a PESTLE analysis?", True),
    (P210, "1.1", "pestle analysis", True),
    (P210, "1.2", "which of these is an advantage of a pestle analysis", True),
    (P210, "1.2", "its cheap", False),
    (P210, "2.1", "its a discount like buy one get one free", False),
    (P210, "2.1", "a service offer", True),
    (P210, "3.3", "describe the advantages of rewarding loyalty", True),
    (P210, "4.5", "first impressions are important", True),
    (YMCA, "1.1", "the relationship between needs and expectations and customer satisfaction", True),
    (GQA, "1.2", "who should be involved in organising customer service delivery", True),
    (GQA, "1.2", "everyone", False),
]


def _made(marking: Marking) -> tuple[int, ...]:
    return tuple(m.index for m in marking.made)


@pytest.mark.parametrize(("sheet", "criterion", "answer", "expected"), TABLE)
def test_answer_makes_exactly_these_points(sheet, criterion, answer, expected):
    e = entry(sheet, criterion)
    marking = mark_answer(answer, e)
    assert _made(marking) == expected, [(m.index, m.score, m.evidence) for m in marking.made]
    assert marking.missed == tuple(i for i in range(len(e.key_points)) if i not in expected)
    assert not marking.copied_question
    for m in marking.made:
        assert 0 < m.score <= 100
        assert m.evidence and m.evidence in answer


@pytest.mark.parametrize(("sheet", "criterion", "answer", "copied"), NOTHING)
def test_answer_makes_no_point(sheet, criterion, answer, copied):
    marking = mark_answer(answer, entry(sheet, criterion))
    assert marking.made == ()
    assert marking.copied_question is copied
    assert marking.verdict in ("not_yet", "contradicted")  # contradicted: a misconception stated
    if copied or not answer.strip():
        assert marking.verdict == "not_yet"
    assert marking.share == 0.0


def test_copying_the_question_shown_scores_nothing():
    e = entry(P210, "1.2")
    shown = "So, what would you say is good about doing a PESTLE?"
    assert mark_answer("what would you say is good about doing a pestle", e, question=shown).copied_question
    assert not mark_answer("it looks at external factors", e, question=shown).copied_question


def test_misconception_scores_no_point():
    # the SWOT misconception for 1.2 shares no key content with the points
    assert mark_answer("it looks at staff strengths and weaknesses", entry(P210, "1.2")).made == ()


@pytest.mark.parametrize(("answer", "verdict"), [
    ("external factors, good and bad effects, business plan, new products", "secure"),     # 4 of 4
    ("external factors, positive and negative effects and strategy", "secure"),           # 3 of 4
    ("it makes them look at outside factors and helps with strategy", "secure"),          # 2: the advantages asked for
    ("strategy", "partial"),                                                               # 1 of the 2 asked for
    ("it looks at how the pestle analysis works", "not_yet"),                              # on topic, no point
    ("my dog is called biscuit", "not_yet"),
    ("", "not_yet"),
    ("it looks at things inside the company not outside", "contradicted"),                 # a point denied
    ("it looks at the strengths and weaknesses of the staff", "contradicted"),             # a misconception
])
def test_verdicts(answer, verdict):
    """The scale as the phrasings give it (the entry's marked examples set aside: see the next test)."""
    assert mark_answer(answer, replace(entry(P210, "1.2"), examples=[])).verdict == verdict


def test_the_shipped_entry_holds_back_a_one_word_answer_its_examples_would_not_credit():
    """With its marked examples, 1.2 learns that a bare "strategy" is not yet an answer; a sentence making the
    same point is secure, and a denial stays contradicted."""
    shipped = entry(P210, "1.2")
    assert shipped.examples
    assert mark_answer("strategy", shipped).verdict == "not_yet"
    assert mark_answer("it helps them plan their strategy around whats going on outside", shipped).verdict == "secure"
    assert mark_answer("it looks at things inside the company not outside", shipped).verdict == "contradicted"


def test_share():
    marking = mark_answer("external factors and strategy", entry(P210, "1.2"))
    assert marking.share == pytest.approx(2 / 4)


def test_stop_words_alone_never_match():
    for e in _sheet(P210).values():
        assert mark_answer("it is what it does and what they are, how and why, of the and to", e).made == ()


def test_compiled_once_per_entry():
    e = entry(P210, "2.1")
    assert compile_entry(e) is compile_entry(e)


def test_marking_is_deterministic():
    for sheet, criterion, answer, _ in TABLE:
        e = entry(sheet, criterion)
        assert mark_answer(answer, e) == mark_answer(answer, e)


UNRELATED = "honestly i was on my lunch break and the weather was nice yesterday in town with my mate".split()  # noqa: SIM905


@pytest.mark.parametrize("seed", range(5))
def test_adding_unrelated_words_never_removes_a_made_point(seed):
    rng = random.Random(seed)
    for sheet, criterion, answer, expected in TABLE:
        e = entry(sheet, criterion)
        before = rng.sample(UNRELATED, rng.randint(0, 6))
        after = rng.sample(UNRELATED, rng.randint(0, 6))
        padded = " ".join([*before, answer, *after])
        assert set(expected) <= set(_made(mark_answer(padded, e))), padded
