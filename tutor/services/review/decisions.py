"""Assessment decisions: accepting or rejecting one response as evidence for a criterion, and
deciding a criterion or a whole unit. Nothing is changed once written: a second judgement or
decision is a correction, a new row that points at the one it replaces (which may have been made
on an earlier version of the specification)."""

from __future__ import annotations

from tutor.domain.access import Actor
from tutor.domain.portfolio import DECISIONS
from tutor.services.accounts import gate
from tutor.services.review.base import ReviewBase, ReviewError
from tutor.storage import audit_log, catalogue_queries, evidence_queries, review_queries
from tutor.storage import tables as t
from tutor.storage.engine import WriteTransaction


class Decisions(ReviewBase):
    def judge_evidence(self, actor: Actor, learner: str, criterion_id: int, source: str, source_id: int,
                       accepted: bool, reference: str, comment: str = "") -> int:
        """Accept or reject one response as evidence for a criterion. A second judgement of the
        same response is a correction: a new row pointing at the one it replaces."""
        gate(self.engine, self.now, actor, "review.decide")
        if source not in ("practice", "test"):
            raise ReviewError("evidence comes from practice or a test")
        if accepted and not reference.strip():
            raise ReviewError("accepted evidence needs an evidence reference number")
        self._require_reach(actor, learner)
        with WriteTransaction(self.engine, "record the judgement") as session:
            versions = list(catalogue_queries.criterion_versions(session, criterion_id))
            row = session.get(t.PracticeExchange if source == "practice" else t.TestEvidence, source_id)
            if row is None or row.learner != learner or row.criterion_id not in versions:
                raise ReviewError(f"no {source} response {source_id} of {learner} on that criterion")
            previous = evidence_queries.latest_judgement_id(session, learner, versions, source, source_id)
            now = self.now()
            row = t.EvidenceDecision(learner=learner, criterion_id=criterion_id, source=source, source_id=source_id,
                                     accepted=accepted, reference=reference.strip(), comment=comment.strip(),
                                     assessor=actor.username, at=now, supersedes_id=previous)
            session.add(row)
            session.flush()
            audit_log.append(session.connection(), now, actor.username,
                             "evidence.accepted" if accepted else "evidence.rejected", f"learner:{learner}",
                             {"criterion": criterion_id, "source": source, "source_id": source_id,
                              "reference": reference.strip(), "comment": comment.strip(), "supersedes": previous,
                              "decision_id": row.id})
            session.commit()
            return row.id

    def decide(self, actor: Actor, learner: str, unit_id: int, criterion_id: int | None, decision: str,
               comment: str = "") -> int:
        """Record a decision on a criterion (``criterion_id``) or the whole unit; a later decision on
        the same criterion or unit corrects the earlier one and points at it."""
        gate(self.engine, self.now, actor, "review.decide")
        if decision not in DECISIONS:
            raise ReviewError(f"a decision is one of {', '.join(DECISIONS)}")
        if decision != "competent" and not comment.strip():
            raise ReviewError("say what is missing: a decision other than competent needs a comment")
        self._require_reach(actor, learner)
        with WriteTransaction(self.engine, "record the decision") as session:
            unit = session.get(t.Unit, unit_id)
            if unit is None:
                raise ReviewError(f"no unit {unit_id}")
            if criterion_id is not None and not catalogue_queries.unit_has_criterion(session, unit_id, criterion_id):
                raise ReviewError("that criterion is not in that unit")
            # The decision it corrects may have been made on an earlier version of the specification.
            criteria = (list(catalogue_queries.criterion_versions(session, criterion_id)) if criterion_id is not None
                        else None)
            units = catalogue_queries.unit_versions(session, unit)
            previous = review_queries.latest_decision_id(session, learner, units, criteria)
            now = self.now()
            row = t.AssessmentDecision(learner=learner, unit_id=unit_id, criterion_id=criterion_id, decision=decision,
                                       comment=comment.strip(), assessor=actor.username, at=now,
                                       supersedes_id=previous)
            session.add(row)
            session.flush()
            audit_log.append(session.connection(), now, actor.username, "decision.recorded", f"learner:{learner}",
                             {"unit": unit.key, "criterion": criterion_id, "decision": decision,
                              "comment": comment.strip(), "supersedes": previous, "decision_id": row.id})
            session.commit()
            return row.id
