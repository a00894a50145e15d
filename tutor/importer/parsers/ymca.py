"""Parser for YMCA Awards qualification specifications (text extracted from the PDF).

Layout of this family:

* Front matter: the title line ``<Title> (NNN/NNNN/N)``, ``Qualification number: ...``, a
  ``Copyright © YMCA Awards <year>`` line, then a contents list that repeats every heading
  with dot leaders, a tab and a page number.
* ``Qualification structure``: an intro sentence giving the minimum credits, then per group a
  heading ``Mandatory Group A Units`` / ``Optional Group B Units``, its rule sentence and a
  tab-separated table ``REF<TAB>Title<TAB>Level<TAB>Credit``. TQT and GLH follow in prose.
* After ``Unit specifications and recommended assessment methods``, one section per unit:
  heading ``Title (REF)``, ``Unit aim`` + paragraph, ``Unit content``, then per outcome
  ``The learner will:`` / ``N. outcome`` / ``The learner can:`` / ``N.M criterion`` lines,
  then ``Assessment specification`` / ``May be assessed by:`` and the methods.
  The body never states a unit's level or credit: those come only from the structure table.

Traps handled (see the seed notes for line numbers):

* The contents repeats every unit heading, so units are only looked for after the content
  anchor, and a unit is found by its exact ``Unit aim`` line, never by its heading.
* Unit headings with the reference on its own line ``(J/506/2132)``, with the slash missing
  ``(L506/1788)``, or with no reference at all (joined to the table by title).
* Table rows whose reference and title disagree with the body (the row titled "Promote
  additional products..." carries the reference of "Make telephone calls..."): rows are
  joined to units by reference *and* title first, then by title, then by reference alone,
  so a unit whose row went to another unit is left without level or credit, and takes its
  group from its neighbours in the body. Titles are compared ignoring case and apostrophes.
* A page break leaving a blank line inside a table.
* Criteria plain (``1.1 ...``) or hyphen-bulleted (``- 1.1 ...``), mixed within one outcome,
  with blank lines between; two-digit ids (``2.10``); wrapped text landing after a blank line
  and ``a) / b)`` sub-items (both fold into the previous criterion); trailing full stops.
* Outcomes are knowledge when they begin "Understand" or "Know"; anything else ("Be able to",
  or a bare verb such as "Input ...") is competence.
* Six layouts of the assessment methods: one per line, bullet glyph lost (leading space),
  blank lines between, a two-row tab table, everything on the heading line followed by a
  ``---`` table rule. Methods are found by name, not by splitting on spaces, and the block
  stops at the first line that is not made of method names, so the closing marketing
  footer never joins the last unit.

Criterion text that the PDF cut off is repaired by errata, not here.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

from tutor.domain.catalogue import (COMPETENCE, KNOWLEDGE, Criterion, Membership, Outcome, OutcomeKind, Qualification,
                                    RuleGroup, SpecReading, Unit)
from tutor.importer.errors import spec_error
from tutor.importer.parsers.table_rows import TableRow, table_membership
from tutor.importer.text import SourceDocument, SourceLine

FAMILY = "ymca"

CONTENT_ANCHOR = "Unit specifications and recommended assessment methods"
STRUCTURE_HEADING = "Qualification structure"
UNIT_AIM = "Unit aim"
UNIT_CONTENT = "Unit content"
ASSESSMENT_HEADING = "Assessment specification"
LEARNER_PROMPTS = frozenset({"The learner will:", "The learner can:"})

_REF = r"([A-Z])/?(\d{3})/(\d{4})"  # the slash after the letter is sometimes lost
_HEADING_WITH_REF = re.compile(rf"^(.*?)\s*\({_REF}\)$")
_REF_ALONE = re.compile(rf"^\({_REF}\)$")  # a heading's reference pushed onto its own line
_AWARDING_BODY = re.compile(r"^Copyright\s+©\s+(.+?)\s+\d{4}\b")
_QUAL_NUMBER = re.compile(r"^Qualification number:\s*(\d{3}/\d{4}/\d)\s*$")
_LEVEL = re.compile(r"\bLevel (\d)\b")
_TQT = re.compile(r"Total Qualification Time \(TQT\) for this qualification is (\d+)")
_GLH = re.compile(r"Guided Learning Hours \(GLH\) assigned are (\d+)")
_MIN_CREDITS = re.compile(r"must complete a minimum of (\d+) credits")
_GROUP_HEADING = re.compile(r"^(Mandatory|Optional) (Group \w+) Units$")
_TABLE_HEADER = re.compile(r"^Unit reference number\tUnit title\tLevel\tCredit$")
_TABLE_ROW = re.compile(rf"^{_REF}\t([^\t]+)\t(\d+)\t(\d+)$")
_ALL_CREDITS = re.compile(r"\bAll (\d+) credits\b", re.IGNORECASE)
_LIMIT = re.compile(r"\b(minimum|maximum) of (\d+) (credits?|units?)\b", re.IGNORECASE)
_CRITERION = re.compile(r"^-?\s*(\d+)\.(\d+)\s+(.+)$")  # tried before _OUTCOME
_OUTCOME = re.compile(r"^-?\s*(\d+)\.\s+(.+)$")
_KNOWLEDGE_VERB = re.compile(r"^(Understand|Know)\b")
_METHOD = re.compile(
    # Longest names first, so "Questioning (oral or written)" is not cut to "Questioning".
    r"Questioning \(oral or written\)|Products of work|Reflective account|Tasks and projects"
    r"|Witness testimony|Observation|Questioning",
    re.IGNORECASE,
)
# What may remain of a method-block line once the names are removed: blanks, a lost bullet,
# or the '---' rule that follows a one-row table.
_METHOD_FILLER = re.compile(r"^[\s\-•]*$")
_APOSTROPHES = re.compile(r"['’‘]")
_SPACES = re.compile(r"\s+")


def detect(doc: SourceDocument) -> bool:
    """A YMCA Awards document: its copyright line names YMCA Awards and its contents (or the
    heading itself) has the unit-specifications entry, both near the top."""
    head = doc.lines[:400]
    by_ymca = any(
        (m := _AWARDING_BODY.match(line.text)) and m.group(1) == "YMCA Awards" for line in head
    )
    return by_ymca and any(line.text.startswith(CONTENT_ANCHOR) for line in head)


def parse(doc: SourceDocument) -> SpecReading:
    lines = doc.lines
    anchor = _find_content_anchor(lines)
    front = lines[:anchor]
    if not front:
        raise spec_error("ymca", "starts_with_unit_specifications", line=lines[0].no)
    groups = _read_structure(front)
    units = [_parse_unit(section) for section in _unit_sections(lines, anchor)]
    if not units:
        raise spec_error("ymca", "no_unit_specifications_after", line=lines[anchor].no)
    memberships = _join_structure(units, groups)
    qualification = _read_qualification(front, groups, memberships)
    return SpecReading(family=FAMILY, qualifications=[qualification], units=units)


# --- front matter -------------------------------------------------------------------------


def _find_content_anchor(lines: list[SourceLine]) -> int:
    for index, line in enumerate(lines):
        if line.text == CONTENT_ANCHOR:  # the contents entry carries a tab and page number
            return index
    raise spec_error("ymca", "no_content_heading", line=lines[-1].no, content_anchor=CONTENT_ANCHOR)


def _first_match(pattern: re.Pattern[str], lines: list[SourceLine], search: bool = False) -> re.Match[str] | None:
    for line in lines:
        found = pattern.search(line.text) if search else pattern.match(line.text)
        if found:
            return found
    return None


def _read_qualification(front: list[SourceLine], groups: list[_TableGroup],
                        memberships: list[Membership]) -> Qualification:
    number_match = _first_match(_QUAL_NUMBER, front)
    if number_match is None:
        raise spec_error("ymca", "no_qualification_number_line", line=front[-1].no)
    number = number_match.group(1)
    title = _qualification_title(front, number)
    body = _first_match(_AWARDING_BODY, front)
    if body is None:
        raise spec_error("ymca", "no_copyright_awarding_body", line=front[-1].no)
    level = _LEVEL.search(title)
    return Qualification(
        title=title,
        number=number,
        awarding_body=body.group(1),
        level=int(level.group(1)) if level else None,
        glh=_int_in(_GLH, front),
        tqt=_int_in(_TQT, front),
        credits=_int_in(_MIN_CREDITS, front),
        rules_of_combination=_rules_text(front, groups),
        rule_groups=[group.rule_group() for group in groups],
        units=memberships,
    )


def _qualification_title(front: list[SourceLine], number: str) -> str:
    """The first line naming the qualification with its number in brackets, number removed."""
    suffix = f"({number})"
    for line in front:
        if line.text.endswith(suffix):
            return line.text[: -len(suffix)].strip()
    raise spec_error("ymca", "no_title_line_ending", line=front[0].no, suffix=suffix)


def _int_in(pattern: re.Pattern[str], lines: list[SourceLine]) -> int | None:
    found = _first_match(pattern, lines, search=True)
    return int(found.group(1)) if found else None


# --- structure table ----------------------------------------------------------------------


@dataclass
class _TableGroup:
    heading: str  # as printed: "Optional Group B Units"
    name: str  # the group's name in the catalogue: "mandatory" or "Optional Group B"
    kind: Literal["mandatory", "optional"]
    rule: list[str] = field(default_factory=list)
    rows: list[TableRow] = field(default_factory=list)

    def rule_group(self) -> RuleGroup:
        text = " ".join(self.rule)
        group = RuleGroup(name=self.name, kind=self.kind, text=text)
        everything = _ALL_CREDITS.search(text)
        if everything:  # "All 19 credits must be selected": every unit of the group
            group.min_credits = group.max_credits = int(everything.group(1))
            group.min_units = group.max_units = len(self.rows)
        for bound, value, what in _LIMIT.findall(text):
            prefix = "min" if bound.lower() == "minimum" else "max"
            noun = "credits" if what.lower().startswith("credit") else "units"
            setattr(group, f"{prefix}_{noun}", int(value))
        return group


def _read_structure(front: list[SourceLine]) -> list[_TableGroup]:
    """The groups of the structure table, each with its rule sentence and rows.

    The section ends at the first prose line after a table has begun (the TQT sentence).
    """
    start = next((i for i, line in enumerate(front) if line.text == STRUCTURE_HEADING), None)
    if start is None:
        raise spec_error("ymca", "no_structure_section", line=front[-1].no, structure_heading=STRUCTURE_HEADING)
    groups: list[_TableGroup] = []
    in_table = False
    for line in front[start + 1:]:
        text = line.text
        heading = _GROUP_HEADING.match(text)
        if heading:
            groups.append(_new_group(text, heading))
            in_table = False
        elif not text or not groups:
            continue  # blank (also a page break inside a table) or the intro sentences
        elif _TABLE_HEADER.match(text):
            in_table = True
        elif in_table:
            row = _TABLE_ROW.match(text)
            if row is None:
                break
            groups[-1].rows.append(_table_row(row, line.no))
        else:
            groups[-1].rule.append(text.strip())
    if not groups or not any(group.rows for group in groups):
        raise spec_error("ymca", "qualification_structure_no_unit", line=front[start].no)
    _name_mandatory_group(groups)
    return groups


def _new_group(text: str, heading: re.Match[str]) -> _TableGroup:
    kind: Literal["mandatory", "optional"] = "mandatory" if heading.group(1) == "Mandatory" else "optional"
    return _TableGroup(heading=text, name=f"{heading.group(1)} {heading.group(2)}", kind=kind)


def _name_mandatory_group(groups: list[_TableGroup]) -> None:
    """The catalogue calls a lone mandatory group just "mandatory"; several keep their names."""
    mandatory = [group for group in groups if group.kind == "mandatory"]
    if len(mandatory) == 1:
        mandatory[0].name = "mandatory"


def _table_row(row: re.Match[str], line_no: int) -> TableRow:
    letter, block, serial, title, level, credit = row.groups()
    return TableRow(f"{letter}/{block}/{serial}", title.strip(), int(level), int(credit), line_no)


def _rules_text(front: list[SourceLine], groups: list[_TableGroup]) -> str:
    """The document's own rule sentences: the minimum-credit sentence, then each group's rule."""
    sentences = [line.text.strip() for line in front if _MIN_CREDITS.search(line.text)][:1]
    sentences += [f"{group.heading}: {' '.join(group.rule)}" for group in groups]
    return " ".join(sentences)


def _title_key(title: str) -> str:
    """Titles drift between table and heading in case and apostrophe position only."""
    return _SPACES.sub(" ", _APOSTROPHES.sub("", title)).strip().lower()


# A row belongs to a unit by reference and title, else by title (the reference may be the
# row's defect, or the heading may have none), else by reference (the title drifted).
_ROW_MATCHERS: tuple[Callable[[Unit, TableRow], bool], ...] = (
    lambda unit, row: unit.ref == row.ref and _title_key(unit.title) == _title_key(row.title),
    lambda unit, row: _title_key(unit.title) == _title_key(row.title),
    lambda unit, row: unit.ref is not None and unit.ref == row.ref,
)


def _join_structure(units: list[Unit], groups: list[_TableGroup]) -> list[Membership]:
    """Give each unit its table row (level, credit, group) and build the memberships."""
    free = [(row, group) for group in groups for row in group.rows]
    claimed: dict[int, tuple[TableRow, _TableGroup]] = {}  # unit index -> its row
    for matches in _ROW_MATCHERS:
        for index, unit in enumerate(units):
            if index not in claimed:
                hit = next((k for k, (row, _) in enumerate(free) if matches(unit, row)), None)
                if hit is not None:
                    claimed[index] = free.pop(hit)
    if free:
        row = free[0][0]
        raise spec_error("ymca", "unit_listed_but_missing", line=row.line, row=row)
    return [_membership(units, index, claimed) for index in range(len(units))]


def _membership(units: list[Unit], index: int, claimed: dict[int, tuple[TableRow, _TableGroup]]) -> Membership:
    unit = units[index]
    if index not in claimed:
        return _membership_by_position(units, index, claimed)
    row, group = claimed[index]
    unit.ref = unit.ref or row.ref  # a heading without a reference takes the table's
    unit.level, unit.credit, unit.group = row.level, row.credit, group.name
    return table_membership(row, unit.key, group.name, group.kind)


def _membership_by_position(units: list[Unit], index: int,
                            claimed: dict[int, tuple[TableRow, _TableGroup]]) -> Membership:
    """A unit with no table row sits in the group of the units either side of it in the body."""
    unit = units[index]
    around = {claimed[i][1].name: claimed[i][1] for i in (index - 1, index + 1) if i in claimed}
    if len(around) != 1 or unit.ref is None:
        raise spec_error("ymca", "unit_not_in_structure_table", line=unit.source_line, unit=unit)
    group = next(iter(around.values()))
    unit.group = group.name
    return Membership(ref=unit.ref, group=group.name, group_kind=group.kind)


# --- unit sections ------------------------------------------------------------------------


@dataclass
class _Section:
    heading: str
    lines: list[SourceLine]  # from the heading to the line before the next unit's heading
    start: int  # line number of the heading


def _unit_sections(lines: list[SourceLine], anchor: int) -> list[_Section]:
    """Split the body at each unit heading: the non-blank line(s) before an exact 'Unit aim'."""
    starts: list[tuple[int, str]] = []
    for index in range(anchor + 1, len(lines)):
        if lines[index].text == UNIT_AIM:
            starts.append(_heading_before(lines, index, anchor))
    sections = []
    for number, (start, heading) in enumerate(starts):
        end = starts[number + 1][0] if number + 1 < len(starts) else len(lines)
        sections.append(_Section(heading, lines[start:end], lines[start].no))
    return sections


def _previous_text(lines: list[SourceLine], index: int, floor: int) -> int:
    index -= 1
    while index > floor and not lines[index].text:
        index -= 1
    if index <= floor:
        raise spec_error("ymca", "unit_aim_without_unit", line=lines[index + 1].no)
    return index


def _heading_before(lines: list[SourceLine], aim: int, anchor: int) -> tuple[int, str]:
    """The heading above 'Unit aim'; a reference alone on its line joins the title above it."""
    index = _previous_text(lines, aim, anchor)
    heading = lines[index].text.strip()
    if _REF_ALONE.match(heading):
        index = _previous_text(lines, index, anchor)
        heading = f"{lines[index].text.strip()} {heading}"
    return index, heading


def _parse_unit(section: _Section) -> Unit:
    ref, title = _split_heading(section.heading)
    name = ref or title
    texts = [line.text for line in section.lines]
    content = _index_of(texts, lambda t: t == UNIT_CONTENT)
    if content is None:
        raise spec_error("ymca", "unit_ends_before_unit", line=section.lines[-1].no, name=name)
    methods_at = _index_of(texts, lambda t: t.startswith(ASSESSMENT_HEADING), content)
    body = section.lines[content + 1: methods_at]
    unit = Unit(ref=ref, local_id=None, title=title, level=None, glh=None, credit=None, group="",
                source_line=section.start)
    unit.guidance = _aim_text(texts, content)
    truncated = methods_at is None
    unit.outcomes = _read_outcomes(body, name, section.lines[content].no, truncated)
    if methods_at is None:
        raise spec_error("ymca", "unit_ends_before_assessment", line=section.lines[-1].no, name=name)
    unit.assessment_methods = _read_methods(section.lines[methods_at:], name)
    return unit


def _split_heading(heading: str) -> tuple[str | None, str]:
    found = _HEADING_WITH_REF.match(heading)
    if not found:
        return None, _SPACES.sub(" ", heading)
    title, letter, block, serial = found.groups()
    return f"{letter}/{block}/{serial}", _SPACES.sub(" ", title)


def _index_of(texts: list[str], wanted: Callable[[str], bool], start: int = 0) -> int | None:
    return next((i for i in range(start, len(texts)) if wanted(texts[i])), None)


def _aim_text(texts: list[str], content: int) -> str:
    aim = _index_of(texts, lambda t: t == UNIT_AIM)
    paragraph = " ".join(t.strip() for t in texts[aim + 1: content] if t) if aim is not None else ""
    return f"Unit aim: {paragraph}" if paragraph else ""


# --- outcomes and criteria ----------------------------------------------------------------


def _outcome_kind(text: str) -> OutcomeKind:
    return KNOWLEDGE if _KNOWLEDGE_VERB.match(text) else COMPETENCE


def _read_outcomes(body: list[SourceLine], unit: str, content_line: int, truncated: bool) -> list[Outcome]:
    """Outcomes with their criteria; a line matching neither continues the text before it.

    ``truncated`` says the unit stops before its assessment specification, so a last outcome
    without criteria is reported as the document being cut off.
    """
    outcomes: list[Outcome] = []
    pending: list[tuple[str, list[str]]] = []  # criteria of the last outcome: id, text parts
    for line in body:
        text = line.text.strip()
        if not text or text in LEARNER_PROMPTS:
            continue
        criterion, outcome = _CRITERION.match(text), _OUTCOME.match(text)
        if criterion:
            _check_criterion_id(criterion, outcomes, unit, line.no)
            pending.append((f"{criterion.group(1)}.{criterion.group(2)}", [criterion.group(3)]))
        elif outcome:
            _close_outcome(outcomes, pending, unit, line.no)
            outcomes.append(Outcome(outcome.group(1), outcome.group(2).strip(), _outcome_kind(outcome.group(2))))
        elif pending:
            pending[-1][1].append(text)  # wrapped text or an "a) ..." sub-item
        elif outcomes:
            outcomes[-1].text = f"{outcomes[-1].text} {text}"  # a wrapped outcome title
        else:
            raise spec_error("ymca", "unit_text_before_first", line=line.no, unit=unit, text=text)
    if not outcomes:
        raise spec_error("ymca", "unit_ends_before_learning", line=body[-1].no if body else content_line, unit=unit)
    _close_outcome(outcomes, pending, unit, body[-1].no, truncated)
    return outcomes


def _check_criterion_id(criterion: re.Match[str], outcomes: list[Outcome], unit: str, line_no: int) -> None:
    if not outcomes or criterion.group(1) != outcomes[-1].id:
        raise spec_error("ymca", "unit_criterion_misplaced", line=line_no, unit=unit, criterion=criterion,
                         outcome=outcomes[-1].id if outcomes else None)


def _close_outcome(outcomes: list[Outcome], pending: list[tuple[str, list[str]]], unit: str, line_no: int,
                   truncated: bool = False) -> None:
    """Attach the collected criteria to the last outcome; an outcome must have some."""
    if not outcomes:
        return
    if not pending:
        last = outcomes[-1].id
        if truncated:
            raise spec_error("ymca", "unit_ends_before_outcome_criteria", line=line_no, unit=unit, last=last)
        raise spec_error("ymca", "unit_outcome_no_assessment", line=line_no, unit=unit, last=last)
    outcomes[-1].criteria = [Criterion(cid, _criterion_text(parts)) for cid, parts in pending]
    pending.clear()


def _criterion_text(parts: list[str]) -> str:
    # Criteria are stated without closing punctuation; the one unit taken from another
    # suite ends each with a full stop, which is dropped for consistency.
    return _SPACES.sub(" ", " ".join(parts)).strip().removesuffix(".").rstrip()


# --- assessment methods -------------------------------------------------------------------


def _read_methods(block: list[SourceLine], unit: str) -> list[str]:
    """Methods named from the 'Assessment specification' line to the first line that is not
    a method line (the next unit or the closing footer)."""
    methods: list[str] = []
    for number, line in enumerate(block):
        text = line.text
        if number == 0:
            text = text[len(ASSESSMENT_HEADING):]
        text = text.replace("May be assessed by:", "")
        if not _METHOD_FILLER.match(_METHOD.sub("", text)):
            break
        methods += [_canonical_method(m) for m in _METHOD.findall(text)]
    if not methods:
        raise spec_error("ymca", "unit_names_no_assessment", line=block[0].no, unit=unit)
    return methods


def _canonical_method(name: str) -> str:
    """'Witness Testimony' and 'Witness testimony' are one method: keep sentence case."""
    return name[0].upper() + name[1:].lower()
