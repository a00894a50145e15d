"""Parser for Pearson Edexcel NVQ specifications (text extracted from the PDF).

Layout of this family:

* One document holds several qualifications (Level 1, 2 and 3) that share one pool of unit
  specifications. A table ``Title<TAB>QN<TAB>Accreditation start`` names them.
* Per qualification, ``What is the qualification structure for the <title>?``: the minimum
  credits, TQT and GLH in one sentence, the achievement rules as bullets, then per group a
  heading carrying its rule (``Group B – Optional units. Learners must achieve ...``) and a
  table ``REF<TAB>Title<TAB>Level<TAB>Credit``. Sub-groups (``Sub-group C1``, ``Group C2 IT1``)
  hang under their group. Membership is by position under the headings.
* Units: ``Unit N: Title`` (wrapped over up to three lines), ``Unit reference number:``,
  ``Level:``, ``Credit value:``, ``Guided learning hours:``, the prose sections ``Unit summary``,
  ``Forbidden combination(s)``, ``Assessment requirements/evidence requirements`` and
  ``Assessment methodology``, then a five-column grid (outcome number, outcome text,
  criterion id, criterion text, three empty form columns) closed by a sign-off block
  (``Learner name:<TAB>Date:``). Units 55 and 97 repeat Units 23 and 67.

Traps handled (line numbers are in the seed notes):

* Structure tables: shredded or garbled group headings (``Group A - N<TAB>landatory``: the
  achievement rules' "both mandatory units from Group A" settles the kind), repeated and
  partial table headers, blank lines inside groups, sub-group marker rows, a rule sentence
  with a truncated reference that must not read as a row. Rows whose reference and title
  disagree with the unit bodies (swapped, mistyped, or another unit's reference) are joined
  to the unit whose title they print exactly; ``table_ref``/``table_credit`` keep the print.
* Headings: hyphen wraps (``Customer-`` / ``Friendly``) and ``evel: 2`` for ``Level: 2``.
* The grid: header variants (``Lear<TAB>ning outcomes ...``) repeated at page breaks; rows
  continuing with fewer columns; ids fused with their text (``5.6 Describe``), with a dot
  lost (``48``) or a stray id before them (``3.4<TAB>3.3``); ids lost or garbled, inferred
  from the previous criterion; several criteria run together in one cell, even in the
  outcome column; a criterion printed twice, once cut (the fuller copy wins); two criteria in
  one cell (``4.1 4.2``, or a lost second id), split where a criterion verb of the document
  starts a new sentence. The outcome of a row is told by its criterion id, since outcome
  numbers are lost or OCR'd (``S``, ``manageme``); of the number and text columns only one
  holds the outcome text, the other copy is a PDF artefact; stray numbers, repeated wrap
  fragments and doubled words are dropped.
* Outcome texts whose opening words were cut are restored from the summary that lists the
  outcomes ("This unit concerns being able to a, b and understand c."), or from the other
  copy of a repeated unit. Knowledge outcomes begin "Understand", "Know" or "Be able to
  understand"; a cut fragment goes by its criteria (mostly explain/describe/evaluate).
* Assessment methods follow the unit's suite: the ITQ list of recommended methods or its
  day-to-day-work/scenarios/knowledge-tests sentence, the MSC workplace-evidence list, else the
  document's generic evidence types, without simulation where the unit forbids it.
* Evidence requirements: a lead-in ending ':' and its items (numbered, dashed, bulleted, or
  indented under a numbered paragraph) give the unit's range.
* A document cut in a unit fails on that unit; one cut between units fails against the
  contents list, which names every unit.

Defects no rule can mend (words the PDF lost, attested elsewhere) are corrected by the
errata file ``question_bank/errata/pearson-contact-centre-nvq.yaml``.

The reader is in three parts: :mod:`.tables` (the front matter and the structure tables, and
joining their rows to units), :mod:`.units` (the unit specifications and their prose sections)
and :mod:`.grid` (a unit's grid of outcomes and criteria); :mod:`.layout` holds what they share.
"""

from __future__ import annotations

from tutor.domain.catalogue import SpecReading
from tutor.importer.parsers.pearson.tables import (
    AWARDER,
    group_label,
    hub,
    membership,
    read_qualifications,
    title_index,
)
from tutor.importer.parsers.pearson.units import criterion_boundary, dedupe, finish_unit, read_units
from tutor.importer.text import SourceDocument

FAMILY = "pearson"


def detect(doc: SourceDocument) -> bool:
    """'Pearson Edexcel ...' titles on the cover and Pearson named as the awarding body."""
    opening = doc.lines[:100]
    cover = any(line.text.startswith("Pearson Edexcel ") for line in opening[:20])
    return cover and any("Pearson" in line.text and AWARDER.search(line.text) for line in opening)


def parse(doc: SourceDocument) -> SpecReading:
    """The qualifications and their structure tables, then the unit pool; rows are joined to units last."""
    lines = doc.lines
    quals, tables = read_qualifications(lines)
    drafts = read_units(lines)
    boundary = criterion_boundary(drafts)
    by_key = dedupe([finish_unit(draft, boundary) for draft in drafts])
    titles = title_index(by_key.values())
    for qual, rows in zip(quals, tables):
        qual.units = [membership(row, by_key, titles) for row in rows]
    for unit in by_key.values():
        unit.group = group_label(unit, quals)
    return SpecReading(family=FAMILY, qualifications=quals, units=list(by_key.values()), primary=hub(quals))
