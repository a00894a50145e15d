"""Parser for the gqa layout family: GQA Qualifications candidate booklets.

Layout (text pulled out of a PDF, table cells separated by tabs):

* a cover: the title line ``GQA Level 3 Diploma in ...``, ``Qualification Number`` over the
  number, and the address line ``GQA Qualifications, Unit 1, ...``;
* a "Personal competence summary" cover sheet repeating the mandatory units, and its
  "RELIABLE EVIDENCE" checkbox list (flattened Markdown/HTML: ``| Work records <input
  type="checkbox"/> | Assessment of knowledge <input .../>``) - the qualification-wide
  forms of evidence, which become every unit's assessment methods;
* the structure table (``Unit No\\tMandatory Units\\tLevel\\tCredit``): each unit takes two
  lines, ``REF\\tTitle\\tLEVEL\\tCREDIT`` then its local code (``CS1``); group rows such as
  ``Optional Group 1 (Minimum of 15 Credits)`` open the next group. It ends at the
  sentence "Achievement of the required credit ...";
* boilerplate with numbered paragraphs (``1. Equality of Opportunity``, ``2.1 Individual
  centres ...``) that look like outcomes and criteria;
* one block per unit: heading ``REF\\tTitle\\tLevel N\\tN Credits``, the local code, the
  aim paragraph ("This unit aims ..."), the grid header ``Learning outcome. The learner
  will:\\t...``, one row per criterion (the first criterion shares its outcome's row, later
  ones start with a tab), and the closing ``Assessor comments``.

Traps handled:

* the summary sheet lists the mandatory units a second time: only the structure table
  defines memberships, so nothing is counted twice;
* page-break blank lines cut into the structure table, so it ends at its closing
  sentence, not at a blank line;
* numbered boilerplate paragraphs are ignored: rows are read only inside a unit block;
* the structure table is the authority for title, level and credit, because unit headings
  carry typos ("diversion" for "diversity") and conflicts (a Level 3 unit headed
  "Level 2");
* a page-break artefact leaves the next outcome's number at the end of an outcome's last
  criterion (``... customer relationships 2`` just before outcome ``2.``); it is removed;
* the qualification's credit total is never written: it is the sum of the groups'
  minimums, with a mandatory group counting all of its units' credits.

A document cut off or garbled inside the structure table or a unit block raises a
:class:`SpecError` naming the line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

from tutor.domain.catalogue import (COMPETENCE, KNOWLEDGE, Criterion, Outcome, OutcomeKind, Qualification, RuleGroup,
                                    SpecReading, Unit)
from tutor.importer.errors import spec_error
from tutor.importer.parsers.table_rows import UNIT_REF, TableRow, table_membership
from tutor.importer.text import SourceDocument, SourceLine

FAMILY = "gqa"

_COVER_LINES = 400  # the cover, summary sheet and structure table all come before this
_TITLE = re.compile(r"^GQA .*\bLevel (\d+)\b")
_AWARDING_BODY = re.compile(r"^(GQA [^,\t]+),")
_NUMBER_LABEL = "Qualification Number"
_NUMBER = re.compile(r"^\d{3}/\d{4}/\d$")

_EVIDENCE_HEADING = "RELIABLE EVIDENCE"
_CHECKBOX_CELL = re.compile(r'^\s*(.+?)\s*<input type="checkbox"/>\s*$')

_TABLE_HEADER = re.compile(r"^Unit No\t([^\t]+)\tLevel\tCredit$")
_TABLE_END = "Achievement of the required credit"
_TABLE_ROW = re.compile(rf"^({UNIT_REF})\t([^\t]+)\t(\d+)\t(\d+)$")
# A group row: "Optional Group 1 (Minimum of 15 Credits)"; the bracketed limits may be absent.
_GROUP_ROW = re.compile(r"^((?:Mandatory|Optional)\b[^\t()]*?)\s*(?:\([^()\t]+\))?$", re.IGNORECASE)
_LIMIT = re.compile(r"\b(minimum|maximum) of (\d+) (credit|unit)s?\b", re.IGNORECASE)
_UNITS_SUFFIX = re.compile(r"\s+units?$", re.IGNORECASE)  # "Mandatory Units" -> "Mandatory"
_LOCAL_ID = re.compile(r"^([A-Z]{1,4}\d+)$")

_UNIT_HEADING = re.compile(rf"^({UNIT_REF})\t([^\t]+)\tLevel (\d+)\t(\d+) Credits?$")
_GRID_HEADER = re.compile(r"^Learning outcome\. The learner will:\t")
_OUTCOME_ROW = re.compile(r"^(\d+)\. ([^\t]+)\t(\d+)\.(\d+) ([^\t]+)$")
_CRITERION_ROW = re.compile(r"^\t(\d+)\.(\d+) ([^\t]+)$")
_UNIT_END = "Assessor comments"
_KNOWLEDGE_OPENINGS = ("Understand ", "Know ")

GroupKind = Literal["mandatory", "optional"]


@dataclass
class _TableRow(TableRow):
    """One unit as the structure table lists it, with the body's own code for it."""

    local_id: str


@dataclass
class _Group:
    """One group of the structure table: its label row and the units under it."""

    label: str  # e.g. "Mandatory Units", "Optional Group 1"
    rule: str  # the label as printed, with its bracketed limits
    line: int
    rows: list[_TableRow] = field(default_factory=list)

    @property
    def name(self) -> str:
        """The group name units carry: "mandatory", "optional group 1"."""
        return _UNITS_SUFFIX.sub("", self.label).lower()

    @property
    def kind(self) -> GroupKind:
        return "mandatory" if self.name.startswith("mandatory") else "optional"


@dataclass
class _Structure:
    """The structure table: its groups in order, and each unit's group and row by reference."""

    groups: list[_Group]
    completion: str  # the sentence after the table saying when the qualification is achieved
    end: int  # index of the line after the table
    by_ref: dict[str, tuple[_Group, _TableRow]] = field(default_factory=dict)


# --- detection -------------------------------------------------------------------------


def detect(doc: SourceDocument) -> bool:
    """A GQA title line and the GQA Qualifications address on the cover."""
    cover = [line.text for line in doc.lines[:_COVER_LINES]]
    return any(_TITLE.match(t) for t in cover) and any(_AWARDING_BODY.match(t) for t in cover)


# --- parsing ---------------------------------------------------------------------------


def parse(doc: SourceDocument) -> SpecReading:
    lines = doc.lines
    structure = _read_structure(lines)
    methods = _read_evidence_forms(lines)
    units = _read_units(lines, structure, methods)
    qualification = _read_qualification(lines, structure)
    return SpecReading(family=FAMILY, qualifications=[qualification], units=units)


def _read_qualification(lines: list[SourceLine], structure: _Structure) -> Qualification:
    title, level = _read_title(lines)
    groups = [_rule_group(g) for g in structure.groups]
    return Qualification(
        title=title,
        number=_read_number(lines),
        awarding_body=_read_awarding_body(lines),
        level=level,
        glh=None,  # GQA booklets state no GLH or TQT
        tqt=None,
        credits=_minimum_credits(groups),
        rules_of_combination=_rules_text(structure),
        rule_groups=groups,
        units=[
            table_membership(row, row.ref, g.name, g.kind)
            for g in structure.groups
            for row in g.rows
        ],
    )


def _read_title(lines: list[SourceLine]) -> tuple[str, int]:
    for line in lines[:_COVER_LINES]:
        match = _TITLE.match(line.text)
        if match:
            return line.text.strip(), int(match[1])
    raise spec_error("gqa", "no_qualification_title_gqa", line=lines[0].no)


def _read_number(lines: list[SourceLine]) -> str:
    for index, line in enumerate(lines[:_COVER_LINES]):
        if line.text.strip() == _NUMBER_LABEL:
            following = _next_text(lines, index + 1)
            if following is not None and _NUMBER.match(lines[following].text.strip()):
                return lines[following].text.strip()
            raise spec_error("gqa", "qualification_number_not_followed_by_number", line=line.no)
    raise spec_error("gqa", "no_qualification_number_cover", line=lines[0].no)


def _read_awarding_body(lines: list[SourceLine]) -> str:
    for line in lines[:_COVER_LINES]:
        match = _AWARDING_BODY.match(line.text)
        if match:
            return match[1]
    raise spec_error("gqa", "no_awarding_body_address", line=lines[0].no)


def _read_evidence_forms(lines: list[SourceLine]) -> list[str]:
    """The checkbox labels of the "RELIABLE EVIDENCE" list, in reading order.

    The PDF's two checkbox columns come out as Markdown table residue, so a line may hold
    one or two cells separated by ``|``. The list ends at the first line that is neither
    blank nor table residue.
    """
    start = next((i for i, line in enumerate(lines) if line.text.startswith(_EVIDENCE_HEADING)), None)
    if start is None:
        return []
    forms: list[str] = []
    for line in lines[start + 1:]:
        if line.text and "|" not in line.text and "<input" not in line.text:
            break
        for cell in line.text.split("|"):
            match = _CHECKBOX_CELL.match(cell)
            if match:
                forms.append(match[1])
    return forms


# --- structure table -------------------------------------------------------------------


def _read_structure(lines: list[SourceLine]) -> _Structure:
    header = next((i for i, line in enumerate(lines) if _TABLE_HEADER.match(line.text)), None)
    if header is None:
        raise spec_error("gqa", "no_structure_table_unit", line=lines[-1].no)
    # The header's second cell names the first group ("Mandatory Units").
    first = _TABLE_HEADER.match(lines[header].text)[1]
    structure = _Structure(groups=[_Group(first, first, lines[header].no)], completion="", end=0)
    index = header + 1
    # Blank lines from page breaks cut into the table, so only its closing sentence ends it.
    while index < len(lines) and not lines[index].text.startswith(_TABLE_END):
        line = lines[index]
        group_row = _GROUP_ROW.match(line.text)
        if not line.text:
            index += 1
        elif _TABLE_ROW.match(line.text):
            row, index = _read_table_row(lines, index)
            _add_row(structure, row)
        elif group_row:
            structure.groups.append(_Group(label=group_row[1], rule=line.text, line=line.no))
            index += 1
        else:
            raise spec_error("gqa", "unexpected_line_in_structure", line=line.no, text=line.text)
    if index == len(lines):
        raise spec_error("gqa", "structure_table_no_closing", line=lines[-1].no, table_end=_TABLE_END)
    for group in structure.groups:
        if not group.rows:
            raise spec_error("gqa", "group_structure_table_lists", line=group.line, group=group)
    structure.completion = lines[index].text.strip()
    structure.end = index + 1
    return structure


def _read_table_row(lines: list[SourceLine], index: int) -> tuple[_TableRow, int]:
    """A unit's two table lines: ``REF\\tTitle\\tLevel\\tCredit`` then its local code."""
    line = lines[index]
    match = _TABLE_ROW.match(line.text)
    code_index = _next_text(lines, index + 1)
    code = _LOCAL_ID.match(lines[code_index].text.strip()) if code_index is not None else None
    if code is None:
        raise spec_error("gqa", "table_row_not_followed_by_unit_code", line=line.no, match=match)
    row = _TableRow(match[1], match[2].strip(), int(match[3]), int(match[4]), line.no, local_id=code[1])
    return row, code_index + 1


def _add_row(structure: _Structure, row: _TableRow) -> None:
    """Put a unit in the current (last opened) group; a unit listed twice has no clear group."""
    if row.ref in structure.by_ref:
        raise spec_error("gqa", "unit_listed_twice_in", line=row.line, row=row)
    group = structure.groups[-1]
    group.rows.append(row)
    structure.by_ref[row.ref] = (group, row)


def _rule_group(group: _Group) -> RuleGroup:
    if group.kind == "mandatory":
        # "Mandatory" means all of them: the limits are the group's own units and credits.
        total = sum(row.credit for row in group.rows)
        count = len(group.rows)
        return RuleGroup(group.name, "mandatory", total, total, count, count, group.rule)
    limits = {(m[1].lower(), m[3].lower()): int(m[2]) for m in _LIMIT.finditer(group.rule)}
    return RuleGroup(
        name=group.name,
        kind="optional",
        min_credits=limits.get(("minimum", "credit")),
        max_credits=limits.get(("maximum", "credit")),
        min_units=limits.get(("minimum", "unit")),
        max_units=limits.get(("maximum", "unit")),
        text=group.rule,
    )


def _minimum_credits(groups: list[RuleGroup]) -> int | None:
    """The least credit that achieves the qualification; the document never writes it."""
    minimums = [g.min_credits for g in groups]
    return None if None in minimums else sum(minimums)


def _rules_text(structure: _Structure) -> str:
    parts = []
    for group in structure.groups:
        codes = ", ".join(row.local_id for row in group.rows)
        credits = sum(row.credit for row in group.rows)
        parts.append(f"{group.rule}: {codes} ({len(group.rows)} units, {credits} credits).")
    parts.append(structure.completion)
    return " ".join(parts)


# --- unit blocks -----------------------------------------------------------------------


def _read_units(lines: list[SourceLine], structure: _Structure, methods: list[str]) -> list[Unit]:
    units: list[Unit] = []
    index = structure.end
    while index < len(lines):
        line = lines[index]
        if _UNIT_HEADING.match(line.text):
            unit, index = _read_unit(lines, index, structure, methods)
            units.append(unit)
            continue
        if _GRID_HEADER.match(line.text):
            raise spec_error("gqa", "assessment_grid_without_unit", line=line.no)
        index += 1
    return units


def _read_unit(
    lines: list[SourceLine], index: int, structure: _Structure, methods: list[str]
) -> tuple[Unit, int]:
    """One unit block, from its heading to ``Assessor comments``; returns the unit and the next index."""
    heading = lines[index]
    ref = _UNIT_HEADING.match(heading.text)[1]
    listed = structure.by_ref.get(ref)
    if listed is None:
        raise spec_error("gqa", "unit_specified_but_not_in_structure", line=heading.no, ref=ref)
    group, row = listed
    code_index = _next_text(lines, index + 1)
    code = _LOCAL_ID.match(lines[code_index].text.strip()) if code_index is not None else None
    if code is None or code[1] != row.local_id:
        raise spec_error("gqa", "unit_heading_not_followed_by_code", line=heading.no, ref=ref, row=row)
    aim, grid = _read_aim(lines, code_index + 1, ref)
    outcomes, end = _read_grid(lines, grid + 1, ref)
    unit = Unit(
        ref=ref,
        local_id=row.local_id,
        # The table is the authority: headings carry typos and a conflicting level.
        title=row.title,
        level=row.level,
        glh=None,
        credit=row.credit,
        group=group.name,
        assessment_methods=list(methods),
        outcomes=outcomes,
        guidance=f"Unit aim: {aim}" if aim else "",
        source_line=heading.no,
    )
    return unit, end


def _read_aim(lines: list[SourceLine], index: int, ref: str) -> tuple[str, int]:
    """The prose between the unit code and the grid header; returns it and the header's index."""
    prose: list[str] = []
    for at in range(index, len(lines)):
        text = lines[at].text
        if _GRID_HEADER.match(text):
            return " ".join(prose), at
        if _UNIT_HEADING.match(text) or text.strip() == _UNIT_END:
            raise spec_error("gqa", "unit_no_assessment_grid", line=lines[at].no, ref=ref)
        if text.strip():
            prose.append(text.strip())
    raise spec_error("gqa", "unit_cut_off_before", line=lines[-1].no, ref=ref)


def _read_grid(lines: list[SourceLine], index: int, ref: str) -> tuple[list[Outcome], int]:
    """Outcome and criterion rows up to ``Assessor comments``; returns them and the next index."""
    outcomes: list[Outcome] = []
    for at in range(index, len(lines)):
        line = lines[at]
        if not line.text:
            continue
        if line.text.strip() == _UNIT_END:
            if not outcomes:
                raise spec_error("gqa", "unit_empty_assessment_grid", line=line.no, ref=ref)
            return outcomes, at + 1
        outcome_row = _OUTCOME_ROW.match(line.text)
        if outcome_row:
            _open_outcome(outcomes, outcome_row[1], outcome_row[2], ref, line.no)
            _add_criterion(outcomes, outcome_row[3], outcome_row[4], outcome_row[5], ref, line.no)
            continue
        criterion_row = _CRITERION_ROW.match(line.text)
        if criterion_row is None and _UNIT_HEADING.match(line.text):
            raise spec_error("gqa", "unit_no_end_before_next_unit", line=line.no, ref=ref, unit_end=_UNIT_END)
        if criterion_row is None:
            raise spec_error("gqa", "unit_unexpected_line_in", line=line.no, ref=ref, text=line.text)
        _add_criterion(outcomes, *criterion_row.groups(), ref, line.no)
    raise spec_error("gqa", "unit_cut_off_no_end", line=lines[-1].no, ref=ref, unit_end=_UNIT_END)


def _open_outcome(outcomes: list[Outcome], number: str, text: str, ref: str, line_no: int) -> None:
    if int(number) != len(outcomes) + 1:
        raise spec_error("gqa", "unit_outcome_out_sequence", line=line_no, ref=ref, number=number)
    if outcomes:
        _drop_leaked_number(outcomes[-1], number)
    outcomes.append(Outcome(id=number, text=text.strip(), kind=_outcome_kind(text)))


def _drop_leaked_number(previous: Outcome, number: str) -> None:
    """Remove the next outcome's number that a page break left at the end of a criterion."""
    last = previous.criteria[-1]
    suffix = f" {number}"
    if last.text.endswith(suffix):
        previous.criteria[-1] = Criterion(last.id, last.text[: -len(suffix)].rstrip())


def _add_criterion(outcomes: list[Outcome], major: str, minor: str, text: str, ref: str, line_no: int) -> None:
    if not outcomes:
        raise spec_error("gqa", "unit_criterion_comes_before", line=line_no, ref=ref, major=major, minor=minor)
    outcome = outcomes[-1]
    if major != outcome.id or int(minor) != len(outcome.criteria) + 1:
        raise spec_error("gqa", "unit_criterion_out_sequence", line=line_no, ref=ref, major=major, minor=minor,
                         outcome=outcome)
    outcome.criteria.append(Criterion(id=f"{major}.{minor}", text=text.strip()))


def _outcome_kind(text: str) -> OutcomeKind:
    """Knowledge for "Understand ..." and "Know ..." outcomes, competence for "Be able to ..."."""
    return KNOWLEDGE if text.startswith(_KNOWLEDGE_OPENINGS) else COMPETENCE


def _next_text(lines: list[SourceLine], index: int) -> int | None:
    """Index of the first non-blank line at or after ``index``."""
    for at in range(index, len(lines)):
        if lines[at].text:
            return at
    return None
