"""The shipped question bank meets the acceptance figures: sound, deep enough for eight disjoint forms, every
secure item independently reviewed, and `tutor bank audit` clean (so CI fails when the bank regresses)."""

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


def test_2794_210_allows_eight_disjoint_forms(audit):
    (form,) = [f for f in audit.forms() if f.unit == UNIT]
    assert form.disjoint_forms >= 8
    assert all(form.pool[o] >= 8 * need for o, need in form.blueprint.items())


def _approved_secure(audit):
    return [i for i in audit.bank.items if i.ref.unit == UNIT and i.use == "secure" and i.status == "approved"]


def test_every_2794_210_criterion_has_eight_secure_items(audit, index):
    secure = Counter(i.ref.criterion for i in _approved_secure(audit))
    criteria = [c.criterion for c in index.scope("603/2394/2").knowledge_criteria(UNIT)]
    assert len(criteria) == 23
    assert {c: secure[c] for c in criteria if secure[c] < 8} == {}
    assert sum(secure.values()) >= 220


def test_every_approved_secure_item_was_reviewed_by_someone_who_did_not_write_it(audit):
    for item in _approved_secure(audit):
        provenance = item.provenance
        assert provenance.get("reviewer") and provenance.get("author"), item.id
        assert provenance["reviewer"] != provenance["author"], item.id
        assert provenance.get("verdict") in ("approved", "approved_with_edits"), item.id


def test_not_stems_are_rare_and_no_letter_is_favoured(audit):
    items = _approved_secure(audit)
    assert sum(1 for i in items if i.kind == "negative") <= 0.10 * len(items)
    stats = audit.secure_stats("603/2394/2", UNIT)
    assert stats.items >= 220
    assert 0.15 <= stats.key_longest_share <= 0.35
    assert max(stats.key_positions.values()) / stats.items <= 0.30  # no favourite letter


def test_the_secure_pool_passes_the_audit(audit):
    """The figures `tutor bank audit` prints: every test-wise strategy at most 30%, no item cue, no secure
    option served in practice in any wording, every detected give-away pair declared."""
    (pool,) = [a for a in audit.secure_audits() if a.test == UNIT]
    assert pool.items >= 220
    assert pool.failures == []
    assert max(f.score for f in pool.strategies) <= 0.30
    assert (pool.cues, pool.exposed, pool.giveaways) == ([], [], [])


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


def test_own_organisation_is_the_sheets_call(audit):
    """The chat's question follows the sheet: 2794-210 1.4, 1.5, 2.2, 2.4, 2.5, 3.3 and 3.4 read like
    own-organisation criteria but their sheets say they are not, so the chat marks them."""
    prompts = {(p.criterion.qualification, p.criterion.unit, p.criterion.criterion): p for p in audit.prompts}
    for (qualification, unit, criterion), prompt in prompts.items():
        sheet = audit.sheet_for(prompt.criterion)
        if sheet is not None:
            assert prompt.own_organisation == sheet.own_organisation, (qualification, unit, criterion)
    for criterion in ("1.4", "1.5", "2.2", "2.4", "2.5", "3.3", "3.4"):
        assert not prompts[("603/2394/2", UNIT, criterion)].own_organisation


def test_a_units_sheet_serves_every_qualification_that_contains_it(audit, index):
    """T/503/0342's sheet is written in Pearson Level 2's wording; Level 1 contains the unit too."""
    facts = index.criterion("600/1225/0", "T/503/0342", "4", "4.1")
    assert facts is not None
    sheet = audit.sheet_for(facts)
    assert sheet is not None and sheet.ref.qualification == "600/1635/8"
    rows = {r.qualification: r for r in audit.coverage()}
    served = [c for c in index.scope("600/1225/0").criteria.values()
              if c.kind == "knowledge" and audit.sheet_for(c) is not None]
    assert rows["600/1225/0"].with_sheet == len(served)
    assert any(audit.sheet_for(c).ref.qualification != "600/1225/0" for c in served)


def test_every_sheet_with_an_author_was_reviewed_by_someone_else(audit):
    """Sheets written since provenance was recorded name their writer and an independent reviewer."""
    files: dict[str, dict] = {}
    for entry in audit.bank.sheets:
        files.setdefault(entry.file, entry.provenance)
    authored = {name: p for name, p in files.items() if p.get("author")}
    assert len(authored) >= 19
    for name, provenance in authored.items():
        assert provenance.get("reviewer") and provenance["reviewer"] != provenance["author"], name
