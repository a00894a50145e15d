"""Practice evidence is stored as it happens, against exact criterion and item versions; marks schedule review."""

from __future__ import annotations

import json

from sqlmodel import Session

from tests.conftest import copy_database
from tests.practice.test_engine import make
from tutor.clock import FakeClock
from tutor.services.practice import PracticeService
from tutor.storage import tables as t
from tutor.storage.engine import open_database

FULL_1_1 = ("PESTLE means political, economic, social, technological, legal and environmental. "
            "Organisations use it to track the environment they work in and the outside influences on them, "
            "for example when planning a new product or service.")


def test_a_conversation_is_stored_turn_by_turn_with_versions(bank_url, tmp_path):
    clock = FakeClock()
    db = PracticeService(open_database(copy_database(bank_url, tmp_path / "p.db")), clock.now)
    engine = make(clock=clock)
    engine.start()
    stored = []
    for text in (FULL_1_1, "A", "/hint", "no idea"):
        clock.advance(seconds=20)
        turn = engine.respond(text)
        stored.append(db.record("learner-1", turn.exchange))
    rows = db.exchanges("learner-1")
    assert [r.id for r in rows] == stored
    first, choice = rows[0], rows[1]
    assert (first.unit_key, first.criterion_number, first.turn, first.mode) == ("2794-210", "1.1", "answer", "practice")
    assert first.verdict in ("secure", "partial") and json.loads(first.matched)
    assert first.seconds == 20 and first.answer == FULL_1_1
    with Session(db.engine) as session:
        criterion = session.get(t.Criterion, first.criterion_id)
        item = session.get(t.BankItem, choice.bank_item_id)
    assert criterion.text == "state what is meant by a PESTLE analysis"
    assert item.use == "practice" and choice.turn == "choice"
    assert rows[2].hints_used == 1


def test_weak_criteria_come_back_first(bank_url, tmp_path):
    clock = FakeClock()
    db = PracticeService(open_database(copy_database(bank_url, tmp_path / "p.db")), clock.now)
    engine = make(clock=clock)
    engine.start()
    db.record("learner-2", engine.respond(FULL_1_1).exchange)  # 1.1 answered well
    engine.respond("A")
    db.record("learner-2", engine.respond("dunno really").exchange)  # 1.2 answered badly
    clock.advance(days=1)
    due = db.due("learner-2", "603/2394/2", "2794-210")
    assert due[0] == "1.2"
    assert "1.1" not in due[:1]
    clock.advance(days=-1, minutes=1)
    assert "1.1" not in db.due("learner-2", "603/2394/2", "2794-210")


def test_review_cards_are_per_learner(bank_url, tmp_path):
    clock = FakeClock()
    db = PracticeService(open_database(copy_database(bank_url, tmp_path / "p.db")), clock.now)
    engine = make(clock=clock)
    engine.start()
    db.record("learner-3", engine.respond("no idea at all").exchange)
    clock.advance(days=2)
    assert db.due("learner-3", "603/2394/2", "2794-210") == ["1.1"]
    assert db.due("someone-else", "603/2394/2", "2794-210") == []


def test_an_engine_for_a_unit_serves_only_its_practice_items():
    from tests.practice.test_engine import AUDIT, RENDERER
    from tutor.services.practice import practice_engine

    engine = practice_engine(AUDIT, "603/2394/2", "2794-210", ["2.1"], RENDERER, FakeClock().now)
    assert [c.criterion for c in engine.order][:2] == ["2.1", "1.1"]
    assert len(engine.order) == 23
    served = [i for items in engine.items.values() for i in items]
    assert served and all(i.use == "practice" for i in served)


def test_a_learner_continues_where_they_left_off(bank_url, tmp_path):
    from tests.practice.test_engine import AUDIT, RENDERER
    from tutor.services.practice import practice_engine

    clock = FakeClock()
    db = PracticeService(open_database(copy_database(bank_url, tmp_path / "p.db")), clock.now)
    assert db.last_unit("learner-4") is None
    engine = make(clock=clock)
    engine.start()
    db.record("learner-4", engine.respond(FULL_1_1).exchange)
    db.record("learner-4", engine.respond("A").exchange)
    assert db.last_unit("learner-4") == ("603/2394/2", "2794-210")
    assert db.practised("learner-4", "603/2394/2", "2794-210") == {"1.1"}
    again = practice_engine(AUDIT, "603/2394/2", "2794-210", [], RENDERER, clock.now,
                            practised=db.practised("learner-4", "603/2394/2", "2794-210"))
    order = [c.criterion for c in again.order]
    assert order[0] == "1.2" and order[-1] == "1.1"


def test_a_unit_shared_by_qualifications_is_marked_in_each_with_its_sheet():
    """Pearson Level 1 contains T/503/0342, whose sheet is written in Level 2's wording: the Level 1 learner
    is marked against it, with its items, and the exchange names their own qualification."""
    from tests.practice.test_engine import AUDIT, RENDERER
    from tutor.services.practice import practice_engine

    engine = practice_engine(AUDIT, "600/1225/0", "T/503/0342", [], RENDERER, FakeClock().now)
    knowledge = [c for c in engine.order if c.kind == "knowledge"]
    assert knowledge and all(c.criterion in engine.sheets for c in knowledge)
    assert {e.ref.qualification for e in engine.sheets.values()} == {"600/1635/8"}
    assert all(engine.items.get(c.criterion) for c in knowledge)
    engine.start()
    while engine.current.kind != "knowledge" or engine.sheets[engine.current.criterion].own_organisation:
        engine.respond("/skip")
    sheet = engine.sheets[engine.current.criterion]
    turn = engine.respond(f"{sheet.key_points[0].point} {sheet.key_points[1].point}")
    assert turn.exchange.qualification == "600/1225/0"
    assert turn.exchange.verdict in ("secure", "partial") and turn.exchange.matched
