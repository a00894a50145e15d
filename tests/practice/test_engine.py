"""The chat-practice dialogue engine and spaced review, against real shipped data (603/2394/2)."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tutor.bank.audit import audit_bank
from tutor.bank.catalogue_index import load_bundled_index
from tutor.bank.model import LETTERS
from tutor.practice.engine import item_layout
from tutor.clock import FakeClock
from tutor.practice.engine import (
    EngineFinished,
    Exchange,
    PracticeEngine,
    SecureItemError,
)
from tutor.practice.review import (
    cards_from_dict,
    cards_to_dict,
    due_criteria,
    rating_for,
    review,
)
from tutor.rendering import TextRenderer

ROOT = Path(__file__).resolve().parents[2]
QUAL = "603/2394/2"

INDEX = load_bundled_index(ROOT / "question_bank")
AUDIT = audit_bank(ROOT / "question_bank", ROOT / "templates", INDEX)
RENDERER = TextRenderer(ROOT / "templates")


def unit_data(unit: str):
    scope = INDEX.scope(QUAL)
    criteria = [c for c in scope.criteria.values() if c.unit == unit]
    sheets = {e.ref.criterion: e for e in AUDIT.bank.sheets if e.ref.unit == unit}
    items = [i for i in AUDIT.generated if i.ref.unit == unit and i.use == "practice"]
    prompts = {p.criterion.criterion: p for p in AUDIT.prompts
               if p.criterion.unit == unit and p.criterion.qualification == QUAL}
    return criteria, sheets, items, prompts


def make(unit: str = "2794-210", due=(), clock: FakeClock | None = None, items=None, **kw) -> PracticeEngine:
    criteria, sheets, gen_items, prompts = unit_data(unit)
    clock = clock or FakeClock()
    return PracticeEngine(criteria, sheets, gen_items if items is None else items, prompts, set(due), RENDERER,
                          seed=7, clock=clock.now, **kw)


def question_of(turn) -> str:
    return [m for m in turn.messages if m.kind in ("question", "competence")][-1].criterion.criterion


# -- order ---------------------------------------------------------------------------------

def test_due_criteria_come_first_then_catalogue_order():
    engine = make(due={"3.2", "1.4"})
    catalogue = [c.criterion for c in INDEX.scope(QUAL).criteria.values() if c.unit == "2794-210"]
    assert [c.criterion for c in engine.order] == ["1.4", "3.2"] + [c for c in catalogue if c not in ("1.4", "3.2")]
    turn = engine.start()
    assert question_of(turn) == "1.4" and "due for review" in turn.messages[0].text
    assert turn.exchange is None
    turn = engine.respond("/skip")
    assert question_of(turn) == "3.2"
    assert question_of(engine.respond("/skip")) == "1.1"


def test_no_due_starts_with_first_criterion_and_question_is_the_open_prompt():
    engine = make()
    turn = engine.start()
    criteria, _, _, prompts = unit_data("2794-210")
    assert question_of(turn) == criteria[0].criterion
    assert prompts["1.1"].text in turn.messages[0].text


# -- the knowledge flow --------------------------------------------------------------------

def test_an_on_topic_answer_with_no_point_gets_one_probe_then_feedback_model_answer_and_mcq():
    clock = FakeClock()
    engine = make(clock=clock)
    engine.start()
    sheet = unit_data("2794-210")[1]["1.1"]
    clock.advance(seconds=12)
    turn = engine.respond("it looks at political stuff")
    assert turn.exchange.verdict == "not_yet" and turn.exchange.turn == "answer"
    assert turn.exchange.seconds == 12
    assert [m.kind for m in turn.messages] == ["probe"]
    probe = turn.messages[0].text
    assert probe.startswith("Can you say more about")
    for point in sheet.key_points:  # the probe gives nothing away
        assert point.short.lower() not in probe.lower()
        for phrase in point.accept:
            assert not re.search(rf"\b{re.escape(phrase.lower())}\b", probe.lower())
    # A second thin answer is not probed again: feedback follows.
    turn = engine.respond("it is about things")
    assert turn.exchange.turn == "probe_answer"
    kinds = [m.kind for m in turn.messages]
    assert kinds == ["feedback", "model_answer", "mcq"]
    assert "probe" not in kinds
    model = turn.messages[1].text
    assert all(p.point in model for p in sheet.key_points)
    mcq = turn.messages[2]
    assert mcq.item_id and mcq.item_version
    item = next(i for i in engine.items["1.1"] if i.id == mcq.item_id)
    layout = item_layout(item)
    assert item.stem in mcq.text and all(f"{label}. {text}" in mcq.text for label, text in layout.options
                                        if item.kind != "true_false")


def wrong_answer(item) -> str:
    """An answer of the right shape that is wrong."""
    layout = item_layout(item)
    if item.kind in ("matching", "ordering"):
        return layout.key[1:] + layout.key[0]
    return next(label for label, _ in layout.options if label != layout.key)


def test_feedback_names_points_made_and_missed():
    engine = make()
    engine.start()
    sheet = unit_data("2794-210")[1]["1.1"]
    turn = engine.respond("It looks at political economic social technological legal and environmental factors, "
                          "and it is a tool to track the environment when planning a new product. Some call it PEST.")
    assert turn.exchange.verdict in ("secure", "partial")
    made = turn.exchange.matched
    assert 0 in made and len(made) >= 3
    feedback = turn.messages[0].text
    assert "Points you made" in feedback
    for i in made:
        assert sheet.key_points[i].short in feedback
    missed = [i for i in range(len(sheet.key_points)) if i not in made]
    if missed:
        assert "Points to add" in feedback
        assert all(sheet.key_points[i].short in feedback for i in missed)


def test_mcq_right_and_wrong_with_rationale_then_next_criterion():
    for correct in (True, False):
        engine = make()
        engine.start()
        turn = engine.respond("x")  # "none": straight to feedback
        mcq = turn.messages[-1]
        item = next(i for i in engine.items["1.1"] if i.id == mcq.item_id)
        assert item.use == "practice"
        letter = item_layout(item).key if correct else wrong_answer(item)
        turn = engine.respond(letter.lower())
        result = turn.messages[0]
        assert result.kind == "mcq_result"
        assert result.text.startswith("Right" if correct else "Not quite")
        assert item.rationale in result.text
        ex = turn.exchange
        assert (ex.item_id, ex.item_version, ex.answer, ex.prompt) == (item.id, item.version, letter, "")
        assert ex.verdict == ("right" if correct else "wrong")
        assert question_of(turn) == "1.2"


def test_wrong_answer_feedback_names_the_key_once_and_never_ends_in_two_full_stops():
    """Over every served A-D practice item: the key's words open the feedback once (a statement item's
    rationale opens with them, so the first line does not repeat them) and a key ending in its own full stop
    does not get a second."""
    checked = 0
    for item in AUDIT.generated:
        layout = item_layout(item)
        if item.use != "practice" or layout.kind in ("true_false", "matching", "ordering"):
            continue
        text = RENDERER.render("practice/mcq_result.j2", item=item, right=False, layout=layout)
        key_text = item.options[item.key].rstrip(".")
        first, second = text.splitlines()[:2]
        assert not first.endswith(".."), (item.id, text)
        assert first.startswith(f"Not quite: the answer is {item.key}."), (item.id, text)
        assert second == item.rationale, (item.id, text)
        assert (key_text in first) != item.rationale.startswith(key_text), (item.id, text)  # said exactly once
        checked += 1
    assert checked > 1000


def test_a_true_false_answer_is_told_in_its_own_words_not_by_a_letter():
    """A learner answers a true/false item "True" or "False"; the feedback says it back in those words, never as
    the option letter they did not type."""
    checked = 0
    for item in AUDIT.generated:
        layout = item_layout(item)
        if item.use != "practice" or layout.kind != "true_false":
            continue
        word = item.options[item.key].lower().rstrip(".")
        right = RENDERER.render("practice/mcq_result.j2", item=item, right=True, layout=layout).splitlines()[0]
        assert right == f"Right: it is {word}.", (item.id, right)
        wrong = RENDERER.render("practice/mcq_result.j2", item=item, right=False, layout=layout).splitlines()[0]
        assert wrong == f"Not quite: the answer is {item.options[item.key]}.", (item.id, wrong)
        checked += 1
    assert checked > 100


def test_mcq_wants_a_letter():
    engine = make()
    engine.start()
    engine.respond("x")
    turn = engine.respond("maybe the second one")
    assert [m.kind for m in turn.messages] == ["choose_letter"]
    assert turn.exchange.verdict is None and turn.exchange.item_id
    assert engine.current.criterion == "1.1"


# -- secure items --------------------------------------------------------------------------

def test_secure_item_is_refused():
    secure = [i for i in AUDIT.bank.items if i.use == "secure" and i.ref.unit == "2794-210"]
    assert secure
    _, _, items, _ = unit_data("2794-210")
    with pytest.raises(SecureItemError):
        make(items=items + [secure[0]])
    with pytest.raises(SecureItemError):
        make(items=[replace(items[0], use="secure")])


def test_no_secure_item_is_ever_served():
    secure_ids = {i.id for i in AUDIT.bank.items if i.use == "secure"}
    engine = make()
    served = [m.item_id for m in engine.start().messages if m.item_id]
    while not engine.finished:
        turn = engine.respond(item_layout(engine._state.item).key if engine._state.stage == "mcq" else "x")
        served += [m.item_id for m in turn.messages if m.item_id]
    assert served and not set(served) & secure_ids


# -- commands ------------------------------------------------------------------------------

def test_hint_reveals_one_new_point_each_time_and_is_recorded():
    engine = make()
    engine.start()
    sheet = unit_data("2794-210")[1]["1.1"]
    shorts = [p.short.rstrip(".") for p in sheet.key_points]
    revealed = []
    for n in range(1, len(shorts) + 1):
        turn = engine.respond("/hint")
        assert turn.messages[0].kind == "hint"
        revealed.append(next(s for s in shorts if s in turn.messages[0].text))
        assert turn.exchange.hints_used == n and turn.exchange.answer == "/hint"
    assert sorted(revealed) == sorted(shorts)
    assert engine.respond("/hint").messages[0].kind == "no_hint"
    turn = engine.respond("x")
    assert turn.exchange.hints_used == len(shorts)
    # Hints are counted per criterion: the next one starts at zero.
    engine.respond("/skip")
    turn = engine.respond("/hint")
    assert engine.current.criterion == "1.2" and turn.exchange.hints_used == 1


def test_skip_repeat_progress_why_quit_and_unknown():
    engine = make(due={"2.1"})
    first = engine.start()
    turn = engine.respond("/repeat")
    assert turn.messages == first.messages
    turn = engine.respond("/progress")
    assert "Criterion 1 of 23" in turn.messages[0].text and "2.1" in turn.messages[0].text
    turn = engine.respond("/why")
    why = turn.messages[0].text
    assert "describe what is meant by a service offer" in why and "specification line" in why
    turn = engine.respond("/frobnicate")
    assert [m.kind for m in turn.messages] == ["help"] and len(turn.messages[0].text.splitlines()) == 1
    turn = engine.respond("/skip")
    assert turn.exchange.verdict == "skipped" and turn.exchange.criterion == "2.1"
    assert [m.kind for m in turn.messages] == ["skipped", "question"]
    assert "Skipped: 1" in engine.respond("/progress").messages[0].text
    turn = engine.respond("/quit")
    assert turn.messages[0].kind == "end" and engine.finished
    with pytest.raises(EngineFinished):
        engine.respond("hello")


def test_exchange_recorded_for_every_learner_turn():
    clock = FakeClock()
    engine = make(clock=clock)
    engine.start()
    inputs = ["/hint", "it looks at political stuff", "/repeat", "more stuff", "/progress", "B", "", "/why",
              "/nope", "/skip", "/quit"]
    returned = []
    for text in inputs:
        clock.advance(seconds=3)
        returned.append(engine.respond(text).exchange)
    assert len(engine.exchanges) == len(inputs) and engine.exchanges == returned
    for ex, text in zip(engine.exchanges, inputs, strict=True):
        assert isinstance(ex, Exchange) and ex.mode == "practice" and ex.answer == text.strip()
        assert (ex.qualification, ex.unit) == (QUAL, "2794-210")
        assert ex.seconds == 3
        assert ex.prompt or ex.item_id


# -- own organisation, no sheet, competence ------------------------------------------------

def test_own_organisation_answer_is_recorded_for_the_tutor_without_mark_or_mcq():
    engine = make("2794-201")
    turn = engine.start()
    assert question_of(turn) == "1.1" and "own organisation" in turn.messages[0].text
    turn = engine.respond("I answer calls and sort out refunds for customers")
    assert turn.exchange.verdict == "for_tutor" and turn.exchange.matched == ()
    kinds = [m.kind for m in turn.messages]
    assert kinds == ["recorded", "question"] and "tutor to judge" in turn.messages[0].text
    assert "mcq" not in kinds and "feedback" not in kinds
    # ... and shows what a good answer covers: the points an assessor looks for, from the sheet.
    sheet = engine.sheets["1.1"]
    assert "A good answer usually covers" in turn.messages[0].text
    assert all(p.point in turn.messages[0].text for p in sheet.key_points)


def test_knowledge_criterion_without_sheet_is_recorded_for_the_tutor():
    criteria, sheets, items, prompts = unit_data("2794-210")
    engine = PracticeEngine(criteria, {k: v for k, v in sheets.items() if k != "1.1"}, items, prompts, set(),
                            RENDERER, clock=FakeClock().now)
    engine.start()
    turn = engine.respond("it looks at factors outside")
    assert turn.exchange.verdict == "for_tutor" and "A good answer" not in turn.messages[0].text
    assert [m.kind for m in turn.messages] == ["recorded", "question"]
    assert engine.respond("/hint").messages[0].kind == "hint"  # 1.2 has a sheet


def test_competence_criteria_need_workplace_evidence_and_are_never_marked():
    engine = make("2794-204", due={"3.1", "3.2", "3.3"})
    turn = engine.start()
    msg = turn.messages[0]
    assert msg.kind == "competence" and msg.criterion.criterion == "3.1" and msg.criterion.kind == "competence"
    for word in ("workplace evidence", "observation", "witness testimony", "products of your work", "note"):
        assert word in msg.text
    turn = engine.respond("My team leader watched me handle a complaint last week")
    assert turn.exchange.verdict == "note" and turn.exchange.turn == "note"
    assert turn.messages[0].kind == "note_recorded" and "not marked as met" in turn.messages[0].text
    assert question_of(turn) == "3.2"
    assert engine.respond("/hint").messages[0].kind == "no_hint"
    turn = engine.respond("/skip")
    assert turn.exchange.verdict == "skipped" and question_of(turn) == "3.3"
    verdicts = {e.verdict for e in engine.exchanges}
    assert not verdicts & {"secure", "partial", "right", "met"}


# -- review --------------------------------------------------------------------------------

def test_none_is_due_sooner_than_secure_and_cards_round_trip():
    now = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
    cards = {}
    review(cards, "1.1", "none", now)
    review(cards, "1.2", "secure", now)
    assert cards["1.1"].due < cards["1.2"].due
    assert review(cards, "1.3", "for_tutor", now) is None and "1.3" not in cards
    assert rating_for("partial").name == "Hard" and rating_for("thin").name == "Again"
    assert rating_for("secure").name == "Good" and rating_for("secure", easy=True).name == "Easy"
    restored = cards_from_dict(cards_to_dict(cards))
    assert {k: c.due for k, c in restored.items()} == {k: c.due for k, c in cards.items()}
    later = cards["1.1"].due
    assert due_criteria(restored, later) == ["1.1"]
    assert due_criteria(restored, now + timedelta(days=400)) == ["1.1", "1.2"]
    # The due list feeds the engine: due criteria are asked first.
    engine = make(due=due_criteria(restored, later))
    assert question_of(engine.start()) == "1.1" and engine.due == ["1.1"]
