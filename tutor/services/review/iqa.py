"""Internal quality assurance: drawing a seeded sample of a cohort's learners and units, and a
quality assurer's review of each sampled learner's unit (a later review of the same pair corrects
the earlier and points at it)."""

from __future__ import annotations

import json
import random
import secrets
from dataclasses import dataclass
from datetime import datetime

from tutor.domain.access import Actor
from tutor.services.accounts import gate
from tutor.services.review.base import ReviewBase, ReviewError
from tutor.storage import account_queries, audit_log, catalogue_queries, review_queries
from tutor.storage import tables as t
from tutor.storage.engine import WriteTransaction


@dataclass(frozen=True)
class SampleEntry:
    learner: str
    unit_key: str
    unit_title: str


@dataclass(frozen=True)
class SamplePlanView:
    plan_id: int
    cohort: str
    learner_percent: int
    unit_percent: int
    seed: int
    entries: tuple[SampleEntry, ...]
    created_by: str
    at: datetime


class QualityAssurance(ReviewBase):
    def draw_sample(self, actor: Actor, cohort: str, learner_percent: int, unit_percent: int,
                    seed: int | None = None) -> SamplePlanView:
        """Choose a percentage of a cohort's learners and of its qualification's units at random
        (at least one of each); the seed and the draw are stored."""
        gate(self.engine, self.now, actor, "iqa.sample")
        for value in (learner_percent, unit_percent):
            if not 1 <= value <= 100:
                raise ReviewError("sampling percentages are from 1 to 100")
        seed = secrets.randbits(31) if seed is None else seed
        with WriteTransaction(self.engine, "record the sampling plan") as session:
            row = account_queries.cohort_named(session, cohort.strip())
            if row is None:
                raise ReviewError(f"no cohort {cohort.strip()!r}")
            learners = sorted(account_queries.members(session, row.id))  # Python's order, whatever the database collation
            if not learners:
                raise ReviewError(f"cohort {row.name} has no learners to sample")
            qual = self._qualification(session, row.qualification)
            units = catalogue_queries.qualification_units(session, qual.id)
            entries = sample_entries(learners, [(k, title) for k, title in units], learner_percent, unit_percent, seed)
            now = self.now()
            plan = t.SamplePlan(cohort_id=row.id, learner_percent=learner_percent, unit_percent=unit_percent,
                                seed=seed, sample=json.dumps([[e.learner, e.unit_key] for e in entries]),
                                created_by=actor.username, at=now)
            session.add(plan)
            session.flush()
            audit_log.append(session.connection(), now, actor.username, "iqa.sampled", f"cohort:{row.name}",
                             {"plan": plan.id, "learner_percent": learner_percent, "unit_percent": unit_percent,
                              "seed": seed, "sample": [[e.learner, e.unit_key] for e in entries]})
            session.commit()
            return SamplePlanView(plan.id, row.name, learner_percent, unit_percent, seed, tuple(entries),
                                  actor.username, now)

    def iqa_review(self, actor: Actor, plan_id: int, learner: str, unit_key: str, agree: bool, comment: str) -> int:
        """Agree or disagree with the assessment of a sampled learner's unit (a later review of the
        same pair corrects the earlier and points at it)."""
        gate(self.engine, self.now, actor, "iqa.review")
        if not comment.strip():
            raise ReviewError("a quality-assurance review needs a comment")
        with WriteTransaction(self.engine, "record the review") as session:
            plan = session.get(t.SamplePlan, plan_id)
            if plan is None:
                raise ReviewError(f"no sampling plan {plan_id}")
            if [learner, unit_key] not in json.loads(plan.sample):
                raise ReviewError(f"{learner} / {unit_key} is not in sampling plan {plan_id}")
            cohort = session.get(t.Cohort, plan.cohort_id)
            unit = self._unit(session, cohort.qualification, unit_key)
            previous = review_queries.latest_iqa_review_id(session, plan_id, learner, unit.id)
            now = self.now()
            row = t.IqaReview(plan_id=plan_id, learner=learner, unit_id=unit.id, agree=agree, comment=comment.strip(),
                              reviewer=actor.username, at=now, supersedes_id=previous)
            session.add(row)
            session.flush()
            audit_log.append(session.connection(), now, actor.username, "iqa.reviewed", f"learner:{learner}",
                             {"plan": plan_id, "unit": unit_key, "agree": agree, "comment": comment.strip(),
                              "supersedes": previous, "review_id": row.id})
            session.commit()
            return row.id


def sample_entries(learners: list[str], units: list[tuple[str, str]], learner_percent: int, unit_percent: int,
                   seed: int) -> list[SampleEntry]:
    """The sample a seed draws: ceil(percent) of the learners, and for each of them ceil(percent)
    of the units (at least one of each). Same inputs, same sample."""
    rng = random.Random(seed)
    take_learners = max(1, -(-len(learners) * learner_percent // 100))
    take_units = max(1, -(-len(units) * unit_percent // 100))
    entries = []
    for learner in sorted(rng.sample(sorted(learners), take_learners)):
        for key, title in sorted(rng.sample(units, min(take_units, len(units)))):
            entries.append(SampleEntry(learner, key, title))
    return entries
