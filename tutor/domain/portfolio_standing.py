"""A learner's portfolio standing, twice: as the exported portfolio shows it, and as the audit chain alone
says it should be; and the first place where the two differ.

The *standing* of one learner in one qualification is, per unit, its latest unit decision and every IQA
review, and per criterion its latest decision, the decisions that one corrected, and every response bearing
on it (practice and test) with its time, automatic mark, hints, the answer's SHA-256 (practice) and the
latest judgement. It is kept by place, and flattened to ``{(place, field): value}`` to name a difference: a
place is ``"2794-210"`` (a unit) or ``"2794-210 1.1"`` (a criterion), a field e.g. ``"decision.assessor"`` or
``"evidence[test 7].accepted"``.

:func:`standing_of` reads it off a :class:`~tutor.domain.portfolio.Portfolio`'s units (what the export writes);
:class:`ChainPortfolios` rebuilds it from the entries that practice, tests, judgements, decisions and IQA
reviews write, given only where each criterion id sits in the qualification now (:class:`Layout`, from the
catalogue, which the chain does not record). Not compared: the question and answer texts as shown (the
chain keeps hashes of practice answers only, and a test's shown letters depend on the attempt's form) and
the criterion's wording. Pure: no storage.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import dataclass

from tutor.domain.audit import AuditRecord, stamp
from tutor.domain.portfolio import RESPONSE_TURNS, Decision, EvidenceItem, UnitRecord, answer_mark, practice_mark

Standing = dict[str, dict]
"""Place -> its nested view; :func:`flatten` gives the ``{(place, field): value}`` form."""
ABSENT = "(absent)"
FINISHED = ("test.submitted", "test.expired")
PORTFOLIO_KINDS = frozenset({"practice.response", "evidence.accepted", "evidence.rejected", "decision.recorded",
                             "iqa.reviewed", "test.candidate_registered", "test.started", *FINISHED})
"""The entry kinds a portfolio is rebuilt from."""


@dataclass(frozen=True)
class Layout:
    """Where records land in one qualification's portfolio now: every imported version's criterion id ->
    its criterion's place (``"unit number"``), and the units' keys in order."""

    criteria: dict[int, str]
    units: tuple[str, ...]


# -- the two sides, in one shape ---------------------------------------------------------------------


def _decision(decision_id, decision, assessor, at, comment, supersedes) -> dict:
    return {"id": decision_id, "decision": decision, "assessor": assessor, "at": stamp(at), "comment": comment,
            "supersedes": supersedes}


def _evidence(at, mark: str, hints: int, answer_sha256: str | None, judgement: tuple | None) -> dict:
    accepted, reference, judged_by, judged_at, comment = judgement or (None, "", "", None, "")
    view = {"at": stamp(at), "mark": mark, "hints": hints, "accepted": accepted, "reference": reference,
            "judged_by": judged_by, "judged_at": stamp(judged_at), "judgement_comment": comment}
    if answer_sha256 is not None:
        view["answer_sha256"] = answer_sha256
    return view


def _flatten(place: str, view: dict, out: dict, prefix: str = "") -> None:
    """Nested views as (place, dotted field) -> value; a record's presence is a field of its own."""
    for name, value in view.items():
        field = f"{prefix}{name}"
        if isinstance(value, dict) and name.startswith("evidence"):
            for key, item in value.items():
                out[(place, f"{field}[{key}]")] = "present"
                _flatten(place, item, out, f"{field}[{key}].")
        elif isinstance(value, list):
            for index, item in enumerate(value):
                out[(place, f"{field}[{index}]")] = "present"
                _flatten(place, item, out, f"{field}[{index}].")
        elif isinstance(value, dict):
            out[(place, field)] = "recorded"
            _flatten(place, value, out, f"{field}.")
        else:
            out[(place, field)] = value


def flatten(standing: Standing) -> dict[tuple[str, str], object]:
    """A standing as ``{(place, dotted field): value}``."""
    out: dict[tuple[str, str], object] = {}
    for place, view in standing.items():
        _flatten(place, view, out)
    return out


def _of_decision(decision: Decision | None) -> dict | None:
    return None if decision is None else _decision(decision.decision_id, decision.decision, decision.assessor,
                                                   decision.at, decision.comment, decision.supersedes_id)


def _of_item(item: EvidenceItem) -> dict:
    judgement = None if item.accepted is None else (item.accepted, item.reference, item.judged_by, item.judged_at,
                                                    item.judgement_comment)
    answer = hashlib.sha256(item.answer.encode()).hexdigest() if item.source == "practice" else None
    return _evidence(item.at, item.automatic_mark, item.hints_used, answer, judgement)


def standing_of(portfolio_units: tuple[UnitRecord, ...]) -> Standing:
    """The standing a portfolio's units (as built for the export) show."""
    units, criteria = {}, {}
    for unit in portfolio_units:
        units[unit.key] = {"decision": _of_decision(unit.decision),
                           "iqa": [{"agree": bool(r.agree), "reviewer": r.reviewer, "at": stamp(r.at),
                                    "comment": r.comment} for r in unit.iqa]}
        for criterion in unit.criteria:
            criteria[f"{unit.key} {criterion.number}"] = {
                "decision": _of_decision(criterion.decision),
                "history": [_of_decision(d) for d in criterion.history],
                "evidence": {f"{e.source} {e.source_id}": _of_item(e) for e in criterion.evidence}}
    return units | criteria


class ChainPortfolios:
    """What the chain alone says about every learner's portfolio: fed every entry of
    :data:`PORTFOLIO_KINDS` in order (:meth:`read`), then asked for one learner's standing (:meth:`standing`)."""

    def __init__(self) -> None:
        self.practice: dict[str, list[tuple]] = defaultdict(list)      # learner -> (criterion, id, at, verdict, ...)
        self.tests: dict[str, list[tuple]] = defaultdict(list)         # learner -> (criterion, id, at, correct)
        self.judgements: dict[tuple[str, str, int], tuple] = {}        # (learner, source, id) -> the latest
        self.decisions: dict[str, list[tuple]] = defaultdict(list)     # learner -> (unit key, criterion, view)
        self.iqa: dict[str, list[tuple]] = defaultdict(list)           # learner -> (unit key, view)
        self._registered: dict[tuple[int, str], str | None] = {}       # (sitting, candidate number) -> learner
        self._candidates: dict[int, str | None] = {}                   # attempt -> learner, as it started

    def read(self, entry: AuditRecord, data: dict) -> None:
        kind, subject = entry.kind, entry.subject
        learner = subject.removeprefix("learner:")
        if kind == "practice.response":
            self.practice[entry.actor].append((data["criterion_id"], data["exchange"], entry.at, data["verdict"],
                                               data["hints"], data["answer_sha256"], data["turn"]))
        elif kind in ("evidence.accepted", "evidence.rejected"):
            self.judgements[(learner, data["source"], data["source_id"])] = (
                kind == "evidence.accepted", data["reference"], entry.actor, entry.at, data["comment"])
        elif kind == "decision.recorded":
            self.decisions[learner].append((data["unit"], data["criterion"], _decision(
                data["decision_id"], data["decision"], entry.actor, entry.at, data["comment"], data["supersedes"])))
        elif kind == "iqa.reviewed":
            self.iqa[learner].append((data["unit"], {"agree": bool(data["agree"]), "reviewer": entry.actor,
                                                     "at": entry.at, "comment": data["comment"]}))
        elif kind == "test.candidate_registered":
            self._registered[(data["sitting"], data["number"])] = data.get("learner")
        elif kind == "test.started":  # the candidate number starts the attempt: whose learner it is, then
            self._candidates[int(subject.removeprefix("attempt:"))] = self._registered.get((data["sitting"],
                                                                                          entry.actor))
        elif kind in FINISHED:
            attempt = int(subject.removeprefix("attempt:"))
            # Entries written before finishing recorded the learner name none; the registration says.
            owner = data["learner"] if "learner" in data else self._candidates.get(attempt)
            if owner is not None:
                for row_id, _position, _item, criterion, _chosen, correct in data.get("evidence", []):
                    self.tests[owner].append((criterion, row_id, data["finished_at"], correct))

    def standing(self, learner: str, layout: Layout) -> Standing:
        """One learner's standing in the qualification laid out by ``layout``, from the chain alone."""
        places, units = layout.criteria, set(layout.units)
        unit_views = {key: {"decision": None, "iqa": []} for key in layout.units}
        criteria = {place: {"decision": None, "history": [], "evidence": {}}
                    for place in dict.fromkeys(places.values())}
        judged = self.judgements
        for criterion, row_id, at, verdict, hints, sha, turn in self.practice.get(learner, ()):
            if criterion in places and turn in RESPONSE_TURNS:
                criteria[places[criterion]]["evidence"][f"practice {row_id}"] = _evidence(
                    at, practice_mark(verdict), hints, sha, judged.get((learner, "practice", row_id)))
        for criterion, row_id, at, correct in self.tests.get(learner, ()):
            if criterion in places:
                criteria[places[criterion]]["evidence"][f"test {row_id}"] = _evidence(
                    at, answer_mark(bool(correct)), 0, None, judged.get((learner, "test", row_id)))
        chains: dict[str, list[dict]] = defaultdict(list)
        for unit, criterion, view in self.decisions.get(learner, ()):
            place = places.get(criterion) if criterion is not None else (unit if unit in units else None)
            if place is not None:
                chains[place].append(view)
        for place, chain in chains.items():
            view = unit_views[place] if place in unit_views else criteria[place]
            view["decision"] = chain[-1]
            if "history" in view:
                view["history"] = chain[:-1]
        for unit, review in self.iqa.get(learner, ()):
            if unit in units:
                unit_views[unit]["iqa"].append(review)
        return unit_views | criteria


def first_difference(stored: Standing, chain: Standing, order: list[str]) -> tuple[str, str, object, object] | None:
    """(place, field, stored value, chain value) of the first field where the two differ, places in
    ``order`` (the portfolio's), fields by name; None when they agree."""
    if stored == chain:  # the common case: one comparison, nothing flattened
        return None
    rank = {place: i for i, place in enumerate(order)}
    stored, chain = flatten(stored), flatten(chain)
    for key in sorted(stored.keys() | chain.keys(), key=lambda k: (rank.get(k[0], len(rank)), k[0], k[1])):
        mine, theirs = stored.get(key, ABSENT), chain.get(key, ABSENT)
        if mine != theirs or type(mine) is not type(theirs):
            return key[0], key[1], mine, theirs
    return None
