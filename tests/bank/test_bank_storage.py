"""Items are stored by id and version: unchanged items keep their row, edits add a version."""

from __future__ import annotations

import json

from sqlmodel import Session, select

from tests.bank.conftest import VALID_ITEM
from tutor.bank.model import item_from_dict
from tutor.clock import FakeClock
from tutor.services.bank import load_items
from tutor.storage import tables as t
from tutor.storage.engine import open_database


def _item(**changes):
    return item_from_dict({**VALID_ITEM, **changes}, "603/2394/2", "2794-210")


def _rows(engine):
    with Session(engine) as session:
        return [(r.item_id, r.version, r.is_current) for r in session.exec(select(t.BankItem).order_by(t.BankItem.id))]


def test_versions_are_kept_and_responses_can_point_at_them(tmp_path):
    engine = open_database(f"sqlite:///{tmp_path / 'bank.db'}")
    clock = FakeClock()
    first = load_items(engine, [_item()], clock.now)
    again = load_items(engine, [_item()], clock.now)
    edited = load_items(engine, [_item(stem="A reworded question about PESTLE?")], clock.now)
    assert (first.added, again.unchanged, edited.new_versions) == (1, 1, 1)
    rows = _rows(engine)
    assert [(r[0], r[2]) for r in rows] == [("T-1", False), ("T-1", True)]
    assert rows[0][1] != rows[1][1]
    with Session(engine) as session:
        old = session.exec(select(t.BankItem).where(t.BankItem.version == rows[0][1])).one()
    assert json.loads(old.body)["stem"] == VALID_ITEM["stem"]


def test_an_item_leaving_the_bank_is_withdrawn_not_deleted_and_can_return(tmp_path):
    engine = open_database(f"sqlite:///{tmp_path / 'bank.db'}")
    clock = FakeClock()
    load_items(engine, [_item()], clock.now)
    assert load_items(engine, [], clock.now).withdrawn == 1
    assert _rows(engine)[0][2] is False
    load_items(engine, [_item()], clock.now)
    assert [r[2] for r in _rows(engine)] == [True]


def test_items_point_at_the_current_criterion_row(catalogue_url, tmp_path):
    from tests.conftest import copy_database

    # A copy: the session's catalogue database is shared, and other tests count on it holding no items.
    engine = open_database(copy_database(catalogue_url, tmp_path / "catalogue.db"))
    load_items(engine, [_item(id="CRIT-1", stem="Pointing question?")], FakeClock().now)
    with Session(engine) as session:
        row = session.exec(select(t.BankItem).where(t.BankItem.item_id == "CRIT-1")).one()
        criterion = session.get(t.Criterion, row.criterion_id)
    assert criterion.text == "describe the advantages of a PESTLE analysis"
