"""The shipped question bank meets the acceptance figures: sound, deep enough for four forms, cue-free."""

from __future__ import annotations

from collections import Counter

import pytest

from tests.bank.conftest import BANK
from tutor.bank.audit import audit_bank
from tutor.paths import templates_dir

UNIT = "2794-210"


@pytest.fixture(scope="module")
def audit(index):
    return audit_bank(BANK, templates_dir(), index)


def test_the_shipped_bank_has_no_errors(audit):
    assert [str(p) for p in audit.problems()] == []


def test_2794_210_allows_four_disjoint_forms(audit):
    (form,) = [f for f in audit.forms() if f.unit == UNIT]
    assert form.disjoint_forms >= 4
    assert all(form.pool[o] >= 4 * need for o, need in form.blueprint.items())


def test_every_2794_210_criterion_has_three_secure_items(audit, index):
    secure = Counter(i.ref.criterion for i in audit.bank.items
                     if i.ref.unit == UNIT and i.use == "secure" and i.status == "approved")
    criteria = [c.criterion for c in index.scope("603/2394/2").knowledge_criteria(UNIT)]
    assert len(criteria) == 23
    assert {c: secure[c] for c in criteria if secure[c] < 3} == {}
    assert sum(secure.values()) >= 120


def test_the_key_is_the_longest_option_in_at_most_35_percent(audit):
    stats = audit.secure_stats("603/2394/2", UNIT)
    assert stats.items >= 120
    assert stats.key_longest_share <= 0.35
    assert max(stats.key_positions.values()) / stats.items <= 0.35  # no favourite letter


def test_no_secure_item_is_in_the_practice_pool(audit):
    practice = [i for i in audit.all_items if i.use == "practice"]
    secure_ids = {i.id for i in audit.bank.items if i.use == "secure"}
    assert practice and not secure_ids & {i.id for i in practice}
    assert all(i.provenance["kind"] == "generated" or i.use == "practice" for i in practice)


def test_coverage(audit, index):
    rows = {r.qualification: r for r in audit.coverage()}
    assert len(rows) == 7
    for row in rows.values():
        assert row.with_open_prompt == row.knowledge_criteria
    # Every knowledge criterion of 2794-210 and of every qualification's mandatory units has a sheet.
    sheets = {(e.ref.unit, e.ref.outcome, e.ref.criterion) for e in audit.bank.sheets}
    wanted = {(c.unit, c.outcome, c.criterion) for c in index.scope("603/2394/2").knowledge_criteria(UNIT)}
    for scope in index.scopes.values():
        wanted |= {(c.unit, c.outcome, c.criterion) for u in scope.mandatory for c in scope.knowledge_criteria(u)}
    assert sorted(wanted - sheets) == []
    assert len(wanted) >= 230
