"""Moving questions in and out: a unit's items exported to GIFT, Aiken, Moodle XML or QTI 3.0, and a file in
any of them imported as draft items.

Export reads the current items of a unit: approved practice items; with ``include_drafts`` draft ones too;
with ``include_secure`` the approved secure items as well (admin only, recorded in the audit trail). Import
reads and checks the whole file first, then writes every draft in one transaction with its audit entry, so
a refused file writes nothing. An imported item is a draft, whatever the file says: it is never served until
someone approves it. The one exception is ``keep_status`` (admin only, recorded in the audit trail): the
status the file records for an item (this project's own exports record it) is restored; an item the file
records no status for stays a draft.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.engine import Engine
from sqlmodel import Session

from tutor.bank.model import STATUSES, Item, item_from_dict
from tutor.domain.access import Actor
from tutor.interchange import read, write
from tutor.interchange.model import (
    FORMATS,
    InterchangeError,
    Skipped,
    TestPlan,
    UnitFacts,
    Written,
    recorded_status,
    to_item,
)
from tutor.services.accounts import gate
from tutor.storage import audit_log, bank_queries
from tutor.storage import tables as t
from tutor.storage.engine import WriteTransaction


@dataclass(frozen=True)
class Imported:
    position: int
    item_id: str
    kind: str
    criterion: str
    status: str = "draft"
    remarks: tuple[str, ...] = ()  # what a reviewer should know (also in the item's provenance)


@dataclass
class ImportReport:
    file: str
    format: str
    unit: str
    imported: list[Imported] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    errors: list[Skipped] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    keep_status: bool = False

    @property
    def questions(self) -> int:
        return len(self.imported) + len(self.skipped)

    @property
    def statuses(self) -> dict[str, int]:
        """How many imported items have each status, in the order of the bank's statuses."""
        found = Counter(i.status for i in self.imported)
        return {s: found[s] for s in STATUSES if found[s]}


class InterchangeService:
    def __init__(self, engine: Engine, now: Callable[[], datetime]) -> None:
        self.engine = engine
        self.now = now

    def unit_facts(self, unit_ref: str) -> UnitFacts:
        from tutor.services.catalogue import CatalogueService

        unit = CatalogueService(self.engine, self.now).unit(unit_ref)
        criteria = {c.id: o.id for o in unit.outcomes if o.kind == "knowledge" for c in o.criteria}
        competence = frozenset(c.id for o in unit.outcomes if o.kind != "knowledge" for c in o.criteria)
        names = frozenset(n for n in (unit.key, unit.local_id, unit.ref) if n)
        qualifications = tuple(sorted({p.qualification_number for p in unit.placements}))
        with Session(self.engine) as session:
            found = bank_queries.test_plan(session, set(names))
            used = {row.unit_key for row in bank_queries.unit_items(session, set(names))}
        test = None
        if found is not None:
            spec, rows = found
            test = TestPlan(spec.unit_key, spec.unit_title, spec.duration_minutes, spec.pass_mark,
                            {r.outcome_number: r.questions for r in rows})
        # The unit as the bank's items name it (the YAML files say 2794-210 for a unit the catalogue keys by
        # its regulator reference): imported items name it the same way, so their versions match.
        key = used.pop() if len(used) == 1 else unit.key
        return UnitFacts(qualifications, key, names, unit.title, criteria, competence, test)

    # -- export --------------------------------------------------------------------------------------------------

    def export(self, actor: Actor, unit_ref: str, fmt: str, include_secure: bool = False,
               include_drafts: bool = False) -> Written:
        gate(self.engine, self.now, actor, "bank.inspect")
        if include_secure:
            gate(self.engine, self.now, actor, "bank.export_secure")
        if fmt not in FORMATS:
            raise InterchangeError(f"unknown format {fmt!r} ({', '.join(FORMATS)})")
        facts = self.unit_facts(unit_ref)
        statuses = {"approved", "draft"} if include_drafts else {"approved"}
        uses = {"practice", "secure"} if include_secure else {"practice"}
        with Session(self.engine) as session:
            rows = bank_queries.unit_items(session, set(facts.names))
            held = bank_queries.in_review(session)
        items = [_item(row) for row in rows
                 if row.status in statuses and row.use in uses and row.item_id not in held]
        if not items:
            raise InterchangeError(f"{facts.unit_key} has no items to export "
                                   f"({' or '.join(sorted(statuses))}, {' or '.join(sorted(uses))})")
        written = write(fmt, items, facts)
        secure = sorted(i.id for i in items if i.use == "secure" and i.id in set(written.written))
        if secure:
            with WriteTransaction(self.engine, "record the export of secure items") as session:
                audit_log.append(session.connection(), self.now(), actor.username, "bank.export_secure",
                                 f"unit:{facts.unit_key}", {"format": fmt, "items": secure,
                                                            "sha256": hashlib.sha256(written.data).hexdigest()})
                session.commit()
        return written

    # -- import --------------------------------------------------------------------------------------------------

    def import_file(self, actor: Actor, data: bytes, name: str, unit_ref: str, criterion: str | None = None,
                    fmt: str | None = None, keep_status: bool = False) -> ImportReport:
        """Read the whole file, decide each question, then write the items in one transaction: drafts, or
        with ``keep_status`` each with the status the file records (a draft where it records none)."""
        gate(self.engine, self.now, actor, "bank.import")
        if keep_status:
            gate(self.engine, self.now, actor, "bank.import_status")
        facts = self.unit_facts(unit_ref)
        if criterion is not None:
            criterion = criterion.strip()
            if criterion in facts.competence:
                raise InterchangeError(f"criterion {criterion} of {facts.unit_key} is a competence criterion: it "
                                       "needs workplace evidence, not questions")
            if criterion not in facts.criteria:
                known = ", ".join(sorted(facts.criteria)) or "none"
                raise InterchangeError(f"no knowledge criterion {criterion} in {facts.unit_key} (it has: {known})")
        reading = read(data, name, fmt)
        report = ImportReport(name, reading.format, facts.unit_key, errors=list(reading.errors),
                              notes=list(reading.notes), keep_status=keep_status)
        with Session(self.engine) as session:
            ids, versions = bank_queries.stored_ids(session)
            criterion_ids = bank_queries.criterion_ids(session, set(facts.names))
        taken: dict[str, int] = {}  # version -> position, in this file
        rows: list[t.BankItem] = []
        restored: list[str | None] = []  # with keep_status, the status each written item's record gave
        now = self.now()
        for question in reading.questions:
            found = to_item(question, facts, criterion, reading.format, name)
            label = question.name or f"question {question.position}"
            if isinstance(found, str):
                report.skipped.append(Skipped(question.position, label, found))
                continue
            version = found.version
            if version in versions:
                report.skipped.append(Skipped(question.position, label, f"already in the bank as {versions[version]}"))
                continue
            if version in taken:
                report.skipped.append(Skipped(question.position, label,
                                              f"the same question as question {taken[version]} of this file"))
                continue
            item_id = found.id if found.id and found.id not in ids else f"imp-{version}"
            if item_id in ids:
                report.skipped.append(Skipped(question.position, label, f"already imported once as {item_id}"))
                continue
            found.id = item_id
            ids.add(item_id)
            taken[version] = question.position
            recorded = recorded_status(question) if keep_status else None
            restored.append(recorded)
            found.status = status = recorded or "draft"
            rows.append(t.BankItem(
                item_id=item_id, version=version, qualification=found.ref.qualification, unit_key=found.ref.unit,
                outcome_number=found.ref.outcome, criterion_number=found.ref.criterion,
                criterion_id=criterion_ids.get(found.ref.criterion), kind=found.kind, use=found.use,
                status=status, difficulty=found.difficulty,
                body=json.dumps(found.to_dict(), ensure_ascii=False), loaded_at=now))
            report.imported.append(Imported(question.position, item_id, found.kind, found.ref.criterion, status,
                                            tuple(found.provenance.get("review", ()))))
        if rows:
            digest = hashlib.sha256(data).hexdigest()  # the file's, once for both audit entries
            with WriteTransaction(self.engine, "import the questions") as session:
                session.add_all(rows)
                session.flush()
                audit_log.append(session.connection(), now, actor.username, "bank.import", f"unit:{facts.unit_key}",
                                 {"file": name, "format": reading.format, "sha256": digest,
                                  "imported": [r.item_id for r in rows], "skipped": len(report.skipped)})
                if keep_status:
                    counted = Counter(s for s in restored if s)
                    audit_log.append(session.connection(), now, actor.username, "bank.import_status",
                                     f"unit:{facts.unit_key}",
                                     {"file": name, "sha256": digest,
                                      "restored": {s: counted[s] for s in STATUSES if counted[s]},
                                      "no_record_left_draft": sum(1 for s in restored if not s)})
                session.commit()
        return report


def _item(row: t.BankItem) -> Item:
    body = json.loads(row.body)
    item = item_from_dict(body, row.qualification, row.unit_key)
    item.status, item.use = row.status, row.use  # the row holds the item's standing (it follows the bank)
    return item
