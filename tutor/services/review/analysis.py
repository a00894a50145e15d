"""Item analysis of a sitting: facility, discrimination and the form's reliability over its
submitted attempts (voided ones left out), its items in the order of the specification."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from sqlmodel import Session

from tutor.domain.access import Actor
from tutor.domain.item_analysis import FormStatistics, analyse_forms
from tutor.services.accounts import gate
from tutor.services.review.base import ReviewBase, ReviewError
from tutor.storage import evidence_queries
from tutor.storage import tables as t


@dataclass(frozen=True)
class ItemRow:
    position: int
    item_id: str
    version: str
    outcome: str
    criterion: str
    stats: object  # ItemStatistics


@dataclass(frozen=True)
class SittingAnalysis:
    sitting_id: int
    test_code: str
    candidates: int
    form: FormStatistics
    items: tuple[ItemRow, ...]


class SittingReview(ReviewBase):
    def analyse_sitting(self, actor: Actor, sitting_id: int) -> SittingAnalysis:
        """Item analysis of a sitting's submitted attempts (voided ones left out)."""
        gate(self.engine, self.now, actor, "sitting.analyse")
        with Session(self.engine) as session:
            sitting = session.get(t.Sitting, sitting_id)
            if sitting is None:
                raise ReviewError(f"no sitting {sitting_id}")
            rows = evidence_queries.sitting_answers(session, sitting_id)
        forms: dict[str, list[tuple[int, str, bool]]] = defaultdict(list)
        meta: dict[str, tuple[int, str, str, str, str]] = {}
        for evidence, item_id, version, outcome, criterion, candidate in rows:
            key = f"{item_id}@{version}"
            forms[str(candidate)].append((evidence.position, key, evidence.correct))
            meta.setdefault(key, (evidence.position, item_id, version, outcome, criterion))
        if not forms:
            raise ReviewError(f"sitting {sitting_id} has no submitted attempts to analyse")
        form = analyse_forms({c: [(key, right) for _, key, right in sorted(qs)] for c, qs in forms.items()})
        rows_by_key = (ItemRow(meta[s.key][0], meta[s.key][1], meta[s.key][2], meta[s.key][3], meta[s.key][4], s)
                       for s in form.items)
        # In the order of the specification: outcome, then criterion (1.2 before 1.10), then item.
        items = tuple(sorted(rows_by_key, key=lambda row: (_numbers(row.outcome), _numbers(row.criterion),
                                                            row.item_id, row.version)))
        return SittingAnalysis(sitting_id, sitting.test_code, form.candidates, form, items)


def _numbers(dotted: str) -> tuple[int | str, ...]:
    """"1.10" -> (1, 10): numbers sort as numbers, anything else as text after them."""
    return tuple(int(part) if part.isdigit() else 10**9 for part in dotted.split(".")) + (dotted,)
