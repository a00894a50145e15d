"""Coverage states, responses, judgements and decisions (corrections point at the old), IQA
sampling and reviews, item analysis of a sitting, and the portfolio record."""

from __future__ import annotations

import json

import pytest
from sqlmodel import Session, select

from tests.review.conftest import QUALIFICATION, UNIT, sit_test
from tutor.services.review import (
    ACCEPTED,
    AUTO_CORRECT,
    DECIDED,
    NOT_STARTED,
    PRACTISED,
    Filters,
    ReviewError,
    sample_entries,
)
from tutor.storage import tables as t


def cell(centre, actor, learner, number, filters=None):
    matrix = centre.review.coverage(centre.actor(actor), QUALIFICATION, filters or Filters(unit=UNIT))
    column = next(c for c in matrix.columns if f"{c.outcome}.{c.number}" == number or c.number == number)
    return matrix.state(learner, column.criterion_id)


def test_a_cell_moves_through_every_state(centre):
    review, tina = centre.review, centre.actor("tina")
    assert cell(centre, "tina", "lee", "1.3") == NOT_STARTED
    assert cell(centre, "tina", "lee", "1.2") == PRACTISED  # partial
    assert cell(centre, "tina", "lee", "1.1") == AUTO_CORRECT  # secure
    column = review.criterion(QUALIFICATION, UNIT, "1.2")
    response = review.responses(tina, "lee", column.criterion_id)[0]
    review.judge_evidence(tina, "lee", column.criterion_id, "practice", response.source_id, True, "EV-0007", "Good")
    assert cell(centre, "tina", "lee", "1.2") == ACCEPTED
    review.decide(tina, "lee", review.unit_id(QUALIFICATION, UNIT), column.criterion_id, "competent")
    assert cell(centre, "tina", "lee", "1.2") == DECIDED


def test_matrix_columns_are_the_qualifications_criteria(centre):
    matrix = centre.review.coverage(centre.actor("tina"), QUALIFICATION)
    assert matrix.learners == ("lee", "lou")
    assert len(matrix.columns) == len({c.criterion_id for c in matrix.columns}) > 200
    unit_only = centre.review.coverage(centre.actor("tina"), QUALIFICATION, Filters(unit=UNIT))
    assert {c.unit_key for c in unit_only.columns} == {unit_only.columns[0].unit_key}
    assert len(unit_only.columns) == 23
    with pytest.raises(ReviewError, match="no unit"):
        centre.review.coverage(centre.actor("tina"), QUALIFICATION, Filters(unit="9999-999"))


def test_filters_by_mode_and_date(centre):
    from datetime import timedelta

    sit_test(centre, {"lou": 25})
    assert cell(centre, "tina", "lou", "1.1") == AUTO_CORRECT  # the test answer was right; practice was thin
    assert cell(centre, "tina", "lou", "1.1", Filters(unit=UNIT, mode="practice")) == PRACTISED
    later = centre.clock.now() + timedelta(days=1)
    assert cell(centre, "tina", "lou", "1.1", Filters(unit=UNIT, since=later)) == NOT_STARTED


def test_responses_show_the_question_answer_mark_and_hints(centre):
    column = centre.review.criterion(QUALIFICATION, UNIT, "1.1")
    items = centre.review.responses(centre.actor("tina"), "lou", column.criterion_id)
    assert len(items) == 1
    item = items[0]
    assert (item.source, item.question, item.answer, item.automatic_mark, item.hints_used) == (
        "practice", "Explain…", "[@click=app.quit]x[/] [bold]not bold", "not yet", 1)  # stored as "thin" (old scale)


def test_test_responses_show_the_item_as_shown_and_the_option_chosen(centre):
    sit_test(centre, {"lee": 0})
    column = centre.review.criterion(QUALIFICATION, UNIT, "1.1")
    tests = [i for i in centre.review.responses(centre.actor("tina"), "lee", column.criterion_id) if i.source == "test"]
    assert tests and all(i.automatic_mark == "incorrect" for i in tests)
    with Session(centre.engine) as session:
        attempt_id = session.exec(select(t.Attempt.id).join(t.Candidate).where(t.Candidate.learner == "lee")).one()
    # Exactly what the candidate's screen showed: options shuffled, under the letters they pressed.
    seen = {"\n".join([q.stem, *(f"{letter}. {text}" for letter, text in q.options.items())]):
            f"{q.chosen}. {q.options[q.chosen]}" for q in centre.sittings.view(attempt_id).questions}
    assert {i.question: i.answer for i in tests}.items() <= seen.items()


def test_corrections_are_new_rows_that_point_at_the_old(centre):
    review, tina = centre.review, centre.actor("tina")
    column = review.criterion(QUALIFICATION, UNIT, "1.1")
    unit_id = review.unit_id(QUALIFICATION, UNIT)
    first = review.decide(tina, "lee", unit_id, column.criterion_id, "not_yet_competent", "Needs all six factors")
    second = review.decide(tina, "lee", unit_id, column.criterion_id, "competent", "Re-checked")
    unit_decision = review.decide(tina, "lee", unit_id, None, "insufficient_evidence", "LO3 missing")
    response = review.responses(tina, "lee", column.criterion_id)[0]
    accept = review.judge_evidence(tina, "lee", column.criterion_id, "practice", response.source_id, True, "EV-1")
    reject = review.judge_evidence(tina, "lee", column.criterion_id, "practice", response.source_id, False, "",
                                   "Copied from notes")
    with Session(centre.engine) as session:
        decisions = {d.id: d for d in session.exec(select(t.AssessmentDecision))}
        judgements = {j.id: j for j in session.exec(select(t.EvidenceDecision))}
    assert decisions[first].decision == "not_yet_competent" and decisions[first].supersedes_id is None
    assert decisions[second].supersedes_id == first
    assert decisions[unit_decision].supersedes_id is None and decisions[unit_decision].criterion_id is None
    assert judgements[accept].accepted and judgements[reject].supersedes_id == accept
    assert review.responses(tina, "lee", column.criterion_id)[0].accepted is False
    assert cell(centre, "tina", "lee", "1.1") == DECIDED


@pytest.mark.parametrize(("call", "message"), [
    (lambda r, a, c, u, e: r.judge_evidence(a, "lee", c, "practice", e, True, ""), "reference number"),
    (lambda r, a, c, u, e: r.judge_evidence(a, "lee", c, "practice", 999999, True, "EV"), "no practice response"),
    (lambda r, a, c, u, e: r.judge_evidence(a, "lee", c, "email", e, True, "EV"), "practice or a test"),
    (lambda r, a, c, u, e: r.decide(a, "lee", u, c, "brilliant"), "a decision is one of"),
    (lambda r, a, c, u, e: r.decide(a, "lee", u, c, "not_yet_competent"), "needs a comment"),
    (lambda r, a, c, u, e: r.decide(a, "lee", u, 1, "competent"), "not in that unit"),
])
def test_decision_rules(centre, call, message):
    review = centre.review
    column = review.criterion(QUALIFICATION, UNIT, "1.1")
    exchange = review.responses(centre.actor("tina"), "lee", column.criterion_id)[0].source_id
    with pytest.raises(ReviewError, match=message):
        call(review, centre.actor("tina"), column.criterion_id, review.unit_id(QUALIFICATION, UNIT), exchange)


def test_sampling_is_recorded_and_reproducible_from_its_seed(centre):
    plan = centre.review.draw_sample(centre.actor("quinn"), "Tina's group", 50, 10, seed=2794)
    assert len({e.learner for e in plan.entries}) == 1  # 50% of 2
    units = {e.unit_key for e in plan.entries}
    assert 1 <= len(units) <= 5
    with Session(centre.engine) as session:
        stored = session.get(t.SamplePlan, plan.plan_id)
    assert stored.seed == 2794 and json.loads(stored.sample) == [[e.learner, e.unit_key] for e in plan.entries]
    again = sample_entries(["lee", "lou"], [(e.unit_key, e.unit_title) for e in plan.entries], 50, 100, 2794)
    assert {e.learner for e in again} == {e.learner for e in plan.entries}


def test_iqa_agrees_or_disagrees_and_a_second_review_corrects_the_first(centre):
    quinn = centre.actor("quinn")
    plan = centre.review.draw_sample(quinn, "Tina's group", 100, 100, seed=1)
    entry = plan.entries[0]
    first = centre.review.iqa_review(quinn, plan.plan_id, entry.learner, entry.unit_key, False, "Thin evidence")
    second = centre.review.iqa_review(quinn, plan.plan_id, entry.learner, entry.unit_key, True, "Now sufficient")
    with Session(centre.engine) as session:
        assert session.get(t.IqaReview, second).supersedes_id == first
    with pytest.raises(ReviewError, match="not in sampling plan"):
        centre.review.iqa_review(quinn, plan.plan_id, "max", entry.unit_key, True, "x")
    with pytest.raises(ReviewError, match="needs a comment"):
        centre.review.iqa_review(quinn, plan.plan_id, entry.learner, entry.unit_key, True, " ")


def test_item_analysis_of_a_sitting(centre):
    sitting = sit_test(centre, {"lee": 25, "lou": 18, "max": 5})
    analysis = centre.review.analyse_sitting(centre.actor("tina"), sitting)
    assert analysis.candidates == 3 and len(analysis.items) > 0
    assert all(0.0 <= i.stats.facility <= 1.0 for i in analysis.items)
    assert analysis.form.mean_score == pytest.approx((25 + 18 + 5) / 3)
    order = [(int(i.outcome), [int(n) for n in i.criterion.split(".")]) for i in analysis.items]
    assert order == sorted(order) and {o for o, _ in order} == {1, 2, 3, 4}  # the specification's order


@pytest.mark.parametrize(("unit", "number", "message"), [
    ("2794-210", "9.9", "no criterion 9.9 in unit 2794-210"),
    ("9999-999", "1.1", "no unit '9999-999' in qualification 603/2394/2"),
    ("9999-999", None, "no unit '9999-999' in qualification 603/2394/2"),
])
def test_an_unknown_unit_or_criterion_is_named(centre, unit, number, message):
    with pytest.raises(ReviewError, match=message):
        if number is None:
            centre.review.unit_id(QUALIFICATION, unit)
        else:
            centre.review.criterion(QUALIFICATION, unit, number)
    assert centre.review.criterion(QUALIFICATION, " 2794-210 ", " 1.2 ").number == "1.2"


def test_the_portfolio_holds_evidence_decisions_and_the_audit_head(centre):
    from tutor.storage import audit_log

    review, tina = centre.review, centre.actor("tina")
    column = review.criterion(QUALIFICATION, UNIT, "1.1")
    unit_id = review.unit_id(QUALIFICATION, UNIT)
    response = review.responses(tina, "lee", column.criterion_id)[0]
    review.judge_evidence(tina, "lee", column.criterion_id, "practice", response.source_id, True, "EV-42")
    review.decide(tina, "lee", unit_id, column.criterion_id, "competent", "All six factors")
    count, head = audit_log.head(centre.engine)
    portfolio = review.portfolio(tina, "lee")
    assert (portfolio.audit_head, portfolio.audit_entries) == (head, count)
    unit = next(u for u in portfolio.units if u.key == column.unit_key)
    criterion = next(c for c in unit.criteria if c.outcome == "1" and c.number == column.number)
    assert criterion.decision.decision == "competent" and criterion.decision.assessor == "tina"
    assert criterion.evidence[0].accepted and criterion.evidence[0].reference == "EV-42"


def test_evidence_and_decisions_carry_over_to_a_new_version_of_the_specification(centre):
    """A re-issued specification is imported as a new version with new criterion rows; what was
    recorded against the old rows still counts for the same criteria (unit, outcome, number)."""
    from tests.conftest import ERRATA, spec_path
    from tutor.importer import parse_bytes
    from tutor.importer.errata import load_errata_dir
    from tutor.services.catalogue import CatalogueService

    review, tina = centre.review, centre.actor("tina")
    old_12, old_11 = review.criterion(QUALIFICATION, UNIT, "1.2"), review.criterion(QUALIFICATION, UNIT, "1.1")
    old_unit = review.unit_id(QUALIFICATION, UNIT)
    response = review.responses(tina, "lee", old_12.criterion_id)[0]
    first_judgement = review.judge_evidence(tina, "lee", old_12.criterion_id, "practice", response.source_id, True,
                                            "EV-1")
    first_decision = review.decide(tina, "lee", old_unit, old_11.criterion_id, "competent")

    original = spec_path("cityguilds").read_text(encoding="utf-8")
    changed = original.replace(old_12.text, old_12.text + " in detail", 1)
    assert changed != original
    result = CatalogueService(centre.engine, centre.clock.now).import_reading(
        parse_bytes(changed.encode(), load_errata_dir(ERRATA)), "cityguilds.txt")
    assert result.status == "new version"

    new_12, new_11 = review.criterion(QUALIFICATION, UNIT, "1.2"), review.criterion(QUALIFICATION, UNIT, "1.1")
    assert new_12.criterion_id != old_12.criterion_id and new_12.text.endswith(" in detail")
    assert cell(centre, "tina", "lee", "1.2") == ACCEPTED
    assert cell(centre, "tina", "lee", "1.1") == DECIDED
    (carried,) = [i for i in review.responses(tina, "lee", new_12.criterion_id) if i.source_id == response.source_id]
    assert (carried.accepted, carried.criterion_wording) == (True, old_12.text)  # the wording it answered
    assert all(not i.criterion_wording for i in review.responses(tina, "lee", new_11.criterion_id))  # unchanged
    from tests.cli.test_review_cli import run

    shown = run("review", "responses", "--learner", "lee", "--qualification", QUALIFICATION, "--unit", UNIT,
                "--criterion", "1.2", url=centre.url, user="tina")
    assert shown.returncode == 0, shown.stderr
    assert f"the criterion then read: {old_12.text}" in " ".join(shown.stdout.split())
    # Corrections made on the new version point at what was recorded on the old one.
    correction = review.judge_evidence(tina, "lee", new_12.criterion_id, "practice", response.source_id, False, "",
                                       "Too thin after all")
    new_unit = review.unit_id(QUALIFICATION, UNIT)
    second_decision = review.decide(tina, "lee", new_unit, new_11.criterion_id, "not_yet_competent", "Re-check")
    with Session(centre.engine) as session:
        assert session.get(t.EvidenceDecision, correction).supersedes_id == first_judgement
        assert session.get(t.AssessmentDecision, second_decision).supersedes_id == first_decision
    record = next(c for u in review.portfolio(tina, "lee").units if u.key == UNIT for c in u.criteria
                  if c.number == "1.1")
    assert record.decision.decision == "not_yet_competent"
    assert [d.decision for d in record.history] == ["competent"]
